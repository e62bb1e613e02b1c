# frozen_string_literal: true

# A stand-in for Karafka::Routing::Topic: a name, and no eql?/hash of its own (identity).
class TestTopic
  # @return [String]
  attr_reader :name

  # @param name [String]
  def initialize(name)
    @name = name
  end
end

# Helpers shared by the tracker specs.
module TrackerHelpers
  # How long a wait may take before it counts as a hang. Under GC.stress every allocation, in
  # any thread, runs a full GC while a native call is stressed, so starting a thread alone can
  # take seconds; the limit is a hang guard, never a timing assertion.
  HANG_GUARD = GC_STRESS ? 120 : 10

  # The hang guard of examples that compact the heap many times (about 0.1 s each, seconds
  # under GC.stress)
  COMPACTION_GUARD = GC_STRESS ? 600 : 120

  # @param count [Integer]
  # @return [Array<TestTopic>] fresh topics named t0, t1, ...
  def topics(count, prefix: "t")
    Array.new(count) { |i| TestTopic.new("#{prefix}#{i}") }
  end

  # @param tracker [Karafka::Native::AssignmentsTracker]
  # @return [Hash{String => Array<Integer>}] current assignments by topic name
  def by_name(tracker)
    tracker.current.transform_keys(&:name)
  end

  # Runs the block in a forked child and returns its exit status; a child that hangs for
  # `timeout` seconds (a deadlock) is killed.
  def in_child(timeout: HANG_GUARD, &block)
    ChildProcess.run(timeout:, &block).status
  end

  # Runs the block in a forked child and fails the example, with the child's report, unless it
  # ran to its end: an exception, a VM abort (`[BUG]`) or a hang fail this example only.
  def in_child!(timeout: HANG_GUARD, &block)
    outcome = ChildProcess.run(timeout:, &block)
    raise RSpec::Expectations::ExpectationNotMetError, outcome.report unless outcome.success?
  end

  # Waits until the block is true (polling a state of another thread), failing after
  # `timeout` seconds.
  def wait_until(timeout: HANG_GUARD, &block)
    Conditions.wait_until(timeout:, &block)
  end
end

RSpec.configure { |config| config.include TrackerHelpers }

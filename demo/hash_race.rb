# frozen_string_literal: true

# The race karafka-native removes, shown live.
#
# Before Karafka's fix, the assignments tracker was a plain Hash that rebalance callbacks changed
# on listener threads while other threads iterated it to build `Karafka::App.assignments`.
# Ruby raises "can't add a new key into hash during iteration" when a key is added while another
# thread is inside `each`. This demo runs the same workload against that design and against the
# native tracker: writer threads assign and revoke topics (as rebalances do) while reader
# threads read the assignments (as an app does), and prints what each one survived.

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
require "karafka/native"

# The tracker as Karafka had it before its fix: plain Hashes, no lock.
class PlainHashTracker
  def initialize
    @assignments = Hash.new { |hash, topic| hash[topic] = [] }
  end

  # @param _group [String] ignored (the old design did not track groups)
  # @param topics [Hash{Object => Array<Integer>}]
  def assign(_group, topics)
    topics.each do |topic, partitions|
      @assignments[topic] += partitions
      @assignments[topic].sort!
    end
  end

  # @param _group [String] ignored
  # @param topics [Hash{Object => Array<Integer>}]
  def revoke(_group, topics)
    topics.each do |topic, partitions|
      @assignments[topic] -= partitions
      @assignments.delete_if { |_, remaining| remaining.empty? }
    end
  end

  # @return [Hash] a frozen copy, built by iterating the live Hash
  def current
    copy = {}
    @assignments.each { |topic, partitions| copy[topic] = partitions.dup.freeze }
    copy.freeze
  end
end

Topic = Struct.new(:name)

SECONDS = Float(ENV.fetch("DEMO_SECONDS", "3"))
TOPICS = Array.new(2_000) { |i| Topic.new("topic-#{i}") }
WRITERS = 2
READERS = 6

# One writer step: a rebalance that adds a brand-new topic and changes an existing one, then
# gives both back.
def rebalance(tracker, index, random)
  topic = TOPICS.sample(random:)
  fresh = Topic.new("new-#{random.rand(1_000_000)}")
  tracker.assign("sg#{index}", fresh => [0], topic => [2])
  tracker.revoke("sg#{index}", fresh => [0], topic => [2])
end

# Starts the writer and reader threads; each counts its operations in `counts` and pushes an
# exception that ends it onto `errors`.
def start_threads(tracker, counts, errors, stop)
  Array.new(WRITERS + READERS) do |index|
    Thread.new do
      random = Random.new(index)
      until stop[0]
        index < WRITERS ? rebalance(tracker, index, random) : tracker.current
        counts[index] += 1
      end
    rescue StandardError => e
      errors << e
    end
  end
end

# Runs writers and readers against `tracker` for SECONDS; returns [operations, first error].
def hammer(tracker)
  TOPICS.each_slice(10) { |slice| tracker.assign("boot", slice.to_h { |t| [t, [0, 1]] }) }
  stop = [false]
  errors = Queue.new
  counts = Array.new(WRITERS + READERS, 0)
  threads = start_threads(tracker, counts, errors, stop)
  sleep SECONDS
  stop[0] = true
  threads.each(&:join)
  [counts.sum, errors.empty? ? nil : errors.pop]
end

puts format("%-40s %12s  %s", "tracker (#{WRITERS} writer + #{READERS} reader threads)",
            "ops/s", "outcome")
{
  "plain Hash (Karafka before its fix)" => PlainHashTracker.new,
  "Karafka::Native::AssignmentsTracker" => Karafka::Native::AssignmentsTracker.new
}.each do |label, tracker|
  operations, error = hammer(tracker)
  outcome = error ? "FAILED: #{error.class}: #{error.message}" : "ok, no error"
  puts format("%-40s %12d  %s", label, operations / SECONDS, outcome)
end

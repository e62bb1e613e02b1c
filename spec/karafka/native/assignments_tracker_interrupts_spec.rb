# frozen_string_literal: true

require "timeout"

# Every call from native code into Ruby lets Thread#kill, Thread#raise, Timeout and throw
# through, and leaves the state exactly as it was (or exactly as after): nothing half-applied,
# nothing locked, nothing left pinned. Each example runs in a child process, as a swallowed
# interrupt leaves a thread that cannot be killed.
RSpec.describe Karafka::Native::AssignmentsTracker, "interrupted inside its native calls" do
  let(:tracker) { Karafka::Native::AssignmentsTracker.new }
  let(:testing) { Karafka::Native::Testing }

  # Each site sets the tracker up and gives the call to interrupt (which arms the trap) and
  # what the call leaves behind when interrupted: :unchanged (the state exactly as before), or
  # :applied (its change made, exactly as after; only a view it then built is lost).
  sites = {
    "inspect (a topic's name)" => lambda do |tracker, trap|
      topic = GcCallbacks::NamedTopic.new("named")
      tracker.assign("sg", topic => [0])
      topic.hook = trap
      [-> { tracker.inspect }, :unchanged]
    end,
    "a bad value's message (its inspect)" => lambda do |tracker, trap|
      [-> { tracker.assign("sg", TestTopic.new("t") => [GcCallbacks::BadValue.new(trap)]) },
       :unchanged]
    end,
    "a partition object's partition" => lambda do |tracker, trap|
      [-> { tracker.assign("sg", TestTopic.new("t") => [0, GcCallbacks::Partition.new(1, trap)]) },
       :unchanged]
    end,
    "generation's partition object" => lambda do |tracker, trap|
      topic = TestTopic.new("g")
      tracker.assign("sg", topic => [0])
      [-> { tracker.generation(topic, GcCallbacks::Partition.new(0, trap)) }, :unchanged]
    end,
    "a topic's hash while a view is built" => lambda do |tracker, trap|
      topic = GcCallbacks::HashingTopic.new("hashed")
      tracker.assign("sg", topic => [0])
      input = { TestTopic.new("extra") => [5] }
      topic.hook = trap
      [lambda do
        tracker.assign("sg", input)
        tracker.current
      end, :applied]
    end,
    "a coordinator's bad statistics value" => lambda do |tracker, trap|
      coordinator = Karafka::Native::Coordinator.new(tracker)
      statistics = { "cgrp" => { "state" => GcCallbacks::BadValue.new(trap) } }
      [-> { coordinator.notice("sg", statistics, 0) }, :unchanged]
    end
  }

  # Runs `call` with `trap` armed.
  def armed(trap, call)
    trap.arm!
    call.call
  end

  # The state an interrupted call must leave exactly as it was.
  def state_of(tracker)
    [tracker.version, tracker.current.transform_keys(&:name), tracker.generations.size]
  end

  # After the interrupt (and the trap disarmed): nothing changed, or the change made exactly;
  # nothing locked or pinned; and the tracker works.
  def expect_untouched(tracker, before, outcome, trap)
    trap.disarm!
    if outcome == :unchanged
      expect(state_of(tracker)).to eq(before)
    else
      version, current, = before
      expect(tracker.version).to eq(version + 1)
      expect(tracker.current.transform_keys(&:name)).to eq(current.merge("extra" => [5]))
    end
    expect(tracker.locked?).to be(false)
    expect(testing.pinned(tracker)).to eq(0)
    tracker.assign("sg", TestTopic.new("after") => [9])
    expect(tracker.current.transform_keys(&:name)).to include("after" => [9])
  end

  sites.each do |site, setup|
    context "inside #{site}" do
      it "lets Thread#kill end the thread" do
        in_child! do
          GcModes.plain!
          trap = Trap.new(:kill)
          call, outcome = setup.call(tracker, trap)
          trap.disarm!
          before = state_of(tracker)
          thread = Thread.new { armed(trap, call) }
          trap.wait_entered
          thread.kill
          expect(thread.join(TrackerHelpers::HANG_GUARD)).to equal(thread)
          expect(thread.alive?).to be(false)
          expect_untouched(tracker, before, outcome, trap)
        end
      end

      it "lets Thread#raise through, every time" do
        in_child! do
          GcModes.plain!
          5.times do
            trap = Trap.new(:raise)
            call, outcome = setup.call(tracker, trap)
            trap.disarm!
            before = state_of(tracker)
            thread = Thread.new { armed(trap, call) }
            trap.wait_entered
            thread.raise(TrapError, "raised in")
            expect { thread.join(TrackerHelpers::HANG_GUARD) }.to raise_error(TrapError)
            expect_untouched(tracker, before, outcome, trap)
          end
        end
      end

      it "lets Timeout fire" do
        in_child! do
          GcModes.plain!
          trap = Trap.new(:timeout)
          call, outcome = setup.call(tracker, trap)
          trap.disarm!
          before = state_of(tracker)
          expect { Timeout.timeout(0.05) { armed(trap, call) } }.to raise_error(Timeout::Error)
          expect_untouched(tracker, before, outcome, trap)
        end
      end

      it "lets throw through to its catch" do
        in_child! do
          GcModes.plain!
          trap = Trap.new(:throw)
          call, outcome = setup.call(tracker, trap)
          trap.disarm!
          before = state_of(tracker)
          expect(catch(:trapped) { armed(trap, call) }).to eq(:thrown)
          expect_untouched(tracker, before, outcome, trap)
        end
      end
    end
  end

  context "with inspect called in a loop" do
    before do
      topics = Array.new(20) { |i| TestTopic.new("loop-#{i}") }
      tracker.assign("sg", topics.to_h { |topic| [topic, [0, 1]] })
    end

    it "is ended by Timeout" do
      in_child! do
        GcModes.plain!
        expect { Timeout.timeout(0.2) { loop { tracker.inspect } } }.to raise_error(Timeout::Error)
      end
    end

    it "gets every one of 50 Thread#raise" do
      in_child! do
        GcModes.plain!
        caught = Queue.new
        looping = Queue.new
        thread = Thread.new do
          50.times do
            looping << true
            loop { tracker.inspect }
          rescue TrapError
            caught << true
          end
        end
        50.times do
          looping.pop
          thread.raise(TrapError)
          caught.pop
        end
        expect(thread.join(TrackerHelpers::HANG_GUARD)).to equal(thread)
      end
    end

    it "is ended by Thread#kill" do
      in_child! do
        GcModes.plain!
        looping = Queue.new
        thread = Thread.new do
          looping << true
          loop { tracker.inspect }
        end
        looping.pop
        thread.kill
        expect(thread.join(TrackerHelpers::HANG_GUARD)).to equal(thread)
      end
    end
  end
end

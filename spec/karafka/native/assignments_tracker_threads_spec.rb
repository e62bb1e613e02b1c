# frozen_string_literal: true

RSpec.describe Karafka::Native::AssignmentsTracker, "under threads" do
  subject(:tracker) { described_class.new }

  let(:testing) { Karafka::Native::Testing }

  describe "a hammer of 16 threads" do
    # Under GC.stress every allocation runs the GC (and with 16 threads some thread is nearly
    # always inside a native call, so stress is nearly always on): 8 operations per thread take
    # minutes already on Ruby 3.1.
    let(:operations) { GC_STRESS ? 8 : 20_000 }

    # One thread's random operations on its own topics and subscription group.
    def script(random, topics, group)
      Array.new(operations) do
        topic = topics.sample(random:)
        partitions = Array.new(random.rand(1..3)) { random.rand(8) }
        case random.rand(100)
        when 0...45 then [:assign, group, { topic => partitions }]
        when 45...85 then [:revoke, group, { topic => partitions }]
        when 85...88 then [:reset, group]
        else [:current]
        end
      end
    end

    def run(target, steps)
      steps.each do |(operation, *args)|
        result = target.public_send(operation, *args)
        next unless operation == :current
        raise "not frozen" unless result.frozen? && result.each_value.all?(&:frozen?)
      end
    end

    it "never raises and ends where a sequential replay ends" do
      seed = RSpec.configuration.seed
      plans = Array.new(16) do |i|
        topics = topics(6, prefix: "w#{i}-")
        [topics, script(Random.new(seed + i), topics, "sg#{i}")]
      end

      threads = plans.map { |_, steps| Thread.new { run(tracker, steps) } }
      threads.each(&:join)

      replay = described_class.new
      plans.each { |_, steps| run(replay, steps) }

      expect(by_name(tracker)).to eq(by_name(replay))
      names = ->(t) { t.generations.transform_keys(&:name) }
      expect(names.call(tracker)).to eq(names.call(replay))
      expect(tracker.version).to eq(replay.version)
    end
  end

  describe "waiting for the native lock" do
    let(:topic) { TestTopic.new("a") }

    it "happens without the GVL: other Ruby threads keep running meanwhile" do
      writer = nil
      NativeLock.hold(tracker) do
        writer = Thread.new { tracker.assign("sg", topic => [0]) }
        wait_until { writer.status == "sleep" }
        # The writer waits for the lock; this thread keeps running Ruby meanwhile (a writer
        # waiting with the GVL would freeze it here, and the lock would never be released).
        ticks = 0
        ticks += 1 while ticks < 100_000 && writer.alive?
        expect(ticks).to eq(100_000)
      end
      expect(writer.join(TrackerHelpers::HANG_GUARD)).to equal(writer)
      expect(tracker.current).to eq(topic => [0])
    end

    it "can be interrupted by Thread#raise, applying nothing and leaving the lock free" do
      NativeLock.hold(tracker, report: false) do |holder|
        writer = Thread.new do
          Thread.current.report_on_exception = false
          tracker.assign("sg", topic => [0])
        end
        wait_until { writer.status == "sleep" }
        writer.raise(IOError, "interrupted")
        expect { writer.join }.to raise_error(IOError, "interrupted")
        holder.raise(IOError, "done")
        expect { holder.join }.to raise_error(IOError, "done")
      end
      expect(tracker.version).to eq(0)
      expect(tracker.inspect).not_to include("busy")
      tracker.assign("sg", topic => [1])
      expect(tracker.current).to eq(topic => [1])
      expect(tracker.generation(topic, 0)).to eq(0)
    end

    it "can be interrupted by Thread#kill" do
      NativeLock.hold(tracker) do
        writer = Thread.new { tracker.assign("sg", topic => [0]) }
        wait_until { writer.status == "sleep" }
        writer.kill
        expect(writer.join(TrackerHelpers::HANG_GUARD)).to equal(writer)
      end
      expect(tracker.version).to eq(0)
      tracker.assign("sg", topic => [0])
      expect(tracker.version).to eq(1)
    end

    it "can be interrupted by Ctrl-C (SIGINT) in the main thread" do
      status = in_child do
        trap("INT", "DEFAULT") # RSpec traps INT in the parent; Ruby's own handler raises Interrupt
        NativeLock.hold(tracker) do
          # Signals once the main thread waits for the lock
          Thread.new do
            wait_until { testing.waiting(tracker) == 1 }
            Process.kill(:INT, Process.pid)
          end
          interrupted = begin
            tracker.assign("sg", topic => [0])
            false
          rescue Interrupt
            true
          end
          exit!(3) unless interrupted && tracker.version.zero?
        end
      end
      expect(status.exitstatus).to eq(0)
    end
  end

  describe "fork" do
    let(:topic) { TestTopic.new("a") }

    it "lets the child use the tracker at once while a parent thread holds the lock" do
      tracker.assign("sg", topic => [0])
      status = NativeLock.hold(tracker) do
        in_child do
          tracker.assign("sg", topic => [1])
          exit!(4) unless tracker.current == { topic => [0, 1] } && tracker.version == 2
        end
      end
      expect(status.exitstatus).to eq(0)
    end

    it "lets the child use the tracker while a parent thread waits for the lock" do
      waiter = nil
      status = NativeLock.hold(tracker) do
        waiter = Thread.new { tracker.assign("sg", topic => [5]) }
        wait_until { waiter.status == "sleep" }
        in_child do
          tracker.assign("sg", topic => [1])
          exit!(4) unless tracker.current == { topic => [1] }
        end
      end
      waiter.join
      expect(status.exitstatus).to eq(0)
      expect(tracker.current).to eq(topic => [5])
    end
  end
end

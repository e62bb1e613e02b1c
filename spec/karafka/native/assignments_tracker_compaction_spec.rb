# frozen_string_literal: true

# The windows in which a change holds its topic objects in native memory before publishing them:
# conversion (Ruby code runs), the wait for the lock (without the GVL), and a heavy change
# (applied without the GVL). A GC or a compaction in any of them must change nothing. Each
# example runs in a child process, so that a VM abort fails it alone.
RSpec.describe Karafka::Native::AssignmentsTracker, "in flight under compaction" do
  subject(:tracker) { described_class.new }

  let(:testing) { Karafka::Native::Testing }

  def names(hash)
    hash.keys.map(&:name).sort
  end

  # Checks the tracker shows `expected` topic names through GCs and compactions that move
  # everything else, and that the topics are still the objects assigned.
  def expect_intact(expected)
    3.times do
      GC.start(full_mark: true, immediate_sweep: true)
      GcModes.compact_everything
      Array.new(10_000) { Object.new } # unrelated objects, to fill freed slots
    end
    expect(tracker.current.keys).to all(be_a(TestTopic))
    expect(names(tracker.current)).to eq(expected.sort)
    expect(names(tracker.generations)).to eq(expected.sort)
    expect(testing.pinned(tracker)).to eq(0)
  end

  it "keeps topics pinned while a partition method compacts the heap during conversion" do
    in_child!(timeout: TrackerHelpers::COMPACTION_GUARD) do
      GcModes.plain!
      expected = Array.new(20) { |i| "conv-#{i}" }
      compact = -> { GcModes.compact_everything }
      tracker.assign(
        "sg",
        expected.to_h { |name| [TestTopic.new(name), [GcCallbacks::Partition.new(0, compact)]] }
      )
      expect_intact(expected)
    end
  end

  it "keeps a topic alive that a partition method removed from the input and collected" do
    in_child!(timeout: TrackerHelpers::COMPACTION_GUARD) do
      GcModes.plain!
      input = {}
      drop_first = lambda do
        input.shift
        GC.start(full_mark: true, immediate_sweep: true)
        GcModes.compact_everything
      end
      input[TestTopic.new("doomed")] = [0]
      input[TestTopic.new("kept")] = [GcCallbacks::Partition.new(1, drop_first)]
      tracker.assign("sg", input)
      input = nil
      expect_intact(%w[doomed kept])
      expect(tracker.current.transform_keys(&:name)).to eq("doomed" => [0], "kept" => [1])
    end
  end

  it "keeps topics pinned while the change waits, without the GVL, for a held lock" do
    in_child!(timeout: TrackerHelpers::COMPACTION_GUARD) do
      GcModes.plain!
      expected = Array.new(50) { |i| "wait-#{i}" }
      writer = nil
      NativeLock.hold(tracker) do
        writer = Thread.new do
          tracker.assign("sg", expected.to_h { |name| [TestTopic.new(name), [0, 1]] })
        end
        wait_until { testing.waiting(tracker) == 1 }
        3.times { GcModes.compact_everything }
      end
      writer.join
      expect_intact(expected)
    end
  end

  it "keeps topics pinned while a heavy change is applied without the GVL" do
    in_child!(timeout: TrackerHelpers::COMPACTION_GUARD) do
      GcModes.plain!
      compactor = Thread.new { loop { GcModes.compact_everything } }
      expected = Array.new(2_500) { |i| "heavy-#{i}" }
      3.times do |round|
        tracker.clear
        tracker.assign("sg-#{round}", expected.to_h { |name| [TestTopic.new(name), [round]] })
      end
      compactor.kill.join
      expect_intact(expected)
    end
  end

  # The only Ruby code a view build runs is the topics' `hash`, inside a Ruby Hash insertion;
  # a compaction there crashes Ruby itself (Ruby 3.1, in plain Ruby: `[BUG] try to mark T_NONE
  # object`), so the hook collects (GC.start) instead, and the compactions come before and after.
  it "keeps a view's topics alive while the view is built and Ruby code collects" do
    in_child!(timeout: TrackerHelpers::COMPACTION_GUARD) do
      GcModes.plain!
      expected = Array.new(20) { |i| "view-#{i}" }
      topics = expected.map { |name| GcCallbacks::HashingTopic.new(name) }
      tracker.assign("sg", topics.to_h { |topic| [topic, [0]] })
      GcModes.compact_everything
      collect = lambda do
        GC.start(full_mark: true, immediate_sweep: true)
        Array.new(1_000) { Object.new }
      end
      topics.each { |topic| topic.hook = collect }
      view = tracker.current
      topics.each { |topic| topic.hook = nil }
      topics.clear
      expect(view.keys.map(&:name).sort).to eq(expected.sort)
      expect_intact(expected)
      expect(tracker.current).to equal(view)
    end
  end

  it "keeps a copy's topics pinned (dup) while the source drops them" do
    in_child!(timeout: TrackerHelpers::COMPACTION_GUARD) do
      GcModes.plain!
      tracker.assign("sg", TestTopic.new("copied") => [3])
      copy = tracker.dup
      tracker.clear
      3.times do
        GC.start(full_mark: true, immediate_sweep: true)
        GcModes.compact_everything
      end
      expect(copy.current.transform_keys(&:name)).to eq("copied" => [3])
    end
  end
end

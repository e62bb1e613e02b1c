# frozen_string_literal: true

RSpec.describe Karafka::Native::AssignmentsTracker, "and the GC" do
  subject(:tracker) { described_class.new }

  # Assigns topics that nothing but the tracker references afterwards.
  def assign_unreferenced(count)
    count.times { |i| tracker.assign("sg", TestTopic.new("gc-#{i}") => [i, i + 1]) }
    tracker.revoke("sg", tracker.current.keys.first => [0]) # a revoked-only topic too
    nil
  end

  # Moves every object that can move (the heap grown first, so that there is room to).
  def compact_everything
    grow = if GC.method(:verify_compaction_references).parameters.include?(%i[key expand_heap])
             { expand_heap: true }
           else
             { double_heap: true } # Ruby 3.1
           end
    GC.verify_compaction_references(toward: :empty, **grow)
  end

  def names(hash)
    hash.keys.map(&:name).sort
  end

  let(:expected) { Array.new(50) { |i| "gc-#{i}" }.sort }

  it "keeps topics referenced only by the tracker alive through GC.start and GC.compact" do
    assign_unreferenced(50)
    GC.start(full_mark: true, immediate_sweep: true)
    GC.compact
    expect(names(tracker.current)).to eq(expected)
    expect(names(tracker.generations)).to eq(expected)
  end

  it "survives a compaction that moves everything it can, under GC.stress" do
    assign_unreferenced(50)
    # Stressed the way the suite's GC modes stress a native call (see support/gc_modes.rb)
    GcModes.stressed do
      tracker.assign("sg", TestTopic.new("gc-late") => [0])
      current = tracker.current
      generations = tracker.generations
      expect(current.size).to eq(51)
      expect(generations.size).to eq(51)
    end
    compact_everything
    expect(names(tracker.current)).to eq((expected + ["gc-late"]).sort)
    expect(tracker.current.values).to all(be_frozen)
    expect(tracker.generations.keys.map(&:name)).to include("gc-late")
  end

  it "keeps cached views valid after compaction" do
    assign_unreferenced(10)
    view = tracker.current
    compact_everything
    expect(tracker.current).to equal(view)
    expect(view.keys.map(&:name).sort).to eq(Array.new(10) { |i| "gc-#{i}" }.sort)
  end

  it "reuses unchanged topics' frozen values correctly after compaction moved things" do
    assign_unreferenced(20)
    tracker.current
    tracker.generations
    compact_everything
    tracker.assign("sg", TestTopic.new("after") => [7])
    current = tracker.current
    expect(current.size).to eq(21)
    expect(current.values).to all(be_frozen.and(all(be_a(Integer))))
    expect(current.transform_keys(&:name)["gc-5"]).to eq([5, 6])
    expect(tracker.generations.values).to all(be_frozen.and(be_a(Hash)))
  end
end

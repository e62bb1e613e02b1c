# frozen_string_literal: true

require_relative "../../../bench/baseline_tracker"

# After a change, `current` and `generations` are built by patching a copy of the previous view
# (or rebuilt when the tracker is small, much changed, or was cleared); either way they must be
# exactly what a fresh build gives: the same keys in the same order, the same values, frozen all
# the way down, no default, and, when patched, the very same value objects for topics nothing
# touched.
RSpec.describe Karafka::Native::AssignmentsTracker, "views after changes" do
  let(:limit) { 9 }
  let(:native) { described_class.new(generations_limit: limit) }
  let(:baseline) { KarafkaNativeBench::BaselineTracker.new(generations_limit: limit) }
  let(:pool) { topics(12) }

  def both(operation, *args)
    baseline.public_send(operation, *args)
    native.public_send(operation, *args)
  end

  def expect_view(view, expected)
    expect(view).to eq(expected)
    expect(view.keys).to eq(expected.keys)
    expect(view.keys.zip(expected.keys)).to all(satisfy { |got, want| got.equal?(want) })
    expect(view).to be_frozen
    expect(view.values).to all(be_frozen)
    expect(view.default_proc).to be_nil
    expect(view.default).to be_nil
    expect(view.compare_by_identity?).to be(false)
  end

  # Views of the previous read, and the topics changed since, for the identity checks (made
  # when `reuse`: the view was patched).
  def check_views(previous, touched, reuse: true)
    current = native.current
    generations = native.generations
    expect_view(current, baseline.current)
    expect_view(generations, baseline.generations)
    if previous && reuse
      expect_reused(current, previous[:current], touched)
      expect_reused(generations, previous[:generations], touched)
    end
    { current:, generations: }
  end

  # A patched view keeps the very value objects of the topics nothing touched.
  def expect_reused(now, before, touched)
    return if before.size < 16 # views of fewer topics are rebuilt, not patched

    now.each do |topic, value|
      next if touched.include?(topic) || !before.key?(topic)

      expect(value).to equal(before[topic])
    end
  end

  def random_partitions(random)
    Array.new(random.rand(1..3)) { random.rand(0..5) }
  end

  def random_topics(random, touched)
    chosen = pool.sample(random.rand(1..4), random:)
    chosen.each { |topic| touched[topic] = true }
    chosen.to_h { |topic| [topic, random_partitions(random)] }
  end

  # One random change to both trackers; records the topics it touched.
  def random_change(random, touched)
    groups = %w[sg0 sg1]
    case random.rand(100)
    when 0...50 then both(:assign, groups.sample(random:), random_topics(random, touched))
    when 50...85 then both(:revoke, groups.sample(random:), random_topics(random, touched))
    else
      random.rand(3).zero? ? both(:clear) : both(:reset, groups.sample(random:))
      pool.each { |topic| touched[topic] = true }
    end
  end

  def random_run(steps, compact: false)
    random = Random.new(RSpec.configuration.seed)
    previous = nil
    touched = {}.compare_by_identity
    steps.times do
      random_change(random, touched)
      next unless random.rand(3).zero?

      GC.compact if compact && random.rand(4).zero?
      # Fewer than 16 topics are always rebuilt; more are patched unless cleared (all touched)
      previous = check_views(previous, touched, reuse: pool.size >= 16)
      touched.clear
    end
  end

  it "match a fresh build after every kind of change, reusing untouched topics' values" do
    random_run(GC_STRESS ? 60 : 400)
  end

  context "with enough topics to be patched" do
    let(:limit) { 30 }
    let(:pool) { topics(48) }

    before do
      both(:assign, "sg1", pool.to_h { |topic| [topic, [7]] })
      check_views(nil, [])
    end

    it "match a fresh build after every kind of change, also across GC.compact" do
      random_run(GC_STRESS ? 45 : 400, compact: GC.respond_to?(:compact))
    end
  end

  context "with many topics" do
    let(:limit) { 1_000 }
    # Under GC.stress each view of 400 topics takes a full GC per allocation: 64 topics are
    # still four times what is patched rather than rebuilt.
    let(:pool) { topics(GC_STRESS ? 64 : 400) }

    before do
      both(:assign, "sg0", pool.to_h { |topic| [topic, [0, 1, 2]] })
      check_views(nil, [])
    end

    it "patches a few changes, keeping every other value" do
      previous = check_views(nil, [])
      changed = [pool.first, pool[pool.size / 2], pool.last]
      both(:revoke, "sg0", changed.to_h { |topic| [topic, [1]] })
      both(:assign, "sg0", { pool[7] => [4] })
      after = check_views(previous, changed + [pool[7]])
      expect(native.generations.keys.last).to equal(pool[7])
      expect(after[:current][pool[7]]).to eq([0, 1, 2, 4])
    end

    it "moves re-assigned and re-added topics last, in order" do
      previous = check_views(nil, [])
      both(:revoke, "sg0", { pool[3] => [0, 1, 2], pool[5] => [0, 1, 2] })
      both(:assign, "sg0", { pool[5] => [9], pool[1] => [3], pool[3] => [8] })
      after = check_views(previous, [pool[1], pool[3], pool[5]])
      expect(after[:current].keys.last(2)).to eq([pool[5], pool[3]])
      expect(after[:generations].keys.last(3)).to eq([pool[5], pool[1], pool[3]])
    end

    it "rebuilds after most topics changed" do
      previous = check_views(nil, [])
      changed = pool.first(pool.size * 3 / 4)
      both(:assign, "sg1", changed.to_h { |topic| [topic, [5]] })
      check_views(previous, changed, reuse: false)
    end

    it "starts afresh after clear and keeps matching afterwards" do
      check_views(nil, [])
      both(:clear)
      previous = check_views(nil, [])
      expect(previous[:current]).to be_empty
      both(:assign, "sg0", { pool[9] => [1], pool[2] => [0] })
      previous = check_views(previous, [], reuse: false)
      both(:assign, "sg0", { pool[4] => [1] })
      check_views(previous, [pool[4]], reuse: false) # 3 topics: rebuilt
    end

    it "drops evicted topics from generations" do
      bounded = described_class.new(generations_limit: 3)
      model = KarafkaNativeBench::BaselineTracker.new(generations_limit: 3)
      pool.first(5).each do |topic|
        [bounded, model].each { |tracker| tracker.assign("sg0", { topic => [0] }) }
        expect_view(bounded.generations, model.generations)
        expect_view(bounded.current, model.current)
      end
    end
  end
end

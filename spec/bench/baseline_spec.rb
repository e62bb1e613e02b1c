# frozen_string_literal: true

require_relative "../../bench/baseline_tracker"

# The benchmark's pure-Ruby baseline must mean the same as the native tracker, or the comparison
# is meaningless: the same operations give the same views on both.
RSpec.describe KarafkaNativeBench::BaselineTracker do
  subject(:baseline) { described_class.new(generations_limit: 3) }

  let(:native) { Karafka::Native::AssignmentsTracker.new(generations_limit: 3) }
  let(:a) { TestTopic.new("a") }
  let(:b) { TestTopic.new("b") }
  let(:c) { TestTopic.new("c") }
  let(:d) { TestTopic.new("d") }

  # Applies one operation to both trackers and expects the same state afterwards.
  def both(operation, *args)
    expect(baseline.public_send(operation, *args)).to be(baseline)
    native.public_send(operation, *args)
    expect_same_state
  end

  def expect_same_state
    expect(observed(baseline)).to eq(observed(native))
  end

  # Everything the API shows, key order included.
  def observed(tracker)
    {
      current: tracker.current, current_keys: tracker.current.keys,
      generations: tracker.generations, generation_keys: tracker.generations.keys,
      version: tracker.version,
      table: [a, b, c, d].product([0, 1, 2, 7]).map { |topic, p| tracker.generation(topic, p) }
    }
  end

  it "matches the native tracker over assign, revoke, reset, eviction and clear" do
    both(:assign, "sg1", { a => [3, 1, 1], b => [0] })
    both(:assign, "sg1", { a => [2, 3] })
    both(:assign, "sg1", { a => [] })
    both(:revoke, "sg1", { a => [1], b => [0] })
    both(:revoke, "sg1", { a => [7], c => [0] })
    both(:revoke, "other", { a => [2] })
    both(:assign, "sg2", { c => [0], a => [2] })
    both(:revoke, "sg1", { a => [2] })
    both(:assign, "sg1", { b => [1] })
    both(:assign, "sg1", { d => [0] })
    both(:reset, "sg1")
    both(:reset, "sg1")
    both(:assign, "sg1", { a => [0, 1] })
    both(:clear)
    both(:clear)
  end

  it "keeps a topic's place while assigned and puts it last when it comes back" do
    both(:assign, "sg", { a => [0] })
    both(:assign, "sg", { b => [0] })
    both(:assign, "sg", { a => [1] })
    expect(baseline.current.keys).to eq([a, b])
    both(:revoke, "sg", { a => [0, 1] })
    both(:assign, "sg", { a => [5] })
    expect(baseline.current.keys).to eq([b, a])
  end

  it "returns frozen copies, sorted, and evicts the least recently assigned generations" do
    both(:assign, "sg", { a => [2, 0] })
    both(:assign, "sg", { b => [0], c => [0] })
    both(:assign, "sg", { a => [1] })
    both(:assign, "sg", { d => [0] })
    current = baseline.current
    expect(current).to be_frozen
    expect(current[a]).to eq([0, 1, 2]).and be_frozen
    expect(baseline.generations).to be_frozen
    expect(baseline.generations.keys).to eq([c, a, d])
    expect(baseline.generations.values).to all(be_frozen)
    expect(current.size).to eq(4)
  end

  it "says busy in inspect while its lock is held, and names topics otherwise" do
    baseline.assign("sg", { a => [0] })
    expect(baseline.inspect).to include("a=[0]")
    baseline.instance_variable_get(:@mutex).synchronize do
      expect(Thread.new { baseline.inspect }.value).to include("busy")
    end
  end
end

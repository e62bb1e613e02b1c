# frozen_string_literal: true

RSpec.describe Karafka::Native::AssignmentsTracker do
  subject(:tracker) { described_class.new }

  let(:a) { TestTopic.new("a") }
  let(:b) { TestTopic.new("b") }

  describe ".new" do
    it "defaults the generations limit to Karafka's 100_000" do
      expect(tracker.generations_limit).to eq(100_000)
    end

    it "takes generations_limit:" do
      expect(described_class.new(generations_limit: 3).generations_limit).to eq(3)
    end

    it "rejects a limit that is not a positive Integer, naming it" do
      expect { described_class.new(generations_limit: 0) }
        .to raise_error(ArgumentError, /generations_limit.*0 \(Integer\)/)
      expect { described_class.new(generations_limit: "7") }
        .to raise_error(TypeError, /generations_limit must be an Integer, got "7" \(String\)/)
      expect { described_class.new(limit: 1) }.to raise_error(ArgumentError, /limit/)
    end
  end

  describe "#generations_limit=" do
    let(:c) { TestTopic.new("c") }

    before do
      tracker.assign("sg", a => [0], b => [0], c => [0])
      tracker.assign("sg", a => [1])
    end

    it "evicts the least recently assigned topics beyond the new bound at once" do
      version = tracker.version
      tracker.generations_limit = 1
      expect(tracker.generations_limit).to eq(1)
      expect(tracker.generations.keys).to eq([a])
      expect(tracker.current.keys).to eq([a, b, c])
      expect(tracker.version).to eq(version + 1)
    end

    it "bounds later assignments" do
      tracker.generations_limit = 2
      tracker.assign("sg", c => [1])
      expect(tracker.generations.keys).to eq([a, c])
    end

    it "changes nothing when raised" do
      generations = tracker.generations
      tracker.generations_limit = 10
      expect(tracker.generations).to equal(generations)
    end

    it "rejects a bound that is not a positive Integer, naming it, and keeps the old one" do
      expect { tracker.generations_limit = 0 }
        .to raise_error(ArgumentError, /generations_limit.*0 \(Integer\)/)
      expect { tracker.generations_limit = nil }
        .to raise_error(TypeError, /generations_limit must be an Integer, got nil/)
      expect(tracker.generations_limit).to eq(100_000)
      expect(tracker.generations.size).to eq(3)
    end
  end

  describe "#assign" do
    it "returns the tracker" do
      expect(tracker.assign("sg", a => [0])).to equal(tracker)
    end

    it "adds partitions sorted ascending, never listing one twice" do
      tracker.assign("sg", a => [3, 1, 1])
      tracker.assign("sg", a => [2, 3], b => [0])
      expect(tracker.current).to eq(a => [1, 2, 3], b => [0])
    end

    it "raises each partition's generation by one per assign" do
      tracker.assign("sg", a => [0, 1])
      tracker.assign("sg", a => [1, 1])
      expect(tracker.generation(a, 0)).to eq(1)
      expect(tracker.generation(a, 1)).to eq(2)
      expect(tracker.generations).to eq(a => { 0 => 1, 1 => 2 })
    end

    it "keeps topics by identity, not by equality" do
      twin = TestTopic.new("a")
      tracker.assign("sg", a => [0])
      tracker.assign("sg", twin => [1])
      expect(tracker.current.keys).to contain_exactly(
        satisfy { |key| key.equal?(a) }, satisfy { |key| key.equal?(twin) }
      )
      expect(tracker.generation(twin, 0)).to eq(0)
    end

    it "keeps the first-assigned order of topics, like Karafka" do
      tracker.assign("sg", b => [0])
      tracker.assign("sg", a => [0])
      tracker.assign("sg", b => [1])
      expect(tracker.current.keys).to eq([b, a])
    end

    it "changes nothing for topics without partitions" do
      tracker.assign("sg", a => [])
      expect(tracker.current).to eq({})
      expect(tracker.version).to eq(0)
    end
  end

  describe "#revoke" do
    before { tracker.assign("sg", a => [0, 1], b => [0]) }

    it "removes partitions and drops topics left without any" do
      expect(tracker.revoke("sg", a => [0], b => [0])).to equal(tracker)
      expect(tracker.current).to eq(a => [1])
    end

    it "keeps generations of revoked partitions" do
      tracker.revoke("sg", a => [0, 1])
      expect(tracker.generation(a, 0)).to eq(1)
      expect(tracker.generations).to eq(a => { 0 => 1, 1 => 1 }, b => { 0 => 1 })
    end

    it "ignores partitions that are not assigned, or assigned under another group" do
      version = tracker.version
      tracker.revoke("sg", a => [9], TestTopic.new("x") => [0])
      tracker.revoke("other", a => [0])
      expect(tracker.version).to eq(version)
      expect(tracker.current).to eq(a => [0, 1], b => [0])
    end
  end

  describe "#assign_named and #revoke_named" do
    let(:index) { { "a" => a, "b" => b }.freeze }

    it "apply a topic partition list keyed by names, resolved through the index" do
      expect(tracker.assign_named("sg", { "a" => [1, 0], "b" => [2] }, index)).to be_nil
      expect(tracker.current).to eq(a => [0, 1], b => [2])
      expect(tracker.generation(a, 0)).to eq(1)
      expect(tracker.revoke_named("sg", { "a" => [0] }, index)).to be_nil
      expect(tracker.current).to eq(a => [1], b => [2])
    end

    it "answer the first unknown name and change nothing" do
      expect(tracker.assign_named("sg", { "a" => [0], "zzz" => [1] }, index)).to eq("zzz")
      expect(tracker.version).to eq(0)
      tracker.assign("sg", a => [0])
      expect(tracker.revoke_named("sg", { "a" => [0], "new" => [0] }, index)).to eq("new")
      expect(tracker.current).to eq(a => [0])
    end

    it "reject bad input naming it, changing nothing" do
      expect { tracker.assign_named("sg", [], index) }
        .to raise_error(TypeError, /topic name => \[partition, ...\]/)
      expect { tracker.assign_named("sg", { "a" => [0] }, nil) }
        .to raise_error(TypeError, /topic name => topic/)
      expect { tracker.assign_named("sg", { "a" => [-1] }, index) }
        .to raise_error(ArgumentError, /partition -1 .* of topic .*"a"/)
      expect { tracker.assign_named(:sg, { "a" => [0] }, index) }.to raise_error(TypeError)
      expect(tracker.version).to eq(0)
    end
  end

  describe "#reset" do
    it "drops every assignment of that subscription group and keeps generations" do
      tracker.assign("sg1", a => [0, 1])
      tracker.assign("sg2", b => [0])
      expect(tracker.reset("sg1")).to equal(tracker)
      expect(tracker.current).to eq(b => [0])
      expect(tracker.generation(a, 1)).to eq(1)
    end
  end

  describe "#clear" do
    it "drops everything, generations too" do
      tracker.assign("sg", a => [0])
      expect(tracker.clear).to equal(tracker)
      expect(tracker.current).to eq({})
      expect(tracker.generations).to eq({})
      expect(tracker.generation(a, 0)).to eq(0)
    end
  end

  describe "#current" do
    before { tracker.assign("sg", a => [1, 0], b => [5]) }

    it "is a frozen Hash of frozen Arrays, without a default proc" do
      current = tracker.current
      expect(current).to be_frozen
      expect(current.values).to all(be_frozen)
      expect(current.default_proc).to be_nil
      expect(current.default).to be_nil
      expect(current.compare_by_identity?).to be(false)
    end

    it "returns the very same object while nothing changes" do
      first = tracker.current
      tracker.revoke("sg", a => [7]) # changes nothing
      tracker.generation(a, 0)
      expect(tracker.current).to equal(first)
    end

    it "returns a new object after a change" do
      first = tracker.current
      tracker.assign("sg", a => [2])
      second = tracker.current
      expect(second).not_to equal(first)
      expect(second[a]).to eq([0, 1, 2])
      expect(first).to eq(a => [0, 1], b => [5])
    end

    it "reuses unchanged topics' arrays once it holds enough topics to patch its views" do
      others = topics(20)
      tracker.assign("sg", others.to_h { |topic| [topic, [1]] })
      first = tracker.current
      tracker.assign("sg", a => [2])
      second = tracker.current
      expect(second[a]).to eq([0, 1, 2])
      expect([b, *others].map { |topic| second[topic] })
        .to all(satisfy { |array| first.value?(array) })
      expect([b, *others]).to all(satisfy { |topic| second[topic].equal?(first[topic]) })
    end
  end

  describe "#generations" do
    it "is frozen all the way down and the same object while unchanged" do
      tracker.assign("sg", a => [0])
      generations = tracker.generations
      expect(generations).to be_frozen
      expect(generations.values).to all(be_frozen)
      expect(tracker.generations).to equal(generations)
    end

    it "orders topics from least to most recently assigned" do
      tracker.assign("sg", a => [0])
      tracker.assign("sg", b => [0])
      tracker.assign("sg", a => [1])
      expect(tracker.generations.keys).to eq([b, a])
    end

    it "evicts the least recently assigned topics beyond generations_limit" do
      bounded = described_class.new(generations_limit: 2)
      c = TestTopic.new("c")
      bounded.assign("sg", a => [0])
      bounded.assign("sg", b => [0])
      bounded.assign("sg", a => [1])
      bounded.assign("sg", c => [0])
      expect(bounded.generations.keys).to eq([a, c])
      expect(bounded.generation(b, 0)).to eq(0)
      expect(bounded.current.keys).to eq([a, b, c])
    end
  end

  describe "#generation" do
    it "is 0 for what was never assigned and changes nothing" do
      expect(tracker.generation(a, 0)).to eq(0)
      expect(tracker.version).to eq(0)
      expect(tracker.generations).to eq({})
    end

    it "validates the partition" do
      expect { tracker.generation(a, nil) }.to raise_error(TypeError, /nil/)
      expect { tracker.generation(a, -1) }.to raise_error(ArgumentError, /-1/)
    end
  end

  describe "#version" do
    it "grows with every change and only then" do
      versions = [tracker.version]
      tracker.assign("sg", a => [0])
      versions << tracker.version
      tracker.revoke("sg", a => [0])
      versions << tracker.version
      tracker.reset("sg")
      versions << tracker.version
      tracker.assign("sg", a => [0])
      tracker.clear
      versions << tracker.version
      expect(versions).to eq([0, 1, 2, 2, 4])
    end
  end

  describe "#inspect" do
    it "shows the assignments by topic name" do
      tracker.assign("sg", a => [1, 0])
      expect(tracker.inspect)
        .to eq('#<Karafka::Native::AssignmentsTracker version=1 assignments={"a" => [0, 1]}>')
    end

    it "says busy, without blocking, while the native lock is held" do
      NativeLock.hold(tracker) do |holder|
        expect(tracker.inspect).to eq("#<Karafka::Native::AssignmentsTracker busy>")
        expect(tracker).to be_locked
        holder.kill.join
      end
      expect(tracker).not_to be_locked
      expect(tracker.inspect).not_to include("busy")
    end

    it "calls topic#name with no native lock held (a name may use the tracker)" do
      reentrant = TestTopic.new("r")
      tracker.assign("sg", reentrant => [0])
      other = TestTopic.new("o")
      native = tracker
      reentrant.define_singleton_method(:name) do
        native.assign("sg", other => [0]) # would deadlock under the lock
        "r"
      end
      expect(tracker.inspect).to include('"r" => [0]')
      expect(tracker.current.keys).to include(other)
    end
  end
end

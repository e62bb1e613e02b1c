# frozen_string_literal: true

RSpec.describe Karafka::Native::AssignmentsTracker, "with bad input" do
  subject(:tracker) { described_class.new }

  let(:a) { TestTopic.new("a") }
  let(:b) { TestTopic.new("b") }

  before { tracker.assign("sg", a => [0]) }

  # Every bad call raises the given error naming the value, and leaves everything as it was.
  def expect_rejected(error, message, &)
    version = tracker.version
    current = tracker.current
    generations = tracker.generations
    expect(&).to raise_error(error, message)
    expect(tracker.version).to eq(version)
    expect(tracker.current).to equal(current)
    expect(tracker.generations).to equal(generations)
  end

  it "rejects nil and non-Integer partitions with TypeError" do
    expect_rejected(TypeError, /partition of topic .* must be an Integer, got nil \(NilClass\)/) do
      tracker.assign("sg", b => [1, nil])
    end
    expect_rejected(TypeError, /got "1" \(String\)/) { tracker.assign("sg", b => ["1"]) }
    expect_rejected(TypeError, /got 1.0 \(Float\)/) { tracker.revoke("sg", a => [1.0]) }
  end

  it "rejects negative partitions and partitions over 2**31-1 with ArgumentError" do
    expect_rejected(ArgumentError, /partition -1 \(Integer\) of topic .* out of range/) do
      tracker.assign("sg", b => [-1])
    end
    expect_rejected(ArgumentError, /partition 2147483648 \(Integer\)/) do
      tracker.assign("sg", b => [2**31])
    end
    expect_rejected(ArgumentError, /partition 18446744073709551616 \(Integer\)/) do
      tracker.revoke("sg", a => [2**64])
    end
  end

  it "accepts the edges of the partition range" do
    tracker.assign("sg", b => [0, (2**31) - 1])
    expect(tracker.current[b]).to eq([0, (2**31) - 1])
  end

  it "rejects a non-Hash and non-Array partitions with TypeError" do
    expect_rejected(TypeError, /expected a Hash .*got \[\[1, 2\]\] \(Array\)/) do
      tracker.assign("sg", [[1, 2]])
    end
    expect_rejected(TypeError, /expected a Hash .*got nil/) { tracker.revoke("sg", nil) }
    expect_rejected(TypeError, /partitions of topic .* must be an Array, got 3 \(Integer\)/) do
      tracker.assign("sg", b => 3)
    end
  end

  it "rejects a non-String subscription group id with TypeError" do
    expect_rejected(TypeError, /subscription group id must be a String, got :sg \(Symbol\)/) do
      tracker.assign(:sg, b => [0])
    end
    expect_rejected(TypeError, /got nil \(NilClass\)/) { tracker.reset(nil) }
    expect_rejected(TypeError, /got 1 \(Integer\)/) { tracker.revoke(1, a => [0]) }
  end

  it "applies nothing of a call whose last entry is bad" do
    expect_rejected(TypeError, /nil/) do
      tracker.assign("sg", b => [0, 1], TestTopic.new("c") => [2], a => [nil])
    end
    expect(tracker.generation(b, 0)).to eq(0)
  end
end

# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::GenerationsLimit do
  subject(:limit) { described_class.new(tracker_class) }

  let(:tracker_class) { Class.new }
  let(:max) { Karafka::Native::AssignmentsTracker::MAX_GENERATIONS_LIMIT }

  # Sets Karafka's constant on the tracker class, as Karafka 2.6 (and its specs) do
  def karafka_limit(value)
    tracker_class.send(:remove_const, :GENERATIONS_TOPICS_LIMIT) if
      tracker_class.const_defined?(:GENERATIONS_TOPICS_LIMIT, false)
    tracker_class.const_set(:GENERATIONS_TOPICS_LIMIT, value)
  end

  describe "#value" do
    it "is Karafka's default without the constant (Karafka before 2.6)" do
      expect(limit.value).to eq(100_000)
    end

    it "is the constant, read again every time" do
      karafka_limit(7)
      expect(limit.value).to eq(7)
      karafka_limit(3)
      expect(limit.value).to eq(3)
    end

    it "is the native maximum for a bound beyond it" do
      karafka_limit(2**70)
      expect(limit.value).to eq(max)
    end

    it "is the default for a constant that is no positive Integer" do
      [0, -1, "5", nil].each do |bad|
        karafka_limit(bad)
        expect(limit.value).to eq(100_000)
      end
    end
  end

  describe "#build and #sync" do
    it "builds a native tracker with the bound in force, and applies a changed bound only" do
      karafka_limit(5)
      tracker = limit.build
      expect(tracker).to be_a(Karafka::Native::AssignmentsTracker)
      expect(tracker.generations_limit).to eq(5)

      tracker.generations_limit = 9 # by someone else: an unchanged constant is not applied again
      limit.sync(tracker)
      expect(tracker.generations_limit).to eq(9)

      karafka_limit(2)
      limit.sync(tracker)
      expect(tracker.generations_limit).to eq(2)
    end
  end

  context "with Karafka 2.6.1 (generations bounded by GENERATIONS_TOPICS_LIMIT)", :subprocess do
    subject(:data) { KarafkaDoubles.run("karafka_2_6_1", karafka: "2.6.1").data }

    it "follows the constant, evicting the least recently assigned topics" do
      expect(data).to include(
        "default_limit" => 100_000,
        "limit" => 3,
        "generations" => { "t2" => { "0" => 1 }, "t0" => { "0" => 2 }, "t3" => { "0" => 1 } },
        "frozen" => [true, true],
        "lowered" => { "t3" => { "0" => 1 }, "t5" => { "0" => 1 } }
      )
    end
  end

  context "with GENERATIONS_TOPICS_LIMIT beyond the native range (2**64)", :subprocess do
    subject(:data) { KarafkaDoubles.run("limit_beyond_native_range", karafka: "2.6.1").data }

    it "tracks every assignment with no practical bound, reporting nothing" do
      expect(data).to include(
        "assignments" => { "orders" => [0, 1] },
        "errors" => [],
        "limit" => Karafka::Native::AssignmentsTracker::MAX_GENERATIONS_LIMIT
      )
    end
  end
end

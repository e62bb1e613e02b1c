# frozen_string_literal: true

RSpec.describe Karafka::Native::AssignmentsTracker, "as a Ruby object" do
  let(:tracker_class) { described_class }

  it "can be subclassed: new gives the subclass, with its initialize" do
    subclass = Class.new(tracker_class) do
      attr_reader :label

      def initialize(label, **options)
        super(**options)
        @label = label
      end
    end
    tracker = subclass.new("mine", generations_limit: 7)
    expect(tracker).to be_an_instance_of(subclass)
    expect([tracker.label, tracker.generations_limit]).to eq(["mine", 7])
    tracker.assign("sg", TestTopic.new("t") => [1])
    expect(tracker.current.transform_keys(&:name)).to eq("t" => [1])
  end

  it "copies its state on dup and clone; the copies are independent" do
    tracker = tracker_class.new(generations_limit: 5)
    topic = TestTopic.new("t")
    tracker.assign("sg", topic => [0, 1])
    [tracker.dup, tracker.clone].each do |copy|
      expect(copy).to be_an_instance_of(tracker_class)
      expect(copy.current).to eq(tracker.current)
      expect(copy.generations).to eq(tracker.generations)
      expect(copy.generations_limit).to eq(5)
      copy.revoke("sg", topic => [0])
      expect(copy.current).to eq(topic => [1])
      expect(tracker.current).to eq(topic => [0, 1])
    end
  end

  it "names the upper bound when a limit is beyond it, and changes nothing" do
    tracker = tracker_class.new(generations_limit: 3)
    max = tracker_class::MAX_GENERATIONS_LIMIT
    expect(max).to eq((2**64) - 1)
    expect { tracker.generations_limit = 2**70 }.to raise_error(
      ArgumentError, "generations_limit must be a positive Integer up to #{max}, " \
                     "got 1180591620717411303424 (Integer)"
    )
    expect do
      tracker_class.new(generations_limit: 0)
    end.to raise_error(ArgumentError, /up to #{max}/)
    expect(tracker.generations_limit).to eq(3)
    tracker.generations_limit = max
    expect(tracker.generations_limit).to eq(max)
  end
end

# frozen_string_literal: true

require "json"

RSpec.describe "The native classes as Ruby objects" do
  let(:tracker_class) { Karafka::Native::AssignmentsTracker }

  describe Karafka::Native::AssignmentsTracker do
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

  describe Karafka::Native::Coordinator do
    let(:tracker) { tracker_class.new }

    it "can be subclassed" do
      subclass = Class.new(described_class)
      coordinator = subclass.new(tracker)
      expect(coordinator).to be_an_instance_of(subclass)
      expect(coordinator.tracker).to equal(tracker)
    end

    it "refuses dup and clone with a TypeError that says why" do
      coordinator = described_class.new(tracker)
      %i[dup clone].each do |copy|
        expect { coordinator.public_send(copy) }.to raise_error(
          TypeError, /cannot be copied: it is a handle on its tracker's state/
        )
      end
    end

    it "refuses a second initialize" do
      coordinator = described_class.new(tracker)
      expect { coordinator.send(:initialize, tracker_class.new) }
        .to raise_error(TypeError, /already initialized/)
      expect(coordinator.tracker).to equal(tracker)
    end

    it "applies one rule to statistics given as JSON and as a Hash" do
      coordinator = described_class.new(tracker)
      coordinator.register("sg", family: "f", min: 1, max: 2, boot: 1, scale_delay: 0)
      version = coordinator.version
      [5.9, 2**64, "7", true].each do |bad|
        hash = { "cgrp" => { "state" => "up", "stateage" => bad } }
        expect { coordinator.notice("sg", hash, 0) }.to raise_error(
          ArgumentError, /statistics field cgrp.stateage must be an integer in the 64-bit range/
        )
        expect { coordinator.notice("sg", JSON.generate(hash), 0) }.to raise_error(
          ArgumentError, /statistics field cgrp.stateage must be an integer in the 64-bit range/
        )
      end
      expect(coordinator.version).to eq(version)
      coordinator.notice("sg", JSON.generate("cgrp" => { "stateage" => (2**63) - 1 }), 0)
      coordinator.notice("sg", { "cgrp" => { "stateage" => (2**63) - 1 } }, 0)
    end
  end
end

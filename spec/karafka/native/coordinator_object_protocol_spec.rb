# frozen_string_literal: true

require "json"

RSpec.describe Karafka::Native::Coordinator, "as a Ruby object" do
  let(:tracker_class) { Karafka::Native::AssignmentsTracker }
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

# frozen_string_literal: true

require "json"

RSpec.describe Karafka::Native::Coordinator do
  subject(:coordinator) { described_class.new(tracker) }

  let(:tracker) { Karafka::Native::AssignmentsTracker.new }
  let(:topic) { TestTopic.new("events") }

  # librdkafka statistics as Karafka emits them (a Hash with String keys)
  def steady(age_ms)
    {
      "name" => "consumer",
      "cgrp" => {
        "state" => "up", "join_state" => "steady",
        "stateage" => age_ms, "rebalance_age" => age_ms
      },
      "brokers" => { "localhost:9092/1" => { "stateage" => age_ms * 1000 } }
    }
  end

  def register_family(count, min: 1, max: 3, boot: 1, scale_delay: 1_000)
    count.times do |i|
      coordinator.register("sg#{i}", family: "f", min:, max:, boot:,
                                     scale_delay:)
    end
  end

  it "starts connections pending and shows them in a frozen snapshot" do
    register_family(2)
    snapshot = coordinator.snapshot
    expect(snapshot).to be_frozen
    expect(snapshot.keys).to eq(%w[sg0 sg1])
    expect(snapshot["sg0"]).to be_frozen
    expect(snapshot["sg0"]).to include(family: "f", state: :pending, active: false,
                                       noticed_at_ms: nil, last_change_ms: nil, partitions: 0)
    expect(coordinator.tracker).to equal(tracker)
  end

  it "shows each connection's partitions from the same moment as its state" do
    register_family(2)
    tracker.assign("sg0", topic => [0, 1], TestTopic.new("other") => [5])
    tracker.assign("sg1", topic => [2])
    coordinator.listener_state("sg0", :running)
    expect(coordinator.snapshot.transform_values { |entry| entry[:partitions] })
      .to eq("sg0" => 3, "sg1" => 1)
    tracker.reset("sg0")
    expect(coordinator.snapshot["sg0"]).to include(state: :running, partitions: 0)
  end

  it "takes listener states as Symbols or Strings" do
    register_family(1)
    expect(coordinator.listener_state("sg0", :running)).to be(true)
    expect(coordinator.listener_state("sg0", "running")).to be(false)
    expect(coordinator.snapshot["sg0"]).to include(state: :running, active: true)
    coordinator.listener_state("sg0", "stopped")
    expect(coordinator.snapshot["sg0"]).to include(state: :stopped, active: false)
  end

  it "scales up a family whose connection holds several partitions of a topic" do
    register_family(3)
    coordinator.listener_state("sg0", :running)
    tracker.assign("sg0", topic => [0, 1, 2])
    expect(coordinator.decide(10_000)).to eq([])
    coordinator.notice("sg0", steady(400), 10_000)
    expect(coordinator.stable?("f", 10_599)).to be(false)
    expect(coordinator.stable?("f", 10_600)).to be(true)
    actions = coordinator.decide(10_600)
    expect(actions).to eq([[:start, "sg1"]])
    expect(actions.first).to be_frozen
    expect(coordinator.snapshot["sg1"]).to include(state: :starting, last_change_ms: 10_600)
    # Statistics noticed before the change count as absent; the new connection must report.
    expect(coordinator.stable?("f", 30_000)).to be(false)
    coordinator.notice("sg0", steady(5_000), 30_000)
    expect(coordinator.decide(30_000)).to eq([])
  end

  it "stops an idle connection down to min, reading the shared tracker" do
    register_family(2, boot: 2)
    %w[sg0 sg1].each do |id|
      coordinator.listener_state(id, :running)
      coordinator.notice(id, steady(2_000), 0)
    end
    tracker.assign("sg0", topic => [0])
    expect(coordinator.decide(0)).to eq([[:stop, "sg1"]])
    expect(coordinator.snapshot["sg1"][:state]).to eq(:stopping)
  end

  it "reads the raw statistics JSON String natively" do
    register_family(2)
    coordinator.listener_state("sg0", :running)
    tracker.assign("sg0", topic => [0, 1])
    coordinator.notice("sg0", JSON.generate(steady(1_500)), 5)
    expect(coordinator.snapshot["sg0"]).to include(steady: true, reported_age_ms: 1_500,
                                                   noticed_at_ms: 5)
    expect(coordinator.decide(5)).to eq([[:start, "sg1"]])
  end

  it "leaves static families alone" do
    coordinator.register("s0", family: "static", min: 1, max: 1, boot: 1, scale_delay: 0)
    coordinator.listener_state("s0", :running)
    coordinator.notice("s0", steady(1), 0)
    tracker.assign("s0", topic => [0, 1])
    expect(coordinator.stable?("static", 0)).to be(true)
    expect(coordinator.decide(0)).to eq([])
  end

  it "waits for the shared lock without the GVL" do
    register_family(1)
    decider = nil
    NativeLock.hold(tracker) do
      decider = Thread.new { coordinator.decide(0) }
      wait_until { Karafka::Native::Testing.waiting(tracker) == 1 }
      # The decider waits for the lock; this thread keeps running Ruby meanwhile (a decider
      # waiting with the GVL would freeze it here, and the lock would never be released).
      ticks = 0
      ticks += 1 while ticks < 100_000 && decider.alive?
      expect(ticks).to eq(100_000)
      expect(decider).to be_alive # still waiting: the lock was held all along
    end
    expect(decider.join(TrackerHelpers::HANG_GUARD)).to equal(decider)
    expect(decider.value).to eq([])
  end

  it "is usable at once in a forked child while a parent thread holds the shared lock" do
    register_family(2)
    coordinator.listener_state("sg0", :running)
    status = NativeLock.hold(tracker) do
      in_child do
        coordinator.listener_state("sg1", :running)
        states = coordinator.snapshot.transform_values { |entry| entry[:state] }
        exit!(4) unless states == { "sg0" => :running, "sg1" => :running }
        exit!(5) unless coordinator.decide(0) == []
      end
    end
    expect(status.exitstatus).to eq(0)
    expect(coordinator.snapshot["sg1"][:state]).to eq(:pending)
  end

  describe "bad input" do
    before { register_family(1) }

    def expect_rejected(error, message, &)
      version = coordinator.version
      snapshot = coordinator.snapshot
      expect(&).to raise_error(error, message)
      expect(coordinator.version).to eq(version)
      expect(coordinator.snapshot).to eq(snapshot)
    end

    it "rejects a tracker that is not a tracker" do
      expect { described_class.new(Object.new) }
        .to raise_error(TypeError, /AssignmentsTracker, got #<Object/)
    end

    it "rejects unknown subscription groups and families" do
      expect_rejected(ArgumentError, /unknown subscription group "nope"/) do
        coordinator.listener_state("nope", :running)
      end
      expect_rejected(ArgumentError, /unknown subscription group "nope"/) do
        coordinator.notice("nope", steady(1), 0)
      end
      expect_rejected(ArgumentError, /unknown family "nope"/) { coordinator.stable?("nope", 0) }
      expect_rejected(TypeError, /subscription group id must be a String, got 1 \(Integer\)/) do
        coordinator.listener_state(1, :running)
      end
    end

    it "rejects inconsistent bounds" do
      expect_rejected(ArgumentError, /min \(3\) is greater than max \(2\)/) do
        coordinator.register("x", family: "g", min: 3, max: 2, boot: 2, scale_delay: 0)
      end
      expect_rejected(ArgumentError, /boot \(5\) is outside min..max \(1..3\)/) do
        coordinator.register("x", family: "g", min: 1, max: 3, boot: 5, scale_delay: 0)
      end
      expect_rejected(ArgumentError, /min must be a non-negative Integer up to \d+, got -1/) do
        coordinator.register("x", family: "g", min: -1, max: 3, boot: 1, scale_delay: 0)
      end
      expect_rejected(TypeError, /scale_delay must be an Integer, got "1" \(String\)/) do
        coordinator.register("x", family: "g", min: 1, max: 3, boot: 1, scale_delay: "1")
      end
      expect_rejected(ArgumentError, /family "f" was registered with/) do
        coordinator.register("x", family: "f", min: 1, max: 2, boot: 1, scale_delay: 1_000)
      end
      expect_rejected(ArgumentError, /missing keyword/) { coordinator.register("x", family: "g") }
    end

    it "rejects unknown listener states" do
      expect_rejected(ArgumentError, /unknown listener state :bogus \(Symbol\)/) do
        coordinator.listener_state("sg0", :bogus)
      end
      expect_rejected(TypeError, /listener state must be a String or Symbol, got 3/) do
        coordinator.listener_state("sg0", 3)
      end
    end

    it "rejects statistics that are neither a Hash nor JSON" do
      expect_rejected(TypeError, /must be a Hash or a JSON String, got \[\] \(Array\)/) do
        coordinator.notice("sg0", [], 0)
      end
      expect_rejected(ArgumentError, /statistics are not JSON .*"not json" \(String\)/) do
        coordinator.notice("sg0", "not json", 0)
      end
      expect_rejected(ArgumentError, /statistics field cgrp.stateage must be an integer/) do
        coordinator.notice("sg0", '{"cgrp":{"stateage":"old"}}', 0)
      end
      expect_rejected(ArgumentError, /cgrp.stateage must be an integer .*, got "old" \(String\)/) do
        coordinator.notice("sg0", { "cgrp" => { "stateage" => "old" } }, 0)
      end
      expect_rejected(TypeError, /now_ms must be an Integer, got nil/) do
        coordinator.notice("sg0", steady(1), nil)
      end
      expect_rejected(ArgumentError, /now_ms must be a non-negative Integer up to \d+, got -5/) do
        coordinator.decide(-5)
      end
    end
  end
end

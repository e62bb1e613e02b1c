# frozen_string_literal: true

RSpec.describe "Karafka::Native::ConnectionManager" do
  subject(:manager) do
    described.new(tracker:, app:, monitor:, conductor:,
                  clock: -> { @now })
  end

  let(:described) { Karafka::Native::ConnectionManager }
  let(:tracker) { Karafka::Native::AssignmentsTracker.new }
  let(:app) { ListenerDoubles::App.new }
  let(:monitor) { ListenerDoubles::Monitor.new }
  let(:conductor) { ListenerDoubles::Conductor.new }
  let(:topic) { TestTopic.new("events") }

  before { @now = 100_000 }

  def family(...)
    ListenerDoubles.family(...)
  end

  def statistics(listener, age_ms: 10_000, join_state: "steady")
    monitor.instrument(
      "statistics.emitted",
      subscription_group_id: listener.subscription_group.id,
      consumer_group_id: "cg",
      statistics: {
        "cgrp" => { "state" => "up", "join_state" => join_state,
                    "stateage" => age_ms, "rebalance_age" => age_ms },
        "brokers" => {}
      }
    )
  end

  def work(listeners)
    listeners.each(&:work)
  end

  it "is a plain class, defined with nothing of Karafka loaded" do
    expect(described.superclass).to eq(Object)
    expect(defined?(Karafka::Connection)).to be_nil
  end

  context "without multiplexing (like OSS Karafka's manager)" do
    let(:listeners) { family("a", 1) + family("b", 1) }

    before { manager.register(listeners) }

    it "starts every listener and never coordinates" do
      expect(listeners).to all(be_starting)
      expect(manager.coordinator).to be_nil
      expect(monitor.subscribers("statistics.emitted")).to eq(0)
      work(listeners)
      manager.control
      expect(listeners).to all(be_running)
      expect(manager.done?).to be(false)
    end

    it "quiets every listener, then stops them all on shutdown" do
      work(listeners)
      app.stopping!
      manager.control
      expect(listeners).to all(be_quieting)
      manager.control
      expect(listeners).to all(be_quieting)
      work(listeners)
      manager.control
      expect(listeners).to all(be_stopping)
      expect(manager.done?).to be(false)
      work(listeners)
      expect(manager.done?).to be(true)
    end

    it "marks the app quieted and stays quiet when quieting" do
      work(listeners)
      app.quieting!
      manager.control
      work(listeners)
      manager.control
      expect(app).to be_quiet
      manager.control
      expect(listeners).to all(be_quiet)
    end
  end

  context "with a dynamic family" do
    let(:listeners) { family("events", 3, min: 1, max: 3, boot: 1, scale_delay: 1_000) }

    before do
      manager.register(listeners)
      work(listeners)
    end

    it "starts boot listeners and feeds statistics to the coordinator" do
      expect(listeners.map(&:state)).to eq(%i[running pending pending])
      expect(monitor.subscribers("statistics.emitted")).to eq(1)
      statistics(listeners[0])
      expect(conductor.signals).to eq(1)
      expect(manager.coordinator.snapshot["cg_events_0"]).to include(steady: true,
                                                                     noticed_at_ms: @now)
    end

    it "scales up one listener at a time while partitions outnumber connections" do
      tracker.assign("cg_events_0", topic => [0, 1, 2])
      manager.control
      expect(listeners.map(&:state)).to eq(%i[running pending pending]), "no statistics yet"
      statistics(listeners[0])
      manager.control
      expect(listeners.map(&:state)).to eq(%i[running starting pending])
      work(listeners)
      tracker.revoke("cg_events_0", topic => [2])
      tracker.assign("cg_events_1", topic => [2])
      # The new listener has not reported; old statistics predate the change.
      @now += 5_000
      manager.control
      expect(listeners.map(&:state)).to eq(%i[running running pending])
      statistics(listeners[0])
      statistics(listeners[1])
      manager.control
      expect(listeners.map(&:state)).to eq(%i[running running starting])
    end

    it "stops idle listeners down to min, and starts a stopped one again" do
      tracker.assign("cg_events_0", topic => [0, 1])
      statistics(listeners[0])
      manager.control
      work(listeners)
      tracker.revoke("cg_events_0", topic => [1])
      tracker.assign("cg_events_1", topic => [1])
      @now += 1_000
      statistics(listeners[0])
      statistics(listeners[1])
      manager.control
      expect(listeners.map(&:state)).to eq(%i[running running pending]), "nothing crowded"
      # Another process takes partition 1: listener 1 is idle.
      tracker.revoke("cg_events_1", topic => [1])
      statistics(listeners[1])
      manager.control
      expect(listeners.map(&:state)).to eq(%i[running stopping pending])
      work(listeners)
      @now += 1_000
      statistics(listeners[0])
      manager.control
      expect(listeners.map(&:state)).to eq(%i[running stopped pending]), "at min"
      tracker.assign("cg_events_0", topic => [1])
      @now += 1
      statistics(listeners[0])
      manager.control
      expect(listeners.map(&:state)).to eq(%i[running starting pending])
      expect(listeners[1].starts).to eq(2)
    end

    it "is not done while the app runs, and shuts down only started listeners" do
      expect(manager.done?).to be(false)
      app.stopping!
      manager.control
      expect(listeners.map(&:state)).to eq(%i[quieting pending pending])
      work(listeners)
      manager.control
      work(listeners)
      expect(listeners.map(&:state)).to eq(%i[stopped pending pending])
      expect(manager.done?).to be(true)
    end

    it "shuts down while a listener is being scaled down" do
      tracker.assign("cg_events_0", topic => [0, 1])
      statistics(listeners[0])
      manager.control
      work(listeners)
      @now += 1
      statistics(listeners[0])
      statistics(listeners[1])
      @now += 1_000
      manager.control
      expect(listeners[1]).to be_stopping
      app.stopping!
      manager.control
      work(listeners)
      manager.control
      work(listeners)
      expect(listeners.map(&:state)).to eq(%i[stopped stopped pending])
      expect(manager.done?).to be(true)
    end

    it "reports bad statistics instead of raising" do
      monitor.instrument("statistics.emitted", subscription_group_id: "cg_events_0",
                                               statistics: "not json")
      expect(monitor.instrumented.last.first).to eq("error.occurred")
      expect(monitor.instrumented.last.last[:error]).to be_a(ArgumentError)
    end

    it "ignores statistics of connections it does not coordinate" do
      monitor.instrument("statistics.emitted", subscription_group_id: "other", statistics: {})
      expect(monitor.instrumented.size).to eq(1)
    end
  end

  it "starts every listener of a static multiplexed family" do
    listeners = family("fixed", 2, min: 2, max: 2, boot: 2, scale_delay: 0)
    manager.register(listeners)
    expect(listeners).to all(be_starting)
    expect(manager.coordinator).to be_nil
  end

  it "needs the native tracker for dynamic families" do
    manager = described.new(app:, monitor:)
    listeners = family("events", 2, min: 1, max: 2, boot: 1, scale_delay: 0)
    expect { manager.register(listeners) }.to raise_error(ArgumentError, /native assignments/)
  end
end

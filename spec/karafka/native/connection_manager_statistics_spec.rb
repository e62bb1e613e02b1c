# frozen_string_literal: true

RSpec.describe Karafka::Native::ConnectionManager, "fed by the native decorator" do
  it "notices the health fields the decorator kept instead of the Hash" do
    monitor = ListenerDoubles::Monitor.new
    group = ListenerDoubles::MultiplexedGroup.new(
      id: "sg", name: "m", consumer_group_id: "cg",
      multiplexing: ListenerDoubles::Multiplexing.new(min: 1, max: 2, boot: 1, scale_delay: 0)
    )
    manager = described_class.new(
      tracker: Karafka::Native::AssignmentsTracker.new, app: ListenerDoubles::App.new,
      monitor:, conductor: ListenerDoubles::Conductor.new, clock: -> { 42 }
    )
    manager.register([ListenerDoubles::Listener.new(group)])
    # Kept alive as Karafka's statistics callback keeps its decorator: the decorator holds the
    # health fields it filed for the Hash, which a collected decorator would take with it.
    decorator = Karafka::Native::StatisticsDecorator.new
    decorated = decorator.call(
      "cgrp" => { "state" => "up", "join_state" => "steady", "stateage" => 1 },
      "big" => { "x" => 1 }
    )

    expect(manager.coordinator).to receive(:notice)
      .with("sg", { "cgrp" => { "state" => "up", "join_state" => "steady", "stateage" => 1 } }, 42)
    monitor.instrument("statistics.emitted", subscription_group_id: "sg", statistics: decorated)
  end
end

# frozen_string_literal: true

RSpec.describe Karafka::Native::ConnectionManager, "fed by the native decorator" do
  it "notices the health fields the decorator kept instead of the Hash" do
    coordinator = instance_double(Karafka::Native::Coordinator)
    manager = described_class.new(clock: -> { 42 })
    manager.instance_variable_set(:@coordinator, coordinator)
    manager.instance_variable_set(:@native_coordinated, Set["sg"])
    manager.instance_variable_set(:@native,
                                  manager.instance_variable_get(:@native).merge(conductor: nil))
    decorated = Karafka::Native::StatisticsDecorator.new.call(
      "cgrp" => { "state" => "up", "join_state" => "steady",
                  "stateage" => 1 }, "big" => { "x" => 1 }
    )
    expect(coordinator).to receive(:notice)
      .with("sg", { "cgrp" => { "state" => "up", "join_state" => "steady", "stateage" => 1 } }, 42)
    manager.send(:notice, { subscription_group_id: "sg", statistics: decorated })
  end
end

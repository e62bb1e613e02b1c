# frozen_string_literal: true

# What spec/scripts/untouched_probe.rb emits when Karafka keeps its own tracker: it answers as
# Karafka's code does (a new Hash on every call), with Karafka's own handlers.
RSpec.shared_context "with Karafka left untouched" do
  let(:untouched) do
    {
      "installed" => false,
      "install!" => false,
      "ancestor" => "Karafka::Instrumentation::AssignmentsTracker",
      "waiting" => false,
      "assignments" => { "orders" => [0, 1] },
      "stock" => true,
      "on_methods" => %w[
        on_client_events_poll on_client_reset
        on_rebalance_partitions_assigned on_rebalance_partitions_revoked
      ]
    }
  end
end

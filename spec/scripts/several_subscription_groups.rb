# frozen_string_literal: true

# Copies of one topic in two subscription groups (as multiplexing makes them: distinct topic
# objects), assigned, revoked, reset and cleared apart (Karafka 2.6.1).

require "karafka"
require "karafka/native"
Karafka::Setup::Config.setup
tracker_class = Karafka::Instrumentation::AssignmentsTracker
tracker = tracker_class.instance

first = KarafkaDoubles.subscription_group("cg_sg_0", %w[orders])
second = KarafkaDoubles.subscription_group("cg_sg_1", %w[orders])
[first, second].each do |group|
  Karafka.monitor.instrument(
    "rebalance.partitions_assigned",
    KarafkaDoubles.rebalance_payload(group, { "orders" => [0, 1] })
  )
end
emit :both, Karafka::App.assignments.size
Karafka.monitor.instrument(
  "rebalance.partitions_revoked", KarafkaDoubles.rebalance_payload(first, { "orders" => [0] })
)
emit :revoked_one, Karafka::App.assignments.values
Karafka.monitor.instrument("client.reset", subscription_group: second)
emit(:reset_second, Karafka::App.assignments.keys.map { |topic| topic.subscription_group.id })
emit :generations_kept, tracker_class.generations.size
tracker.clear
emit :cleared, [Karafka::App.assignments, tracker_class.generations]

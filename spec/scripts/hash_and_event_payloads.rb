# frozen_string_literal: true

# Rebalance events given to the handlers as Hashes (as Karafka's own specs do) and as Event
# objects (as the monitor does), directly and through the monitor (Karafka 2.6.1).

require "karafka"
require "karafka/native"
Karafka::Setup::Config.setup
tracker_class = Karafka::Instrumentation::AssignmentsTracker
tracker = tracker_class.instance

group = KarafkaDoubles.subscription_group("sg-1", %w[orders payments])
orders = group.topics.find("orders")
tracker.on_rebalance_partitions_assigned(
  KarafkaDoubles.rebalance_payload(group, { "orders" => [0, 1, 2] })
)
tracker.on_rebalance_partitions_assigned(
  KarafkaDoubles.rebalance_payload(group, { "payments" => [0] }, as_object: true)
)
Karafka.monitor.instrument(
  "rebalance.partitions_revoked", KarafkaDoubles.rebalance_payload(group, { "orders" => [1] })
)
tracker.on_rebalance_partitions_revoked(
  KarafkaDoubles.rebalance_payload(group, { "payments" => [0] }, as_object: true)
)
emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
emit :generations, KarafkaDoubles.by_name(tracker_class.generations)
emit :generation, [tracker_class.generation(orders, 1), tracker.generation(orders, 9)]

# frozen_string_literal: true

# Karafka 2.5.9 (events poll handler, no generations) served by the native tracker: its
# handlers, and an events poll before and after the client lost its assignment.

require_relative "karafka_version"

group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
client = KarafkaDoubles::Client.new
Karafka.monitor.instrument(
  "rebalance.partitions_assigned",
  KarafkaDoubles.rebalance_payload(group, { "orders" => [0] })
)
Karafka.monitor.instrument("client.events_poll", caller: client, subscription_group: group)
emit :kept, KarafkaDoubles.by_name(Karafka::App.assignments)
client.lost = true
Karafka.monitor.instrument("client.events_poll", caller: client, subscription_group: group)
emit :lost, KarafkaDoubles.by_name(Karafka::App.assignments)

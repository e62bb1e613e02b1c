# frozen_string_literal: true

# Karafka 2.5.0 (no generations, no events poll handler) served by the native tracker: its
# handlers, and the newer readers offered on top.

require_relative "karafka_version"

group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
topic = group.topics.find("orders")
Karafka.monitor.instrument(
  "rebalance.partitions_assigned",
  KarafkaDoubles.rebalance_payload(group, { "orders" => [0] })
)
emit :poll_listeners, Karafka.monitor.listeners("client.events_poll").size
emit :generation, TRACKER.generation(topic, 0)
emit :class_current, KarafkaDoubles.by_name(TRACKER_CLASS.current)
emit :class_generations, KarafkaDoubles.by_name(TRACKER_CLASS.generations)
emit :inspect, TRACKER.inspect

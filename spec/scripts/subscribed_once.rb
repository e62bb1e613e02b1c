# frozen_string_literal: true

# Karafka's setup (which subscribes the tracker singleton to the monitor) placed before or after
# the install, and karafka-native required before or after Karafka (Karafka 2.6.1); then one
# assignment. ARGV: "setup-first" or "setup-last", "native-first" or "native-last".

setup_first = ARGV.fetch(0) == "setup-first"
require "karafka/native" if ARGV.fetch(1) == "native-first"
require "karafka"
Karafka::Setup::Config.setup if setup_first
require "karafka/native"
Karafka::Native.install!
Karafka::Setup::Config.setup unless setup_first

tracker = Karafka::Instrumentation::AssignmentsTracker.instance
group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
topic = group.topics.find("orders")
before = Karafka::Native.tracker.version
Karafka.monitor.instrument(
  "rebalance.partitions_assigned",
  KarafkaDoubles.rebalance_payload(group, { "orders" => [0, 1] })
)
emit :subscribed, Karafka.monitor.listeners("rebalance.partitions_assigned").count(tracker)
emit :changes, Karafka::Native.tracker.version - before
emit :generation, Karafka::Instrumentation::AssignmentsTracker.generation(topic, 0)
emit :stock_state, tracker.instance_variable_get(:@assignments).size

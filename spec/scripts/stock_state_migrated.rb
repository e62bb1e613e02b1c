# frozen_string_literal: true

# Karafka's own tracker gathers assignments and generations (Karafka 2.6.1), then karafka-native
# is required and installs: is that state kept, in order, and does it go on from there?

require "karafka"
Karafka::Setup::Config.setup
tracker_class = Karafka::Instrumentation::AssignmentsTracker

group = KarafkaDoubles.subscription_group("sg-1", %w[orders payments])
orders = group.topics.find("orders")
payload = ->(map) { KarafkaDoubles.rebalance_payload(group, map) }
Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "orders" => [0, 1] }))
Karafka.monitor.instrument("rebalance.partitions_revoked", payload.call({ "orders" => [1] }))
Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "orders" => [1] }))
Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "payments" => [3] }))
Karafka.monitor.instrument("rebalance.partitions_revoked", payload.call({ "orders" => [0] }))
state = lambda do
  [Karafka::App.assignments, tracker_class.generations].map { |hash| KarafkaDoubles.by_name(hash) }
end
stock = state.call

require "karafka/native"
emit :installed, Karafka::Native.installed?
emit :kept, stock == state.call
emit :generations_order, tracker_class.generations.keys.map(&:name)
Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "orders" => [0] }))
emit :continued, tracker_class.generation(orders, 0)
Karafka.monitor.instrument("client.reset", subscription_group: group)
emit :reset, Karafka::App.assignments

# frozen_string_literal: true

# Topics the routing learns about after the first event: added to the routing, or discovered
# by `find` (pattern subscriptions); how many `find` calls they cost (Karafka 2.6.1).

require "karafka"
require "karafka/native"
Karafka::Setup::Config.setup

discover = ->(name) { KarafkaDoubles::Topic.new(name) if name.start_with?("it-") }
group = KarafkaDoubles.subscription_group("sg-1", %w[orders], discover:)
assign = lambda do |map|
  Karafka.monitor.instrument(
    "rebalance.partitions_assigned", KarafkaDoubles.rebalance_payload(group, map)
  )
end
assign.call({ "orders" => [0] })
group.add_topic("added")
assign.call({ "added" => [0] })
assign.call({ "it-1" => [0] })
finds = group.topics.find_calls
assign.call({ "it-1" => [1], "added" => [1], "orders" => [1] })
emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
emit :finds, [finds, group.topics.find_calls]
emit :errors, Karafka.monitor.errors.size

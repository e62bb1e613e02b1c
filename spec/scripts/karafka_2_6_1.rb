# frozen_string_literal: true

# Karafka 2.6.1 (generations bounded by GENERATIONS_TOPICS_LIMIT) served by the native tracker:
# its handlers, and the bound followed as Karafka's own spec changes it (stub_const).

require_relative "karafka_version"

groups = Array.new(5) { |i| KarafkaDoubles.subscription_group("sg-#{i}", ["t#{i}"]) }
assign = lambda do |group|
  Karafka.monitor.instrument(
    "rebalance.partitions_assigned",
    KarafkaDoubles.rebalance_payload(group, { group.topics.first.name => [0] })
  )
end
limit = lambda do |value|
  TRACKER_CLASS.send(:remove_const, :GENERATIONS_TOPICS_LIMIT)
  TRACKER_CLASS.const_set(:GENERATIONS_TOPICS_LIMIT, value)
end
emit :default_limit, Karafka::Native.tracker.generations_limit
limit.call(3)
[0, 1, 2, 0, 3].each { |i| assign.call(groups[i]) }
emit :limit, Karafka::Native.tracker.generations_limit
emit :generations, KarafkaDoubles.by_name(TRACKER_CLASS.generations)
emit :frozen, [TRACKER_CLASS.generations.frozen?, TRACKER_CLASS.generations.values.all?(&:frozen?)]
# Lowered again while populated: Karafka applies it at the next assignment
limit.call(2)
groups << KarafkaDoubles.subscription_group("sg-5", ["t5"])
assign.call(groups[5])
emit :lowered, KarafkaDoubles.by_name(TRACKER_CLASS.generations)

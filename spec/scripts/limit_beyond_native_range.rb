# frozen_string_literal: true

# Karafka 2.6.1 with GENERATIONS_TOPICS_LIMIT set beyond what the native tracker takes (2**64)

require "karafka"
Karafka::Setup::Config.setup
require "karafka/native"

tracker_class = Karafka::Instrumentation::AssignmentsTracker
tracker_class.send(:remove_const, :GENERATIONS_TOPICS_LIMIT)
tracker_class.const_set(:GENERATIONS_TOPICS_LIMIT, 2**64)
group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
Karafka.monitor.instrument(
  "rebalance.partitions_assigned",
  KarafkaDoubles.rebalance_payload(group, { "orders" => [0, 1] })
)
emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
emit(:errors, Karafka.monitor.errors.map { |error| error[:type] })
emit :limit, Karafka::Native.tracker.generations_limit

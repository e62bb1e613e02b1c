# frozen_string_literal: true

# Each event Karafka's tracker handles (Karafka 2.6.1), after an assignment: how many
# subscriptions it has and how many native changes it makes.

require "karafka"
Karafka::Setup::Config.setup
require "karafka/native"

tracker = Karafka::Instrumentation::AssignmentsTracker.instance
group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
client = KarafkaDoubles::Client.new(lost: true)
payload = KarafkaDoubles.rebalance_payload(group, { "orders" => [0] })
counts = {}
{
  "rebalance.partitions_assigned" => payload,
  "rebalance.partitions_revoked" => payload,
  "client.reset" => { subscription_group: group },
  "client.events_poll" => { caller: client, subscription_group: group }
}.each do |event_id, event_payload|
  before = Karafka::Native.tracker.version
  Karafka.monitor.instrument("rebalance.partitions_assigned", payload)
  assigned = Karafka::Native.tracker.version
  Karafka.monitor.instrument(event_id, event_payload)
  counts[event_id] = [
    Karafka.monitor.listeners(event_id).count(tracker),
    Karafka::Native.tracker.version - assigned,
    assigned - before
  ]
end
emit :counts, counts
emit :lost_checks, client.checks

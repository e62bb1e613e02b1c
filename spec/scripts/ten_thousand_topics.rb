# frozen_string_literal: true

# 10,000 topics assigned through Karafka's monitor (Karafka 2.6.1), then one partition revoked:
# what `current` returns meanwhile, and how many `find` calls the names cost.

require "karafka"
require "karafka/native"
Karafka::Setup::Config.setup
tracker_class = Karafka::Instrumentation::AssignmentsTracker
tracker = tracker_class.instance

names = Array.new(10_000) { |i| "topic-#{i}" }
group = KarafkaDoubles.subscription_group("sg-1", names)
Karafka.monitor.instrument(
  "rebalance.partitions_assigned",
  KarafkaDoubles.rebalance_payload(group, names.to_h { |name| [name, [2, 0, 1]] })
)
first = Karafka::App.assignments
emit :size, first.size
same = [Karafka::App.assignments, tracker_class.current, tracker.current]
       .all? { |current| current.equal?(first) }
emit :same, same
emit :shape, [
  first.frozen?, first.default_proc.nil?, first.default.nil?,
  first.values.all?(&:frozen?), first.values.uniq, first.keys.first.equal?(group.topics.first)
]
emit :finds, group.topics.find_calls
Karafka.monitor.instrument(
  "rebalance.partitions_revoked", KarafkaDoubles.rebalance_payload(group, { "topic-7" => [1] })
)
emit :changed, !Karafka::App.assignments.equal?(first)
emit :revoked, Karafka::App.assignments[group.topics.find("topic-7")]

# frozen_string_literal: true

# One faulty event, its payload named by ARGV[0] (a key of PAYLOADS), instrumented as the event
# ARGV[1] through Karafka's monitor (Karafka 2.5.9) after one good assignment: is it raised,
# reported, does it change anything?

require "karafka"
Karafka::Setup::Config.setup
require "karafka/native"

# What is wrong => the payload, for a subscription group
PAYLOADS = {
  "an unknown topic name" => lambda do |group|
    KarafkaDoubles.rebalance_payload(group, { "orders" => [5], "ghost" => [0] })
  end,
  "a partition that is not an Integer" => lambda do |group|
    partition = Struct.new(:partition).new("7") # rubocop:disable Lint/StructNewOverride
    KarafkaDoubles.rebalance_payload(group, { "orders" => [5] })
                  .merge(tpl: { "orders" => [partition] })
  end,
  "a negative partition" => lambda do |group|
    KarafkaDoubles.rebalance_payload(group, { "orders" => [-1] })
  end,
  "a TPL that is no TPL" => ->(group) { { subscription_group: group, tpl: 42 } },
  "an event (the monitor passes Event objects) without the key" => ->(_) { {} },
  "a client failing to tell about lost assignments" => lambda do |group|
    { caller: Object.new, subscription_group: group }
  end
}.freeze

payload = PAYLOADS.fetch(ARGV.fetch(0))
event_id = ARGV.fetch(1)
group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
Karafka.monitor.instrument(
  "rebalance.partitions_assigned",
  KarafkaDoubles.rebalance_payload(group, { "orders" => [1] })
)
before = [Karafka::Native.tracker.version, Karafka::App.assignments]
begin
  Karafka.monitor.instrument(event_id, payload.call(group))
  emit :raised, false
rescue Exception => e # rubocop:disable Lint/RescueException -- whatever it is, it is emitted
  emit :raised, e.inspect
end
emit :unchanged, before == [Karafka::Native.tracker.version, Karafka::App.assignments]
errors = Karafka.monitor.errors
emit(:types, errors.map { |error| error[:type] })
emit(:messages, errors.map { |error| error[:error].message })
emit(:callers, errors.map { |error| error[:caller].class.name })

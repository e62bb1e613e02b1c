# frozen_string_literal: true

# An event that fails (an unknown topic) while Karafka's monitor cannot take `error.occurred`
# either (Karafka 2.5.9): the error is warned about instead.

require "karafka"
require "karafka/native"

def (Karafka.monitor).instrument(event_id, payload = {})
  raise "monitor down" if event_id == "error.occurred"

  super
end
Karafka::Setup::Config.setup
group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
Karafka.monitor.instrument(
  "rebalance.partitions_assigned",
  KarafkaDoubles.rebalance_payload(group, { "ghost" => [0] })
)
emit :assignments, Karafka::App.assignments.size

# frozen_string_literal: true

# Karafka 2.6.1 with the native tracker, forked as `karafka swarm` forks its nodes: a child
# inherits the assignments and changes them apart from the parent, also when forked while
# another thread writes or holds the native lock (a lock that did not survive the fork would
# hang the child, which ChildProcess then kills).

require "karafka"
require "karafka/native"
Karafka::Setup::Config.setup
group = KarafkaDoubles.subscription_group("sg-1", %w[orders payments])
payload = ->(map) { KarafkaDoubles.rebalance_payload(group, map) }
assigned = ->(map) { Karafka.monitor.instrument("rebalance.partitions_assigned", payload[map]) }
revoked = ->(map) { Karafka.monitor.instrument("rebalance.partitions_revoked", payload[map]) }
assigned.call({ "orders" => [0] })

# [0, what the block returned] when the child ran to its end, its report otherwise
child = lambda do |&work|
  outcome = ChildProcess.run(timeout: 20, result: true, &work)
  outcome.success? ? [0, outcome.value] : outcome.report
end

plain = child.call do
  inherited = KarafkaDoubles.by_name(Karafka::App.assignments)
  assigned.call({ "payments" => [1] })
  revoked.call({ "orders" => [0] })
  [inherited, KarafkaDoubles.by_name(Karafka::App.assignments)]
end
emit :plain, plain
emit :parent, KarafkaDoubles.by_name(Karafka::App.assignments)

# Fork while another thread keeps writing, so the lock may be held at fork time
stop = false
writer_thread = Thread.new do
  until stop
    assigned.call({ "payments" => [2] })
    revoked.call({ "payments" => [2] })
  end
end
busy = Array.new(5) do
  child.call do
    assigned.call({ "orders" => [3] })
    KarafkaDoubles.by_name(Karafka::App.assignments)["orders"]
  end
end
stop = true
writer_thread.join
emit :busy, busy.uniq

held = NativeLock.hold(Karafka::Native.tracker) do
  child.call do
    assigned.call({ "orders" => [4] })
    KarafkaDoubles.by_name(Karafka::App.assignments)["orders"]
  end
end
emit :held, held
emit :errors, Karafka.monitor.errors.size

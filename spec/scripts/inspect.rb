# frozen_string_literal: true

# Karafka's tracker's `inspect` (Karafka 2.5.9, the first with its own) while free, while its
# Ruby lock is held by this or another thread, and while the native lock is held.

require "karafka"
require "karafka/native"
Karafka::Setup::Config.setup
tracker = Karafka::Instrumentation::AssignmentsTracker.instance

group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
Karafka.monitor.instrument(
  "rebalance.partitions_assigned", KarafkaDoubles.rebalance_payload(group, { "orders" => [0, 1] })
)
emit :free, tracker.inspect
mutex = tracker.instance_variable_get(:@mutex)
mutex.lock
emit :ruby_lock, tracker.inspect
mutex.unlock
locked = Queue.new
release = Queue.new
other = Thread.new do
  mutex.synchronize do
    locked << true
    release.pop
  end
end
locked.pop
emit :ruby_lock_other_thread, tracker.inspect
release << true
other.join
emit :native_lock, NativeLock.hold(Karafka::Native.tracker) { tracker.inspect }

# frozen_string_literal: true

# Does the native tracker serve Karafka? Karafka (FAKE_KARAFKA_VERSION) and karafka-native are
# required in the order ARGV[0] says ("karafka-first" or "native-first"); with karafka-native
# first, whether the installer waits for Karafka's tracker class before and after Karafka.

if ARGV.fetch(0) == "karafka-first"
  require "karafka"
  require "karafka/native"
else
  require "karafka/native"
  emit :installed_before, Karafka::Native.installed?
  emit :waiting_before, Karafka::Native::Integration.installer.waiting?
  require "karafka"
  emit :waiting_after, Karafka::Native::Integration.installer.waiting?
end

tracker_class = Karafka::Instrumentation::AssignmentsTracker
Karafka::Setup::Config.setup
group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
Karafka.monitor.instrument(
  "rebalance.partitions_assigned", KarafkaDoubles.rebalance_payload(group, { "orders" => [1, 0] })
)
emit :installed, Karafka::Native.installed?
emit :patched, tracker_class.ancestors.first.name
emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
emit :same_object, Karafka::App.assignments.equal?(tracker_class.current)
emit :native_version, Karafka::Native.tracker.version

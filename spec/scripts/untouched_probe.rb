# frozen_string_literal: true

# Does Karafka keep its own tracker? Karafka (the fake's default version) and karafka-native
# are required in the order ARGV[0] says ("karafka-first" or "native-first"), optionally with
# the compiled library failing to load (ARGV[1] "fail-library": the loader's `require` of it
# raises, as a missing or foreign .so would). Karafka's tracker answers as Karafka's code does:
# a new Hash on every call.

if ARGV[1] == "fail-library"
  # Makes the loader's `require` of the compiled library fail
  module FailNativeLibrary
    def require(path)
      raise LoadError, "simulated: cannot load #{path}" if path.to_s.match?(/karafka_native\z/)

      super
    end
  end
  Kernel.prepend(FailNativeLibrary)
end

if ARGV.fetch(0) == "karafka-first"
  require "karafka"
  require "karafka/native"
else
  require "karafka/native"
  require "karafka"
end

Karafka::Setup::Config.setup
tracker_class = Karafka::Instrumentation::AssignmentsTracker
group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
Karafka.monitor.instrument(
  "rebalance.partitions_assigned",
  KarafkaDoubles.rebalance_payload(group, { "orders" => [1, 0] })
)
emit :installed, Karafka::Native.installed?
emit :install!, Karafka::Native.install!
emit :ancestor, tracker_class.ancestors.first.name
emit :waiting, Karafka::Native::Integration.installer.waiting?
emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
emit :stock, Karafka::App.assignments.equal?(Karafka::App.assignments) == false
emit :on_methods, tracker_class.instance.methods.grep(/\Aon_/).sort
emit :load_error, Karafka::Native.load_error&.message

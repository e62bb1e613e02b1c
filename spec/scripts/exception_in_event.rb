# frozen_string_literal: true

# An exception, named by ARGV[0] (a key of EXCEPTIONS), raised by the event's TPL while an
# assignment is handled (Karafka 2.6.1): does it propagate, is it reported?

require "karafka"
Karafka::Setup::Config.setup
require "karafka/native"

# Name => the exception to raise
EXCEPTIONS = {
  "NoMemoryError" => -> { NoMemoryError },
  "SystemStackError" => -> { SystemStackError },
  "Interrupt" => -> { Interrupt },
  "SignalException" => -> { SignalException.new("TERM") },
  "SystemExit" => -> { SystemExit.new(3) },
  "a StandardError" => -> { ArgumentError.new("boom") }
}.freeze

exception = EXCEPTIONS.fetch(ARGV.fetch(0))
group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
tpl = Object.new
tpl.define_singleton_method(:to_h) { raise exception.call }
begin
  Karafka.monitor.instrument("rebalance.partitions_assigned", subscription_group: group, tpl:)
  emit :raised, nil
rescue Exception => e # rubocop:disable Lint/RescueException -- whatever it is, it is emitted
  emit :raised, e.class.name
end
emit(:errors, Karafka.monitor.errors.map { |error| error[:error].class.name })
emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)

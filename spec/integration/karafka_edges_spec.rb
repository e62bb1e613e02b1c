# frozen_string_literal: true

# Edges of the Karafka integration where Karafka's own tracker keeps working: a bound beyond the
# native range, and exceptions that are not StandardErrors (which must pass through, as they do
# through Karafka's own tracker, while StandardErrors are reported, never raised into Karafka).
RSpec.describe "The Karafka integration at its edges" do
  context "with GENERATIONS_TOPICS_LIMIT beyond the native range (2**64)" do
    subject(:data) do
      KarafkaDoubles.run(<<~RUBY).data
        KarafkaDoubles.define_karafka!(version: "2.6.1")
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
        emit :errors, Karafka.monitor.errors.map { |error| error[:type] }
        emit :limit, Karafka::Native.tracker.generations_limit
      RUBY
    end

    it "tracks every assignment with no practical bound, reporting nothing" do
      expect(data).to include(
        "assignments" => { "orders" => [0, 1] },
        "errors" => [],
        "limit" => Karafka::Native::AssignmentsTracker::MAX_GENERATIONS_LIMIT
      )
    end
  end

  exceptions = {
    "NoMemoryError" => "NoMemoryError",
    "SystemStackError" => "SystemStackError",
    "Interrupt" => "Interrupt",
    "SignalException" => 'SignalException.new("TERM")',
    "SystemExit" => "SystemExit.new(3)",
    "a StandardError" => 'ArgumentError.new("boom")'
  }

  exceptions.each do |name, construction|
    context "when #{name} is raised while an event is handled" do
      subject(:data) do
        KarafkaDoubles.run(<<~RUBY).data
          KarafkaDoubles.define_karafka!(version: "2.6.1")
          Karafka::Setup::Config.setup
          require "karafka/native"
          group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
          tpl = Object.new
          tpl.define_singleton_method(:to_h) { raise #{construction} }
          begin
            Karafka.monitor.instrument(
              "rebalance.partitions_assigned", subscription_group: group, tpl: tpl
            )
            emit :raised, nil
          rescue Exception => e
            emit :raised, e.class.name
          end
          emit :errors, Karafka.monitor.errors.map { |error| error[:error].class.name }
          emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
        RUBY
      end

      if name == "a StandardError"
        it "is reported through the monitor, never raised into Karafka" do
          expect(data).to include("raised" => nil, "errors" => ["ArgumentError"])
        end
      else
        it "propagates, as through Karafka's own tracker, and is not reported" do
          expect(data).to include("raised" => name, "errors" => [], "assignments" => {})
        end
      end
    end
  end
end

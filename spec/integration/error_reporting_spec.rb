# frozen_string_literal: true

RSpec.describe "Reporting errors instead of raising into Karafka's monitor" do
  # Each case: [event id, Ruby expression of the payload, what the error says]
  cases = {
    "an unknown topic name" => [
      "rebalance.partitions_assigned",
      'KarafkaDoubles.rebalance_payload(group, { "orders" => [5], "ghost" => [0] })',
      "ghost"
    ],
    "a partition that is not an Integer" => [
      "rebalance.partitions_assigned",
      'KarafkaDoubles.rebalance_payload(group, { "orders" => [5] }).merge(' \
      'tpl: { "orders" => [Struct.new(:partition).new("7")] })',
      "\"7\""
    ],
    "a negative partition" => [
      "rebalance.partitions_revoked",
      'KarafkaDoubles.rebalance_payload(group, { "orders" => [-1] })',
      "-1"
    ],
    "a TPL that is no TPL" => [
      "rebalance.partitions_revoked",
      "{ subscription_group: group, tpl: 42 }",
      "to_h"
    ],
    "an event (the monitor passes Event objects) without the key" => [
      "client.reset",
      "{}",
      "subscription_group"
    ],
    "a client failing to tell about lost assignments" => [
      "client.events_poll",
      "{ caller: Object.new, subscription_group: group }",
      "assignment_lost?"
    ]
  }

  cases.each do |what, (event_id, payload, message)|
    context "with #{what}" do
      subject(:data) do
        KarafkaDoubles.run(<<~RUBY).data
          KarafkaDoubles.define_karafka!(version: "2.5.9")
          Karafka::Setup::Config.setup
          require "karafka/native"
          group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
          Karafka.monitor.instrument(
            "rebalance.partitions_assigned",
            KarafkaDoubles.rebalance_payload(group, { "orders" => [1] })
          )
          before = [Karafka::Native.tracker.version, Karafka::App.assignments]
          begin
            Karafka.monitor.instrument("#{event_id}", #{payload})
            emit :raised, false
          rescue Exception => e
            emit :raised, e.inspect
          end
          emit :unchanged, before == [Karafka::Native.tracker.version, Karafka::App.assignments]
          errors = Karafka.monitor.errors
          emit :types, errors.map { |error| error[:type] }
          emit :messages, errors.map { |error| error[:error].message }
          emit :callers, errors.map { |error| error[:caller].class.name }
        RUBY
      end

      it "reports it as error.occurred, raises nothing and changes nothing" do
        expect(data).to include(
          "raised" => false,
          "unchanged" => true,
          "types" => ["karafka_native.#{event_id}"],
          "callers" => ["Karafka::Instrumentation::AssignmentsTracker"]
        )
        expect(data["messages"].first).to include(message)
      end
    end
  end

  context "when the error listener itself fails" do
    subject(:result) do
      KarafkaDoubles.run(<<~RUBY)
        KarafkaDoubles.define_karafka!(version: "2.5.9")
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
      RUBY
    end

    it "warns instead" do
      expect(result.data).to eq("assignments" => 0)
      expect(result.stderr).to include(
        "karafka-native: karafka_native.rebalance.partitions_assigned failed",
        "TopicNotFoundError: ghost",
        "reporting failed: RuntimeError"
      )
    end
  end
end

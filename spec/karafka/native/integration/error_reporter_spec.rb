# frozen_string_literal: true

# Errors reported instead of raised into Karafka's monitor: in subprocesses with the fake
# Karafka (see KarafkaDoubles.run and spec/scripts/).
RSpec.describe Karafka::Native::Integration::ErrorReporter, :subprocess do
  # What is wrong (a payload of spec/scripts/event_error_reported.rb) => [event id, what the
  # error says]
  cases = {
    "an unknown topic name" => ["rebalance.partitions_assigned", "ghost"],
    "a partition that is not an Integer" => ["rebalance.partitions_assigned", "\"7\""],
    "a negative partition" => ["rebalance.partitions_revoked", "-1"],
    "a TPL that is no TPL" => ["rebalance.partitions_revoked", "to_h"],
    "an event (the monitor passes Event objects) without the key" => [
      "client.reset", "subscription_group"
    ],
    "a client failing to tell about lost assignments" => ["client.events_poll", "assignment_lost?"]
  }

  cases.each do |what, (event_id, message)|
    context "with #{what}" do
      subject(:data) do
        KarafkaDoubles.run("event_error_reported", what, event_id, karafka: "2.5.9").data
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
    subject(:result) { KarafkaDoubles.run("error_listener_fails", karafka: "2.5.9") }

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

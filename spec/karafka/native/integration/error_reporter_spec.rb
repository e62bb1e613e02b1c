# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::ErrorReporter do
  subject(:reporter) { described_class.new }

  let(:error) { ArgumentError.new("boom") }

  describe "#call" do
    context "with Karafka's monitor" do
      let(:monitor) { KarafkaDoubles::Monitor.new }

      before { allow(Karafka).to receive(:monitor).and_return(monitor) }

      it "instruments error.occurred with the caller, the error and a karafka_native type" do
        expect(reporter.call("client.reset", error, :tracker)).to be_nil
        expect(monitor.errors).to eq([{ caller: :tracker, error:,
                                        type: "karafka_native.client.reset" }])
      end

      it "warns instead when the monitor fails, and raises nothing" do
        allow(monitor).to receive(:instrument).and_raise(RuntimeError, "monitor down")
        expect { expect(reporter.call("install", error, nil)).to be_nil }.to output(
          "karafka-native: karafka_native.install failed: ArgumentError: boom " \
          "(reporting failed: RuntimeError)\n"
        ).to_stderr
      end
    end

    it "warns without a monitor (Karafka not loaded)" do
      expect { reporter.call("install", error, nil) }
        .to output("karafka-native: karafka_native.install failed: ArgumentError: boom\n").to_stderr
    end
  end

  # Errors reported instead of raised into Karafka's monitor: in subprocesses with the fake
  # Karafka (see KarafkaDoubles.run and spec/scripts/).
  context "with Karafka's tracker served", :subprocess do
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
      "a client failing to tell about lost assignments" => ["client.events_poll",
                                                            "assignment_lost?"]
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
end

# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::Listeners do
  describe ".for" do
    it "gives the modules of the handlers the tracker class defines publicly, in order" do
      tracker_class = Class.new do
        def on_client_reset(_event) = nil
        def on_rebalance_partitions_assigned(_event) = nil

        private

        def on_client_events_poll(_event) = nil
      end

      expect(described_class.for(tracker_class))
        .to eq([described_class::PartitionsAssigned, described_class::ClientReset])
      expect(described_class::ALL.keys).to eq(
        %i[on_rebalance_partitions_assigned on_rebalance_partitions_revoked on_client_reset
           on_client_events_poll]
      )
    end
  end

  describe "the handlers" do
    subject(:tracker) do
      Object.new.tap do |object|
        object.extend(*described_class::ALL.values)
        object.instance_variable_set(:@karafka_native, adapter)
      end
    end

    let(:adapter) { instance_spy(Karafka::Native::Integration::Adapter) }

    it "hand each event to the adapter" do
      tracker.on_rebalance_partitions_assigned(:assigned)
      tracker.on_rebalance_partitions_revoked(:revoked)
      tracker.on_client_reset(:reset)
      expect(adapter).to have_received(:assigned).with(:assigned)
      expect(adapter).to have_received(:revoked).with(:revoked)
      expect(adapter).to have_received(:reset).with(:reset)
    end

    it "ask the client about a lost assignment before calling the adapter on an events poll" do
      client = KarafkaDoubles::Client.new
      event = { caller: client }
      expect(tracker.on_client_events_poll(event)).to be_nil
      expect(adapter).not_to have_received(:assignment_lost)
      client.lost = true
      tracker.on_client_events_poll(event)
      expect(adapter).to have_received(:assignment_lost).with(event)
      expect(client.checks).to eq(2)
    end

    it "report a client that cannot tell, raising nothing" do
      tracker.on_client_events_poll({ caller: Object.new })
      expect(adapter).to have_received(:report).with("client.events_poll", NoMethodError)
    end
  end

  # Karafka's event handlers as served: in subprocesses with the fake Karafka (see
  # KarafkaDoubles.run and spec/scripts/).
  context "with Karafka's tracker served", :subprocess do
    context "with events as Hashes (Karafka's own specs) and as Event objects (the monitor)" do
      subject(:data) { KarafkaDoubles.run("hash_and_event_payloads", karafka: "2.6.1").data }

      it "handles both alike" do
        expect(data).to eq(
          "assignments" => { "orders" => [0, 2] },
          "generations" => { "orders" => { "0" => 1, "1" => 1, "2" => 1 },
                             "payments" => { "0" => 1 } },
          "generation" => [1, 0]
        )
      end
    end

    context "with every event Karafka's tracker handles" do
      subject(:data) { KarafkaDoubles.run("every_event_once", karafka: "2.6.1").data }

      it "reaches the native tracker once per event" do
        expect(data["counts"]).to eq(
          "rebalance.partitions_assigned" => [1, 1, 1],
          "rebalance.partitions_revoked" => [1, 1, 1],
          "client.reset" => [1, 1, 1],
          "client.events_poll" => [1, 1, 1]
        )
        expect(data["lost_checks"]).to eq(1)
      end
    end

    context "with Karafka 2.5.0 (no generations, no events poll handler)" do
      subject(:data) { KarafkaDoubles.run("karafka_2_5_0", karafka: "2.5.0").data }

      it "adds no handler that version lacks" do
        expect(data["on_methods"]).to eq(data["stock_on_methods"])
        expect(data["on_methods"]).not_to include("on_client_events_poll")
        expect(data["poll_listeners"]).to eq(0)
      end
    end

    context "with Karafka 2.5.9 (events poll handler, no generations)" do
      subject(:data) { KarafkaDoubles.run("karafka_2_5_9", karafka: "2.5.9").data }

      it "keeps exactly that version's handlers" do
        expect(data["on_methods"]).to eq(data["stock_on_methods"])
        expect(data["on_methods"]).to include("on_client_events_poll")
      end

      it "clears on an events poll only when the assignment was lost" do
        expect(data).to include("kept" => { "orders" => [0] }, "lost" => {})
      end
    end

    context "with Karafka 2.6.1 (generations bounded by GENERATIONS_TOPICS_LIMIT)" do
      subject(:data) { KarafkaDoubles.run("karafka_2_6_1", karafka: "2.6.1").data }

      it "keeps exactly that version's handlers" do
        expect(data["on_methods"]).to eq(data["stock_on_methods"])
      end
    end
  end
end

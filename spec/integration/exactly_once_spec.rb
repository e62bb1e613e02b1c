# frozen_string_literal: true

RSpec.describe "Handling every event exactly once" do
  # Karafka's setup subscribes the tracker singleton to the monitor; the script places the
  # setup before or after karafka-native, then emits one assignment and reports.
  def run_with(setup_first:, native_first:)
    KarafkaDoubles.run(<<~RUBY).data
      require "karafka/native" if #{native_first}
      KarafkaDoubles.define_karafka!(version: "2.6.1")
      Karafka::Setup::Config.setup if #{setup_first}
      require "karafka/native"
      Karafka::Native.install!
      Karafka::Setup::Config.setup unless #{setup_first}
      tracker = Karafka::Instrumentation::AssignmentsTracker.instance
      group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
      topic = group.topics.find("orders")
      before = Karafka::Native.tracker.version
      Karafka.monitor.instrument(
        "rebalance.partitions_assigned",
        KarafkaDoubles.rebalance_payload(group, { "orders" => [0, 1] })
      )
      emit :subscribed, Karafka.monitor.listeners("rebalance.partitions_assigned").count(tracker)
      emit :changes, Karafka::Native.tracker.version - before
      emit :generation, Karafka::Instrumentation::AssignmentsTracker.generation(topic, 0)
      emit :stock_state, tracker.instance_variable_get(:@assignments).size
    RUBY
  end

  [true, false].product([true, false]).each do |setup_first, native_first|
    context "with setup #{setup_first ? "before" : "after"} the install and karafka-native " \
            "required #{native_first ? "first" : "second"}" do
      subject(:data) { run_with(setup_first:, native_first:) }

      it "keeps one subscription and counts one generation per assignment" do
        expect(data).to eq("subscribed" => 1, "changes" => 1, "generation" => 1, "stock_state" => 0)
      end
    end
  end

  context "with every event Karafka's tracker handles" do
    subject(:data) do
      KarafkaDoubles.run(<<~RUBY).data
        KarafkaDoubles.define_karafka!(version: "2.6.1")
        Karafka::Setup::Config.setup
        require "karafka/native"
        tracker = Karafka::Instrumentation::AssignmentsTracker.instance
        group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
        client = KarafkaDoubles::Client.new(lost: true)
        payload = KarafkaDoubles.rebalance_payload(group, { "orders" => [0] })
        counts = {}
        {
          "rebalance.partitions_assigned" => payload,
          "rebalance.partitions_revoked" => payload,
          "client.reset" => { subscription_group: group },
          "client.events_poll" => { caller: client, subscription_group: group }
        }.each do |event_id, event_payload|
          before = Karafka::Native.tracker.version
          Karafka.monitor.instrument("rebalance.partitions_assigned", payload)
          assigned = Karafka::Native.tracker.version
          Karafka.monitor.instrument(event_id, event_payload)
          counts[event_id] = [
            Karafka.monitor.listeners(event_id).count(tracker),
            Karafka::Native.tracker.version - assigned,
            assigned - before
          ]
        end
        emit :counts, counts
        emit :lost_checks, client.checks
      RUBY
    end

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
end

# frozen_string_literal: true

RSpec.describe "Adapting to the Karafka version found" do
  def run_version(version, body)
    KarafkaDoubles.run(<<~RUBY).data
      KarafkaDoubles.define_karafka!(version: "#{version}")
      tracker_class = Karafka::Instrumentation::AssignmentsTracker
      stock_on_methods = tracker_class.instance.methods.grep(/\\Aon_/).sort
      require "karafka/native"
      Karafka::Setup::Config.setup
      tracker = tracker_class.instance
      emit :stock_on_methods, stock_on_methods
      emit :on_methods, tracker.methods.grep(/\\Aon_/).sort
      #{body}
    RUBY
  end

  context "with Karafka 2.5.0 (no generations, no events poll handler)" do
    subject(:data) do
      run_version("2.5.0", <<~RUBY)
        group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
        topic = group.topics.find("orders")
        Karafka.monitor.instrument(
          "rebalance.partitions_assigned",
          KarafkaDoubles.rebalance_payload(group, { "orders" => [0] })
        )
        emit :poll_listeners, Karafka.monitor.listeners("client.events_poll").size
        emit :generation, tracker.generation(topic, 0)
        emit :class_current, KarafkaDoubles.by_name(tracker_class.current)
        emit :class_generations, KarafkaDoubles.by_name(tracker_class.generations)
        emit :inspect, tracker.inspect
      RUBY
    end

    it "adds no handler that version lacks" do
      expect(data["on_methods"]).to eq(data["stock_on_methods"])
      expect(data["on_methods"]).not_to include("on_client_events_poll")
      expect(data["poll_listeners"]).to eq(0)
    end

    it "offers the newer readers on top" do
      expect(data).to include(
        "generation" => 1,
        "class_current" => { "orders" => [0] },
        "class_generations" => { "orders" => { "0" => 1 } },
        "inspect" => "#<Karafka::Instrumentation::AssignmentsTracker " \
                     "assignments=#{{ "orders" => [0] }.inspect}>" # as this Ruby writes a Hash
      )
    end
  end

  context "with Karafka 2.5.9 (events poll handler, no generations)" do
    subject(:data) do
      run_version("2.5.9", <<~RUBY)
        group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
        client = KarafkaDoubles::Client.new
        Karafka.monitor.instrument(
          "rebalance.partitions_assigned",
          KarafkaDoubles.rebalance_payload(group, { "orders" => [0] })
        )
        Karafka.monitor.instrument("client.events_poll", caller: client, subscription_group: group)
        emit :kept, KarafkaDoubles.by_name(Karafka::App.assignments)
        client.lost = true
        Karafka.monitor.instrument("client.events_poll", caller: client, subscription_group: group)
        emit :lost, KarafkaDoubles.by_name(Karafka::App.assignments)
      RUBY
    end

    it "keeps exactly that version's handlers" do
      expect(data["on_methods"]).to eq(data["stock_on_methods"])
      expect(data["on_methods"]).to include("on_client_events_poll")
    end

    it "clears on an events poll only when the assignment was lost" do
      expect(data).to include("kept" => { "orders" => [0] }, "lost" => {})
    end
  end

  context "with Karafka 2.6.1 (generations bounded by GENERATIONS_TOPICS_LIMIT)" do
    subject(:data) do
      run_version("2.6.1", <<~RUBY)
        groups = Array.new(5) { |i| KarafkaDoubles.subscription_group("sg-\#{i}", ["t\#{i}"]) }
        assign = lambda do |group|
          Karafka.monitor.instrument(
            "rebalance.partitions_assigned",
            KarafkaDoubles.rebalance_payload(group, { group.topics.first.name => [0] })
          )
        end
        emit :default_limit, Karafka::Native.tracker.generations_limit
        # As Karafka's own spec does with stub_const
        tracker_class.send(:remove_const, :GENERATIONS_TOPICS_LIMIT)
        tracker_class.const_set(:GENERATIONS_TOPICS_LIMIT, 3)
        [0, 1, 2, 0, 3].each { |i| assign.call(groups[i]) }
        emit :limit, Karafka::Native.tracker.generations_limit
        emit :generations, KarafkaDoubles.by_name(tracker_class.generations)
        emit :frozen, [tracker_class.generations.frozen?, tracker_class.generations.values.all?(&:frozen?)]
        # Lowered again while populated: Karafka applies it at the next assignment
        tracker_class.send(:remove_const, :GENERATIONS_TOPICS_LIMIT)
        tracker_class.const_set(:GENERATIONS_TOPICS_LIMIT, 2)
        groups << KarafkaDoubles.subscription_group("sg-5", ["t5"])
        assign.call(groups[5])
        emit :lowered, KarafkaDoubles.by_name(tracker_class.generations)
      RUBY
    end

    it "keeps exactly that version's handlers" do
      expect(data["on_methods"]).to eq(data["stock_on_methods"])
    end

    it "follows the constant, evicting the least recently assigned topics" do
      expect(data).to include(
        "default_limit" => 100_000,
        "limit" => 3,
        "generations" => { "t2" => { "0" => 1 }, "t0" => { "0" => 2 }, "t3" => { "0" => 1 } },
        "frozen" => [true, true],
        "lowered" => { "t3" => { "0" => 1 }, "t5" => { "0" => 1 } }
      )
    end
  end
end

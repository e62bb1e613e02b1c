# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::Adapter do
  subject(:adapter) { described_class.new(owner, reporter:) }

  # Karafka's tracker instance (before 2.6: no GENERATIONS_TOPICS_LIMIT)
  let(:owner) { Object.new }
  let(:reporter) { instance_spy(Karafka::Native::Integration::ErrorReporter) }
  let(:group) { KarafkaDoubles.subscription_group("sg-1", %w[orders payments]) }

  def payload(map) = KarafkaDoubles.rebalance_payload(group, map)

  describe "the event handlers" do
    it "turn assignments, revocations, resets and lost assignments into native changes" do
      adapter.assigned(payload({ "orders" => [2, 0], "payments" => [1] }))
      expect(adapter.labelled).to eq("orders" => [0, 2], "payments" => [1])
      adapter.revoked(payload({ "orders" => [0] }))
      expect(adapter.labelled).to eq("orders" => [2], "payments" => [1])
      expect(adapter.generation(group.topics.find("orders"), 0)).to eq(1)
      adapter.reset({ subscription_group: group })
      expect(adapter.current).to eq({})
      adapter.assigned(payload({ "orders" => [4] }))
      adapter.assignment_lost({ subscription_group: group })
      expect(adapter.current).to eq({})
      expect(adapter.generations.keys.map(&:name)).to eq(%w[payments orders])
      expect(reporter).not_to have_received(:call)
    end

    it "report a failing event with what failed and change nothing" do
      adapter.assigned(payload({ "orders" => [1] }))
      adapter.assigned(payload({ "ghost" => [0] }))
      adapter.revoked({ subscription_group: group, tpl: 42 })
      adapter.reset({})
      expect(reporter).to have_received(:call)
        .with("rebalance.partitions_assigned", KarafkaDoubles::TopicNotFoundError, owner)
      expect(reporter).to have_received(:call)
        .with("rebalance.partitions_revoked", NoMethodError, owner)
      expect(reporter).to have_received(:call).with("client.reset", NoMethodError, owner)
      expect(adapter.labelled).to eq("orders" => [1])
      expect(adapter.tracker.version).to eq(1)
    end
  end

  describe "#clear" do
    it "drops all assignments and generations" do
      adapter.assigned(payload({ "orders" => [1] }))
      adapter.clear
      expect([adapter.current, adapter.generations]).to eq([{}, {}])
    end
  end

  describe "#busy?" do
    it "is true while the native lock is held" do
      expect(adapter).not_to be_busy
      NativeLock.hold(adapter.tracker) { expect(adapter).to be_busy }
    end
  end

  describe ".attach" do
    it "gives the owner one adapter, migrating the state it gathered before" do
      orders = group.topics.find("orders")
      owner.instance_variable_set(:@assignments, { orders => [3] })
      attached = described_class.attach(owner)

      expect(owner.instance_variable_get(:@karafka_native)).to equal(attached)
      expect(described_class.attach(owner)).to equal(attached)
      expect(attached.current).to eq(orders => [3])
      expect(owner.instance_variable_get(:@mutex)).to be_a(Mutex)
    end
  end

  # How Karafka's events become native changes: in subprocesses with the fake Karafka (see
  # KarafkaDoubles.run and spec/scripts/).
  context "with Karafka's tracker served", :subprocess do
    context "with 10,000 topics assigned" do
      subject(:data) { KarafkaDoubles.run("ten_thousand_topics", karafka: "2.6.1").data }

      it "resolves every topic name without Karafka's linear find" do
        expect(data["finds"]).to eq(0)
      end
    end

    context "with several subscription groups" do
      subject(:data) { KarafkaDoubles.run("several_subscription_groups", karafka: "2.6.1").data }

      it "keeps each group's assignments apart" do
        expect(data).to eq(
          "both" => 2,
          "revoked_one" => [[1], [0, 1]],
          "reset_second" => ["cg_sg_0"],
          "generations_kept" => 2,
          "cleared" => [{}, {}]
        )
      end
    end

    context "with topics the routing learns about later" do
      subject(:data) { KarafkaDoubles.run("late_topics", karafka: "2.6.1").data }

      it "resolves them and looks each up with find at most once" do
        expect(data).to eq(
          "assignments" => { "orders" => [0, 1], "added" => [0, 1], "it-1" => [0, 1] },
          "finds" => [1, 1],
          "errors" => 0
        )
      end
    end

    # Exceptions that are not StandardErrors must pass through, as they do through Karafka's own
    # tracker, while StandardErrors are reported, never raised into Karafka.
    %w[NoMemoryError SystemStackError Interrupt SignalException SystemExit].each do |name|
      context "when #{name} is raised while an event is handled" do
        subject(:data) { KarafkaDoubles.run("exception_in_event", name, karafka: "2.6.1").data }

        it "propagates, as through Karafka's own tracker, and is not reported" do
          expect(data).to include("raised" => name, "errors" => [], "assignments" => {})
        end
      end
    end

    context "when a StandardError is raised while an event is handled" do
      subject(:data) do
        KarafkaDoubles.run("exception_in_event", "a StandardError", karafka: "2.6.1").data
      end

      it "is reported through the monitor, never raised into Karafka" do
        expect(data).to include("raised" => nil, "errors" => ["ArgumentError"])
      end
    end
  end
end

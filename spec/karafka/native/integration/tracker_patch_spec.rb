# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::TrackerPatch do
  # Karafka's tracker as far as the patch needs it: its `@mutex`
  let(:tracker_class) do
    stub_const("TrackerPatchSpecTracker", Class.new do
      def initialize
        @mutex = Mutex.new
      end
    end)
    TrackerPatchSpecTracker.prepend(described_class)
  end
  let(:tracker) { tracker_class.new }
  let(:group) { KarafkaDoubles.subscription_group("sg-1", %w[orders]) }
  let(:orders) { group.topics.find("orders") }

  def adapter = tracker.instance_variable_get(:@karafka_native)

  it "attaches a native tracker to every instance and serves the readers from it" do
    adapter.assigned(KarafkaDoubles.rebalance_payload(group, { "orders" => [1, 0] }))
    expect(adapter).to be_a(Karafka::Native::Integration::Adapter)
    expect(tracker.current).to eq(orders => [0, 1])
    expect(tracker.current).to equal(tracker.current)
    expect(tracker.generations).to eq(orders => { 0 => 1, 1 => 1 })
    expect(tracker.generation(orders, 1)).to eq(1)
    expect(tracker.clear).to be_nil
    expect([tracker.current, tracker.generations]).to eq([{}, {}])
    expect(tracker_class.new.instance_variable_get(:@karafka_native)).not_to equal(adapter)
  end

  describe "#inspect" do
    it "shows the assignments by topic name, or busy while a lock is held" do
      adapter.assigned(KarafkaDoubles.rebalance_payload(group, { "orders" => [0] }))
      expect(tracker.inspect)
        .to eq("#<TrackerPatchSpecTracker assignments=#{{ "orders" => [0] }.inspect}>")
      tracker.instance_variable_get(:@mutex).synchronize do
        expect(tracker.inspect).to eq("#<TrackerPatchSpecTracker busy>")
      end
      NativeLock.hold(adapter.tracker) do
        expect(tracker.inspect).to eq("#<TrackerPatchSpecTracker busy>")
      end
    end
  end

  # Karafka's tracker served through the patch: in subprocesses with the fake Karafka (see
  # KarafkaDoubles.run and spec/scripts/).
  context "with Karafka's tracker served", :subprocess do
    describe "#current" do
      context "with 10,000 topics assigned" do
        subject(:data) { KarafkaDoubles.run("ten_thousand_topics", karafka: "2.6.1").data }

        it "returns the same frozen Hash while nothing changes, and a new one after a change" do
          expect(data).to include(
            "size" => 10_000,
            "same" => true,
            "shape" => [true, true, true, true, [[0, 1, 2]], true],
            "changed" => true,
            "revoked" => [0, 2]
          )
        end
      end
    end

    describe "#inspect" do
      subject(:data) { KarafkaDoubles.run("inspect", karafka: "2.5.9").data }

      it "shows assignments by topic name, or busy while either lock is held, never blocking" do
        name = "#<Karafka::Instrumentation::AssignmentsTracker"

        expect(data).to eq(
          # Hash#inspect as this Ruby writes it (3.4: `{"orders" => [0, 1]}`)
          "free" => "#{name} assignments=#{{ "orders" => [0, 1] }.inspect}>",
          "ruby_lock" => "#{name} busy>",
          "ruby_lock_other_thread" => "#{name} busy>",
          "native_lock" => "#{name} busy>"
        )
      end
    end
  end
end

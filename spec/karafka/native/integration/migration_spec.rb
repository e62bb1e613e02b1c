# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::Migration do
  let(:tracker) { Karafka::Native::AssignmentsTracker.new }
  let(:group) { KarafkaDoubles.subscription_group("sg-1", %w[orders payments]) }
  let(:orders) { group.topics.find("orders") }
  let(:payments) { group.topics.find("payments") }

  # Karafka's tracker instance as it stands: its `@assignments` and `@generations`
  def owner(assignments: nil, generations: nil)
    Object.new.tap do |owner|
      owner.instance_variable_set(:@assignments, assignments) if assignments
      owner.instance_variable_set(:@generations, generations) if generations
    end
  end

  describe "#call" do
    it "replays generations least recently assigned first, then revokes what is gone" do
      stock = owner(
        assignments: { orders => [1], payments => [3] },
        generations: { orders => { 0 => 1, 1 => 2 }, payments => { 3 => 1 } }
      )
      described_class.new(stock, tracker).call

      expect(KarafkaDoubles.by_name(tracker.current)).to eq("orders" => [1], "payments" => [3])
      expect(KarafkaDoubles.by_name(tracker.generations))
        .to eq("orders" => { 0 => 1, 1 => 2 }, "payments" => { 3 => 1 })
      expect(tracker.generations.keys).to eq([orders, payments])
      tracker.reset("sg-1") # recorded under the topic's subscription group id
      expect(tracker.current).to eq({})
    end

    it "assigns what has no generations (Karafka before 2.6) once, deduplicated" do
      described_class.new(owner(assignments: { orders => [2, 0, 2], payments => [] }), tracker)
                     .call

      expect(KarafkaDoubles.by_name(tracker.current)).to eq("orders" => [0, 2])
      expect(tracker.version).to eq(1)
    end

    it "copies nothing from a tracker without state" do
      expect(described_class.new(owner, tracker).call).to be_nil
      expect(tracker.version).to eq(0)
    end
  end

  context "when Karafka's own tracker already gathered state before the install", :subprocess do
    subject(:data) { KarafkaDoubles.run("stock_state_migrated", karafka: "2.6.1").data }

    it "takes that state over" do
      expect(data).to eq(
        "installed" => true,
        "kept" => true,
        "generations_order" => %w[orders payments],
        "continued" => 2,
        "reset" => {}
      )
    end
  end
end

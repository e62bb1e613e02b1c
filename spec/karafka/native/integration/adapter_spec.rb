# frozen_string_literal: true

# How Karafka's events become native changes: in subprocesses with the fake Karafka (see
# KarafkaDoubles.run and spec/scripts/).
RSpec.describe Karafka::Native::Integration::Adapter, :subprocess do
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

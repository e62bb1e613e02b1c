# frozen_string_literal: true

# Karafka's tracker served through the patch: in subprocesses with the fake Karafka (see
# KarafkaDoubles.run and spec/scripts/).
RSpec.describe Karafka::Native::Integration::TrackerPatch, :subprocess do
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

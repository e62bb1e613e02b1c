# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::ClassMethods do
  context "with Karafka 2.5.0 (no class readers of its own)", :subprocess do
    subject(:data) { KarafkaDoubles.run("karafka_2_5_0", karafka: "2.5.0").data }

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
end

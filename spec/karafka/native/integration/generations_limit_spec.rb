# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::GenerationsLimit do
  context "with Karafka 2.6.1 (generations bounded by GENERATIONS_TOPICS_LIMIT)", :subprocess do
    subject(:data) { KarafkaDoubles.run("karafka_2_6_1", karafka: "2.6.1").data }

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

  context "with GENERATIONS_TOPICS_LIMIT beyond the native range (2**64)", :subprocess do
    subject(:data) { KarafkaDoubles.run("limit_beyond_native_range", karafka: "2.6.1").data }

    it "tracks every assignment with no practical bound, reporting nothing" do
      expect(data).to include(
        "assignments" => { "orders" => [0, 1] },
        "errors" => [],
        "limit" => Karafka::Native::AssignmentsTracker::MAX_GENERATIONS_LIMIT
      )
    end
  end
end

# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::Migration do
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

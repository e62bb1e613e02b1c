# frozen_string_literal: true

# The entry point, `require "karafka/native"`, in fresh processes (see KarafkaDoubles.run and
# spec/scripts/): what it loads, and Karafka served end to end.
RSpec.describe Karafka::Native, :subprocess do
  # @param testing [String, nil] KARAFKA_NATIVE_TESTING
  # @return [Hash] what spec/scripts/testing_hooks.rb emits with it
  def testing_hooks(testing)
    KarafkaDoubles.run("testing_hooks", env: { "KARAFKA_NATIVE_TESTING" => testing }).data
  end

  it "defines its test hooks only when the test switch is set" do
    expect(testing_hooks(nil)).to eq("testing" => nil)
    expect(testing_hooks("1")).to eq("testing" => "constant")
  end

  it "loads the native classes with their documentation files" do
    data = KarafkaDoubles.run("documentation_files", env: { "KARAFKA_NATIVE_TESTING" => nil }).data

    expect(data).to eq(
      "available" => true, "documented" => { "assignments_tracker" => true, "coordinator" => true }
    )
  end

  context "when Karafka forks (swarm)" do
    subject(:data) { KarafkaDoubles.run("swarm_fork", karafka: "2.6.1").data }

    it "keeps the parent's assignments in the child and lets both change them apart" do
      expect(data["plain"]).to eq([0, [{ "orders" => [0] }, { "payments" => [1] }]])
      expect(data["parent"]).to eq("orders" => [0])
    end

    it "works in children forked while the native lock may be held" do
      expect(data["busy"]).to eq([[0, [0, 3]]])
      expect(data["held"]).to eq([0, [0, 4]])
      expect(data["errors"]).to eq(0)
    end
  end
end

# frozen_string_literal: true

require "karafka/native/integration/switch"

RSpec.describe Karafka::Native::Integration::Switch do
  let(:native) { Module.new { def self.load_error = nil } }

  describe "#enabled?" do
    it { expect(described_class.new(env: {}, native:)).to be_enabled }
    it {
      expect(described_class.new(env: { "KARAFKA_NATIVE" => "1" }, native:)).to be_enabled
    }

    %w[0 false off no OFF].each do |value|
      it "is off for KARAFKA_NATIVE=#{value}" do
        expect(described_class.new(env: { "KARAFKA_NATIVE" => value }, native:))
          .not_to be_enabled
      end
    end
  end

  describe "#unavailability" do
    it "is the loader's error when the library did not load" do
      error = LoadError.new("cannot open shared object file")
      failing = Module.new { define_singleton_method(:load_error) { error } }

      expect(described_class.new(env: {}, native: failing).unavailability).to equal(error)
    end

    it "names the missing class when there is no tracker" do
      expect(described_class.new(env: {}, native:).unavailability.message)
        .to include("AssignmentsTracker")
    end

    it "is nil when the tracker is there" do
      native.const_set(:AssignmentsTracker, Class.new)

      expect(described_class.new(env: {}, native:).unavailability).to be_nil
    end
  end

  context "with KARAFKA_NATIVE=0 in a process with the fake Karafka", :subprocess do
    include_context "with Karafka left untouched"

    it "leaves Karafka untouched when Karafka comes first" do
      result = KarafkaDoubles.run("untouched_probe", "karafka-first",
                                  env: { "KARAFKA_NATIVE" => "0" })

      expect(result.data).to eq(untouched.merge("load_error" => nil))
      expect(result.stderr).to be_empty
    end

    it "leaves Karafka untouched when karafka-native comes first" do
      result = KarafkaDoubles.run("untouched_probe", "native-first",
                                  env: { "KARAFKA_NATIVE" => "0" })

      expect(result.data).to eq(untouched.merge("load_error" => nil))
    end
  end
end

# frozen_string_literal: true

# Karafka::Native.install!, .installed? and .tracker (lib/karafka/native/integration.rb): in
# subprocesses with the fake Karafka (see KarafkaDoubles.run and spec/scripts/).
RSpec.describe Karafka::Native::Integration, :subprocess do
  describe "Karafka::Native.install!" do
    context "when called again" do
      subject(:data) { KarafkaDoubles.run("install_twice").data }

      it "is idempotent" do
        expect(data).to eq("again" => [true, true], "patches" => 5)
      end
    end

    context "when Karafka is not loaded" do
      subject(:data) { KarafkaDoubles.run("without_karafka").data }

      it "installs nothing and says so" do
        expect(data).to eq("install" => false, "installed" => false, "tracker" => nil)
      end
    end
  end
end

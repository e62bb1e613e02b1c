# frozen_string_literal: true

# Installing into Karafka, whichever comes first: in subprocesses with the fake Karafka (see
# KarafkaDoubles.run and spec/scripts/).
RSpec.describe Karafka::Native::Integration::Installer, :subprocess do
  KarafkaDoubles::VERSIONS.each_key do |version|
    context "with Karafka #{version} required first" do
      subject(:result) { KarafkaDoubles.run("installed_probe", "karafka-first", karafka: version) }

      it "installs at once" do
        expect(result.data).to include(
          "installed" => true,
          "patched" => "Karafka::Native::Integration::TrackerPatch",
          "assignments" => { "orders" => [0, 1] },
          "same_object" => true,
          "native_version" => 1
        )
      end
    end

    context "with karafka-native #{version} required first" do
      subject(:result) { KarafkaDoubles.run("installed_probe", "native-first", karafka: version) }

      it "installs as soon as Karafka's tracker class is defined, then stops waiting" do
        expect(result.data).to include(
          "installed_before" => false,
          "waiting_before" => true,
          "waiting_after" => false,
          "installed" => true,
          "patched" => "Karafka::Native::Integration::TrackerPatch",
          "assignments" => { "orders" => [0, 1] },
          "native_version" => 1
        )
      end
    end
  end

  # Karafka's setup subscribes the tracker singleton to the monitor; the script places the
  # setup before or after karafka-native, then emits one assignment and reports.
  [true, false].product([true, false]).each do |setup_first, native_first|
    context "with setup #{setup_first ? "before" : "after"} the install and karafka-native " \
            "required #{native_first ? "first" : "second"}" do
      subject(:data) do
        KarafkaDoubles.run(
          "subscribed_once", setup_first ? "setup-first" : "setup-last",
          native_first ? "native-first" : "native-last", karafka: "2.6.1"
        ).data
      end

      it "keeps one subscription and counts one generation per assignment" do
        expect(data).to eq("subscribed" => 1, "changes" => 1, "generation" => 1, "stock_state" => 0)
      end
    end
  end

  context "when the compiled library cannot load" do
    include_context "with Karafka left untouched"

    it "warns once, naming the cause, and Karafka keeps its own tracker (Karafka first)" do
      result = KarafkaDoubles.run("untouched_probe", "karafka-first", "fail-library")

      expect(result.data).to eq(untouched.merge("load_error" => result.data["load_error"]))
      expect(result.data["load_error"]).to include("simulated: cannot load")
      expect(result.stderr.scan("karafka-native: the native library could not be loaded").size)
        .to eq(1)
      expect(result.stderr).to include("simulated: cannot load")
    end

    it "warns once and Karafka keeps its own tracker (karafka-native first)" do
      result = KarafkaDoubles.run("untouched_probe", "native-first", "fail-library")

      expect(result.data).to eq(untouched.merge("load_error" => result.data["load_error"]))
      expect(result.data["load_error"]).to include("simulated: cannot load")
      expect(result.stderr.scan("karafka-native: the native library could not be loaded").size)
        .to eq(1)
    end
  end
end

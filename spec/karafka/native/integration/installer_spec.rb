# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::Installer do
  # In this process Karafka is not loaded: the installer has nothing to install into.
  context "without Karafka" do
    def installer(enabled: true, unavailability: nil)
      switch = instance_double(Karafka::Native::Integration::Switch, enabled?: enabled,
                                                                     unavailability:)
      described_class.new(switch:)
    end

    it "installs nothing, and does not wait when opted out" do
      opted_out = installer(enabled: false)
      expect([opted_out.boot, opted_out.install, opted_out.installed?]).to eq([false] * 3)
      expect(opted_out).not_to be_waiting
    end

    it "installs nothing when Karafka's tracker class is not loaded" do
      expect(installer.install).to be(false)
      expect(installer.installed?).to be(false)
    end

    it "warns once when the library is unusable, naming the cause" do
      unusable = installer(unavailability: LoadError.new("no library"))
      expect { 2.times { expect(unusable.boot).to be(false) } }.to output(
        "karafka-native: the native library could not be loaded (LoadError: no library); " \
        "Karafka keeps its own assignments tracker\n"
      ).to_stderr
      expect { unusable.install }.not_to output.to_stderr
      expect(unusable).not_to be_waiting
    end
  end

  # Installing into Karafka, whichever comes first: in subprocesses with the fake Karafka (see
  # KarafkaDoubles.run and spec/scripts/).
  context "with Karafka", :subprocess do
    KarafkaDoubles::VERSIONS.each_key do |version|
      context "with Karafka #{version} required first" do
        subject(:result) do
          KarafkaDoubles.run("installed_probe", "karafka-first", karafka: version)
        end

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
          expect(data).to eq("subscribed" => 1, "changes" => 1, "generation" => 1,
                             "stock_state" => 0)
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
end

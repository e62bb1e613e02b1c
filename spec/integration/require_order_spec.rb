# frozen_string_literal: true

RSpec.describe "Installing into Karafka" do
  # Emits what tells whether the native tracker serves Karafka
  let(:probe) do
    <<~RUBY
      tracker_class = Karafka::Instrumentation::AssignmentsTracker
      Karafka::Setup::Config.setup
      group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
      Karafka.monitor.instrument(
        "rebalance.partitions_assigned", KarafkaDoubles.rebalance_payload(group, { "orders" => [1, 0] })
      )
      emit :installed, Karafka::Native.installed?
      emit :patched, tracker_class.ancestors.first.name
      emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
      emit :same_object, Karafka::App.assignments.equal?(tracker_class.current)
      emit :native_version, Karafka::Native.tracker.version
    RUBY
  end

  KarafkaDoubles::VERSIONS.each_key do |version|
    context "with Karafka #{version} required first" do
      subject(:result) do
        KarafkaDoubles.run(<<~RUBY)
          KarafkaDoubles.define_karafka!(version: "#{version}")
          require "karafka/native"
          #{probe}
        RUBY
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
      subject(:result) do
        KarafkaDoubles.run(<<~RUBY)
          require "karafka/native"
          emit :installed_before, Karafka::Native.installed?
          emit :waiting_before, Karafka::Native::Integration.installer.waiting?
          KarafkaDoubles.define_karafka!(version: "#{version}")
          emit :waiting_after, Karafka::Native::Integration.installer.waiting?
          #{probe}
        RUBY
      end

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

  context "when install! is called again" do
    subject(:data) do
      KarafkaDoubles.run(<<~RUBY).data
        KarafkaDoubles.define_karafka!
        require "karafka/native"
        emit :again, [Karafka::Native.install!, Karafka::Native.install!]
        patches = Karafka::Instrumentation::AssignmentsTracker.ancestors.count do |mod|
          mod.name.to_s.start_with?("Karafka::Native::Integration")
        end
        emit :patches, patches
      RUBY
    end

    it "is idempotent" do
      expect(data).to eq("again" => [true, true], "patches" => 5)
    end
  end

  context "when Karafka is not loaded" do
    subject(:data) do
      KarafkaDoubles.run(<<~RUBY).data
        require "karafka/native"
        emit :install, Karafka::Native.install!
        emit :installed, Karafka::Native.installed?
        emit :tracker, Karafka::Native.tracker
      RUBY
    end

    it "installs nothing and says so" do
      expect(data).to eq("install" => false, "installed" => false, "tracker" => nil)
    end
  end
end

# frozen_string_literal: true

RSpec.describe "Leaving Karafka's own tracker in place" do
  # Karafka's tracker answers as Karafka's code does: a new Hash on every call
  let(:probe) do
    <<~RUBY
      Karafka::Setup::Config.setup
      tracker_class = Karafka::Instrumentation::AssignmentsTracker
      group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
      Karafka.monitor.instrument(
        "rebalance.partitions_assigned",
        KarafkaDoubles.rebalance_payload(group, { "orders" => [1, 0] })
      )
      emit :installed, Karafka::Native.installed?
      emit :install!, Karafka::Native.install!
      emit :ancestor, tracker_class.ancestors.first.name
      emit :waiting, Karafka::Native::Integration.installer.waiting?
      emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
      emit :stock, Karafka::App.assignments.equal?(Karafka::App.assignments) == false
      emit :on_methods, tracker_class.instance.methods.grep(/\\Aon_/).sort
    RUBY
  end

  let(:untouched) do
    {
      "installed" => false,
      "install!" => false,
      "ancestor" => "Karafka::Instrumentation::AssignmentsTracker",
      "waiting" => false,
      "assignments" => { "orders" => [0, 1] },
      "stock" => true,
      "on_methods" => %w[
        on_client_events_poll on_client_reset
        on_rebalance_partitions_assigned on_rebalance_partitions_revoked
      ]
    }
  end

  context "with KARAFKA_NATIVE=0" do
    it "leaves Karafka untouched when Karafka comes first" do
      result = KarafkaDoubles.run(<<~RUBY, env: { "KARAFKA_NATIVE" => "0" })
        KarafkaDoubles.define_karafka!
        require "karafka/native"
        #{probe}
      RUBY

      expect(result.data).to eq(untouched)
      expect(result.stderr).to be_empty
    end

    it "leaves Karafka untouched when karafka-native comes first" do
      result = KarafkaDoubles.run(<<~RUBY, env: { "KARAFKA_NATIVE" => "0" })
        require "karafka/native"
        KarafkaDoubles.define_karafka!
        #{probe}
      RUBY

      expect(result.data).to eq(untouched)
    end
  end

  context "when the compiled library cannot load" do
    # Makes the loader's `require` of the compiled library fail, as a missing or foreign .so would
    let(:simulated_failure) do
      <<~RUBY
        module FailNativeLibrary
          def require(path)
            raise LoadError, "simulated: cannot load \#{path}" if path.to_s.match?(/karafka_native\\z/)

            super
          end
        end
        Kernel.prepend(FailNativeLibrary)
      RUBY
    end

    it "warns once, naming the cause, and Karafka keeps its own tracker (Karafka first)" do
      result = KarafkaDoubles.run(<<~RUBY)
        #{simulated_failure}
        KarafkaDoubles.define_karafka!
        require "karafka/native"
        #{probe}
        emit :load_error, Karafka::Native.load_error.message
      RUBY

      expect(result.data).to eq(untouched.merge("load_error" => result.data["load_error"]))
      expect(result.data["load_error"]).to include("simulated: cannot load")
      expect(result.stderr.scan("karafka-native: the native library could not be loaded").size)
        .to eq(1)
      expect(result.stderr).to include("simulated: cannot load")
    end

    it "warns once and Karafka keeps its own tracker (karafka-native first)" do
      result = KarafkaDoubles.run(<<~RUBY)
        #{simulated_failure}
        require "karafka/native"
        KarafkaDoubles.define_karafka!
        #{probe}
      RUBY

      expect(result.data).to eq(untouched)
      expect(result.stderr.scan("karafka-native: the native library could not be loaded").size)
        .to eq(1)
    end
  end
end

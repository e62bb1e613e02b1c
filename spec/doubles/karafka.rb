# frozen_string_literal: true

# The fake Karafka, for the subprocess scripts (spec/scripts/): with spec/doubles on the load
# path (KarafkaDoubles.run puts it there), `require "karafka"` loads this file as it would load
# Karafka, and Karafka's tracker class is defined by its own file, required like Karafka's
# loader requires it. FAKE_KARAFKA_VERSION (default 2.5.9, one of KarafkaDoubles::VERSIONS)
# chooses the Karafka version played.
#
# `Karafka.monitor`, `Karafka::App.assignments`, `Karafka::Setup::Config.setup` and the tracker
# (spec/doubles/karafka/instrumentation/assignments_tracker.rb) behave as Karafka's do; the
# routing and event doubles are KarafkaDoubles' (spec/support/karafka_doubles.rb).

require "singleton"
require_relative "../support/karafka_doubles"

# The fake Karafka
module Karafka
  # The Karafka version played
  VERSION = ENV.fetch("FAKE_KARAFKA_VERSION", "2.5.9")

  # `Karafka::Errors`
  module Errors
    # Raised by `topics.find` on a miss
    TopicNotFoundError = KarafkaDoubles::TopicNotFoundError
  end

  class << self
    # @return [KarafkaDoubles::Monitor] Karafka's monitor
    def monitor
      @monitor ||= KarafkaDoubles::Monitor.new
    end
  end
end

require "karafka/instrumentation/assignments_tracker"

module Karafka
  # `Karafka::App`
  class App
    class << self
      # @return [Hash] the tracker's current assignments
      def assignments
        Instrumentation::AssignmentsTracker.instance.current
      end
    end
  end

  # `Karafka::Setup`
  module Setup
    # `Karafka::Setup::Config`
    class Config
      class << self
        # Subscribes the tracker to the monitor, as Karafka's setup does
        def setup
          Karafka.monitor.subscribe(Instrumentation::AssignmentsTracker.instance)
        end
      end
    end
  end
end

# frozen_string_literal: true

require_relative "integration/switch"
require_relative "integration/error_reporter"
require_relative "integration/topics_cache"
require_relative "integration/generations_limit"
require_relative "integration/migration"
require_relative "integration/adapter"
require_relative "integration/tracker_patch"
require_relative "integration/listeners"
require_relative "integration/class_methods"
require_relative "integration/require_window"
require_relative "integration/class_hook"
require_relative "integration/installer"
require_relative "integration/statistics"

module Karafka
  # Native (Rust) building blocks for Karafka
  module Native
    # Serves Karafka's `Karafka::Instrumentation::AssignmentsTracker` (and so
    # `Karafka::App.assignments`) from one native tracker per process.
    #
    # Requiring `karafka/native` installs it: at once when Karafka is loaded, otherwise as soon
    # as Karafka defines its tracker class. `KARAFKA_NATIVE=0` leaves Karafka untouched, and so
    # does a compiled library that failed to load (after one warning).
    module Integration
      class << self
        # @return [Installer] the process-wide installer
        attr_reader :installer
      end

      @installer = Installer.new
    end

    class << self
      # Installs the native tracker into Karafka now, if Karafka's tracker class is loaded
      #
      # @return [Boolean] whether the native tracker serves Karafka (false when opted out, when
      #   the library did not load, or when Karafka is not loaded yet)
      # @note Idempotent; never raises.
      def install!
        Integration.installer.install
      end

      # @return [Boolean] whether Karafka's tracker is served by the native tracker
      def installed?
        Integration.installer.installed?
      end

      # @return [Karafka::Native::AssignmentsTracker, nil] the native tracker serving Karafka,
      #   nil when not installed
      def tracker
        return nil unless installed?

        ::Karafka::Instrumentation::AssignmentsTracker.instance.instance_variable_get(
          :@karafka_native
        ).tracker
      end
    end
  end
end

Karafka::Native::Integration.installer.boot

# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Decides whether the integration may touch Karafka at all: the `KARAFKA_NATIVE`
      # environment variable can opt out, and the compiled library must have loaded.
      class Switch
        # Values of `KARAFKA_NATIVE` that leave Karafka untouched
        OFF_VALUES = %w[0 false off no].freeze

        private_constant :OFF_VALUES

        # @param env [#[]] environment to read `KARAFKA_NATIVE` from
        # @param native [Module] namespace of the compiled library (`Karafka::Native`)
        def initialize(env: ENV, native: ::Karafka::Native)
          @env = env
          @native = native
        end

        # @return [Boolean] true unless `KARAFKA_NATIVE` says `0` (or false/off/no)
        def enabled?
          value = @env["KARAFKA_NATIVE"]
          value.nil? || !OFF_VALUES.include?(value.strip.downcase)
        end

        # @return [Exception, nil] why the native tracker cannot be used, nil when it can
        def unavailability
          error = @native.load_error if @native.respond_to?(:load_error)
          return error if error
          return nil if @native.const_defined?(:AssignmentsTracker, false)

          LoadError.new("Karafka::Native::AssignmentsTracker is not defined")
        end
      end
    end
  end
end

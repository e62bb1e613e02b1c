# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Reports errors through Karafka's monitor as `error.occurred` instead of raising them into
      # the code that emitted an event. Falls back to a warning when no monitor can take it.
      class ErrorReporter
        # Prefix of every error type we instrument
        TYPE_PREFIX = "karafka_native."

        private_constant :TYPE_PREFIX

        # @param what [String] what failed, e.g. `rebalance.partitions_assigned`
        # @param error [Exception] the error to report
        # @param caller_ref [Object] object on whose behalf we worked (Karafka's tracker)
        # @return [nil]
        # @note Never raises: a failing monitor or listener degrades to a warning.
        def call(what, error, caller_ref)
          type = "#{TYPE_PREFIX}#{what}"
          monitor = resolve_monitor

          if monitor
            monitor.instrument("error.occurred", caller: caller_ref, error:, type:)
          else
            warn_about(type, error)
          end

          nil
        rescue StandardError => e
          warn_about(type, error, e)
          nil
        end

        private

        # @return [Object, nil] Karafka's monitor when Karafka exposes one
        def resolve_monitor
          return nil unless ::Karafka.respond_to?(:monitor)

          ::Karafka.monitor
        end

        # @param type [String] error type
        # @param error [Exception] reported error
        # @param reporting_error [Exception, nil] error raised while reporting, if any
        def warn_about(type, error, reporting_error = nil)
          message = "karafka-native: #{type} failed: #{error.class}: #{error.message}"
          message += " (reporting failed: #{reporting_error.class})" if reporting_error
          Kernel.warn(message)
        end
      end
    end
  end
end

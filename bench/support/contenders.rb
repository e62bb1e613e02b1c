# frozen_string_literal: true

require_relative "../baseline_tracker"

module KarafkaNativeBench
  # The two trackers under comparison, and whether the native one could be loaded.
  module Contenders
    # Contender name => how to make a tracker of it.
    FACTORIES = {
      native: ->(**options) { Karafka::Native::AssignmentsTracker.new(**options) },
      baseline: ->(**options) { BaselineTracker.new(**options) }
    }.freeze

    module_function

    # @return [Array<Symbol>] the contenders that can run here (the baseline always can)
    def available
      native? ? %i[native baseline] : %i[baseline]
    end

    # @return [Boolean] whether `Karafka::Native::AssignmentsTracker` is loaded or loadable
    def native?
      return @native unless @native.nil?

      @native = load_native
    end

    # @return [String, nil] why the native tracker is missing
    def native_error
      native?
      @native_error
    end

    # @param name [Symbol] :native or :baseline
    # @param options [Hash] passed to `new`
    # @return [Object] a new tracker
    def build(name, **options)
      if name == :native && !native?
        raise ArgumentError,
              "native tracker unavailable: #{native_error}"
      end

      FACTORIES.fetch(name).call(**options)
    end

    def load_native
      require "karafka/native"
      defined?(Karafka::Native::AssignmentsTracker) ? true : missing("no AssignmentsTracker")
    rescue LoadError, StandardError => e
      missing("#{e.class}: #{e.message}")
    end

    def missing(reason)
      @native_error = reason
      false
    end
  end
end

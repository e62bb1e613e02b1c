# frozen_string_literal: true

require_relative "../statistics_decorator"

module Karafka
  module Native
    # Hooks into Karafka
    module Integration
      # Makes {Karafka::Native::StatisticsDecorator} the decorator of Karafka's consumer
      # statistics (`config.internal.statistics.consumer_groups.decorator_class`, Karafka 2.6
      # and later), unless the app chose its own: only Karafka's default decorator is
      # replaced, and an app that sets another one in its setup keeps it. Karafka 2.5 has no
      # such setting and is left alone; so is everything with `KARAFKA_NATIVE=0`,
      # `KARAFKA_NATIVE_STATISTICS=0` or a library that did not load.
      class Statistics
        # Karafka's default decorator class
        DEFAULT_NAME = "Karafka::Instrumentation::Callbacks::ConsumerGroups::Decorator"

        # The class whose definition makes Karafka's settings readable
        CONFIG_NAME = "Karafka::Setup::Config"

        # Values of KARAFKA_NATIVE_STATISTICS that opt out
        OFF_VALUES = %w[0 false off no].freeze

        # @param env [Hash{String => String}]
        # @param switch [Switch] the gem-wide opt-out and library availability
        # @param config [#call, nil] returns Karafka's config (default: `Karafka::Setup::Config`'s)
        # @param default [String] the name of Karafka's default decorator class
        def initialize(env: ENV, switch: Switch.new(env:), config: nil, default: DEFAULT_NAME)
          @env = env
          @switch = switch
          @default = default
          @config = config || -> { ::Karafka::Setup::Config.config }
          @hook = ClassHook.new(CONFIG_NAME, ->(_) { install })
        end

        # Installs now when Karafka's config is loaded, otherwise once it is defined.
        # @return [Boolean] whether the native decorator is Karafka's now
        def boot
          return false unless enabled?
          return install if defined?(::Karafka::Setup::Config)

          @hook.arm
          false
        end

        # @return [Boolean] whether the native decorator is Karafka's (never raises)
        def install
          setting = consumer_groups_setting
          return false unless enabled? && setting

          current = setting.decorator_class
          return true if current == StatisticsDecorator
          return false unless default?(current)

          setting.decorator_class = StatisticsDecorator
          true
        rescue StandardError
          false
        end

        # @return [Boolean] not opted out and the compiled library loaded
        def enabled?
          value = @env["KARAFKA_NATIVE_STATISTICS"]
          return false if value && OFF_VALUES.include?(value.strip.downcase)

          @switch.enabled? && @switch.unavailability.nil? &&
            Native.const_defined?(:StatisticsDecoratorCore, false)
        end

        private

        # @return [Object, nil] `config.internal.statistics.consumer_groups` when this Karafka has
        #   a pluggable decorator (2.6+), nil otherwise
        def consumer_groups_setting
          internal = @config.call.internal
          return nil unless internal.respond_to?(:statistics)

          groups = internal.statistics
          return nil unless groups.respond_to?(:consumer_groups)

          groups = groups.consumer_groups
          groups.respond_to?(:decorator_class=) ? groups : nil
        end

        # @param klass [Class]
        # @return [Boolean] whether it is Karafka's own default decorator
        def default?(klass)
          klass.is_a?(Module) && Module.instance_method(:name).bind_call(klass) == @default
        end
      end

      class << self
        # @return [Statistics] the process-wide statistics decorator installer
        attr_reader :statistics
      end

      @statistics = Statistics.new
    end
  end
end

Karafka::Native::Integration.statistics.boot

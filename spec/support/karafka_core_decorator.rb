# frozen_string_literal: true

# karafka-core's own StatisticsDecorator, loaded from a karafka-core checkout named by
# KARAFKA_CORE_SRC (its `lib` is read in place; nothing of it is in this repository), with its
# clock replaced by an injected one. Used by the local comparison spec and benchmark.
module KarafkaCoreDecorator
  class << self
    # @return [String, nil] the checkout's root, when KARAFKA_CORE_SRC names one
    def source
      root = ENV.fetch("KARAFKA_CORE_SRC", nil)
      return nil if root.nil? || root.empty?

      file = File.join(root, "lib/karafka/core/monitoring/statistics_decorator.rb")
      File.file?(file) ? root : nil
    end

    # @return [Class, nil] a subclass of karafka-core's decorator taking `clock:`, nil without
    #   a checkout
    def klass
      return nil unless source
      return @klass if @klass

      lib = File.join(source, "lib/karafka/core")
      require File.join(lib, "helpers/time")
      require File.join(lib, "monitoring/statistics_decorator")
      @klass = Class.new(::Karafka::Core::Monitoring::StatisticsDecorator) do
        def initialize(clock:, **settings)
          @karafka_native_clock = clock
          super(**settings)
        end

        def monotonic_now
          @karafka_native_clock.call
        end
      end
    end
  end
end

# frozen_string_literal: true

module KarafkaNativeBench
  # One row of the results: a case at one size, measured for both trackers.
  #
  # `ratio` is always "how many times better native is": baseline / native for costs (time,
  # memory; lower is better) and native / baseline for rates and shares (higher is better). So
  # a ratio above 1 always means the native tracker did better.
  class Result
    # Units of rates and shares, where a higher value is better; lower is better for the rest.
    HIGHER_IS_BETTER = ["ops/s", "% of solo"].freeze

    # @return [Symbol] names the case for code (targets look rows up by it)
    attr_reader :id
    # @return [String] the case, for people
    attr_reader :case
    # @return [String] e.g. "10,000 x 4" (topics x partitions)
    attr_reader :size
    # @return [Float, nil] nil when the native tracker was not measured
    attr_reader :native
    # @return [Float, nil]
    attr_reader :baseline
    # @return [String] e.g. "ns", "us", "ops/s"
    attr_reader :unit

    # @param id [Symbol]
    # @param label [String]
    # @param size [String]
    # @param unit [String]
    # @param values [Hash{Symbol => Float}] :native and :baseline medians
    def initialize(id:, label:, size:, unit:, values:)
      @id = id
      @case = label
      @size = size
      @unit = unit
      @native = values[:native]
      @baseline = values[:baseline]
    end

    # @return [Boolean] true for rates and shares, false for times and memory
    def higher_is_better?
      HIGHER_IS_BETTER.include?(unit)
    end

    # @return [Integer] the topic count at the start of `size`
    def topics
      Integer(size[/\A[\d,]+/].delete(","))
    end

    # @param side [Symbol] :native or :baseline
    # @return [Float, nil]
    def value(side)
      side == :native ? native : baseline
    end

    # @return [Float, nil] native's advantage (>1: native better), nil when a side is missing
    def ratio
      return nil unless native&.positive? && baseline&.positive?

      higher_is_better? ? native / baseline : baseline / native
    end

    # @return [Hash] the JSON form
    def to_h
      { id:, case: self.case, size:, native:, baseline:, unit:, ratio:,
        better: higher_is_better? ? "higher" : "lower" }
    end
  end
end

# frozen_string_literal: true

module KarafkaNativeBench
  # One row of the results: a case at one size, measured for both trackers.
  #
  # `ratio` is always "how many times better native is": baseline / native for costs (time,
  # memory; lower is better) and native / baseline for rates and shares (higher is better). So
  # a ratio above 1 always means the native tracker did better.
  # `id` names the case for code (targets look rows up by it); `case` and `size` are for people.
  Result = Struct.new(:id, :case, :size, :native, :baseline, :unit, :higher_is_better,
                      keyword_init: true) do
    # @return [Float, nil] native's advantage (>1: native better), nil when a side is missing
    def ratio
      return nil unless native&.positive? && baseline&.positive?

      higher_is_better ? native / baseline : baseline / native
    end

    # @return [Hash] the JSON form
    def to_h
      {
        id: id, case: self.case, size: size, native: native, baseline: baseline, unit: unit,
        ratio: ratio, better: higher_is_better ? "higher" : "lower"
      }
    end
  end
end

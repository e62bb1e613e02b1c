# frozen_string_literal: true

module KarafkaNativeBench
  # The project's performance targets, checked against one run's results. Informational only:
  # no timing is ever a pass/fail test.
  module Targets
    # One target's verdict.
    Verdict = Struct.new(:target, :status, :detail, keyword_init: true)

    # Target text => how to check it (returns [met?, detail] or nil when not measured).
    CHECKS = {
      "`current` unchanged: at most 100 ns at every size" => lambda do |rows|
        worst = rows_for(rows, :current_unchanged).max_by(&:native)
        worst && [worst.native <= 100, "slowest #{fmt(worst.native)} ns at #{worst.size}"]
      end,
      "`current` unchanged: at least 1,000x faster than baseline at 10,000 topics" => lambda do |rs|
        row = rows_for(rs, :current_unchanged).find { |r| r.topics == 10_000 }
        row&.ratio && [row.ratio >= 1_000, "#{fmt(row.ratio)}x at #{row.size}"]
      end,
      "`current` after one change: not slower than baseline at any size" => lambda do |rows|
        at_least(rows_for(rows, :current_after_change), 1.0)
      end,
      "`assign`/`revoke`: not slower than baseline at any size" => lambda do |rows|
        at_least(rows_for(rows, :assign_revoke), 1.0)
      end,
      "8-thread mix: at least 3x baseline ops/s" => lambda do |rows|
        at_least(rows_for(rows, :thread_mix), 3.0)
      end,
      "GVL: counting thread keeps at least 80% of its solo pace" => lambda do |rows|
        row = rows_for(rows, :gvl_share).first
        row&.native && [row.native >= 80, "#{fmt(row.native)}% (baseline #{fmt(row.baseline)}%)"]
      end,
      "Memory: no more than the baseline's" => lambda do |rows|
        at_least(rows_for(rows, :memory), 1.0)
      end
    }.freeze

    module_function

    # @param rows [Array<Result>]
    # @return [Array<Verdict>]
    def evaluate(rows)
      CHECKS.map do |target, check|
        met, detail = check.call(rows)
        status = if met.nil? then "not measured"
                 elsif met then "met"
                 else
                   "MISSED"
                 end
        Verdict.new(target:, status:, detail: detail || "")
      end
    end

    def rows_for(rows, id)
      rows.select { |row| row.id == id && row.native && row.baseline }
    end

    # Every row's ratio at least `minimum`; detail names the worst.
    def at_least(rows, minimum)
      worst = rows.min_by(&:ratio)
      worst && [worst.ratio >= minimum, "worst ratio #{fmt(worst.ratio)}x at #{worst.size}"]
    end

    def fmt(value)
      Format.number(value)
    end
  end
end

# frozen_string_literal: true

require "json"
require "fileutils"

module KarafkaNativeBench
  # Turns results into a terminal table, `bench/results.md` and `tmp/bench.json`.
  class Report
    # Column headers of the results table.
    HEADERS = ["Case", "Size", "Native", "Baseline", "Unit", "Ratio (native advantage)"].freeze

    # How to read the ratio column; printed under every table.
    RATIO_NOTE = "Ratio = baseline / native for times and memory, native / baseline for ops/s " \
                 "and GVL share: above 1 always means the native tracker did better."

    # @param rows [Array<Result>]
    # @param machine [Hash{String => String}]
    # @param notes [Array<String>] remarks about this run (missing native side, load, ...)
    # @param core [Array<Hash>] cargo bench results (see CriterionSummary)
    def initialize(rows, machine:, notes: [], core: [])
      @rows = rows
      @machine = machine
      @notes = notes
      @core = core
    end

    # @return [String] the results as an aligned plain-text table
    def terminal
      (table_lines + ["", RATIO_NOTE] + verdict_lines).join("\n")
    end

    # @return [String] the Markdown document for bench/results.md
    def markdown
      [
        "# Benchmark results", "",
        "Written by `rake bench` (`bench/run.rb`); the same numbers are in `tmp/bench.json`.", "",
        "## Machine", "", *markdown_table(%w[What Value], @machine.to_a), "",
        "## Results", "", *markdown_table(HEADERS, @rows.map { |row| cells_of(row) }), "",
        RATIO_NOTE, "",
        "![current latency](current_latency.png)", "",
        "## Targets", "", *markdown_table(%w[Target Status Detail], verdict_cells), "",
        *core_section, *notes_section, *method_section
      ].join("\n")
    end

    # @return [String] the rows as a JSON array
    def json
      JSON.pretty_generate(@rows.map(&:to_h))
    end

    # Writes the Markdown and JSON files.
    #
    # @param markdown_path [String]
    # @param json_path [String]
    def write(markdown_path:, json_path:)
      [markdown_path, json_path].each { |path| FileUtils.mkdir_p(File.dirname(path)) }
      File.write(markdown_path, "#{markdown}\n")
      File.write(json_path, "#{json}\n")
    end

    private

    def table_lines
      cells = [HEADERS] + @rows.map { |row| cells_of(row) }
      widths = column_widths(cells)
      rule = widths.map { |width| "-" * width }.join("  ")
      cells.map { |line| aligned(line, widths) }.insert(1, rule)
    end

    def column_widths(cells)
      HEADERS.each_index.map { |i| cells.map { |line| line[i].length }.max }
    end

    # Case and size to the left, numbers to the right.
    def aligned(line, widths)
      line.each_with_index.map do |cell, i|
        i < 2 ? cell.ljust(widths[i]) : cell.rjust(widths[i])
      end.join("  ")
    end

    def cells_of(row)
      [row.case, row.size, Format.number(row.native), Format.number(row.baseline), row.unit,
       Format.ratio(row.ratio)]
    end

    def verdicts
      @verdicts ||= Targets.evaluate(@rows)
    end

    def verdict_cells
      verdicts.map { |v| [v.target, v.status, v.detail] }
    end

    def verdict_lines
      ["", "Targets:"] + verdicts.map { |v| "  [#{v.status}] #{v.target} (#{v.detail})" }
    end

    def markdown_table(headers, rows)
      escaped = rows.map { |row| row.map { |cell| cell.to_s.gsub("|", "\\|") } }
      ["| #{headers.join(" | ")} |", "|#{headers.map { " --- " }.join("|")}|"] +
        escaped.map { |row| "| #{row.join(" | ")} |" }
    end

    def core_section
      return [] if @core.empty?

      cells = @core.map { |c| [c[:id], Format.number(c[:ns]), c[:measured_at]] }
      ["## Rust core alone (`rake bench:cargo`, criterion)", "",
       *markdown_table(["Benchmark", "Time per iteration (ns)", "Measured at"], cells), ""]
    end

    def notes_section
      return [] if @notes.empty?

      ["## Notes on this run", "", *@notes.map { |note| "- #{note}" }, ""]
    end

    def method_section
      ["## Method", "", *File.readlines(File.join(__dir__, "method.md"), chomp: true)]
    end
  end
end

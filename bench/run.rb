# frozen_string_literal: true

# `rake bench`: the native tracker against the pure-Ruby baseline, in one process, alternating,
# medians of several rounds. Writes tmp/bench/results.md, tmp/bench.json and
# tmp/bench/current_latency.png (bench/ with BENCH_RECORD=1).
# Settings: see bench/support/settings.rb.
#
#   ruby -Ilib bench/run.rb

%w[
  support/format support/timing support/topic support/contenders support/result
  support/settings support/targets support/machine support/report support/plot
  support/criterion_summary cases/reads cases/writes cases/mix cases/gvl cases/memory
].each { |file| require_relative file }

module KarafkaNativeBench
  # Runs the case groups and writes the report.
  class Runner
    # Case group name => class.
    CASES = {
      "reads" => Cases::Reads, "writes" => Cases::Writes, "mix" => Cases::Mix,
      "gvl" => Cases::Gvl, "memory" => Cases::Memory
    }.freeze
    # The repository's root.
    ROOT = File.expand_path("..", __dir__)

    # @param settings [Settings]
    # @param out [IO]
    def initialize(settings = Settings.new, out: $stdout)
      @settings = settings
      @out = out
    end

    # @return [Array<Result>]
    def call
      machine = Machine.describe
      notes = check_native
      rows = @settings.groups.flat_map { |group| CASES.fetch(group).new(@settings).call }
      notes.concat(@settings.notes)
      notes << "Load average at the end: #{Machine.load_average}."
      publish(rows, Report.new(rows, machine:, notes:, core: core_results))
      rows
    end

    private

    def publish(rows, report)
      report.write(markdown_path: path(output("results.md")), json_path: path("tmp/bench.json"))
      plotted = Plot.new(rows).write(path(output("current_latency.png")))
      @out.puts("", report.terminal, "", written(plotted))
    end

    # Where a report file goes: tmp/bench/ (outside the tracked tree), or bench/ with
    # BENCH_RECORD=1 (to record the results the README links).
    # @param name [String]
    # @return [String] the path, relative to the repository
    def output(name)
      ENV["BENCH_RECORD"] == "1" ? File.join("bench", name) : File.join("tmp/bench", name)
    end

    def check_native
      return [] if Contenders.native?

      message = "native tracker unavailable (#{Contenders.native_error}): baseline only"
      raise message if @settings.require_native?

      @settings.progress(message)
      ["The native tracker could not be loaded (#{Contenders.native_error}); " \
       "only the baseline was measured."]
    end

    def core_results
      CriterionSummary.read(path("target/criterion"))
    end

    def written(plotted)
      files = [output("results.md"), "tmp/bench.json"]
      files << output("current_latency.png") if plotted
      "Wrote #{files.join(", ")}."
    end

    def path(relative)
      File.join(ROOT, relative)
    end
  end
end

KarafkaNativeBench::Runner.new.call if $PROGRAM_NAME == __FILE__

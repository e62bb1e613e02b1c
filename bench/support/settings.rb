# frozen_string_literal: true

module KarafkaNativeBench
  # What one run measures and how hard, from the environment (all optional):
  #
  # - `BENCH_ROUNDS`: alternating rounds per case, medians kept (default 5)
  # - `BENCH_SAMPLE_MS`: length of one timing sample (default 50)
  # - `BENCH_SIZES`: topic counts for the `current` cases (default 1,100,10000,100000)
  # - `BENCH_MIX_SECONDS`: length of one 8-thread mix round (default 3)
  # - `BENCH_MIX_ROUNDS`: rounds of the 8-thread mix (default 3)
  # - `BENCH_MIX_SIZES`: topic counts for the 8-thread mix (default 100,10000)
  # - `BENCH_MEMORY_ROUNDS`: fresh subprocesses per tracker for memory (default 3)
  # - `BENCH_ONLY`: comma-separated case groups to run (reads,writes,mix,gvl,memory)
  # - `BENCH_REQUIRE_NATIVE=1`: fail instead of measuring the baseline alone
  # - `BENCH_LIB`: the lib/ directory the memory subprocesses load (`rake bench` sets it to its
  #   private copy of lib/)
  class Settings
    # Case groups, in the order they run.
    GROUPS = %w[reads writes mix gvl memory].freeze

    # @param env [Hash{String => String}]
    # @param out [IO] where progress goes
    def initialize(env = ENV, out: $stderr)
      @env = env
      @out = out
    end

    # @return [Integer]
    def rounds = integer("BENCH_ROUNDS", 5)

    # @return [Integer] nanoseconds
    def sample_ns = integer("BENCH_SAMPLE_MS", 50) * 1_000_000

    # @return [Array<Integer>]
    def sizes = integers("BENCH_SIZES", [1, 100, 10_000, 100_000])

    # @return [Float] seconds
    def mix_seconds = Float(@env.fetch("BENCH_MIX_SECONDS", "3"))

    # @return [Integer]
    def mix_rounds = integer("BENCH_MIX_ROUNDS", 3)

    # @return [Array<Integer>]
    def mix_sizes = integers("BENCH_MIX_SIZES", [100, 10_000])

    # @return [Integer]
    def memory_rounds = integer("BENCH_MEMORY_ROUNDS", 3)

    # @return [Array<String>] case groups to run
    def groups
      only = @env["BENCH_ONLY"]
      only ? only.split(",").map(&:strip) & GROUPS : GROUPS
    end

    # @return [Boolean]
    def require_native? = @env["BENCH_REQUIRE_NATIVE"] == "1"

    # @return [Array<Symbol>] the trackers to measure
    def contenders = Contenders.available

    # @return [Array<String>] remarks the cases made about this run, for the report
    def notes
      @notes ||= []
    end

    # Records a remark for the report and prints it.
    #
    # @param message [String]
    def note(message)
      notes << message
      progress(message)
    end

    # Prints a progress line.
    #
    # @param message [String]
    def progress(message)
      @out.puts("[bench #{Time.now.strftime("%H:%M:%S")}] #{message}")
    end

    private

    def integer(name, default)
      Integer(@env.fetch(name, default.to_s).delete("_"))
    end

    def integers(name, default)
      value = @env[name]
      value ? value.split(",").map { |item| Integer(item.strip.delete("_")) } : default
    end
  end
end

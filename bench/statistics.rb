# frozen_string_literal: true

# `rake bench:statistics`: the native statistics decorator against the in-repo plain-Ruby
# reference and, when KARAFKA_CORE_SRC names a karafka-core checkout, against karafka-core's own
# decorator, side by side in one process, on librdkafka statistics scaled from the captured
# fixtures to 2,000 and 5,000 partitions (10 brokers, 20 topics). Per emission: the time to
# decorate (GVL held throughout, for every contender), next to JSON.parse of the same emission;
# and the memory each keeps between emissions. Writes tmp/bench/statistics_results.md
# (bench/ with BENCH_RECORD=1).
#
#   ruby -Ilib bench/statistics.rb
#
# Settings: BENCH_STATS_SIZES (default 2000,5000), BENCH_STATS_EMISSIONS (timed emissions per
# contender and round, default 8), BENCH_STATS_ROUNDS (default 3; medians kept).

require "json"
require "objspace"
require "etc"
require "karafka/native"
require "fileutils"
require_relative "support/statistics_scaler"
require_relative "../spec/support/reference_statistics_decorator"
require_relative "../spec/support/karafka_core_decorator"

module KarafkaNativeBench
  # The statistics decorator benchmark.
  class StatisticsBench # rubocop:disable Metrics/ClassLength
    # The keys whose `_d` / `_fd` karafka-web's consumer tracking reads (its statistics
    # listener's partition metrics).
    WEB_ONLY_KEYS = %w[
      consumer_lag consumer_lag_stored committed_offset stored_offset hi_offset ls_offset
    ].freeze

    # Where the report goes: tmp/bench/ (outside the tracked tree), or bench/ with
    # BENCH_RECORD=1.
    RESULTS = if ENV["BENCH_RECORD"] == "1"
                File.expand_path("statistics_results.md", __dir__)
              else
                File.expand_path("../tmp/bench/statistics_results.md", __dir__)
              end

    def initialize(env = ENV, out: $stdout)
      @sizes = env.fetch("BENCH_STATS_SIZES", "2000,5000").split(",").map { |s| Integer(s) }
      @emissions = Integer(env.fetch("BENCH_STATS_EMISSIONS", "8"))
      @rounds = Integer(env.fetch("BENCH_STATS_ROUNDS", "3"))
      @out = out
      @rows = []
    end

    # Runs every size and mode; prints and writes the table.
    def run
      @out.puts "karafka-core: #{KarafkaCoreDecorator.source || "not given (KARAFKA_CORE_SRC)"}"
      @sizes.each { |size| measure_size(size) }
      report
    end

    private

    def contenders
      list = {
        "reference (Ruby)" => lambda { |settings, clock|
          ReferenceStatisticsDecorator.new(**settings, clock:)
        },
        "native" => lambda { |settings, clock|
          Karafka::Native::StatisticsDecorator.new(**settings, clock:)
        }
      }
      core = KarafkaCoreDecorator.klass
      list["karafka-core 2.6.2"] = ->(settings, clock) { core.new(**settings, clock:) } if core
      list
    end

    def measure_size(size) # rubocop:disable Metrics/AbcSize, Metrics/MethodLength
      scaler = StatisticsScaler.new(partitions: size)
      jsons = Array.new(@emissions + 3) { scaler.next_json }
      parse = median(jsons.map { |json| time { JSON.parse(json) } })
      @out.puts "#{size} partitions: #{jsons.first.bytesize} bytes of JSON, " \
                "JSON.parse #{ms(parse)} ms"
      modes = { "full" => {}, "only_keys (karafka-web's)" => { only_keys: WEB_ONLY_KEYS } }
      modes.each do |mode, settings|
        results = contenders.to_h { |name, _| [name, []] }
        memory = {}
        @rounds.times do
          contenders.each do |name, make|
            times, kept = run_one(make, settings, jsons)
            results[name] << median(times)
            memory[name] = kept
          end
        end
        results.each do |name, medians|
          @rows << [size, mode, name, median(medians), parse, memory[name]]
          @out.puts format("  %-26s %-22s %9.2f ms/emission  kept %8.1f KiB",
                           mode, name, ms(median(medians)), memory[name] / 1024.0)
        end
      end
    end

    # One contender over the emissions: the first few warm it up (the very first one only
    # starts the kept state); returns the times of the others and the memory kept at the end.
    def run_one(make, settings, jsons)
      now = 0.0
      clock = -> { now += 5_000.0 }
      decorator = make.call(settings, clock)
      hashes = jsons.map { |json| JSON.parse(json) }
      GC.start
      times = hashes.each_with_index.map { |hash, i| [i, time { decorator.call(hash) }] }
      kept = kept_bytes(decorator)
      [times.drop(3).map(&:last), kept]
    end

    def time
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
      yield
      Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond) - started
    end

    # Memory a decorator keeps between emissions: what its instance variables reach that no
    # new emission would share (Hashes, String values, heap Floats and its native memory; key
    # Strings are interned by Ruby's Hash and shared with every emission, so they do not count,
    # but the decorators' own frozen suffix keys do).
    def kept_bytes(decorator)
      seen = {}.compare_by_identity
      decorator.instance_variables.sum do |ivar|
        deep_size(decorator.instance_variable_get(ivar), seen)
      end
    end

    def deep_size(object, seen)
      return 0 if seen.key?(object) || special?(object)

      seen[object] = true
      size = ObjectSpace.memsize_of(object)
      case object
      when Hash then size + object.sum { |key, value| key_size(key, seen) + deep_size(value, seen) }
      when Array then size + object.sum { |value| deep_size(value, seen) }
      else size
      end
    end

    def key_size(key, seen)
      return 0 unless key.is_a?(String)
      return 0 if key.frozen? && key.equal?(-key)

      deep_size(key, seen)
    end

    def special?(object) # rubocop:disable Metrics/CyclomaticComplexity, Metrics/PerceivedComplexity
      object.nil? || object == true || object == false || object.is_a?(Symbol) ||
        object.is_a?(Proc) || object.is_a?(Method) || (object.is_a?(Integer) && object.size <= 8) ||
        (object.is_a?(Float) && ObjectSpace.memsize_of(object).zero?)
    end

    def median(values)
      sorted = values.sort
      sorted[sorted.size / 2]
    end

    def ms(nanoseconds)
      nanoseconds / 1_000_000.0
    end

    def report
      lines = table
      @out.puts "", *lines
      FileUtils.mkdir_p(File.dirname(RESULTS))
      File.write(RESULTS, <<~MD)
        # Statistics decorator benchmark

        `rake bench:statistics` (bench/statistics.rb), #{Time.now.utc.strftime("%Y-%m-%d %H:%M UTC")}, Ruby #{RUBY_VERSION},
        #{Etc.nprocessors} CPUs (shared). librdkafka consumer statistics scaled from
        spec/fixtures/statistics/ to 10 brokers and 20 topics; medians of #{@rounds} rounds of
        #{@emissions} emissions. Every contender holds the GVL for the whole decoration. "kept"
        is the memory a decorator keeps between emissions (see `kept_bytes` in the script).

        #{lines.join("\n")}
      MD
    end

    def table # rubocop:disable Metrics/AbcSize, Metrics/CyclomaticComplexity
      header = "| partitions | mode | decorator | ms/emission | vs reference | vs karafka-core | " \
               "JSON.parse ms | kept KiB | kept vs karafka-core |"
      rule = "|---:|---|---|---:|---:|---:|---:|---:|---:|"
      rows = @rows.map do |row|
        size, mode, name, nanos, parse, kept = row
        same = @rows.select { |s, m| s == size && m == mode }
        reference = same.find { |r| r[2].start_with?("reference") }
        core = same.find { |r| r[2].start_with?("karafka-core") }
        format("| %d | %s | %s | %.2f | %s | %s | %.2f | %.1f | %s |",
               size, mode, name, ms(nanos),
               ratio(nanos, reference&.at(3)), ratio(nanos, core&.at(3)), ms(parse), kept / 1024.0,
               ratio(kept, core&.at(5)))
      end
      [header, rule, *rows]
    end

    def ratio(value, base)
      base ? format("%.2f", value.fdiv(base)) : "-"
    end
  end
end

KarafkaNativeBench::StatisticsBench.new.run if $PROGRAM_NAME == __FILE__

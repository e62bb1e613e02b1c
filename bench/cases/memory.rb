# frozen_string_literal: true

require "json"
require "open3"
require "rbconfig"

module KarafkaNativeBench
  module Cases
    # RSS growth of one tracker holding 100,000 topics x 4 partitions with generations, each
    # measured in a fresh subprocess (bench/memory_probe.rb), alternating, median of several.
    class Memory
      # Topics held.
      TOPICS = 100_000

      # @param settings [Settings]
      def initialize(settings)
        @settings = settings
      end

      # @return [Array<Result>]
      def call
        @settings.progress("memory at #{Format.count(TOPICS)} topics (subprocesses)")
        medians = Alternation.new(@settings.memory_rounds).run(@settings.contenders) do |name|
          probe(name).fetch("growth_kib") / 1024.0
        end
        [Result.new(id: :memory, label: "RSS growth, with current + generations called",
                    size: "#{Format.count(TOPICS)} x 4", unit: "MiB", values: Stats.pick(medians))]
      end

      private

      def probe(name)
        lib = ENV.fetch("BENCH_LIB", File.expand_path("../../lib", __dir__))
        script = File.expand_path("../memory_probe.rb", __dir__)
        output, status = Open3.capture2(RbConfig.ruby, "-I", lib, script, name.to_s, TOPICS.to_s)
        raise "memory probe for #{name} failed (#{status})" unless status.success?

        JSON.parse(output.lines.last)
      end
    end
  end
end

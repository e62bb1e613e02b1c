# frozen_string_literal: true

# Measures, in a fresh process, how much resident memory one tracker adds when it holds
# TOPICS topics x 4 partitions with generations, after `current` and `generations` were called
# once (as an app would) and garbage was collected. Prints one JSON object.
#
#   ruby -Ilib bench/memory_probe.rb native|baseline [TOPICS]

require "json"
require_relative "support/topic"
require_relative "support/contenders"

module KarafkaNativeBench
  # The measurement done by bench/memory_probe.rb.
  module MemoryProbe
    module_function

    # @return [Integer] this process's resident set size in KiB
    def rss_kib
      line = File.foreach("/proc/self/status").find { |l| l.start_with?("VmRSS:") }
      Integer(line.split[1])
    end

    # @param name [Symbol] :native or :baseline
    # @param count [Integer] topics
    # @return [Hash] RSS before, after and the growth, in KiB
    def call(name, count)
      topics = Topic.build(count)
      # Loads the class and warms up the code paths on a throwaway tracker.
      Layout.populate(Contenders.build(name), Topic.build(10), 4).current
      settle
      before = rss_kib
      tracker = filled(name, topics)
      after = rss_kib
      { name:, topics: topics.size, before_kib: before, after_kib: after,
        growth_kib: after - before, version: tracker.version }
    end

    # @return [Object] a tracker holding `topics` x 4, read once as an app would, GC settled
    def filled(name, topics)
      tracker = Layout.populate(Contenders.build(name, generations_limit: 100_000), topics, 4)
      tracker.current
      tracker.generations
      settle
      tracker
    end

    def settle
      3.times { GC.start(full_mark: true, immediate_sweep: true) }
    end
  end
end

if $PROGRAM_NAME == __FILE__
  name = ARGV.fetch(0).to_sym
  count = Integer(ARGV.fetch(1, "100000"))
  puts JSON.generate(KarafkaNativeBench::MemoryProbe.call(name, count))
end

# frozen_string_literal: true

# Measures real Karafka's assignments tracker against the same tracker served by karafka-native,
# in one process: first Karafka's own tracker, then `require "karafka/native"` installs into it
# and the same work is measured again. A local tool, not part of CI.
#
#   KARAFKA_SRC=/path/to/karafka \
#   KARAFKA_DEPS=/path/to/karafka-core/lib:/path/to/waterdrop/lib:/path/to/karafka-rdkafka/lib \
#     ruby bench/karafka_events.rb
#
# KARAFKA_SRC is a Karafka source tree (its `lib` goes on the load path); KARAFKA_DEPS, when
# given, adds more load paths (karafka-core, waterdrop, karafka-rdkafka with its librdkafka);
# otherwise installed gems are used. BENCH_QUICK=1 takes fewer samples.
#
# Targets: an assigned or revoked event of 100 topics x 10 partitions handled in at most a fifth
# of Karafka's time; `Karafka::App.assignments` with 10,000 topics assigned and no change in
# between in under a microsecond. Exits 1 when a target is missed.

src = ENV.fetch("KARAFKA_SRC") { abort "set KARAFKA_SRC to a Karafka source directory" }
abort "#{src}/lib/karafka.rb not found" unless File.file?(File.join(src, "lib", "karafka.rb"))

ENV["KARAFKA_REQUIRE_RAILS"] ||= "false"
ENV.delete("KARAFKA_NATIVE")
$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
ENV.fetch("KARAFKA_DEPS", "").split(File::PATH_SEPARATOR).reverse_each do |path|
  $LOAD_PATH.unshift(path)
end
$LOAD_PATH.unshift(File.join(src, "lib"))

require "karafka"

# Karafka's tracker, stock and native, on real Karafka objects
module KarafkaEventsBench
  # Topics in one rebalance event
  EVENT_TOPICS = 100
  # Partitions of each topic in one rebalance event
  EVENT_PARTITIONS = 10
  # Topics assigned when reading `Karafka::App.assignments`
  READ_TOPICS = 10_000
  # Partitions of each of those topics
  READ_PARTITIONS = 4
  # Topics per subscription group for the read case (Karafka's own tracker scans a group's
  # topics per name, so one 10,000-topic group would take long just to fill)
  READ_GROUP_TOPICS = 100
  # Samples per event measurement
  SAMPLES = ENV["BENCH_QUICK"] == "1" ? 60 : 400

  # Consumer class routing needs
  class Consumer < Karafka::BaseConsumer
    # Nothing to consume
    def consume; end
  end

  # Monotonic clock and medians
  module Timing
    module_function

    # @return [Integer] monotonic nanoseconds
    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
    end

    # @param values [Array<Numeric>]
    # @return [Float]
    def median(values)
      sorted = values.sort
      mid = sorted.size / 2
      sorted.size.odd? ? sorted[mid].to_f : (sorted[mid - 1] + sorted[mid]) / 2.0
    end

    # @param calls [Integer] calls per sample
    # @return [Float] median over 7 samples of nanoseconds per call of the block
    def per_call(calls)
      GC.start
      samples = Array.new(7) do
        started = now
        i = 0
        while i < calls
          yield
          i += 1
        end
        (now - started).fdiv(calls)
      end
      median(samples)
    end

    # @param nanoseconds [Float, nil]
    # @return [String]
    def human(nanoseconds)
      return "n/a" unless nanoseconds
      return format("%.1f ns", nanoseconds) if nanoseconds < 1_000
      return format("%.1f us", nanoseconds / 1_000) if nanoseconds < 1_000_000

      format("%.2f ms", nanoseconds / 1_000_000)
    end
  end

  # Karafka routing and the events Karafka's monitor would deliver
  module Routing
    module_function

    # Draws one subscription group of EVENT_TOPICS topics for the events, and READ_TOPICS
    # topics in groups of READ_GROUP_TOPICS for the reads
    # @return [Array(Object, Array<Object>)] the events' subscription group, the reads' ones
    def draw
      setup

      Karafka::App.routes.draw do
        consumer_group(:events) { Routing.topics(self, "event", EVENT_TOPICS) }
        consumer_group(:reads) { Routing.read_groups(self) }
      end

      groups = Karafka::App.routes.flat_map(&:subscription_groups)
      events, reads = groups.partition { |group| group.topics.first.name.start_with?("event-") }
      [events.first, reads]
    end

    # Karafka's setup (subscribes its tracker to the monitor); nothing connects to Kafka
    def setup
      Karafka::App.setup do |config|
        config.kafka = { "bootstrap.servers": "127.0.0.1:9092" }
        config.client_id = "karafka-native-bench"
      end
    end

    # @param dsl [Object] consumer group block context
    def read_groups(dsl)
      (READ_TOPICS / READ_GROUP_TOPICS).times do |g|
        dsl.subscription_group("reads-#{g}") do
          Routing.topics(self, "read-#{g}", READ_GROUP_TOPICS)
        end
      end
    end

    # @param dsl [Object] routing block context
    # @param prefix [String]
    # @param count [Integer]
    def topics(dsl, prefix, count)
      count.times { |i| dsl.topic("#{prefix}-#{i}") { consumer Consumer } }
    end

    # @param group [Karafka::Routing::SubscriptionGroup]
    # @param partitions [Integer] partitions of every topic
    # @return [Karafka::Core::Monitoring::Event] a rebalance event of all the group's topics
    def event(group, partitions)
      tpl = Rdkafka::Consumer::TopicPartitionList.new
      group.topics.each { |topic| tpl.add_topic(topic.name, (0...partitions).to_a) }
      Karafka::Core::Monitoring::Event.new(
        "rebalance",
        { subscription_group: group, subscription_group_id: group.id, tpl: tpl.freeze }
      )
    end
  end

  # Measures whatever serves Karafka's tracker now
  class Measurement
    # @param event_group [Karafka::Routing::SubscriptionGroup]
    # @param read_groups [Array<Karafka::Routing::SubscriptionGroup>]
    def initialize(event_group, read_groups)
      @event_group = event_group
      @read_groups = read_groups
      @tracker = Karafka::Instrumentation::AssignmentsTracker.instance
    end

    # @return [Hash{Symbol => Float, nil}] median nanoseconds per operation
    def call
      events.merge(poll:, reads:)
    ensure
      @tracker.clear
    end

    private

    # @return [Hash{Symbol => Float}] an assigned and a revoked event
    def events
      event = Routing.event(@event_group, EVENT_PARTITIONS)
      @tracker.clear
      2.times { cycle(event) } # warm-up
      GC.start
      samples = Array.new(SAMPLES) { cycle(event) }
      { assigned: Timing.median(samples.map(&:first)), revoked: Timing.median(samples.map(&:last)) }
    end

    # @param event [Karafka::Core::Monitoring::Event]
    # @return [Array(Integer, Integer)] nanoseconds of the assignment and of the revocation
    def cycle(event)
      started = Timing.now
      @tracker.on_rebalance_partitions_assigned(event)
      assigned = Timing.now
      @tracker.on_rebalance_partitions_revoked(event)
      [assigned - started, Timing.now - assigned]
    end

    # @return [Float, nil] an events poll that finds nothing lost (Karafka 2.5.2+)
    def poll
      return nil unless @tracker.respond_to?(:on_client_events_poll)

      client = Object.new
      def client.assignment_lost?
        false
      end
      event = Karafka::Core::Monitoring::Event.new(
        "client.events_poll", { caller: client, subscription_group: @event_group }
      )
      Timing.per_call(10_000) { @tracker.on_client_events_poll(event) }
    end

    # @return [Float] `Karafka::App.assignments` with READ_TOPICS topics and nothing changing
    def reads
      @tracker.clear
      @read_groups.each do |group|
        @tracker.on_rebalance_partitions_assigned(Routing.event(group, READ_PARTITIONS))
      end
      size = Karafka::App.assignments.size
      raise "expected #{READ_TOPICS} topics assigned, got #{size}" unless size == READ_TOPICS

      # Karafka's own tracker copies everything on every call: fewer calls
      calls = Karafka::App.assignments.equal?(Karafka::App.assignments) ? 100_000 : 50
      Timing.per_call(calls) { Karafka::App.assignments }
    end
  end

  # Prints the summary lines
  class Report
    # @param stock [Hash{Symbol => Float, nil}]
    # @param native [Hash{Symbol => Float, nil}]
    def initialize(stock, native)
      @stock = stock
      @native = native
    end

    # @return [Boolean] whether every target was met
    def call
      puts "Karafka #{Karafka::VERSION} (#{File.expand_path(ENV.fetch("KARAFKA_SRC"))}), " \
           "#{RUBY_DESCRIPTION}"
      event = "#{EVENT_TOPICS} topics x #{EVENT_PARTITIONS} partitions"
      met = [
        ratio("assigned event, #{event}", :assigned),
        ratio("revoked event, #{event}", :revoked),
        absolute("Karafka::App.assignments, #{READ_TOPICS} topics, unchanged", :reads)
      ]
      puts "events poll, nothing lost: #{pair(:poll)}"
      met.all?
    end

    private

    # @param key [Symbol]
    # @return [String]
    def pair(key)
      "stock #{Timing.human(@stock[key])}, native #{Timing.human(@native[key])}"
    end

    # @return [Boolean] whether native took at most a fifth of stock's time
    def ratio(what, key)
      ratio = @native[key] / @stock[key]
      verdict(what, "#{pair(key)}, ratio #{format("%.3f", ratio)} (target <= 0.200)", ratio <= 0.2)
    end

    # @return [Boolean] whether native took under a microsecond
    def absolute(what, key)
      verdict(what, "#{pair(key)} (target < 1 us)", @native[key] < 1_000)
    end

    # @return [Boolean] met
    def verdict(what, numbers, met)
      puts "#{what}: #{numbers} #{met ? "MET" : "MISSED"}"
      met
    end
  end

  class << self
    # Measures Karafka's own tracker, installs karafka-native, measures again, reports
    # @return [Boolean] whether every target was met
    def call
      groups = Routing.draw
      stock = Measurement.new(*groups).call

      require "karafka/native"
      require "karafka/native/integration" unless Karafka::Native.respond_to?(:install!)
      unless Karafka::Native.installed?
        abort "karafka-native did not install: #{Karafka::Native.load_error&.message}"
      end

      Report.new(stock, Measurement.new(*groups).call).call
    end
  end
end

exit(KarafkaEventsBench.call ? 0 : 1) unless ENV["KARAFKA_EVENTS_BENCH_LIBRARY"] == "1"

# frozen_string_literal: true

module KarafkaNativeBench
  module Cases
    # `current` unchanged, `current` right after a one-partition change, and `generation`, on
    # trackers holding N topics of 4 partitions each.
    class Reads
      # Partitions of every topic.
      PARTITIONS = 4
      # Topic count at which `generation` is measured.
      GENERATION_TOPICS = 100_000
      # Distinct topics `generation` looks up, cycled through.
      LOOKUPS = 1_024

      # @param settings [Settings]
      def initialize(settings)
        @settings = settings
        @current_loop = UnrolledLoop.new("subject.current")
        @generation_loop = UnrolledLoop.new(
          "subject.generation(args[i & #{LOOKUPS - 1}], 2)"
        )
      end

      # @return [Array<Result>]
      def call
        @settings.sizes.flat_map do |topics|
          @settings.progress("reads at #{Format.number(topics)} topics")
          measure_size(topics)
        end
      end

      private

      def measure_size(count)
        topics = Topic.build(count)
        trackers = @settings.contenders.to_h do |name|
          [name, Layout.populate(Contenders.build(name), topics, PARTITIONS)]
        end
        size = "#{Format.number(count)} x #{PARTITIONS}"
        rows = unchanged(trackers, size) + after_change(trackers, topics.first, size)
        rows << generation(trackers, topics, size) if count == GENERATION_TOPICS
        rows
      end

      def unchanged(trackers, size)
        iterations = calibrate(@current_loop, trackers, nil)
        medians = Alternation.new(@settings.rounds).run(trackers.keys) do |name|
          @current_loop.time(trackers[name], nil, iterations[name])
        end
        [row(:current_unchanged, "current, unchanged", size, medians, :value, "ns")]
      end

      # Alternately revokes and re-assigns partition 0 of `topic` (untimed), then times
      # `current`; also reports the change and `current` together.
      def after_change(trackers, topic, size)
        change = { topic => [0].freeze }.freeze
        medians = Alternation.new(@settings.rounds).run(trackers.keys) do |name|
          changed_reads(trackers[name], change)
        end
        [
          row(:current_after_change, "current, after a 1-partition change", size, medians,
              :current, "us"),
          row(:change_and_current, "1-partition change + current", size, medians, :both, "us")
        ]
      end

      def changed_reads(tracker, change)
        overhead = Clock.overhead
        deadline = Clock.now + @settings.sample_ns
        current = both = count = 0
        while count < 3 || Clock.now < deadline
          started = Clock.now
          count.even? ? tracker.revoke("sg-0", change) : tracker.assign("sg-0", change)
          changed = Clock.now
          tracker.current
          finished = Clock.now
          current += finished - changed - overhead
          both += finished - started - overhead
          count += 1
        end
        { current: current / count / 1_000.0, both: both / count / 1_000.0 }
      end

      def generation(trackers, topics, size)
        lookups = topics.each_slice(topics.size / LOOKUPS).map(&:first).first(LOOKUPS)
        iterations = calibrate(@generation_loop, trackers, lookups)
        medians = Alternation.new(@settings.rounds).run(trackers.keys) do |name|
          @generation_loop.time(trackers[name], lookups, iterations[name])
        end
        row(:generation, "generation(topic, partition)", size, medians, :value, "ns")
      end

      def calibrate(loop, trackers, args)
        trackers.transform_values { |tracker| loop.calibrate(tracker, args, @settings.sample_ns) }
      end

      def row(id, label, size, medians, metric, unit)
        Result.new(id: id, case: label, size: size, unit: unit, higher_is_better: false,
                   native: medians.dig(:native, metric), baseline: medians.dig(:baseline, metric))
      end
    end
  end
end

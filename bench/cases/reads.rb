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
      # Length of one timed slice of an unrolled loop (a sample is the median of its slices).
      SLICE_NS = 1_000_000

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
          @settings.progress("reads at #{Format.count(topics)} topics")
          measure_size(topics)
        end
      end

      private

      def measure_size(count)
        topics = Topic.build(count)
        trackers = @settings.contenders.to_h do |name|
          [name, Layout.populate(Contenders.build(name), topics, PARTITIONS)]
        end
        size = "#{Format.count(count)} x #{PARTITIONS}"
        rows = unchanged(trackers, size) + after_change(trackers, topics.first, size)
        rows << generation(trackers, topics, size) if count == GENERATION_TOPICS
        rows
      end

      def unchanged(trackers, size)
        medians = looped(@current_loop, trackers, nil)
        [Result.new(id: :current_unchanged, label: "current, unchanged", size:, unit: "ns",
                    values: Stats.pick(medians))]
      end

      # Alternately revokes and re-assigns partition 0 of `topic` (untimed), then times
      # `current`; also reports the change and `current` together.
      def after_change(trackers, topic, size)
        probes = trackers.transform_values { |tracker| ChangedRead.new(tracker, topic) }
        medians = Alternation.new(@settings.rounds).run(trackers.keys) do |name|
          probes[name].sample(@settings.sample_ns)
        end
        note_page_faults(probes, size)
        [
          Result.new(id: :current_after_change, label: "current, after a 1-partition change",
                     size:, unit: "us", values: Stats.pick(medians, :current)),
          Result.new(id: :change_and_current, label: "1-partition change + current",
                     size:, unit: "us", values: Stats.pick(medians, :both))
        ]
      end

      # Notes, per contender, how many `current` calls after a change got fresh pages from the
      # kernel (the two modes the median of a sample can land on); see {PageFaults.split}.
      def note_page_faults(probes, size)
        probes.each do |name, probe|
          split = PageFaults.split(probe.fault_pass(@settings.sample_ns))
          @settings.note("current after a change, #{size}, #{name}: #{split}.") if split
        end
      end

      def generation(trackers, topics, size)
        lookups = topics.each_slice(topics.size / LOOKUPS).map(&:first).first(LOOKUPS)
        medians = looped(@generation_loop, trackers, lookups)
        Result.new(id: :generation, label: "generation(topic, partition)", size:, unit: "ns",
                   values: Stats.pick(medians))
      end

      # Alternating medians of an unrolled loop; each sample is the median of slices of about
      # SLICE_NS (each contender's slice length calibrated first).
      def looped(loop, trackers, args)
        iterations = trackers.transform_values do |tracker|
          loop.calibrate(tracker, args, SLICE_NS)
        end
        Alternation.new(@settings.rounds).run(trackers.keys) do |name|
          loop.sample(trackers[name], args, iterations[name], @settings.sample_ns)
        end
      end

      # Times `current` right after a one-partition change of one tracker.
      class ChangedRead
        # @param tracker [Object]
        # @param topic [Topic] the topic whose partition 0 goes and comes back
        def initialize(tracker, topic)
          @tracker = tracker
          @change = { topic => [0].freeze }.freeze
          @assigned = true
        end

        # @param duration_ns [Integer] how long to keep going (3 changes at least)
        # @return [Hash] microseconds per `current` (:current) and per change + `current` (:both),
        #   medians of the changes made
        def sample(duration_ns)
          deadline = Clock.now + duration_ns
          times = { current: [], both: [] }
          once(times) while times[:current].size < 3 || Clock.now < deadline
          overhead = Clock.overhead
          times.transform_values { |list| (Stats.median(list) - overhead) / 1e3 }
        end

        # The same changes again, outside the samples: each `current` with the minor page faults
        # it took (read from /proc around the timed window, in a pass of its own so that the
        # reads cannot disturb the samples)
        #
        # @param duration_ns [Integer] how long to keep going (20 changes at least)
        # @return [Array<Array(Integer, Integer)>] nanoseconds and page faults per `current`;
        #   empty where page faults cannot be counted
        def fault_pass(duration_ns)
          return [] unless PageFaults.count

          deadline = Clock.now + duration_ns
          calls = []
          calls << faulted_current while calls.size < 20 || Clock.now < deadline
          calls
        end

        private

        def faulted_current
          change
          before = PageFaults.count
          started = Clock.now
          @tracker.current
          finished = Clock.now
          [finished - started, PageFaults.count - before]
        end

        def once(times)
          started = Clock.now
          change
          changed = Clock.now
          @tracker.current
          finished = Clock.now
          times[:current] << (finished - changed)
          times[:both] << (finished - started)
        end

        def change
          @assigned ? @tracker.revoke("sg-0", @change) : @tracker.assign("sg-0", @change)
          @assigned = !@assigned
        end
      end
    end
  end
end

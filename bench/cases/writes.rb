# frozen_string_literal: true

module KarafkaNativeBench
  module Cases
    # `assign` then `revoke` of the same topics, on an otherwise empty tracker.
    class Writes
      # [topics, partitions per topic]
      SHAPES = [[1, 100], [100, 10], [1_000, 100]].freeze

      # @param settings [Settings]
      def initialize(settings)
        @settings = settings
      end

      # @return [Array<Result>]
      def call
        SHAPES.map do |topic_count, partitions|
          size = "#{Format.count(topic_count)} x #{Format.count(partitions)}"
          @settings.progress("assign + revoke at #{size}")
          measure(Layout.assignment(Topic.build(topic_count), partitions), size)
        end
      end

      private

      def measure(change, size)
        trackers = @settings.contenders.to_h { |name| [name, Contenders.build(name)] }
        trackers.each_value { |tracker| pair(tracker, change) }
        medians = Alternation.new(@settings.rounds).run(trackers.keys) do |name|
          sample(trackers[name], change)
        end
        Result.new(id: :assign_revoke, label: "assign then revoke", size:, unit: "us",
                   values: Stats.pick(medians))
      end

      # @return [Float] microseconds per assign + revoke pair
      def sample(tracker, change)
        deadline = Clock.now + @settings.sample_ns
        started = Clock.now
        count = 0
        while count < 3 || Clock.now < deadline
          pair(tracker, change)
          count += 1
        end
        (Clock.now - started) / count / 1_000.0
      end

      def pair(tracker, change)
        tracker.assign("sg-0", change)
        tracker.revoke("sg-0", change)
      end
    end
  end
end

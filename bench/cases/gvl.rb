# frozen_string_literal: true

module KarafkaNativeBench
  module Cases
    # GVL availability: while the main thread applies a 100,000-partition assignment (1,000
    # topics x 100) to a fresh tracker, how far a second thread's counting loop gets, as a share
    # of how far it gets alone in the same time.
    #
    # The counter's solo pace is measured in the same sample (the main thread sleeps while it
    # counts), so a change in the machine's load between samples affects both alike. Counts are
    # read only while the main thread holds the GVL, when the counter cannot move.
    class Gvl
      # Topics x partitions assigned.
      SHAPE = [1_000, 100].freeze
      # Seconds the counter runs alone to measure its pace.
      SOLO_SECONDS = 0.2

      # @param settings [Settings]
      def initialize(settings)
        @settings = settings
      end

      # @return [Array<Result>]
      def call
        size = "#{Format.number(SHAPE[0])} x #{SHAPE[1]}"
        @settings.progress("GVL availability at #{size}")
        change = Layout.assignment(Topic.build(SHAPE[0]), SHAPE[1])
        medians = Alternation.new(@settings.rounds).run(@settings.contenders) do |name|
          sample(Contenders.build(name), change)
        end
        [
          result(:gvl_share, "GVL: counting thread's pace during the assign", size,
                 medians, :share, "% of solo", true),
          result(:gvl_assign_wall, "assign while a counting thread runs", size,
                 medians, :wall_ms, "ms", false)
        ]
      end

      private

      # @return [Hash] share (percent) and the assign's wall time (ms)
      def sample(tracker, change)
        box = [0, true] # [count, running]
        counter = Thread.new { count(box) }
        sleep(0.02) # the counter starts
        solo = window(box) { sleep(SOLO_SECONDS) }
        busy = window(box) { tracker.assign("sg-0", change) }
        box[1] = false
        counter.join
        { share: 100.0 * busy[:rate] / solo[:rate], wall_ms: busy[:ns] / 1e6 }
      end

      def window(box)
        started = Clock.now
        before = box[0]
        yield
        elapsed = Clock.now - started
        { rate: (box[0] - before).fdiv(elapsed), ns: elapsed }
      end

      def count(box)
        count = 0
        while box[1]
          count += 1
          box[0] = count
        end
      end

      def result(id, label, size, medians, metric, unit, higher)
        Result.new(id: id, case: label, size: size, unit: unit, higher_is_better: higher,
                   native: medians.dig(:native, metric), baseline: medians.dig(:baseline, metric))
      end
    end
  end
end

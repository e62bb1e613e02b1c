# frozen_string_literal: true

module KarafkaNativeBench
  module Cases
    # GVL availability: while the main thread applies a 100,000-partition assignment (1,000
    # topics x 100) to a fresh tracker, how far a second thread's counting loop gets, as a share
    # of how far it gets alone in the same time.
    #
    # Each sample measures the counter alone (the main thread sleeps) and during one assign.
    # Counts are read only while the main thread holds the GVL, when the counter cannot move.
    # The share is time-weighted over all samples of a tracker: everything counted during its
    # assigns over what the counter's solo pace (all solo windows of both trackers together)
    # would have counted in that time. A per-sample median would be fragile here: on a loaded
    # machine the counter sometimes gets no core at all during a short GVL-free window.
    class Gvl
      # Topics x partitions assigned.
      SHAPE = [1_000, 100].freeze
      # Seconds the counter runs alone to measure its pace.
      SOLO_SECONDS = 0.1

      # @param settings [Settings]
      def initialize(settings)
        @settings = settings
      end

      # @return [Array<Result>]
      def call
        size = "#{Format.count(SHAPE[0])} x #{SHAPE[1]}"
        @settings.progress("GVL availability at #{size}")
        samples = collect(Layout.assignment(Topic.build(SHAPE[0]), SHAPE[1]))
        note(samples)
        results(size, samples)
      end

      private

      # @return [Hash{Symbol => Array<Hash>}] every sample of each tracker, alternating
      def collect(change)
        samples = Hash.new { |hash, name| hash[name] = [] }
        Alternation.new(@settings.rounds * 2).run(@settings.contenders) do |name|
          samples[name] << sample(Contenders.build(name), change)
          0
        end
        samples
      end

      def note(samples)
        samples.each do |name, list|
          advanced = list.count { |s| s[:counted].positive? }
          walls = list.map { |s| Format.number(s[:busy_ns] / 1e6) }
          @settings.note("GVL case, #{name}: the counting thread advanced during #{advanced} of " \
                         "#{list.size} assigns; their wall times (ms): #{walls.join(", ")}.")
        end
      end

      def results(size, samples)
        solo = solo_rate(samples.values.flatten)
        shares = samples.transform_values { |list| share(list, solo) }
        walls = samples.transform_values { |list| Stats.median(list.map { |s| s[:busy_ns] / 1e6 }) }
        [
          Result.new(id: :gvl_share, label: "GVL: counting thread's pace during the assign",
                     size:, unit: "% of solo", values: shares),
          Result.new(id: :gvl_assign_wall, label: "assign while a counting thread runs",
                     size:, unit: "ms", values: walls)
        ]
      end

      # @return [Float] counts per nanosecond over every solo window
      def solo_rate(all)
        all.sum { |s| s[:solo_counted] }.fdiv(all.sum { |s| s[:solo_ns] })
      end

      # @return [Float] percent of the solo pace, weighted by time
      def share(list, solo_rate)
        counted = list.sum { |s| s[:counted] }
        busy = list.sum { |s| s[:busy_ns] }
        100.0 * counted / (solo_rate * busy)
      end

      # @return [Hash] what the counter counted alone and in how long, and what it counted during
      #   one assign and how long that assign took
      def sample(tracker, change)
        box = [0, true] # [count, running]
        counter = Thread.new { count(box) }
        sleep(0.02) # the counter starts
        solo = window(box) { sleep(SOLO_SECONDS) }
        busy = window(box) { tracker.assign("sg-0", change) }
        box[1] = false
        counter.join
        { solo_counted: solo[:counted], solo_ns: solo[:ns], counted: busy[:counted],
          busy_ns: busy[:ns] }
      end

      def window(box)
        started = Clock.now
        before = box[0]
        yield
        { counted: box[0] - before, ns: Clock.now - started }
      end

      def count(box)
        count = 0
        while box[1]
          count += 1
          box[0] = count
        end
      end
    end
  end
end

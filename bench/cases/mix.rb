# frozen_string_literal: true

module KarafkaNativeBench
  module Cases
    # 8 Ruby threads share one tracker holding N topics x 4 partitions; each loops 90% `current`
    # and 10% `assign`/`revoke` (alternately) of one partition of its own topic, under its own
    # subscription group. Reports total operations per second.
    class Mix
      # Ruby threads.
      THREADS = 8
      # One operation in this many is a write.
      WRITE_EVERY = 10

      # @param settings [Settings]
      def initialize(settings)
        @settings = settings
      end

      # @return [Array<Result>]
      def call
        @settings.mix_sizes.map do |count|
          size = "#{Format.count(count)} x 4, #{THREADS} threads"
          @settings.progress("8-thread mix at #{size} (#{@settings.mix_rounds} rounds)")
          measure(count, size)
        end
      end

      private

      def measure(count, size)
        topics = Topic.build(count)
        trackers = @settings.contenders.to_h do |name|
          [name, Layout.populate(Contenders.build(name), topics, 4)]
        end
        medians = Alternation.new(@settings.mix_rounds).run(trackers.keys) do |name|
          round(trackers[name])
        end
        Result.new(id: :thread_mix, label: "90% current / 10% assign+revoke", size:,
                   unit: "ops/s", values: Stats.pick(medians))
      end

      # @return [Float] operations per second, all threads together
      def round(tracker)
        state = { go: false, stop: false }
        threads = Array.new(THREADS) { |index| worker(tracker, index, state) }
        sleep(0.05) # let every thread start and wait for `go`
        started = Clock.now
        state[:go] = true
        sleep(@settings.mix_seconds)
        state[:stop] = true
        elapsed = Clock.now - started
        threads.sum(&:value) / (elapsed / 1e9)
      end

      def worker(tracker, index, state)
        group = "mix-#{index}"
        change = { Topic.new("mix-#{index}") => [0].freeze }.freeze
        Thread.new do
          Thread.pass until state[:go]
          operate(tracker, group, change, state)
        end
      end

      # @return [Integer] operations done
      def operate(tracker, group, change, state)
        operations = 0
        until state[:stop]
          operations += 1
          next tracker.current unless (operations % WRITE_EVERY).zero?

          # Assigns on odd writes, revokes on even ones.
          write = (operations / WRITE_EVERY).odd? ? :assign : :revoke
          tracker.public_send(write, group, change)
        end
        tracker.revoke(group, change)
        operations
      end
    end
  end
end

# frozen_string_literal: true

module Karafka
  module Native
    # A drop-in for karafka-core's `Karafka::Core::Monitoring::StatisticsDecorator`, with its
    # output exactly: for every numeric key `K` of librdkafka's statistics it adds `K_d` (the
    # delta since the previous emission) and `K_fd` (how long, in ms, that delta has stayed
    # zero); a key seen for the first time starts at 0 and 0. `excluded_keys` are skipped at
    # every depth (and not recursed into); non-empty `only_keys` decorates only those keys, at
    # the levels of librdkafka's tree only (the root, each broker, topic and partition, and
    # `cgrp`; other Hashes at the root are walked generically).
    #
    # The work is native: the Hash is read in place, the previous emission is kept natively in
    # a compact form (not as a retained Hash), and the writes happen only once the whole
    # emission was read. Bad input (a non-Hash, a non-String key, a Hash met twice, a number
    # whose previous value was not a number, a number beyond 64 bits) raises `TypeError`,
    # `ArgumentError`, `RangeError` or `FrozenError` naming it, and changes nothing.
    #
    # Time is the monotonic clock in milliseconds, rounded, as karafka-core's; `clock:` (a
    # callable returning Float milliseconds) replaces it, for tests.
    class StatisticsDecorator
      # The health fields natively read from recently decorated statistics Hashes (by
      # identity), so that {ConnectionManager} never walks a Hash it is given again. A WeakMap
      # holds its values weakly too: each decorator keeps its last health fields alive
      # (`@health`) until its next emission, or a GC would drop the entry before the
      # `statistics.emitted` listeners read it.
      HEALTH = ObjectSpace::WeakMap.new

      private_constant :HEALTH

      class << self
        # @param statistics [Hash, String] statistics as `statistics.emitted` carries them
        # @return [Hash, String] the connection-health fields the native decorator kept of
        #   them (see {#health}) when one of its decorators returned them, else `statistics`
        def kept(statistics)
          (statistics.is_a?(Hash) && HEALTH[statistics]) || statistics
        end
      end

      # @param excluded_keys [Array<String>] keys skipped at every depth
      # @param only_keys [Array<String>] when not empty, the only keys decorated (known levels)
      # @param clock [#call, nil] monotonic milliseconds as a Float (default: the system's)
      def initialize(excluded_keys: [], only_keys: [], clock: nil)
        @clock = clock
        @native = StatisticsDecoratorCore.new(excluded_keys.to_a, only_keys.to_a, now_ms)
        @health = nil
      end

      # Decorates `statistics` in place.
      #
      # @param statistics [Hash] librdkafka's statistics, parsed
      # @return [Hash] the same Hash, decorated and frozen
      def call(statistics)
        @native.call(statistics, now_ms)
        @health = @native.health
        HEALTH[statistics] = @health if @health
        statistics
      end

      # @return [Hash, nil] the connection-health fields of the last emission, shaped as
      #   librdkafka's statistics (`"cgrp"` state, join state and ages; `"brokers"` with one
      #   entry holding the smallest `stateage`), frozen; nil before the first emission
      def health
        @native.health
      end

      # @return [Integer] bytes of native memory kept between emissions
      def kept_bytes
        @native.kept_bytes
      end

      private

      # @return [Integer] monotonic milliseconds, rounded (as karafka-core's)
      def now_ms
        (@clock ? @clock.call : monotonic_now).round
      end

      if RUBY_VERSION >= "3.2"
        # @return [Float] monotonic milliseconds (karafka-core's formula on this Ruby)
        def monotonic_now
          ::Process.clock_gettime(::Process::CLOCK_MONOTONIC, :float_millisecond)
        end
      else
        # @return [Float] monotonic milliseconds (karafka-core's formula on this Ruby)
        def monotonic_now
          ::Process.clock_gettime(::Process::CLOCK_MONOTONIC) * 1_000
        end
      end
    end
  end
end

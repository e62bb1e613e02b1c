# frozen_string_literal: true

# Random emission sequences for the statistics decorator's property tests: librdkafka-shaped
# trees (root, brokers with a nested window, topics with partitions, cgrp, a generic subtree)
# whose keys appear and disappear, whose numbers (Integer, Float or either) change or stay, and
# whose key names include `_d` / `_fd`-shaped ones. Every key keeps one type class for the
# whole sequence, as librdkafka's fields do.
module StatisticsSequences
  # Names of scalar keys (some shaped like the decorator's own companions).
  KEYS = %w[a b c a_d b_fd lag lag_d rxbytes stateage msgq_cnt x_fd name state].freeze

  # Type classes a key can have.
  CLASSES = %i[int int int float mixed string bool nil_or_int].freeze

  # One random sequence.
  class Sequence
    # @return [Array<String>] excluded_keys chosen for it
    attr_reader :excluded
    # @return [Array<String>] only_keys chosen for it
    attr_reader :only
    # @return [Array<Float>] the clock readings: at creation, then one per emission
    attr_reader :times

    # @param random [Random]
    # @param length [Integer] emissions
    def initialize(random, length)
      @random = random
      @classes = {}
      @excluded = pick(KEYS + %w[window brokers partitions nested], 0..2)
      @only = random.rand < 0.5 ? [] : pick(KEYS, 1..5)
      @state = build_root
      @times = [random.rand(1_000.0..2_000.0)]
      @emissions = Array.new(length) { step }
    end

    # @return [Array<Hash>] fresh deep copies of the emissions
    def emissions
      @emissions.map { |emission| Marshal.load(Marshal.dump(emission)) }
    end

    # @return [#call] a clock answering the readings in turn
    def clock
      readings = @times.dup
      -> { readings.shift || raise("clock read too often") }
    end

    private

    def pick(names, range)
      names.sample(@random.rand(range), random: @random)
    end

    def build_root
      root = scalars("root")
      root["brokers"] = Array.new(@random.rand(1..3)) { |i| ["b#{i}", broker] }.to_h
      root["topics"] = Array.new(@random.rand(1..3)) { |i| ["t#{i}", topic] }.to_h
      root["cgrp"] = scalars("cgrp")
      root["extra"] = scalars("extra").merge("nested" => scalars("extra.nested"))
      root
    end

    def broker
      scalars("b").merge("window" => scalars("window"))
    end

    def topic
      partitions = Array.new(@random.rand(1..4)) { |i| [i.to_s, scalars("t.p")] }.to_h
      scalars("t").merge("partitions" => partitions)
    end

    def scalars(path)
      pick(KEYS, 2..7).to_h { |key| [key, value(path, key, nil)] }
    end

    # Companion-shaped keys are numbers: the decorator may write a number over them.
    def type_of(path, key)
      classes = key.end_with?("_d", "_fd") ? CLASSES - %i[string bool] : CLASSES
      @classes[[path, key]] ||= classes.sample(random: @random)
    end

    # A value for `key` at `path`: often the same as `before` (so deltas stay zero).
    def value(path, key, before) # rubocop:disable Metrics/CyclomaticComplexity
      return before if !before.nil? && @random.rand < 0.4

      case type_of(path, key)
      when :int then @random.rand(-3..40)
      when :float then @random.rand(-2..6) / 4.0
      when :mixed then @random.rand < 0.5 ? @random.rand(0..9) : @random.rand(0..9) / 2.0
      when :string then %w[up down steady].sample(random: @random)
      when :bool then @random.rand < 0.5
      else @random.rand < 0.3 ? nil : @random.rand(0..5)
      end
    end

    def step
      @times << (@times.last + @random.rand(0.0..3_000.0))
      mutate(@state, "root")
      Marshal.load(Marshal.dump(@state))
    end

    def mutate(hash, path)
      hash.each_key do |key|
        child = hash[key]
        if child.is_a?(Hash)
          mutate(child, child_path(path, key))
        else
          hash[key] = value(path, key, child)
        end
      end
      churn(hash, path)
    end

    def child_path(path, key)
      case path
      when "root" then key
      when "brokers" then "b"
      when "topics" then "t"
      when "partitions" then "t.p"
      else key == "nested" ? "extra.nested" : key
      end
    end

    # Keys (and partitions, brokers, topics) appear and disappear.
    def churn(hash, path)
      return unless @random.rand < 0.3

      keys = hash.keys.reject { |key| hash[key].is_a?(Hash) && path == "root" }
      gone = keys.sample(random: @random)
      hash.delete(gone) if gone && @random.rand < 0.5
      add(hash, path)
    end

    def add(hash, path) # rubocop:disable Metrics/CyclomaticComplexity
      case path
      when "brokers" then hash["b#{@random.rand(0..4)}"] ||= broker
      when "partitions" then hash[@random.rand(0..5).to_s] ||= scalars("t.p")
      when "topics" then hash["t#{@random.rand(0..4)}"] ||= topic
      else
        key = KEYS.sample(random: @random)
        hash[key] = value(path, key, nil) unless hash.key?(key)
      end
    end
  end

  # @param random [Random]
  # @param length [Integer]
  # @return [Sequence]
  def self.sequence(random, length: 8)
    Sequence.new(random, length)
  end

  # The first difference between two decorated trees, compared recursively with key order and
  # value classes (nil when identical).
  # @return [String, nil]
  def self.difference(expected, actual, path = "statistics")
    return "#{path}: #{actual.class} instead of #{expected.class}" if expected.class != actual.class
    return hash_difference(expected, actual, path) if expected.is_a?(Hash)
    return nil if expected.is_a?(Float) && expected.nan? && actual.nan?

    "#{path}: #{actual.inspect} instead of #{expected.inspect}" unless expected.eql?(actual)
  end

  # @return [String, nil] the first difference between two Hashes (keys in order, then values)
  def self.hash_difference(expected, actual, path)
    if expected.keys != actual.keys
      return "#{path}: keys #{actual.keys} instead of #{expected.keys}"
    end

    expected.each do |key, value|
      found = difference(value, actual[key], "#{path}[#{key.inspect}]")
      return found if found
    end
    nil
  end
end

# frozen_string_literal: true

# A plain-Ruby statement of what the statistics decorator does, written for the property tests
# (and the in-repo benchmark) from the documented semantics:
#
# - Time is whole milliseconds (the clock's Float rounded); `elapsed` is the time since the
#   previous call (or since creation).
# - For a numeric value `v` at key `k` of a Hash `h` whose previous emission was `p` (a Hash;
#   a missing, nil or false `p` counts as empty, anything else fails when looked into):
#   `h["k_d"] = v - p["k"]` and `h["k_fd"] = (p["k_fd"] || 0) + elapsed` when that delta is
#   zero, else 0; both 0 when `p["k"]` is nil or missing; a previous non-number fails. `k_fd`
#   is written before `k_d`. Keys are visited in the order the Hash had before the call, and
#   each value is read when its key is visited (so an input key `k_d` visited after `k` reads
#   the delta just written).
# - Full mode visits every key at every depth but the excluded ones, recursing into Hashes.
# - `only_keys` mode (any non-empty `only_keys`, even all excluded) decorates only the listed
#   keys (less the excluded ones), in the list's order, at the root, each broker
#   (`brokers.*`), topic (`topics.*`), partition (`topics.*.partitions.*`) and `cgrp`; no
#   other Hash below those is visited; the other non-excluded Hashes at the root are visited
#   generically (listed keys, then their Hashes).
# - The decorated Hash becomes the previous emission (kept as a deep copy here); the root is
#   returned frozen.
class ReferenceStatisticsDecorator # rubocop:disable Metrics/ClassLength
  # The structural keys of librdkafka's statistics.
  LEVELS = %w[brokers topics cgrp].freeze

  # @param excluded_keys [Array<String>]
  # @param only_keys [Array<String>]
  # @param clock [#call] Float milliseconds
  def initialize(clock:, excluded_keys: [], only_keys: [])
    @clock = clock
    @excluded = excluded_keys.to_h { |key| [key, true] }
    # Listing only excluded keys still selects the selective mode (which then decorates nothing
    # at the known levels).
    @selective = !only_keys.empty?
    @only = only_keys.reject { |key| @excluded.key?(key) }
    @previous = {}
    @at = clock.call.round
  end

  # @param statistics [Hash]
  # @return [Hash] statistics, decorated and frozen
  def call(statistics)
    raise TypeError, "statistics must be a Hash" unless statistics.is_a?(Hash)

    now = @clock.call.round
    @elapsed = now - @at
    @selective ? levels(statistics, @previous) : every_key(statistics, @previous)
    @previous = Marshal.load(Marshal.dump(statistics))
    @at = now
    statistics.freeze
  end

  private

  # @param before [Object] the previous value of a Hash
  # @return [Hash] it, or an empty Hash for nil / false
  def scope(before)
    before || {}
  end

  # @param before [Object] a previous scope
  # @param key [String]
  # @return [Object] its previous value (fails on a scope that is not a Hash)
  def previous(before, key)
    raise TypeError, "previous value #{before.inspect} is not a Hash" unless before.is_a?(Hash)

    before[key]
  end

  # Writes `key_fd` and `key_d` for the number at `key`.
  def stamp(hash, before, key)
    value = hash[key]
    was = previous(before, key)
    delta = 0
    frozen = 0
    unless was.nil?
      raise TypeError, "#{key} was #{was.inspect}" unless was.is_a?(Integer) || was.is_a?(Float)

      delta = value - was
      frozen = (previous(before, "#{key}_fd") || 0) + @elapsed if delta.zero?
    end
    hash["#{key}_fd"] = frozen
    hash["#{key}_d"] = delta
  end

  # @return [Boolean] whether value is a number the decorator stamps
  def number?(value)
    value.is_a?(Integer) || value.is_a?(Float)
  end

  def every_key(hash, before)
    before = scope(before)
    # The keys as they were before this Hash got any companion: a snapshot, on purpose.
    hash.keys.each do |key| # rubocop:disable Style/HashEachMethods
      next if @excluded.key?(key)

      value = hash[key]
      if number?(value)
        stamp(hash, before, key)
      elsif value.is_a?(Hash)
        every_key(value, previous(before, key))
      end
    end
  end

  def listed(hash, before)
    before = scope(before)
    @only.each { |key| stamp(hash, before, key) if number?(hash[key]) }
  end

  def levels(root, before)
    before = scope(before)
    listed(root, before)
    brokers(root, before)
    topics(root, before)
    cgrp = root["cgrp"]
    listed(cgrp, previous(before, "cgrp")) if !@excluded.key?("cgrp") && cgrp.is_a?(Hash)
    root.each_pair do |key, value|
      next if LEVELS.include?(key) || @excluded.key?(key) || !value.is_a?(Hash)

      generic(value, previous(before, key))
    end
  end

  def brokers(root, before)
    all = root["brokers"]
    return if @excluded.key?("brokers") || !all.is_a?(Hash)

    was = scope(previous(before, "brokers"))
    all.each_pair do |name, broker|
      listed(broker, previous(was, name)) if broker.is_a?(Hash)
    end
  end

  def topics(root, before)
    all = root["topics"]
    return if @excluded.key?("topics") || !all.is_a?(Hash)

    was = scope(previous(before, "topics"))
    all.each_pair do |name, topic|
      next unless topic.is_a?(Hash)

      topic_was = scope(previous(was, name))
      listed(topic, topic_was)
      partitions(topic, topic_was)
    end
  end

  def partitions(topic, topic_was)
    all = topic["partitions"]
    return if @excluded.key?("partitions") || !all.is_a?(Hash)

    was = scope(previous(topic_was, "partitions"))
    all.each_pair do |id, partition|
      partition_was = scope(previous(was, id))
      next if partition.is_a?(String)
      raise TypeError, "partition #{id} is not a Hash" unless partition.is_a?(Hash)

      listed(partition, partition_was)
    end
  end

  def generic(hash, before)
    before = scope(before)
    listed(hash, before)
    hash.each_pair do |key, value|
      generic(value, previous(before, key)) if !@excluded.key?(key) && value.is_a?(Hash)
    end
  end
end

# frozen_string_literal: true

module KarafkaNativeBench
  # The pure-Ruby baseline: the algorithm of Karafka 2.6's own assignments tracker, written here
  # from its description, with the same public API as `Karafka::Native::AssignmentsTracker`.
  #
  # One `Mutex` guards plain Hashes. Every reader (`current`, `generations`, `generation`,
  # `version`) takes the lock, and `current` and `generations` build a fresh frozen deep copy
  # inside it on every call. Generations are kept for at most `generations_limit` topics; the
  # least recently assigned topics are evicted first.
  #
  # Like Karafka's tracker it trusts its input (partitions come from librdkafka): it does not
  # validate partition numbers. It also remembers which subscription group was assigned each
  # partition last, because `revoke` and `reset` only release the partitions of their group.
  class BaselineTracker
    # @param generations_limit [Integer] how many topics keep their generations
    def initialize(generations_limit: 100_000)
      @mutex = Mutex.new
      @generations_limit = generations_limit
      # topic => sorted Array of owned partitions (what `current` copies)
      @assignments = {}.compare_by_identity
      # topic => { partition => subscription group id that was assigned it last }
      @owners = {}.compare_by_identity
      # topic => { partition => generation }, least recently assigned topic first
      @generations = {}.compare_by_identity
      @version = 0
    end

    # Records that `subscription_group_id` was assigned these partitions.
    #
    # @param subscription_group_id [String]
    # @param topics [Hash{Object => Array<Integer>}] topic => partitions
    # @return [self]
    def assign(subscription_group_id, topics)
      @mutex.synchronize do
        changed = false
        topics.each do |topic, partitions|
          incoming = partitions.uniq
          next if incoming.empty?

          changed = true
          take(topic, incoming, subscription_group_id)
          bump_generations(topic, incoming)
        end
        @generations.shift while @generations.size > @generations_limit
        @version += 1 if changed
      end
      self
    end

    # Records that `subscription_group_id` lost these partitions; partitions that another group
    # was assigned since are left alone. Generations are kept.
    #
    # @param subscription_group_id [String]
    # @param topics [Hash{Object => Array<Integer>}] topic => partitions
    # @return [self]
    def revoke(subscription_group_id, topics)
      @mutex.synchronize do
        changed = false
        topics.each do |topic, partitions|
          changed = true if release(topic, subscription_group_id, partitions)
        end
        @version += 1 if changed
      end
      self
    end

    # Drops every partition that `subscription_group_id` owns (client reset, lost assignment).
    #
    # @param subscription_group_id [String]
    # @return [self]
    def reset(subscription_group_id)
      @mutex.synchronize do
        changed = false
        @owners.keys.each do |topic|
          changed = true if release(topic, subscription_group_id, @owners[topic].keys)
        end
        @version += 1 if changed
      end
      self
    end

    # Forgets everything, generations included.
    #
    # @return [self]
    def clear
      @mutex.synchronize do
        changed = !@assignments.empty? || !@generations.empty?
        @assignments.clear
        @owners.clear
        @generations.clear
        @version += 1 if changed
      end
      self
    end

    # @return [Hash{Object => Array<Integer>}] a new frozen copy of the owned partitions, each
    #   Array frozen and sorted ascending
    def current
      @mutex.synchronize do
        copy = {}.compare_by_identity
        @assignments.each { |topic, partitions| copy[topic] = partitions.dup.freeze }
        copy.freeze
      end
    end

    # @return [Hash{Object => Hash{Integer => Integer}}] a new frozen copy of the generations
    def generations
      @mutex.synchronize do
        copy = {}.compare_by_identity
        @generations.each { |topic, partitions| copy[topic] = partitions.dup.freeze }
        copy.freeze
      end
    end

    # @param topic [Object]
    # @param partition [Integer]
    # @return [Integer] how many times `partition` of `topic` was assigned, 0 when never
    def generation(topic, partition)
      @mutex.synchronize do
        partitions = @generations[topic]
        partitions ? partitions.fetch(partition, 0) : 0
      end
    end

    # @return [Integer] grows by one with every change
    def version
      @mutex.synchronize { @version }
    end

    # Never waits for the lock.
    #
    # @return [String]
    def inspect
      return "#<#{self.class.name} busy>" unless @mutex.try_lock

      begin
        by_name = @assignments.map { |topic, partitions| "#{name_of(topic)}=#{partitions}" }
        "#<#{self.class.name} version=#{@version} #{by_name.join(' ')}>"
      ensure
        @mutex.unlock
      end
    end

    private

    def take(topic, incoming, subscription_group_id)
      owners = (@owners[topic] ||= {})
      added = incoming.reject { |partition| owners.key?(partition) }
      incoming.each { |partition| owners[partition] = subscription_group_id }
      return if added.empty?

      partitions = @assignments[topic]
      @assignments[topic] = partitions ? (partitions + added).sort! : added.sort!
    end

    def bump_generations(topic, incoming)
      partitions = @generations.delete(topic) || {}
      incoming.each { |partition| partitions[partition] = partitions.fetch(partition, 0) + 1 }
      @generations[topic] = partitions
    end

    # @return [Boolean] true when any partition went
    def release(topic, subscription_group_id, partitions)
      owners = @owners[topic]
      return false unless owners

      gone = partitions.select { |partition| owners[partition] == subscription_group_id }
      return false if gone.empty?

      gone.each { |partition| owners.delete(partition) }
      if owners.empty?
        @owners.delete(topic)
        @assignments.delete(topic)
      else
        @assignments[topic] -= gone
      end
      true
    end

    def name_of(topic)
      topic.respond_to?(:name) ? topic.name : topic.to_s
    end
  end
end

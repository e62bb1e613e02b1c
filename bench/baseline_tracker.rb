# frozen_string_literal: true

module KarafkaNativeBench
  # The plain Hashes behind {BaselineTracker}; not thread-safe by itself.
  #
  # Hashes are plain, as in Karafka: topic objects define no `hash`/`eql?`, so they compare by
  # identity anyway (hashed through their object id).
  class BaselineState
    # @return [Hash{Object => Array<Integer>}] topic => sorted owned partitions
    attr_reader :assignments
    # @return [Hash{Object => Hash{Integer => Integer}}] topic => partition => generation, least
    #   recently assigned topic first
    attr_reader :generations
    # @return [Integer]
    attr_reader :version

    # @param generations_limit [Integer]
    def initialize(generations_limit)
      @generations_limit = generations_limit
      @assignments = {}
      # topic => { partition => subscription group id that was assigned it last }
      @owners = {}
      @generations = {}
      @version = 0
    end

    # @param group [String]
    # @param topics [Hash{Object => Array<Integer>}]
    def assign(group, topics)
      changed = false
      topics.each do |topic, partitions|
        incoming = partitions.uniq
        next if incoming.empty?

        changed = true
        take(topic, incoming, group)
        bump_generations(topic, incoming)
      end
      @generations.shift while @generations.size > @generations_limit
      changed!(changed)
    end

    # @param group [String]
    # @param topics [Hash{Object => Array<Integer>}]
    def revoke(group, topics)
      changed = topics.map { |topic, partitions| release(topic, group, partitions) }.any?
      changed!(changed)
    end

    # @param group [String]
    def reset(group)
      topics = @owners.keys
      changed!(topics.map { |topic| release(topic, group, @owners[topic].keys) }.any?)
    end

    # Forgets everything, generations included.
    def clear
      changed = !@assignments.empty? || !@generations.empty?
      [@assignments, @owners, @generations].each(&:clear)
      changed!(changed)
    end

    private

    def changed!(changed)
      @version += 1 if changed
    end

    def take(topic, incoming, group)
      owners = (@owners[topic] ||= {})
      added = incoming.reject { |partition| owners.key?(partition) }
      incoming.each { |partition| owners[partition] = group }
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
    def release(topic, group, partitions)
      owners = @owners[topic]
      gone = owners ? partitions.select { |partition| owners[partition] == group } : []
      return false if gone.empty?

      gone.each { |partition| owners.delete(partition) }
      owners.empty? ? forget(topic) : @assignments[topic] -= gone
      true
    end

    # Drops a topic that has no owned partition left (its generations stay).
    def forget(topic)
      @owners.delete(topic)
      @assignments.delete(topic)
    end
  end

  # The pure-Ruby baseline: the algorithm of Karafka 2.6's own assignments tracker, written here
  # from its description, with the same public API as `Karafka::Native::AssignmentsTracker`.
  #
  # One `Mutex` guards plain Hashes ({BaselineState}). Every reader (`current`, `generations`,
  # `generation`, `version`) takes the lock, and `current` and `generations` build a fresh frozen
  # deep copy inside it on every call. Generations are kept for at most `generations_limit`
  # topics; the least recently assigned topics are evicted first.
  #
  # Like Karafka's tracker it trusts its input (partitions come from librdkafka): it does not
  # validate partition numbers. It also remembers which subscription group was assigned each
  # partition last, because `revoke` and `reset` only release the partitions of their group.
  class BaselineTracker
    # @param generations_limit [Integer] how many topics keep their generations
    def initialize(generations_limit: 100_000)
      @mutex = Mutex.new
      @state = BaselineState.new(generations_limit)
    end

    # Records that `subscription_group_id` was assigned these partitions.
    #
    # @param subscription_group_id [String]
    # @param topics [Hash{Object => Array<Integer>}] topic => partitions
    # @return [self]
    def assign(subscription_group_id, topics)
      @mutex.synchronize { @state.assign(subscription_group_id, topics) }
      self
    end

    # Records that `subscription_group_id` lost these partitions; partitions that another group
    # was assigned since are left alone. Generations are kept.
    #
    # @param subscription_group_id [String]
    # @param topics [Hash{Object => Array<Integer>}] topic => partitions
    # @return [self]
    def revoke(subscription_group_id, topics)
      @mutex.synchronize { @state.revoke(subscription_group_id, topics) }
      self
    end

    # Drops every partition that `subscription_group_id` owns (client reset, lost assignment).
    #
    # @param subscription_group_id [String]
    # @return [self]
    def reset(subscription_group_id)
      @mutex.synchronize { @state.reset(subscription_group_id) }
      self
    end

    # Forgets everything, generations included.
    #
    # @return [self]
    def clear
      @mutex.synchronize { @state.clear }
      self
    end

    # @return [Hash{Object => Array<Integer>}] a new frozen copy of the owned partitions, each
    #   Array frozen and sorted ascending
    def current
      @mutex.synchronize { deep_frozen_copy(@state.assignments) }
    end

    # @return [Hash{Object => Hash{Integer => Integer}}] a new frozen copy of the generations
    def generations
      @mutex.synchronize { deep_frozen_copy(@state.generations) }
    end

    # @param topic [Object]
    # @param partition [Integer]
    # @return [Integer] how many times `partition` of `topic` was assigned, 0 when never
    def generation(topic, partition)
      @mutex.synchronize do
        partitions = @state.generations[topic]
        partitions ? partitions.fetch(partition, 0) : 0
      end
    end

    # @return [Integer] grows by one with every change
    def version
      @mutex.synchronize { @state.version }
    end

    # Never waits for the lock.
    #
    # @return [String]
    def inspect
      return "#<#{self.class.name} busy>" unless @mutex.try_lock

      begin
        by_name = @state.assignments.map { |topic, partitions| "#{name_of(topic)}=#{partitions}" }
        "#<#{self.class.name} version=#{@state.version} #{by_name.join(" ")}>"
      ensure
        @mutex.unlock
      end
    end

    private

    def deep_frozen_copy(hash)
      copy = {}
      hash.each { |topic, value| copy[topic] = value.dup.freeze }
      copy.freeze
    end

    def name_of(topic)
      topic.respond_to?(:name) ? topic.name : topic.to_s
    end
  end
end

# frozen_string_literal: true

module Karafka
  module Native
    # The native assignments tracker (defined by the compiled library; this file documents it).
    #
    # It tracks which topic partitions the process owns (per subscription group) and how many
    # times each partition was assigned (generations), behind one native lock. Readers get
    # immutable, versioned snapshots: while nothing changes, {#current} and {#generations}
    # return the same frozen Hash in O(1). Writers that must wait for the lock, or apply a
    # heavy change, do so without the GVL, interruptibly. Topics are kept by identity.
    #
    # Bad input raises (TypeError or ArgumentError, naming the bad value) and changes nothing.
    #
    # @example
    #   tracker = Karafka::Native::AssignmentsTracker.new
    #   tracker.assign("sg-1", topic => [0, 1])
    #   tracker.current    #=> { topic => [0, 1] } (frozen)
    #   tracker.generation(topic, 0) #=> 1
    #
    # @!method initialize(generations_limit: 100_000)
    #   @param generations_limit [Integer] the most topics whose generations are kept (the least
    #     recently assigned go first), 1 to {MAX_GENERATIONS_LIMIT}
    #   @raise [TypeError, ArgumentError] when the bound is not such an Integer
    #
    # @!method assign(subscription_group_id, assignments)
    #   Records that the subscription group was assigned these partitions (each one's
    #   generation grows by one).
    #   @param subscription_group_id [String]
    #   @param assignments [Hash{Object => Array<Integer, #partition>}] topic => partitions,
    #     each an Integer or an object answering `partition`
    #   @return [self]
    #
    # @!method revoke(subscription_group_id, revocations)
    #   Drops these partitions of the subscription group (partitions it does not own stay).
    #   @param subscription_group_id [String]
    #   @param revocations [Hash{Object => Array<Integer, #partition>}] topic => partitions
    #   @return [self]
    #
    # @!method assign_named(subscription_group_id, by_name, index)
    #   {#assign} for a topic partition list keyed by topic names, each resolved through
    #   `index` with no Ruby call per topic.
    #   @param subscription_group_id [String]
    #   @param by_name [Hash{String => Array<Integer, #partition>}] topic name => partitions
    #   @param index [Hash{String => Object}] topic name => topic
    #   @return [String, nil] nil when applied; the first name `index` lacks otherwise, with
    #     nothing applied
    #
    # @!method revoke_named(subscription_group_id, by_name, index)
    #   {#revoke} for a topic partition list keyed by topic names (see {#assign_named}).
    #   @param subscription_group_id [String]
    #   @param by_name [Hash{String => Array<Integer, #partition>}]
    #   @param index [Hash{String => Object}]
    #   @return [String, nil] as {#assign_named}
    #
    # @!method reset(subscription_group_id)
    #   Drops every partition the subscription group owns (client reset, lost assignment).
    #   @param subscription_group_id [String]
    #   @return [self]
    #
    # @!method clear
    #   Forgets every assignment and generation.
    #   @return [self]
    #
    # @!method current
    #   @return [Hash{Object => Array<Integer>}] frozen: each topic with its owned partitions
    #     (frozen, ascending), in the order topics were first assigned; the same object while
    #     nothing changed
    #
    # @!method generations
    #   @return [Hash{Object => Hash{Integer => Integer}}] frozen: each topic ever assigned (up
    #     to the bound), least recently assigned first, with partition => times assigned
    #
    # @!method generation(topic, partition)
    #   @param topic [Object]
    #   @param partition [Integer, #partition]
    #   @return [Integer] how many times the partition was assigned; 0 when never
    #
    # @!method version
    #   @return [Integer] grows by one with every change of the assignments or generations
    #
    # @!method generations_limit
    #   @return [Integer] the bound on topics with generations now in force
    #
    # @!method generations_limit=(limit)
    #   Sets the bound; generations beyond it go at once (the version grows when any do).
    #   @param limit [Integer] 1 to {MAX_GENERATIONS_LIMIT}
    #
    # @!method locked?
    #   @return [Boolean] whether some thread holds the native lock now (a hint)
    #
    # @!method inspect
    #   @return [String] the assignments by topic name; never waits (`busy` while locked)
    #
    # @!method initialize_copy(source)
    #   `dup` and `clone`: the copy starts from the source's state; the two are independent.
    #   @param source [AssignmentsTracker]
    class AssignmentsTracker # rubocop:disable Lint/EmptyClass -- its methods are native
      # @!parse
      #   # The largest generations bound the native tracker takes (2**64-1)
      #   MAX_GENERATIONS_LIMIT = 18_446_744_073_709_551_615
    end
  end
end

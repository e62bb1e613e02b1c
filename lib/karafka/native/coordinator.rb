# frozen_string_literal: true

module Karafka
  module Native
    # The native multiplexing coordinator (defined by the compiled library; this file documents
    # it): connection families, listener states and noticed statistics, kept in its tracker's
    # state behind the same lock, and the scaling rules that read them with the assignments in
    # one critical section. {ConnectionManager} drives it.
    #
    # Times are milliseconds of a monotonic clock the caller chooses.
    #
    # @!method initialize(tracker)
    #   @param tracker [AssignmentsTracker] whose state (and lock) the coordinator shares
    #   @raise [TypeError] when `tracker` is not an {AssignmentsTracker}, or on a second call
    #
    # @!method register(subscription_group_id, family:, min:, max:, boot:, scale_delay:)
    #   Registers a connection in its family (created with these bounds when new).
    #   @param subscription_group_id [String]
    #   @param family [String, Symbol] the subscription group's name
    #   @param min [Integer] fewest active connections of a dynamic family
    #   @param max [Integer] most active connections
    #   @param boot [Integer] connections started with the process
    #   @param scale_delay [Integer] ms a family must be stable before a change
    #   @return [self]
    #
    # @!method listener_state(subscription_group_id, state)
    #   Records a listener's state.
    #   @param subscription_group_id [String]
    #   @param state [Symbol, String] one of Karafka's listener states
    #   @return [Boolean] whether it changed
    #
    # @!method notice(subscription_group_id, statistics, now_ms)
    #   Records a connection's librdkafka statistics.
    #   @param subscription_group_id [String]
    #   @param statistics [Hash, String] the Hash Karafka emits, or the raw JSON
    #   @param now_ms [Integer]
    #   @return [self]
    #
    # @!method stable?(family, now_ms)
    #   @param family [String, Symbol]
    #   @param now_ms [Integer]
    #   @return [Boolean] whether the family may be scaled now
    #
    # @!method decide(now_ms)
    #   Decides, for each stable dynamic family, which connection to start or stop.
    #   @param now_ms [Integer]
    #   @return [Array<Array(Symbol, String)>] frozen `[:start | :stop, subscription_group_id]`
    #
    # @!method snapshot
    #   @return [Hash{String => Hash}] frozen: each connection's family, state, statistics
    #     summary and owned partitions, all of one moment
    #
    # @!method tracker
    #   @return [AssignmentsTracker] the tracker whose state this coordinator shares
    #
    # @!method version
    #   @return [Integer] grows by one with every change of the connection states
    #
    # @!method initialize_copy(source)
    #   Refused: a copy would be a second handle on the same state.
    #   @raise [TypeError] always
    class Coordinator # rubocop:disable Lint/EmptyClass -- its methods are native
    end
  end
end

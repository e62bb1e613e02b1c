# frozen_string_literal: true

require "set"

module Karafka
  module Native
    # The listeners of one process grouped into families, and what the coordinator needs to
    # know of them: which families are dynamic, their bounds, and each listener's state.
    #
    # A family is the set of listeners whose subscription groups share a name (within one
    # consumer group). It is dynamic when its subscription group answers `multiplexing` with
    # `active?` and `dynamic?` true; the bounds come from `multiplexing.min`, `max`, `boot` and
    # `scale_delay` (milliseconds).
    class ConnectionFamilies
      # Karafka's listener states, in the order the predicates are asked.
      STATES = %i[stopped stopping quiet quieting running starting pending].freeze

      # @return [Hash{String => Karafka::Connection::Listener}] listeners by subscription group id
      attr_reader :by_id

      # @param listeners [Array<Karafka::Connection::Listener>]
      def initialize(listeners)
        @by_id = listeners.to_h { |listener| [listener.subscription_group.id, listener] }
        @families = listeners.group_by { |listener| family_name(listener.subscription_group) }
        @dynamic = @families.select do |_, members|
          dynamic_group?(members.first.subscription_group)
        end
      end

      # @return [Boolean] whether any family is dynamic
      def dynamic?
        !@dynamic.empty?
      end

      # @return [Array<Karafka::Connection::Listener>] what starts with the process: `boot`
      #   listeners of each dynamic family, every listener of the others
      def boot_listeners
        @families.flat_map do |name, members|
          @dynamic.key?(name) ? members.first(bounds(members).fetch(:boot)) : members
        end
      end

      # Registers every listener of the dynamic families with `coordinator`.
      #
      # @param coordinator [Karafka::Native::Coordinator]
      # @return [Set<String>] the coordinated subscription group ids
      def register(coordinator)
        @dynamic.each_with_object(Set.new) do |(name, members), ids|
          members.each do |listener|
            id = listener.subscription_group.id
            coordinator.register(id, family: name, **bounds(members))
            ids << id
          end
        end
      end

      # @param listener [Karafka::Connection::Listener]
      # @return [Symbol] its state, from the predicates it answers
      def state_of(listener)
        STATES.each do |state|
          predicate = :"#{state}?"
          return state if listener.respond_to?(predicate) && listener.public_send(predicate)
        end
        listener.active? ? :running : :pending
      end

      private

      # @param subscription_group [Karafka::Routing::SubscriptionGroup]
      # @return [Boolean] whether its family is dynamic
      def dynamic_group?(subscription_group)
        settings = multiplexing(subscription_group)
        return false unless settings
        return false if settings.respond_to?(:active?) && !settings.active?

        settings.respond_to?(:dynamic?) ? settings.dynamic? : settings.min < settings.max
      end

      # @param members [Array<Karafka::Connection::Listener>] one family
      # @return [Hash] the family's bounds as {Coordinator#register} takes them
      def bounds(members)
        settings = multiplexing(members.first.subscription_group)
        {
          min: settings.min, max: settings.max, boot: settings.boot,
          scale_delay: settings.scale_delay
        }
      end

      # @param subscription_group [Karafka::Routing::SubscriptionGroup]
      # @return [String] its family's name
      def family_name(subscription_group)
        name = subscription_group.name.to_s
        return name unless subscription_group.respond_to?(:consumer_group_id)

        "#{subscription_group.consumer_group_id}/#{name}"
      end

      # @param subscription_group [Karafka::Routing::SubscriptionGroup]
      # @return [Object, nil] its multiplexing settings, nil without multiplexing
      def multiplexing(subscription_group)
        return nil unless subscription_group.respond_to?(:multiplexing)

        subscription_group.multiplexing
      end
    end
  end
end

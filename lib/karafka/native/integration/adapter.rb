# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Serves one Karafka tracker instance from one native tracker.
      #
      # It turns Karafka's events into native calls: every topic name is resolved to its routing
      # topic before the native tracker is touched, so a failing lookup changes nothing. Errors
      # are reported through Karafka's monitor and never raised into it.
      class Adapter
        # The native tracker's by-name variant of each change
        NAMED = { assign: :assign_named, revoke: :revoke_named }.freeze

        private_constant :NAMED

        class << self
          # Gives Karafka's tracker instance its adapter (once), copying whatever state the
          # instance gathered before, under the instance's own `@mutex`
          #
          # @param owner [Object] Karafka's tracker instance
          # @return [Adapter] the owner's adapter
          def attach(owner)
            mutex = owner.instance_variable_get(:@mutex)
            mutex = owner.instance_variable_set(:@mutex, Mutex.new) unless mutex.is_a?(Mutex)

            mutex.synchronize do
              existing = owner.instance_variable_get(:@karafka_native)
              return existing if existing.is_a?(self)

              adapter = new(owner)
              adapter.migrate
              owner.instance_variable_set(:@karafka_native, adapter)
            end
          end
        end

        # @return [Karafka::Native::AssignmentsTracker] the native tracker in use
        attr_reader :tracker

        # @param owner [Object] Karafka's tracker instance this adapter serves
        # @param limit [GenerationsLimit] generations bound to keep in sync
        # @param topics_cache [TopicsCache] name => topic resolution
        # @param reporter [ErrorReporter] where errors go
        def initialize(
          owner,
          limit: GenerationsLimit.new(owner.class),
          topics_cache: TopicsCache.new,
          reporter: ErrorReporter.new
        )
          @owner = owner
          @limit = limit
          @topics_cache = topics_cache
          @reporter = reporter
          @tracker = limit.build
        end

        # @return [Hash{Object => Array<Integer>}] frozen current assignments, the same object
        #   while nothing changed
        def current
          @tracker.current
        end

        # @return [Hash{Object => Hash{Integer => Integer}}] frozen generations
        def generations
          @tracker.generations
        end

        # @param topic [Object] routing topic
        # @param partition [Integer] partition
        # @return [Integer] generation of that partition, 0 when never assigned
        def generation(topic, partition)
          @tracker.generation(topic, partition)
        end

        # Copies the state Karafka's own tracker gathered before the integration was attached
        # @return [nil]
        def migrate
          Migration.new(@owner, @tracker).call
        rescue StandardError => e
          @reporter.call("migration", e, @owner)
        end

        # Drops all assignments and generations
        # @return [nil]
        def clear
          @tracker.clear
          @topics_cache.clear
          nil
        end

        # @return [Boolean] true while the native lock is held (never waits for it)
        def busy?
          @tracker.locked?
        end

        # @return [Hash{Object => Array<Integer>}] current assignments keyed by topic name
        def labelled
          current.transform_keys { |topic| topic.respond_to?(:name) ? topic.name : topic }
        end

        # Handles `rebalance.partitions_assigned`
        # @param event [Hash, #[]] event payload
        # @return [nil]
        def assigned(event)
          @limit.sync(@tracker)
          apply(:assign, event)
        rescue StandardError => e
          @reporter.call("rebalance.partitions_assigned", e, @owner)
        end

        # Handles `rebalance.partitions_revoked`
        # @param event [Hash, #[]] event payload
        # @return [nil]
        def revoked(event)
          apply(:revoke, event)
        rescue StandardError => e
          @reporter.call("rebalance.partitions_revoked", e, @owner)
        end

        # Handles `client.reset`: drops the subscription group's assignments
        # @param event [Hash, #[]] event payload
        # @return [nil]
        def reset(event)
          @tracker.reset(event[:subscription_group].id)
          nil
        rescue StandardError => e
          @reporter.call("client.reset", e, @owner)
        end

        # Handles `client.events_poll` once the client said it lost its assignment (the listener
        # asks the client itself, so that the common case costs no further call): drops the
        # subscription group's assignments
        # @param event [Hash, #[]] event payload
        # @return [nil]
        def assignment_lost(event)
          @tracker.reset(event[:subscription_group].id)
          nil
        rescue StandardError => e
          report("client.events_poll", e)
        end

        # Reports an error of an event handler through Karafka's monitor (never raises)
        # @param what [String] the event, as in "karafka_native.<what>"
        # @param error [StandardError]
        # @return [nil]
        def report(what, error)
          @reporter.call(what, error, @owner)
        end

        private

        # Applies the event's topic partition list as `change` (`:assign` or `:revoke`): by topic
        # names through the native name index, or, when it lacks a name, the slow way
        #
        # @param change [Symbol] `:assign` or `:revoke`
        # @param event [Hash, #[]] event payload
        # @return [nil]
        def apply(change, event)
          group = event[:subscription_group]
          tpl = event[:tpl].to_h
          names = @topics_cache.names(group)
          missing = @tracker.public_send(NAMED[change], group.id, tpl, names)
          @tracker.public_send(change, group.id, partitions_by_topic(group, tpl)) if missing
          nil
        end

        # The slow way, for an event naming a topic the name index does not know yet: every name
        # resolved in Ruby, unknown ones through the subscription group's own `find` (which may
        # raise, changing nothing), so that the index learns them
        #
        # @param group [Object] subscription group of the event
        # @param tpl [Hash{String => Array}] topic name => partition objects
        # @return [Hash{Object => Array}] routing topic => its partition objects (the native
        #   tracker reads their numbers)
        def partitions_by_topic(group, tpl)
          names = @topics_cache.names(group)
          result = {}.compare_by_identity

          tpl.each do |name, partitions|
            topic = names[name] || @topics_cache.discover(group, name)
            result[topic] = partitions
          end

          result
        end
      end
    end
  end
end

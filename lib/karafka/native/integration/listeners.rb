# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Event handlers for Karafka's tracker, one module per event. Only the modules whose
      # method Karafka's own tracker defines get prepended: no new public `on_*` method appears,
      # so the monitor's subscriptions and Karafka's notification checks stay as they were.
      module Listeners
        # `rebalance.partitions_assigned`
        module PartitionsAssigned
          # @param event [Karafka::Core::Monitoring::Event, Hash] rebalance event
          # @return [nil]
          def on_rebalance_partitions_assigned(event)
            @karafka_native.assigned(event)
          end
        end

        # `rebalance.partitions_revoked`
        module PartitionsRevoked
          # @param event [Karafka::Core::Monitoring::Event, Hash] rebalance event
          # @return [nil]
          def on_rebalance_partitions_revoked(event)
            @karafka_native.revoked(event)
          end
        end

        # `client.reset`
        module ClientReset
          # @param event [Karafka::Core::Monitoring::Event, Hash] client reset event
          # @return [nil]
          def on_client_reset(event)
            @karafka_native.reset(event)
          end
        end

        # `client.events_poll` (Karafka 2.5.2+)
        module ClientEventsPoll
          # @param event [Karafka::Core::Monitoring::Event, Hash] events poll event
          # @return [nil]
          # @note Karafka instruments this after every poll of every client, so the common case
          #   (nothing lost) is answered here, with no further call: as cheap as Karafka's own.
          def on_client_events_poll(event)
            return nil unless event[:caller].assignment_lost?

            @karafka_native.assignment_lost(event)
          rescue StandardError => e
            @karafka_native.report("client.events_poll", e)
          end
        end

        # Handler method => module defining it
        ALL = {
          on_rebalance_partitions_assigned: PartitionsAssigned,
          on_rebalance_partitions_revoked: PartitionsRevoked,
          on_client_reset: ClientReset,
          on_client_events_poll: ClientEventsPoll
        }.freeze

        class << self
          # @param tracker_class [Class] Karafka's tracker class, before it is patched
          # @return [Array<Module>] the modules for the handlers that class defines publicly
          def for(tracker_class)
            ALL.select { |name, _| tracker_class.public_method_defined?(name) }.values
          end
        end
      end
    end
  end
end

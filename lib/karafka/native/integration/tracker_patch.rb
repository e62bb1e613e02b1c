# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Prepended into `Karafka::Instrumentation::AssignmentsTracker`: the singleton instance,
      # which Karafka already subscribed to its monitor, serves everything from one native
      # tracker. Nothing is subscribed anew, so every event is handled exactly once.
      #
      # The `on_*` handlers live in {Listeners}, prepended only for events that the installed
      # Karafka version handles itself.
      module TrackerPatch
        # Builds Karafka's tracker as usual, then attaches the native tracker to it
        def initialize(...)
          super
          Adapter.attach(self)
        end

        # @return [Hash{Karafka::Routing::Topic => Array<Integer>}] frozen assignments with
        #   frozen sorted partitions; the same object while nothing changed
        def current
          @karafka_native.current
        end

        # @return [Hash{Karafka::Routing::Topic => Hash{Integer => Integer}}] frozen generations
        #   of every partition ever assigned (revoked ones keep their last value)
        def generations
          @karafka_native.generations
        end

        # @param topic [Karafka::Routing::Topic] routing topic
        # @param partition [Integer] partition
        # @return [Integer] how many times the partition was assigned, 0 when never
        def generation(topic, partition)
          @karafka_native.generation(topic, partition)
        end

        # Clears all the assignments and generations
        # @return [nil]
        def clear
          @karafka_native.clear
        end

        # @return [String] never blocks; `busy` while Karafka's `@mutex` or the native lock is
        #   held, otherwise the assignments by topic name
        def inspect
          info = "busy"

          if @mutex.try_lock
            begin
              info = "assignments=#{@karafka_native.labelled.inspect}" unless @karafka_native.busy?
            ensure
              @mutex.unlock
            end
          end

          "#<#{self.class.name} #{info}>"
        end
      end
    end
  end
end

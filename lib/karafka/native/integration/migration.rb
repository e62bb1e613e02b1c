# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Copies the state of a Karafka tracker that ran before the integration was installed
      # into the native tracker, so installing into a running app loses nothing.
      #
      # Generations are replayed in Karafka's least-recently-assigned order, one assignment
      # round per generation; partitions no longer assigned are revoked afterwards. Assignments
      # are recorded under `topic.subscription_group.id`, the key Karafka resets by.
      class Migration
        # @param owner [Object] Karafka's tracker instance
        # @param tracker [Karafka::Native::AssignmentsTracker] native tracker to fill
        def initialize(owner, tracker)
          @owner = owner
          @tracker = tracker
        end

        # @return [nil]
        def call
          assignments = read(:@assignments)
          generations = read(:@generations)

          generations.each do |topic, partitions|
            replay(topic, partitions, assignments.fetch(topic, []))
          end

          assignments.each do |topic, partitions|
            next if generations.key?(topic) || partitions.empty?

            @tracker.assign(topic.subscription_group.id, single(topic, partitions.uniq))
          end

          nil
        end

        private

        # @param name [Symbol] instance variable of Karafka's tracker
        # @return [Hash] its value, or an empty Hash when absent
        def read(name)
          value = @owner.instance_variable_get(name)
          value.is_a?(Hash) ? value : {}
        end

        # @param topic [Object] routing topic
        # @param partitions [Hash{Integer => Integer}] partition => generation
        # @param assigned [Array<Integer>] partitions assigned now
        def replay(topic, partitions, assigned)
          group_id = topic.subscription_group.id
          rounds = partitions.values.max.to_i

          1.upto(rounds) do |round|
            due = partitions.select { |_, generation| generation >= round }.keys
            @tracker.assign(group_id, single(topic, due))
          end

          gone = partitions.keys - assigned
          @tracker.revoke(group_id, single(topic, gone)) unless gone.empty?
        end

        # @param topic [Object]
        # @param partitions [Array<Integer>]
        # @return [Hash] identity-keyed Hash for one topic
        def single(topic, partitions)
          {}.compare_by_identity.tap { |hash| hash[topic] = partitions }
        end
      end
    end
  end
end

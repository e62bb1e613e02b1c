# frozen_string_literal: true

module Karafka
  module Instrumentation
    # Karafka's tracker as the version played (Karafka::VERSION) has it, in one `class ... end`
    # body like the file Karafka's loader requires. Behaves as Karafka's own tracker: partitions
    # appended then sorted; revoke drops emptied topics; reset by the topic's subscription group
    # id; generations (2.6+) bounded, least recently assigned evicted.
    class AssignmentsTracker
      include Singleton

      # What this version's tracker offers
      FEATURES = KarafkaDoubles::VERSIONS.fetch(Karafka::VERSION)

      # Karafka's bound on topics kept in generations (2.6+)
      GENERATIONS_TOPICS_LIMIT = 100_000 if FEATURES[:generations]

      if FEATURES[:generations]
        class << self
          # @return [Hash] see the instance method
          def current
            instance.current
          end

          # @return [Hash] see the instance method
          def generations
            instance.generations
          end

          # @return [Integer] see the instance method
          def generation(topic, partition)
            instance.generation(topic, partition)
          end
        end
      end

      def initialize
        @mutex = Mutex.new
        @assignments = Hash.new { |hash, topic| hash[topic] = [] }
        @generations = Hash.new { |hash, topic| hash[topic] = {} }
      end

      # @return [Hash{Topic => Array<Integer>}] a new frozen Hash on every call
      def current
        @mutex.synchronize do
          # A new Hash, without the default proc (which transform_values would keep)
          @assignments.to_h { |topic, partitions| [topic, partitions.dup.freeze] } # rubocop:disable Style/HashTransformValues
        end.freeze
      end

      if FEATURES[:generations]
        # @return [Hash{Topic => Hash{Integer => Integer}}]
        def generations
          @mutex.synchronize do
            @generations.to_h { |topic, partitions| [topic, partitions.dup.freeze] } # rubocop:disable Style/HashTransformValues
          end.freeze
        end

        # @return [Integer]
        def generation(topic, partition)
          @mutex.synchronize { @generations.fetch(topic, {}).fetch(partition, 0) }
        end
      end

      def clear
        @mutex.synchronize do
          @assignments.clear
          @generations.clear
        end
      end

      if FEATURES[:inspect]
        # @return [String] never blocks
        def inspect
          return "#<#{self.class.name} busy>" unless @mutex.try_lock

          begin
            "#<#{self.class.name} assignments=#{@assignments.transform_keys(&:name).inspect}>"
          ensure
            @mutex.unlock
          end
        end
      end

      def on_client_reset(event)
        group_id = event[:subscription_group].id

        @mutex.synchronize do
          @assignments.reject! { |topic, _| topic.subscription_group.id == group_id }
        end
      end

      if FEATURES[:events_poll]
        def on_client_events_poll(event)
          on_client_reset(event) if event[:caller].assignment_lost?
        end
      end

      def on_rebalance_partitions_revoked(event)
        topics = event[:subscription_group].topics

        @mutex.synchronize do
          event[:tpl].to_h.each do |name, partitions|
            topic = topics.find(name)
            @assignments[topic] -= partitions.map(&:partition)
            @assignments.delete(topic) if @assignments[topic].empty?
          end
        end
      end

      def on_rebalance_partitions_assigned(event)
        topics = event[:subscription_group].topics

        @mutex.synchronize do
          event[:tpl].to_h.each do |name, partitions|
            topic = topics.find(name)
            numbers = partitions.map(&:partition)
            @assignments[topic] = (@assignments[topic] + numbers).sort
            count_generations(topic, numbers) if FEATURES[:generations]
          end

          if FEATURES[:generations]
            @generations.shift while @generations.size > GENERATIONS_TOPICS_LIMIT
          end
        end
      end

      private

      # Counts one more generation of each partition; the topic becomes the most recently
      # assigned
      def count_generations(topic, numbers)
        counts = @generations.delete(topic) || {}
        numbers.each { |number| counts[number] = counts.fetch(number, 0) + 1 }
        @generations[topic] = counts
      end
    end
  end
end

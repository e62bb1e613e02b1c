# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Maps topic names from a rebalance to Karafka's routing topics, per subscription group.
      #
      # Karafka resolves every name with `subscription_group.topics.find(name)`, a linear scan.
      # We index a subscription group's topics by name once (keyed by the subscription group id)
      # and fall back to `find` on a miss, so topics discovered later (pattern subscriptions add
      # them to the routing inside `find`) still resolve and are remembered.
      #
      # An entry is rebuilt when the subscription group object, its topics collection or that
      # collection's size changed (routing redrawn, topics added or removed).
      #
      # Readers never lock: entries and name maps are frozen and replaced as a whole. Two threads
      # racing to update the same entry may lose one update, which only costs a later `find`.
      class TopicsCache
        # One subscription group's name index and what it was built from
        Entry = Struct.new(:group, :topics, :topics_count, :names)

        private_constant :Entry

        # Starts empty: subscription groups are indexed on their first event
        def initialize
          @entries = {}.freeze
        end

        # @param group [Object] subscription group (answers `id` and `topics`)
        # @return [Hash{String => Object}] frozen name => topic index; may lack late topics, use
        #   {#discover} on a miss
        def names(group)
          entry = @entries[group.id]
          topics = group.topics

          return entry.names if entry && fresh?(entry, group, topics)

          rebuild(group, topics).names
        end

        # Resolves a name the index does not know yet, with the subscription group's own `find`
        #
        # @param group [Object] subscription group
        # @param name [String] topic name
        # @return [Object] the routing topic
        # @raise [StandardError] whatever `find` raises on a miss (Karafka's TopicNotFoundError)
        def discover(group, name)
          topics = group.topics
          topic = topics.find(name)
          entry = @entries[group.id]

          if entry && entry.group.equal?(group) && entry.topics.equal?(topics)
            # `find` may have added the topic to the routing, so the size moves along with it
            entry.names = entry.names.merge(name => topic).freeze
            entry.topics_count = size_of(topics)
          end

          topic
        end

        # Forgets every subscription group
        # @return [nil]
        def clear
          @entries = {}.freeze
          nil
        end

        private

        # @param entry [Entry]
        # @param group [Object]
        # @param topics [Object]
        # @return [Boolean] whether the entry still describes this group's topics
        def fresh?(entry, group, topics)
          entry.group.equal?(group) &&
            entry.topics.equal?(topics) &&
            entry.topics_count == size_of(topics)
        end

        # @param group [Object]
        # @param topics [Object]
        # @return [Entry] a new entry, stored under the group id
        def rebuild(group, topics)
          entry = Entry.new(group, topics, size_of(topics), index(topics))
          @entries = @entries.merge(group.id => entry).freeze
          entry
        end

        # @param topics [Object] topics collection
        # @return [Hash{String => Object}] the first topic of each name, like `find` returns
        def index(topics)
          names = {}
          return names.freeze unless topics.respond_to?(:each)

          topics.each { |topic| names[topic.name] ||= topic }
          names.freeze
        end

        # @param topics [Object] topics collection
        # @return [Integer, nil] its size when it tells
        def size_of(topics)
          topics.respond_to?(:size) ? topics.size : nil
        end
      end
    end
  end
end

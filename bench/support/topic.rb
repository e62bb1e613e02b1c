# frozen_string_literal: true

module KarafkaNativeBench
  # A stand-in for `Karafka::Routing::Topic`: a plain object compared by identity.
  class Topic
    # @return [String]
    attr_reader :name

    # @param name [String]
    def initialize(name)
      @name = name
      freeze
    end

    # @return [String]
    def inspect
      "#<Topic #{@name}>"
    end

    # @param count [Integer]
    # @param prefix [String]
    # @return [Array<Topic>] `count` new topics named `prefix-0`, `prefix-1`, ...
    def self.build(count, prefix = "topic")
      Array.new(count) { |index| new("#{prefix}-#{index}") }
    end
  end

  # Builds the `{topic => [partitions]}` Hashes that `assign` and `revoke` take.
  module Layout
    module_function

    # @param topics [Array<Topic>]
    # @param partitions [Integer] partitions 0...partitions of every topic
    # @return [Hash{Topic => Array<Integer>}]
    def assignment(topics, partitions)
      list = Array.new(partitions) { |partition| partition }.freeze
      topics.to_h { |topic| [topic, list] }
    end

    # Assigns `topics` x `partitions` to `tracker` in batches of `batch` topics, as several
    # rebalance events would.
    #
    # @return [Object] the tracker
    def populate(tracker, topics, partitions, group: "sg-0", batch: 1_000)
      topics.each_slice(batch) { |slice| tracker.assign(group, assignment(slice, partitions)) }
      tracker
    end
  end
end

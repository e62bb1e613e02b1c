# frozen_string_literal: true

require "json"

module KarafkaNativeBench
  # Scales a real librdkafka consumer statistics emission (spec/fixtures/statistics/) up to a
  # large cluster: `brokers` brokers and `topics` topics sharing `partitions` partitions, every
  # broker, topic and partition cloned from the fixture's own (so every field is librdkafka's),
  # with realistic changes between emissions: most partitions receive messages (offsets, lags,
  # byte and message counters grow), the rest stay idle (their deltas stay zero, so their freeze
  # durations grow); broker counters and window stats move; ages and timestamps advance.
  class StatisticsScaler # rubocop:disable Metrics/ClassLength
    # The captured emissions, in order.
    FIXTURES = Dir[File.expand_path("../../spec/fixtures/statistics/consumer-*.json", __dir__)]

    # Integer fields that name things rather than count them: never changed.
    IDENTITIES = %w[partition leader broker nodeid nodename txidle rxidle].freeze

    # @param partitions [Integer] partitions in total
    # @param brokers [Integer]
    # @param topics [Integer]
    # @param seed [Integer]
    # @param fixture [String] path of a captured emission
    def initialize(partitions:, brokers: 10, topics: 20, seed: 42, fixture: FIXTURES.first)
      @random = Random.new(seed)
      @template = JSON.parse(File.read(fixture))
      @state = build(partitions, brokers, topics)
    end

    # @return [String] the next emission as librdkafka's JSON
    def next_json
      advance(@state)
      JSON.generate(@state)
    end

    # @return [Hash] the next emission, parsed as karafka-rdkafka parses it
    def next_hash
      JSON.parse(next_json)
    end

    private

    def build(partitions, brokers, topics)
      root = @template.except("brokers", "topics")
      broker_names = Array.new(brokers) { |i| "127.0.0.1:#{9092 + i}/#{i + 1}" }
      root["brokers"] = broker_names.to_h { |name| [name, broker_like(name)] }
      root["topics"] = topics_like(partitions, topics, broker_names)
      root
    end

    def template_broker
      brokers = @template.fetch("brokers").values
      brokers.find { |b| b["nodeid"].to_i.positive? } || brokers.first
    end

    def template_topic
      @template.fetch("topics").values.max_by { |t| t.fetch("partitions").size }
    end

    def template_partition
      partitions = template_topic.fetch("partitions")
      partitions.find { |id, p| id != "-1" && p["fetch_state"] == "active" }&.last ||
        partitions.except("-1").values.first
    end

    def broker_like(name)
      broker = Marshal.load(Marshal.dump(template_broker))
      broker["name"] = name
      broker["nodename"] = name.split("/").first
      broker["nodeid"] = name.split("/").last.to_i
      broker["toppars"] = {}
      broker
    end

    def topics_like(partitions, topics, broker_names)
      per_topic = (partitions.to_f / topics).ceil
      Array.new(topics) { |t| "topic-#{t}" }.to_h do |name|
        topic = Marshal.load(Marshal.dump(template_topic))
        topic["topic"] = name
        topic["partitions"] = partitions_like(name, per_topic, broker_names)
        [name, topic]
      end
    end

    def partitions_like(topic, count, broker_names) # rubocop:disable Metrics/AbcSize
      none = template_topic.fetch("partitions")["-1"]
      parts = Array.new(count) do |p|
        partition = Marshal.load(Marshal.dump(template_partition))
        partition["partition"] = p
        partition["leader"] = (p % broker_names.size) + 1
        partition["broker"] = partition["leader"]
        bump(partition, @random.rand(0..10_000))
        owner = broker_names[p % broker_names.size]
        [p.to_s, partition, owner]
      end
      parts.each { |id, _, owner| toppar(owner, topic, id) }
      result = parts.to_h { |id, partition, _| [id, partition] }
      result["-1"] = Marshal.load(Marshal.dump(none)) if none
      result
    end

    def toppar(owner, topic, id)
      (@toppars ||= Hash.new { |h, k| h[k] = [] })[owner] << [topic, id]
    end

    # Moves every counter of one emission.
    def advance(root) # rubocop:disable Metrics/AbcSize, Metrics/CyclomaticComplexity, Metrics/PerceivedComplexity
      attach_toppars(root) if @toppars
      elapsed = 1_000_000 * 5
      %w[ts time age].each do |key|
        root[key] += key == "time" ? 5 : elapsed if root[key].is_a?(Integer)
      end
      root["brokers"].each_value { |broker| bump(broker, @random.rand(0..4_000)) }
      root["topics"].each_value do |topic|
        topic["age"] += 5_000 if topic["age"].is_a?(Integer)
        topic["partitions"].each do |id, partition|
          next if id == "-1" || @random.rand >= 0.7

          bump(partition, @random.rand(1..500))
        end
      end
    end

    def attach_toppars(root)
      @toppars.each do |owner, list|
        root["brokers"][owner]["toppars"] = list.to_h do |topic, id|
          ["#{topic}-#{id}", { "topic" => topic, "partition" => id.to_i }]
        end
      end
      @toppars = nil
    end

    # Grows the Integer counters of one node (and of its nested window stats) by about `step`.
    def bump(node, step)
      node.each do |key, value|
        if value.is_a?(Integer) && !IDENTITIES.include?(key) && value >= 0
          node[key] = value + (step * (1 + (key.sum % 3)))
        elsif value.is_a?(Hash) && key != "toppars"
          bump(value, step / 4)
        end
      end
    end
  end
end

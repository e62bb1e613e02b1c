# frozen_string_literal: true

require "json"
require "open3"
require "rbconfig"
require_relative "child_process"
require_relative "native_lock"

# Doubles of the parts of Karafka that karafka-native's integration touches, following Karafka's
# interfaces in its versions 2.4.16 and 2.5.0 to 2.6.1 (the karafka gem cannot be installed in
# CI). Keep every double here and in spec/doubles/ (the fake Karafka), in one place, so that
# they can be held against the real thing.
#
# Loading this file defines only the `KarafkaDoubles` namespace (and the helpers it requires,
# which the subprocess scripts use too). The fake `Karafka::...` constants are defined by
# `require "karafka"` in the subprocess scripts of spec/scripts (see {KarafkaDoubles.run},
# spec/doubles/karafka.rb), so every process gets a clean VM.
module KarafkaDoubles
  # Raised by {Topics#find} on a miss (Karafka raises `Karafka::Errors::TopicNotFoundError`,
  # which the fake Karafka aliases to this)
  class TopicNotFoundError < StandardError; end

  # `Karafka::Routing::Topic`: no `==`/`eql?`/`hash` of its own, so Hash keys compare by
  # identity
  class Topic
    attr_reader :name
    attr_accessor :subscription_group

    # @param name [String] topic name
    def initialize(name)
      @name = name
      @subscription_group = nil
    end

    # @return [String] same for copies of a topic in several subscription groups
    def id
      "#{subscription_group&.consumer_group_id}_#{name}"
    end
  end

  # `Karafka::Routing::Topics`: Enumerable, `find` scans by name and raises on a miss. Counts
  # `find` calls so specs can tell lookups from cache hits.
  class Topics
    include Enumerable

    # @return [Integer] how many times `find` was called
    attr_reader :find_calls

    # @param topics [Array<Topic>]
    # @param discover [#call, nil] called with a missing name; may return a new topic, which is
    #   then added (like Karafka Pro's pattern subscriptions add topics inside `find`)
    def initialize(topics, discover: nil)
      @accumulator = topics.dup
      @discover = discover
      @find_calls = 0
    end

    # @yieldparam topic [Topic]
    def each(&)
      @accumulator.each(&)
    end

    # @return [Integer]
    def size
      @accumulator.size
    end

    # @param topic [Topic]
    # @return [Topics] self
    def <<(topic)
      @accumulator << topic
      self
    end

    # @param name [String] topic name
    # @return [Topic]
    # @raise [TopicNotFoundError] when no topic has that name
    def find(name)
      @find_calls += 1
      KarafkaDoubles.callback!
      found = @accumulator.find { |topic| topic.name == name }
      return found if found

      discovered = @discover&.call(name)
      raise error_class, name unless discovered

      @accumulator << discovered
      discovered
    end

    private

    # @return [Class] Karafka's error when the fake Karafka is defined, ours otherwise
    def error_class
      if defined?(::Karafka::Errors::TopicNotFoundError)
        ::Karafka::Errors::TopicNotFoundError
      else
        TopicNotFoundError
      end
    end
  end

  # `Karafka::Routing::SubscriptionGroup`: `id` unique per connection, `name` shared by a
  # multiplexed family, `topics` answering `find`
  class SubscriptionGroup
    attr_reader :id, :name, :topics, :consumer_group_id

    # @param id [String] unique id
    # @param topic_names [Array<String>] names of its topics
    # @param consumer_group_id [String]
    # @param name [String]
    # @param discover [#call, nil] see {Topics#initialize}
    def initialize(id, topic_names, consumer_group_id: "cg", name: id, discover: nil)
      @id = id
      @name = name
      @consumer_group_id = consumer_group_id
      topics = topic_names.map { |topic_name| Topic.new(topic_name) }
      @topics = Topics.new(topics, discover: discover && ->(n) { adopt(discover.call(n)) })
      topics.each { |topic| topic.subscription_group = self }
    end

    # Adds a topic the way routing does
    # @param topic_name [String]
    # @return [Topic]
    def add_topic(topic_name)
      topic = adopt(Topic.new(topic_name))
      @topics << topic
      topic
    end

    private

    # @param topic [Topic, nil]
    # @return [Topic, nil]
    def adopt(topic)
      topic&.subscription_group = self
      topic
    end
  end

  # `Rdkafka::Consumer::Partition`
  class Partition
    attr_reader :partition, :offset, :err, :metadata

    # In the compaction mode `partition` is a method that compacts the heap the first time a
    # native call calls it (a plain `attr_reader` is read natively, with no Ruby call).
    if defined?(::GcModes) && ::GcModes.compacting?
      # @return [Integer]
      def partition
        KarafkaDoubles.callback!
        @partition
      end
    end

    # @param partition [Integer]
    # @param offset [Integer, nil]
    def initialize(partition, offset = nil)
      @partition = partition
      @offset = offset
      @err = 0
      @metadata = nil
    end
  end

  # `Rdkafka::Consumer::TopicPartitionList`: `to_h` gives name => Array<Partition>
  class TopicPartitionList
    # @param map [Hash{String => Array<Integer>}] topic name => partition numbers
    def initialize(map = {})
      @data = {}
      map.each { |name, partitions| add_topic(name, partitions) }
    end

    # @param name [String]
    # @param partitions [Array<Integer>]
    # @return [TopicPartitionList] self
    def add_topic(name, partitions)
      @data[name] = partitions.map { |partition| Partition.new(partition) }
      self
    end

    # @return [Hash{String => Array<Partition>}]
    def to_h
      KarafkaDoubles.callback!
      @data
    end
  end

  # `Karafka::Core::Monitoring::Event`: answers `[]` (with `fetch`, so missing keys raise)
  class Event
    attr_reader :id, :payload

    # @param id [String]
    # @param payload [Hash]
    def initialize(id, payload)
      @id = id
      @payload = payload
    end

    # @param name [Symbol]
    # @return [Object]
    def [](name)
      @payload.fetch(name)
    end
  end

  # `Karafka::Connection::Client` as the events poll sees it
  class Client
    attr_writer :lost
    # @return [Integer] how many times `assignment_lost?` was asked
    attr_reader :checks

    # @param lost [Boolean]
    def initialize(lost: false)
      @lost = lost
      @checks = 0
    end

    # @return [Boolean]
    def assignment_lost?
      @checks += 1
      @lost
    end
  end

  # Karafka's monitor: finds handlers by `respond_to?(:on_...)` at `subscribe` time, does not
  # deduplicate, calls listeners synchronously in order, raises for unknown events, lets listener
  # errors through (Karafka rescues around rebalance callbacks)
  class Monitor
    # Events the tracker handles, by Karafka version
    EVENTS = %w[
      rebalance.partitions_assigned
      rebalance.partitions_revoked
      client.reset
      client.events_poll
      error.occurred
    ].freeze

    # @return [Array<Hash>] payloads of `error.occurred`
    attr_reader :errors

    # @param events [Array<String>] registered events
    def initialize(events = EVENTS)
      @listeners = events.to_h { |event| [event, []] }
      @errors = []
    end

    # @param listener [Object]
    def subscribe(listener)
      @listeners.each do |event_id, listeners|
        listeners << listener if listener.respond_to?(method_name(event_id))
      end
    end

    # @param event_id [String]
    # @param payload [Hash]
    def instrument(event_id, payload = {})
      listeners = @listeners.fetch(event_id) { raise ArgumentError, "not registered: #{event_id}" }
      @errors << payload if event_id == "error.occurred"
      event = Event.new(event_id, payload)
      listeners.each { |listener| listener.public_send(method_name(event_id), event) }
      nil
    end

    # @param event_id [String]
    # @return [Array<Object>] listeners subscribed to it
    def listeners(event_id)
      @listeners.fetch(event_id)
    end

    private

    # @param event_id [String]
    # @return [Symbol]
    def method_name(event_id)
      :"on_#{event_id.tr(".", "_")}"
    end
  end

  # Karafka versions the fake Karafka (spec/doubles/karafka.rb) can play, with what each
  # version's tracker offers
  VERSIONS = {
    "2.4.16" => { events_poll: false, inspect: false, generations: false },
    "2.5.0" => { events_poll: false, inspect: false, generations: false },
    "2.5.9" => { events_poll: true, inspect: true, generations: false },
    "2.6.1" => { events_poll: true, inspect: true, generations: true }
  }.freeze

  # The subprocess scripts
  SCRIPTS = File.expand_path("../scripts", __dir__)

  # The fake Karafka's load path: `require "karafka"` there loads it
  FAKE_KARAFKA = File.expand_path("../doubles", __dir__)

  class << self
    # A Ruby callback that native code makes, or that runs amid a native change: compacts the
    # heap in the suite's compaction mode (see GcModes), nothing otherwise
    # @return [nil]
    def callback!
      ::GcModes.callback! if defined?(::GcModes)
      nil
    end

    # @param id [String] subscription group id
    # @param names [Array<String>] topic names
    # @param options [Hash] see {SubscriptionGroup#initialize}
    # @return [SubscriptionGroup]
    def subscription_group(id, names, **options)
      SubscriptionGroup.new(id, names, **options)
    end

    # @param assignments [Hash{Topic => Object}] assignments or generations
    # @return [Hash{String => Object}] the same keyed by topic name
    def by_name(assignments)
      assignments.transform_keys(&:name)
    end

    # @param group [SubscriptionGroup]
    # @param map [Hash{String => Array<Integer>}] topic name => partitions
    # @param as_object [Boolean] deliver an {Event} instead of a Hash
    # @return [Hash, Event] a rebalance payload with every key Karafka sends
    def rebalance_payload(group, map, as_object: false)
      payload = {
        caller: Object.new,
        subscription_group_id: group.id,
        subscription_group: group,
        consumer_group_id: group.consumer_group_id,
        consumer_group: nil,
        client_id: "karafka",
        tpl: TopicPartitionList.new(map).freeze
      }
      as_object ? Event.new("rebalance", payload) : payload
    end

    # Runs a script of spec/scripts in a fresh Ruby with karafka-native's load path (see
    # spec_helper), the fake Karafka's, this file and the scripts' prelude (`emit`)
    #
    # @param script [String] the script's name, without `.rb`
    # @param args [Array<String>] its ARGV
    # @param karafka [String, nil] the Karafka version `require "karafka"` plays (one of
    #   {VERSIONS}; the fake's default when nil)
    # @param env [Hash{String => String, nil}] environment changes
    # @return [Result] whatever the script `emit`s is in {Result#data}
    # @note GC.stress (KARAFKA_NATIVE_GC_STRESS) is paused meanwhile: the work happens in the
    #   child, which does not inherit it, and spawning under stress takes minutes
    def run(script, *args, karafka: nil, env: {})
      GcModes.unstressed do
        stdout, stderr, status = Open3.capture3(
          { "KARAFKA_NATIVE" => nil, "FAKE_KARAFKA_VERSION" => karafka }.merge(env),
          RbConfig.ruby, *[*KARAFKA_NATIVE_LOAD_PATH, FAKE_KARAFKA].flat_map { |dir| ["-I", dir] },
          "-r", __FILE__, "-r", File.join(SCRIPTS, "prelude.rb"),
          File.join(SCRIPTS, "#{script}.rb"), *args
        )
        Result.new(stdout, stderr, status)
      end
    end
  end

  # Outcome of {KarafkaDoubles.run}
  Result = Struct.new(:stdout, :stderr, :status) do
    # @return [Hash] what the script emitted
    # @raise [RuntimeError] when the subprocess failed, with its output
    def data
      line = stdout.lines.reverse.find { |l| l.start_with?("KARAFKA_DOUBLES_RESULT=") }
      raise "subprocess failed (#{status}):\n#{stdout}\n#{stderr}" unless success? && line

      JSON.parse(line.delete_prefix("KARAFKA_DOUBLES_RESULT="))
    end

    # @return [Boolean]
    def success?
      status.success?
    end
  end
end

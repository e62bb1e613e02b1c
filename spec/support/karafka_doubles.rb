# frozen_string_literal: true

require "json"
require "open3"
require "rbconfig"
require "singleton"

# Doubles of the parts of Karafka that karafka-native's integration touches, following Karafka's
# interfaces in its versions 2.4.16 and 2.5.0 to 2.6.1 (the karafka gem cannot be installed in
# CI). Keep every double here, in one place, so that they can be held against the
# real thing.
#
# Loading this file defines only the `KarafkaDoubles` namespace. The fake `Karafka::...`
# constants are defined by {KarafkaDoubles.define_karafka!}, which is meant for subprocesses
# (see {KarafkaDoubles.run}), so every process gets a clean VM.
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

  # The fake Karafka: tracker class, `Karafka::App.assignments`, `Karafka.monitor`,
  # `Karafka::Setup::Config.setup`
  module FakeKarafka # rubocop:disable Metrics/ModuleLength -- Ruby source in a heredoc
    # What each Karafka version's tracker offers, as the contract states it
    VERSIONS = {
      "2.4.16" => { events_poll: false, inspect: false, generations: false },
      "2.5.0" => { events_poll: false, inspect: false, generations: false },
      "2.5.9" => { events_poll: true, inspect: true, generations: false },
      "2.6.1" => { events_poll: true, inspect: true, generations: true }
    }.freeze

    # Source of the fake Karafka: one `class ... end` body, as Zeitwerk loads Karafka's tracker,
    # with the version's features chosen inside it. Behaves as the contract describes Karafka's
    # own tracker (partitions appended then sorted; revoke drops emptied topics; reset by the
    # topic's subscription group id; generations bounded, least recently assigned evicted).
    SOURCE = <<~'RUBY'
      module Karafka
        VERSION = KarafkaDoubles::FakeKarafka.version

        module Errors
          TopicNotFoundError = KarafkaDoubles::TopicNotFoundError
        end

        class << self
          def monitor
            @monitor ||= KarafkaDoubles::Monitor.new
          end
        end

        module Instrumentation
          class AssignmentsTracker
            include Singleton

            FEATURES = KarafkaDoubles::FakeKarafka::VERSIONS.fetch(Karafka::VERSION)

            GENERATIONS_TOPICS_LIMIT = 100_000 if FEATURES[:generations]

            if FEATURES[:generations]
              class << self
                def current
                  instance.current
                end

                def generations
                  instance.generations
                end

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

            def current
              @mutex.synchronize do
                @assignments.to_h { |topic, partitions| [topic, partitions.dup.freeze] }
              end.freeze
            end

            if FEATURES[:generations]
              def generations
                @mutex.synchronize do
                  @generations.to_h { |topic, partitions| [topic, partitions.dup.freeze] }
                end.freeze
              end

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
              def inspect
                return "#<#{self.class.name} busy>" unless @mutex.try_lock

                begin
                  "#<#{self.class.name} assignments=" \
                    "#{@assignments.transform_keys(&:name).inspect}>"
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

                  next unless FEATURES[:generations]

                  counts = @generations.delete(topic) || {}
                  numbers.each { |number| counts[number] = counts.fetch(number, 0) + 1 }
                  @generations[topic] = counts
                end

                if FEATURES[:generations]
                  @generations.shift while @generations.size > GENERATIONS_TOPICS_LIMIT
                end
              end
            end
          end
        end

        class App
          class << self
            def assignments
              Instrumentation::AssignmentsTracker.instance.current
            end
          end
        end

        module Setup
          class Config
            class << self
              def setup
                Karafka.monitor.subscribe(Instrumentation::AssignmentsTracker.instance)
              end
            end
          end
        end
      end
    RUBY

    class << self
      # @return [String, nil] version of the fake Karafka being defined
      attr_reader :version

      # @param version [String] one of {VERSIONS}
      # @return [Module] `Karafka`
      def define!(version)
        @version = version
        # A real `class ... end` body, so the integration's class hook sees it like Zeitwerk's
        TOPLEVEL_BINDING.eval(SOURCE, __FILE__, __LINE__)
        ::Karafka
      end
    end
  end

  # Karafka versions the fake Karafka can play
  VERSIONS = FakeKarafka::VERSIONS

  class << self
    # A Ruby callback that native code makes, or that runs amid a native change: compacts the
    # heap in the suite's compaction mode (see GcModes), nothing otherwise
    # @return [nil]
    def callback!
      ::GcModes.callback! if defined?(::GcModes)
      nil
    end

    # Defines the fake Karafka. Meant for subprocesses only (see {.run}).
    #
    # @param version [String] one of {VERSIONS}
    # @return [Module] `Karafka`
    def define_karafka!(version: "2.5.9")
      FakeKarafka.define!(version)
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

    # Holds a native tracker's lock on another thread (with the compiled library's testing hook)
    # while the block runs; returns false without running it when the hook is missing
    #
    # @param tracker [Karafka::Native::AssignmentsTracker]
    # @return [Object, false] what the block returns
    def holding_native_lock(tracker)
      return false unless defined?(::Karafka::Native::Testing)

      holder = Thread.new { ::Karafka::Native::Testing.hold_lock(tracker, 60) }
      Thread.pass until tracker.inspect.end_with?(" busy>") || !holder.alive?
      raise "could not take the native lock" unless holder.alive?

      yield
    ensure
      holder&.kill&.join
    end

    # Runs Ruby code in a fresh process with karafka-native's load path (spec_helper) and this
    # file loaded
    #
    # @param code [String] Ruby code; whatever it `emit`s is returned in {Result#data}
    # @param env [Hash{String => String, nil}] environment changes
    # @return [Result]
    # @note GC.stress (KARAFKA_NATIVE_GC_STRESS) is paused meanwhile: the work happens in the
    #   child, which does not inherit it, and spawning under stress takes minutes
    def run(code, env: {})
      stress = GC.stress
      GC.stress = false
      stdout, stderr, status = Open3.capture3(
        { "KARAFKA_NATIVE" => nil }.merge(env),
        RbConfig.ruby, *KARAFKA_NATIVE_LOAD_PATH.flat_map { |dir| ["-I", dir] }, "-r", __FILE__,
        "-e", "#{PRELUDE}\n#{code}"
      )
      Result.new(stdout, stderr, status)
    ensure
      GC.stress = stress
    end
  end

  # What the subprocess scripts start with: `emit(key, value)` collects JSON-able results
  PRELUDE = <<~'RUBY'
    $stdout.sync = true
    EMITTED = {}
    def emit(key, value)
      EMITTED[key.to_s] = value
    end
    at_exit { $stdout.puts("KARAFKA_DOUBLES_RESULT=" + JSON.generate(EMITTED)) }
  RUBY

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

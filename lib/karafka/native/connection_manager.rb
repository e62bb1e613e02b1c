# frozen_string_literal: true

require "set"

module Karafka
  # Native (Rust) state for Karafka
  module Native
    # The listeners of one process grouped into families, and what the coordinator needs to
    # know of them: which families are dynamic, their bounds, and each listener's state.
    #
    # A family is the set of listeners whose subscription groups share a name (within one
    # consumer group). It is dynamic when its subscription group answers `multiplexing` with
    # `active?` and `dynamic?` true; the bounds come from `multiplexing.min`, `max`, `boot` and
    # `scale_delay` (milliseconds).
    class ConnectionFamilies
      # Karafka's listener states, in the order the predicates are asked.
      STATES = %i[stopped stopping quiet quieting running starting pending].freeze

      # @return [Hash{String => Karafka::Connection::Listener}] listeners by subscription group id
      attr_reader :by_id

      # @param listeners [Array<Karafka::Connection::Listener>]
      def initialize(listeners)
        @by_id = listeners.to_h { |listener| [listener.subscription_group.id, listener] }
        @families = listeners.group_by { |listener| family_name(listener.subscription_group) }
        @dynamic = @families.select do |_, members|
          dynamic_group?(members.first.subscription_group)
        end
      end

      # @return [Boolean] whether any family is dynamic
      def dynamic?
        !@dynamic.empty?
      end

      # @return [Array<Karafka::Connection::Listener>] what starts with the process: `boot`
      #   listeners of each dynamic family, every listener of the others
      def boot_listeners
        @families.flat_map do |name, members|
          @dynamic.key?(name) ? members.first(bounds(members).fetch(:boot)) : members
        end
      end

      # Registers every listener of the dynamic families with `coordinator`.
      #
      # @param coordinator [Karafka::Native::Coordinator]
      # @return [Set<String>] the coordinated subscription group ids
      def register(coordinator)
        @dynamic.each_with_object(Set.new) do |(name, members), ids|
          members.each do |listener|
            id = listener.subscription_group.id
            coordinator.register(id, family: name, **bounds(members))
            ids << id
          end
        end
      end

      # @param listener [Karafka::Connection::Listener]
      # @return [Symbol] its state, from the predicates it answers
      def state_of(listener)
        STATES.each do |state|
          predicate = :"#{state}?"
          return state if listener.respond_to?(predicate) && listener.public_send(predicate)
        end
        listener.active? ? :running : :pending
      end

      private

      # @param subscription_group [Karafka::Routing::SubscriptionGroup]
      # @return [Boolean] whether its family is dynamic
      def dynamic_group?(subscription_group)
        settings = multiplexing(subscription_group)
        return false unless settings
        return false if settings.respond_to?(:active?) && !settings.active?

        settings.respond_to?(:dynamic?) ? settings.dynamic? : settings.min < settings.max
      end

      # @param members [Array<Karafka::Connection::Listener>] one family
      # @return [Hash] the family's bounds as {Coordinator#register} takes them
      def bounds(members)
        settings = multiplexing(members.first.subscription_group)
        {
          min: settings.min, max: settings.max, boot: settings.boot,
          scale_delay: settings.scale_delay
        }
      end

      # @param subscription_group [Karafka::Routing::SubscriptionGroup]
      # @return [String] its family's name
      def family_name(subscription_group)
        name = subscription_group.name.to_s
        return name unless subscription_group.respond_to?(:consumer_group_id)

        "#{subscription_group.consumer_group_id}/#{name}"
      end

      # @param subscription_group [Karafka::Routing::SubscriptionGroup]
      # @return [Object, nil] its multiplexing settings, nil without multiplexing
      def multiplexing(subscription_group)
        return nil unless subscription_group.respond_to?(:multiplexing)

        subscription_group.multiplexing
      end
    end

    # The behaviour of {ConnectionManager}: dynamic multiplexing behind OSS Karafka's connection
    # manager interface (`register`, `done?`, `control`).
    #
    # Dynamic families (see {ConnectionFamilies}) start `boot` listeners; afterwards
    # {Karafka::Native::Coordinator#decide} starts or stops at most one listener per family at
    # a time, and only when the family is stable. Every other family starts all its listeners
    # and is never changed, so without multiplexing the manager behaves like OSS Karafka's.
    #
    # On shutdown (or quiet) the OSS flow is kept, applied to the listeners that were started:
    # quiet them, mark the app quieted once all are quiet (when quieting), then stop them.
    module ConnectionManagement
      # @return [Karafka::Native::Coordinator, nil] the coordinator, nil when no family is
      #   dynamic
      attr_reader :coordinator

      # @param tracker [Karafka::Native::AssignmentsTracker, nil] the tracker fed by Karafka's
      #   rebalance callbacks (default: {Karafka::Native.tracker}, looked up on {#register})
      # @param app [#done?, #quieting?, #quiet?, #quieted!, nil] default `Karafka::App`
      # @param monitor [#subscribe, nil] where `statistics.emitted` comes from (default
      #   `Karafka.monitor`)
      # @param conductor [#signal, nil] woken when statistics arrive so decisions are timely
      #   (default Karafka's connection conductor)
      # @param clock [#call, nil] monotonic milliseconds (default `CLOCK_MONOTONIC`)
      def initialize(tracker: nil, app: nil, monitor: nil, conductor: nil, clock: nil)
        super()
        @native = { tracker:, app:, monitor:, conductor:, clock: clock || method(:monotonic_ms) }
        @native_once = Set.new
        @native_stopping = Set.new
        @native_coordinated = Set.new
        @coordinator = nil
        @listeners = []
      end

      # Registers the listeners, groups them into families and starts `boot` listeners of each
      # dynamic family and every listener of the other families.
      #
      # @param listeners [Enumerable<Karafka::Connection::Listener>]
      # @return [void]
      def register(listeners)
        @listeners = listeners.to_a
        @families = ConnectionFamilies.new(@listeners)
        setup_coordinator if @families.dynamic?
        @families.boot_listeners.each(&:start!)
        sync_states
      end

      # @return [Boolean] true when no listener runs any more (a listener never started counts
      #   as done); while the app is not done, false as long as a dynamic family exists
      def done?
        return false if @coordinator && !app.done?

        @listeners.all? { |listener| listener.stopped? || listener.pending? }
      end

      # On shutdown or quiet: OSS Karafka's quiet-then-stop flow over the started listeners.
      # Otherwise: applies the coordinator's decisions (starting or stopping one listener per
      # stable dynamic family).
      #
      # @return [void]
      def control
        return shutdown_control if app.done?
        return unless @coordinator

        sync_states
        @coordinator.decide(@native[:clock].call).each { |verb, id| apply(verb, id) }
      end

      private

      # Creates the coordinator on the native tracker and feeds it statistics.
      def setup_coordinator
        tracker = @native[:tracker] || Karafka::Native.tracker
        unless tracker
          raise ArgumentError,
                "Karafka::Native::ConnectionManager needs the native assignments tracker " \
                "(Karafka::Native.install! did not install it) for dynamic multiplexing"
        end

        @coordinator = Coordinator.new(tracker)
        @native_coordinated = @families.register(@coordinator)
        # Every `statistics.emitted` of a coordinated connection feeds the coordinator.
        monitor.subscribe("statistics.emitted") { |event| notice(event) } unless @native_subscribed
        @native_subscribed = true
      end

      # @param event [Hash, Karafka::Core::Monitoring::Event]
      def notice(event)
        id = event[:subscription_group_id]
        return unless @native_coordinated.include?(id)

        @coordinator.notice(id, StatisticsDecorator.kept(event[:statistics]), @native[:clock].call)
        conductor&.signal
      rescue ArgumentError, TypeError => e
        report(e)
      end

      # @param error [Exception] bad statistics (reported, never raised into librdkafka's thread)
      def report(error)
        monitor.instrument(
          "error.occurred", caller: self, error:, type: "connection.manager.statistics"
        )
      end

      # Tells the coordinator every coordinated listener's state.
      def sync_states
        @native_coordinated.each do |id|
          @coordinator.listener_state(id, @families.state_of(@families.by_id.fetch(id)))
        end
      end

      # @param verb [Symbol] :start or :stop
      # @param id [String] subscription group id
      def apply(verb, id)
        listener = @families.by_id.fetch(id)
        if verb == :start
          @native_stopping.delete(id)
          listener.start!
        else
          @native_stopping << id
          listener.stop!
        end
        @coordinator.listener_state(id, @families.state_of(listener))
      end

      # OSS Karafka's shutdown/quiet flow, over the listeners that were started (a listener
      # being scaled down only has to stop).
      def shutdown_control
        running = @listeners.select(&:active?)
        return unless quiet_all(running)

        native_once(:quieted!) { app.quieted! } if app.quieting?
        native_once(:stop!) { running.each(&:stop!) } unless app.quiet?
      end

      # Asks the running listeners (but those being scaled down) to become quiet, once.
      # @param running [Array<Karafka::Connection::Listener>]
      # @return [Boolean] whether they all are quiet
      def quiet_all(running)
        quieting = running.reject { |l| @native_stopping.include?(l.subscription_group.id) }
        native_once(:quiet!) { quieting.each(&:quiet!) }
        quieting.all?(&:quiet?)
      end

      # Runs the block once per key and never again.
      # @param key [Object]
      def native_once(key)
        return if @native_once.include?(key)

        @native_once << key
        yield
      end

      # @return [Integer] monotonic milliseconds
      def monotonic_ms
        Process.clock_gettime(Process::CLOCK_MONOTONIC, :millisecond)
      end

      # @return [Object] the app (`Karafka::App` unless injected)
      def app
        @native[:app] || ::Karafka::App
      end

      # @return [Object] the monitor (`Karafka.monitor` unless injected)
      def monitor
        @native[:monitor] || ::Karafka.monitor
      end

      # @return [Object, nil] the conductor to wake (Karafka's unless injected)
      def conductor
        @native[:conductor] || ::Karafka::App.config.internal.connection.conductor
      rescue NameError
        nil
      end
    end

    # The base class {ConnectionManager} extends when Karafka is not loaded: the part of
    # `Karafka::Connection::Manager` it relies on, which is only its argument-less constructor.
    ConnectionManagerBase = Class.new

    class << self
      # Defines {ConnectionManager} on first use: a subclass of `Karafka::Connection::Manager`
      # when Karafka is loaded then (so refer to it after `require "karafka"`, as in
      # `karafka.rb`), of {ConnectionManagerBase} otherwise. Requiring karafka-native before
      # Karafka therefore never fails.
      #
      # @param name [Symbol]
      # @return [Class]
      def const_missing(name)
        return super unless name == :ConnectionManager

        base = if defined?(::Karafka::Connection::Manager)
                 ::Karafka::Connection::Manager
               else
                 ConnectionManagerBase
               end
        const_set(:ConnectionManager, Class.new(base) { include ConnectionManagement })
      end
    end
  end
end

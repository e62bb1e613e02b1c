# frozen_string_literal: true

require "set"
require_relative "connection_families"
require_relative "connection_shutdown"

module Karafka
  # Native (Rust) state for Karafka
  module Native
    # Dynamic multiplexing behind OSS Karafka's connection manager interface (`register`,
    # `done?`, `control`), set as `config.internal.connection.manager`. Karafka calls only
    # those three (it checks no class), so this is a plain class: it needs nothing of Karafka
    # at load time and can be required before it.
    #
    # Dynamic families (see {ConnectionFamilies}) start `boot` listeners; afterwards
    # {Karafka::Native::Coordinator#decide} starts or stops at most one listener per family at
    # a time, and only when the family is stable. Every other family starts all its listeners
    # and is never changed, so without multiplexing the manager behaves like OSS Karafka's.
    #
    # On shutdown (or quiet) the OSS flow is kept ({ConnectionShutdown}), applied to the
    # listeners that were started.
    class ConnectionManager
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
        @injected = { tracker:, app:, monitor:, conductor:, clock: clock || method(:monotonic_ms) }
        @shutdown = ConnectionShutdown.new
        @scaling_down = Set.new
        @coordinated = Set.new
        @coordinator = nil
        @subscribed = false
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
        return @shutdown.control(@listeners, @scaling_down, app) if app.done?
        return unless @coordinator

        sync_states
        @coordinator.decide(now).each { |verb, id| apply(verb, id) }
      end

      private

      # Creates the coordinator on the native tracker and feeds it statistics.
      def setup_coordinator
        tracker = @injected[:tracker] || Karafka::Native.tracker
        unless tracker
          raise ArgumentError,
                "Karafka::Native::ConnectionManager needs the native assignments tracker " \
                "(Karafka::Native.install! did not install it) for dynamic multiplexing"
        end

        @coordinator = Coordinator.new(tracker)
        @coordinated = @families.register(@coordinator)
        # Every `statistics.emitted` of a coordinated connection feeds the coordinator.
        monitor.subscribe("statistics.emitted") { |event| notice(event) } unless @subscribed
        @subscribed = true
      end

      # @param event [Hash, Karafka::Core::Monitoring::Event]
      def notice(event)
        id = event[:subscription_group_id]
        return unless @coordinated.include?(id)

        @coordinator.notice(id, StatisticsDecorator.kept(event[:statistics]), now)
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
        @coordinated.each do |id|
          @coordinator.listener_state(id, @families.state_of(@families.by_id.fetch(id)))
        end
      end

      # @param verb [Symbol] :start or :stop
      # @param id [String] subscription group id
      def apply(verb, id)
        listener = @families.by_id.fetch(id)
        if verb == :start
          @scaling_down.delete(id)
          listener.start!
        else
          @scaling_down << id
          listener.stop!
        end
        @coordinator.listener_state(id, @families.state_of(listener))
      end

      # @return [Integer] the clock's monotonic milliseconds
      def now
        @injected[:clock].call
      end

      # @return [Integer] monotonic milliseconds
      def monotonic_ms
        Process.clock_gettime(Process::CLOCK_MONOTONIC, :millisecond)
      end

      # @return [Object] the app (`Karafka::App` unless injected)
      def app
        @injected[:app] || ::Karafka::App
      end

      # @return [Object] the monitor (`Karafka.monitor` unless injected)
      def monitor
        @injected[:monitor] || ::Karafka.monitor
      end

      # @return [Object, nil] the conductor to wake (Karafka's unless injected)
      def conductor
        @injected[:conductor] || ::Karafka::App.config.internal.connection.conductor
      rescue NameError
        nil
      end
    end
  end
end

# frozen_string_literal: true

require "set"

module Karafka
  module Native
    # OSS Karafka's shutdown and quiet flow (what `Karafka::Connection::Manager#control` does once
    # the app is done), over the listeners {ConnectionManager} started: quiet them, mark the app
    # quieted once all are quiet (when quieting), then stop them. Each step runs once.
    class ConnectionShutdown
      def initialize
        @done = Set.new
      end

      # Takes the flow one step further (called on every `control` once the app is done).
      #
      # @param listeners [Array<Karafka::Connection::Listener>] every registered listener
      # @param scaling_down [Set<String>] subscription group ids of listeners a scale-down is
      #   stopping: they only have to stop, never to become quiet
      # @param app [#quieting?, #quiet?, #quieted!] `Karafka::App`
      # @return [void]
      def control(listeners, scaling_down, app)
        running = listeners.select(&:active?)
        return unless quiet(running, scaling_down)

        once(:quieted!) { app.quieted! } if app.quieting?
        once(:stop!) { running.each(&:stop!) } unless app.quiet?
      end

      private

      # Asks the running listeners but those being scaled down to become quiet (once).
      # @param running [Array<Karafka::Connection::Listener>]
      # @param scaling_down [Set<String>]
      # @return [Boolean] whether they all are quiet
      def quiet(running, scaling_down)
        quieting = running.reject { |l| scaling_down.include?(l.subscription_group.id) }
        once(:quiet!) { quieting.each(&:quiet!) }
        quieting.all?(&:quiet?)
      end

      # Runs the block once per step and never again.
      # @param step [Symbol]
      def once(step)
        return if @done.include?(step)

        @done << step
        yield
      end
    end
  end
end

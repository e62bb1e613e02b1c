# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # The window in which {ClassHook}s look for the classes they wait for: while some `require`
      # runs, and only then. Karafka's classes are all defined by files its loader (Zeitwerk)
      # loads through `Kernel#require`, eagerly within `require "karafka"` or on autoload later,
      # so a `TracePoint(:end)` that is enabled only while a `require` runs sees every one of
      # their class bodies close, and costs nothing afterwards: a process that never loads
      # Karafka has no TracePoint enabled once its `require`s are done.
      #
      # The window opens through {Hook}, prepended to `Kernel` (and its singleton, for
      # `Kernel.require`) the first time a hook is armed, as Zeitwerk and Bootsnap decorate
      # `require`. With no hook armed, {Hook} only calls `super` after reading one frozen Array.
      module RequireWindow
        # Guards the armed hooks (replaced, frozen, never mutated: {.around} reads them
        # unlocked), the requires in flight and the TracePoint's state.
        LOCK = Mutex.new

        # Wraps `require` (private, as Kernel's)
        module Hook
          private

          # @param path [String]
          # @return [Boolean] what `require` returns
          def require(path)
            RequireWindow.around { super }
          end
        end

        # Wraps `Kernel.require` (public, as Kernel's singleton method)
        module SingletonHook
          # @param path [String]
          # @return [Boolean] what `require` returns
          def require(path)
            RequireWindow.around { super }
          end
        end

        @hooks = [].freeze
        # thread => how many of its requires are in flight (a thread that died, or that a fork
        # left behind, is dropped at the next change, so its requires never keep the window open)
        @in_flight = {}
        @trace = TracePoint.new(:end) { |point| RequireWindow.ended(point.self) }
        @installed = false

        class << self
          # Arms a hook: from now on it sees every class body closing within a `require`.
          # @param hook [ClassHook]
          # @return [void]
          def add(hook)
            LOCK.synchronize do
              install
              @hooks = (@hooks | [hook]).freeze
              adjust
            end
          end

          # Disarms a hook.
          # @param hook [ClassHook]
          # @return [void]
          def remove(hook)
            LOCK.synchronize do
              @hooks = (@hooks - [hook]).freeze
              adjust
            end
          end

          # @param hook [ClassHook]
          # @return [Boolean] whether the hook is armed
          def include?(hook)
            @hooks.include?(hook)
          end

          # @return [Boolean] whether the TracePoint is enabled (some require runs, a hook armed)
          def tracing?
            @trace.enabled?
          end

          # Runs a `require` with the window open when a hook is armed.
          # @return [Object] what the block returns
          def around
            return yield if @hooks.empty?

            change(1)
            begin
              yield
            ensure
              change(-1)
            end
          end

          # The TracePoint's callback: a class or module body closed.
          # @param mod [Module]
          # @return [void]
          def ended(mod)
            @hooks.each { |hook| hook.seen(mod) }
          end

          private

          # @param delta [Integer] +1 when the current thread enters a require, -1 when it leaves
          def change(delta)
            LOCK.synchronize do
              thread = Thread.current
              depth = @in_flight.fetch(thread, 0) + delta
              depth.positive? ? @in_flight[thread] = depth : @in_flight.delete(thread)
              @in_flight.delete_if { |other, _| !other.alive? }
              adjust
            end
          end

          # Enables the TracePoint exactly while a hook is armed and a require is in flight.
          # Called with {LOCK} held.
          def adjust
            wanted = !@hooks.empty? && !@in_flight.empty?
            return if wanted == @trace.enabled?

            wanted ? @trace.enable : @trace.disable
          end

          # Prepends the hooks once. Called with {LOCK} held.
          def install
            return if @installed

            ::Kernel.prepend(Hook)
            ::Kernel.singleton_class.prepend(SingletonHook)
            @installed = true
          end
        end
      end
    end
  end
end

# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Calls back once when a class of a given name finishes its first `class ... end` body.
      #
      # Used when `karafka/native` is required before Karafka: Karafka (through Zeitwerk) loads
      # its tracker later, and we install as soon as that class body closes. A TracePoint on
      # `:end` behaves the same on Ruby 3.1 and 3.3, fires only at class and module body ends,
      # and is disabled as soon as the class was seen.
      class ClassHook
        # `Module#name` as Ruby defines it: classes may redefine their own `name`
        MODULE_NAME = Module.instance_method(:name)

        private_constant :MODULE_NAME

        # @param class_name [String] full name of the class to wait for
        # @param callback [#call] called with the class, once
        def initialize(class_name, callback)
          @class_name = class_name
          @callback = callback
          @mutex = Mutex.new
          @trace = nil
        end

        # Starts waiting (no-op when already waiting)
        # @return [nil]
        def arm
          @mutex.synchronize do
            next if @trace

            @trace = TracePoint.new(:end) { |point| seen(point.self) }
            @trace.enable
          end

          nil
        end

        # Stops waiting
        # @return [nil]
        def disarm
          @mutex.synchronize do
            @trace&.disable
            @trace = nil
          end

          nil
        end

        # @return [Boolean] whether we are still waiting for the class
        def armed?
          !@trace.nil?
        end

        private

        # Runs inside whatever code closes a class body: must never raise into it
        # @param mod [Module] the class or module whose body just ended
        def seen(mod)
          return unless mod.is_a?(Class) && MODULE_NAME.bind_call(mod) == @class_name

          disarm
          @callback.call(mod)
        rescue StandardError
          nil
        end
      end
    end
  end
end

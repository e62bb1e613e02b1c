# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Calls back once when a class of a given name finishes its class body within a `require`
      # (see {RequireWindow}: that is how Karafka's loader defines every Karafka class).
      #
      # Used when `karafka/native` is required before Karafka: Karafka loads its tracker (and its
      # config) later, and we install as soon as that class body closes, when its methods and
      # settings are all defined. Disarmed as soon as the class was seen.
      class ClassHook
        # `Module#name` as Ruby defines it: classes may redefine their own `name`
        MODULE_NAME = Module.instance_method(:name)

        private_constant :MODULE_NAME

        # @param class_name [String] full name of the class to wait for
        # @param callback [#call] called with the class, once
        def initialize(class_name, callback)
          @class_name = class_name
          @callback = callback
        end

        # Starts waiting (no-op when already waiting)
        # @return [nil]
        def arm
          RequireWindow.add(self)
          nil
        end

        # Stops waiting
        # @return [nil]
        def disarm
          RequireWindow.remove(self)
          nil
        end

        # @return [Boolean] whether we are still waiting for the class
        def armed?
          RequireWindow.include?(self)
        end

        # Called by {RequireWindow} as a class or module body closes: must never raise into
        # the code that closes it.
        # @param mod [Module]
        # @return [void]
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

# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Puts the native tracker behind Karafka's `Karafka::Instrumentation::AssignmentsTracker`,
      # whichever of Karafka and karafka-native is required first.
      #
      # Installing prepends {TrackerPatch} and the {Listeners} matching the handlers Karafka's
      # version has into the tracker class, extends it with {ClassMethods}, and attaches an
      # {Adapter} to the singleton instance, migrating whatever it tracked before.
      class Installer
        # Karafka's tracker class
        TRACKER_CLASS_NAME = "Karafka::Instrumentation::AssignmentsTracker"

        # @param switch [Switch] opt-out and library availability
        # @param reporter [ErrorReporter] where installation errors go
        def initialize(switch: Switch.new, reporter: ErrorReporter.new)
          @switch = switch
          @reporter = reporter
          @mutex = Mutex.new
          @warned = false
          @hook = ClassHook.new(TRACKER_CLASS_NAME, method(:install_hooked))
        end

        # Called when `karafka/native` is required: installs into a loaded Karafka, or waits for
        # Karafka's tracker class to be defined
        # @return [Boolean] whether the native tracker serves Karafka now
        def boot
          return false unless usable?
          return true if install

          @hook.arm
          false
        end

        # Installs into Karafka's tracker class when it is loaded (idempotent)
        # @return [Boolean] whether the native tracker serves Karafka now
        # @note Never raises: a failure is reported and Karafka keeps its own tracker.
        def install
          return false unless usable?

          tracker_class = loaded_tracker_class
          return false unless tracker_class

          install_into(tracker_class)
        rescue StandardError => e
          @reporter.call("install", e, tracker_class)
          false
        end

        # @return [Boolean] whether Karafka's tracker class is served by the native tracker
        def installed?
          tracker_class = loaded_tracker_class
          return false unless tracker_class

          tracker_class.ancestors.include?(TrackerPatch)
        end

        # @return [Boolean] whether we still wait for Karafka's tracker class to be defined
        def waiting?
          @hook.armed?
        end

        private

        # @return [Boolean] not opted out and the compiled library loaded (warns once otherwise)
        def usable?
          return false unless @switch.enabled?

          cause = @switch.unavailability
          return true unless cause

          warn_once(cause)
          false
        end

        # @param cause [Exception] why the native library is unusable
        def warn_once(cause)
          return if @warned

          @warned = true
          Kernel.warn(
            "karafka-native: the native library could not be loaded (#{cause.class}: " \
            "#{cause.message}); Karafka keeps its own assignments tracker"
          )
        end

        # A newer Karafka may handle events we do not know: say so rather than serve them halfway
        # @param tracker_class [Class]
        def warn_unserved(tracker_class)
          unserved = tracker_class.public_instance_methods.grep(/\Aon_/) - Listeners::ALL.keys
          return if unserved.empty?

          Kernel.warn(
            "karafka-native: #{tracker_class.name} also handles #{unserved.sort.join(", ")}, " \
            "which karafka-native does not serve"
          )
        end

        # @return [Class, nil] Karafka's tracker class when defined and loaded (never triggers
        #   an autoload)
        def loaded_tracker_class
          TRACKER_CLASS_NAME.split("::").reduce(Object) do |namespace, name|
            return nil unless namespace.const_defined?(name, false)
            return nil if namespace.autoload?(name)

            namespace.const_get(name, false)
          end
        end

        # Callback of the class hook
        # @param tracker_class [Class]
        def install_hooked(tracker_class)
          install_into(tracker_class)
        rescue StandardError => e
          # Never break Karafka's loading; Karafka keeps its own tracker
          @reporter.call("install", e, tracker_class)
          false
        end

        # The singleton instance gets its adapter before anything is prepended, so no call ever
        # finds it without one; instances built later attach in {TrackerPatch#initialize}.
        #
        # @param tracker_class [Class] Karafka's tracker class
        # @return [Boolean] true
        def install_into(tracker_class)
          @mutex.synchronize do
            next if tracker_class.ancestors.include?(TrackerPatch)

            listeners = Listeners.for(tracker_class)
            warn_unserved(tracker_class)
            Adapter.attach(tracker_class.instance) if tracker_class.respond_to?(:instance)
            tracker_class.prepend(TrackerPatch, *listeners)
            tracker_class.extend(ClassMethods)
          end

          @hook.disarm
          true
        end
      end
    end
  end
end

# frozen_string_literal: true

# Holds a native tracker's lock on another thread, with the compiled library's testing hook
# (`Karafka::Native::Testing.hold_lock`, defined when KARAFKA_NATIVE_TESTING=1), so that an
# example can see what waits for it. Loaded by the suite and by the subprocess scripts (through
# karafka_doubles.rb), so it needs nothing else of the suite but conditions.rb.

require_relative "conditions"

module NativeLock
  # Seconds the lock is held at most (and the longest wait for it to be taken)
  HOLD = 60

  class << self
    # Takes the lock on a new thread and runs the block while it is held; the holder is killed
    # (so the lock is free) when the block returns or raises.
    #
    # @param tracker [Karafka::Native::AssignmentsTracker]
    # @param seconds [Numeric] how long the holder holds the lock at most
    # @param report [Boolean] whether the holder reports an exception it dies of (an example
    #   that ends the holder with Thread#raise says false)
    # @yieldparam holder [Thread] the thread holding the lock
    # @return [Object] what the block returns
    def hold(tracker, seconds: HOLD, report: true)
      holder = Thread.new do
        Thread.current.report_on_exception = report
        ::Karafka::Native::Testing.hold_lock(tracker, seconds)
      end
      Conditions.wait_until(timeout: seconds) { tracker.locked? || !holder.alive? }
      raise "could not take the native lock" unless holder.alive?

      yield holder
    ensure
      holder.kill.join if holder&.alive?
    end
  end
end

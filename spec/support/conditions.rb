# frozen_string_literal: true

# Waiting for a state of another thread by polling a condition on it (never a `sleep` for a
# guessed time). Loaded by the suite and by the subprocess scripts, so it needs nothing else.
module Conditions
  module_function

  # Waits until the block is true, failing after `timeout` seconds (a hang guard, never a timing
  # assertion).
  # @param timeout [Numeric]
  # @return [void]
  def wait_until(timeout:)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    until yield
      if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
        raise "condition not met within #{timeout}s"
      end

      sleep 0.001
    end
  end
end

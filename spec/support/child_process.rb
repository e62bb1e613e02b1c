# frozen_string_literal: true

# Runs a block in a forked child, so that a VM abort, a crash or a hang fails one example, not
# the suite: the child's exceptions, its stderr (where `[BUG]` reports go) and its fate come
# back to the parent.
module ChildProcess
  # What became of a child
  Outcome = Struct.new(:status, :output) do
    # @return [Boolean] whether the block ran to its end
    def success?
      status.exited? && status.exitstatus.zero?
    end

    # @return [String] how it ended, with what it printed
    def report
      fate = if status.signaled?
               "killed by #{Signal.signame(status.termsig)}"
             else
               "exited with #{status.exitstatus}"
             end
      "child #{fate}:\n#{output}"
    end
  end

  class << self
    # @param timeout [Numeric] seconds before a hung child is killed
    # @return [Outcome]
    def run(timeout:, &block)
      reader, writer = IO.pipe
      pid = fork { child(reader, writer, &block) }
      writer.close
      output = +""
      collector = Thread.new { output << reader.read }
      status = wait(pid, timeout)
      collector.join
      reader.close
      Outcome.new(status, output)
    end

    private

    # The child's side: stderr into the pipe, the block, then an exit that runs no at_exit hook
    # of the parent (RSpec's among them).
    def child(reader, writer)
      reader.close
      $stderr.reopen(writer)
      $stderr.sync = true
      yield
      exit!(0)
    rescue Exception => e # rubocop:disable Lint/RescueException -- reported to the parent
      warn("#{e.class}: #{e.message}", *Array(e.backtrace).first(15))
      exit!(1)
    end

    # @return [Process::Status] the child's status; a hung child is killed (SIGKILL)
    def wait(pid, timeout)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
      loop do
        _, status = Process.waitpid2(pid, Process::WNOHANG)
        return status if status

        if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
          Process.kill(:KILL, pid)
          return Process.waitpid2(pid).last
        end
        sleep 0.01 # polling a child process, not another thread's state
      end
    end
  end
end

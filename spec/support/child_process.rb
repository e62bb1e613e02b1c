# frozen_string_literal: true

# Runs a block in a forked child, so that a VM abort, a crash or a hang fails one example, not
# the suite: the child's exceptions, its stderr (where `[BUG]` reports go), its fate and, when
# asked, what the block returned come back to the parent. Every fork of the suite, in the RSpec
# process or in a subprocess script, goes through here; it needs nothing else of the suite.
module ChildProcess
  # What became of a child
  Outcome = Struct.new(:status, :output, :value) do
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
    # @param result [Boolean] whether to bring back the block's value (Marshal) as
    #   {Outcome#value}, nil unless the child succeeded
    # @return [Outcome]
    def run(timeout:, result: false, &block)
      reader, writer = IO.pipe
      values, value_writer = IO.pipe.each(&:binmode)
      pid = fork { child(reader, writer, values, (value_writer if result), &block) }
      writer.close
      value_writer.close
      output = +""
      dumped = +""
      collectors = [Thread.new { output << reader.read }, Thread.new { dumped << values.read }]
      status = wait(pid, timeout)
      collectors.each(&:join)
      [reader, values].each(&:close)
      value = Marshal.load(dumped) if result && status.success? # rubocop:disable Security/MarshalLoad -- our own child
      Outcome.new(status, output, value)
    end

    private

    # The child's side: stderr into the pipe, the block (its value into the other pipe when
    # asked), then an exit that runs no at_exit hook of the parent (RSpec's among them).
    def child(reader, writer, values, value_writer)
      reader.close
      values.close
      $stderr.reopen(writer)
      $stderr.sync = true
      value = yield
      value_writer&.write(Marshal.dump(value))
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

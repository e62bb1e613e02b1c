# frozen_string_literal: true

# An exception that only this spec raises into a thread
class TrapError < StandardError; end

# A hook for the Ruby callbacks native code makes: it throws (for :throw), or waits there
# until the thread is interrupted, after telling the spec it is in place.
class Trap
  # @param delivery [Symbol] :kill, :raise, :timeout or :throw
  def initialize(delivery)
    @delivery = delivery
    @entered = Queue.new
    @gate = Queue.new
    @armed = true
  end

  # From now on, `call` springs the trap.
  # @return [void]
  def arm!
    @armed = true
  end

  # From now on, `call` does nothing.
  # @return [void]
  def disarm!
    @armed = false
  end

  # @return [void]
  def call
    return unless @armed

    throw :trapped, :thrown if @delivery == :throw

    @entered << true
    @gate.pop
    raise "the trap was opened: the interrupt did not arrive"
  end

  # Waits until a thread is inside the trap.
  # @return [void]
  def wait_entered
    @entered.pop
  end
end

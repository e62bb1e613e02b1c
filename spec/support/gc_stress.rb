# frozen_string_literal: true

# Under KARAFKA_NATIVE_GC_STRESS=1, wraps every native method so that it runs under GC.stress.
module GcStressedNativeCalls
  # Wraps the public instance methods of `klass` (and `new`).
  # @param klass [Class]
  def self.wrap(klass)
    stressed = Module.new do
      klass.public_instance_methods(false).each do |name|
        define_method(name) do |*args, **kwargs, &block|
          GcStressedNativeCalls.stressed do
            super(*args, **kwargs, &block)
          end
        end
      end
    end
    klass.prepend(stressed)
    klass.singleton_class.prepend(
      Module.new do
        define_method(:new) do |*args, **kwargs|
          GcStressedNativeCalls.stressed do
            super(*args, **kwargs)
          end
        end
      end
    )
  end

  # Guards the count of native calls running stressed, and the setting to go back to.
  LOCK = Mutex.new

  @depth = 0
  @outer = false

  # Runs the block under GC.stress. GC.stress is one global switch, and native calls overlap on
  # threads (one waits for the lock while others run), so the first call to enter turns it on and
  # the last to leave restores what it found: a call leaving while another still runs must
  # neither turn it off nor leave it on for good.
  def self.stressed
    entered = false
    LOCK.synchronize do
      @outer = GC.stress if @depth.zero?
      @depth += 1
      entered = true
      GC.stress = true
    end
    yield
  ensure
    if entered
      LOCK.synchronize do
        @depth -= 1
        GC.stress = @outer if @depth.zero?
      end
    end
  end
end

GcStressedNativeCalls.wrap(Karafka::Native::AssignmentsTracker) if GC_STRESS
GcStressedNativeCalls.wrap(Karafka::Native::StatisticsDecoratorCore) if GC_STRESS

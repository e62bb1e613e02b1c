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

  # Runs the block under GC.stress, restoring the previous setting.
  def self.stressed
    previous = GC.stress
    GC.stress = true
    yield
  ensure
    GC.stress = previous
  end
end

GcStressedNativeCalls.wrap(Karafka::Native::AssignmentsTracker) if GC_STRESS

# frozen_string_literal: true

# The GC modes of the suite (see spec_helper.rb): every native call runs under GC.stress, and in
# the compaction mode also with GC.auto_compact on, while another thread and the Ruby callbacks
# that native code makes compact the heap, so that an object the native side forgets to mark or
# pin is collected or moved at once.
module GcModes # rubocop:disable Metrics/ModuleLength -- the one switchboard of the suite's GC settings
  # Guards the count of native calls running stressed, and the settings to go back to.
  LOCK = Mutex.new

  # Seconds between compactions from callbacks, and between the compactor thread's compactions
  CALLBACK_PAUSE = 0.25

  # Whether this Ruby survives GC.auto_compact under GC.stress. Ruby 3.1 does not: a compaction
  # that an allocation triggers inside the VM's own method-entry allocation leaves the entry
  # pointing at moved objects (ruby/ruby#8940, "Fix ordering for auto compaction in
  # get_overloaded_cme()", found through GC.stress + GC.auto_compact and fixed for 3.3). Its
  # suite aborts in a `[BUG] Segmentation fault` inside Ruby's GC, under a method call of Ruby
  # code (`String#inspect`, a singleton `name`) with no frame of the extension in between; Ruby
  # 3.3 and 3.4 pass the same seeds. On 3.1 the mode compacts explicitly only: from the
  # compactor thread and from inside the Ruby callbacks native code makes, both at call
  # boundaries, where Ruby's own structures are consistent.
  AUTO_COMPACT = Gem::Version.new(RUBY_VERSION) >= Gem::Version.new("3.3")

  # Whether the compactor thread runs (see {start_compactor}). Not on Ruby 3.1: there the
  # threads spec (`assignments_tracker_threads_spec.rb`, Thread#raise/kill into GVL-free waits,
  # forks) aborted the process in 4 of 8 runs with the thread and in 0 of 8 without it. Each
  # time the compactor thread itself died with SIGSEGV inside libruby's VM, and Ruby's own
  # crash report faulted again in `rb_iseq_path`. Its root cause is not found (Debian ships no
  # symbols for libruby3.1 here). Ruby 3.3 and 3.4 keep the thread. The windows it opens, a
  # compaction while a native call waits or works without the GVL, are also opened on every
  # Ruby by the compaction specs, in child processes.
  COMPACTOR = AUTO_COMPACT

  @depth = 0
  @outer = nil
  @last_callback_compaction = nil

  class << self
    # @return [Boolean] whether the suite runs in the compaction mode
    def compacting?
      GC_MODE == :compact
    end

    # Wraps the public instance methods of `klass` (and `new`) so that each runs stressed.
    # @param klass [Class]
    # @return [void]
    def wrap(klass)
      names = klass.public_instance_methods(false)
      klass.prepend(stressing_module(names))
      klass.singleton_class.prepend(stressing_module([:new]))
    end

    # Runs the block as a native call under the mode's GC settings. GC.stress and
    # GC.auto_compact are global switches and native calls overlap on threads (one waits for
    # the lock while others run), so the first call to enter turns them on and the last to
    # leave restores what it found.
    # @return [Object] what the block returns
    def stressed(&)
      # Counted in and out with interrupts deferred (and delivered inside the block only): a
      # `Thread#kill` between the count and its record would leave the count up, and GC.stress
      # on, for good. No spec masks interrupts itself, so none is unmasked here by mistake.
      Thread.handle_interrupt(Object => :never) do
        entered = enter
        begin
          Thread.current[:karafka_native_compact_in_callback] = compacting?
          Thread.handle_interrupt(Object => :immediate, &)
        ensure
          Thread.current[:karafka_native_compact_in_callback] = false
          leave if entered
        end
      end
    end

    # Called by the test doubles' Ruby callbacks that native code makes (`partition`) or that
    # run amid a native change (`topics.find`, `to_h`): in the compaction mode, the first such
    # callback of a native call moves every movable object, at most once per
    # {CALLBACK_PAUSE} seconds (each compaction takes 0.1 s or more, and the suite makes
    # thousands of native calls).
    # @return [nil]
    def callback!
      return unless Thread.current[:karafka_native_compact_in_callback]

      Thread.current[:karafka_native_compact_in_callback] = false
      now = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      return if @last_callback_compaction && now - @last_callback_compaction < CALLBACK_PAUSE

      @last_callback_compaction = now
      compact_everything
      nil
    end

    # Moves every object that can move (the heap grown first, so that there is room to), with
    # GC.stress paused meanwhile (the compaction itself allocates). Every switch of GC.stress
    # in the suite is made under {LOCK}: otherwise the compactor thread could pause it, a native
    # call leave and switch it off, and the compactor then switch it back on for the examples
    # after.
    # @return [nil]
    def compact_everything
      LOCK.synchronize do
        stress = GC.stress
        GC.stress = false
        begin
          GC.verify_compaction_references(toward: :empty, **grow_option)
        ensure
          GC.stress = stress
        end
      end
      nil
    end

    # Runs the block with GC.stress off, switched under {LOCK} (see {compact_everything}).
    # @return [Object] what the block returns
    def unstressed
      stress = LOCK.synchronize { GC.stress.tap { GC.stress = false } }
      yield
    ensure
      LOCK.synchronize { GC.stress = stress } unless stress.nil?
    end

    # Starts the thread that compacts the heap again and again while the suite runs: it gets
    # the GVL whenever a native call waits, or works, without it (and at Ruby's thread
    # switches), and pauses {CALLBACK_PAUSE} seconds between compactions, each of which takes
    # 0.1 s or more.
    # @return [Thread]
    def start_compactor
      return @compactor if @compactor

      @compactor = Thread.new do
        Thread.current.name = "gc-compactor"
        loop do
          compact_everything
          sleep CALLBACK_PAUSE
        end
      end
    end

    # Turns the mode off in this process from now on: for forked children of examples that open
    # one GC window on purpose and compact inside it themselves (stressing every allocation of
    # their large changes as well would take minutes each).
    # @return [void]
    def plain!
      @plain = true
    end

    private

    # @return [Hash] the option that grows the heap before compacting, as this Ruby names it
    def grow_option
      @grow_option ||=
        if GC.method(:verify_compaction_references).parameters.include?(%i[key expand_heap])
          { expand_heap: true }
        else
          { double_heap: true } # Ruby 3.1
        end
    end

    # @param names [Array<Symbol>] methods to run stressed
    # @return [Module] a module to prepend
    def stressing_module(names)
      Module.new do
        names.each do |name|
          define_method(name) do |*args, **kwargs, &block|
            GcModes.stressed { super(*args, **kwargs, &block) }
          end
        end
      end
    end

    # @return [Boolean] true once counted in
    def enter
      return false if @plain

      LOCK.synchronize do
        @outer = [GC.stress, GC.auto_compact] if @depth.zero?
        @depth += 1
        GC.stress = true
        GC.auto_compact = true if compacting? && AUTO_COMPACT
      end
      true
    end

    # @return [void]
    def leave
      LOCK.synchronize do
        @depth -= 1
        GC.stress, GC.auto_compact = @outer if @depth.zero?
      end
    end
  end
end

if GC_MODE != :plain
  GcModes.wrap(Karafka::Native::AssignmentsTracker)
  GcModes.wrap(Karafka::Native::Coordinator)
  if defined?(Karafka::Native::StatisticsDecorator)
    GcModes.wrap(Karafka::Native::StatisticsDecorator)
  end
  GcModes.start_compactor if GcModes.compacting? && GcModes::COMPACTOR
end

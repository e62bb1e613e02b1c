# frozen_string_literal: true

module KarafkaNativeBench
  # Monotonic time in nanoseconds, and what reading it costs.
  module Clock
    module_function

    # @return [Integer] nanoseconds on the monotonic clock
    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
    end

    # @return [Float] nanoseconds one timed interval (two clock reads) adds, the median of
    #   several measurements
    def overhead
      @overhead ||= Stats.median(Array.new(9) { pair_cost(20_000) })
    end

    def pair_cost(count)
      total = 0
      count.times do
        started = now
        total += now - started
      end
      total.fdiv(count)
    end
  end

  # Minor page faults of this process so far (the kernel handing it a fresh page), from
  # /proc/self/stat; nil where that cannot be read.
  module PageFaults
    module_function

    # @return [Integer, nil]
    def count
      # Field 10 (minflt); the command name in field 2 may hold spaces, so count after its ")".
      Integer(File.read("/proc/self/stat").split(") ", 2).last.split[7])
    rescue SystemCallError, ArgumentError, NoMethodError
      nil
    end

    # @param calls [Array<Array(Integer, Integer)>] nanoseconds and page faults per call
    # @return [String, nil] how many calls took fresh pages, with the median time of those that
    #   did and of those that did not; nil when fewer than a tenth did
    def split(calls)
      faulting, reusing = calls.partition { |_, faults| faults.positive? }
      return if faulting.empty? || faulting.size * 10 < calls.size

      text = "#{faulting.size} of #{calls.size} calls took fresh pages from the kernel (median " \
             "#{Stats.median(faulting.map(&:last)).round} minor page faults), median " \
             "#{median_us(faulting)} us"
      reusing.empty? ? text : "#{text}; the others #{median_us(reusing)} us"
    end

    def median_us(calls)
      Format.number(Stats.median(calls.map(&:first)) / 1e3)
    end
  end

  # Small statistics helpers.
  module Stats
    module_function

    # @param values [Array<Numeric>]
    # @return [Float, nil]
    def median(values)
      return nil if values.empty?

      sorted = values.sort
      middle = sorted.size / 2
      sorted.size.odd? ? sorted[middle].to_f : (sorted[middle - 1] + sorted[middle]) / 2.0
    end

    # @param medians [Hash{Symbol => Hash{Symbol => Float}}] contender => metric => median, as
    #   {Alternation#run} returns
    # @param metric [Symbol]
    # @return [Hash{Symbol => Float}] contender => that metric's median
    def pick(medians, metric = :value)
      medians.transform_values { |metrics| metrics[metric] }
    end
  end

  # A loop that evaluates one Ruby expression `UNROLL` times per iteration, so that the loop's
  # own cost is spread over many calls. The expression sees `subject`, `args` and `i`.
  class UnrolledLoop
    # Calls per loop iteration.
    UNROLL = 10

    # @param expression [String] e.g. `"subject.current"`
    def initialize(expression)
      body = Array.new(UNROLL, expression).join("\n")
      @runner = Module.new
      @runner.module_eval(<<~RUBY, __FILE__, __LINE__ + 1)
        def self.run(subject, args, iterations) # def self.run(subject, args, iterations)
          i = 0                                 #   i = 0
          while i < iterations                  #   while i < iterations
            #{body}                             #     subject.current (UNROLL times)
            i += 1                              #     i += 1
          end                                   #   end
        end                                     # end
      RUBY
    end

    # @param subject [Object]
    # @param args [Object] anything the expression needs besides the subject
    # @param iterations [Integer] loop iterations (each makes `UNROLL` calls)
    # @return [Float] nanoseconds per call
    def time(subject, args, iterations)
      started = Clock.now
      @runner.run(subject, args, iterations)
      (Clock.now - started).fdiv(iterations * UNROLL)
    end

    # Runs once to warm up (a first call may fill a cache), then picks how many iterations take
    # about `target_ns`.
    #
    # @return [Integer] iterations
    def calibrate(subject, args, target_ns)
      time(subject, args, 1)
      iterations = 1
      loop do
        per_call = time(subject, args, iterations)
        spent = per_call * iterations * UNROLL
        return [(iterations * target_ns / spent).ceil, 1].max if spent >= target_ns / 10

        iterations *= 10
      end
    end

    # Times slices of `iterations` iterations for about `duration_ns` (3 slices at least) and
    # keeps the median slice, so that a slice during which the process lost its core (the
    # machine may be shared) does not count.
    #
    # @return [Float] nanoseconds per call, median of the slices
    def sample(subject, args, iterations, duration_ns)
      deadline = Clock.now + duration_ns
      slices = []
      slices << time(subject, args, iterations) while slices.size < 3 || Clock.now < deadline
      Stats.median(slices)
    end
  end

  # Runs named contenders in alternating order for several rounds and keeps the median of each
  # metric, so that drift in the machine's load hits both sides alike.
  class Alternation
    # @param rounds [Integer]
    def initialize(rounds)
      @rounds = rounds
    end

    # @param names [Array<Symbol>] contenders, e.g. `[:native, :baseline]`
    # @yieldparam name [Symbol] the contender to measure now
    # @yieldreturn [Hash{Symbol => Numeric}, Numeric] one sample (metric => value)
    # @return [Hash{Symbol => Hash{Symbol => Float}}] contender => metric => median
    def run(names)
      samples = Hash.new { |hash, name| hash[name] = [] }
      @rounds.times do |round|
        order = round.even? ? names : names.reverse
        order.each do |name|
          GC.start
          sample = yield(name)
          samples[name] << (sample.is_a?(Hash) ? sample : { value: sample })
        end
      end
      samples.transform_values { |list| medians(list) }
    end

    private

    def medians(list)
      list.first.keys.to_h { |metric| [metric, Stats.median(list.map { |s| s[metric] })] }
    end
  end
end

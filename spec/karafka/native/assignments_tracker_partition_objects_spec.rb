# frozen_string_literal: true

# `assign` and `revoke` take partition objects (anything answering `partition` with an Integer,
# as `Rdkafka::Consumer::Partition` does) as well as Integers, so the integration can pass
# librdkafka's lists straight through.
RSpec.describe Karafka::Native::AssignmentsTracker, "partition objects" do
  subject(:tracker) { described_class.new }

  let(:a) { TestTopic.new("a") }

  # Stands in for Rdkafka::Consumer::Partition.
  let(:partition_class) do
    Class.new do
      attr_reader :partition

      def initialize(partition)
        @partition = partition
      end

      def inspect = "#<P #{@partition.inspect}>"
    end
  end

  def part(number) = partition_class.new(number)

  it "accepts them in assign and revoke, mixed with Integers" do
    tracker.assign("sg", a => [part(3), 1, part(0)])
    expect(tracker.current).to eq(a => [0, 1, 3])
    expect(tracker.generation(a, 3)).to eq(1)
    tracker.revoke("sg", a => [part(1), 3])
    expect(tracker.current).to eq(a => [0])
  end

  it "accepts Structs and objects answering through method_missing" do
    struct = Struct.new(:partition) # rubocop:disable Lint/StructNewOverride
    dynamic = Class.new do
      def method_missing(name, *args) = name == :partition ? 4 : super

      def respond_to_missing?(name, include_private = false) = name == :partition || super
    end
    tracker.assign("sg", a => [struct.new(2), dynamic.new])
    expect(tracker.current).to eq(a => [2, 4])
  end

  # A plain `attr_reader :partition` is read without a method call; every other kind of
  # `partition` method must still be called, so each answers differently from its `@partition`.
  describe "the kind of partition method" do
    def object_of(klass, ivar)
      klass.new.tap { |object| object.instance_variable_set(:@partition, ivar) }
    end

    it "reads a plain attr_reader and calls everything else" do
      reader = Class.new { attr_reader :partition }
      defined = Class.new { def partition = 11 }
      block = Class.new { define_method(:partition) { 12 } }
      aliased = Class.new do
        attr_reader :other

        alias_method :partition, :other

        def initialize = @other = 13
      end
      wrapped = Class.new(reader) { def partition = super + 10 } # 4 + 10
      objects = [reader, defined, block, aliased, wrapped].map { |klass| object_of(klass, 4) }
      tracker.assign("sg", a => objects)
      expect(tracker.current).to eq(a => [4, 11, 12, 13, 14])
    end

    it "honours a singleton partition method on one object of a reader class" do
      reader = Class.new { attr_reader :partition }
      plain = object_of(reader, 1)
      special = object_of(reader, 1)
      special.define_singleton_method(:partition) { 7 }
      tracker.assign("sg", a => [plain, special, object_of(reader, 2)])
      expect(tracker.current).to eq(a => [1, 2, 7])
    end

    it "follows a reader redefined between calls" do
      reader = Class.new { attr_reader :partition }
      tracker.assign("sg", a => [object_of(reader, 1)])
      reader.define_method(:partition) { 5 }
      tracker.assign("sg", a => [object_of(reader, 1)])
      expect(tracker.current).to eq(a => [1, 5])
    end
  end

  it "rejects an object whose partition is not an Integer, naming it, the answer and the topic" do
    expect { tracker.assign("sg", a => [part(nil)]) }.to raise_error(
      TypeError,
      /partition of #<P nil> .* of topic .*"a".* must be an Integer, got nil \(NilClass\)/
    )
    expect { tracker.assign("sg", a => [part("1")]) }
      .to raise_error(TypeError, /got "1" \(String\)/)
    expect(tracker.version).to eq(0)
  end

  it "rejects an out-of-range answer with ArgumentError, naming the object and the topic" do
    expect { tracker.revoke("sg", a => [part(-1)]) }.to raise_error(
      ArgumentError, /partition -1 \(Integer\) from #<P -1> .* of topic .*"a".* out of range/
    )
    expect { tracker.assign("sg", a => [0, part(2**31)]) }
      .to raise_error(ArgumentError, /partition 2147483648 \(Integer\) from #<P 2147483648>/)
    expect(tracker.current).to eq({})
  end

  it "lets an exception raised by partition through, changing nothing" do
    failing = Class.new do
      def partition = raise(IOError, "broken partition")
    end
    expect { tracker.assign("sg", a => [0, failing.new]) }
      .to raise_error(IOError, "broken partition")
    expect(tracker.version).to eq(0)
  end

  it "still rejects values that are not partition objects, naming them" do
    expect { tracker.assign("sg", a => [Object.new]) }
      .to raise_error(TypeError, /partition of topic .* must be an Integer, got #<Object/)
    # Strings and Arrays have a `partition` method of their own: not partition objects.
    expect { tracker.assign("sg", a => ["1"]) }
      .to raise_error(TypeError, /must be an Integer, got "1" \(String\)/)
    expect { tracker.assign("sg", a => [[1]]) }
      .to raise_error(TypeError, /must be an Integer, got \[1\] \(Array\)/)
    expect(tracker.version).to eq(0)
  end
end

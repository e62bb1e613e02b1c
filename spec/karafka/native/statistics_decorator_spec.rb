# frozen_string_literal: true

require "objspace"

RSpec.describe Karafka::Native::StatisticsDecorator do
  # A clock the examples move by hand (Float milliseconds, rounded as karafka-core rounds).
  let(:clock) do
    now = [1_000.4]
    reader = -> { now.first }
    reader.define_singleton_method(:advance) { |ms| now[0] += ms }
    reader
  end

  let(:decorator) { described_class.new(clock:) }

  def stats(lag:, rate: 1.5, name: "c")
    {
      "name" => name, "msg_cnt" => 7, "rate" => rate,
      "topics" => { "t" => { "partitions" => { "0" => { "consumer_lag" => lag } } } }
    }
  end

  describe "#call" do
    it "starts every numeric key at 0 and 0, and returns the same Hash, frozen" do
      input = stats(lag: 5)
      output = decorator.call(input)
      expect(output).to equal(input)
      expect(output).to be_frozen
      expect(output.keys).to eq(%w[name msg_cnt rate topics msg_cnt_fd msg_cnt_d rate_fd rate_d])
      expect(output.dig("topics", "t", "partitions", "0"))
        .to eq("consumer_lag" => 5, "consumer_lag_fd" => 0, "consumer_lag_d" => 0)
    end

    it "adds deltas and how long they stayed zero, keeping Integer and Float apart" do
      decorator.call(stats(lag: 5))
      clock.advance(1_000.0)
      second = decorator.call(stats(lag: 8, rate: 1.5))
      expect(second.values_at("msg_cnt_d", "msg_cnt_fd", "rate_d",
                              "rate_fd")).to eq([0, 1000, 0.0, 1000])
      expect(second["rate_d"]).to be_a(Float)
      expect(second["msg_cnt_fd"]).to be_a(Integer)
      clock.advance(500)
      third = decorator.call(stats(lag: 8, rate: 2))
      expect(third.values_at("msg_cnt_fd", "rate_d", "rate_fd")).to eq([1500, 0.5, 0])
      expect(third.dig("topics", "t", "partitions", "0").values_at("consumer_lag_d",
                                                                   "consumer_lag_fd"))
        .to eq([0, 500])
    end

    it "skips excluded keys at every depth without recursing into them" do
      decorator = described_class.new(excluded_keys: %w[topics rate], clock:)
      output = decorator.call(stats(lag: 5))
      expect(output.keys).to eq(%w[name msg_cnt rate topics msg_cnt_fd msg_cnt_d])
      expect(output.dig("topics", "t", "partitions", "0").keys).to eq(%w[consumer_lag])
    end

    it "decorates only_keys at the known levels only" do
      decorator = described_class.new(only_keys: %w[consumer_lag window], clock:)
      input = stats(lag: 5).merge("brokers" => { "b" => { "consumer_lag" => 1,
                                                          "rtt" => { "consumer_lag" => 2 } } })
      output = decorator.call(input)
      expect(output.keys).to eq(%w[name msg_cnt rate topics brokers])
      expect(output.dig("brokers",
                        "b").keys).to eq(%w[consumer_lag rtt consumer_lag_fd consumer_lag_d])
      expect(output.dig("brokers", "b", "rtt").keys).to eq(%w[consumer_lag])
      expect(output.dig("topics", "t", "partitions", "0").keys)
        .to eq(%w[consumer_lag consumer_lag_fd consumer_lag_d])
    end

    # A Hash lookup calls its key's `eql?` on a hash collision with a key that is not a
    # String; the native lookups skip `rb_protect` only while `String#eql?` is Ruby's own.
    it "lets an exception of a redefined String#eql? through a lookup, changing nothing",
       :subprocess do
      outcome = ChildProcess.run(timeout: 60, result: true) do
        collider = Object.new
        collider.define_singleton_method(:hash) { "consumer_lag".hash }
        partition = { collider => 1, "consumer_lag" => 2 } # built while eql? is still Ruby's
        String.class_eval do
          alias_method :karafka_native_eql?, :eql?
          define_method(:eql?) do |other|
            raise ArgumentError, "eql? met the collider" if other.equal?(collider)

            karafka_native_eql?(other)
          end
        end
        decorator = described_class.new(only_keys: %w[consumer_lag], clock:)
        decorator.call(stats(lag: 5))
        bad = stats(lag: 0)
        bad["topics"]["t"]["partitions"]["0"] = partition
        error = begin
          decorator.call(bad)
        rescue ArgumentError => e
          e.message
        end
        [error, partition.size, decorator.call(stats(lag: 3)).dig("topics", "t", "partitions", "0")]
      end
      expect(outcome).to be_success, outcome.report
      expect(outcome.value).to eq(
        ["eql? met the collider", 2,
         { "consumer_lag" => 3, "consumer_lag_fd" => 0, "consumer_lag_d" => -2 }]
      )
    end

    it "keeps the previous emission natively, not as the Hash" do
      decorator.call(stats(lag: 5))
      expect(ObjectSpace.memsize_of(decorator.instance_variable_get(:@native))).to be > 0
      expect(decorator.kept_bytes).to be > 0
      # Ruby keeps only the last health fields (a few frozen entries), never the emission
      expect(decorator.instance_variables).to contain_exactly(:@clock, :@native, :@health)
      expect(decorator.instance_variable_get(:@health)).to eq(decorator.health)
    end
  end

  describe "bad input" do
    before do
      decorator.call(stats(lag: 5))
      clock.advance(1_000)
    end

    # The next good emission decorates as if the bad one never came.
    def expect_state_kept
      output = decorator.call(stats(lag: 8))
      expect(output.dig("topics", "t", "partitions", "0", "consumer_lag_d")).to eq(3)
      expect(output["msg_cnt_fd"]).to eq(1000)
    end

    {
      "a non-Hash" => [[1, 2], TypeError, /statistics must be a Hash, got \[1, 2\] \(Array\)/],
      "a Symbol key" => [{ "name" => "c", sym: 1 }, TypeError,
                         /keys must be Strings, got :sym \(Symbol\)/],
      "an Integer beyond 64 bits" => [{ "msg_cnt" => 2**70 }, RangeError,
                                      /#{2**70} \(Integer\) is beyond 64 bits/o],
      "a Rational" => [{ "msg_cnt" => 1r / 3 }, TypeError, %r{\(1/3\) \(Rational\) is a Numeric}],
      "a number whose previous value was a String" => [
        { "name" => 5 }, TypeError,
        /statistics\["name"\] is 5, but it was a String in the previous emission/
      ],
      "a Hash whose previous value was a number" => [
        { "msg_cnt" => { "x" => 1 } }, TypeError, /statistics\["msg_cnt"\] is a Hash, but it was 7/
      ]
    }.each do |what, (input, error, message)|
      it "raises on #{what}, naming it, and changes nothing" do
        before = Marshal.load(Marshal.dump(input))
        expect { decorator.call(input) }.to raise_error(error, message)
        expect(input).to eq(before)
        expect(input).not_to be_frozen
        expect_state_kept
      end
    end

    it "raises on a cyclic Hash and changes nothing" do
      input = stats(lag: 9)
      input["topics"]["t"]["loop"] = input["topics"]
      expect { decorator.call(input) }.to raise_error(ArgumentError, /cyclic or shared/)
      expect(input["topics"]["t"]["partitions"]["0"].keys).to eq(%w[consumer_lag])
      expect_state_kept
    end

    it "raises on a Hash shared by two keys" do
      shared = { "a" => 1 }
      expect do
        decorator.call("x" => shared, "y" => shared)
      end.to raise_error(ArgumentError, /\["y"\]/)
      expect(shared).to eq("a" => 1)
      expect_state_kept
    end

    it "raises FrozenError on a frozen nested Hash it would write to, writing nowhere" do
      input = stats(lag: 9)
      input["topics"]["t"]["partitions"]["0"].freeze
      expect { decorator.call(input) }.to raise_error(FrozenError)
      expect(input.keys).to eq(%w[name msg_cnt rate topics])
      expect_state_kept
    end

    it "lets an exception raised by inspect through unchanged" do
      key = Object.new
      def key.inspect = raise(IOError, "inspect failed")
      expect { decorator.call("a" => 1, key => 2) }.to raise_error(IOError, "inspect failed")
      expect_state_kept
    end

    it "lets a throw from inspect through" do
      key = Object.new
      def key.inspect = throw(:out, :thrown)
      expect(catch(:out) { decorator.call(key => 1) }).to eq(:thrown)
      expect_state_kept
    end
  end

  describe "#health and .kept" do
    it "keeps the connection-health fields natively for the ConnectionManager" do
      input = {
        "cgrp" => { "state" => "up", "join_state" => "steady", "stateage" => 9_000,
                    "rebalance_age" => 7_000 },
        "brokers" => { "a" => { "stateage" => 8_000_000 }, "b" => { "stateage" => 6_500_000 } }
      }
      output = decorator.call(input)
      health = described_class.kept(output)
      expect(health).to eq(
        "cgrp" => { "state" => "up", "join_state" => "steady", "stateage" => 9_000,
                    "rebalance_age" => 7_000 },
        "brokers" => { "*" => { "stateage" => 6_500_000 } }
      )
      expect(health).to be_frozen
      expect(decorator.health).to eq(health)
      other = { "a" => 1 }
      expect(described_class.kept(other)).to equal(other)
    end

    it "still has them after a GC between the decoration and the listeners' reading" do
      output = decorator.call("cgrp" => { "state" => "up", "stateage" => 1 }, "big" => { "x" => 1 })
      GC.start
      GC.start
      expect(described_class.kept(output)).to eq("cgrp" => { "state" => "up", "stateage" => 1 })
    end
  end
end

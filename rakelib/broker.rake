# frozen_string_literal: true

# Real-broker tests and demo: a tansu 0.6.0 broker and librdkafka consumers drive the Rust
# assignments core through consumer-group rebalance storms. Needs tansu (script/install-tansu);
# the tests fail, never skip, without it. See ext/broker_harness/tests/broker_*.rs and
# ext/broker_harness/examples/rebalance_storm.rs.

BROKER_ROOT = File.expand_path("..", __dir__)

# Sums the tally lines the storm tests print, e.g.
# `broker-storm tally: scenario=range settled=11 stalled=1 consumers=12 kills=1 mismatches=0 ...`.
module BrokerTally
  # The start of a tally line.
  PREFIX = "broker-storm tally:"

  # The counts of one tally line (a Hash of Symbol => Integer), or nil for any other line.
  def self.parse(line)
    return unless line.start_with?(PREFIX)

    line.scan(/(\w+)=(\d+)/).to_h { |name, count| [name.to_sym, Integer(count)] }
  end

  # The counts of several tally lines added up.
  def self.sum(tallies)
    tallies.each_with_object(Hash.new(0)) do |tally, total|
      tally.each { |name, count| total[name] += count }
    end
  end

  # What the broker got wrong, kept apart from the tracker's verdict.
  def self.broker_line(total)
    "broker side (not tracker faults): #{total[:overlaps]} overlaps, #{total[:aftermath]} " \
      "partition checks after an overlap, #{total[:stalled]} stalled rebalances checked"
  end

  # The one line `rake test:broker` ends with.
  def self.summary_line(total)
    "verified #{total[:settled]} settled rebalances across #{total[:consumers]} consumers, " \
      "#{total[:mismatches]} mismatches"
  end
end

namespace :test do
  desc "Real-broker rebalance storms (tansu 0.6.0 + librdkafka, range/roundrobin/" \
       "cooperative-sticky); needs script/install-tansu"
  task :broker do
    command = %w[
      cargo test -p broker_harness --features broker-tests
      --test broker_harness --test broker_rebalances --test broker_multiplexing
      -- --nocapture --test-threads=3
    ]
    tallies = []
    multiplexing = []
    IO.popen(command, chdir: BROKER_ROOT, err: %i[child out]) do |output|
      output.each_line do |line|
        $stdout.print(line)
        tally = BrokerTally.parse(line)
        tallies << tally if tally
        multiplexing << line if line.start_with?("multiplexing:")
      end
    end
    status = Process.last_status
    abort "test:broker: cargo test failed (#{status})" unless status.success?
    abort "test:broker: no storm printed a tally" if tallies.empty?

    total = BrokerTally.sum(tallies)
    puts multiplexing
    puts BrokerTally.broker_line(total)
    puts BrokerTally.summary_line(total)
  end
end

namespace :demo do
  desc "Rebalance storm on a real broker with a live table (env: STORM_SECONDS, " \
       "STORM_STRATEGY=range|roundrobin|cooperative-sticky|all, STORM_SEED, STORM_TRACE)"
  task :broker do
    Dir.chdir(BROKER_ROOT) do
      sh "cargo run --release -p broker_harness --example rebalance_storm"
    end
  end
end

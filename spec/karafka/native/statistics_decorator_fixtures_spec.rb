# frozen_string_literal: true

require "json"
require_relative "../../../bench/support/statistics_scaler"

RSpec.describe Karafka::Native::StatisticsDecorator, "on real librdkafka statistics" do
  fixtures = KarafkaNativeBench::StatisticsScaler::FIXTURES
  web_keys = %w[consumer_lag consumer_lag_stored committed_offset stored_offset hi_offset ls_offset]

  def run_both(emissions, **settings)
    times = Array.new(emissions.size + 1) { |i| 1_000.0 + (i * 5_000.3) }
    native = described_class.new(**settings, clock: times.dup.then { |t| -> { t.shift } })
    reference = ReferenceStatisticsDecorator.new(**settings, clock: times.dup.then do |t|
                                                                      lambda {
                                                                        t.shift
                                                                      }
                                                                    end)
    emissions.map do |json|
      expected = reference.call(JSON.parse(json))
      actual = native.call(JSON.parse(json))
      expect(StatisticsSequences.difference(expected, actual)).to be_nil
      actual
    end
  end

  it "has captured fixtures" do
    expect(fixtures.size).to be >= 2
    expect(JSON.parse(File.read(fixtures.first))).to include("brokers", "topics", "cgrp")
  end

  [{}, { only_keys: web_keys }, { excluded_keys: %w[toppars int_latency] }].each do |settings|
    it "decorates the captured emissions as the reference does (#{settings})" do
      # Under GC.stress two emissions (a delta each), not all: each takes half a minute there
      emissions = fixtures.map { |path| File.read(path) }
      decorated = run_both(GC_STRESS ? emissions.first(2) : emissions, **settings)
      partitions = decorated.last["topics"].values.flat_map { |t| t["partitions"].values }
      expect(partitions.sum { |p| p.fetch("consumer_lag_fd", 0) }).to be >= 0
      expect(partitions.count { |p| p.key?("hi_offset_d") }).to be_positive
    end
  end

  # Under GC.stress every allocation runs a full GC of a heap this large: 60 partitions there
  scaled = GC_STRESS ? 60 : 2_000

  it "decorates #{scaled} scaled partitions as the reference does, and keeps their health" do
    scaler = KarafkaNativeBench::StatisticsScaler.new(partitions: scaled)
    decorated = run_both(Array.new(3) { scaler.next_json }).last
    expect(decorated["topics"].size).to eq(20)
    expect(decorated["brokers"].size).to eq(10)
    expect(described_class.kept(decorated)).to include("cgrp" => include("join_state" => "steady"))
  end
end

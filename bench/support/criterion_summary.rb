# frozen_string_literal: true

require "json"
require "time"

module KarafkaNativeBench
  # Reads the latest `cargo bench` (criterion) estimates from target/criterion.
  module CriterionSummary
    module_function

    # @param root [String] criterion's output directory
    # @return [Array<Hash>] `{id:, ns:, measured_at:}` per benchmark, sorted by id; `ns` is
    #   criterion's estimate of one iteration (slope where it has one, else mean)
    def read(root)
      paths = Dir.glob(File.join(root, "**", "new", "benchmark.json"))
      paths.filter_map { |path| entry(path) }.sort_by { |entry| entry[:id] }
    end

    # @param entries [Array<Hash>] from {read}
    # @return [String] an aligned plain-text table
    def table(entries)
      width = entries.map { |e| e[:id].length }.max || 0
      entries.map { |e| "#{e[:id].ljust(width)}  #{Format.number(e[:ns]).rjust(10)} ns" }
             .join("\n")
    end

    def entry(path)
      estimates_path = File.join(File.dirname(path), "estimates.json")
      return nil unless File.exist?(estimates_path)

      id = JSON.parse(File.read(path)).fetch("full_id")
      estimates = JSON.parse(File.read(estimates_path))
      ns = estimates.dig("slope", "point_estimate") || estimates.dig("mean", "point_estimate")
      mtime = File.mtime(estimates_path).utc.iso8601
      ns && { id:, ns:, measured_at: mtime }
    rescue JSON::ParserError, KeyError
      nil
    end
  end
end

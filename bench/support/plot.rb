# frozen_string_literal: true

require "fileutils"
require "open3"

module KarafkaNativeBench
  # Draws `current` latency against tracker size (log-log) with gnuplot.
  class Plot
    # [result id, title, line style] per series; native and baseline each get one line per id.
    SERIES = [
      [:current_unchanged, "current, unchanged", 1],
      [:current_after_change, "current, after a 1-partition change", 2]
    ].freeze

    # @param rows [Array<Result>]
    def initialize(rows)
      @rows = rows
    end

    # Writes the PNG (through a temporary file, renamed when complete).
    #
    # @param path [String] e.g. bench/current_latency.png
    # @return [Boolean] false when gnuplot is missing or failed
    def write(path)
      data = data_blocks
      return false if data.empty?

      temporary = File.join(File.dirname(path), "plot.png.tmp")
      _out, error, status = Open3.capture3("gnuplot", stdin_data: script(temporary, data))
      return warn("gnuplot failed: #{error}") || false unless status.success?

      FileUtils.mv(temporary, path)
      true
    rescue SystemCallError => e
      warn("gnuplot unavailable: #{e.message}")
      false
    end

    private

    # @return [Array<Array>] [side, title, style, [[topics, ns], ...]] per drawable series
    def data_blocks
      SERIES.flat_map do |id, title, style|
        rows = @rows.select { |row| row.id == id }
        %i[native baseline].filter_map do |side|
          points = rows.filter_map { |row| point(row, side) }
          [side, "#{side} #{title}", style, points] unless points.empty?
        end
      end
    end

    def point(row, side)
      value = row.value(side)
      value && [row.topics, nanoseconds(value, row)]
    end

    def nanoseconds(value, row)
      value * { "ns" => 1, "us" => 1_000, "ms" => 1_000_000 }.fetch(row.unit)
    end

    def script(output, blocks)
      plots = blocks.map do |side, title, style, _points|
        color = side == :native ? "#1b7837" : "#b2182b"
        dash = style == 1 ? 1 : 2
        "'-' using 1:2 with linespoints lw 2 pt 7 dt #{dash} lc rgb '#{color}' title '#{title}'"
      end
      data = blocks.map { |*, points| "#{points.map { |x, y| "#{x} #{y}" }.join("\n")}\ne" }
      <<~GNUPLOT
        set terminal pngcairo size 900,560 enhanced font 'sans,11'
        set output '#{output}'
        set title 'current latency vs tracker size (median; lower is better)'
        set logscale xy
        set xlabel 'topics (4 partitions each)'
        set ylabel 'ns per call'
        set format y '10^{%L}'
        set format x '10^{%L}'
        set grid
        set key top left
        set xrange [0.5:200000]
        plot #{plots.join(", ")}
        #{data.join("\n")}
      GNUPLOT
    end
  end
end

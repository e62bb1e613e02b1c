# frozen_string_literal: true

require "etc"
require "time"

module KarafkaNativeBench
  # What the numbers were measured on.
  module Machine
    module_function

    # @return [Hash{String => String}] label => description
    def describe
      hardware.merge(software)
    end

    def hardware
      {
        "CPU" => cpu_model,
        "Cores" => "#{Etc.nprocessors} (as seen by this process)",
        "Memory" => memory,
        "Load average at start" => load_average
      }
    end

    def software
      {
        "OS" => os,
        "Ruby" => RUBY_DESCRIPTION,
        "Rust" => command("rustc --version") || "unknown",
        "Commit" => commit,
        "Date" => Time.now.utc.iso8601
      }
    end

    # The files a run writes; changes to them alone do not make the tree "dirty".
    OUTPUTS = %w[bench/results.md bench/current_latency.png].freeze

    # @return [String] the commit measured, "-dirty" when other files differ from it
    def commit
      head = command("git rev-parse --short HEAD") or return "unknown"
      excluded = OUTPUTS.map { |path| ":(exclude)#{path}" }
      status = %w[git status --porcelain --untracked-files=no -- .] + excluded
      changed = IO.popen(status, err: File::NULL, &:read)
      changed.strip.empty? ? head : "#{head}-dirty"
    rescue SystemCallError
      "unknown"
    end

    # @return [String] the 1, 5 and 15 minute load averages
    def load_average
      File.read("/proc/loadavg").split.first(3).join(" ")
    rescue SystemCallError
      "unknown"
    end

    def cpu_model
      line = File.foreach("/proc/cpuinfo").find { |l| l.start_with?("model name") }
      line ? line.split(":", 2).last.strip : "unknown"
    rescue SystemCallError
      "unknown"
    end

    def memory
      line = File.foreach("/proc/meminfo").find { |l| l.start_with?("MemTotal:") }
      line ? format("%.1f GiB", line.split[1].to_i / 1024.0 / 1024.0) : "unknown"
    rescue SystemCallError
      "unknown"
    end

    def os
      pretty = File.foreach("/etc/os-release").find { |l| l.start_with?("PRETTY_NAME=") }
      name = pretty ? pretty.split("=", 2).last.strip.delete('"') : "Linux"
      "#{name}, kernel #{Etc.uname[:release]}"
    rescue SystemCallError
      "unknown"
    end

    def command(line)
      output = IO.popen(line.split, err: File::NULL, &:read).strip
      output.empty? ? nil : output
    rescue SystemCallError
      nil
    end
  end
end

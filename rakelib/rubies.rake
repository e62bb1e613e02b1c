# frozen_string_literal: true

# The Rubies the suite runs on, each with the library it compiled itself
# (lib/karafka/native/<minor>/): Debian 12's Ruby 3.1, and Rubies 3.3 and 3.4 built by
# script/build-ruby into /opt/ruby-<minor>, run through script/ruby (Debian's rspec and rake on
# their gem path). Per Ruby:
#
#   rake compile:ruby34           the extension, compiled by that Ruby
#   rake spec:ruby34              the suite
#   rake spec:ruby34:gc_stress    the suite, every native call under GC.stress
#   rake spec:ruby34:gc_compact   the suite in the compaction mode (KARAFKA_NATIVE_GC_COMPACT=1)
#
# and for all of them: spec:rubies, spec:gc_stress_all, spec:gc_compact_all (the last two run the
# Rubies side by side, outputs in turn). RUBIES=3.1,3.4 limits these (and gem.rake's) to some.
module Rubies
  ROOT = File.expand_path("..", __dir__)

  # minor => the Ruby binary, and the command that runs it with Debian's gems (rspec, rake).
  ALL = {
    "3.1" => { ruby: "/usr/bin/ruby", run: ["/usr/bin/ruby"] },
    "3.3" => { ruby: "/opt/ruby-3.3/bin/ruby", run: [File.join(ROOT, "script/ruby"), "3.3"] },
    "3.4" => { ruby: "/opt/ruby-3.4/bin/ruby", run: [File.join(ROOT, "script/ruby"), "3.4"] }
  }.freeze
  # The Rubies the tasks use: all of them, or those RUBIES names (RUBIES=3.1,3.4 rake ...).
  TABLE = ENV["RUBIES"] ? ALL.slice(*ENV["RUBIES"].split(",")).freeze : ALL

  # The suite's modes: environment for rspec.
  MODES = {
    plain: {},
    gc_stress: { "KARAFKA_NATIVE_GC_STRESS" => "1" },
    gc_compact: { "KARAFKA_NATIVE_GC_COMPACT" => "1" }
  }.freeze

  # The specs a mode runs when not the whole suite: the compaction mode runs the specs whose
  # native calls happen in the RSpec process (the examples tagged :subprocess make theirs in
  # fresh subprocesses, which no mode reaches), as each stressed allocation there compacts the
  # heap.
  MODE_SPECS = { gc_compact: ["--tag", "~subprocess", "spec/karafka"] }.freeze

  module_function

  # @param minor [String] "3.4"
  # @return [String] "ruby34"
  def tag(minor)
    "ruby#{minor.delete(".")}"
  end

  # @param minor [String]
  # @param args [Array<String>] arguments to that Ruby
  # @return [Array<String>] the command line
  def command(minor, *args)
    [*TABLE.fetch(minor).fetch(:run), *args]
  end

  # @param minor [String]
  # @return [String] that Ruby's binary, to run it with an environment of one's own
  def binary(minor)
    TABLE.fetch(minor).fetch(:ruby)
  end

  # @param minor [String]
  # @param mode [Symbol] a key of MODES
  # @return [Array<String>] the RSpec command line for that Ruby and mode
  def rspec(minor, mode = :plain)
    command(minor, "-S", "rspec", "--format", "progress", *MODE_SPECS.fetch(mode, []))
  end

  # Runs one mode of the suite on several Rubies at once (one process each), then prints each
  # output in turn; fails naming the Rubies that failed.
  # @param mode [Symbol] a key of MODES
  # @param minors [Array<String>]
  # @return [void]
  def side_by_side(mode, minors)
    FileUtils.mkdir_p(File.join(ROOT, "tmp"))
    runs = minors.map { |minor| start(mode, minor) }
    failed = runs.reject do |minor, pid, log|
      _, status = Process.wait2(pid)
      puts "== RSpec (#{mode}) on Ruby #{minor}", File.read(log)
      status.success?
    end
    abort "#{mode} suite failed on Ruby #{failed.map(&:first).join(", ")}" unless failed.empty?
  end

  # @param mode [Symbol]
  # @param minor [String]
  # @return [Array(String, Integer, String)] the minor, the pid, the log file (tmp/)
  def start(mode, minor)
    log = File.join(ROOT, "tmp", "#{mode}-#{tag(minor)}.log")
    pid = Process.spawn(MODES.fetch(mode), *rspec(minor, mode), chdir: ROOT, out: log,
                                                                err: %i[child out])
    [minor, pid, log]
  end
end

namespace :compile do
  Rubies::TABLE.each_key do |minor|
    desc "Compile the extension with Ruby #{minor} (lib/karafka/native/#{minor}/)"
    task Rubies.tag(minor) do
      sh(*Rubies.command(minor, "-S", "rake", "compile"), chdir: Rubies::ROOT)
    end
  end

  desc "Compile the extension with every Ruby (#{Rubies::TABLE.keys.join(", ")})"
  task all: Rubies::TABLE.keys.map { |minor| Rubies.tag(minor) }
end

namespace :spec do
  Rubies::TABLE.each_key do |minor|
    tag = Rubies.tag(minor)

    desc "The RSpec suite on Ruby #{minor}, with the extension it compiled"
    task tag => "compile:#{tag}" do
      sh(*Rubies.rspec(minor), chdir: Rubies::ROOT)
    end

    namespace tag do
      %i[gc_stress gc_compact].each do |mode|
        desc "The RSpec suite on Ruby #{minor} (#{Rubies::MODES[mode].keys.first}=1)"
        task mode => "compile:#{tag}" do
          sh(Rubies::MODES[mode], *Rubies.rspec(minor, mode), chdir: Rubies::ROOT)
        end
      end
    end
  end

  desc "The RSpec suite on every Ruby (#{Rubies::TABLE.keys.join(", ")}), in turn"
  task rubies: Rubies::TABLE.keys.map { |minor| "spec:#{Rubies.tag(minor)}" }

  desc "The GC.stress suites of every Ruby side by side, outputs in turn"
  task gc_stress_all: "compile:all" do
    Rubies.side_by_side(:gc_stress, Rubies::TABLE.keys)
  end

  desc "The compaction-mode suites (KARAFKA_NATIVE_GC_COMPACT=1) of every Ruby side by side"
  task gc_compact_all: "compile:all" do
    Rubies.side_by_side(:gc_compact, Rubies::TABLE.keys)
  end
end

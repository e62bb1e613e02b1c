# frozen_string_literal: true

# Memory safety: valgrind memcheck over the tracker, coordinator and GC specs (the GC.stress and
# compaction modes of the suite are in rubies.rake).

# The specs valgrind runs: the tracker's, the coordinator's and the GC's
VALGRIND_SPECS = %w[
  spec/karafka/native/assignments_tracker_spec.rb
  spec/karafka/native/assignments_tracker_gc_spec.rb
  spec/karafka/native/coordinator_spec.rb
].freeze

namespace :test do
  desc "valgrind memcheck over the tracker, coordinator and GC specs: fails on any invalid " \
       "read or write, or use of uninitialised memory, in a frame of the extension"
  task valgrind: :compile do
    # Loaded here: REXML is a bundled gem, which the Rubies built from source lack.
    require_relative "support/valgrind_report"
    out = File.expand_path("../tmp/valgrind", __dir__)
    rm_rf out
    mkdir_p out
    command = [
      "valgrind", "--tool=memcheck", "--error-limit=no", "--num-callers=40",
      "--child-silent-after-fork=no", "--xml=yes", "--xml-file=#{out}/memcheck.%p.xml",
      "--log-file=#{out}/memcheck.%p.log", RbConfig.ruby, "-S", "rspec", "--format", "progress",
      *VALGRIND_SPECS
    ]
    sh(*command)
    report = ValgrindReport.new(Dir["#{out}/memcheck.*.xml"])
    report.extension_errors.each { |error| puts error }
    puts report.summary
    abort "test:valgrind: errors in frames of the extension" unless report.extension_errors.empty?
  end
end

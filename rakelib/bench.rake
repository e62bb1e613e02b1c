# frozen_string_literal: true

# Benchmarks: the native tracker against the pure-Ruby baseline (bench/), and the Rust core alone
# (criterion). Settings for `bench` come from the environment: see bench/support/settings.rb.

BENCH_ROOT = File.expand_path("..", __dir__)

desc "Native tracker vs pure-Ruby baseline: prints a table, writes tmp/bench/results.md, " \
     "tmp/bench.json and tmp/bench/current_latency.png (bench/ with BENCH_RECORD=1)"
task bench: :compile do
  # Measure a copy of lib/, so that a rebuild during the run cannot change the library under it.
  lib = File.join(BENCH_ROOT, "tmp/bench/lib")
  rm_rf lib
  mkdir_p File.dirname(lib)
  cp_r File.join(BENCH_ROOT, "lib"), lib
  ENV["BENCH_LIB"] = lib
  ruby "-I", lib, File.join(BENCH_ROOT, "bench/run.rb")
  Rake::Task["bench:statistics"].invoke
end

namespace :bench do
  desc "Criterion benchmarks of the Rust core (snapshot reads under writes, applying assignments)"
  task :cargo do
    Dir.chdir(BENCH_ROOT) do
      sh "cargo bench -p karafka_native_core --bench core"
      require_relative "../bench/support/format"
      require_relative "../bench/support/criterion_summary"
      summary = KarafkaNativeBench::CriterionSummary
      entries = summary.read(File.join(BENCH_ROOT, "target/criterion"))
      puts "", "Time per iteration (criterion's estimate):", summary.table(entries)
      puts "", "`rake bench` copies these into bench/results.md."
    end
  end
end

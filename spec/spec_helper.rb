# frozen_string_literal: true

# KARAFKA_NATIVE_FROM_GEM=1 runs the suite against the installed karafka-native gem (GEM_HOME;
# `rake gem:check` installs the source gem and runs the suite so) instead of this checkout's lib.
KARAFKA_NATIVE_FROM_GEM = ENV["KARAFKA_NATIVE_FROM_GEM"] == "1"
# Where karafka-native is loaded from: also given to the Ruby subprocesses some examples start.
KARAFKA_NATIVE_LOAD_PATH =
  if KARAFKA_NATIVE_FROM_GEM
    gem "karafka-native"
    Gem.loaded_specs.fetch("karafka-native").full_require_paths
  else
    [File.expand_path("../lib", __dir__)]
  end
$LOAD_PATH.unshift(*KARAFKA_NATIVE_LOAD_PATH)

# Karafka::Native::Testing (lock-holding hooks) is defined only with this switch set.
ENV["KARAFKA_NATIVE_TESTING"] = "1"
require "karafka/native"

if KARAFKA_NATIVE_FROM_GEM
  library = $LOADED_FEATURES.grep(%r{/karafka_native\.[^/]+\z}).first.to_s
  unless library.start_with?(Gem.loaded_specs.fetch("karafka-native").full_gem_path)
    abort "karafka-native: KARAFKA_NATIVE_FROM_GEM=1 but the library came from #{library.inspect}"
  end
  puts "karafka-native from the installed gem: #{library}"
end

unless Karafka::Native.available?
  abort "karafka-native: the compiled library did not load " \
        "(#{Karafka::Native.load_error.message}); run `rake compile` first"
end

# The GC mode (see support/gc_modes.rb). KARAFKA_NATIVE_GC_STRESS=1 runs every call into the
# native library under GC.stress (as wasmtime-rb and tokenizers do for their suites): an object
# the native side forgets to mark is then collected at once. KARAFKA_NATIVE_GC_COMPACT=1 adds
# GC.auto_compact and compactions from another thread and from inside the Ruby callbacks native
# code makes: an object it forgets to pin is then moved at once. Only the native calls run
# stressed, so the suites stay fast enough to run on every build.
GC_MODE =
  if ENV["KARAFKA_NATIVE_GC_COMPACT"] == "1"
    :compact
  elsif ENV["KARAFKA_NATIVE_GC_STRESS"] == "1"
    :stress
  else
    :plain
  end

# True in both stressed modes
GC_STRESS = GC_MODE != :plain

Dir[File.join(__dir__, "support/**/*.rb")].each { |file| require file }

RSpec.configure do |config|
  config.disable_monkey_patching!
  config.order = :random
  Kernel.srand(config.seed)
  config.expect_with(:rspec) { |c| c.syntax = :expect }

  # Only native calls run stressed: an example that left GC.stress on would stress every
  # allocation of the examples after it (minutes each), so it is switched back and named.
  config.after do |example|
    next unless GC.stress

    GC.stress = false
    warn "GC.stress was left on by #{example.location}"
  end
end

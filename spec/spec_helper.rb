# frozen_string_literal: true

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))

require "karafka/native"

unless Karafka::Native.available?
  abort "karafka-native: the compiled library did not load (#{Karafka::Native.load_error.message}); " \
        "run `rake compile` first"
end

Dir[File.join(__dir__, "support/**/*.rb")].sort.each { |file| require file }

# KARAFKA_NATIVE_GC_STRESS=1 runs every example under GC.stress (as wasmtime-rb and tokenizers do):
# any Ruby object the native side forgets to mark is then collected at once.
GC_STRESS = ENV["KARAFKA_NATIVE_GC_STRESS"] == "1"

RSpec.configure do |config|
  config.disable_monkey_patching!
  config.order = :random
  Kernel.srand(config.seed)
  config.expect_with(:rspec) { |c| c.syntax = :expect }

  if GC_STRESS
    config.around do |example|
      GC.stress = true
      example.run
    ensure
      GC.stress = false
    end
  end
end

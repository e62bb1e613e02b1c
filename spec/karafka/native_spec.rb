# frozen_string_literal: true

require "open3"

RSpec.describe Karafka::Native do
  # Runs Ruby with the repository's lib and `code`, with the test switch as given.
  def ruby_output(code, testing:)
    env = { "KARAFKA_NATIVE_TESTING" => testing ? "1" : nil }
    out, status = Open3.capture2e(env, RbConfig.ruby, "-I", File.expand_path("../../lib", __dir__),
                                  "-e", code)
    raise "ruby failed: #{out}" unless status.success?

    out.strip
  end

  it "defines its test hooks only when the test switch is set" do
    code = 'require "karafka/native"; print defined?(Karafka::Native::Testing).inspect'
    expect(ruby_output(code, testing: false)).to eq("nil")
    expect(ruby_output(code, testing: true)).to eq('"constant"')
  end

  it "loads the native classes with their documentation files" do
    code = <<~RUBY
      require "karafka/native"
      docs = %w[assignments_tracker coordinator].map do |name|
        $LOADED_FEATURES.any? { |path| path.end_with?("lib/karafka/native/\#{name}.rb") }
      end
      print [Karafka::Native.available?, *docs].inspect
    RUBY
    expect(ruby_output(code, testing: false)).to eq("[true, true, true]")
  end
end

# frozen_string_literal: true

require "open3"

RSpec.describe Karafka::Native::Integration::RequireWindow do
  # Runs spec/scripts/require_window/NAME.rb in a fresh Ruby; returns what it printed, evaluated
  def script(name)
    path = File.expand_path("../../../scripts/require_window/#{name}.rb", __dir__)
    load_path = KARAFKA_NATIVE_LOAD_PATH.flat_map { |dir| ["-I", dir] }
    out, status = Open3.capture2e(RbConfig.ruby, *load_path, path)
    raise "#{name}.rb failed: #{out}" unless status.success?

    eval(out) # rubocop:disable Security/Eval -- our own script's Hash#inspect
  end

  describe "a class hook" do
    subject(:result) { script("class_hook") }

    it "sees a class whose body closes within a require, once, with all its methods" do
      expect(result).to include(seen_by_eval: [], seen: [true], armed_before: true,
                                armed_after: false)
    end

    it "has the TracePoint enabled only while a require runs" do
      expect(result).to include(tracing_before: false, tracing_inside: true, tracing_after: false)
    end

    it "keeps require as Ruby defines it: private, and Kernel.require public" do
      expect(result).to include(require_private: true)
      expect(result[:kernel_require]).to be(true).or be(false)
    end
  end

  describe "across a fork" do
    subject(:result) { script("fork") }

    it "closes a forked child's window although another thread was mid-require at the fork" do
      expect(result).to include(tracing_mid_require: true, child_tracing_after_require: "[false]",
                                tracing_after: false)
    end
  end
end

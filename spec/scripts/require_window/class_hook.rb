# frozen_string_literal: true

# Arms a class hook after `require "karafka/native"`, then prints (inspect) what happened:
# whether the window was open before, inside and after requires, and what the hook saw.
require "karafka/native"

window = Karafka::Native::Integration::RequireWindow
fixtures = File.expand_path("../../fixtures/require_window", __dir__)
seen = []
hook = Karafka::Native::Integration::ClassHook.new(
  "RequireWindowTarget", ->(klass) { seen << klass.method_defined?(:late) }
)
hook.arm
result = { tracing_before: window.tracing?, armed_before: hook.armed? }

# A class defined outside any require is not looked at.
eval("class RequireWindowTarget; end", binding, __FILE__, __LINE__)
result[:seen_by_eval] = seen.dup

require File.join(fixtures, "target")
result.merge!(
  seen:, tracing_inside: RequireWindowInner::TRACING, tracing_after: window.tracing?,
  armed_after: hook.armed?, require_private: !Object.new.respond_to?(:require),
  kernel_require: Kernel.require("set")
)
print result.inspect

# frozen_string_literal: true

# A fork taken while another thread is in the middle of a require: prints (inspect) whether the
# window was open in the parent and in the child.
require "karafka/native"

window = Karafka::Native::Integration::RequireWindow
fixtures = File.expand_path("../../fixtures/require_window", __dir__)
hook = Karafka::Native::Integration::ClassHook.new("NeverDefined", ->(_) {})
hook.arm
result = {}

# A fork taken while another thread is inside a require: the child's window closes once its own
# requires are done (the other thread does not exist there).
REQUIRE_WINDOW_GATE = { entered: Queue.new, release: Queue.new }.freeze
blocked = Thread.new { require File.join(fixtures, "blocking") }
REQUIRE_WINDOW_GATE[:entered].pop
result[:tracing_mid_require] = window.tracing?
reader, writer = IO.pipe
pid = fork do
  reader.close
  require "English"
  writer.write([window.tracing?].inspect)
  writer.close
  exit!(0)
end
writer.close
child = reader.read
Process.wait(pid)
REQUIRE_WINDOW_GATE[:release] << true
blocked.join
result[:child_tracing_after_require] = child
result[:tracing_after] = window.tracing?
print result.inspect

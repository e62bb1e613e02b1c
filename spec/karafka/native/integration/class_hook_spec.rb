# frozen_string_literal: true

# Classes the hooks below wait for: their bodies are written out, as the hook sees only
# `class ... end` bodies (as Zeitwerk loads Karafka's).
module ClassHookTargets; end

# Each example runs in a forked child (see ChildProcess), so that neither its TracePoint nor
# the classes it defines outlive it in the RSpec process.
#
# The class bodies are what is tested:
# rubocop:disable Lint/ConstantDefinitionInBlock, Lint/EmptyClass, Style/ClassAndModuleChildren
RSpec.describe Karafka::Native::Integration::ClassHook do
  # An example whose body runs in a forked child; a failing expectation fails it with the
  # child's report. (A named block: Ruby 3.3 refuses an anonymous one used inside a block.)
  # rubocop:disable Naming/BlockForwarding
  def self.isolated(description, &body)
    it(description) { in_child! { instance_exec(&body) } }
  end
  # rubocop:enable Naming/BlockForwarding

  let(:seen) { [] }

  # @param name [String] the class to wait for
  # @return [Karafka::Native::Integration::ClassHook] armed, recording what it sees in {#seen}
  def armed(name, callback = ->(klass) { seen << klass })
    hook = described_class.new(name, callback)
    hook.arm
    hook
  end

  isolated "calls back once, with the class, when its first body ends, and stops waiting" do
    hook = armed("ClassHookTargets::First")
    expect(hook).to be_armed

    class ClassHookTargets::Unrelated; end
    expect(seen).to be_empty

    class ClassHookTargets::First; end
    expect(seen).to eq([ClassHookTargets::First])
    expect(hook).not_to be_armed

    class ClassHookTargets::First; end
    expect(seen.size).to eq(1)
  end

  isolated "waits for a class, not a module of that name" do
    hook = armed("ClassHookTargets::Mod")

    module ClassHookTargets::Mod; end
    expect(seen).to be_empty
    expect(hook).to be_armed
  end

  isolated "knows the class by Module#name, whatever the class says its name is" do
    armed("ClassHookTargets::Named")

    class ClassHookTargets::Named
      def self.name = "Something::Else"
    end
    expect(seen).to eq([ClassHookTargets::Named])
  end

  isolated "never raises into the class body when the callback fails" do
    armed("ClassHookTargets::Failing", ->(_) { raise ArgumentError, "callback failed" })

    expect do
      class ClassHookTargets::Failing; end
    end.not_to raise_error
  end

  isolated "arms once however often it is armed, and stops waiting when disarmed" do
    hook = armed("ClassHookTargets::Disarmed")
    hook.arm
    hook.disarm
    expect(hook).not_to be_armed

    class ClassHookTargets::Disarmed; end
    expect(seen).to be_empty
  end
end
# rubocop:enable Lint/ConstantDefinitionInBlock, Lint/EmptyClass, Style/ClassAndModuleChildren

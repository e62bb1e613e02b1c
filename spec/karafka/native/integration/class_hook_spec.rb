# frozen_string_literal: true

# Classes the hooks below wait for: their bodies are written out, as the hook sees only
# `class ... end` bodies (as Zeitwerk loads Karafka's).
module ClassHookTargets; end

# The class bodies are what is tested:
# rubocop:disable Lint/ConstantDefinitionInBlock, Lint/EmptyClass, Style/ClassAndModuleChildren
RSpec.describe Karafka::Native::Integration::ClassHook do
  let(:seen) { [] }
  let(:hooks) { [] }

  after { hooks.each(&:disarm) }

  # @param name [String] the class to wait for
  # @return [Karafka::Native::Integration::ClassHook] armed, recording what it sees in {#seen}
  def armed(name, callback = ->(klass) { seen << klass })
    hook = described_class.new(name, callback)
    hooks << hook
    hook.arm
    hook
  end

  it "calls back once, with the class, when its first body ends, and stops waiting" do
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

  it "waits for a class, not a module of that name" do
    hook = armed("ClassHookTargets::Mod")

    module ClassHookTargets::Mod; end
    expect(seen).to be_empty
    expect(hook).to be_armed
  end

  it "knows the class by Module#name, whatever the class says its name is" do
    armed("ClassHookTargets::Named")

    class ClassHookTargets::Named
      def self.name = "Something::Else"
    end
    expect(seen).to eq([ClassHookTargets::Named])
  end

  it "never raises into the class body when the callback fails" do
    armed("ClassHookTargets::Failing", ->(_) { raise ArgumentError, "callback failed" })

    expect do
      class ClassHookTargets::Failing; end
    end.not_to raise_error
  end

  it "arms once however often it is armed, and stops waiting when disarmed" do
    hook = armed("ClassHookTargets::Disarmed")
    hook.arm
    hook.disarm
    expect(hook).not_to be_armed

    class ClassHookTargets::Disarmed; end
    expect(seen).to be_empty
  end
end
# rubocop:enable Lint/ConstantDefinitionInBlock, Lint/EmptyClass, Style/ClassAndModuleChildren

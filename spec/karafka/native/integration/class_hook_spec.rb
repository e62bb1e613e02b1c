# frozen_string_literal: true

require "tmpdir"

# Classes the hooks below wait for.
module ClassHookTargets; end

# Each example runs in a forked child (see ChildProcess), so that neither the hooks it arms nor
# the classes it defines outlive it in the RSpec process. A hook sees class bodies that close
# within a `require` (see RequireWindow), as Zeitwerk loads Karafka's: the examples write each
# body to a file and require it.
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

  # Requires a new file holding `source` (a class body)
  # @param source [String]
  # @return [void]
  def required(source)
    @sources ||= Dir.mktmpdir("class_hook")
    path = File.join(@sources, "body_#{Dir.children(@sources).size}.rb")
    File.write(path, source)
    require path
  end

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

    required("class ClassHookTargets::Unrelated; end")
    expect(seen).to be_empty

    required("class ClassHookTargets::First; end")
    expect(seen).to eq([ClassHookTargets::First])
    expect(hook).not_to be_armed

    required("class ClassHookTargets::First; end")
    expect(seen.size).to eq(1)
  end

  isolated "waits for a class, not a module of that name" do
    hook = armed("ClassHookTargets::Mod")

    required("module ClassHookTargets::Mod; end")
    expect(seen).to be_empty
    expect(hook).to be_armed
  end

  isolated "knows the class by Module#name, whatever the class says its name is" do
    armed("ClassHookTargets::Named")

    required(<<~RUBY)
      class ClassHookTargets::Named
        def self.name = "Something::Else"
      end
    RUBY
    expect(seen).to eq([ClassHookTargets::Named])
  end

  isolated "never raises into the class body when the callback fails" do
    armed("ClassHookTargets::Failing", ->(_) { raise ArgumentError, "callback failed" })

    expect { required("class ClassHookTargets::Failing; end") }.not_to raise_error
  end

  isolated "arms once however often it is armed, and stops waiting when disarmed" do
    hook = armed("ClassHookTargets::Disarmed")
    hook.arm
    hook.disarm
    expect(hook).not_to be_armed

    required("class ClassHookTargets::Disarmed; end")
    expect(seen).to be_empty
  end

  isolated "does not see a class body that closes outside any require" do
    hook = armed("ClassHookTargets::Inline")

    class ClassHookTargets::Inline; end
    expect(seen).to be_empty
    expect(hook).to be_armed
  end
end
# rubocop:enable Lint/ConstantDefinitionInBlock, Lint/EmptyClass, Style/ClassAndModuleChildren

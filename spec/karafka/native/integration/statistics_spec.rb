# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::Statistics do
  # Karafka's default decorator (a stand-in named as the spec names it to the installer).
  default_class = Class.new
  stub_const_name = "KarafkaNativeSpecDefaultDecorator"
  Object.const_set(stub_const_name, default_class) unless Object.const_defined?(stub_const_name)

  let(:consumer_groups) { Struct.new(:decorator_class).new(Object.const_get(stub_const_name)) }
  let(:config) do
    groups = consumer_groups
    Struct.new(:internal).new(Struct.new(:statistics).new(Struct.new(:consumer_groups).new(groups)))
  end

  def installer(env = {}, config: self.config)
    described_class.new(env:, config: -> { config }, default: "KarafkaNativeSpecDefaultDecorator")
  end

  it "replaces Karafka's default decorator (Karafka 2.6+)" do
    expect(installer.install).to be(true)
    expect(consumer_groups.decorator_class).to be(Karafka::Native::StatisticsDecorator)
    expect(installer.install).to be(true)
  end

  it "keeps a decorator the app chose" do
    custom = Class.new
    consumer_groups.decorator_class = custom
    expect(installer.install).to be(false)
    expect(consumer_groups.decorator_class).to be(custom)
  end

  it "leaves Karafka alone with KARAFKA_NATIVE_STATISTICS=0 or KARAFKA_NATIVE=0" do
    expect(installer({ "KARAFKA_NATIVE_STATISTICS" => "0" }).install).to be(false)
    expect(installer({ "KARAFKA_NATIVE" => "0" }).install).to be(false)
    expect(consumer_groups.decorator_class).to be(KarafkaNativeSpecDefaultDecorator)
  end

  it "leaves Karafka 2.5 (no pluggable decorator) alone" do
    karafka25 = Struct.new(:internal).new(Struct.new(:connection).new(nil))
    expect(installer(config: karafka25).install).to be(false)
  end
end

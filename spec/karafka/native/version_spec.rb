# frozen_string_literal: true

RSpec.describe "Karafka::Native::VERSION" do
  it "is the gem's version, a frozen major.minor.patch String" do
    version = Karafka::Native::VERSION

    expect(version).to match(/\A\d+\.\d+\.\d+\z/).and be_frozen
    expect(Gem::Specification.load(File.expand_path("../../../karafka-native.gemspec", __dir__))
             .version.to_s).to eq(version)
  end
end

# frozen_string_literal: true

require "fileutils"
require "open3"
require "tmpdir"

RSpec.describe "Loading karafka-native on a Ruby it has no library for" do
  # A copy of lib/ (Ruby files only) with libraries for two other Rubies, loaded in a child.
  def load_error(with_sources:)
    Dir.mktmpdir do |dir|
      lib_dir = KARAFKA_NATIVE_LOAD_PATH.find do |path|
        File.file?(File.join(path, "karafka/native.rb"))
      end
      Dir.glob("**/*.rb", base: lib_dir).each do |file|
        FileUtils.mkdir_p(File.join(dir, "lib", File.dirname(file)))
        FileUtils.cp(File.join(lib_dir, file), File.join(dir, "lib", file))
      end
      %w[2.9 9.9].each do |minor|
        FileUtils.mkdir_p(File.join(dir, "lib/karafka/native", minor))
        File.write(File.join(dir, "lib/karafka/native", minor, "karafka_native.so"), "")
      end
      if with_sources
        FileUtils.mkdir_p(File.join(dir, "ext/karafka_native"))
        File.write(File.join(dir, "ext/karafka_native/extconf.rb"), "")
      end
      output, status = Open3.capture2e(
        # Without RubyGems: an installed karafka-native gem would serve the missing library.
        { "KARAFKA_NATIVE" => "0" }, RbConfig.ruby, "--disable-gems", "-I", File.join(dir, "lib"),
        "-e",
        'require "karafka/native"; print Karafka::Native.load_error&.message'
      )
      expect(status).to be_success, output
      output
    end
  end

  it "in the precompiled gem, names this Ruby, the Rubies shipped and the source gem's install" do
    message = load_error(with_sources: false)

    expect(message).to include("precompiled gem has libraries for Ruby 2.9, 9.9")
    expect(message).to include("not for Ruby #{RUBY_VERSION}")
    expect(message).to include("gem install karafka-native --platform ruby")
  end

  it "with the sources at hand, says to compile for this Ruby" do
    message = load_error(with_sources: true)

    expect(message).to include("compiled for Ruby 2.9, 9.9, but this is Ruby #{RUBY_VERSION}")
    expect(message).to include("rake compile")
    expect(message).not_to include("--platform ruby")
  end
end

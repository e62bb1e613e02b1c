# frozen_string_literal: true

require "fileutils"
require "open3"
require "tmpdir"

RSpec.describe "extconf.rb's preflight (installing the source gem)" do
  extconf = File.expand_path("../../ext/karafka_native/extconf.rb", __dir__)

  # Runs extconf.rb in a scratch directory (a copy of the crate's manifest beside it); returns
  # its output and status. Tools are faked by scripts that print a version.
  def run_extconf(extconf, env)
    Dir.mktmpdir do |dir|
      crate = File.join(dir, "crate")
      FileUtils.mkdir_p(crate)
      FileUtils.cp(extconf, crate)
      FileUtils.cp(File.join(File.dirname(extconf), "Cargo.toml"), crate)
      fake = lambda do |name, version|
        path = File.join(dir, name)
        File.write(path, "#!/bin/sh\necho '#{version}'\n")
        File.chmod(0o755, path)
        path
      end
      env = env.transform_values { |value| value.is_a?(Array) ? fake.call(*value) : value }
      env = { "KARAFKA_NATIVE_PLAIN_CARGO" => "1", "CARGO_TARGET_DIR" => File.join(dir, "target") }
            .merge(env)
      Open3.capture2e(env, RbConfig.ruby,
                      File.join(crate, "extconf.rb"), chdir: crate)
    end
  end

  let(:libclang) { Dir.mktmpdir.tap { |dir| File.write(File.join(dir, "libclang.so"), "") } }
  let(:empty_dir) { Dir.mktmpdir }

  after { FileUtils.rm_rf([libclang, empty_dir]) }

  it "stops at once without cargo, saying what to install and that the precompiled gem does not" do
    output, status = run_extconf(extconf, "CARGO" => "/nonexistent/cargo",
                                          "RUSTC" => ["rustc", "rustc 1.95.0"],
                                          "LIBCLANG_PATH" => libclang)

    expect(status).not_to be_success
    expect(output).to include("missing: cargo (not found: /nonexistent/cargo)")
    expect(output).to include("https://rustup.rs")
    expect(output).to include("the precompiled gem needs none of this: " \
                              "gem install karafka-native")
  end

  it "stops with a rustc older than the crate's rust-version" do
    output, status = run_extconf(extconf, "CARGO" => ["cargo", "cargo 1.70.0"],
                                          "RUSTC" => ["rustc", "rustc 1.70.0 (90c5418 2023-05-31)"],
                                          "LIBCLANG_PATH" => libclang)

    expect(status).not_to be_success
    expect(output).to match(/missing: rustc >= 1\.\d+ \(found rustc 1\.70\.0/)
  end

  it "stops without libclang, naming the package to install, all problems in one message" do
    output, status = run_extconf(extconf, "CARGO" => "/nonexistent/cargo",
                                          "RUSTC" => ["rustc", "rustc 1.95.0"],
                                          "LIBCLANG_PATH" => empty_dir)

    expect(status).not_to be_success
    expect(output.scan("cannot build the native extension from source").size).to eq(1)
    expect(output).to include("missing: cargo (not found: /nonexistent/cargo); " \
                              "libclang in LIBCLANG_PATH=")
    expect(output).to include("apt-get install libclang-dev")
  end

  it "goes ahead when everything is there" do
    output, status = run_extconf(extconf, "CARGO" => ["cargo", "cargo 1.95.0"],
                                          "RUSTC" => ["rustc", "rustc 1.95.0"],
                                          "LIBCLANG_PATH" => libclang)

    expect(status).to be_success, output
    expect(output).not_to include("cannot build")
  end
end

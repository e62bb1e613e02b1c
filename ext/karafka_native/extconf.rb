# frozen_string_literal: true

# Builds the Rust extension for the Ruby that runs this file.
#
# Installing the source gem (`gem install karafka-native --platform ruby`), rb_sys/mkmf writes the
# Makefile, as in every rb-sys gem (the gemspec depends on the rb_sys gem). In a checkout without
# the rb_sys gem (RubyGems.org is not always reachable, and Debian 12 does not package rb_sys), or
# with KARAFKA_NATIVE_PLAIN_CARGO=1, we write a small Makefile that builds the crate with cargo in
# release mode. Either way the library lands in
# `karafka/native/<ruby major.minor>/karafka_native.<DLEXT>`, so a library built by one Ruby is
# never loaded by another.
#
# Before either, a preflight stops at once, with one message, when cargo, a new enough rustc or
# libclang (for bindgen) is missing.

require "mkmf"
require "rbconfig"

# Checks what building the crate needs before anything is compiled.
module KarafkaNativePreflight
  # Where the platform's package managers and LLVM builds put libclang.
  LIBCLANG_DIRS = %w[
    /usr/lib /usr/lib64 /usr/local/lib /usr/lib/*-linux-gnu /usr/lib/llvm-*/lib
    /usr/lib64/llvm*/lib /usr/lib/llvm*/lib /opt/homebrew/opt/llvm/lib /usr/local/opt/llvm/lib
    /Library/Developer/CommandLineTools/usr/lib
  ].freeze

  module_function

  # @param crate_dir [String] the directory of the crate's Cargo.toml
  # @return [Array<String>] what is missing (empty when the build can go ahead)
  def problems(crate_dir)
    cargo = ENV.fetch("CARGO", "cargo")
    found = []
    found << "cargo (not found: #{cargo})" unless version_of(cargo)
    found.concat(rustc_problems(required_rust(crate_dir)))
    found << libclang_problem unless libclang?
    found
  end

  # @return [String, nil] the `rust-version` the crate declares
  def required_rust(crate_dir)
    File.read(File.join(crate_dir, "Cargo.toml"))[/^rust-version\s*=\s*"([^"]+)"/, 1]
  end

  # @param required [String, nil]
  # @return [Array<String>]
  def rustc_problems(required)
    rustc = ENV.fetch("RUSTC", "rustc")
    reported = version_of(rustc)
    return ["rustc (not found: #{rustc})"] unless reported

    version = reported[/\d+\.\d+(\.\d+)?/]
    return [] unless required && version && Gem::Version.new(version) < Gem::Version.new(required)

    ["rustc >= #{required} (found #{reported.strip})"]
  end

  # @return [String, nil] the first line of `command --version`, nil when it does not run
  def version_of(command)
    output = IO.popen([command, "--version"], err: File::NULL, &:read)
    $?.success? ? output.lines.first : nil # rubocop:disable Style/SpecialGlobalVars
  rescue SystemCallError
    nil
  end

  # bindgen (rb-sys) loads libclang: LIBCLANG_PATH when set, else the usual places.
  # @return [Boolean]
  def libclang?
    return !libclang_files([ENV.fetch("LIBCLANG_PATH")]).empty? if ENV.key?("LIBCLANG_PATH")

    llvm_libdir = begin
      IO.popen(%w[llvm-config --libdir], err: File::NULL, &:read).strip
    rescue SystemCallError
      ""
    end
    !libclang_files([llvm_libdir, *LIBCLANG_DIRS].reject(&:empty?)).empty?
  end

  # @param dirs [Array<String>] directories (globs) or files
  # @return [Array<String>] the libclang libraries among them
  def libclang_files(dirs)
    dirs.flat_map do |dir|
      next [dir] if File.file?(dir) && File.basename(dir).start_with?("libclang")

      Dir.glob(File.join(dir, "libclang{,-*}.{so,dylib,dll}{,.*}")).grep_v(/libclang-cpp/)
    end
  end

  # @return [String]
  def libclang_problem
    where = ENV.key?("LIBCLANG_PATH") ? " in LIBCLANG_PATH=#{ENV.fetch("LIBCLANG_PATH")}" : ""
    "libclang#{where} (Debian/Ubuntu: apt-get install libclang-dev; Fedora: dnf install " \
      "clang-devel; Alpine: apk add clang-dev; macOS: xcode-select --install)"
  end

  # @param problems [Array<String>]
  # @return [String] the one message a failed preflight prints
  def message(problems)
    <<~MESSAGE
      karafka-native: cannot build the native extension from source; missing: #{problems.join("; ")}.
      Install Rust with https://rustup.rs (cargo and rustc) and libclang, then install again.
      On x86_64 Linux with glibc, the precompiled gem needs none of this: gem install karafka-native
      (Bundler: do not set force_ruby_platform for it).
    MESSAGE
  end
end

crate_dir = File.expand_path(__dir__)
problems = KarafkaNativePreflight.problems(crate_dir)
unless problems.empty?
  message = KarafkaNativePreflight.message(problems)
  Logging.message(message) if defined?(Logging)
  abort message
end

ruby_abi = RUBY_VERSION[/\A\d+\.\d+/]
target = "karafka/native/#{ruby_abi}/karafka_native"

begin
  require "rb_sys/mkmf"
rescue LoadError => e
  rb_sys = false
  puts "karafka-native: plain cargo build (no rb_sys gem: #{e.message})"
else
  rb_sys = true
end

if rb_sys && ENV["KARAFKA_NATIVE_PLAIN_CARGO"] != "1"
  require "rb_sys/version"
  puts "karafka-native: building with rb_sys #{RbSys::VERSION} (rb_sys/mkmf)"
  create_rust_makefile(target) do |build|
    build.profile = ENV.fetch("RB_SYS_CARGO_PROFILE", :release).to_sym
    # The preflight found cargo; never download a toolchain behind the user's back.
    build.auto_install_rust_toolchain = false
    # The shipped Cargo.lock is complete: the gem builds exactly the crates it was tested with.
    build.extra_cargo_args = ["--locked"]
  end
else
  workspace = File.expand_path("../..", crate_dir)
  cargo = ENV.fetch("CARGO", "cargo")
  ruby = RbConfig.ruby
  # In a checkout, keep cargo's output (per Ruby) for fast rebuilds; in an installed gem, build in
  # a temporary directory that `make install` removes, so the gem does not keep hundreds of MB.
  checkout = File.exist?(File.join(workspace, ".git"))
  target_dir = ENV.fetch("CARGO_TARGET_DIR") do
    if checkout
      File.join(workspace, "target", "ruby-#{RbConfig::CONFIG["ruby_version"]}")
    else
      require "tmpdir"
      Dir.mktmpdir("karafka-native-cargo-")
    end
  end
  remove_target = !checkout && !ENV.key?("CARGO_TARGET_DIR")
  dlext = RbConfig::CONFIG["DLEXT"]
  # What cargo names a cdylib on this platform: libkarafka_native.so (Linux),
  # libkarafka_native.dylib (macOS), karafka_native.dll (Windows).
  soext = RbConfig::CONFIG.fetch("SOEXT") { RUBY_PLATFORM.include?("darwin") ? "dylib" : "so" }
  built = File.join(target_dir, "release", "#{"lib" unless soext == "dll"}karafka_native.#{soext}")
  # rake-compiler installs with `target_prefix=` (into its lib_dir); RubyGems keeps the prefix.
  install_dir = "$(DESTDIR)$(sitearchdir)$(target_prefix)"

  File.write("Makefile", <<~MAKE)
    # Written by extconf.rb (plain cargo build, no rb_sys gem).
    SHELL = /bin/sh
    sitearchdir = #{RbConfig::CONFIG["sitearchdir"]}
    sitelibdir = #{RbConfig::CONFIG["sitelibdir"]}
    target_prefix = /#{File.dirname(target)}
    DLLIB = karafka_native.#{dlext}

    all: $(DLLIB)

    $(DLLIB): FORCE
    \tRUBY="#{ruby}" "#{cargo}" build --release --locked \\
    \t  --manifest-path "#{File.join(crate_dir, "Cargo.toml")}" --target-dir "#{target_dir}" --lib
    \tcp "#{built}" $(DLLIB)

    # Replaced through a rename, never rewritten in place: a Ruby that loaded the library maps
    # the file, and truncating it under that process would crash it (SIGBUS).
    install: $(DLLIB)
    \tmkdir -p "#{install_dir}"
    \tcp $(DLLIB) "#{install_dir}/.$(DLLIB).new"
    \tmv -f "#{install_dir}/.$(DLLIB).new" "#{install_dir}/$(DLLIB)"
    #{remove_target ? "\trm -rf \"#{target_dir}\"" : ""}

    clean:
    \trm -f $(DLLIB)

    distclean: clean
    \trm -f Makefile

    FORCE:

    .PHONY: all install clean distclean FORCE
  MAKE
end

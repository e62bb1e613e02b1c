# frozen_string_literal: true

# Builds the Rust extension for the Ruby that runs this file.
#
# With the rb_sys gem installed, rb_sys/mkmf writes the Makefile. Without it (RubyGems.org is
# not always reachable, and Debian does not package rb_sys), we write a small Makefile that
# builds the crate with cargo in release mode. Either way the library lands in
# `karafka/native/<ruby major.minor>/karafka_native.so`, so a library built by one Ruby is never
# loaded by another.

require "mkmf"
require "rbconfig"

ruby_abi = RUBY_VERSION[/\A\d+\.\d+/]
target = "karafka/native/#{ruby_abi}/karafka_native"

begin
  require "rb_sys/mkmf"
rescue LoadError
  rb_sys = false
else
  rb_sys = true
end

if rb_sys && ENV["KARAFKA_NATIVE_PLAIN_CARGO"] != "1"
  create_rust_makefile(target) do |build|
    build.profile = ENV.fetch("RB_SYS_CARGO_PROFILE", :release).to_sym
  end
else
  crate_dir = File.expand_path(__dir__)
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
  built = File.join(target_dir, "release", "libkarafka_native.so")
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

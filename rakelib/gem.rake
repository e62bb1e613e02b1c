# frozen_string_literal: true

require "rubygems/package"
require "fileutils"
require "json"

# The two gems (Rubies: the table in rubies.rake, which rake loads after this file, so it is only
# referred to inside tasks):
#
#   rake gem      pkg/karafka-native-VERSION.gem: the source gem (builds with cargo at install,
#                 the rb-sys way); only what a build needs
#   rake native   pkg/karafka-native-VERSION-x86_64-linux.gem: the precompiled gem, one stripped
#                 library per Ruby of rakelib/rubies.rake, no Rust sources, no extensions
#   rake gem:check       checks both gems as built and installed (a test: part of test:all)
#   rake bench:install   how long `gem install` of each takes (a benchmark, not a test)
module GemBuild
  ROOT = File.expand_path("..", __dir__)
  PKG = File.join(ROOT, "pkg")
  STAGE = File.join(ROOT, "tmp", "gem")
  PLATFORM = "x86_64-linux"
  # Debian's pure-Ruby gems (rspec, rake), which every Ruby here runs.
  DEBIAN_GEMS = "/usr/share/rubygems-integration/all"
  # Debian 12's glibc: a precompiled library must need nothing newer.
  MAX_GLIBC = Gem::Version.new("2.36")
  # The crates a source gem ships (the core crate once it exists); never the broker harness.
  CRATES = %w[ext/karafka_native ext/karafka_native_core].freeze
  # What the precompiled gem may contain, and nothing else.
  NATIVE_FILES = %r{\A(lib/.+\.rb|lib/karafka/native/\d+\.\d+/karafka_native\.so|README\.md|
                     LICENSE)\z}x
  # Tables of a crate manifest that only tests, benchmarks and examples use.
  DEV_TABLE = /\A\[(\[(test|bench|example)\]|(target\..+\.)?dev-dependencies(\..+)?)\]/

  module_function

  # @return [Gem::Specification] a copy of the gemspec, free to change (Specification.load caches
  #   the object it returns; a copy has its own arrays)
  def spec
    Gem::Specification.load(File.join(ROOT, "karafka-native.gemspec")).dup
  end

  # @return [String] pkg/karafka-native-VERSION.gem
  def source_gem
    File.join(PKG, "#{spec.full_name}.gem")
  end

  # @return [String] pkg/karafka-native-VERSION-x86_64-linux.gem
  def native_gem
    File.join(PKG, "#{spec.name}-#{spec.version}-#{PLATFORM}.gem")
  end

  # Builds a gem from `files` copied into a fresh staging directory.
  # @param gemspec [Gem::Specification]
  # @param dir [String] the staging directory (emptied first)
  # @yield [dir] to change the staged files before the gem is built
  # @return [String] the gem's path under pkg/
  def package(gemspec, dir)
    FileUtils.rm_rf(dir)
    gemspec.files.each { |file| stage(file, dir) }
    yield dir if block_given?
    FileUtils.mkdir_p(PKG)
    built = Dir.chdir(dir) { Gem::Package.build(gemspec) }
    FileUtils.mv(File.join(dir, built), File.join(PKG, built))
    File.join(PKG, built)
  end

  # @param file [String] relative to `from`
  # @param dir [String] the staging directory
  # @param from [String] the tree to copy from (the checkout)
  # @return [void]
  def stage(file, dir, from: ROOT)
    FileUtils.mkdir_p(File.join(dir, File.dirname(file)))
    FileUtils.cp(File.join(from, file), File.join(dir, file)) if File.file?(File.join(from, file))
  end

  # The staged workspace builds without the crates the gem does not ship: the root manifest
  # lists only the shipped members, the crate manifests lose their dev-only tables (tests,
  # benches, examples, dev-dependencies: their files are not shipped), and cargo prunes
  # Cargo.lock to match, so that `cargo build --locked` works in the installed gem.
  # @param dir [String] the staged source gem
  # @return [void]
  def trim_workspace(dir)
    crates = CRATES.select { |crate| File.file?(File.join(dir, crate, "Cargo.toml")) }
    root = File.join(dir, "Cargo.toml")
    members = "members = [#{crates.map(&:inspect).join(", ")}]"
    manifest = File.read(root).sub(/^members\s*=\s*\[.*?\]/m, members)
                   .gsub(/^(default-members|exclude)\s*=\s*\[.*?\]\n/m, "")
    File.write(root, manifest)
    crates.each { |crate| drop_dev_tables(File.join(dir, crate, "Cargo.toml")) }
    cargo_metadata(root)
    cargo_metadata(root, "--locked") # fails when the pruned lock does not fit
  end

  # @param path [String] a crate's Cargo.toml, rewritten without DEV_TABLE tables
  # @return [void]
  def drop_dev_tables(path)
    dropping = false
    kept = File.readlines(path).reject do |line|
      dropping = line.match?(DEV_TABLE) if line.start_with?("[")
      dropping
    end
    File.write(path, kept.join)
  end

  # @param manifest [String]
  # @param flags [Array<String>]
  # @return [void]
  def cargo_metadata(manifest, *flags)
    ok = system(ENV.fetch("CARGO", "cargo"), "metadata", "--format-version", "1", "--no-deps",
                "--manifest-path", manifest, *flags, out: File::NULL)
    ok &&= system(ENV.fetch("CARGO", "cargo"), "tree", "--manifest-path", manifest, "--workspace",
                  "-e", "normal,build", *flags, out: File::NULL)
    raise "cargo rejects the staged workspace #{manifest}" unless ok
  end

  # @param minor [String]
  # @return [String] lib/karafka/native/<minor>/karafka_native.so
  def library(minor)
    File.join(ROOT, "lib/karafka/native", minor, "karafka_native.so")
  end

  # The precompiled gem's specification: no extensions, no rb_sys, the shipped Rubies only.
  # @param minors [Array<String>]
  # @return [Gem::Specification]
  def native_spec(minors)
    native = spec
    native.platform = Gem::Platform.new(PLATFORM)
    native.extensions = []
    native.files = native_files(minors)
    native.dependencies.reject! { |dependency| dependency.name == "rb_sys" }
    native.required_ruby_version = ruby_requirement(minors)
    native
  end

  # @param minors [Array<String>]
  # @return [Array<String>] lib/**/*.rb, one library per Ruby, README and LICENSE
  def native_files(minors)
    Dir.chdir(ROOT) { Dir["lib/**/*.rb"] } + %w[README.md LICENSE] +
      minors.map { |minor| "lib/karafka/native/#{minor}/karafka_native.so" }
  end

  # @param minors [Array<String>] ["3.1", "3.3", "3.4"]
  # @return [Array<String>] [">= 3.1", "< 3.5.dev"]
  def ruby_requirement(minors)
    low, high = minors.map { |minor| Gem::Version.new("#{minor}.0") }.minmax
    [">= #{low}", "< #{high.bump}.dev"]
  end
end

# Checks and installs of built gems (gem:check, bench:install).
module GemInstall
  module_function

  # What a precompiled library links and needs, checked: no libruby, glibc no newer than
  # Debian 12's, stripped. Raises on a failed check.
  # @param path [String]
  # @return [String] a one-line report
  def check_library(path)
    needed = IO.popen(["readelf", "-d", path], &:read).scan(/\(NEEDED\).*\[(.+)\]/).flatten
    glibc = highest_glibc(path)
    problems = library_problems(needed, glibc, stripped?(path))
    raise "#{path}: #{problems.join("; ")}" unless problems.empty?

    "#{File.basename(File.dirname(path))}/#{File.basename(path)}: NEEDED #{needed.join(" ")}; " \
      "highest GLIBC_#{glibc}; stripped; #{File.size(path) / 1024} KiB"
  end

  # @param needed [Array<String>] the NEEDED libraries
  # @param glibc [Gem::Version, nil] the newest GLIBC_ version needed
  # @param stripped [Boolean]
  # @return [Array<String>] what is wrong
  def library_problems(needed, glibc, stripped)
    [("links #{needed.grep(/libruby/).join(", ")}" if needed.any?(/libruby/)),
     ("needs GLIBC_#{glibc} (> #{GemBuild::MAX_GLIBC})" unless glibc_ok?(glibc)),
     ("not stripped" unless stripped)].compact
  end

  # @param glibc [Gem::Version, nil]
  # @return [Boolean] true when Debian 12's glibc has it
  def glibc_ok?(glibc)
    !glibc.nil? && glibc <= GemBuild::MAX_GLIBC
  end

  # @param path [String]
  # @return [Gem::Version, nil] the newest GLIBC_x.y symbol version the library needs
  def highest_glibc(path)
    IO.popen(["objdump", "-T", path], &:read).scan(/GLIBC_(\d+(?:\.\d+)+)/).flatten
      .map { |version| Gem::Version.new(version) }.max
  end

  # @param path [String]
  # @return [Boolean] true when the library has no symbol table and no debug sections
  def stripped?(path)
    !IO.popen(["readelf", "-S", "-W", path], &:read).match?(/\.symtab|\.debug_/)
  end

  # An environment with no Rust and no build tools: PATH without cargo and rustc, CARGO, RUSTC,
  # CARGO_HOME, RUSTUP_HOME and LIBCLANG_PATH unset, and an empty GEM_HOME.
  # @param ruby [String] the Ruby binary
  # @param gem_home [String]
  # @return [Hash{String => String, nil}]
  def bare_env(ruby, gem_home)
    path = [File.dirname(ruby), "/usr/sbin", "/usr/bin", "/sbin", "/bin"].uniq.reject do |dir|
      %w[cargo rustc].any? { |tool| File.executable?(File.join(dir, tool)) }
    end
    { "PATH" => path.join(":"), "GEM_HOME" => gem_home, "GEM_PATH" => gem_home,
      "CARGO" => nil, "RUSTC" => nil, "CARGO_HOME" => nil, "RUSTUP_HOME" => nil,
      "LIBCLANG_PATH" => nil, "RUBYOPT" => nil, "RUBYLIB" => nil, "BUNDLE_GEMFILE" => nil }
  end

  # `gem install --local` of a gem file by path (RubyGems 3.3 cannot pick between two local
  # gems of one version by name) into env's GEM_HOME, emptied first.
  # @param ruby [String]
  # @param gem_file [String]
  # @param env [Hash]
  # @param seed [Array<String>] gem paths whose gems are put into GEM_HOME first
  # @return [Float] seconds the install took
  def install(ruby, gem_file, env, seed: [])
    home = env.fetch("GEM_HOME")
    FileUtils.rm_rf(home)
    FileUtils.mkdir_p(%w[gems specifications].map { |dir| File.join(home, dir) })
    seed.each { |path| seed_gems(path, home) }
    gem = File.join(File.dirname(ruby), "gem")
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    ok = system(env, ruby, gem, "install", "--local", "--no-document", gem_file,
                chdir: GemBuild::PKG)
    raise "gem install #{File.basename(gem_file)} failed with #{ruby}" unless ok

    Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  end

  # Puts the gems of an unpacked gem path into GEM_HOME, as installing them would. `gem install`
  # deletes GEM_PATH from its environment (RubyGems' install_command.rb), so extconf.rb only
  # finds the rb_sys gem in GEM_HOME or Ruby's default paths, as after a real install of the
  # dependency.
  # @param path [String]
  # @param home [String]
  # @return [void]
  def seed_gems(path, home)
    Dir[File.join(path, "specifications", "*.gemspec")].each do |gemspec|
      FileUtils.cp(gemspec, File.join(home, "specifications"))
      FileUtils.cp_r(File.join(path, "gems", File.basename(gemspec, ".gemspec")),
                     File.join(home, "gems"))
    end
  end

  # The round trip an installed gem must pass: the library of this Ruby loads from GEM_HOME and
  # an assign/current round trip works.
  PROBE = <<~'RUBY'
    require "karafka/native"
    abort "not available: #{Karafka::Native.load_error&.message}" unless Karafka::Native.available?
    library = $LOADED_FEATURES.grep(%r{/karafka_native\.so\z}).first.to_s
    minor = RUBY_VERSION[/\A\d+\.\d+/]
    abort "loaded #{library.inspect}, not this Ruby's library from GEM_HOME" unless
      library.start_with?(ENV.fetch("GEM_HOME")) && library.include?("/#{minor}/")
    topic = Object.new
    tracker = Karafka::Native::AssignmentsTracker.new
    tracker.assign("group", topic => [2, 0])
    abort "round trip: #{tracker.current.inspect}" unless tracker.current == { topic => [0, 2] }
    puts "Ruby #{RUBY_VERSION}: loaded #{library}; assign/current round trip ok"
  RUBY

  # @param ruby [String]
  # @param env [Hash]
  # @return [void]
  def probe(ruby, env)
    ok = system(env, ruby, "-e", PROBE, chdir: GemBuild::STAGE)
    raise "require \"karafka/native\" failed with #{ruby}" unless ok
  end

  # @return [String] the rb_sys gem's path (script/fetch-rb-sys downloads it once)
  def rb_sys_gem_path
    path = IO.popen([File.join(GemBuild::ROOT, "script/fetch-rb-sys")], &:read).strip
    raise "script/fetch-rb-sys failed" unless $?.success? # rubocop:disable Style/SpecialGlobalVars

    path
  end

  # The environment to install the source gem in: an empty GEM_HOME (the rb_sys gem put into it,
  # see {seed_gems}), Debian's gems (rspec for the suite) on GEM_PATH, cargo on PATH.
  # @param ruby [String]
  # @param gem_home [String]
  # @return [Hash]
  def source_env(ruby, gem_home)
    cargo_bin = File.join(Dir.home, ".cargo", "bin")
    { "GEM_HOME" => gem_home, "GEM_PATH" => [gem_home, GemBuild::DEBIAN_GEMS].join(":"),
      "PATH" => [File.dirname(ruby), cargo_bin, ENV.fetch("PATH")].join(":"),
      "RUBYOPT" => nil, "RUBYLIB" => nil, "BUNDLE_GEMFILE" => nil }
  end

  # @param minor [String]
  # @param kind [String] names the GEM_HOME under tmp/gem/
  # @return [String]
  def gem_home(minor, kind)
    File.join(GemBuild::STAGE, "#{kind}-#{Rubies.tag(minor)}")
  end
end

# gem:check: what the built gems must be and do.
module GemChecks
  module_function

  # The precompiled gem holds only NATIVE_FILES, no extensions and no dependencies; its
  # libraries are checked ({check_library}) and reported.
  # @param dir [String] where its files are extracted
  # @return [void]
  def check_native_gem(dir)
    FileUtils.rm_rf(dir)
    package = Gem::Package.new(GemBuild.native_gem)
    check_native_spec(package)
    package.extract_files(dir)
    Rubies::TABLE.each_key do |minor|
      puts GemInstall.check_library(File.join(dir, "lib/karafka/native", minor,
                                              "karafka_native.so"))
    end
  end

  # @param package [Gem::Package] the precompiled gem
  # @return [void]
  def check_native_spec(package)
    unexpected = package.contents.grep_v(GemBuild::NATIVE_FILES)
    raise "the precompiled gem ships #{unexpected.join(", ")}" unless unexpected.empty?
    raise "the precompiled gem has extensions" unless package.spec.extensions.empty?
    raise "the precompiled gem has dependencies" unless package.spec.dependencies.empty?
  end

  # Installs the precompiled gem with a Ruby in {bare_env} and probes it.
  # @param minor [String]
  # @return [void]
  def check_native_install(minor)
    ruby = Rubies.binary(minor)
    env = GemInstall.bare_env(ruby, GemInstall.gem_home(minor, "home-native"))
    raise "cargo or rustc reachable in #{env["PATH"]}" if
      system(env, "sh", "-c", "command -v cargo || command -v rustc", out: File::NULL)

    seconds = GemInstall.install(ruby, GemBuild.native_gem, env)
    puts format("Ruby %<minor>s: installed %<gem>s without Rust (PATH=%<path>s) in %<s>.1f s",
                minor:, gem: File.basename(GemBuild.native_gem), path: env["PATH"],
                s: seconds)
    GemInstall.probe(ruby, env)
  end

  # Installs the source gem with a Ruby (rb_sys, cargo), probes it, runs the suite against it.
  # @param minor [String]
  # @return [void]
  def check_source_install(minor)
    ruby = Rubies.binary(minor)
    env = GemInstall.source_env(ruby, GemInstall.gem_home(minor, "home-source"))
    seconds = GemInstall.install(ruby, GemBuild.source_gem, env, seed: [GemInstall.rb_sys_gem_path])
    puts format("Ruby %<minor>s: installed %<gem>s (rb_sys, cargo) in %<s>.0f s",
                minor:, gem: File.basename(GemBuild.source_gem), s: seconds)
    GemInstall.probe(ruby, env)
    ok = system(env.merge("KARAFKA_NATIVE_FROM_GEM" => "1"), ruby, "-S", "rspec",
                "--format", "progress", chdir: GemBuild::ROOT)
    raise "the suite failed against the source gem installed by Ruby #{minor}" unless ok
  end
end

# gem:check:layout: the source gem's staging against the planned layout (a core crate the binding
# depends on, a dev-only broker harness crate, both listed as workspace members), in a copy.
module GemLayout
  CORE = <<~TOML
    [package]
    name = "karafka_native_core"
    version = "0.1.0"
    edition = "2021"

    [dependencies]
    parking_lot = "0.12"

    [dev-dependencies]
    proptest = "1"

    [[bench]]
    name = "core"
    harness = false
  TOML

  HARNESS = <<~TOML
    [package]
    name = "broker_harness"
    version = "0.1.0"
    edition = "2021"

    [dependencies]
    karafka_native_core = { path = "../karafka_native_core" }
    rdkafka = "0.39"
  TOML

  # The added files.
  FILES = {
    "ext/karafka_native_core/Cargo.toml" => CORE,
    "ext/karafka_native_core/src/lib.rs" => "pub fn core() {}\n",
    "ext/karafka_native_core/benches/core.rs" => "fn main() {}\n",
    "ext/broker_harness/Cargo.toml" => HARNESS,
    "ext/broker_harness/src/lib.rs" => ""
  }.freeze

  # The workspace members, every crate listed (no glob).
  MEMBERS = <<~TOML.chomp
    members = [
      "ext/karafka_native",
      "ext/karafka_native_core",
      "ext/broker_harness",
    ]
  TOML

  module_function

  # A copy of the checkout's tracked files with the planned crates added.
  # @param dir [String]
  # @return [void]
  def simulate(dir)
    FileUtils.rm_rf(dir)
    IO.popen(%w[git ls-files], chdir: GemBuild::ROOT, &:read).split("\n").each do |file|
      GemBuild.stage(file, dir)
    end
    # The checkout now has these crates itself: only what it lacks is added.
    FILES.each { |file, text| write(dir, file, text) unless File.exist?(File.join(dir, file)) }
    edit(dir, "Cargo.toml") { |text| text.sub(/^members\s*=\s*\[.*?\]/m, MEMBERS) }
    edit(dir, "ext/karafka_native/Cargo.toml") do |text|
      next text if text.include?("karafka_native_core =")

      text.sub("[dependencies]\n",
               "[dependencies]\nkarafka_native_core = { path = \"../karafka_native_core\" }\n")
    end
  end

  # @return [void]
  def write(dir, file, text)
    FileUtils.mkdir_p(File.dirname(File.join(dir, file)))
    File.write(File.join(dir, file), text)
  end

  # @return [void]
  def edit(dir, file)
    path = File.join(dir, file)
    File.write(path, yield(File.read(path)))
  end
end

desc "Build the source gem pkg/karafka-native-VERSION.gem (compiles with cargo at install)"
task :gem do
  spec = GemBuild.spec
  built = GemBuild.package(spec, File.join(GemBuild::STAGE, "source")) do |dir|
    GemBuild.trim_workspace(dir)
  end
  puts "built #{built.delete_prefix("#{GemBuild::ROOT}/")}: #{spec.files.size} files"
end

desc "Build the precompiled gem pkg/karafka-native-VERSION-x86_64-linux.gem " \
     "(one stripped library per Ruby of rakelib/rubies.rake)"
task native: "compile:all" do
  minors = Rubies::TABLE.keys
  spec = GemBuild.native_spec(minors)
  dir = File.join(GemBuild::STAGE, "native")
  built = GemBuild.package(spec, dir) do
    minors.each do |minor|
      staged = File.join(dir, "lib/karafka/native", minor, "karafka_native.so")
      FileUtils.cp(GemBuild.library(minor), staged)
      sh "strip", "--strip-unneeded", staged
    end
  end
  puts "built #{built.delete_prefix("#{GemBuild::ROOT}/")} for Ruby #{minors.join(", ")} " \
       "(#{spec.required_ruby_version})"
end

namespace :gem do
  desc "Check both gems: the precompiled libraries (no libruby, glibc <= 2.36, stripped); " \
       "the precompiled gem installs and loads on every Ruby without Rust; the source gem " \
       "installs with the rb_sys gem on every Ruby and the suite passes against it"
  task check: %i[gem:check:layout gem:check:native gem:check:source]

  namespace :check do
    desc "The precompiled gem: its libraries, and install + require on every Ruby without Rust"
    task native: :native do
      GemChecks.check_native_gem(File.join(GemBuild::STAGE, "check-native"))
      Rubies::TABLE.each_key { |minor| GemChecks.check_native_install(minor) }
    end

    desc "The source gem's staging with the planned crates (core crate, broker harness) added"
    task :layout do
      dir = File.join(GemBuild::STAGE, "layout")
      GemLayout.simulate(dir)
      # The checkout's lock lacks the added crates: let cargo add them, as the layout change will.
      sh "cargo", "metadata", "--format-version", "1", "--no-deps", "--manifest-path",
         File.join(dir, "Cargo.toml"), out: File::NULL
      staged = File.join(dir, "tmp/gem/source")
      spec = Dir.chdir(dir) { Gem::Specification.load(File.join(dir, "karafka-native.gemspec")) }
      spec.files.each { |file| GemBuild.stage(file, staged, from: dir) }
      GemBuild.trim_workspace(staged)
      members = File.read(File.join(staged, "Cargo.toml"))[/^members = .*$/]
      lock = File.read(File.join(staged, "Cargo.lock"))
      abort "layout: #{members}" unless
        members == 'members = ["ext/karafka_native", "ext/karafka_native_core"]'
      abort "layout: the harness or its rdkafka is still in Cargo.lock" if
        lock.match?(/name = "(broker_harness|rdkafka)"/)
      abort "layout: the core crate is not shipped" unless
        spec.files.include?("ext/karafka_native_core/src/lib.rs")
      puts "layout: the source gem ships the core crate, not the harness; #{members}; " \
           "cargo accepts the staged workspace with --locked"
    end

    desc "The source gem: installs with the rb_sys gem on every Ruby; the suite passes against it"
    task source: :gem do
      Rubies::TABLE.each_key { |minor| GemChecks.check_source_install(minor) }
    end
  end
end

namespace :bench do
  desc "How long `gem install` of the precompiled gem (every Ruby) and of the source gem takes"
  task install: %i[native gem] do
    rows = Rubies::TABLE.keys.map do |minor|
      ruby = Rubies.binary(minor)
      env = GemInstall.bare_env(ruby, GemInstall.gem_home(minor, "bench-native"))
      ["precompiled (x86_64-linux)", minor, GemInstall.install(ruby, GemBuild.native_gem, env)]
    end
    ruby = Rubies.binary("3.1")
    env = GemInstall.source_env(ruby, GemInstall.gem_home("3.1", "bench-source"))
    seed = [GemInstall.rb_sys_gem_path]
    rows << ["source (rb_sys, cargo)", "3.1",
             GemInstall.install(ruby, GemBuild.source_gem, env, seed:)]
    puts "", format("%-28s %-6s %10s", "gem install --local", "Ruby", "seconds")
    rows.each { |name, minor, seconds| puts format("%-28s %-6s %10.2f", name, minor, seconds) }
    json = rows.map { |name, minor, seconds| { gem: name, ruby: minor, seconds: seconds.round(2) } }
    File.write(File.join(GemBuild::ROOT, "tmp/bench-install.json"), JSON.pretty_generate(json))
  end
end

# frozen_string_literal: true

require_relative "lib/karafka/native/version"

Gem::Specification.new do |spec|
  spec.name = "karafka-native"
  spec.version = Karafka::Native::VERSION
  spec.authors = ["karafka-native developers"]
  spec.summary = "Native (Rust) assignments tracker and connection coordination for Karafka"
  spec.description = <<~DESC
    Replaces Karafka's Mutex-guarded assignments tracker with a native Rust object: one
    parking_lot mutex, immutable versioned snapshots returned in O(1), writes that wait
    without the GVL, fork-safe. `require "karafka/native"` installs it into a Karafka app.
  DESC
  spec.homepage = "https://github.com/karafka-native/karafka-native"
  spec.license = "MIT"
  spec.required_ruby_version = ">= 3.1"

  # What a build needs, nothing else (no specs, benches, examples, crate tests or the broker
  # harness): the binding crate and, once it exists, the pure-Rust core crate. `rake gem` builds
  # the gem from a staged copy whose workspace lists only these crates (rakelib/gem.rake).
  spec.files = Dir[
    "lib/**/*.rb",
    "ext/karafka_native/extconf.rb",
    "ext/{karafka_native,karafka_native_core}/Cargo.toml",
    "ext/{karafka_native,karafka_native_core}/src/**/*.rs",
    "Cargo.toml",
    "Cargo.lock",
    "README.md",
    "LICENSE"
  ]
  spec.require_paths = ["lib"]
  spec.extensions = ["ext/karafka_native/extconf.rb"]
  # As rb-sys gems do: rb_sys/mkmf writes the Makefile at install (0.9.130 matches the rb-sys
  # crate in Cargo.lock). The precompiled x86_64-linux gem (`rake native`) drops it.
  spec.add_dependency "rb_sys", "~> 0.9.130"
  spec.metadata["rubygems_mfa_required"] = "true"
end

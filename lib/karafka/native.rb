# frozen_string_literal: true

require_relative "native/version"

# Karafka, the Ruby framework for Apache Kafka; this gem adds {Karafka::Native}.
module Karafka
  # Native (Rust) state for Karafka: see README.md.
  module Native
    # The Ruby ABI (major.minor) that the compiled library must match.
    RUBY_ABI = RUBY_VERSION[/\A\d+\.\d+/]

    class << self
      # @return [LoadError, nil] why the compiled library did not load, if it did not
      attr_reader :load_error

      # @return [Boolean] true when the compiled library is loaded
      def available?
        load_error.nil?
      end

      # Loads the compiled library built for this Ruby.
      # @return [void]
      def load_library
        require "karafka/native/#{RUBY_ABI}/karafka_native"
      rescue LoadError => e
        @load_error = LoadError.new(library_problem(e))
      end

      private

      # @param error [LoadError]
      # @return [String] what went wrong, naming a Ruby mismatch when that is the cause
      def library_problem(error)
        built_for = Dir[File.join(__dir__, "native", "*", "karafka_native.*")]
                    .map { |path| File.basename(File.dirname(path)) }.uniq.sort
        return error.message if built_for.empty? || built_for.include?(RUBY_ABI)
        return precompiled_problem(built_for, error) if precompiled?

        "karafka-native was compiled for Ruby #{built_for.join(", ")}, " \
          "but this is Ruby #{RUBY_VERSION}: compile it with this Ruby (rake compile) " \
          "(#{error.message})"
      end

      # @return [Boolean] true in the precompiled (platform) gem, which ships no sources to build
      def precompiled?
        !File.exist?(File.expand_path("../../ext/karafka_native/extconf.rb", __dir__))
      end

      # @param built_for [Array<String>] the Ruby minors the gem has libraries for
      # @param error [LoadError]
      # @return [String]
      def precompiled_problem(built_for, error)
        "karafka-native's precompiled gem has libraries for Ruby #{built_for.join(", ")}, " \
          "not for Ruby #{RUBY_VERSION} (#{RUBY_ABI}): install the source gem, which compiles " \
          "for this Ruby (needs Rust and libclang): gem install karafka-native --platform ruby " \
          "(Bundler: force_ruby_platform) (#{error.message})"
      end
    end

    load_library
  end
end

if Karafka::Native.available?
  require_relative "native/assignments_tracker"
  require_relative "native/coordinator"
end
require_relative "native/integration"
require_relative "native/connection_manager"
require_relative "native/statistics_decorator"

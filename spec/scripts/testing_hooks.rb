# frozen_string_literal: true

# Whether `require "karafka/native"` defines the testing hooks (KARAFKA_NATIVE_TESTING=1 asks)

require "karafka/native"
emit :testing, defined?(Karafka::Native::Testing)

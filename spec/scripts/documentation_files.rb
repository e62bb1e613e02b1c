# frozen_string_literal: true

# Whether `require "karafka/native"` loads the Ruby files documenting the native classes

require "karafka/native"
emit :available, Karafka::Native.available?
documented = %w[assignments_tracker coordinator].to_h do |name|
  [name, $LOADED_FEATURES.any? { |path| path.end_with?("lib/karafka/native/#{name}.rb") }]
end
emit :documented, documented

# frozen_string_literal: true

# `Karafka::Native.install!` called again after the install: what it answers, and how many of
# karafka-native's modules Karafka's tracker class has then.

require "karafka"
require "karafka/native"
emit :again, [Karafka::Native.install!, Karafka::Native.install!]
patches = Karafka::Instrumentation::AssignmentsTracker.ancestors.count do |mod|
  mod.name.to_s.start_with?("Karafka::Native::Integration")
end
emit :patches, patches

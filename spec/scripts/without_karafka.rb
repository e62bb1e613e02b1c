# frozen_string_literal: true

# karafka-native required, and asked to install, with no Karafka loaded

require "karafka/native"
emit :install, Karafka::Native.install!
emit :installed, Karafka::Native.installed?
emit :tracker, Karafka::Native.tracker

# frozen_string_literal: true

# The start of the karafka_<version> scripts: Karafka (FAKE_KARAFKA_VERSION) first, then
# karafka-native and Karafka's setup; emits Karafka's own `on_*` handlers and the served ones.

require "karafka"

# Karafka's tracker class and its singleton
TRACKER_CLASS = Karafka::Instrumentation::AssignmentsTracker
stock_on_methods = TRACKER_CLASS.instance.methods.grep(/\Aon_/).sort
require "karafka/native"
Karafka::Setup::Config.setup
TRACKER = TRACKER_CLASS.instance
emit :stock_on_methods, stock_on_methods
emit :on_methods, TRACKER.methods.grep(/\Aon_/).sort

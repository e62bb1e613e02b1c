# frozen_string_literal: true

# Karafka, the Ruby framework for Apache Kafka; this gem adds {Karafka::Native}.
module Karafka
  module Native
    # Gem version
    VERSION = "0.1.0"
  end
end

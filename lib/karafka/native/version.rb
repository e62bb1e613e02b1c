# frozen_string_literal: true

module Karafka
  module Native
    # Gem version
    VERSION = "0.1.0"
  end
end

# frozen_string_literal: true

module KarafkaNativeBench
  # Number formatting for people: three significant digits, thousands separated.
  module Format
    module_function

    # @param value [Numeric, nil]
    # @return [String] e.g. "12,345", "123", "12.3", "1.23", "0.0123", or "n/a"
    def number(value)
      return "n/a" if value.nil?
      return "0" if value.zero?

      magnitude = Math.log10(value.abs).floor
      return group(value.round) if magnitude >= 2

      decimals = 2 - magnitude
      format("%.#{decimals}f", value)
    end

    # @param integer [Integer]
    # @return [String] e.g. "100,000"
    def count(integer)
      group(integer)
    end

    # @param value [Numeric, nil] a ratio
    # @return [String] e.g. "1,234x", "0.85x", or "n/a"
    def ratio(value)
      value.nil? ? "n/a" : "#{number(value)}x"
    end

    def group(integer)
      integer.to_s.reverse.scan(/\d{1,3}/).join(",").reverse.then do |digits|
        integer.negative? ? "-#{digits}" : digits
      end
    end
  end
end

# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # The bound on topics kept in generations, as Karafka's tracker class states it.
      #
      # Karafka 2.6+ defines `GENERATIONS_TOPICS_LIMIT` on its tracker class (and its own specs
      # stub it), so it is read again before every assignment; older Karafka versions have no
      # generations and no such constant, and get the native default.
      class GenerationsLimit
        # Karafka's default bound
        DEFAULT = 100_000

        # Name of the constant on Karafka's tracker class
        CONSTANT = :GENERATIONS_TOPICS_LIMIT

        private_constant :CONSTANT

        # @param tracker_class [Class] Karafka's tracker class
        def initialize(tracker_class)
          @tracker_class = tracker_class
          @applied = nil
        end

        # @return [Integer] the bound in force now: Karafka's constant, where a bound beyond what
        #   the native tracker takes (`2**64`, say) means no practical bound, as it does to
        #   Karafka's own tracker
        def value
          return DEFAULT unless @tracker_class.const_defined?(CONSTANT, false)

          limit = @tracker_class.const_get(CONSTANT, false)
          return DEFAULT unless limit.is_a?(Integer) && limit.positive?

          [limit, ::Karafka::Native::AssignmentsTracker::MAX_GENERATIONS_LIMIT].min
        end

        # @return [Karafka::Native::AssignmentsTracker] a new native tracker with the bound in
        #   force now
        def build
          @applied = value
          ::Karafka::Native::AssignmentsTracker.new(generations_limit: @applied)
        end

        # Applies a changed bound to a native tracker (the native tracker evicts at once what the
        # new bound no longer keeps)
        #
        # @param tracker [Karafka::Native::AssignmentsTracker] tracker in use
        # @return [nil]
        def sync(tracker)
          limit = value
          return if limit == @applied

          tracker.generations_limit = limit
          @applied = limit
          nil
        end
      end
    end
  end
end

# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # What the compiled library's tracker accepts beyond the pinned API, probed once on a
      # throwaway tracker so the integration works with older and newer builds alike.
      module NativeFeatures
        # A stand-in for `Rdkafka::Consumer::Partition`
        class Probe
          # @return [Integer]
          attr_reader :partition

          # @param partition [Integer]
          def initialize(partition)
            @partition = partition
          end
        end

        private_constant :Probe

        class << self
          # @return [Boolean] whether `assign`/`revoke` take partition objects (anything answering
          #   `partition`) as well as Integers, which saves a Ruby call per partition
          def partition_objects?
            return @partition_objects if defined?(@partition_objects)

            @partition_objects = probe_partition_objects
          end

          private

          # @return [Boolean]
          def probe_partition_objects
            topics = {}.compare_by_identity
            topics[Object.new] = [Probe.new(0)]
            tracker = ::Karafka::Native::AssignmentsTracker.new
            tracker.assign("probe", topics)
            tracker.current.values == [[0]]
          rescue TypeError, ArgumentError
            false
          end
        end
      end
    end
  end
end

# frozen_string_literal: true

module Karafka
  module Native
    module Integration
      # Class-level readers that Karafka 2.6+ defines on its tracker class. Extended into older
      # versions' tracker class; where Karafka defines them, Karafka's own win (they call the
      # same instance methods).
      module ClassMethods
        # @return [Hash{Karafka::Routing::Topic => Array<Integer>}] see the instance method
        def current
          instance.current
        end

        # @return [Hash{Karafka::Routing::Topic => Hash{Integer => Integer}}] see the instance
        #   method
        def generations
          instance.generations
        end

        # @param topic [Karafka::Routing::Topic] routing topic
        # @param partition [Integer] partition
        # @return [Integer] see the instance method
        def generation(topic, partition)
          instance.generation(topic, partition)
        end
      end
    end
  end
end

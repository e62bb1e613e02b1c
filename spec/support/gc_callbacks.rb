# frozen_string_literal: true

require_relative "topics"

# Objects whose Ruby methods, called by native code, run a hook (a compaction, a GC, an
# interrupt trap), to open the windows in which native code holds Ruby objects.
module GcCallbacks
  # A partition object whose `partition` method (a real method, so native code calls it) runs
  # the hook first
  class Partition
    # @param number [Integer] what `partition` answers
    # @param hook [#call, nil]
    def initialize(number, hook = nil)
      @number = number
      @hook = hook
    end

    # @return [Integer]
    def partition
      @hook&.call
      @number
    end
  end

  # A topic whose `hash` (which a Ruby Hash calls when the native view is built) runs the hook
  # while it is armed
  class HashingTopic < TestTopic
    # @return [#call, nil]
    attr_accessor :hook

    # @return [Integer]
    def hash
      hook&.call
      super
    end
  end

  # A value whose `inspect` (which native code calls to name a bad value) runs the hook
  class BadValue
    # @param hook [#call]
    def initialize(hook)
      @hook = hook
    end

    # @return [String]
    def inspect
      @hook.call
      "#<bad value>"
    end
  end

  # A topic whose `name` (which the native `inspect` calls) runs the hook while it is armed
  class NamedTopic < TestTopic
    # @return [#call, nil]
    attr_accessor :hook

    # @return [String]
    def name
      hook&.call
      super
    end
  end
end

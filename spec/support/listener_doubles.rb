# frozen_string_literal: true

# Doubles of the parts of OSS Karafka that {Karafka::Native::ConnectionManager} talks to,
# following OSS Karafka's connection management (`Karafka::Connection::Manager`, the runner and
# its listeners, as Karafka 2.4.16 to 2.6.1 define them): listeners with Karafka's one-way
# states, subscription groups with optional `multiplexing`, `Karafka::App`'s state predicates
# and a monitor. No Karafka constant is defined.
module ListenerDoubles
  # Karafka's listener states, in order.
  STATES = %i[pending starting running quieting quiet stopping stopped].freeze

  # `subscription_group.multiplexing` (a Karafka Pro routing feature): bounds of a family
  class Multiplexing
    attr_reader :min, :max, :boot, :scale_delay

    # @param min [Integer]
    # @param max [Integer]
    # @param boot [Integer]
    # @param scale_delay [Integer] milliseconds
    def initialize(min:, max:, boot:, scale_delay:)
      @min = min
      @max = max
      @boot = boot
      @scale_delay = scale_delay
    end

    # @return [Boolean] always true for a configured multiplexing
    def active?
      true
    end

    # @return [Boolean] min < max
    def dynamic?
      min < max
    end
  end

  # `Karafka::Routing::SubscriptionGroup`: id unique per connection, name shared by a family
  SubscriptionGroup = Struct.new(:id, :name, :consumer_group_id, keyword_init: true)

  # A subscription group with multiplexing settings
  MultiplexedGroup = Struct.new(
    :id, :name, :consumer_group_id, :multiplexing, keyword_init: true
  )

  # `Karafka::Connection::Listener`: state transitions like Karafka's `Status` (one way, except
  # that `start!` resets a stopped listener first). Transitions the listener's thread would make
  # happen on {#work}.
  class Listener
    attr_reader :subscription_group, :state, :starts, :stops

    # @param subscription_group [SubscriptionGroup, MultiplexedGroup]
    def initialize(subscription_group)
      @subscription_group = subscription_group
      @state = :pending
      @starts = 0
      @stops = 0
    end

    STATES.each do |state|
      define_method(:"#{state}?") { @state == state }
    end

    # @return [Boolean] neither pending nor stopped
    def active?
      !pending? && !stopped?
    end

    # @return [Boolean] whether its thread would be alive
    def alive?
      active?
    end

    # Starts (resetting a stopped listener first)
    def start!
      @state = :pending if stopped?
      @starts += 1
      move(:starting)
    end

    # Asks to become quiet
    def quiet!
      move(:quieting)
    end

    # Asks to stop
    def stop!
      @stops += 1
      move(:stopping)
    end

    # What the listener's thread does next: starting -> running, quieting -> quiet,
    # stopping -> stopped
    def work
      case @state
      when :starting then move(:running)
      when :quieting then move(:quiet)
      when :stopping then move(:stopped)
      end
      self
    end

    private

    # @param state [Symbol] moves forward only, like Karafka's Status
    def move(state)
      @state = state if STATES.index(state) > STATES.index(@state)
    end
  end

  # Listeners of one family: subscription groups "<group>_<name>_<i>" named `name` in consumer
  # group `group`, multiplexed with `bounds` (min:, max:, boot:, scale_delay:) when given.
  # @return [Array<Listener>]
  def self.family(name, count, group: "cg", **bounds)
    Array.new(count) do |i|
      attributes = { id: "#{group}_#{name}_#{i}", name:, consumer_group_id: group }
      subscription_group =
        if bounds.empty?
          SubscriptionGroup.new(**attributes)
        else
          MultiplexedGroup.new(**attributes, multiplexing: Multiplexing.new(**bounds))
        end
      Listener.new(subscription_group)
    end
  end

  # `Karafka::App`'s process states as the manager asks them
  class App
    attr_reader :state

    def initialize
      @state = :running
    end

    # @return [Boolean] quieting, quiet or stopping
    def done?
      %i[quieting quiet stopping].include?(@state)
    end

    %i[quieting quiet stopping].each do |state|
      define_method(:"#{state}?") { @state == state }
      define_method(:"#{state}!") { @state = state }
    end

    # Karafka's `quieted!` moves quieting to quiet
    def quieted!
      @state = :quiet
    end
  end

  # `Karafka.monitor`: subscribe by event name, instrument to subscribers
  class Monitor
    attr_reader :instrumented

    def initialize
      @subscribers = Hash.new { |hash, name| hash[name] = [] }
      @instrumented = []
    end

    # @param name [String]
    def subscribe(name, &block)
      @subscribers[name] << block
    end

    # @return [Integer] how many blocks listen to `name`
    def subscribers(name)
      @subscribers[name].size
    end

    # @param name [String]
    # @param payload [Hash]
    def instrument(name, payload = {})
      @instrumented << [name, payload]
      @subscribers[name].each { |block| block.call(payload) }
    end
  end

  # The connection conductor: counts signals
  class Conductor
    attr_reader :signals

    def initialize
      @signals = 0
    end

    # Wakes the runner
    def signal
      @signals += 1
    end
  end
end

# frozen_string_literal: true

RSpec.describe Karafka::Native::ConnectionFamilies do
  subject(:families) { described_class.new(listeners) }

  def family(...)
    ListenerDoubles.family(...)
  end

  # Records what {ConnectionFamilies#register} tells a coordinator
  let(:coordinator) do
    Class.new do
      attr_reader :registered

      def initialize
        @registered = []
      end

      def register(id, **options)
        @registered << [id, options]
      end
    end.new
  end

  context "without multiplexing" do
    let(:listeners) { family("a", 2) + family("b", 1) }

    it "is not dynamic, boots every listener and registers none" do
      expect(families).not_to be_dynamic
      expect(families.boot_listeners).to eq(listeners)
      expect(families.register(coordinator)).to be_empty
      expect(coordinator.registered).to be_empty
    end

    it "finds listeners by subscription group id" do
      expect(families.by_id.keys).to eq(%w[cg_a_0 cg_a_1 cg_b_0])
      expect(families.by_id.fetch("cg_a_1")).to equal(listeners[1])
    end
  end

  context "with a dynamic family beside a static one" do
    let(:dynamic) { family("m", 3, min: 1, max: 3, boot: 2, scale_delay: 60_000) }
    let(:static) { family("s", 2) }
    let(:listeners) { dynamic + static }

    it "boots `boot` listeners of the dynamic family and all of the static one" do
      expect(families).to be_dynamic
      expect(families.boot_listeners).to eq(dynamic.first(2) + static)
    end

    it "registers the dynamic family's listeners with its bounds, under consumer group/name" do
      expect(families.register(coordinator).to_a).to eq(%w[cg_m_0 cg_m_1 cg_m_2])
      expect(coordinator.registered).to eq(
        %w[cg_m_0 cg_m_1 cg_m_2].map do |id|
          [id, { family: "cg/m", min: 1, max: 3, boot: 2, scale_delay: 60_000 }]
        end
      )
    end
  end

  it "keeps families of the same name in different consumer groups apart" do
    listeners = family("m", 2, group: "one", min: 1, max: 2, boot: 1, scale_delay: 0) +
                family("m", 2, group: "two", min: 1, max: 2, boot: 1, scale_delay: 0)
    described_class.new(listeners).register(coordinator)
    expect(coordinator.registered.map { |_, options| options[:family] }.uniq).to eq(%w[one/m two/m])
  end

  it "treats a multiplexing with min == max as static" do
    listeners = family("m", 2, min: 2, max: 2, boot: 2, scale_delay: 0)
    expect(described_class.new(listeners)).not_to be_dynamic
  end

  describe "#state_of" do
    let(:listeners) { family("a", 1) }

    it "names the listener's state from its predicates" do
      listener = listeners.first
      expect(families.state_of(listener)).to eq(:pending)
      listener.start!
      expect(families.state_of(listener)).to eq(:starting)
      listener.work
      expect(families.state_of(listener)).to eq(:running)
      listener.stop!
      listener.work
      expect(families.state_of(listener)).to eq(:stopped)
    end
  end
end

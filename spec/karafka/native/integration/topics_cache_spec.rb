# frozen_string_literal: true

require "karafka/native/integration/topics_cache"

RSpec.describe Karafka::Native::Integration::TopicsCache do
  subject(:cache) { described_class.new }

  let(:group) { KarafkaDoubles.subscription_group("sg-1", %w[orders payments refunds]) }

  def resolve(name, in_group = group)
    cache.names(in_group)[name] || cache.discover(in_group, name)
  end

  it "resolves every known topic without scanning the topics" do
    expect(resolve("payments")).to equal(group.topics.find("payments"))
    expect(group.topics.find_calls).to eq(1) # the expectation's own call
  end

  it "indexes a subscription group once and then serves hits from the index" do
    names = cache.names(group)

    expect(cache.names(group)).to equal(names)
    expect(names.keys).to eq(%w[orders payments refunds])
    expect(names).to be_frozen
  end

  it "keeps the first topic of a name, like find" do
    group.topics << KarafkaDoubles::Topic.new("orders")

    expect(resolve("orders")).to equal(group.topics.first)
  end

  context "when a topic is added to the routing later" do
    it "resolves it (the index is rebuilt when the topics count changes)" do
      resolve("orders")
      late = group.add_topic("late")

      expect(resolve("late")).to equal(late)
    end
  end

  context "when a topic is discovered by find (pattern subscriptions)" do
    let(:group) do
      KarafkaDoubles.subscription_group(
        "sg-p", %w[seed], discover: lambda { |name|
                                      KarafkaDoubles::Topic.new(name) if name.start_with?("it-")
                                    }
      )
    end

    it "falls back to find on a miss and remembers the result" do
      found = resolve("it-1")
      calls = group.topics.find_calls

      expect(found.name).to eq("it-1")
      expect(resolve("it-1")).to equal(found)
      expect(group.topics.find_calls).to eq(calls)
    end
  end

  context "when the name is unknown" do
    it "raises what find raises and remembers nothing" do
      expect { resolve("nope") }.to raise_error(KarafkaDoubles::TopicNotFoundError, "nope")
      expect(cache.names(group)).not_to have_key("nope")
    end
  end

  context "when a subscription group is rebuilt under the same id (routing redrawn)" do
    it "resolves to the new group's topics" do
      resolve("orders")
      redrawn = KarafkaDoubles.subscription_group("sg-1", %w[orders payments refunds])

      expect(resolve("orders", redrawn)).to equal(redrawn.topics.first)
    end
  end

  context "with two subscription groups sharing topic names" do
    let(:other) { KarafkaDoubles.subscription_group("sg-2", %w[orders]) }

    it "keeps them apart" do
      expect(resolve("orders")).to equal(group.topics.first)
      expect(resolve("orders", other)).to equal(other.topics.first)
    end
  end

  describe "#clear" do
    it "forgets the indexes" do
      names = cache.names(group)
      cache.clear

      expect(cache.names(group)).not_to equal(names)
    end
  end
end

# frozen_string_literal: true

RSpec.describe Karafka::Native::Integration::ClassMethods do
  # A tracker class of Karafka before 2.6: a singleton answering on its instance only
  let(:tracker_class) do
    Class.new do
      def self.instance
        @instance ||= new
      end

      def current = { current: true }
      def generations = { generations: true }
      def generation(topic, partition) = [topic, partition]
    end.extend(described_class)
  end

  it "answers current, generations and generation on the class, from the instance" do
    expect(tracker_class.current).to eq(current: true)
    expect(tracker_class.generations).to eq(generations: true)
    expect(tracker_class.generation(:orders, 3)).to eq([:orders, 3])
  end

  context "with Karafka 2.5.0 (no class readers of its own)", :subprocess do
    subject(:data) { KarafkaDoubles.run("karafka_2_5_0", karafka: "2.5.0").data }

    it "offers the newer readers on top" do
      expect(data).to include(
        "generation" => 1,
        "class_current" => { "orders" => [0] },
        "class_generations" => { "orders" => { "0" => 1 } },
        "inspect" => "#<Karafka::Instrumentation::AssignmentsTracker " \
                     "assignments=#{{ "orders" => [0] }.inspect}>" # as this Ruby writes a Hash
      )
    end
  end
end

# frozen_string_literal: true

RSpec.describe Karafka::Native::StatisticsDecorator, "against the reference" do
  # Fewer sequences under GC.stress (every native call collects).
  sequences = GC_STRESS ? 5 : 400

  it "gives the reference's output for #{sequences} random emission sequences" do
    random = Random.new(RSpec.configuration.seed)
    emissions = 0
    sequences.times do |n|
      sequence = StatisticsSequences.sequence(random, length: random.rand(2..8))
      settings = { excluded_keys: sequence.excluded, only_keys: sequence.only }
      native = described_class.new(**settings, clock: sequence.clock)
      reference = ReferenceStatisticsDecorator.new(**settings, clock: sequence.clock)
      sequence.emissions.zip(sequence.emissions).each_with_index do |(mine, theirs), i|
        expected = reference.call(theirs)
        actual = native.call(mine)
        difference = StatisticsSequences.difference(expected, actual)
        expect(difference).to be_nil, "sequence #{n} #{settings}, emission #{i}: #{difference}"
        expect(actual).to be_frozen
        emissions += 1
      end
    end
    puts "\n  statistics decorator property test: #{sequences} sequences, " \
         "#{emissions} emissions identical to the reference"
  end
end

# frozen_string_literal: true

# Runs the property test's sequences against karafka-core's own decorator, read from the
# karafka-core checkout that KARAFKA_CORE_SRC names (karafka-core is not vendored: without it
# this spec is skipped with a message).
RSpec.describe Karafka::Native::StatisticsDecorator, "against karafka-core's own decorator" do
  sequences = GC_STRESS ? 5 : 400

  it "gives karafka-core's output for #{sequences} random emission sequences" do
    core = KarafkaCoreDecorator.klass
    skip "KARAFKA_CORE_SRC does not name a karafka-core checkout" unless core

    random = Random.new(RSpec.configuration.seed)
    emissions = 0
    sequences.times do |n|
      sequence = StatisticsSequences.sequence(random, length: random.rand(2..8))
      settings = { excluded_keys: sequence.excluded, only_keys: sequence.only }
      native = described_class.new(**settings, clock: sequence.clock)
      theirs = core.new(**settings, clock: sequence.clock)
      sequence.emissions.zip(sequence.emissions).each_with_index do |(mine, their), i|
        expected = theirs.call(their)
        actual = native.call(mine)
        difference = StatisticsSequences.difference(expected, actual)
        expect(difference).to be_nil, "sequence #{n} #{settings}, emission #{i}: #{difference}"
        emissions += 1
      end
    end
    puts "\n  against karafka-core #{KarafkaCoreDecorator.source}: #{sequences} sequences, " \
         "#{emissions} emissions identical"
  end
end

# frozen_string_literal: true

require "set"

RSpec.describe Karafka::Native::ConnectionShutdown do
  subject(:shutdown) { described_class.new }

  let(:app) { ListenerDoubles::App.new }
  let(:listeners) do
    %w[a b c].map do |id|
      ListenerDoubles::Listener.new(ListenerDoubles::SubscriptionGroup.new(id:, name: id))
    end
  end

  before do
    listeners.first(2).each do |listener|
      listener.start!
      listener.work
    end
  end

  it "quiets the running listeners, then stops them once all are quiet (shutdown)" do
    app.stopping!
    shutdown.control(listeners, Set.new, app)
    expect(listeners.map(&:state)).to eq(%i[quieting quieting pending])
    listeners.first.work
    shutdown.control(listeners, Set.new, app)
    expect(listeners.map(&:state)).to eq(%i[quiet quieting pending])
    listeners[1].work
    shutdown.control(listeners, Set.new, app)
    expect(listeners.map(&:state)).to eq(%i[stopping stopping pending])
    expect(listeners.map(&:stops)).to eq([1, 1, 0])
  end

  it "marks a quieting app quieted once, and stops nothing while it stays quiet" do
    app.quieting!
    shutdown.control(listeners, Set.new, app)
    listeners.each(&:work)
    3.times { shutdown.control(listeners, Set.new, app) }
    expect(app).to be_quiet
    expect(listeners.map(&:state)).to eq(%i[quiet quiet pending])
    expect(listeners.map(&:stops)).to eq([0, 0, 0])
  end

  it "only stops a listener a scale-down is stopping" do
    listeners.first.stop!
    app.stopping!
    shutdown.control(listeners, Set["a"], app)
    expect(listeners.map(&:state)).to eq(%i[stopping quieting pending])
    listeners[1].work
    shutdown.control(listeners, Set["a"], app)
    expect(listeners.map(&:stops)).to eq([2, 1, 0])
  end
end

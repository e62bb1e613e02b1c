# frozen_string_literal: true

RSpec.describe "Serving Karafka's assignments from the native tracker" do
  def run_script(body, version: "2.6.1")
    KarafkaDoubles.run(<<~RUBY).data
      KarafkaDoubles.define_karafka!(version: "#{version}")
      require "karafka/native"
      Karafka::Setup::Config.setup
      tracker_class = Karafka::Instrumentation::AssignmentsTracker
      tracker = tracker_class.instance
      instrument = ->(id, payload) { Karafka.monitor.instrument(id, payload) }
      #{body}
    RUBY
  end

  context "with 10,000 topics assigned" do
    subject(:data) do
      run_script(<<~RUBY)
        names = Array.new(10_000) { |i| "topic-\#{i}" }
        group = KarafkaDoubles.subscription_group("sg-1", names)
        instrument.call(
          "rebalance.partitions_assigned",
          KarafkaDoubles.rebalance_payload(group, names.to_h { |name| [name, [2, 0, 1]] })
        )
        first = Karafka::App.assignments
        emit :size, first.size
        emit :same, [Karafka::App.assignments, tracker_class.current, tracker.current]
          .all? { |current| current.equal?(first) }
        emit :shape, [
          first.frozen?, first.default_proc.nil?, first.default.nil?,
          first.values.all?(&:frozen?), first.values.uniq, first.keys.first.equal?(group.topics.first)
        ]
        emit :finds, group.topics.find_calls
        instrument.call(
          "rebalance.partitions_revoked", KarafkaDoubles.rebalance_payload(group, { "topic-7" => [1] })
        )
        emit :changed, !Karafka::App.assignments.equal?(first)
        emit :revoked, Karafka::App.assignments[group.topics.find("topic-7")]
      RUBY
    end

    it "returns the same frozen Hash while nothing changes, and a new one after a change" do
      expect(data).to include(
        "size" => 10_000,
        "same" => true,
        "shape" => [true, true, true, true, [[0, 1, 2]], true],
        "changed" => true,
        "revoked" => [0, 2]
      )
    end

    it "resolves every topic name without Karafka's linear find" do
      expect(data["finds"]).to eq(0)
    end
  end

  context "with events as Hashes (Karafka's own specs) and as Event objects (the monitor)" do
    subject(:data) do
      run_script(<<~RUBY)
        group = KarafkaDoubles.subscription_group("sg-1", %w[orders payments])
        orders = group.topics.find("orders")
        tracker.on_rebalance_partitions_assigned(
          KarafkaDoubles.rebalance_payload(group, { "orders" => [0, 1, 2] })
        )
        tracker.on_rebalance_partitions_assigned(
          KarafkaDoubles.rebalance_payload(group, { "payments" => [0] }, as_object: true)
        )
        instrument.call(
          "rebalance.partitions_revoked", KarafkaDoubles.rebalance_payload(group, { "orders" => [1] })
        )
        tracker.on_rebalance_partitions_revoked(
          KarafkaDoubles.rebalance_payload(group, { "payments" => [0] }, as_object: true)
        )
        emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
        emit :generations, KarafkaDoubles.by_name(tracker_class.generations)
        emit :generation, [tracker_class.generation(orders, 1), tracker.generation(orders, 9)]
      RUBY
    end

    it "handles both alike" do
      expect(data).to eq(
        "assignments" => { "orders" => [0, 2] },
        "generations" => { "orders" => { "0" => 1, "1" => 1, "2" => 1 },
                           "payments" => { "0" => 1 } },
        "generation" => [1, 0]
      )
    end
  end

  context "with several subscription groups" do
    subject(:data) do
      run_script(<<~RUBY)
        # Copies of one topic in two groups (as multiplexing makes them): distinct topic objects
        first = KarafkaDoubles.subscription_group("cg_sg_0", %w[orders])
        second = KarafkaDoubles.subscription_group("cg_sg_1", %w[orders])
        [first, second].each do |group|
          instrument.call(
            "rebalance.partitions_assigned",
            KarafkaDoubles.rebalance_payload(group, { "orders" => [0, 1] })
          )
        end
        emit :both, Karafka::App.assignments.size
        instrument.call(
          "rebalance.partitions_revoked", KarafkaDoubles.rebalance_payload(first, { "orders" => [0] })
        )
        emit :revoked_one, Karafka::App.assignments.values
        instrument.call("client.reset", subscription_group: second)
        emit :reset_second, Karafka::App.assignments.keys.map { |topic| topic.subscription_group.id }
        emit :generations_kept, tracker_class.generations.size
        tracker.clear
        emit :cleared, [Karafka::App.assignments, tracker_class.generations]
      RUBY
    end

    it "keeps each group's assignments apart" do
      expect(data).to eq(
        "both" => 2,
        "revoked_one" => [[1], [0, 1]],
        "reset_second" => ["cg_sg_0"],
        "generations_kept" => 2,
        "cleared" => [{}, {}]
      )
    end
  end

  context "with topics the routing learns about later" do
    subject(:data) do
      run_script(<<~RUBY)
        discover = ->(name) { KarafkaDoubles::Topic.new(name) if name.start_with?("it-") }
        group = KarafkaDoubles.subscription_group("sg-1", %w[orders], discover: discover)
        assign = lambda do |map|
          instrument.call("rebalance.partitions_assigned", KarafkaDoubles.rebalance_payload(group, map))
        end
        assign.call({ "orders" => [0] })
        group.add_topic("added")
        assign.call({ "added" => [0] })
        assign.call({ "it-1" => [0] })
        finds = group.topics.find_calls
        assign.call({ "it-1" => [1], "added" => [1], "orders" => [1] })
        emit :assignments, KarafkaDoubles.by_name(Karafka::App.assignments)
        emit :finds, [finds, group.topics.find_calls]
        emit :errors, Karafka.monitor.errors.size
      RUBY
    end

    it "resolves them and looks each up with find at most once" do
      expect(data).to eq(
        "assignments" => { "orders" => [0, 1], "added" => [0, 1], "it-1" => [0, 1] },
        "finds" => [1, 1],
        "errors" => 0
      )
    end
  end

  describe "#inspect" do
    subject(:data) do
      run_script(<<~RUBY, version: "2.5.9")
        group = KarafkaDoubles.subscription_group("sg-1", %w[orders])
        instrument.call(
          "rebalance.partitions_assigned", KarafkaDoubles.rebalance_payload(group, { "orders" => [0, 1] })
        )
        emit :free, tracker.inspect
        mutex = tracker.instance_variable_get(:@mutex)
        mutex.lock
        emit :ruby_lock, tracker.inspect
        mutex.unlock
        locked = Queue.new
        release = Queue.new
        other = Thread.new { mutex.synchronize { locked << true; release.pop } }
        locked.pop
        emit :ruby_lock_other_thread, tracker.inspect
        release << true
        other.join
        native = KarafkaDoubles.holding_native_lock(Karafka::Native.tracker) { tracker.inspect }
        emit :native_lock, native || "#<Karafka::Instrumentation::AssignmentsTracker busy>"
      RUBY
    end

    it "shows assignments by topic name, or busy while either lock is held, never blocking" do
      name = "#<Karafka::Instrumentation::AssignmentsTracker"

      expect(data).to eq(
        # Hash#inspect as this Ruby writes it (3.4: `{"orders" => [0, 1]}`)
        "free" => "#{name} assignments=#{{ "orders" => [0, 1] }.inspect}>",
        "ruby_lock" => "#{name} busy>",
        "ruby_lock_other_thread" => "#{name} busy>",
        "native_lock" => "#{name} busy>"
      )
    end
  end

  context "when Karafka's own tracker already gathered state before the install" do
    subject(:data) do
      KarafkaDoubles.run(<<~RUBY).data
        KarafkaDoubles.define_karafka!(version: "2.6.1")
        Karafka::Setup::Config.setup
        group = KarafkaDoubles.subscription_group("sg-1", %w[orders payments])
        orders = group.topics.find("orders")
        payload = ->(map) { KarafkaDoubles.rebalance_payload(group, map) }
        Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "orders" => [0, 1] }))
        Karafka.monitor.instrument("rebalance.partitions_revoked", payload.call({ "orders" => [1] }))
        Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "orders" => [1] }))
        Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "payments" => [3] }))
        Karafka.monitor.instrument("rebalance.partitions_revoked", payload.call({ "orders" => [0] }))
        stock = [
          KarafkaDoubles.by_name(Karafka::App.assignments),
          KarafkaDoubles.by_name(Karafka::Instrumentation::AssignmentsTracker.generations)
        ]
        require "karafka/native"
        emit :installed, Karafka::Native.installed?
        emit :kept, stock == [
          KarafkaDoubles.by_name(Karafka::App.assignments),
          KarafkaDoubles.by_name(Karafka::Instrumentation::AssignmentsTracker.generations)
        ]
        emit :generations_order, Karafka::Instrumentation::AssignmentsTracker.generations.keys.map(&:name)
        Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "orders" => [0] }))
        emit :continued, Karafka::Instrumentation::AssignmentsTracker.generation(orders, 0)
        Karafka.monitor.instrument("client.reset", subscription_group: group)
        emit :reset, Karafka::App.assignments
      RUBY
    end

    it "takes that state over" do
      expect(data).to eq(
        "installed" => true,
        "kept" => true,
        "generations_order" => %w[orders payments],
        "continued" => 2,
        "reset" => {}
      )
    end
  end
end

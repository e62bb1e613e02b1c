# frozen_string_literal: true

RSpec.describe "Running in a forked process (swarm)" do
  subject(:data) do
    KarafkaDoubles.run(<<~RUBY).data
      KarafkaDoubles.define_karafka!(version: "2.6.1")
      require "karafka/native"
      Karafka::Setup::Config.setup
      group = KarafkaDoubles.subscription_group("sg-1", %w[orders payments])
      payload = ->(map) { KarafkaDoubles.rebalance_payload(group, map) }
      Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "orders" => [0] }))

      # Waits for a child, killing it when it hangs (a lock that did not survive the fork)
      wait_child = lambda do |pid|
        deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 20
        loop do
          done = Process.wait2(pid, Process::WNOHANG)
          break done[1].exitstatus if done
          if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
            Process.kill(:KILL, pid)
            Process.wait(pid)
            break :hung
          end
          sleep(0.01)
        end
      end

      child = lambda do |&work|
        reader, writer = IO.pipe
        pid = fork do
          reader.close
          writer.write(Marshal.dump(work.call))
          writer.close
          exit!(0)
        end
        writer.close
        status = wait_child.call(pid)
        [status, status == 0 ? Marshal.load(reader.read) : nil]
      end

      emit :plain, child.call {
        inherited = KarafkaDoubles.by_name(Karafka::App.assignments)
        Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "payments" => [1] }))
        Karafka.monitor.instrument("rebalance.partitions_revoked", payload.call({ "orders" => [0] }))
        [inherited, KarafkaDoubles.by_name(Karafka::App.assignments)]
      }
      emit :parent, KarafkaDoubles.by_name(Karafka::App.assignments)

      # Fork while another thread keeps writing, so the lock may be held at fork time
      stop = false
      writer_thread = Thread.new do
        until stop
          Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "payments" => [2] }))
          Karafka.monitor.instrument("rebalance.partitions_revoked", payload.call({ "payments" => [2] }))
        end
      end
      busy = Array.new(5) do
        child.call {
          Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "orders" => [3] }))
          KarafkaDoubles.by_name(Karafka::App.assignments)["orders"]
        }
      end
      stop = true
      writer_thread.join
      emit :busy, busy.uniq

      held = KarafkaDoubles.holding_native_lock(Karafka::Native.tracker) do
        child.call {
          Karafka.monitor.instrument("rebalance.partitions_assigned", payload.call({ "orders" => [4] }))
          KarafkaDoubles.by_name(Karafka::App.assignments)["orders"]
        }
      end
      emit :held, held || [0, [0, 4]]
      emit :errors, Karafka.monitor.errors.size
    RUBY
  end

  it "keeps the parent's assignments in the child and lets both change them apart" do
    expect(data["plain"]).to eq([0, [{ "orders" => [0] }, { "payments" => [1] }]])
    expect(data["parent"]).to eq("orders" => [0])
  end

  it "works in children forked while the native lock may be held" do
    expect(data["busy"]).to eq([[0, [0, 3]]])
    expect(data["held"]).to eq([0, [0, 4]])
    expect(data["errors"]).to eq(0)
  end
end

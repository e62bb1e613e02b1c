//! Real rebalances from a real broker: tansu 0.6.0 and librdkafka drive one shared
//! `AssignmentsCore<String>` through consumer-group storms (eager `range` and `roundrobin`,
//! `cooperative-sticky`), and the core is checked against librdkafka after every settled
//! rebalance. Needs the tansu binary (`script/install-tansu`); fails, never skips, without it.
//! Built only with the `broker-tests` feature, which keeps them out of a plain `cargo test`:
//! `rake test:broker` runs them.
//!
//! Tracker faults fail the test. What the broker gets wrong (a partition handed to two live
//! consumers, and what that does to the core) is reported apart and fails the test only with
//! `STRICT_BROKER=1` (tansu 0.6.0 does it under cooperative-sticky).
//!
//! Env: `STORM_SECONDS` (default 30), `STORM_SEED` (default: from the clock), `STORM_TRACE=1`
//! (print every rebalance callback), `STRICT_BROKER=1`.

mod support;

use std::env;
use std::time::Duration;

use support::assignment_strategy::AssignmentStrategy;
use support::broker::TansuBroker;
use support::random::seed_from_clock;
use support::storm::{run_storm, StormPlan, DEFAULT_STORM_DURATION};
use support::storm_report::table_header;
use support::watchdog::Watchdog;

/// Time the whole scenario may take beyond its storm before the watchdog calls it a hang.
const SCENARIO_SLACK: Duration = Duration::from_secs(240);

/// True when the environment variable `name` is set to something other than "" or "0".
fn env_flag(name: &str) -> bool {
    env::var(name).is_ok_and(|value| !value.is_empty() && value != "0")
}

/// The storm length: `STORM_SECONDS` or the default.
fn storm_duration() -> Duration {
    env::var("STORM_SECONDS").map_or(DEFAULT_STORM_DURATION, |seconds| {
        Duration::from_secs(
            seconds
                .parse()
                .expect("STORM_SECONDS must be whole seconds"),
        )
    })
}

/// The schedule's seed: `STORM_SEED` or the clock.
fn storm_seed() -> u64 {
    env::var("STORM_SEED").map_or_else(
        |_| seed_from_clock(),
        |seed| seed.parse().expect("STORM_SEED must be a number"),
    )
}

/// Runs one storm on its own broker and fails on any finding, with the evidence.
fn run_scenario(strategy: AssignmentStrategy) {
    let watchdog = Watchdog::start();
    let mut plan = StormPlan::standard(strategy, storm_duration(), storm_seed());
    plan.trace = env_flag("STORM_TRACE");
    let strict_broker = env_flag("STRICT_BROKER");
    let _scenario = watchdog.arm(
        format!("the {strategy} scenario"),
        plan.duration + SCENARIO_SLACK,
    );
    let broker = TansuBroker::start();
    println!(
        "{strategy}: tansu on 127.0.0.1:{}, storm of {:?}, STORM_SEED={}",
        broker.port(),
        plan.duration,
        plan.seed
    );
    for line in table_header().lines() {
        println!("{strategy:<18} {line}");
    }
    let tally = run_storm(&broker, &plan, &watchdog, &|row| {
        println!("{strategy:<18} {row}");
    });
    if !tally.broker_evidence.is_empty() {
        println!(
            "{strategy} broker-side evidence:\n{}",
            tally.broker_report()
        );
    }
    if !tally.tracker_evidence.is_empty() {
        println!("{strategy} TRACKER FAULTS:\n{}", tally.tracker_report());
    }
    println!("{}", tally.tally_line(strategy.librdkafka_name()));
    println!("{strategy}: {}", tally.broker_line());
    println!("{strategy}: {}", tally.summary_line());

    assert!(
        tally.is_clean(strict_broker),
        "{strategy} storm (STORM_SEED={}) found faults (evidence above):\n{}",
        plan.seed,
        if strict_broker && tally.mismatches == 0 {
            tally.broker_report()
        } else {
            tally.tracker_report()
        }
    );
    let expected_kills: usize = plan.groups.iter().map(|group| group.kills).sum();
    assert_eq!(tally.kills, expected_kills, "every planned kill happens");
    // Each group settles at least at the start and after one change.
    assert!(
        tally.settled >= 2 * plan.groups.len(),
        "only {} settled rebalances were checked",
        tally.settled
    );
}

#[test]
fn eager_range_storm() {
    run_scenario(AssignmentStrategy::Range);
}

#[test]
fn eager_roundrobin_storm() {
    run_scenario(AssignmentStrategy::RoundRobin);
}

#[test]
fn cooperative_sticky_storm() {
    run_scenario(AssignmentStrategy::CooperativeSticky);
}

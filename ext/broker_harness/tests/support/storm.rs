//! The rebalance storm: consumer groups whose members join, leave and die every 1 to 3 s on a
//! real broker, all writing to one shared core, which is checked after every rebalance.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::assignment_strategy::AssignmentStrategy;
use super::broker::TansuBroker;
use super::group_driver::{GroupDriver, StormShared};
use super::group_members::GroupSettings;
use super::modelled_core::ModelledCore;
use super::storm_report::{SettledRow, StormTally};
use super::watchdog::Watchdog;

/// The topics every group consumes.
pub const STORM_TOPICS: [&str; 2] = ["storm-alpha", "storm-beta"];

/// Partitions of each storm topic.
pub const PARTITIONS_PER_TOPIC: u32 = 12;

/// The storm length when nobody asks for another.
pub const DEFAULT_STORM_DURATION: Duration = Duration::from_secs(30);

/// The membership plan of one consumer group.
#[derive(Debug, Clone)]
pub struct GroupPlan {
    /// The Kafka consumer group's name (also the prefix of its core keys).
    pub name: String,
    /// Consumers at the start.
    pub initial: usize,
    /// Fewest live consumers (at least 1).
    pub min: usize,
    /// Most live consumers.
    pub max: usize,
    /// Consumers to kill without a close (from a third of the storm on).
    pub kills: usize,
}

/// A whole storm: strategy, length, seed and groups.
#[derive(Debug, Clone)]
pub struct StormPlan {
    /// The assignment strategy every group uses.
    pub strategy: AssignmentStrategy,
    /// How long membership keeps changing.
    pub duration: Duration,
    /// Seed of the change schedule (timing still varies from run to run).
    pub seed: u64,
    /// Print every rebalance callback.
    pub trace: bool,
    /// The consumer groups, all consuming [`STORM_TOPICS`] at the same time.
    pub groups: Vec<GroupPlan>,
}

impl StormPlan {
    /// A main group of 1 to 5 consumers with one kill, and a second group of 1 to 3 consumers
    /// on the same topics at the same time, sharing the core.
    pub fn standard(strategy: AssignmentStrategy, duration: Duration, seed: u64) -> Self {
        let group = |role: &str, initial, max, kills| GroupPlan {
            name: format!("{role}-{strategy}"),
            initial,
            min: 1,
            max,
            kills,
        };
        Self {
            strategy,
            duration,
            seed,
            trace: false,
            groups: vec![group("main", 3, 5, 1), group("second", 2, 3, 0)],
        }
    }
}

/// Runs `plan` against `broker` (creating the storm topics), calling `on_row` after each check;
/// returns what was verified and found.
pub fn run_storm(
    broker: &TansuBroker,
    plan: &StormPlan,
    watchdog: &Watchdog,
    on_row: &(dyn Fn(&SettledRow) + Sync),
) -> StormTally {
    for topic in STORM_TOPICS {
        broker.create_topic(topic, PARTITIONS_PER_TOPIC);
    }
    let abort = AtomicBool::new(false);
    let shared = StormShared {
        core: Arc::new(ModelledCore::default()),
        started: Instant::now(),
        duration: plan.duration,
        trace: plan.trace,
        watchdog,
        on_row,
        abort: &abort,
    };
    thread::scope(|scope| {
        let drivers: Vec<_> = plan
            .groups
            .iter()
            .enumerate()
            .map(|(index, group)| {
                let settings = GroupSettings {
                    name: group.name.clone(),
                    strategy: plan.strategy,
                    bootstrap_servers: broker.bootstrap_servers(),
                    topics: STORM_TOPICS.iter().map(|t| t.to_string()).collect(),
                };
                let seed = plan.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9);
                let driver = GroupDriver::new(group, settings, seed, &shared);
                thread::Builder::new()
                    .name(format!("storm {}", group.name))
                    .spawn_scoped(scope, move || driver.run())
                    .expect("cannot spawn a storm driver")
            })
            .collect();
        let mut tally = StormTally::default();
        for driver in drivers {
            match driver.join() {
                Ok(group_tally) => tally.add(group_tally),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        tally
    })
}

//! Drives one consumer group through a storm: membership changes, waiting for each rebalance
//! to settle, and the checks made then.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use karafka_native_core::Partition;

use super::group_members::{GroupMembers, GroupSettings, SESSION_TIMEOUT_MS};
use super::modelled_core::ModelledCore;
use super::partition_holders::PartitionHolders;
use super::random::StormRandom;
use super::settled_check::{check_group, describe_state, looks_settled, CheckInputs, Finding};
use super::storm::{GroupPlan, PARTITIONS_PER_TOPIC};
use super::storm_report::{RowVerdict, SettledRow, StormTally};
use super::tracking_context::GroupRecords;
use super::watchdog::{Armed, Watchdog};

/// A group is checked once its callbacks were quiet this long and the settle rule holds.
const QUIET_BEFORE_CHECK: Duration = Duration::from_millis(500);

/// A group whose callbacks stay quiet this long after a change is checked as it stands: the
/// broker is not going to finish that rebalance (tansu 0.6.0 drops a timed-out member without
/// rebalancing the others). Longer than the session timeout, so a broker that does reassign a
/// dead member's partitions gets the time to.
const STALL_QUIET: Duration = Duration::from_millis(SESSION_TIMEOUT_MS as u64 + 4_000);

/// How often a settling group is looked at.
const SETTLE_POLL: Duration = Duration::from_millis(100);

/// Hang limit for one rebalance to settle or stall.
const SETTLE_LIMIT: Duration = Duration::from_secs(90);

/// Hang limit for one join, leave or kill call.
const CHANGE_LIMIT: Duration = Duration::from_secs(60);

/// The pause between membership changes, in milliseconds.
const DWELL_MS: (u64, u64) = (1_000, 3_000);

/// One change in this many is followed at once by a second (overlapping rebalances).
const BURST_ODDS: u64 = 4;

/// What every group driver of one storm shares.
pub struct StormShared<'a> {
    /// The core (with its reference model) every consumer of every group writes to.
    pub core: Arc<ModelledCore>,
    /// When the storm started.
    pub started: Instant,
    /// How long membership keeps changing.
    pub duration: Duration,
    /// Print every rebalance callback.
    pub trace: bool,
    /// The hang watchdog.
    pub watchdog: &'a Watchdog,
    /// Called with a row after every check.
    pub on_row: &'a (dyn Fn(&SettledRow) + Sync),
    /// Set when a driver fails, so the others stop early.
    pub abort: &'a AtomicBool,
}

/// Sets the shared abort flag when its driver unwinds, so the other drivers stop early.
struct AbortOnPanic<'a>(&'a AtomicBool);

impl Drop for AbortOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.store(true, Ordering::Release);
        }
    }
}

/// Drives one consumer group through the storm.
pub struct GroupDriver<'a> {
    plan: &'a GroupPlan,
    shared: &'a StormShared<'a>,
    members: GroupMembers,
    all_partitions: Vec<(String, Partition)>,
    random: StormRandom,
    tainted: BTreeSet<(String, Partition)>,
    tally: StormTally,
}

impl<'a> GroupDriver<'a> {
    /// A driver for `plan` whose consumers use `settings`; `seed` drives its schedule.
    pub fn new(
        plan: &'a GroupPlan,
        settings: GroupSettings,
        seed: u64,
        shared: &'a StormShared<'a>,
    ) -> Self {
        let records = GroupRecords {
            core: shared.core.clone(),
            ledger: Arc::default(),
            holders: Arc::new(PartitionHolders::new(shared.started)),
            activity: Arc::default(),
            started: shared.started,
            trace: shared.trace,
        };
        let members = GroupMembers::new(settings, records);
        let all_partitions = members.all_partitions(PARTITIONS_PER_TOPIC);
        Self {
            plan,
            shared,
            members,
            all_partitions,
            random: StormRandom::new(seed),
            tainted: BTreeSet::new(),
            tally: StormTally::default(),
        }
    }

    /// Start, change membership until the storm ends, then leave and check the core is empty.
    pub fn run(mut self) -> StormTally {
        let _abort_on_panic = AbortOnPanic(self.shared.abort);
        {
            let _armed = self.arm("the first consumers joining", CHANGE_LIMIT);
            for _ in 0..self.plan.initial {
                self.members.join();
            }
        }
        self.settle_and_check(&format!("start with {}", self.plan.initial));

        let mut kills_left = self.plan.kills;
        while self.shared.started.elapsed() < self.shared.duration && !self.aborted() {
            let dwell = self.random.between(DWELL_MS.0, DWELL_MS.1);
            thread::sleep(Duration::from_millis(dwell));
            let mut events = vec![self.change(&mut kills_left)];
            if self.random.below(BURST_ODDS) == 0 {
                events.push(self.change(&mut kills_left));
            }
            self.settle_and_check(&events.join(" + "));
        }
        // A storm too short to reach its kills still makes them.
        while kills_left > 0 && !self.aborted() {
            if self.members.len() < 2 {
                let joined = self.timed_join();
                self.settle_and_check(&joined);
            }
            let killed = self.change(&mut kills_left);
            self.settle_and_check(&killed);
        }

        {
            let _armed = self.arm("everyone leaving", CHANGE_LIMIT);
            self.members.leave_all();
        }
        self.check_after_everyone_left();
        self.tally.consumers = self.members.created();
        self.tally
    }

    /// True once another driver failed.
    fn aborted(&self) -> bool {
        self.shared.abort.load(Ordering::Acquire)
    }

    /// Arms the watchdog for a wait of this group.
    fn arm(&self, what: &str, limit: Duration) -> Armed<'a> {
        let label = format!("{}: {what}", self.members.name());
        self.shared.watchdog.arm(label, limit)
    }

    /// One membership change: a kill when one is due (from a third of the storm on, with two
    /// consumers or more), else a join or a clean leave within the plan's bounds. Returns what
    /// happened.
    fn change(&mut self, kills_left: &mut usize) -> String {
        // Quiet time counts from the change, not from the previous rebalance.
        self.members.records().activity.touch();
        let live = self.members.len();
        let due = self.shared.started.elapsed() >= self.shared.duration / 3;
        if *kills_left > 0 && due && live >= 2 {
            *kills_left -= 1;
            self.tally.kills += 1;
            let index = self.random.below(live as u64) as usize;
            let _armed = self.arm("killing a consumer", CHANGE_LIMIT);
            return format!("kill {}", self.members.kill(index));
        }
        let join = live <= self.plan.min || (live < self.plan.max && self.random.below(2) == 0);
        if join {
            return self.timed_join();
        }
        let index = self.random.below(live as u64) as usize;
        let _armed = self.arm("a consumer leaving", CHANGE_LIMIT);
        format!("leave {}", self.members.leave(index))
    }

    /// Starts one more consumer under the watchdog.
    fn timed_join(&mut self) -> String {
        let _armed = self.arm("a consumer joining", CHANGE_LIMIT);
        format!("join {}", self.members.join())
    }

    /// Waits until the group's rebalance settles (or the broker stalls), then checks the core
    /// with the group's polls frozen, and records the result.
    fn settle_and_check(&mut self, event: &str) {
        let armed = self.arm(&format!("rebalance after {event} to settle"), SETTLE_LIMIT);
        let prefix = self.members.key_prefix();
        while !self.aborted() {
            thread::sleep(SETTLE_POLL);
            self.members.check_pollers();
            let quiet = self.members.records().activity.quiet_for();
            let view = self.members.assignments();
            let settled = quiet >= QUIET_BEFORE_CHECK && looks_settled(&view, &self.all_partitions);
            if !settled && quiet < STALL_QUIET {
                let snapshot = self.members.records().core.snapshot();
                armed.describe(format!(
                    "{}\n  recent client errors: {:?}",
                    describe_state(&prefix, &snapshot, &view),
                    self.members.records().activity.recent_client_errors()
                ));
                continue;
            }

            let frozen = self.members.freeze();
            let view = self.members.assignments();
            let settled = looks_settled(&view, &self.all_partitions);
            if !settled && quiet < STALL_QUIET {
                continue;
            }
            let records = self.members.records();
            let snapshot = records.core.snapshot();
            let model = records.core.model_owners(&prefix);
            let assigns = records.ledger.counts();
            let mut findings = Self::take_events(records, &mut self.tainted);
            findings.extend(check_group(&CheckInputs {
                prefix: &prefix,
                snapshot: &snapshot,
                model: &model,
                members: &view,
                assigns: &assigns,
                tainted: &self.tainted,
            }));
            drop(frozen);

            let evidence = describe_state(&prefix, &snapshot, &view);
            let verdict = self.record(findings, &evidence);
            (self.shared.on_row)(&SettledRow {
                elapsed: self.shared.started.elapsed(),
                consumer_group: self.members.name().to_owned(),
                event: event.to_owned(),
                settled,
                partitions_each: view.iter().map(|m| m.partitions.len()).collect(),
                tracker_version: snapshot.version(),
                verdict,
            });
            if settled {
                self.tally.settled += 1;
            } else {
                self.tally.stalled += 1;
            }
            return;
        }
    }

    /// Overlaps and callback anomalies since the last check, as findings; overlapped
    /// partitions become tainted until one consumer at most holds them and the core agrees.
    fn take_events(
        records: &GroupRecords,
        tainted: &mut BTreeSet<(String, Partition)>,
    ) -> Vec<Finding> {
        let overlaps = records.holders.take_overlaps();
        for overlap in &overlaps {
            tainted.insert((overlap.key.clone(), overlap.partition));
        }
        let anomalies = records.activity.take_anomalies();
        overlaps
            .into_iter()
            .map(Finding::OverlapSeen)
            .chain(anomalies.into_iter().map(Finding::CallbackAnomaly))
            .collect()
    }

    /// After every consumer closed cleanly, the core must hold none of the group's partitions
    /// and still agree with its model and the callback counts.
    fn check_after_everyone_left(&mut self) {
        let prefix = self.members.key_prefix();
        let records = self.members.records();
        let mut findings = Self::take_events(records, &mut self.tainted);
        let snapshot = records.core.snapshot();
        let model = records.core.model_owners(&prefix);
        let assigns = records.ledger.counts();
        findings.extend(check_group(&CheckInputs {
            prefix: &prefix,
            snapshot: &snapshot,
            model: &model,
            members: &[],
            assigns: &assigns,
            tainted: &self.tainted,
        }));
        let evidence = describe_state(&prefix, &snapshot, &[]);
        self.record(findings, &evidence);
    }

    /// Adds `findings` to the tally with `evidence`, untaints partitions that one consumer at
    /// most holds and the core agrees on again, and returns the row's verdict.
    fn record(&mut self, findings: Vec<Finding>, evidence: &str) -> RowVerdict {
        let still_overlapped: BTreeSet<(String, Partition)> = findings
            .iter()
            .filter_map(|finding| match finding {
                Finding::OverlapAftermath { key, partition, .. }
                | Finding::HeldTwice { key, partition, .. } => Some((key.clone(), *partition)),
                _ => None,
            })
            .collect();
        self.tainted
            .retain(|key_partition| still_overlapped.contains(key_partition));
        if findings.is_empty() {
            return RowVerdict::Yes;
        }

        let mut verdict = RowVerdict::Yes;
        for finding in &findings {
            match finding {
                Finding::OverlapSeen(_) => self.tally.broker_overlaps += 1,
                Finding::HeldTwice { .. } => {
                    self.tally.broker_overlaps += 1;
                    verdict = verdict.max_with(RowVerdict::BrokerSide);
                }
                Finding::OverlapAftermath { .. } => {
                    self.tally.overlap_aftermath += 1;
                    verdict = verdict.max_with(RowVerdict::BrokerSide);
                }
                _ => {
                    self.tally.mismatches += 1;
                    verdict = RowVerdict::No;
                }
            }
        }
        let listed: Vec<String> = findings.iter().map(Finding::to_string).collect();
        let block = format!(
            "{} at {:.1}s:\n{}\n{evidence}",
            self.members.name(),
            self.shared.started.elapsed().as_secs_f64(),
            listed.join("\n")
        );
        if verdict == RowVerdict::No {
            self.tally.tracker_evidence.push(block);
        } else {
            self.tally.broker_evidence.push(block);
        }
        verdict
    }
}

//! What a storm reports: a table row per checked rebalance, and the tally behind the summary.

use std::fmt;
use std::time::Duration;

/// The start of the machine-readable line each storm test prints (`rake test:broker` sums them).
pub const TALLY_PREFIX: &str = "broker-storm tally:";

/// How a check came out, as the table's "snapshot == broker" column shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowVerdict {
    /// The core equals librdkafka's assignments (and its model, and the callback counts).
    Yes,
    /// The core follows its model but differs from librdkafka because the broker handed a
    /// partition out twice.
    BrokerSide,
    /// A tracker fault.
    No,
}

impl RowVerdict {
    /// The worse of the two.
    pub fn max_with(self, other: RowVerdict) -> RowVerdict {
        match (self, other) {
            (Self::No, _) | (_, Self::No) => Self::No,
            (Self::BrokerSide, _) | (_, Self::BrokerSide) => Self::BrokerSide,
            _ => Self::Yes,
        }
    }
}

impl fmt::Display for RowVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Yes => "yes",
            Self::BrokerSide => "no*",
            Self::No => "NO",
        })
    }
}

/// One checked rebalance of one consumer group, as a table row.
pub struct SettledRow {
    /// Time since the storm started.
    pub elapsed: Duration,
    /// The Kafka consumer group.
    pub consumer_group: String,
    /// The membership change(s) the rebalance followed.
    pub event: String,
    /// False when the broker went quiet without assigning every partition.
    pub settled: bool,
    /// Partitions held by each live consumer, in join order.
    pub partitions_each: Vec<usize>,
    /// The core's version when checked.
    pub tracker_version: u64,
    /// How the check came out.
    pub verdict: RowVerdict,
}

/// The table's header, aligned with [`SettledRow`]'s display, and its legend.
pub fn table_header() -> String {
    let names = format!(
        "{:>7}  {:<26} {:>9}  {:<18} {:>9}  {:<9} {}",
        "time", "group", "consumers", "partitions each", "tracker v", "snapshot", "after"
    );
    let second = format!("{:77}{}", "", "== broker");
    let legend = "(no* = differs only where the broker handed a partition out twice; \
                  stalled = the broker went quiet with partitions unassigned)";
    format!("{names}\n{second}\n{legend}")
}

impl fmt::Display for SettledRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let each: Vec<String> = self.partitions_each.iter().map(usize::to_string).collect();
        write!(
            f,
            "{:>6.1}s  {:<26} {:>9}  {:<18} {:>9}  {:<9} {}{}",
            self.elapsed.as_secs_f64(),
            self.consumer_group,
            self.partitions_each.len(),
            each.join(" "),
            self.tracker_version,
            self.verdict.to_string(),
            self.event,
            if self.settled { "" } else { " (stalled)" }
        )
    }
}

/// Counts over one or more storms.
#[derive(Debug, Default, Clone)]
pub struct StormTally {
    /// Rebalances that settled (every partition held, each live consumer holding some) and
    /// were checked.
    pub settled: usize,
    /// Checks made after the broker went quiet without settling (tansu after a session
    /// timeout); verified all the same, not counted in `settled`.
    pub stalled: usize,
    /// Consumers created (each a connection with its own id in the core).
    pub consumers: usize,
    /// Consumers killed without a close.
    pub kills: usize,
    /// Tracker faults found.
    pub mismatches: usize,
    /// Broker-side overlaps found (a partition handed to a second live consumer).
    pub broker_overlaps: usize,
    /// Partition checks where the core differed from librdkafka because of an overlap.
    pub overlap_aftermath: usize,
    /// Evidence for every check that found a tracker fault (broker-side findings included).
    pub tracker_evidence: Vec<String>,
    /// Evidence for every check that found only broker-side faults.
    pub broker_evidence: Vec<String>,
}

impl StormTally {
    /// Adds `other`'s counts and findings to these.
    pub fn add(&mut self, other: StormTally) {
        self.settled += other.settled;
        self.stalled += other.stalled;
        self.consumers += other.consumers;
        self.kills += other.kills;
        self.mismatches += other.mismatches;
        self.broker_overlaps += other.broker_overlaps;
        self.overlap_aftermath += other.overlap_aftermath;
        self.tracker_evidence.extend(other.tracker_evidence);
        self.broker_evidence.extend(other.broker_evidence);
    }

    /// True when the tracker had no fault (and, with `strict_broker`, the broker none either).
    pub fn is_clean(&self, strict_broker: bool) -> bool {
        self.mismatches == 0
            && (!strict_broker || (self.broker_overlaps == 0 && self.overlap_aftermath == 0))
    }

    /// `verified N settled rebalances across M consumers, K mismatches`.
    pub fn summary_line(&self) -> String {
        format!(
            "verified {} settled rebalances across {} consumers, {} mismatches",
            self.settled, self.consumers, self.mismatches
        )
    }

    /// What the broker got wrong, kept apart from the tracker's verdict.
    pub fn broker_line(&self) -> String {
        format!(
            "broker side (not tracker faults): {} overlaps, {} partition checks after an \
             overlap, {} stalled rebalances checked",
            self.broker_overlaps, self.overlap_aftermath, self.stalled
        )
    }

    /// The machine-readable line `rake test:broker` sums up.
    pub fn tally_line(&self, scenario: &str) -> String {
        format!(
            "{TALLY_PREFIX} scenario={scenario} settled={} stalled={} consumers={} kills={} \
             mismatches={} overlaps={} aftermath={}",
            self.settled,
            self.stalled,
            self.consumers,
            self.kills,
            self.mismatches,
            self.broker_overlaps,
            self.overlap_aftermath
        )
    }

    /// The evidence of every tracker fault.
    pub fn tracker_report(&self) -> String {
        self.tracker_evidence.join("\n\n")
    }

    /// The evidence of every broker-side fault.
    pub fn broker_report(&self) -> String {
        self.broker_evidence.join("\n\n")
    }
}

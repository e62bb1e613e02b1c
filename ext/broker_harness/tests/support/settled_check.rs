//! What "settled" means for a consumer group, and the checks made then: the core against its
//! reference model (tracker faults), the core against librdkafka's assignments (tracker faults,
//! or broker-side faults when the broker handed a partition out twice), and the core's
//! generations against the counted assign callbacks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use karafka_native_core::{Generation, GroupId, Partition, Snapshot};

use super::group_members::MemberAssignment;
use super::partition_holders::Overlap;

/// One thing a check found wrong.
#[derive(Debug, Clone)]
pub enum Finding {
    /// Tracker fault: the core's owner of a partition is not its reference model's.
    CoreDiffersFromModel {
        /// The partition's core key.
        key: String,
        /// The partition.
        partition: Partition,
        /// The owner in the core's snapshot.
        core: Option<GroupId>,
        /// The owner in the reference model.
        model: Option<GroupId>,
    },
    /// Tracker fault: the core's generation differs from the assign callbacks counted for it.
    GenerationMismatch {
        /// The partition's core key.
        key: String,
        /// The partition.
        partition: Partition,
        /// The core's generation.
        core: Generation,
        /// Assign callbacks that named the partition.
        callbacks: u64,
    },
    /// Tracker fault: the core (equal to its model) differs from librdkafka although no
    /// overlap explains it, so some assignment change never reached the callbacks.
    UnexplainedDivergence {
        /// The partition's core key.
        key: String,
        /// The partition.
        partition: Partition,
        /// The owner in the core.
        core: Option<GroupId>,
        /// The live consumers whose assignment lists it.
        librdkafka: Vec<GroupId>,
    },
    /// Tracker fault: a rebalance callback saw something it never should.
    CallbackAnomaly(String),
    /// Broker-side: the broker assigned a partition another live consumer still held.
    OverlapSeen(Overlap),
    /// Broker-side: two live consumers hold the same partition at a check.
    HeldTwice {
        /// The partition's core key.
        key: String,
        /// The partition.
        partition: Partition,
        /// Every live consumer whose assignment lists it.
        holders: Vec<GroupId>,
    },
    /// Broker-side: the core (equal to its model) differs from librdkafka for a partition that
    /// was handed out twice. The core names one owner per partition (last assign wins, a
    /// revoke by a non-owner is ignored), so when the later holder gives the partition back
    /// first, the core forgets it although the earlier holder keeps it.
    OverlapAftermath {
        /// The partition's core key.
        key: String,
        /// The partition.
        partition: Partition,
        /// The owner in the core.
        core: Option<GroupId>,
        /// The live consumers whose assignment lists it.
        librdkafka: Vec<GroupId>,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CoreDiffersFromModel {
                key,
                partition,
                core,
                model,
            } => write!(
                f,
                "TRACKER FAULT: {key}[{partition}] is owned by {} in the core but by {} in the \
                 reference model",
                name_or_nobody(core.as_ref()),
                name_or_nobody(model.as_ref())
            ),
            Self::GenerationMismatch {
                key,
                partition,
                core,
                callbacks,
            } => write!(
                f,
                "TRACKER FAULT: {key}[{partition}] has generation {core} in the core but \
                 {callbacks} assign callbacks named it"
            ),
            Self::UnexplainedDivergence {
                key,
                partition,
                core,
                librdkafka,
            } => write!(
                f,
                "TRACKER FAULT: {key}[{partition}] is owned by {} in the core but held by {} \
                 according to librdkafka, and no overlap explains it",
                name_or_nobody(core.as_ref()),
                names(librdkafka)
            ),
            Self::CallbackAnomaly(what) => write!(f, "TRACKER FAULT (callback): {what}"),
            Self::OverlapSeen(overlap) => write!(f, "{overlap}"),
            Self::HeldTwice {
                key,
                partition,
                holders,
            } => write!(
                f,
                "BROKER-SIDE OVERLAP (not a tracker fault): {key}[{partition}] is held by {}",
                names(holders)
            ),
            Self::OverlapAftermath {
                key,
                partition,
                core,
                librdkafka,
            } => write!(
                f,
                "BROKER-SIDE OVERLAP AFTERMATH (the core follows its model): {key}[{partition}] \
                 is owned by {} in the core but held by {} according to librdkafka",
                name_or_nobody(core.as_ref()),
                names(librdkafka)
            ),
        }
    }
}

/// A connection id, or "nobody".
fn name_or_nobody(group: Option<&GroupId>) -> &str {
    group.map_or("nobody", |g| g)
}

/// Connection ids joined by commas, or "nobody".
fn names(groups: &[GroupId]) -> String {
    if groups.is_empty() {
        return "nobody".to_owned();
    }
    groups.iter().map(|g| &**g).collect::<Vec<_>>().join(", ")
}

/// True when a group's rebalance looks finished: every live consumer holds something, and
/// together they hold every partition. (Both are true only once all members took part: a
/// joiner holds nothing before, a leaver's or dead member's partitions are held by nobody.)
pub fn looks_settled(members: &[MemberAssignment], all_partitions: &[(String, Partition)]) -> bool {
    let held: BTreeSet<&(String, Partition)> =
        members.iter().flat_map(|m| m.partitions.iter()).collect();
    !members.is_empty()
        && members.iter().all(|m| !m.partitions.is_empty())
        && held.len() == all_partitions.len()
        && all_partitions.iter().all(|p| held.contains(p))
}

/// The core's partitions under `prefix` with their owners.
fn core_owners(
    snapshot: &Snapshot<String>,
    prefix: &str,
) -> BTreeMap<(String, Partition), GroupId> {
    snapshot
        .assignments()
        .filter(|(key, _)| key.starts_with(prefix))
        .flat_map(|(key, assignment)| {
            assignment
                .owned()
                .map(move |(partition, owner)| ((key.clone(), partition), owner.clone()))
        })
        .collect()
}

/// The core's generations of the partitions under `prefix`.
fn core_generations(
    snapshot: &Snapshot<String>,
    prefix: &str,
) -> BTreeMap<(String, Partition), Generation> {
    snapshot
        .generations()
        .filter(|(key, _)| key.starts_with(prefix))
        .flat_map(|(key, generations)| {
            generations
                .partitions()
                .iter()
                .map(move |(partition, generation)| ((key.clone(), *partition), *generation))
        })
        .collect()
}

/// What one check compares, all restricted to one group's keys.
pub struct CheckInputs<'a> {
    /// The prefix of the group's core keys.
    pub prefix: &'a str,
    /// The core's snapshot.
    pub snapshot: &'a Snapshot<String>,
    /// The reference model's owners.
    pub model: &'a BTreeMap<(String, Partition), GroupId>,
    /// What librdkafka says each live consumer holds.
    pub members: &'a [MemberAssignment],
    /// Assign callbacks counted per partition.
    pub assigns: &'a BTreeMap<(String, Partition), u64>,
    /// Partitions an overlap touched that have not been held by one consumer (or none) with the
    /// core agreeing since.
    pub tainted: &'a BTreeSet<(String, Partition)>,
}

/// Runs every check on `inputs`; callers make sure no callback of the group runs meanwhile.
/// Empty when everything agrees.
pub fn check_group(inputs: &CheckInputs<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let core = core_owners(inputs.snapshot, inputs.prefix);

    let modelled: BTreeSet<&(String, Partition)> = core.keys().chain(inputs.model.keys()).collect();
    for key_partition in modelled {
        let (in_core, in_model) = (core.get(key_partition), inputs.model.get(key_partition));
        if in_core != in_model {
            findings.push(Finding::CoreDiffersFromModel {
                key: key_partition.0.clone(),
                partition: key_partition.1,
                core: in_core.cloned(),
                model: in_model.cloned(),
            });
        }
    }

    let mut held: BTreeMap<(String, Partition), Vec<GroupId>> = BTreeMap::new();
    for member in inputs.members {
        for key_partition in &member.partitions {
            held.entry(key_partition.clone())
                .or_default()
                .push(member.connection.clone());
        }
    }
    let compared: BTreeSet<&(String, Partition)> = held.keys().chain(core.keys()).collect();
    for key_partition in compared {
        let (key, partition) = (key_partition.0.clone(), key_partition.1);
        let holders = held.get(key_partition).cloned().unwrap_or_default();
        let owner = core.get(key_partition).cloned();
        if holders.len() > 1 {
            findings.push(Finding::HeldTwice {
                key: key.clone(),
                partition,
                holders: holders.clone(),
            });
        }
        // When two hold it, the core can name only one of them; it must be one of them.
        let agrees = match &owner {
            Some(owner) => holders.contains(owner),
            None => holders.is_empty(),
        };
        if agrees {
            continue;
        }
        findings.push(if inputs.tainted.contains(key_partition) {
            Finding::OverlapAftermath {
                key,
                partition,
                core: owner,
                librdkafka: holders,
            }
        } else {
            Finding::UnexplainedDivergence {
                key,
                partition,
                core: owner,
                librdkafka: holders,
            }
        });
    }

    let generations = core_generations(inputs.snapshot, inputs.prefix);
    let counted: BTreeSet<&(String, Partition)> =
        generations.keys().chain(inputs.assigns.keys()).collect();
    for key_partition in counted {
        let core = generations.get(key_partition).copied().unwrap_or(0);
        let callbacks = inputs.assigns.get(key_partition).copied().unwrap_or(0);
        if core != callbacks {
            findings.push(Finding::GenerationMismatch {
                key: key_partition.0.clone(),
                partition: key_partition.1,
                core,
                callbacks,
            });
        }
    }
    findings
}

/// The evidence behind findings: each consumer's assignment and the core's view, compactly.
pub fn describe_state(
    prefix: &str,
    snapshot: &Snapshot<String>,
    members: &[MemberAssignment],
) -> String {
    let mut lines = vec![format!("  core version {}", snapshot.version())];
    let mut by_owner: BTreeMap<GroupId, Vec<(String, Partition)>> = BTreeMap::new();
    for (key_partition, owner) in core_owners(snapshot, prefix) {
        by_owner.entry(owner).or_default().push(key_partition);
    }
    for member in members {
        lines.push(format!(
            "  librdkafka {}: {}",
            member.connection,
            compact_partitions(&member.partitions)
        ));
    }
    for (owner, partitions) in &by_owner {
        lines.push(format!(
            "  core owner {owner}: {}",
            compact_partitions(partitions)
        ));
    }
    lines.join("\n")
}

/// `key[0,1,5] other[3]`: partitions grouped by key.
pub fn compact_partitions(partitions: &[(String, Partition)]) -> String {
    let mut by_key: BTreeMap<&str, Vec<Partition>> = BTreeMap::new();
    for (key, partition) in partitions {
        by_key.entry(key).or_default().push(*partition);
    }
    if by_key.is_empty() {
        return "(none)".to_owned();
    }
    by_key
        .iter()
        .map(|(key, list)| {
            let list: Vec<String> = list.iter().map(Partition::to_string).collect();
            format!("{key}[{}]", list.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

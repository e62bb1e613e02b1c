//! The state behind the tracker's lock and its changes: pure functions of the state, with no
//! lock, no publication and no I/O (the lock shell is [`crate::assignments`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::partition::{Generation, GroupId, Partition};
use crate::snapshot::{Snapshot, TopicAssignment, TopicGenerations, TopicKey};

/// Hasher of the per-group topic sets (small keys chosen by this process; see `OrderedMap`).
type FastHash = foldhash::fast::RandomState;

/// One change to the assignments, already validated.
#[derive(Debug, Clone)]
pub enum Change<K> {
    /// The subscription group was assigned these partitions (librdkafka's assign callback).
    Assign {
        /// The subscription group (connection) that got them.
        group: GroupId,
        /// Topics with partitions; order and duplicates do not matter.
        topics: Vec<(K, Vec<Partition>)>,
    },
    /// The subscription group lost these partitions (librdkafka's revoke callback).
    Revoke {
        /// The subscription group (connection) that lost them.
        group: GroupId,
        /// Topics with partitions; partitions not owned by `group` are left alone.
        topics: Vec<(K, Vec<Partition>)>,
    },
    /// Every partition owned by the subscription group is gone (client reset, lost assignment).
    Reset {
        /// The subscription group (connection) that was reset.
        group: GroupId,
    },
    /// Forget everything, generations included.
    Clear,
}

/// The mutable state behind the lock.
///
/// Invariant: `snapshot` is the latest published snapshot's content (the assignments and the
/// coordinator's connection states alike); `by_group[g]` holds every topic that has at least
/// one partition owned by `g` (and possibly topics that no longer do, which are skipped when
/// found).
pub(crate) struct State<K: TopicKey> {
    pub(crate) snapshot: Snapshot<K>,
    pub(crate) by_group: HashMap<GroupId, HashSet<K, FastHash>, FastHash>,
}

impl<K: TopicKey> State<K> {
    /// The state whose content is `snapshot`'s, the group index rebuilt from it.
    pub(crate) fn from_snapshot(snapshot: Snapshot<K>) -> Self {
        let mut by_group: HashMap<GroupId, HashSet<K, FastHash>, FastHash> = HashMap::default();
        for (topic, assignment) in snapshot.assignments() {
            for (_, owner) in assignment.owned() {
                by_group
                    .entry(owner.clone())
                    .or_default()
                    .insert(topic.clone());
            }
        }
        Self { snapshot, by_group }
    }
}

/// Applies `change` to `state` (generations bounded by `generations_limit`); true when it
/// changed anything.
pub(crate) fn apply<K: TopicKey>(
    state: &mut State<K>,
    change: &Change<K>,
    generations_limit: usize,
) -> bool {
    match change {
        Change::Assign { group, topics } => assign(state, group, topics, generations_limit),
        Change::Revoke { group, topics } => revoke(state, group, topics),
        Change::Reset { group } => reset(state, group),
        Change::Clear => clear(state),
    }
}

/// `partitions` sorted ascending without duplicates; borrowed when they already are (as
/// librdkafka lists them).
fn sorted_unique(partitions: &[Partition]) -> Cow<'_, [Partition]> {
    if partitions.windows(2).all(|pair| pair[0] < pair[1]) {
        return Cow::Borrowed(partitions);
    }
    let mut partitions = partitions.to_vec();
    partitions.sort_unstable();
    partitions.dedup();
    Cow::Owned(partitions)
}

fn assign<K: TopicKey>(
    state: &mut State<K>,
    group: &GroupId,
    topics: &[(K, Vec<Partition>)],
    generations_limit: usize,
) -> bool {
    let mut changed = false;
    let mut group_topics = state.by_group.remove(group).unwrap_or_default();
    for (topic, partitions) in topics {
        let incoming = sorted_unique(partitions);
        if incoming.is_empty() {
            continue;
        }
        changed = true;
        group_topics.insert(topic.clone());
        let snapshot = &mut state.snapshot;
        snapshot
            .assignments
            .upsert_in_place(topic.clone(), |owned| {
                Arc::new(merge_owned(owned.map(|a| &**a), &incoming, group))
            });
        snapshot
            .generations
            .upsert_last(topic.clone(), |generations| {
                Arc::new(bump_generations(generations.map(|g| &**g), &incoming))
            });
    }
    if !group_topics.is_empty() {
        state.by_group.insert(group.clone(), group_topics);
    }
    evict_generations(&mut state.snapshot, generations_limit);
    changed
}

/// Drops the least recently assigned topics' generations beyond `limit`; true when any went.
pub(crate) fn evict_generations<K: TopicKey>(snapshot: &mut Snapshot<K>, limit: usize) -> bool {
    let mut evicted = false;
    while snapshot.generations.len() > limit {
        snapshot.generations.pop_first();
        evicted = true;
    }
    evicted
}

/// One step of [`merge_sorted`]: an element of the old sequence only, of the new one only, or
/// of both (equal keys).
enum Merged<'a, A, B> {
    Old(&'a A),
    New(&'a B),
    Both(&'a A, &'a B),
}

/// Walks two sequences, each ascending by key without duplicates, once in key order: the one
/// two-pointer merge behind every change that combines partitions.
fn merge_sorted<'a, A, B>(
    old: &'a [A],
    new: &'a [B],
    old_key: impl Fn(&A) -> Partition,
    new_key: impl Fn(&B) -> Partition,
    mut emit: impl FnMut(Merged<'a, A, B>),
) {
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => old_key(a).cmp(&new_key(b)),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                emit(Merged::Old(&old[i]));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                emit(Merged::New(&new[j]));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                emit(Merged::Both(&old[i], &new[j]));
                i += 1;
                j += 1;
            }
        }
    }
}

/// Merges `incoming` (sorted, unique) into `existing`, `group` owning every incoming partition.
fn merge_owned(
    existing: Option<&TopicAssignment>,
    incoming: &[Partition],
    group: &GroupId,
) -> TopicAssignment {
    let Some(existing) = existing else {
        return TopicAssignment::owned_by_one(incoming.to_vec(), group.clone());
    };
    let capacity = existing.partitions().len() + incoming.len();
    if existing.sole_owner() == Some(group) {
        // The common case: one group owns the topic's partitions before and after.
        let mut partitions = Vec::with_capacity(capacity);
        merge_sorted(
            existing.partitions(),
            incoming,
            |p| *p,
            |p| *p,
            |step| {
                partitions.push(match step {
                    Merged::Old(p) | Merged::New(p) | Merged::Both(_, p) => *p,
                })
            },
        );
        return TopicAssignment::owned_by_one(partitions, group.clone());
    }
    let old: Vec<(Partition, &GroupId)> = existing.owned().collect();
    let mut partitions = Vec::with_capacity(capacity);
    let mut owners = Vec::with_capacity(capacity);
    merge_sorted(
        &old,
        incoming,
        |(p, _)| *p,
        |p| *p,
        |step| {
            let (partition, owner) = match step {
                Merged::Old((p, owner)) => (*p, (*owner).clone()),
                Merged::New(p) | Merged::Both(_, p) => (*p, group.clone()),
            };
            partitions.push(partition);
            owners.push(owner);
        },
    );
    TopicAssignment::from_sorted(partitions, owners)
}

/// Adds one to the generation of every partition in `incoming` (sorted, unique).
fn bump_generations(
    existing: Option<&TopicGenerations>,
    incoming: &[Partition],
) -> TopicGenerations {
    let old: &[(Partition, Generation)] = existing.map_or(&[], |g| g.partitions());
    let mut merged = Vec::with_capacity(old.len() + incoming.len());
    merge_sorted(
        old,
        incoming,
        |(p, _)| *p,
        |p| *p,
        |step| {
            merged.push(match step {
                Merged::Old(kept) => *kept,
                Merged::Both((p, generation), _) => (*p, generation + 1),
                Merged::New(p) => (*p, 1),
            })
        },
    );
    TopicGenerations::from_sorted(merged)
}

/// Drops the partitions of `topic` that `group` owns and `drop` selects; true when any went.
fn release<K: TopicKey>(
    state: &mut State<K>,
    topic: &K,
    group: &GroupId,
    drop: impl Fn(Partition) -> bool,
) -> bool {
    let Some(current) = state.snapshot.assignments.get(topic).cloned() else {
        return false;
    };
    let replacement = match current.sole_owner() {
        // The common case: one group owns them all, so only partition numbers are filtered.
        Some(owner) if owner != group => return false,
        Some(owner) => {
            let kept: Vec<Partition> = current
                .partitions()
                .iter()
                .copied()
                .filter(|partition| !drop(*partition))
                .collect();
            if kept.len() == current.partitions().len() {
                return false;
            }
            (!kept.is_empty()).then(|| TopicAssignment::owned_by_one(kept, owner.clone()))
        }
        None => {
            let (kept, gone): (Vec<_>, Vec<_>) = current
                .owned()
                .partition(|(partition, owner)| *owner != group || !drop(*partition));
            if gone.is_empty() {
                return false;
            }
            (!kept.is_empty()).then(|| {
                let (partitions, owners) = kept.into_iter().map(|(p, o)| (p, o.clone())).unzip();
                TopicAssignment::from_sorted(partitions, owners)
            })
        }
    };
    let still_owned_by_group = match replacement {
        None => {
            state.snapshot.assignments.remove(topic);
            false
        }
        Some(assignment) => {
            let still = assignment.owned_by(group) > 0;
            state
                .snapshot
                .assignments
                .insert_in_place(topic.clone(), Arc::new(assignment));
            still
        }
    };
    if !still_owned_by_group {
        if let Some(topics) = state.by_group.get_mut(group) {
            topics.remove(topic);
            if topics.is_empty() {
                state.by_group.remove(group);
            }
        }
    }
    true
}

fn revoke<K: TopicKey>(
    state: &mut State<K>,
    group: &GroupId,
    topics: &[(K, Vec<Partition>)],
) -> bool {
    let mut changed = false;
    for (topic, partitions) in topics {
        let gone = sorted_unique(partitions);
        changed |= release(state, topic, group, |p| gone.binary_search(&p).is_ok());
    }
    changed
}

fn reset<K: TopicKey>(state: &mut State<K>, group: &GroupId) -> bool {
    let topics: Vec<K> = state
        .by_group
        .get(group)
        .map_or_else(Vec::new, |topics| topics.iter().cloned().collect());
    let mut changed = false;
    for topic in &topics {
        changed |= release(state, topic, group, |_| true);
    }
    state.by_group.remove(group);
    changed
}

fn clear<K: TopicKey>(state: &mut State<K>) -> bool {
    let changed = !state.snapshot.assignments.is_empty() || !state.snapshot.generations.is_empty();
    // The connection states are not assignments: they stay.
    state.snapshot = Snapshot {
        version: state.snapshot.version,
        connections: Arc::clone(&state.snapshot.connections),
        ..Snapshot::default()
    };
    state.by_group.clear();
    changed
}

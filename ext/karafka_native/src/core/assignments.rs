//! The assignments tracker's core: one lock around the state, snapshots published per change.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Hasher of the per-group topic sets (small keys chosen by this process; see `OrderedMap`).
type FastHash = foldhash::fast::RandomState;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::{ArcSwap, Guard};

use super::coordinator::Connections;
use super::fork_safe_lock::{ForkSafeLock, LockGuard};
use super::partition::{Generation, GroupId, Partition};
use super::snapshot::{Snapshot, TopicAssignment, TopicGenerations, TopicKey};

/// The default bound on topics with recorded generations (Karafka's own bound).
pub const DEFAULT_GENERATIONS_LIMIT: usize = 100_000;

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
struct State<K: TopicKey> {
    snapshot: Snapshot<K>,
    by_group: HashMap<GroupId, HashSet<K, FastHash>, FastHash>,
}

impl<K: TopicKey> State<K> {
    fn from_snapshot(snapshot: Snapshot<K>) -> Self {
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

/// The tracker's shared core, usable from any thread; knows nothing of Ruby or Karafka.
///
/// Writers take one mutex ([`ForkSafeLock`]); readers load the published [`Snapshot`] (the
/// assignments and the connection states of one moment) without any lock.
pub struct AssignmentsCore<K: TopicKey> {
    state: ForkSafeLock<State<K>>,
    published: ArcSwap<Snapshot<K>>,
    /// The bound on topics with generations. Changed only by a writer, under the lock, and read
    /// by writers under the lock (the lock orders them); other readers get a recent value.
    generations_limit: AtomicUsize,
    /// The placeholder a writer leaves while it works on the connection states.
    empty_connections: Arc<Connections>,
}

/// Write access to the core, held while the lock is held. Each applied change is published at
/// once; dropping the writer releases the lock.
pub struct Writer<'a, K: TopicKey> {
    core: &'a AssignmentsCore<K>,
    state: LockGuard<State<K>>,
}

impl<K: TopicKey> AssignmentsCore<K> {
    /// An empty tracker that keeps generations for at most `generations_limit` topics.
    pub fn new(generations_limit: usize) -> Self {
        let snapshot = Snapshot::default();
        Self {
            published: ArcSwap::from_pointee(snapshot.clone()),
            state: ForkSafeLock::new(State::from_snapshot(snapshot)),
            generations_limit: AtomicUsize::new(generations_limit),
            empty_connections: Arc::default(),
        }
    }

    /// The bound on topics with generations now in force.
    pub fn generations_limit(&self) -> usize {
        self.generations_limit.load(Ordering::Relaxed)
    }

    /// The latest published snapshot, kept alive as long as the caller holds it.
    pub fn snapshot(&self) -> Arc<Snapshot<K>> {
        self.published.load_full()
    }

    /// The latest published snapshot, for a short look (no reference count traffic).
    pub fn peek(&self) -> Guard<Arc<Snapshot<K>>> {
        self.published.load()
    }

    /// The latest published connection states (the coordinator's state; see
    /// [`super::coordinator`]); [`AssignmentsCore::snapshot`] has them with the assignments.
    pub fn connections(&self) -> Arc<Connections> {
        Arc::clone(&self.published.load().connections)
    }

    /// The latest published version of the assignments and generations.
    pub fn version(&self) -> u64 {
        self.published.load().version()
    }

    /// Write access if the lock is free right now.
    pub fn try_write(&self) -> Option<Writer<'_, K>> {
        let state = self.state.try_lock(|| self.recover())?;
        Some(Writer { core: self, state })
    }

    /// Write access, waiting until `cancelled` turns true or `patience` runs out (`None` then).
    pub fn write_unless(
        &self,
        cancelled: &AtomicBool,
        patience: Duration,
    ) -> Option<Writer<'_, K>> {
        let state = self
            .state
            .lock_unless(cancelled, patience, || self.recover())?;
        Some(Writer { core: self, state })
    }

    /// Write access, waiting as long as it takes.
    pub fn write(&self) -> Writer<'_, K> {
        let state = self.state.lock(|| self.recover());
        Writer { core: self, state }
    }

    /// Applies one change under the lock; true when it changed anything.
    pub fn apply(&self, change: &Change<K>) -> bool {
        self.write().apply(change)
    }

    /// How many threads wait for the lock now (a hint).
    pub fn waiting(&self) -> usize {
        self.state.waiting()
    }

    /// True while some thread holds the lock (a hint).
    pub fn is_locked(&self) -> bool {
        self.state.is_locked(|| self.recover())
    }

    /// The state a forked child starts from: the last published snapshot, always consistent.
    fn recover(&self) -> State<K> {
        State::from_snapshot((*self.published.load_full()).clone())
    }
}

impl<K: TopicKey> Writer<'_, K> {
    /// The state as this writer sees it (includes its own changes).
    pub fn snapshot(&self) -> &Snapshot<K> {
        &self.state.snapshot
    }

    /// The connection states as this writer sees them (includes its own changes).
    pub fn connections(&self) -> &Connections {
        &self.state.snapshot.connections
    }

    /// Runs `work` on the connection states and the assignments in this one critical section,
    /// then publishes a snapshot with the new connection states if `work` changed them (the
    /// assignments' version stays). `work` sees the assignments of the snapshot; its
    /// `connections` are the ones being worked on, not to be read there.
    pub fn coordinate<R>(&mut self, work: impl FnOnce(&mut Connections, &Snapshot<K>) -> R) -> R {
        let state = &mut *self.state;
        // Taken out (a shared empty placeholder stays behind) so that `work` can change them
        // while it reads the rest of the snapshot; copied on write only when the published
        // snapshot still shares them.
        let mut connections = std::mem::replace(
            &mut state.snapshot.connections,
            Arc::clone(&self.core.empty_connections),
        );
        let before = connections.version();
        let result = work(Arc::make_mut(&mut connections), &state.snapshot);
        let changed = connections.version() != before;
        state.snapshot.connections = connections;
        if changed {
            self.core.published.store(Arc::new(state.snapshot.clone()));
        }
        result
    }

    /// About how much work `change` is for the current state, in O(1): partitions touched by an
    /// assign or revoke, topics touched by a reset, every topic for a clear (it frees them all). Callers use it to decide
    /// whether to apply a change right away or to step aside first (the Ruby binding releases
    /// the GVL for costly ones).
    pub fn cost(&self, change: &Change<K>) -> usize {
        let state = &*self.state;
        match change {
            Change::Assign { topics, .. } | Change::Revoke { topics, .. } => topics
                .iter()
                .map(|(_, partitions)| partitions.len().max(1))
                .sum(),
            // Topics, not partitions: counted in O(1) (the cost is taken under the lock).
            Change::Reset { group } => state.by_group.get(group).map_or(0, |topics| topics.len()),
            Change::Clear => state.snapshot.assigned_topics() + state.snapshot.generation_topics(),
        }
    }

    /// How many topics' generations a bound of `limit` would evict now, in O(1).
    pub fn evictions_for(&self, limit: usize) -> usize {
        self.state
            .snapshot
            .generation_topics()
            .saturating_sub(limit)
    }

    /// Bounds generations to `limit` topics from now on and evicts the least recently assigned
    /// ones beyond it at once (as the next assign would); true when that evicted anything (the
    /// version then grows by one).
    pub fn set_generations_limit(&mut self, limit: usize) -> bool {
        self.core.generations_limit.store(limit, Ordering::Relaxed);
        let state = &mut *self.state;
        if !evict_generations(&mut state.snapshot, limit) {
            return false;
        }
        state.snapshot.version += 1;
        self.core.published.store(Arc::new(state.snapshot.clone()));
        true
    }

    /// Replaces the whole state with `snapshot`'s (the state of another tracker, when a tracker
    /// is copied) and publishes it, generations bound included.
    pub fn replace(&mut self, snapshot: &Snapshot<K>, generations_limit: usize) {
        self.core
            .generations_limit
            .store(generations_limit, Ordering::Relaxed);
        *self.state = State::from_snapshot(snapshot.clone());
        self.core.published.store(Arc::new(snapshot.clone()));
    }

    /// Applies `change` and publishes the result; true when it changed anything (the version
    /// then grows by one).
    pub fn apply(&mut self, change: &Change<K>) -> bool {
        let limit = self.core.generations_limit.load(Ordering::Relaxed);
        let state = &mut *self.state;
        let changed = match change {
            Change::Assign { group, topics } => assign(state, group, topics, limit),
            Change::Revoke { group, topics } => revoke(state, group, topics),
            Change::Reset { group } => reset(state, group),
            Change::Clear => clear(state),
        };
        if changed {
            state.snapshot.version += 1;
            self.core.published.store(Arc::new(state.snapshot.clone()));
        }
        changed
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
fn evict_generations<K: TopicKey>(snapshot: &mut Snapshot<K>, limit: usize) -> bool {
    let mut evicted = false;
    while snapshot.generations.len() > limit {
        snapshot.generations.pop_first();
        evicted = true;
    }
    evicted
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
    if existing.sole_owner() == Some(group) {
        // The common case: one group owns the topic's partitions before and after.
        let mut partitions = Vec::with_capacity(existing.partitions().len() + incoming.len());
        let (old, mut i, mut j) = (existing.partitions(), 0, 0);
        while i < old.len() || j < incoming.len() {
            if j == incoming.len() || (i < old.len() && old[i] < incoming[j]) {
                partitions.push(old[i]);
                i += 1;
            } else {
                if i < old.len() && old[i] == incoming[j] {
                    i += 1;
                }
                partitions.push(incoming[j]);
                j += 1;
            }
        }
        return TopicAssignment::owned_by_one(partitions, group.clone());
    }
    let old: Vec<(Partition, &GroupId)> = existing.owned().collect();
    let mut partitions = Vec::with_capacity(old.len() + incoming.len());
    let mut owners = Vec::with_capacity(old.len() + incoming.len());
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < incoming.len() {
        let take_old = j == incoming.len() || (i < old.len() && old[i].0 < incoming[j]);
        if take_old {
            partitions.push(old[i].0);
            owners.push(old[i].1.clone());
            i += 1;
        } else {
            if i < old.len() && old[i].0 == incoming[j] {
                i += 1;
            }
            partitions.push(incoming[j]);
            owners.push(group.clone());
            j += 1;
        }
    }
    TopicAssignment::from_sorted(partitions, owners)
}

/// Adds one to the generation of every partition in `incoming` (sorted, unique).
fn bump_generations(
    existing: Option<&TopicGenerations>,
    incoming: &[Partition],
) -> TopicGenerations {
    let old: &[(Partition, Generation)] = existing.map_or(&[], |g| g.partitions());
    if old.len() == incoming.len() && old.iter().zip(incoming).all(|((p, _), q)| p == q) {
        // The common case: the same partitions assigned again.
        return TopicGenerations::from_sorted(old.iter().map(|(p, g)| (*p, g + 1)).collect());
    }
    let mut merged = Vec::with_capacity(old.len() + incoming.len());
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < incoming.len() {
        if j == incoming.len() || (i < old.len() && old[i].0 < incoming[j]) {
            merged.push(old[i]);
            i += 1;
        } else if i < old.len() && old[i].0 == incoming[j] {
            merged.push((old[i].0, old[i].1 + 1));
            i += 1;
            j += 1;
        } else {
            merged.push((incoming[j], 1));
            j += 1;
        }
    }
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

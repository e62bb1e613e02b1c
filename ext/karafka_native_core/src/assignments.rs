//! The assignments tracker's core: one lock around the state, a snapshot published per change.
//! The state changes themselves are pure functions in [`crate::changes`].

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::{ArcSwap, Guard};

pub use crate::changes::Change;
use crate::changes::{self, State};
use crate::connections::Connections;
use crate::fork_safe_lock::{ForkSafeLock, LockGuard};
use crate::snapshot::{Snapshot, TopicKey};

/// The default bound on topics with recorded generations (Karafka's own bound).
pub const DEFAULT_GENERATIONS_LIMIT: usize = 100_000;

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
        if !changes::evict_generations(&mut state.snapshot, limit) {
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
        let changed = changes::apply(state, change, limit);
        if changed {
            state.snapshot.version += 1;
            self.core.published.store(Arc::new(state.snapshot.clone()));
        }
        changed
    }
}

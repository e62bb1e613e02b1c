//! The plain-Rust handle on dynamic multiplexing over a shared [`AssignmentsCore`].

use std::sync::Arc;

use crate::assignments::AssignmentsCore;
use crate::connections::{Bounds, Connections, CoordinatorError, ListenerState};
use crate::partition::GroupId;
use crate::scaling::Action;
use crate::snapshot::TopicKey;
use crate::statistics::Statistics;

/// The coordinator over a shared [`AssignmentsCore`]: every call takes the core's one lock.
///
/// The Ruby binding uses the core's writer directly (to wait without the GVL); this type is
/// the plain-Rust way in, for Rust users and tests.
pub struct Coordinator<K: TopicKey> {
    core: Arc<AssignmentsCore<K>>,
}

impl<K: TopicKey> Coordinator<K> {
    /// A coordinator sharing `core`'s lock and state.
    pub fn new(core: Arc<AssignmentsCore<K>>) -> Self {
        Self { core }
    }

    /// The shared core.
    pub fn core(&self) -> &Arc<AssignmentsCore<K>> {
        &self.core
    }

    /// See [`Connections::register`].
    pub fn register(
        &self,
        id: &GroupId,
        family: &str,
        bounds: Bounds,
    ) -> Result<bool, CoordinatorError> {
        self.core
            .write()
            .coordinate(|connections, _| connections.register(id, family, bounds))
    }

    /// See [`Connections::set_state`].
    pub fn listener_state(&self, id: &str, state: ListenerState) -> Result<bool, CoordinatorError> {
        self.core
            .write()
            .coordinate(|connections, _| connections.set_state(id, state))
    }

    /// See [`Connections::notice`].
    pub fn notice(
        &self,
        id: &str,
        statistics: Statistics,
        now_ms: u64,
    ) -> Result<(), CoordinatorError> {
        self.core
            .write()
            .coordinate(|connections, _| connections.notice(id, statistics, now_ms))
    }

    /// See [`Connections::is_stable`] (reads the published state, no lock).
    pub fn is_stable(&self, family: &str, now_ms: u64) -> Result<bool, CoordinatorError> {
        self.core.connections().is_stable(family, now_ms)
    }

    /// See [`Connections::decide`]; reads assignments and connections in one critical section.
    pub fn decide(&self, now_ms: u64) -> Vec<Action> {
        self.core
            .write()
            .coordinate(|connections, snapshot| connections.decide(snapshot, now_ms))
    }

    /// The latest published connection states.
    pub fn snapshot(&self) -> Arc<Connections> {
        self.core.connections()
    }
}

//! Dynamic multiplexing: which connection of a family to start or stop, and when.
//!
//! A family is the set of connections (subscription groups) sharing a subscription-group name.
//! The connections' listener states and noticed statistics live in [`Connections`], which sits
//! in the assignments tracker's state behind the same lock, so a decision reads the assignments
//! and the connection states in one critical section. Each change publishes a new
//! `Arc<Connections>` (see [`AssignmentsCore::connections`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::assignments::AssignmentsCore;
use super::partition::GroupId;
use super::snapshot::{Snapshot, TopicKey};
use super::statistics::Statistics;

/// Karafka's listener states, in the order a listener goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListenerState {
    /// Registered, not started.
    Pending,
    /// `start!` was called.
    Starting,
    /// Fetching and processing.
    Running,
    /// Asked to become quiet.
    Quieting,
    /// Connected but not processing.
    Quiet,
    /// Asked to stop.
    Stopping,
    /// Stopped (a stopped listener can be started again).
    Stopped,
}

impl ListenerState {
    /// Every state, in order.
    pub const ALL: [ListenerState; 7] = [
        Self::Pending,
        Self::Starting,
        Self::Running,
        Self::Quieting,
        Self::Quiet,
        Self::Stopping,
        Self::Stopped,
    ];

    /// The state Karafka calls `name` (`"pending"`, `"running"`, ...).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == name)
    }

    /// Karafka's name of the state.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Quieting => "quieting",
            Self::Quiet => "quiet",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
        }
    }

    /// Active means neither pending nor stopped (Karafka's `Listener#active?`).
    pub fn is_active(self) -> bool {
        !matches!(self, Self::Pending | Self::Stopped)
    }
}

/// A family's multiplexing bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// The fewest active connections the coordinator leaves running.
    pub min: usize,
    /// The most active connections the coordinator starts.
    pub max: usize,
    /// How many connections start with the process.
    pub boot: usize,
    /// The minimum time between two changes, and the minimum statistics age, in milliseconds.
    pub scale_delay_ms: u64,
}

impl Bounds {
    /// Checked bounds: `min <= max` and `min <= boot <= max`.
    pub fn new(
        min: usize,
        max: usize,
        boot: usize,
        scale_delay_ms: u64,
    ) -> Result<Self, CoordinatorError> {
        if min > max {
            return Err(CoordinatorError::BadBounds(format!(
                "min ({min}) is greater than max ({max})"
            )));
        }
        if boot < min || boot > max {
            return Err(CoordinatorError::BadBounds(format!(
                "boot ({boot}) is outside min..max ({min}..{max})"
            )));
        }
        Ok(Self {
            min,
            max,
            boot,
            scale_delay_ms,
        })
    }

    /// A family is dynamic when `min < max`.
    pub fn is_dynamic(&self) -> bool {
        self.min < self.max
    }
}

/// Why the coordinator refused an input (nothing was changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoordinatorError {
    /// No connection with this subscription group id was registered.
    UnknownConnection(String),
    /// No family with this name was registered.
    UnknownFamily(String),
    /// The bounds are inconsistent.
    BadBounds(String),
    /// The connection or family was registered before with other details.
    Conflict(String),
}

impl fmt::Display for CoordinatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownConnection(id) => write!(f, "unknown subscription group {id:?}"),
            Self::UnknownFamily(name) => write!(f, "unknown family {name:?}"),
            Self::BadBounds(reason) | Self::Conflict(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for CoordinatorError {}

/// What the caller should do to one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start this connection (it was pending or stopped).
    Start(GroupId),
    /// Stop this connection (it holds no assignment).
    Stop(GroupId),
}

impl Action {
    /// The connection the action is about.
    pub fn connection(&self) -> &GroupId {
        match self {
            Self::Start(id) | Self::Stop(id) => id,
        }
    }
}

/// Statistics and the time they were noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Noticed {
    /// What the report said.
    pub statistics: Statistics,
    /// When it was noticed (the caller's clock, milliseconds).
    pub at_ms: u64,
}

/// One connection (subscription group) as the coordinator sees it.
#[derive(Debug, Clone)]
pub struct Connection {
    id: GroupId,
    family: usize,
    state: ListenerState,
    noticed: Option<Noticed>,
}

impl Connection {
    /// The subscription group id.
    pub fn id(&self) -> &GroupId {
        &self.id
    }

    /// The last listener state reported (or decided).
    pub fn state(&self) -> ListenerState {
        self.state
    }

    /// The last statistics noticed, if any.
    pub fn noticed(&self) -> Option<&Noticed> {
        self.noticed.as_ref()
    }
}

/// One family: a subscription-group name, its bounds and members.
#[derive(Debug, Clone)]
pub struct Family {
    name: Arc<str>,
    bounds: Bounds,
    members: Vec<usize>,
    last_change_ms: Option<u64>,
}

impl Family {
    /// The subscription-group name.
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// The bounds given at registration.
    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// When the coordinator last decided a change for this family, if ever.
    pub fn last_change_ms(&self) -> Option<u64> {
        self.last_change_ms
    }
}

/// Every family and connection, in registration order; cloned and published on each change.
#[derive(Debug, Clone, Default)]
pub struct Connections {
    version: u64,
    families: Vec<Family>,
    connections: Vec<Connection>,
    by_id: HashMap<GroupId, usize>,
    by_family: HashMap<Arc<str>, usize>,
}

impl Connections {
    /// Grows by one with every change.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Families in registration order.
    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// Connections in registration order.
    pub fn connections(&self) -> &[Connection] {
        &self.connections
    }

    /// The connection with subscription group id `id`.
    pub fn connection(&self, id: &str) -> Option<&Connection> {
        self.by_id.get(id).map(|&index| &self.connections[index])
    }

    /// The family named `name`.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.by_family.get(name).map(|&index| &self.families[index])
    }

    /// The family of the connection `id`.
    pub fn family_of(&self, id: &str) -> Option<&Family> {
        self.connection(id).map(|c| &self.families[c.family])
    }

    /// The members of `family`, in registration order.
    pub fn members<'a>(&'a self, family: &'a Family) -> impl Iterator<Item = &'a Connection> + 'a {
        family.members.iter().map(move |&i| &self.connections[i])
    }

    /// How many members of `family` are active.
    pub fn active_count(&self, family: &Family) -> usize {
        self.members(family).filter(|c| c.state.is_active()).count()
    }

    /// Registers connection `id` in `family` (created with `bounds` when new). Registering the
    /// same connection again with the same details changes nothing; true when it changed.
    pub fn register(
        &mut self,
        id: &GroupId,
        family: &str,
        bounds: Bounds,
    ) -> Result<bool, CoordinatorError> {
        let existing_family = self.by_family.get(family).copied();
        if let Some(index) = existing_family {
            if self.families[index].bounds != bounds {
                return Err(CoordinatorError::Conflict(format!(
                    "family {family:?} was registered with {:?}, not {bounds:?}",
                    self.families[index].bounds
                )));
            }
        }
        if let Some(&index) = self.by_id.get(id) {
            let registered = &self.families[self.connections[index].family].name;
            if &**registered != family {
                return Err(CoordinatorError::Conflict(format!(
                    "subscription group {id:?} is registered in family {registered:?}, \
                     not {family:?}"
                )));
            }
            return Ok(false);
        }
        let family_index = existing_family.unwrap_or_else(|| {
            let name: Arc<str> = Arc::from(family);
            self.families.push(Family {
                name: name.clone(),
                bounds,
                members: Vec::new(),
                last_change_ms: None,
            });
            self.by_family.insert(name, self.families.len() - 1);
            self.families.len() - 1
        });
        self.connections.push(Connection {
            id: id.clone(),
            family: family_index,
            state: ListenerState::Pending,
            noticed: None,
        });
        let index = self.connections.len() - 1;
        self.families[family_index].members.push(index);
        self.by_id.insert(id.clone(), index);
        self.version += 1;
        Ok(true)
    }

    /// Records the listener state of connection `id`; true when it changed.
    pub fn set_state(&mut self, id: &str, state: ListenerState) -> Result<bool, CoordinatorError> {
        let index = self.index(id)?;
        let connection = &mut self.connections[index];
        if connection.state == state {
            return Ok(false);
        }
        connection.state = state;
        self.version += 1;
        Ok(true)
    }

    /// Records statistics of connection `id` noticed at `now_ms`.
    pub fn notice(
        &mut self,
        id: &str,
        statistics: Statistics,
        now_ms: u64,
    ) -> Result<(), CoordinatorError> {
        let index = self.index(id)?;
        self.connections[index].noticed = Some(Noticed {
            statistics,
            at_ms: now_ms,
        });
        self.version += 1;
        Ok(())
    }

    /// Whether family `name` is stable at `now_ms` (see [`Connections::is_family_stable`]).
    pub fn is_stable(&self, name: &str, now_ms: u64) -> Result<bool, CoordinatorError> {
        let family = self
            .family(name)
            .ok_or_else(|| CoordinatorError::UnknownFamily(name.to_owned()))?;
        Ok(self.is_family_stable(family, now_ms))
    }

    /// Stable at `now_ms`: the family's last change is at least `scale_delay` before `now_ms`,
    /// and every active member has statistics noticed after that change, steady (`up` and
    /// `steady`) and at least `scale_delay` old at `now_ms`.
    pub fn is_family_stable(&self, family: &Family, now_ms: u64) -> bool {
        let delay = family.bounds.scale_delay_ms;
        if let Some(last) = family.last_change_ms {
            if now_ms < last.saturating_add(delay) {
                return false;
            }
        }
        self.members(family)
            .filter(|c| c.state.is_active())
            .all(|c| match &c.noticed {
                None => false,
                Some(noticed) => {
                    family
                        .last_change_ms
                        .is_none_or(|last| noticed.at_ms > last)
                        && noticed.statistics.is_steady()
                        && noticed
                            .statistics
                            .age_at(noticed.at_ms, now_ms)
                            .is_some_and(|age| age >= i64::try_from(delay).unwrap_or(i64::MAX))
                }
            })
    }

    /// Decides at `now_ms`, for each stable dynamic family in registration order: stop the
    /// first active member without an assignment in `snapshot` while more than `min` are
    /// active; otherwise start the first pending or stopped member when some member holds more
    /// than one partition of a topic and fewer than `max` are active. Each action records
    /// `now_ms` as the family's last change and moves the member to `starting` / `stopping`.
    pub fn decide<K: TopicKey>(&mut self, snapshot: &Snapshot<K>, now_ms: u64) -> Vec<Action> {
        let mut actions = Vec::new();
        for family_index in 0..self.families.len() {
            let family = &self.families[family_index];
            if !family.bounds.is_dynamic() || !self.is_family_stable(family, now_ms) {
                continue;
            }
            let active = self.active_count(family);
            let idle = self
                .members(family)
                .find(|c| c.state.is_active() && snapshot.owned_by(&c.id).next().is_none());
            let (action, state) = match idle {
                Some(idle) if active > family.bounds.min => {
                    (Action::Stop(idle.id.clone()), ListenerState::Stopping)
                }
                _ => {
                    let crowded = self
                        .members(family)
                        .any(|c| snapshot.owned_by(&c.id).any(|(_, count)| count > 1));
                    let spare = self.members(family).find(|c| {
                        matches!(c.state, ListenerState::Pending | ListenerState::Stopped)
                    });
                    match spare {
                        Some(spare) if crowded && active < family.bounds.max => {
                            (Action::Start(spare.id.clone()), ListenerState::Starting)
                        }
                        _ => continue,
                    }
                }
            };
            let index = self.by_id[action.connection()];
            self.connections[index].state = state;
            self.families[family_index].last_change_ms = Some(now_ms);
            self.version += 1;
            actions.push(action);
        }
        actions
    }

    fn index(&self, id: &str) -> Result<usize, CoordinatorError> {
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| CoordinatorError::UnknownConnection(id.to_owned()))
    }
}

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

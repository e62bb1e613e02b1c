//! The connection states that coordinate dynamic multiplexing: families, their members, their
//! listener states and noticed statistics.
//!
//! A family is the set of connections (subscription groups) sharing a subscription-group name.
//! [`Connections`] sits in the assignments tracker's snapshot, behind the same lock, so a
//! decision (see [`crate::scaling`]) reads the assignments and the connection states in one
//! critical section. Each change publishes a new snapshot.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::partition::GroupId;
use crate::statistics::Statistics;

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
    pub(crate) id: GroupId,
    pub(crate) family: usize,
    pub(crate) state: ListenerState,
    pub(crate) noticed: Option<Noticed>,
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
    pub(crate) name: Arc<str>,
    pub(crate) bounds: Bounds,
    pub(crate) members: Vec<usize>,
    pub(crate) last_change_ms: Option<u64>,
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
    pub(crate) version: u64,
    pub(crate) families: Vec<Family>,
    pub(crate) connections: Vec<Connection>,
    pub(crate) by_id: HashMap<GroupId, usize>,
    pub(crate) by_family: HashMap<Arc<str>, usize>,
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

    fn index(&self, id: &str) -> Result<usize, CoordinatorError> {
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| CoordinatorError::UnknownConnection(id.to_owned()))
    }
}

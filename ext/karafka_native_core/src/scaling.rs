//! The scaling rules of dynamic multiplexing: when a family is stable, and which connection of
//! it to start or stop. The data they read and change is [`Connections`].

use crate::connections::{Connections, CoordinatorError, Family, ListenerState};
use crate::partition::GroupId;
use crate::snapshot::{Snapshot, TopicKey};

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

impl Connections {
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
}

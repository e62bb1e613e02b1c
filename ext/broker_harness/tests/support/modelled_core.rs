//! The shared core together with a plain reference model of its ownership rules, both changed
//! under the core's own lock: whatever the broker does, the core must equal the model, so any
//! difference between the two is a tracker fault.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use karafka_native_core::{
    AssignmentsCore, Change, GroupId, Partition, Snapshot, DEFAULT_GENERATIONS_LIMIT,
};

/// The core's ownership rules, written as plainly as possible: an assign makes the group the
/// owner (last assign wins), a revoke drops only partitions the group owns, a reset drops all
/// the group owns.
#[derive(Default)]
struct OwnershipModel {
    owners: BTreeMap<(String, Partition), GroupId>,
}

impl OwnershipModel {
    /// Applies `change` the way the core documents it.
    fn apply(&mut self, change: &Change<String>) {
        match change {
            Change::Assign { group, topics } => {
                for (key, partitions) in topics {
                    for partition in partitions {
                        self.owners.insert((key.clone(), *partition), group.clone());
                    }
                }
            }
            Change::Revoke { group, topics } => {
                for (key, partitions) in topics {
                    for partition in partitions {
                        let key_partition = (key.clone(), *partition);
                        if self.owners.get(&key_partition) == Some(group) {
                            self.owners.remove(&key_partition);
                        }
                    }
                }
            }
            Change::Reset { group } => self.owners.retain(|_, owner| owner != group),
            Change::Clear => self.owners.clear(),
        }
    }
}

/// One `AssignmentsCore<String>` shared by every consumer of the storm, plus its reference model.
pub struct ModelledCore {
    core: AssignmentsCore<String>,
    model: Mutex<OwnershipModel>,
}

impl Default for ModelledCore {
    fn default() -> Self {
        Self {
            core: AssignmentsCore::new(DEFAULT_GENERATIONS_LIMIT),
            model: Mutex::default(),
        }
    }
}

impl ModelledCore {
    /// Applies `change` to the core and to the model while holding the core's write lock, so
    /// both see the changes of all threads in the same order.
    pub fn apply(&self, change: &Change<String>) {
        let mut writer = self.core.write();
        writer.apply(change);
        self.model.lock().unwrap().apply(change);
    }

    /// The core's latest published snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot<String>> {
        self.core.snapshot()
    }

    /// The model's owners of the keys starting with `prefix`.
    pub fn model_owners(&self, prefix: &str) -> BTreeMap<(String, Partition), GroupId> {
        let model = self.model.lock().unwrap();
        model
            .owners
            .iter()
            .filter(|((key, _), _)| key.starts_with(prefix))
            .map(|(key_partition, owner)| (key_partition.clone(), owner.clone()))
            .collect()
    }
}

//! Which live consumers hold each partition according to the rebalance callbacks, so that the
//! broker handing a partition to a second consumer of the group is caught when it happens.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use karafka_native_core::{GroupId, Partition};

/// A partition assigned to one consumer while another live consumer of the group held it.
#[derive(Debug, Clone)]
pub struct Overlap {
    /// Time since the storm started.
    pub at: Duration,
    /// The partition's core key.
    pub key: String,
    /// The partition.
    pub partition: Partition,
    /// The consumer the broker assigned it to.
    pub assigned_to: GroupId,
    /// The consumers that held it already (they had not been told to revoke it).
    pub held_by: Vec<GroupId>,
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held_by: Vec<&str> = self.held_by.iter().map(|g| &**g).collect();
        write!(
            f,
            "BROKER-SIDE OVERLAP (not a tracker fault) at {:.1}s: {}[{}] assigned to {} while \
             {} still held it",
            self.at.as_secs_f64(),
            self.key,
            self.partition,
            self.assigned_to,
            held_by.join(", ")
        )
    }
}

/// Holders per partition, and the overlaps seen since they were last taken.
pub struct PartitionHolders {
    started: Instant,
    holders: Mutex<BTreeMap<(String, Partition), BTreeSet<GroupId>>>,
    overlaps: Mutex<Vec<Overlap>>,
}

impl PartitionHolders {
    /// No holders yet; overlap times are counted from `started`.
    pub fn new(started: Instant) -> Self {
        Self {
            started,
            holders: Mutex::default(),
            overlaps: Mutex::default(),
        }
    }

    /// `connection` now holds `topics` (after librdkafka assigned them); records an overlap for
    /// every partition another consumer still holds.
    pub fn assigned(&self, connection: &GroupId, topics: &[(String, Vec<Partition>)]) {
        let mut holders = self.holders.lock().unwrap();
        for (key, partitions) in topics {
            for partition in partitions {
                let held = holders.entry((key.clone(), *partition)).or_default();
                let others: Vec<GroupId> =
                    held.iter().filter(|h| *h != connection).cloned().collect();
                if !others.is_empty() {
                    self.overlaps.lock().unwrap().push(Overlap {
                        at: self.started.elapsed(),
                        key: key.clone(),
                        partition: *partition,
                        assigned_to: connection.clone(),
                        held_by: others,
                    });
                }
                held.insert(connection.clone());
            }
        }
    }

    /// `connection` no longer holds `topics` (after librdkafka unassigned them).
    pub fn revoked(&self, connection: &GroupId, topics: &[(String, Vec<Partition>)]) {
        let mut holders = self.holders.lock().unwrap();
        for (key, partitions) in topics {
            for partition in partitions {
                let key_partition = (key.clone(), *partition);
                if let Some(held) = holders.get_mut(&key_partition) {
                    held.remove(connection);
                    if held.is_empty() {
                        holders.remove(&key_partition);
                    }
                }
            }
        }
    }

    /// `connection` is gone (closed or killed): it holds nothing any more.
    pub fn gone(&self, connection: &GroupId) {
        let mut holders = self.holders.lock().unwrap();
        holders.retain(|_, held| {
            held.remove(connection);
            !held.is_empty()
        });
    }

    /// Takes the overlaps recorded since the last call.
    pub fn take_overlaps(&self) -> Vec<Overlap> {
        std::mem::take(&mut *self.overlaps.lock().unwrap())
    }
}

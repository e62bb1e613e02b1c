//! An independent count of assign callbacks per partition, to check the core's generations.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use karafka_native_core::Partition;

/// How many assign callbacks named each `(core key, partition)`, counted apart from the core.
#[derive(Default)]
pub struct AssignLedger {
    counts: Mutex<BTreeMap<(String, Partition), u64>>,
}

impl AssignLedger {
    /// Counts one assign callback: each partition it names once, however often it is listed.
    pub fn record(&self, topics: &[(String, Vec<Partition>)]) {
        let named: BTreeSet<(&String, Partition)> = topics
            .iter()
            .flat_map(|(key, partitions)| partitions.iter().map(move |p| (key, *p)))
            .collect();
        let mut counts = self.counts.lock().unwrap();
        for (key, partition) in named {
            *counts.entry((key.clone(), partition)).or_default() += 1;
        }
    }

    /// Every partition ever assigned, with its count of assign callbacks.
    pub fn counts(&self) -> BTreeMap<(String, Partition), u64> {
        self.counts.lock().unwrap().clone()
    }
}

//! Immutable, versioned views of the assignments state.

use std::hash::Hash;
use std::sync::Arc;

use super::ordered_map::OrderedMap;
use super::partition::{Generation, GroupId, Partition};

/// What a topic key must be: cheap to clone, comparable, and shareable across threads.
///
/// The Ruby binding uses the address of a pinned Ruby object (identity); Rust users may use
/// topic names.
pub trait TopicKey: Clone + Eq + Hash + Send + Sync + 'static {}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> TopicKey for T {}

/// The partitions of one topic that this process owns, and which subscription group owns each.
///
/// Invariant: `partitions` is sorted ascending without duplicates, and `owners[i]` is the
/// subscription group that was assigned `partitions[i]` last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicAssignment {
    partitions: Vec<Partition>,
    owners: Vec<GroupId>,
}

impl TopicAssignment {
    pub(crate) fn from_sorted(partitions: Vec<Partition>, owners: Vec<GroupId>) -> Self {
        debug_assert!(partitions.windows(2).all(|pair| pair[0] < pair[1]));
        debug_assert_eq!(partitions.len(), owners.len());
        Self { partitions, owners }
    }

    /// Owned partitions, ascending.
    pub fn partitions(&self) -> &[Partition] {
        &self.partitions
    }

    /// `(partition, owning subscription group)` pairs, ascending by partition.
    pub fn owned(&self) -> impl Iterator<Item = (Partition, &GroupId)> + '_ {
        self.partitions.iter().copied().zip(self.owners.iter())
    }

    /// How many of the partitions `group` owns.
    pub fn owned_by(&self, group: &str) -> usize {
        self.owners
            .iter()
            .filter(|owner| &***owner == group)
            .count()
    }
}

/// The generation of every partition of one topic that was ever assigned (sorted ascending).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicGenerations {
    partitions: Vec<(Partition, Generation)>,
}

impl TopicGenerations {
    pub(crate) fn from_sorted(partitions: Vec<(Partition, Generation)>) -> Self {
        debug_assert!(partitions.windows(2).all(|pair| pair[0].0 < pair[1].0));
        Self { partitions }
    }

    /// `(partition, generation)` pairs, ascending by partition.
    pub fn partitions(&self) -> &[(Partition, Generation)] {
        &self.partitions
    }

    /// The generation of `partition`, 0 when it was never assigned.
    pub fn generation(&self, partition: Partition) -> Generation {
        self.partitions
            .binary_search_by_key(&partition, |(p, _)| *p)
            .map_or(0, |index| self.partitions[index].1)
    }
}

/// One immutable state of the tracker. Cloning is O(1): the maps share structure.
///
/// Invariants: no topic in `assignments` has an empty partition list; `generations` is ordered
/// from least to most recently assigned topic; `version` grows by one with every change.
#[derive(Debug, Clone)]
pub struct Snapshot<K: TopicKey> {
    pub(crate) version: u64,
    pub(crate) assignments: OrderedMap<K, Arc<TopicAssignment>>,
    pub(crate) generations: OrderedMap<K, Arc<TopicGenerations>>,
}

impl<K: TopicKey> Default for Snapshot<K> {
    fn default() -> Self {
        Self {
            version: 0,
            assignments: OrderedMap::default(),
            generations: OrderedMap::default(),
        }
    }
}

impl<K: TopicKey> Snapshot<K> {
    /// The version of the state this snapshot shows.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Owned topics in the order in which they were first assigned, each with its partitions.
    pub fn assignments(&self) -> impl Iterator<Item = (&K, &Arc<TopicAssignment>)> + '_ {
        self.assignments.iter()
    }

    /// Number of topics with at least one owned partition.
    pub fn assigned_topics(&self) -> usize {
        self.assignments.len()
    }

    /// The owned partitions of `topic`, ascending; empty when none.
    pub fn partitions(&self, topic: &K) -> &[Partition] {
        self.assignments
            .get(topic)
            .map_or(&[], |assignment| assignment.partitions())
    }

    /// Every topic ever assigned (up to the generations limit), least recently assigned first.
    pub fn generations(&self) -> impl Iterator<Item = (&K, &Arc<TopicGenerations>)> + '_ {
        self.generations.iter()
    }

    /// Number of topics with recorded generations.
    pub fn generation_topics(&self) -> usize {
        self.generations.len()
    }

    /// How many times `partition` of `topic` was assigned; 0 when never (or evicted).
    pub fn generation(&self, topic: &K, partition: Partition) -> Generation {
        self.generations
            .get(topic)
            .map_or(0, |generations| generations.generation(partition))
    }

    /// Every topic key this snapshot refers to (a key may appear twice).
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.assignments.keys().chain(self.generations.keys())
    }

    /// Topics and partition counts owned by the subscription group `group`.
    pub fn owned_by<'a>(&'a self, group: &'a str) -> impl Iterator<Item = (&'a K, usize)> + 'a {
        self.assignments
            .iter()
            .map(move |(topic, assignment)| (topic, assignment.owned_by(group)))
            .filter(|(_, count)| *count > 0)
    }
}

//! Immutable, versioned views of the assignments state.

use std::hash::Hash;
use std::sync::Arc;

use crate::connections::Connections;
use crate::ordered_map::OrderedMap;
use crate::partition::{Generation, GroupId, Partition};

/// What a topic key must be: cheap to clone, comparable, and shareable across threads.
///
/// The Ruby binding uses the address of a pinned Ruby object (identity); Rust users may use
/// topic names.
pub trait TopicKey: Clone + Eq + Hash + Send + Sync + 'static {}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> TopicKey for T {}

/// The partitions of one topic that this process owns, and which subscription group owns each.
///
/// Invariant: `partitions` is sorted ascending without duplicates; `owners` names the
/// subscription group that was assigned each partition last, in the compact form whenever one
/// group owns them all (see [`Owners`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicAssignment {
    partitions: Vec<Partition>,
    owners: Owners,
}

/// The owners of a topic's partitions.
///
/// Invariant: `Each` is used only when at least two groups own partitions of the topic, and
/// then holds one owner per partition, in the partitions' order. Almost always a single
/// subscription group owns every partition of a topic that it got, so `One` keeps one shared
/// group id per topic instead of one per partition.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Owners {
    One(GroupId),
    Each(Vec<GroupId>),
}

impl TopicAssignment {
    /// `partitions` (sorted ascending, unique, not empty), every one owned by `group`.
    pub(crate) fn owned_by_one(partitions: Vec<Partition>, group: GroupId) -> Self {
        debug_assert!(partitions.windows(2).all(|pair| pair[0] < pair[1]));
        Self {
            partitions,
            owners: Owners::One(group),
        }
    }

    /// `partitions` (sorted ascending, unique, not empty) with one owner each.
    pub(crate) fn from_sorted(partitions: Vec<Partition>, owners: Vec<GroupId>) -> Self {
        debug_assert!(partitions.windows(2).all(|pair| pair[0] < pair[1]));
        debug_assert_eq!(partitions.len(), owners.len());
        let owners = match owners.first() {
            Some(first) if owners.iter().all(|owner| owner == first) => Owners::One(first.clone()),
            _ => Owners::Each(owners),
        };
        Self { partitions, owners }
    }

    /// Owned partitions, ascending.
    pub fn partitions(&self) -> &[Partition] {
        &self.partitions
    }

    /// The group that owns every partition, when a single one does.
    pub fn sole_owner(&self) -> Option<&GroupId> {
        match &self.owners {
            Owners::One(group) => Some(group),
            Owners::Each(_) => None,
        }
    }

    /// `(partition, owning subscription group)` pairs, ascending by partition.
    pub fn owned(&self) -> impl Iterator<Item = (Partition, &GroupId)> + '_ {
        self.partitions
            .iter()
            .enumerate()
            .map(move |(index, partition)| (*partition, self.owner_at(index)))
    }

    /// How many of the partitions `group` owns.
    pub fn owned_by(&self, group: &str) -> usize {
        match &self.owners {
            Owners::One(owner) if &**owner == group => self.partitions.len(),
            Owners::One(_) => 0,
            Owners::Each(owners) => owners.iter().filter(|owner| &***owner == group).count(),
        }
    }

    fn owner_at(&self, index: usize) -> &GroupId {
        match &self.owners {
            Owners::One(group) => group,
            Owners::Each(owners) => &owners[index],
        }
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

/// One immutable state of the tracker: the assignments, their generations and the connection
/// states that coordinate multiplexing, all as of one moment. Cloning is O(1): the maps share
/// structure.
///
/// Invariants: no topic in `assignments` has an empty partition list; `generations` is ordered
/// from least to most recently assigned topic; `version` grows by one with every change of the
/// assignments or generations; `connections` carries its own version, which grows with every
/// change of the connection states.
#[derive(Debug, Clone)]
pub struct Snapshot<K: TopicKey> {
    pub(crate) version: u64,
    pub(crate) assignments: OrderedMap<K, Arc<TopicAssignment>>,
    pub(crate) generations: OrderedMap<K, Arc<TopicGenerations>>,
    pub(crate) connections: Arc<Connections>,
}

impl<K: TopicKey> Default for Snapshot<K> {
    fn default() -> Self {
        Self {
            version: 0,
            assignments: OrderedMap::default(),
            generations: OrderedMap::default(),
            connections: Arc::default(),
        }
    }
}

impl<K: TopicKey> Snapshot<K> {
    /// The version of the assignments and generations this snapshot shows.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The connection states (the coordinator's state) as of the same moment as the
    /// assignments.
    pub fn connections(&self) -> &Arc<Connections> {
        &self.connections
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

    /// The assignments as the ordered map they are kept in (for views that diff two snapshots).
    pub fn assignment_map(&self) -> &OrderedMap<K, Arc<TopicAssignment>> {
        &self.assignments
    }

    /// The generations as the ordered map they are kept in (least recently assigned first).
    pub fn generation_map(&self) -> &OrderedMap<K, Arc<TopicGenerations>> {
        &self.generations
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

#[cfg(test)]
mod tests {
    use super::TopicAssignment;
    use crate::GroupId;

    fn group(name: &str) -> GroupId {
        GroupId::from(name)
    }

    #[test]
    fn one_owner_is_kept_once_and_mixed_owners_per_partition() {
        let single = TopicAssignment::from_sorted(vec![0, 1, 2], vec![group("a"); 3]);
        assert_eq!(single.sole_owner(), Some(&group("a")));
        assert_eq!(
            single,
            TopicAssignment::owned_by_one(vec![0, 1, 2], group("a"))
        );
        assert_eq!(single.owned_by("a"), 3);
        assert_eq!(single.owned_by("b"), 0);

        let mixed =
            TopicAssignment::from_sorted(vec![0, 1, 2], vec![group("a"), group("b"), group("a")]);
        assert_eq!(mixed.sole_owner(), None);
        assert_eq!(mixed.owned_by("a"), 2);
        let owned: Vec<_> = mixed.owned().map(|(p, o)| (p, o.to_string())).collect();
        assert_eq!(owned, [(0, "a".into()), (1, "b".into()), (2, "a".into())]);
    }
}

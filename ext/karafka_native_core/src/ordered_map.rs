//! A persistent map that remembers the order in which keys were placed.
//!
//! Neither `imbl` nor `rpds` offers an insertion-ordered persistent map, so this small one is
//! written here on top of two `imbl` maps: a hash index from key to sequence number and an
//! ordered map from sequence number to entry. Cloning is O(1) and shares structure, which is
//! what lets the tracker publish a fresh immutable snapshot after every change without copying
//! the whole state.

use std::hash::Hash;

use imbl::ordmap::DiffItem;
use imbl::shared_ptr::DefaultSharedPtr;
use imbl::{GenericHashMap, OrdMap};

/// The key index's hasher: keys are small (addresses, names) and chosen by this process, so a
/// fast non-cryptographic hash (foldhash, hashbrown's own) replaces SipHash.
type IndexHasher = foldhash::fast::RandomState;

/// One difference between two [`OrderedMap`]s (see [`OrderedMap::diff`]).
#[derive(Debug, PartialEq, Eq)]
pub enum SeqDiff<'a, K, V> {
    /// An entry only the second map has.
    Added(u64, &'a K, &'a V),
    /// An entry only the first map has.
    Removed(u64, &'a K, &'a V),
    /// Entries with the same sequence number that differ (in value, or in key when the maps
    /// are not of one lineage).
    Updated {
        /// The sequence number both entries have.
        seq: u64,
        /// The first map's entry.
        old: (&'a K, &'a V),
        /// The second map's entry.
        new: (&'a K, &'a V),
    },
}

/// An insertion-ordered persistent map with O(1) clones.
///
/// Invariant: `index` and `entries` hold exactly the same keys, and `index[k] == seq` exactly
/// when `entries[seq].0 == k`; every sequence number in use is below `next`. Maps of one
/// `lineage` (a map and the maps derived from it by clones and changes) number entries from one
/// counter, so their sequence numbers compare.
#[derive(Clone, Debug)]
pub struct OrderedMap<K: Clone + Eq + Hash, V: Clone> {
    index: GenericHashMap<K, u64, IndexHasher, DefaultSharedPtr>,
    entries: OrdMap<u64, (K, V)>,
    next: u64,
    lineage: u64,
}

/// Source of lineage numbers: every map started afresh gets a new one.
static LINEAGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl<K: Clone + Eq + Hash, V: Clone> Default for OrderedMap<K, V> {
    fn default() -> Self {
        Self {
            index: GenericHashMap::default(),
            entries: OrdMap::new(),
            next: 0,
            lineage: LINEAGES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }
}

impl<K: Clone + Eq + Hash, V: Clone> OrderedMap<K, V> {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when the map holds no key.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// True when `self` and `other` descend from one map started afresh (by clones and
    /// changes), so that [`OrderedMap::diff`] between them reports moves and additions by
    /// their sequence numbers: additions then always come after every entry the two share.
    pub fn same_lineage(&self, other: &Self) -> bool {
        self.lineage == other.lineage
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        let seq = self.index.get(key)?;
        self.entries.get(seq).map(|(_, value)| value)
    }

    /// Stores `value` under `key`, keeping the key's position when it is already present and
    /// placing it last otherwise.
    pub fn insert_in_place(&mut self, key: K, value: V) {
        match self.index.get(&key) {
            Some(&seq) => {
                self.entries.insert(seq, (key, value));
            }
            None => self.push_last(key, value),
        }
    }

    /// Stores `value` under `key` and moves the key to the last position.
    pub fn insert_last(&mut self, key: K, value: V) {
        self.upsert_last(key, |_| value);
    }

    /// Replaces the value under `key` with `make(current value)`, keeping the key's position,
    /// or places the key last when it is new: one index lookup either way.
    pub fn upsert_in_place(&mut self, key: K, make: impl FnOnce(Option<&V>) -> V) {
        match self.index.get(&key) {
            Some(seq) => {
                let entry = self
                    .entries
                    .get_mut(seq)
                    .expect("index and entries hold the same keys");
                entry.1 = make(Some(&entry.1));
            }
            None => {
                let value = make(None);
                self.push_last(key, value);
            }
        }
    }

    /// Replaces the value under `key` with `make(current value)` and moves the key to the last
    /// position (new keys go last too): one index lookup either way.
    pub fn upsert_last(&mut self, key: K, make: impl FnOnce(Option<&V>) -> V) {
        let seq = self.next;
        self.next += 1;
        let old = match self.index.get_mut(&key) {
            Some(slot) => {
                let old_seq = std::mem::replace(slot, seq);
                self.entries.remove(&old_seq).map(|(_, value)| value)
            }
            None => {
                self.index.insert(key.clone(), seq);
                None
            }
        };
        let value = make(old.as_ref());
        self.entries.insert(seq, (key, value));
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let seq = self.index.remove(key)?;
        self.entries.remove(&seq).map(|(_, value)| value)
    }

    /// Removes and returns the entry placed longest ago.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        let seq = self.entries.get_min()?.0;
        let (key, value) = self.entries.remove(&seq)?;
        self.index.remove(&key);
        Some((key, value))
    }

    /// Entries in order, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.entries.values().map(|(key, value)| (key, value))
    }

    /// Keys in order, oldest first.
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.entries.values().map(|(key, _)| key)
    }

    /// What changed from `self` to `other`, by sequence number, ascending. Cheap when `other`
    /// was derived from `self` (or the other way round) by a few changes: shared subtrees are
    /// skipped without being walked. Entries compare with `==`, so `Arc` values that point to
    /// the same allocation are equal at once.
    ///
    /// Sequence numbers are only comparable between maps of one lineage: a map started afresh
    /// (e.g. `OrderedMap::default()`) numbers from 0 again, which shows as [`SeqDiff::Updated`]
    /// entries whose keys differ and as additions below `self`'s last sequence number.
    pub fn diff<'a>(&'a self, other: &'a Self) -> impl Iterator<Item = SeqDiff<'a, K, V>> + 'a
    where
        K: PartialEq,
        V: PartialEq,
    {
        self.entries.diff(&other.entries).map(|item| match item {
            DiffItem::Add(seq, (key, value)) => SeqDiff::Added(*seq, key, value),
            DiffItem::Remove(seq, (key, value)) => SeqDiff::Removed(*seq, key, value),
            DiffItem::Update {
                old: (seq, (old_key, old_value)),
                new: (_, (key, value)),
            } => SeqDiff::Updated {
                seq: *seq,
                old: (old_key, old_value),
                new: (key, value),
            },
        })
    }

    fn push_last(&mut self, key: K, value: V) {
        let seq = self.next;
        self.next += 1;
        self.index.insert(key.clone(), seq);
        self.entries.insert(seq, (key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::{OrderedMap, SeqDiff};

    fn keys(map: &OrderedMap<&'static str, u32>) -> Vec<&'static str> {
        map.keys().copied().collect()
    }

    #[test]
    fn keeps_insertion_order_and_moves_on_insert_last() {
        let mut map = OrderedMap::default();
        map.insert_last("a", 1);
        map.insert_last("b", 2);
        map.insert_in_place("a", 3);
        assert_eq!(keys(&map), ["a", "b"]);
        assert_eq!(map.get(&"a"), Some(&3));
        map.insert_last("a", 4);
        assert_eq!(keys(&map), ["b", "a"]);
        assert_eq!(map.pop_first(), Some(("b", 2)));
        assert_eq!(map.len(), 1);
        assert_eq!(map.remove(&"a"), Some(4));
        assert!(map.is_empty());
    }

    #[test]
    fn upserts_see_the_current_value_and_place_the_key() {
        let mut map = OrderedMap::default();
        map.upsert_in_place("a", |old| old.map_or(1, |v| v + 10));
        map.upsert_in_place("b", |old| old.map_or(2, |v| v + 10));
        map.upsert_in_place("a", |old| old.map_or(0, |v| v + 10));
        assert_eq!(keys(&map), ["a", "b"]);
        assert_eq!(map.get(&"a"), Some(&11));
        map.upsert_last("a", |old| old.map_or(0, |v| v + 100));
        assert_eq!(keys(&map), ["b", "a"]);
        assert_eq!(map.get(&"a"), Some(&111));
        map.upsert_last("c", |old| old.map_or(3, |v| v + 100));
        assert_eq!(keys(&map), ["b", "a", "c"]);
        assert_eq!(map.len(), 3);
        assert_eq!(map.pop_first(), Some(("b", 2)));
    }

    #[test]
    fn diff_reports_additions_removals_and_updates_by_seq() {
        let mut old = OrderedMap::default();
        for (key, value) in [("a", 1), ("b", 2), ("c", 3), ("d", 4)] {
            old.insert_last(key, value);
        }
        let mut new = old.clone();
        new.insert_in_place("b", 20); // updated in place (seq 1)
        new.remove(&"c"); // removed (seq 2)
        new.insert_last("a", 10); // moved: removed at seq 0, added at seq 4
        new.insert_last("e", 5); // added at seq 5
        let diff: Vec<_> = old.diff(&new).collect();
        assert_eq!(
            diff,
            [
                SeqDiff::Removed(0, &"a", &1),
                SeqDiff::Updated {
                    seq: 1,
                    old: (&"b", &2),
                    new: (&"b", &20)
                },
                SeqDiff::Removed(2, &"c", &3),
                SeqDiff::Added(4, &"a", &10),
                SeqDiff::Added(5, &"e", &5),
            ]
        );
        assert_eq!(old.diff(&old.clone()).count(), 0);
        // Equal values under the same key and number are no difference.
        let mut same = old.clone();
        same.insert_in_place("d", 4);
        assert_eq!(old.diff(&same).count(), 0);
    }

    #[test]
    fn diff_of_maps_of_different_lineage_shows_differing_keys() {
        let mut old = OrderedMap::default();
        old.insert_last("a", 1);
        let mut fresh = OrderedMap::default();
        fresh.insert_last("b", 1);
        assert!(!old.same_lineage(&fresh));
        assert!(old.same_lineage(&old.clone()));
        let diff: Vec<_> = old.diff(&fresh).collect();
        assert_eq!(
            diff,
            [SeqDiff::Updated {
                seq: 0,
                old: (&"a", &1),
                new: (&"b", &1)
            }]
        );
    }

    #[test]
    fn clones_are_independent() {
        let mut map = OrderedMap::default();
        map.insert_last("a", 1);
        let frozen = map.clone();
        map.insert_last("b", 2);
        map.remove(&"a");
        assert_eq!(keys(&frozen), ["a"]);
        assert_eq!(keys(&map), ["b"]);
    }
}

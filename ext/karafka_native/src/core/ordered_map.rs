//! A persistent map that remembers the order in which keys were placed.
//!
//! Neither `imbl` nor `rpds` offers an insertion-ordered persistent map, so this small one is
//! written here on top of two `imbl` maps: a hash index from key to sequence number and an
//! ordered map from sequence number to entry. Cloning is O(1) and shares structure, which is
//! what lets the tracker publish a fresh immutable snapshot after every change without copying
//! the whole state.

use std::hash::Hash;

use imbl::{HashMap, OrdMap};

/// An insertion-ordered persistent map with O(1) clones.
///
/// Invariant: `index` and `entries` hold exactly the same keys, and `index[k] == seq` exactly
/// when `entries[seq].0 == k`; every sequence number in use is below `next`.
#[derive(Clone, Debug)]
pub struct OrderedMap<K: Clone + Eq + Hash, V: Clone> {
    index: HashMap<K, u64>,
    entries: OrdMap<u64, (K, V)>,
    next: u64,
}

impl<K: Clone + Eq + Hash, V: Clone> Default for OrderedMap<K, V> {
    fn default() -> Self {
        Self {
            index: HashMap::new(),
            entries: OrdMap::new(),
            next: 0,
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
        if let Some(seq) = self.index.remove(&key) {
            self.entries.remove(&seq);
        }
        self.push_last(key, value);
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

    fn push_last(&mut self, key: K, value: V) {
        let seq = self.next;
        self.next += 1;
        self.index.insert(key.clone(), seq);
        self.entries.insert(seq, (key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::OrderedMap;

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

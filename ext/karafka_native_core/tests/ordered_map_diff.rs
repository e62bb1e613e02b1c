//! `OrderedMap::diff` must report every difference between two maps of one lineage, in
//! sequence order, so that replaying it on the old map's entries gives the new map's entries in
//! their order. (imbl 6's `OrdMap::diff` dropped differences after shared nodes, imbl issue
//! #161; the Ruby views patch a copy of the previous Hash from this diff.)

use karafka_native_core::{OrderedMap, SeqDiff};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    InPlace(u16, u32),
    Last(u16, u32),
    Remove(u16),
    PopFirst,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..300u16, any::<u32>()).prop_map(|(k, v)| Op::InPlace(k, v)),
        (0..300u16, any::<u32>()).prop_map(|(k, v)| Op::Last(k, v)),
        (0..300u16).prop_map(Op::Remove),
        Just(Op::PopFirst),
    ]
}

fn apply(map: &mut OrderedMap<u16, u32>, op: &Op) {
    match *op {
        Op::InPlace(k, v) => map.insert_in_place(k, v),
        Op::Last(k, v) => map.insert_last(k, v),
        Op::Remove(k) => {
            map.remove(&k);
        }
        Op::PopFirst => {
            map.pop_first();
        }
    }
}

/// What the Ruby views do: removals delete, updates replace in place, additions append.
fn replay(old: &OrderedMap<u16, u32>, new: &OrderedMap<u16, u32>) -> Vec<(u16, u32)> {
    let mut entries: Vec<(u16, u32)> = old.iter().map(|(k, v)| (*k, *v)).collect();
    for change in old.diff(new) {
        match change {
            SeqDiff::Removed(_, key, _) => entries.retain(|(k, _)| k != key),
            SeqDiff::Updated {
                new: (key, value), ..
            } => {
                let slot = entries
                    .iter_mut()
                    .find(|(k, _)| k == key)
                    .expect("updated key");
                slot.1 = *value;
            }
            SeqDiff::Added(_, key, value) => entries.push((*key, *value)),
        }
    }
    entries
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_diff_replays_the_old_map_into_the_new_one(
        base in prop::collection::vec(op(), 0..600),
        changes in prop::collection::vec(op(), 0..40),
    ) {
        let mut old = OrderedMap::default();
        for op in &base {
            apply(&mut old, op);
        }
        let mut new = old.clone();
        for op in &changes {
            apply(&mut new, op);
        }
        let expected: Vec<(u16, u32)> = new.iter().map(|(k, v)| (*k, *v)).collect();
        prop_assert_eq!(replay(&old, &new), expected);
    }
}

/// The reproduction of imbl issue #161, on our map: one value changed in a big map.
#[test]
fn every_single_update_in_a_big_map_is_reported() {
    let mut map = OrderedMap::default();
    for key in 0..8_000u16 {
        map.insert_last(key, 0u32);
    }
    for key in (0..8_000u16).step_by(7) {
        let mut changed = map.clone();
        changed.insert_in_place(key, 1);
        let diff: Vec<_> = map.diff(&changed).collect();
        assert_eq!(diff.len(), 1, "key {key}");
    }
}

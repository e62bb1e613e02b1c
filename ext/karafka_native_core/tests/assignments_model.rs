//! Property test: random operation sequences against a plain, obviously-correct model.

use std::collections::BTreeMap;
use std::sync::Arc;

use karafka_native_core::{AssignmentsCore, Change, GroupId};
use proptest::prelude::*;

/// The model: ordered vectors and maps, no persistence, no cleverness.
#[derive(Default)]
struct Model {
    version: u64,
    /// Insertion-ordered topics with partition -> owner.
    assignments: Vec<(u8, BTreeMap<i32, String>)>,
    /// Least recently assigned first.
    generations: Vec<(u8, BTreeMap<i32, u64>)>,
    /// The bound on topics with generations.
    limit: usize,
}

impl Model {
    fn apply(&mut self, op: &Op) {
        let limit = self.limit;
        let changed = match op {
            Op::Assign(g, topics) => {
                let mut changed = false;
                for (t, ps) in topics {
                    if ps.is_empty() {
                        continue;
                    }
                    changed = true;
                    let pos = self.assignments.iter().position(|(k, _)| k == t);
                    let idx = pos.unwrap_or_else(|| {
                        self.assignments.push((*t, BTreeMap::new()));
                        self.assignments.len() - 1
                    });
                    let gpos = self.generations.iter().position(|(k, _)| k == t);
                    let mut gens = gpos
                        .map(|i| self.generations.remove(i).1)
                        .unwrap_or_default();
                    let mut unique = ps.clone();
                    unique.sort();
                    unique.dedup();
                    for p in unique {
                        self.assignments[idx].1.insert(p, g.clone());
                        *gens.entry(p).or_insert(0) += 1;
                    }
                    self.generations.push((*t, gens));
                }
                while self.generations.len() > limit {
                    self.generations.remove(0);
                }
                changed
            }
            Op::Revoke(g, topics) => {
                let mut changed = false;
                for (t, ps) in topics {
                    if let Some((_, owned)) = self.assignments.iter_mut().find(|(k, _)| k == t) {
                        for p in ps {
                            if owned.get(p) == Some(g) {
                                owned.remove(p);
                                changed = true;
                            }
                        }
                    }
                    self.assignments.retain(|(_, owned)| !owned.is_empty());
                }
                changed
            }
            Op::Reset(g) => {
                let mut changed = false;
                for (_, owned) in self.assignments.iter_mut() {
                    let before = owned.len();
                    owned.retain(|_, owner| owner != g);
                    changed |= owned.len() != before;
                }
                self.assignments.retain(|(_, owned)| !owned.is_empty());
                changed
            }
            Op::Limit(limit) => {
                self.limit = *limit;
                let before = self.generations.len();
                while self.generations.len() > *limit {
                    self.generations.remove(0);
                }
                self.generations.len() != before
            }
            Op::Clear => {
                let changed = !self.assignments.is_empty() || !self.generations.is_empty();
                self.assignments.clear();
                self.generations.clear();
                changed
            }
        };
        if changed {
            self.version += 1;
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Assign(String, Vec<(u8, Vec<i32>)>),
    Revoke(String, Vec<(u8, Vec<i32>)>),
    Reset(String),
    Limit(usize),
    Clear,
}

fn topics() -> impl Strategy<Value = Vec<(u8, Vec<i32>)>> {
    prop::collection::vec((0u8..8, prop::collection::vec(0i32..6, 0..5)), 0..4)
}

fn op() -> impl Strategy<Value = Op> {
    let group = prop::sample::select(vec![
        "sg1".to_string(),
        "sg2".to_string(),
        "sg3".to_string(),
    ]);
    prop_oneof![
        5 => (group.clone(), topics()).prop_map(|(g, t)| Op::Assign(g, t)),
        4 => (group.clone(), topics()).prop_map(|(g, t)| Op::Revoke(g, t)),
        1 => group.prop_map(Op::Reset),
        1 => (1usize..10).prop_map(Op::Limit),
        1 => Just(Op::Clear),
    ]
}

/// Applies `op` to the core, as the Ruby binding would.
fn apply(core: &AssignmentsCore<u8>, op: &Op) {
    if let Op::Limit(limit) = op {
        core.write().set_generations_limit(*limit);
    } else {
        core.apply(&change(op));
    }
}

fn change(op: &Op) -> Change<u8> {
    let group = |g: &String| -> GroupId { Arc::from(g.as_str()) };
    match op {
        Op::Assign(g, t) => Change::Assign {
            group: group(g),
            topics: t.clone(),
        },
        Op::Revoke(g, t) => Change::Revoke {
            group: group(g),
            topics: t.clone(),
        },
        Op::Reset(g) => Change::Reset { group: group(g) },
        Op::Clear => Change::Clear,
        Op::Limit(_) => unreachable!("a limit is not a Change"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn core_matches_the_model(ops in prop::collection::vec(op(), 1..60), limit in 1usize..10) {
        let core = AssignmentsCore::new(limit);
        let mut model = Model { limit, ..Model::default() };
        for op in &ops {
            apply(&core, op);
            model.apply(op);
            prop_assert_eq!(core.generations_limit(), model.limit);

            let snapshot = core.snapshot();
            prop_assert_eq!(snapshot.version(), model.version);
            let current: Vec<(u8, Vec<(i32, String)>)> = snapshot
                .assignments()
                .map(|(t, a)| (*t, a.owned().map(|(p, o)| (p, o.to_string())).collect()))
                .collect();
            let expected: Vec<(u8, Vec<(i32, String)>)> = model
                .assignments
                .iter()
                .map(|(t, owned)| (*t, owned.iter().map(|(p, o)| (*p, o.clone())).collect()))
                .collect();
            prop_assert_eq!(current, expected);
            let generations: Vec<(u8, Vec<(i32, u64)>)> = snapshot
                .generations()
                .map(|(t, g)| (*t, g.partitions().to_vec()))
                .collect();
            let expected: Vec<(u8, Vec<(i32, u64)>)> = model
                .generations
                .iter()
                .map(|(t, g)| (*t, g.iter().map(|(p, n)| (*p, *n)).collect()))
                .collect();
            prop_assert_eq!(generations, expected);
        }
    }
}

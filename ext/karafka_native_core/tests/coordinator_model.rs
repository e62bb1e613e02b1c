//! Property test: random statistics, listener states, assignments and clock steps never make
//! the coordinator break its rules.

use std::collections::HashMap;
use std::sync::Arc;

use karafka_native_core::{
    Action, AssignmentsCore, Bounds, Change, Coordinator, GroupId, ListenerState, Statistics,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

const DELAY: u64 = 1_000;
const FAMILIES: [&str; 2] = ["a", "b"];
const PER_FAMILY: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Notice {
        connection: usize,
        steady: bool,
        age_ms: i64,
    },
    State {
        connection: usize,
        state: usize,
    },
    Assign {
        connection: usize,
        partitions: Vec<i32>,
    },
    Revoke {
        connection: usize,
        partitions: Vec<i32>,
    },
    Advance(u64),
    Decide,
}

fn op() -> impl Strategy<Value = Op> {
    let connection = 0..FAMILIES.len() * PER_FAMILY;
    prop_oneof![
        3 => (connection.clone(), prop::bool::weighted(0.8), 0i64..3_000).prop_map(
            |(connection, steady, age_ms)| Op::Notice { connection, steady, age_ms }
        ),
        1 => (connection.clone(), 0..ListenerState::ALL.len())
            .prop_map(|(connection, state)| Op::State { connection, state }),
        2 => (connection.clone(), prop::collection::vec(0i32..6, 0..4))
            .prop_map(|(connection, partitions)| Op::Assign { connection, partitions }),
        1 => (connection, prop::collection::vec(0i32..6, 0..4))
            .prop_map(|(connection, partitions)| Op::Revoke { connection, partitions }),
        2 => (0u64..1_500).prop_map(Op::Advance),
        3 => Just(Op::Decide),
    ]
}

fn name(connection: usize) -> String {
    format!(
        "{}{}",
        FAMILIES[connection / PER_FAMILY],
        connection % PER_FAMILY
    )
}

fn statistics(steady: bool, age_ms: i64) -> Statistics {
    Statistics {
        cgrp_state: Some("up".into()),
        join_state: Some(if steady { "steady" } else { "wait-sync" }.into()),
        stateage_ms: Some(age_ms),
        rebalance_age_ms: Some(age_ms + 1),
        broker_stateage_ms: Some(age_ms + 2),
    }
}

/// What the test itself remembers, to check each decision independently.
#[derive(Default)]
struct Model {
    states: HashMap<String, ListenerState>,
    noticed: HashMap<String, (u64, Statistics)>,
    last_change: HashMap<&'static str, u64>,
}

fn check(
    bounds: &HashMap<&'static str, Bounds>,
    ops: Vec<Op>,
) -> Result<(usize, usize), TestCaseError> {
    let core = Arc::new(AssignmentsCore::<&'static str>::new(100));
    let coordinator = Coordinator::new(core.clone());
    let mut model = Model::default();
    for connection in 0..FAMILIES.len() * PER_FAMILY {
        let family = FAMILIES[connection / PER_FAMILY];
        let id: GroupId = Arc::from(name(connection).as_str());
        coordinator
            .register(&id, family, bounds[family])
            .expect("valid registration");
        model
            .states
            .insert(name(connection), ListenerState::Pending);
    }
    let mut now = 10_000u64;
    let (mut starts, mut stops) = (0, 0);
    for op in ops {
        match op {
            Op::Notice {
                connection,
                steady,
                age_ms,
            } => {
                let stats = statistics(steady, age_ms);
                coordinator
                    .notice(&name(connection), stats.clone(), now)
                    .unwrap();
                model.noticed.insert(name(connection), (now, stats));
            }
            Op::State { connection, state } => {
                let state = ListenerState::ALL[state];
                coordinator
                    .listener_state(&name(connection), state)
                    .unwrap();
                model.states.insert(name(connection), state);
            }
            Op::Assign {
                connection,
                partitions,
            } => {
                let topic = FAMILIES[connection / PER_FAMILY];
                core.apply(&Change::Assign {
                    group: Arc::from(name(connection).as_str()),
                    topics: vec![(topic, partitions)],
                });
            }
            Op::Revoke {
                connection,
                partitions,
            } => {
                let topic = FAMILIES[connection / PER_FAMILY];
                core.apply(&Change::Revoke {
                    group: Arc::from(name(connection).as_str()),
                    topics: vec![(topic, partitions)],
                });
            }
            Op::Advance(step) => now += step,
            Op::Decide => {
                let actions = coordinator.decide(now);
                let mut seen = Vec::new();
                for action in actions {
                    let id = action.connection().to_string();
                    let family = FAMILIES.into_iter().find(|f| id.starts_with(f)).unwrap();
                    prop_assert!(!seen.contains(&family), "two actions in {family}");
                    seen.push(family);
                    let b = bounds[family];
                    prop_assert!(b.is_dynamic());
                    let previous = model.last_change.get(family).copied();
                    if let Some(previous) = previous {
                        prop_assert!(now >= previous + DELAY, "changed within scale_delay");
                    }
                    let members: Vec<String> =
                        (0..PER_FAMILY).map(|i| format!("{family}{i}")).collect();
                    let active = members.iter().filter(|m| model.states[*m].is_active());
                    for member in active.clone() {
                        let (at, stats) = model
                            .noticed
                            .get(member)
                            .ok_or_else(|| TestCaseError::fail("active without statistics"))?;
                        prop_assert!(
                            previous.is_none_or(|p| *at > p),
                            "decided on stale statistics"
                        );
                        prop_assert!(stats.is_steady(), "decided on unsteady statistics");
                        prop_assert!(stats.age_at(*at, now).unwrap() >= DELAY as i64);
                    }
                    let active = active.count();
                    match &action {
                        Action::Stop(_) => {
                            prop_assert!(active > b.min, "below min");
                            prop_assert!(model.states[&id].is_active());
                            prop_assert!(core.snapshot().owned_by(&id).next().is_none());
                            model.states.insert(id, ListenerState::Stopping);
                            stops += 1;
                        }
                        Action::Start(_) => {
                            prop_assert!(active < b.max, "above max");
                            prop_assert!(!model.states[&id].is_active());
                            model.states.insert(id, ListenerState::Starting);
                            starts += 1;
                        }
                    }
                    model.last_change.insert(family, now);
                }
            }
        }
    }
    Ok((starts, stops))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decisions_keep_the_rules(
        a in (1usize..=3, 0usize..=2),
        b in (1usize..=PER_FAMILY, 0usize..=1),
        ops in prop::collection::vec(op(), 1..200),
    ) {
        let mut bounds = HashMap::new();
        let (a_min, a_extra) = a;
        let a_max = (a_min + a_extra).min(PER_FAMILY);
        bounds.insert("a", Bounds::new(a_min, a_max, a_min, DELAY).unwrap());
        let (b_min, b_extra) = b;
        let b_max = (b_min + b_extra).min(PER_FAMILY);
        bounds.insert("b", Bounds::new(b_min, b_max, b_max, DELAY).unwrap());
        check(&bounds, ops)?;
    }
}

/// The random runs do make decisions (the property is not vacuous).
#[test]
fn random_runs_scale_both_ways() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = prop::collection::vec(op(), 200..400);
    let mut bounds = HashMap::new();
    bounds.insert("a", Bounds::new(1, 4, 1, DELAY).unwrap());
    bounds.insert("b", Bounds::new(1, 3, 3, DELAY).unwrap());
    let (mut starts, mut stops) = (0, 0);
    for _ in 0..300 {
        let ops = strategy.new_tree(&mut runner).unwrap().current();
        let (s, t) = check(&bounds, ops).unwrap();
        starts += s;
        stops += t;
    }
    assert!(starts > 0 && stops > 0, "starts {starts}, stops {stops}");
}

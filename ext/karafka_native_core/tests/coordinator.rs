//! The coordinator's decision rules, case by case.

use std::sync::Arc;

use karafka_native_core::{
    Action, AssignmentsCore, Bounds, Change, Coordinator, CoordinatorError, GroupId, ListenerState,
    Statistics,
};

const DELAY: u64 = 1_000;

fn id(name: &str) -> GroupId {
    Arc::from(name)
}

fn steady(age_ms: i64) -> Statistics {
    Statistics {
        cgrp_state: Some("up".into()),
        join_state: Some("steady".into()),
        stateage_ms: Some(age_ms),
        rebalance_age_ms: Some(age_ms),
        broker_stateage_ms: Some(age_ms * 10),
    }
}

/// A coordinator with family "f" of connections f0..f(n-1), bounds (min, max, boot).
fn family(min: usize, max: usize, boot: usize, n: usize) -> Coordinator<&'static str> {
    let coordinator = Coordinator::new(Arc::new(AssignmentsCore::new(100)));
    let bounds = Bounds::new(min, max, boot, DELAY).unwrap();
    for i in 0..n {
        assert!(coordinator
            .register(&id(&format!("f{i}")), "f", bounds)
            .unwrap());
    }
    coordinator
}

fn assign(coordinator: &Coordinator<&'static str>, group: &str, partitions: &[i32]) {
    coordinator.core().apply(&Change::Assign {
        group: id(group),
        topics: vec![("t", partitions.to_vec())],
    });
}

fn run(coordinator: &Coordinator<&'static str>, group: &str) {
    coordinator
        .listener_state(group, ListenerState::Running)
        .unwrap();
}

#[test]
fn bounds_are_checked() {
    assert!(matches!(
        Bounds::new(3, 2, 2, 0),
        Err(CoordinatorError::BadBounds(_))
    ));
    assert!(matches!(
        Bounds::new(1, 3, 4, 0),
        Err(CoordinatorError::BadBounds(_))
    ));
    assert!(matches!(
        Bounds::new(2, 3, 1, 0),
        Err(CoordinatorError::BadBounds(_))
    ));
    assert!(Bounds::new(1, 1, 1, 0).is_ok());
    assert!(!Bounds::new(1, 1, 1, 0).unwrap().is_dynamic());
}

#[test]
fn unknown_connections_and_conflicts_change_nothing() {
    let c = family(1, 3, 1, 2);
    let version = c.snapshot().version();
    assert_eq!(
        c.listener_state("nope", ListenerState::Running),
        Err(CoordinatorError::UnknownConnection("nope".into()))
    );
    assert!(c.notice("nope", steady(5_000), 0).is_err());
    assert!(c.is_stable("nope", 0).is_err());
    let other = Bounds::new(1, 2, 1, DELAY).unwrap();
    assert!(matches!(
        c.register(&id("f9"), "f", other),
        Err(CoordinatorError::Conflict(_))
    ));
    assert!(matches!(
        c.register(&id("f0"), "g", other),
        Err(CoordinatorError::Conflict(_))
    ));
    assert!(!c
        .register(&id("f0"), "f", Bounds::new(1, 3, 1, DELAY).unwrap())
        .unwrap());
    assert_eq!(c.snapshot().version(), version);
}

#[test]
fn scales_up_while_a_connection_holds_several_partitions_of_a_topic() {
    let c = family(1, 3, 1, 3);
    run(&c, "f0");
    assign(&c, "f0", &[0, 1, 2]);
    // No statistics yet: not stable.
    assert!(!c.is_stable("f", 10_000).unwrap());
    assert!(c.decide(10_000).is_empty());
    c.notice("f0", steady(500), 10_000).unwrap();
    // Age 500 at notice: too young until 500 ms later.
    assert!(!c.is_stable("f", 10_499).unwrap());
    assert!(c.is_stable("f", 10_500).unwrap());
    assert_eq!(c.decide(10_500), vec![Action::Start(id("f1"))]);
    let snapshot = c.snapshot();
    assert_eq!(
        snapshot.connection("f1").unwrap().state(),
        ListenerState::Starting
    );
    assert_eq!(snapshot.family("f").unwrap().last_change_ms(), Some(10_500));
    // The statistics of f0 predate the change: they count as absent.
    assert!(!c.is_stable("f", 20_000).unwrap());
    c.notice("f0", steady(5_000), 20_000).unwrap();
    // f1 is active (starting) and has no statistics.
    assert!(c.decide(20_000).is_empty());
    run(&c, "f1");
    c.notice("f1", steady(5_000), 20_001).unwrap();
    assign(&c, "f1", &[2]);
    c.core().apply(&Change::Revoke {
        group: id("f0"),
        topics: vec![("t", vec![2])],
    });
    // f0 still holds two partitions of "t".
    assert_eq!(c.decide(20_001), vec![Action::Start(id("f2"))]);
}

#[test]
fn never_above_max() {
    let c = family(1, 2, 2, 3);
    for g in ["f0", "f1"] {
        run(&c, g);
        c.notice(g, steady(5_000), 0).unwrap();
    }
    assign(&c, "f0", &[0, 1]);
    assign(&c, "f1", &[2, 3]);
    assert!(c.is_stable("f", 0).unwrap());
    assert!(c.decide(0).is_empty());
}

#[test]
fn stops_an_idle_connection_down_to_min_first() {
    let c = family(1, 3, 3, 3);
    for g in ["f0", "f1", "f2"] {
        run(&c, g);
        c.notice(g, steady(5_000), 0).unwrap();
    }
    assign(&c, "f0", &[0, 1]);
    assign(&c, "f2", &[2]);
    // f1 is idle; the stop wins over the start even though f0 holds two partitions.
    assert_eq!(c.decide(0), vec![Action::Stop(id("f1"))]);
    assert_eq!(
        c.snapshot().connection("f1").unwrap().state(),
        ListenerState::Stopping
    );
    // Within scale_delay: nothing, even with fresh statistics.
    for g in ["f0", "f2"] {
        c.notice(g, steady(5_000), 500).unwrap();
    }
    c.listener_state("f1", ListenerState::Stopped).unwrap();
    assert!(!c.is_stable("f", 999).unwrap());
    assert!(c.is_stable("f", 1_000).unwrap());
    // f0 holds two partitions, two active < max 3: start f1 again (first stopped).
    assert_eq!(c.decide(1_000), vec![Action::Start(id("f1"))]);
}

#[test]
fn never_below_min() {
    let c = family(2, 3, 2, 3);
    for g in ["f0", "f1"] {
        run(&c, g);
        c.notice(g, steady(5_000), 0).unwrap();
    }
    assign(&c, "f0", &[0]);
    assert!(c.decide(0).is_empty());
}

#[test]
fn unsteady_or_missing_statistics_block_decisions() {
    let c = family(1, 3, 2, 3);
    run(&c, "f0");
    run(&c, "f1");
    assign(&c, "f0", &[0, 1]);
    c.notice("f0", steady(5_000), 0).unwrap();
    assert!(c.decide(0).is_empty(), "f1 has no statistics");
    let mut rebalancing = steady(5_000);
    rebalancing.join_state = Some("wait-join".into());
    c.notice("f1", rebalancing, 0).unwrap();
    assert!(c.decide(0).is_empty());
    let mut young_broker = steady(5_000);
    young_broker.broker_stateage_ms = Some(10);
    c.notice("f1", young_broker, 0).unwrap();
    assert!(!c.is_stable("f", 989).unwrap());
    assert!(c.is_stable("f", 990).unwrap());
    assert_eq!(c.decide(990), vec![Action::Stop(id("f1"))]);
}

#[test]
fn static_families_never_change_and_families_decide_in_order() {
    let core = Arc::new(AssignmentsCore::new(100));
    let c = Coordinator::new(core);
    let fixed = Bounds::new(2, 2, 2, 0).unwrap();
    let dynamic = Bounds::new(1, 2, 1, 0).unwrap();
    c.register(&id("s0"), "static", fixed).unwrap();
    c.register(&id("b0"), "b", dynamic).unwrap();
    c.register(&id("b1"), "b", dynamic).unwrap();
    c.register(&id("a0"), "a", dynamic).unwrap();
    c.register(&id("a1"), "a", dynamic).unwrap();
    for g in ["s0", "b0", "a0"] {
        run(&c, g);
        c.notice(g, steady(1), 0).unwrap();
    }
    c.core().apply(&Change::Assign {
        group: id("s0"),
        topics: vec![("s", vec![0, 1])],
    });
    c.core().apply(&Change::Assign {
        group: id("b0"),
        topics: vec![("b", vec![0, 1])],
    });
    c.core().apply(&Change::Assign {
        group: id("a0"),
        topics: vec![("a", vec![0, 1])],
    });
    assert_eq!(
        c.decide(5),
        vec![Action::Start(id("b1")), Action::Start(id("a1"))]
    );
}

#[test]
fn the_connection_state_survives_the_tracker_clear_and_is_published() {
    let c = family(1, 2, 1, 2);
    let before = c.snapshot();
    run(&c, "f0");
    assert_eq!(
        before.connection("f0").unwrap().state(),
        ListenerState::Pending
    );
    c.core().apply(&Change::Clear);
    assert_eq!(
        c.snapshot().connection("f0").unwrap().state(),
        ListenerState::Running
    );
    assert!(c.snapshot().version() > before.version());
}

#[test]
fn raw_statistics_json_feeds_the_coordinator() {
    let c = family(1, 2, 1, 2);
    run(&c, "f0");
    assign(&c, "f0", &[0, 1]);
    let json = r#"{"cgrp":{"state":"up","join_state":"steady","stateage":3000,
        "rebalance_age":2000},"brokers":{"localhost:9092/1":{"stateage":4000000},
        "GroupCoordinator":{"stateage":1500000}}}"#;
    c.notice("f0", Statistics::from_json(json).unwrap(), 100)
        .unwrap();
    assert!(c.is_stable("f", 100).unwrap());
    assert_eq!(c.decide(100), vec![Action::Start(id("f1"))]);
}

/// Every snapshot a reader loads is one moment of the shared state: the pair (assignments
/// version, connections version) it shows is one the writers actually produced, and a reader
/// never sees either version go back.
#[test]
fn readers_see_assignments_and_connection_states_of_one_moment() {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicBool, Ordering};

    let c = Arc::new(family(1, 2, 1, 2));
    let base = c.snapshot().version();
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (c, done) = (Arc::clone(&c), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !done.load(Ordering::Acquire) {
                    let snapshot = c.core().snapshot();
                    let pair = (snapshot.version(), snapshot.connections().version());
                    // The connection state written with each assignment change matches it.
                    let owned = snapshot.owned_by("f0").map(|(_, n)| n).sum::<usize>();
                    let state = snapshot.connections().connection("f0").unwrap().state();
                    seen.push((pair, owned, state));
                }
                seen
            })
        })
        .collect();
    let mut produced = HashSet::new();
    produced.insert((c.core().version(), c.snapshot().version()));
    for round in 0..2_000 {
        // Assign and mark running, then revoke and mark stopped: each in its own critical
        // section, so readers may see any of the four moments, never a mix of two.
        let partition = round % 8;
        assign(&c, "f0", &[partition]);
        produced.insert((c.core().version(), c.snapshot().version()));
        run(&c, "f0");
        produced.insert((c.core().version(), c.snapshot().version()));
        c.core().apply(&Change::Revoke {
            group: id("f0"),
            topics: vec![("t", vec![partition])],
        });
        produced.insert((c.core().version(), c.snapshot().version()));
        c.listener_state("f0", ListenerState::Stopped).unwrap();
        produced.insert((c.core().version(), c.snapshot().version()));
    }
    done.store(true, Ordering::Release);
    for reader in readers {
        let seen = reader.join().unwrap();
        assert!(!seen.is_empty());
        let mut last = (0, 0);
        for (pair, owned, state) in seen {
            assert!(produced.contains(&pair), "{pair:?} was never produced");
            assert!(
                pair.0 >= last.0 && pair.1 >= last.1,
                "{pair:?} after {last:?}"
            );
            last = pair;
            // Assignment versions are odd right after an assign, even after a revoke; the
            // connection version tells which of the two state changes came last.
            assert_eq!(owned, (pair.0 % 2) as usize, "{pair:?}");
            // Each round marks f0 running, then stopped: odd steps past `base` are running.
            let running = (pair.1 - base) % 2 == 1;
            assert_eq!(state == ListenerState::Running, running, "{pair:?}");
        }
    }
}

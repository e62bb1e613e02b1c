//! Unit tests of the assignments core's semantics (Karafka 2.6's tracker, plus ours).

use std::sync::Arc;

use karafka_native_core::{AssignmentsCore, Change, GroupId};

fn group(name: &str) -> GroupId {
    Arc::from(name)
}

fn assign(
    core: &AssignmentsCore<&'static str>,
    g: &str,
    topics: &[(&'static str, &[i32])],
) -> bool {
    core.apply(&Change::Assign {
        group: group(g),
        topics: topics.iter().map(|(t, p)| (*t, p.to_vec())).collect(),
    })
}

fn revoke(
    core: &AssignmentsCore<&'static str>,
    g: &str,
    topics: &[(&'static str, &[i32])],
) -> bool {
    core.apply(&Change::Revoke {
        group: group(g),
        topics: topics.iter().map(|(t, p)| (*t, p.to_vec())).collect(),
    })
}

fn current(core: &AssignmentsCore<&'static str>) -> Vec<(&'static str, Vec<i32>)> {
    core.snapshot()
        .assignments()
        .map(|(t, a)| (*t, a.partitions().to_vec()))
        .collect()
}

fn generations(core: &AssignmentsCore<&'static str>) -> Vec<(&'static str, Vec<(i32, u64)>)> {
    core.snapshot()
        .generations()
        .map(|(t, g)| (*t, g.partitions().to_vec()))
        .collect()
}

#[test]
fn assign_adds_sorted_unique_partitions_and_counts_generations() {
    let core = AssignmentsCore::new(10);
    assert!(assign(&core, "sg", &[("a", &[3, 1, 1]), ("b", &[0])]));
    assert!(assign(&core, "sg", &[("a", &[2, 3])]));
    assert_eq!(current(&core), vec![("a", vec![1, 2, 3]), ("b", vec![0])]);
    assert_eq!(core.snapshot().generation(&"a", 3), 2);
    assert_eq!(core.snapshot().generation(&"a", 1), 1);
    assert_eq!(core.snapshot().generation(&"a", 9), 0);
    assert_eq!(core.snapshot().generation(&"zzz", 0), 0);
    // "a" was assigned last, so it is the most recent in generations.
    assert_eq!(
        generations(&core),
        vec![("b", vec![(0, 1)]), ("a", vec![(1, 1), (2, 1), (3, 2)])]
    );
    assert_eq!(core.version(), 2);
}

#[test]
fn revoke_removes_partitions_drops_empty_topics_and_keeps_generations() {
    let core = AssignmentsCore::new(10);
    assign(&core, "sg", &[("a", &[0, 1]), ("b", &[0])]);
    assert!(revoke(&core, "sg", &[("a", &[0]), ("b", &[0])]));
    assert_eq!(current(&core), vec![("a", vec![1])]);
    assert_eq!(core.snapshot().generation(&"b", 0), 1);
    // Revoking what is not owned changes nothing and keeps the version.
    let version = core.version();
    assert!(!revoke(&core, "sg", &[("a", &[7]), ("zzz", &[0])]));
    assert!(!revoke(&core, "other", &[("a", &[1])]));
    assert_eq!(core.version(), version);
}

#[test]
fn topic_keeps_its_place_while_assigned_and_goes_last_when_it_comes_back() {
    let core = AssignmentsCore::new(10);
    assign(&core, "sg", &[("a", &[0])]);
    assign(&core, "sg", &[("b", &[0])]);
    assign(&core, "sg", &[("a", &[1])]);
    assert_eq!(current(&core), vec![("a", vec![0, 1]), ("b", vec![0])]);
    revoke(&core, "sg", &[("a", &[0, 1])]);
    assign(&core, "sg", &[("a", &[5])]);
    assert_eq!(current(&core), vec![("b", vec![0]), ("a", vec![5])]);
}

#[test]
fn reset_drops_only_that_groups_partitions() {
    let core = AssignmentsCore::new(10);
    assign(&core, "sg1", &[("a", &[0, 1]), ("b", &[0])]);
    assign(&core, "sg2", &[("c", &[0]), ("a", &[2])]);
    assert!(core.apply(&Change::Reset {
        group: group("sg1")
    }));
    assert_eq!(current(&core), vec![("a", vec![2]), ("c", vec![0])]);
    assert_eq!(core.snapshot().generation(&"b", 0), 1);
    assert!(!core.apply(&Change::Reset {
        group: group("sg1")
    }));
    assert!(!core.apply(&Change::Reset {
        group: group("nobody")
    }));
}

#[test]
fn latest_assignment_owns_a_partition() {
    let core = AssignmentsCore::new(10);
    assign(&core, "sg1", &[("a", &[0])]);
    assign(&core, "sg2", &[("a", &[0])]);
    assert!(!revoke(&core, "sg1", &[("a", &[0])]));
    assert!(core.apply(&Change::Reset {
        group: group("sg2")
    }));
    assert!(current(&core).is_empty());
    assert_eq!(core.snapshot().generation(&"a", 0), 2);
}

#[test]
fn clear_drops_everything_and_empty_changes_do_nothing() {
    let core = AssignmentsCore::new(10);
    assert!(!assign(&core, "sg", &[("a", &[])]));
    assert!(!core.apply(&Change::Clear));
    assert_eq!(core.version(), 0);
    assign(&core, "sg", &[("a", &[0])]);
    assert!(core.apply(&Change::Clear));
    assert!(current(&core).is_empty());
    assert!(generations(&core).is_empty());
    assert_eq!(core.version(), 2);
}

#[test]
fn generations_evict_the_least_recently_assigned_topics() {
    let core = AssignmentsCore::new(2);
    assign(&core, "sg", &[("a", &[0])]);
    assign(&core, "sg", &[("b", &[0])]);
    assign(&core, "sg", &[("a", &[1])]);
    assign(&core, "sg", &[("c", &[0])]);
    let kept: Vec<_> = generations(&core).into_iter().map(|(t, _)| t).collect();
    assert_eq!(kept, vec!["a", "c"]);
    assert_eq!(core.snapshot().generation(&"b", 0), 0);
    // Assignments are not bounded by the generations limit.
    assert_eq!(current(&core).len(), 3);
}

#[test]
fn a_lowered_generations_limit_evicts_at_once_and_bounds_later_assigns() {
    let core = AssignmentsCore::new(10);
    assign(&core, "sg", &[("a", &[0]), ("b", &[0]), ("c", &[0])]);
    assign(&core, "sg", &[("a", &[1])]);
    let version = core.version();

    let mut writer = core.write();
    assert_eq!(writer.evictions_for(1), 2);
    assert!(!writer.set_generations_limit(3), "nothing beyond 3 topics");
    assert!(writer.set_generations_limit(1));
    drop(writer);
    assert_eq!(core.generations_limit(), 1);
    assert_eq!(core.version(), version + 1);
    let kept: Vec<_> = generations(&core).into_iter().map(|(t, _)| t).collect();
    assert_eq!(kept, vec!["a"], "the least recently assigned went first");
    assert_eq!(current(&core).len(), 3, "assignments stay");

    assign(&core, "sg", &[("b", &[1])]);
    let kept: Vec<_> = generations(&core).into_iter().map(|(t, _)| t).collect();
    assert_eq!(kept, vec!["b"]);

    assert!(!core.write().set_generations_limit(5));
    assert_eq!(core.version(), version + 2, "raising evicts nothing");
}

#[test]
fn snapshots_are_immutable_and_versioned() {
    let core = AssignmentsCore::new(10);
    assign(&core, "sg", &[("a", &[0])]);
    let before = core.snapshot();
    assign(&core, "sg", &[("a", &[1])]);
    assert_eq!(before.version(), 1);
    assert_eq!(before.partitions(&"a"), &[0]);
    assert_eq!(core.snapshot().partitions(&"a"), &[0, 1]);
}

#[test]
fn owned_by_counts_a_groups_partitions_per_topic() {
    let core = AssignmentsCore::new(10);
    assign(&core, "sg1", &[("a", &[0, 1]), ("b", &[0])]);
    assign(&core, "sg2", &[("a", &[2])]);
    let snapshot = core.snapshot();
    let sg1: Vec<_> = snapshot.owned_by("sg1").map(|(t, n)| (*t, n)).collect();
    assert_eq!(sg1, vec![("a", 2), ("b", 1)]);
    let sg2: Vec<_> = snapshot.owned_by("sg2").map(|(t, n)| (*t, n)).collect();
    assert_eq!(sg2, vec![("a", 1)]);
}

#[test]
fn a_writer_sees_its_own_changes_and_blocks_other_writers() {
    let core = AssignmentsCore::<&'static str>::new(10);
    let mut writer = core.try_write().unwrap();
    assert!(core.try_write().is_none());
    assert!(core.is_locked());
    writer.apply(&Change::Assign {
        group: group("sg"),
        topics: vec![("a", vec![0])],
    });
    assert_eq!(writer.snapshot().partitions(&"a"), &[0]);
    // Published at once, before the lock is released.
    assert_eq!(core.snapshot().partitions(&"a"), &[0]);
    drop(writer);
    assert!(core.try_write().is_some());
}

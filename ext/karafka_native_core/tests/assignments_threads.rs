//! Several threads writing and reading snapshots at once: readers never see a torn or
//! out-of-order state, and the final state equals the sum of every writer's work.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use karafka_native_core::{AssignmentsCore, Change, GroupId};

const WRITERS: usize = 4;
const READERS: usize = 3;
const ROUNDS: usize = 2_000;

#[test]
fn writers_and_readers_share_one_core() {
    let core = Arc::new(AssignmentsCore::<u32>::new(1_000));
    let done = Arc::new(AtomicBool::new(false));

    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let (core, done) = (core.clone(), done.clone());
            thread::spawn(move || {
                let mut last_version = 0;
                let mut reads = 0u64;
                while !done.load(Ordering::Acquire) {
                    let snapshot = core.snapshot();
                    assert!(snapshot.version() >= last_version, "versions go back");
                    last_version = snapshot.version();
                    for (topic, assignment) in snapshot.assignments() {
                        let partitions = assignment.partitions();
                        assert!(!partitions.is_empty(), "empty topic {topic} published");
                        assert!(partitions.windows(2).all(|w| w[0] < w[1]), "unsorted");
                        // Every writer assigns partition 0 and 1 of its topic together and
                        // revokes them together: a snapshot never shows one without the other.
                        assert_eq!(partitions, &[0, 1], "torn update of topic {topic}");
                    }
                    reads += 1;
                }
                reads
            })
        })
        .collect();

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let core = core.clone();
            thread::spawn(move || {
                let group: GroupId = Arc::from(format!("sg{w}").as_str());
                let topic = w as u32;
                for round in 0..ROUNDS {
                    let topics = vec![(topic, vec![0, 1])];
                    core.apply(&Change::Assign {
                        group: group.clone(),
                        topics: topics.clone(),
                    });
                    if round + 1 < ROUNDS {
                        core.apply(&Change::Revoke {
                            group: group.clone(),
                            topics,
                        });
                    }
                }
            })
        })
        .collect();

    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, Ordering::Release);
    let reads: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(reads > 0);

    let snapshot = core.snapshot();
    assert_eq!(snapshot.version() as usize, WRITERS * (2 * ROUNDS - 1));
    assert_eq!(snapshot.assigned_topics(), WRITERS);
    for w in 0..WRITERS as u32 {
        assert_eq!(snapshot.generation(&w, 0), ROUNDS as u64);
    }
}

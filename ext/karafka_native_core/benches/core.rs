//! Criterion benchmarks of the pure-Rust core (`rake bench:cargo`, or
//! `cargo bench -p karafka_native_core --bench core`).
//!
//! - `snapshot_read/*`: loading the published snapshot at 10,000 topics, alone and from 1 or 2
//!   reader threads while a writer thread keeps applying one-partition changes. `snapshot` is
//!   `load_full` (an `Arc` the caller keeps); `peek` is the short guard readers use for a glance.
//! - `apply/*`: applying one 10,000-partition assignment to an empty core, in two shapes, and a
//!   one-partition change to a core already holding N topics (the cost of publishing a fresh
//!   persistent snapshot).
//!
//! The machine these run on may have only 2 cores: with a writer and 2 readers the threads
//! outnumber the cores, and the 2-reader numbers include time a reader waited for a core.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use karafka_native_core::{AssignmentsCore, Change, GroupId};

/// Topic keys in these benchmarks are plain numbers (the Ruby binding uses object addresses).
type Core = AssignmentsCore<u64>;

/// Topics held by the core that readers read.
const READ_TOPICS: u64 = 10_000;

fn group(name: &str) -> GroupId {
    Arc::from(name)
}

/// An assignment of `topics` topics (keys from `first`) with partitions `0..partitions` each.
fn assignment(first: u64, topics: u64, partitions: i32) -> Change<u64> {
    Change::Assign {
        group: group("sg-0"),
        topics: (first..first + topics)
            .map(|topic| (topic, (0..partitions).collect()))
            .collect(),
    }
}

/// A core holding `topics` topics of 4 partitions, filled by 1,000-topic assignments.
fn populated(topics: u64) -> Core {
    let core = Core::new(200_000);
    let mut first = 0;
    while first < topics {
        let batch = (topics - first).min(1_000);
        core.apply(&assignment(first, batch, 4));
        first += batch;
    }
    core
}

/// Alternately revokes and re-assigns partition 0 of `topic`: one published change per call.
struct Toggle {
    assign: Change<u64>,
    revoke: Change<u64>,
    assigned: bool,
}

impl Toggle {
    fn new(group_name: &str, topic: u64, assigned: bool) -> Self {
        let topics = vec![(topic, vec![0])];
        Self {
            assign: Change::Assign {
                group: group(group_name),
                topics: topics.clone(),
            },
            revoke: Change::Revoke {
                group: group(group_name),
                topics,
            },
            assigned,
        }
    }

    fn apply(&mut self, core: &Core) {
        let change = if self.assigned {
            &self.revoke
        } else {
            &self.assign
        };
        assert!(core.apply(change), "every toggle changes the state");
        self.assigned = !self.assigned;
    }
}

/// A thread that keeps applying one-partition changes to `core` until dropped.
struct BackgroundWriter {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl BackgroundWriter {
    fn start(core: Arc<Core>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut toggle = Toggle::new("writer", READ_TOPICS + 1, false);
                while !stop.load(Ordering::Relaxed) {
                    toggle.apply(&core);
                }
            })
        };
        Self {
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for BackgroundWriter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            handle.join().expect("the writer thread does not panic");
        }
    }
}

/// Reads the snapshot `iters` times from this thread and from `extra` more threads at once;
/// returns the slowest thread's time (each thread does `iters` reads).
fn parallel_reads(core: &Core, iters: u64, extra: usize, peek: bool) -> Duration {
    let barrier = Barrier::new(extra + 1);
    let reads = || {
        barrier.wait();
        let started = Instant::now();
        for _ in 0..iters {
            if peek {
                black_box(core.peek().version());
            } else {
                black_box(core.snapshot());
            }
        }
        started.elapsed()
    };
    thread::scope(|scope| {
        let helpers: Vec<_> = (0..extra).map(|_| scope.spawn(reads)).collect();
        let own = reads();
        helpers
            .into_iter()
            .map(|helper| helper.join().expect("a reader does not panic"))
            .fold(own, Duration::max)
    })
}

fn snapshot_read(c: &mut Criterion) {
    let core = Arc::new(populated(READ_TOPICS));
    let mut group = c.benchmark_group("snapshot_read");
    for (label, peek) in [("snapshot", false), ("peek", true)] {
        group.bench_function(BenchmarkId::new("idle", label), |b| {
            b.iter_custom(|iters| parallel_reads(&core, iters, 0, peek));
        });
        let writer = BackgroundWriter::start(core.clone());
        group.bench_function(BenchmarkId::new("1_reader_with_writer", label), |b| {
            b.iter_custom(|iters| parallel_reads(&core, iters, 0, peek));
        });
        group.bench_function(BenchmarkId::new("2_readers_with_writer", label), |b| {
            b.iter_custom(|iters| parallel_reads(&core, iters, 1, peek));
        });
        drop(writer);
    }
    group.finish();
}

fn apply(c: &mut Criterion) {
    let mut group = c.benchmark_group("apply");
    group.throughput(Throughput::Elements(10_000));
    for (topics, partitions) in [(100_u64, 100_i32), (10_000, 1)] {
        let change = assignment(0, topics, partitions);
        let id = BenchmarkId::new("assign_10000_partitions", format!("{topics}x{partitions}"));
        group.bench_function(id, |b| {
            b.iter_batched(
                || Core::new(200_000),
                |core| {
                    assert!(core.apply(black_box(&change)));
                    core // dropped outside the timed section
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.throughput(Throughput::Elements(1));
    for topics in [1_u64, 10_000, 100_000] {
        let core = populated(topics);
        let mut toggle = Toggle::new("sg-0", 0, true);
        group.bench_function(BenchmarkId::new("one_partition_change", topics), |b| {
            b.iter(|| toggle.apply(&core));
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = snapshot_read, apply
}
criterion_main!(benches);

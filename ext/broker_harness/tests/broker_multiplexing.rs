//! Dynamic multiplexing against a real broker (tansu): up to four librdkafka consumers of one
//! process form one family; their rebalance callbacks feed a shared `AssignmentsCore`, their raw
//! statistics JSON (`statistics.interval.ms` 1000) feeds the coordinator, and the coordinator's
//! decisions start and stop consumers.
//!
//! Phase 1: from `boot` 1 the family scales up while partitions outnumber connections. Phase 2:
//! a second process's consumers (another core, not coordinated) join the Kafka group and take
//! partitions; idle connections are stopped down to `min`. Every decision is checked against
//! the rules in the same critical section in which it is made. Ends with
//! `multiplexing: N starts, M stops, 0 rule violations`.
//!
//! Needs the tansu binary (`script/install-tansu`); built only with the `broker-tests` feature.
//! Env: `MULTIPLEXING_SECONDS` (the longest run, default 240).

// Only part of the harness is used here.
#[allow(dead_code)]
#[path = "support/broker.rs"]
mod broker;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use broker::TansuBroker;
use karafka_native_core::{
    partition_from, Action, AssignmentsCore, Bounds, Change, Connections, Coordinator, GroupId,
    ListenerState, Snapshot, Statistics,
};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};
use rdkafka::{ClientContext, TopicPartitionList};

const TOPIC: &str = "multiplexed";
const PARTITIONS: u32 = 4;
const GROUP: &str = "multiplexing";
const FAMILY: &str = "events";
const SLOTS: usize = 4;
const SCALE_DELAY_MS: u64 = 5_000;
/// Consumers of the second process.
///
/// With them the group has at least four members, so no member ever holds two partitions
/// again: the family must only shrink (a start would be flapping).
const OTHERS: usize = 3;

/// Milliseconds since the test started (the coordinator's clock).
#[derive(Clone, Copy)]
struct Clock(Instant);

impl Clock {
    fn now_ms(self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
}

/// Rebalances go to `core` under `connection`; statistics go to the coordinator when given.
struct Context {
    connection: GroupId,
    core: Arc<AssignmentsCore<String>>,
    coordinated: bool,
    clock: Clock,
}

impl Context {
    fn topics(list: &TopicPartitionList) -> Vec<(String, Vec<i32>)> {
        let partitions = list
            .elements()
            .iter()
            .map(|e| partition_from(e.partition().into()).expect("a valid partition"))
            .collect();
        vec![(TOPIC.to_owned(), partitions)]
    }
}

impl ClientContext for Context {
    fn stats_raw(&self, statistics: &[u8]) {
        if !self.coordinated {
            return;
        }
        let json = std::str::from_utf8(statistics).expect("UTF-8 statistics");
        let statistics = Statistics::from_json(json).expect("librdkafka statistics parse");
        Coordinator::new(self.core.clone())
            .notice(&self.connection, statistics, self.clock.now_ms())
            .expect("a registered connection");
    }
}

impl ConsumerContext for Context {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(list) = rebalance {
            self.core.apply(&Change::Revoke {
                group: self.connection.clone(),
                topics: Self::topics(list),
            });
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(list) => {
                self.core.apply(&Change::Assign {
                    group: self.connection.clone(),
                    topics: Self::topics(list),
                });
            }
            Rebalance::Error(_) => {
                self.core.apply(&Change::Reset {
                    group: self.connection.clone(),
                });
            }
            Rebalance::Revoke(_) => {}
        }
    }
}

/// A running consumer and its poller thread.
struct Running {
    consumer: Arc<BaseConsumer<Context>>,
    stop: Arc<AtomicBool>,
    poller: JoinHandle<()>,
}

fn start(
    bootstrap: &str,
    connection: &str,
    core: &Arc<AssignmentsCore<String>>,
    coordinated: bool,
    clock: Clock,
) -> Running {
    let context = Context {
        connection: Arc::from(connection),
        core: core.clone(),
        coordinated,
        clock,
    };
    let consumer: BaseConsumer<Context> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", GROUP)
        .set("client.id", connection)
        .set("partition.assignment.strategy", "range")
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "1000")
        .set("max.poll.interval.ms", "10000")
        .set("statistics.interval.ms", "1000")
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create_with_context(context)
        .unwrap_or_else(|e| panic!("{connection}: cannot create consumer: {e}"));
    consumer
        .subscribe(&[TOPIC])
        .unwrap_or_else(|e| panic!("{connection}: cannot subscribe: {e}"));
    let consumer = Arc::new(consumer);
    let stop = Arc::new(AtomicBool::new(false));
    let poller = {
        let (consumer, stop) = (consumer.clone(), stop.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                if let Some(Err(error)) = consumer.poll(Duration::from_millis(50)) {
                    eprintln!("poll: {error}");
                }
            }
        })
    };
    Running {
        consumer,
        stop,
        poller,
    }
}

/// Closes the consumer cleanly (revoke callbacks run, it leaves the group).
fn stop(running: Running) {
    running.stop.store(true, Ordering::Release);
    running.poller.join().expect("poller panicked");
    let consumer = Arc::try_unwrap(running.consumer)
        .unwrap_or_else(|_| panic!("the consumer is still shared"));
    drop(consumer);
}

/// The rules, checked on the state the decision is made on (same critical section).
fn violations(connections: &Connections, now: u64) -> Vec<String> {
    let family = connections.family(FAMILY).expect("registered");
    let bounds = family.bounds();
    let mut found = Vec::new();
    if let Some(last) = family.last_change_ms() {
        if now < last + bounds.scale_delay_ms {
            found.push(format!("change {now} within scale_delay of {last}"));
        }
    }
    let active = connections.active_count(family);
    for connection in connections.members(family) {
        if !connection.state().is_active() {
            continue;
        }
        let Some(noticed) = connection.noticed() else {
            found.push(format!("{} has no statistics", connection.id()));
            continue;
        };
        if family
            .last_change_ms()
            .is_some_and(|last| noticed.at_ms <= last)
        {
            found.push(format!("{} statistics are stale", connection.id()));
        }
        if !noticed.statistics.is_steady() {
            found.push(format!("{} is not steady", connection.id()));
        }
        let age = noticed.statistics.age_at(noticed.at_ms, now).unwrap_or(-1);
        if age < bounds.scale_delay_ms as i64 {
            found.push(format!("{} is {age} ms old", connection.id()));
        }
    }
    if active < bounds.min || active > bounds.max {
        found.push(format!("{active} active connections"));
    }
    found
}

/// Prints `line` now and keeps it.
fn note(log: &mut Vec<String>, line: String) {
    println!("{line}");
    log.push(line);
}

/// One line on the family: each connection's state and owned partitions.
fn describe(connections: &Connections, snapshot: &Snapshot<String>, now: u64) -> String {
    let family = connections.family(FAMILY).expect("registered");
    let members: Vec<String> = connections
        .members(family)
        .map(|c| {
            let owned: usize = snapshot.owned_by(c.id()).map(|(_, n)| n).sum();
            let steady = c.noticed().map_or("-", |n| {
                if n.statistics.is_steady() {
                    "steady"
                } else {
                    "unsteady"
                }
            });
            format!("{} {} {owned}p {steady}", c.id(), c.state().name())
        })
        .collect();
    format!(
        "{now:>6} ms stable={} [{}]",
        connections.is_family_stable(family, now),
        members.join(", ")
    )
}

#[test]
fn scales_up_to_the_partitions_then_down_to_min_when_another_process_joins() {
    let broker = TansuBroker::start();
    broker.create_topic(TOPIC, PARTITIONS);
    let bootstrap = broker.bootstrap_servers();
    let limit = Duration::from_secs(
        std::env::var("MULTIPLEXING_SECONDS").map_or(240, |s| s.parse().expect("seconds")),
    );
    let clock = Clock(Instant::now());

    let core = Arc::new(AssignmentsCore::<String>::new(1_000));
    let coordinator = Coordinator::new(core.clone());
    let bounds = Bounds::new(1, SLOTS, 1, SCALE_DELAY_MS).unwrap();
    let slots: Vec<String> = (0..SLOTS).map(|i| format!("{FAMILY}_{i}")).collect();
    for slot in &slots {
        coordinator
            .register(&Arc::from(slot.as_str()), FAMILY, bounds)
            .unwrap();
    }
    let mut running: Vec<Option<Running>> = (0..SLOTS).map(|_| None).collect();
    for (index, slot) in slots.iter().enumerate().take(bounds.boot) {
        running[index] = Some(start(&bootstrap, slot, &core, true, clock));
        coordinator
            .listener_state(slot, ListenerState::Running)
            .unwrap();
    }

    let other_core = Arc::new(AssignmentsCore::<String>::new(1_000));
    let mut others: Vec<Running> = Vec::new();
    let (mut starts, mut stops, mut rule_violations) = (0usize, 0usize, 0usize);
    let mut log: Vec<String> = Vec::new();
    let mut first_stop_at: Option<u64> = None;
    let mut starts_after_stop = 0usize;
    let mut settled_since: Option<u64> = None;

    while clock.0.elapsed() < limit {
        thread::sleep(Duration::from_millis(200));
        let now = clock.now_ms();
        let (actions, problems) = core.write().coordinate(|connections, snapshot| {
            let before = connections.clone();
            let actions = connections.decide(snapshot, now);
            let problems = if actions.is_empty() {
                Vec::new()
            } else {
                violations(&before, now)
            };
            if now / 10_000 != now.saturating_sub(200) / 10_000 {
                println!("{}", describe(connections, snapshot, now));
            }
            (actions, problems)
        });
        for problem in &problems {
            eprintln!("rule violation at {now} ms: {problem}");
        }
        rule_violations += problems.len();
        for action in actions {
            let index = slots
                .iter()
                .position(|s| **s == **action.connection())
                .unwrap();
            match action {
                Action::Start(id) => {
                    starts += 1;
                    if first_stop_at.is_some() {
                        starts_after_stop += 1;
                    }
                    running[index] = Some(start(&bootstrap, &id, &core, true, clock));
                    coordinator
                        .listener_state(&id, ListenerState::Running)
                        .unwrap();
                    note(&mut log, format!("{now:>6} ms start {id}"));
                }
                Action::Stop(id) => {
                    stops += 1;
                    first_stop_at.get_or_insert(now);
                    stop(running[index].take().expect("a running consumer"));
                    core.apply(&Change::Reset { group: id.clone() });
                    coordinator
                        .listener_state(&id, ListenerState::Stopped)
                        .unwrap();
                    note(&mut log, format!("{now:>6} ms stop  {id}"));
                }
            }
        }
        let active = coordinator
            .snapshot()
            .connections()
            .iter()
            .filter(|c| c.state().is_active())
            .count();
        // Phase 2: once the family reached one connection per partition (or after 100 s), the
        // second process joins.
        if others.is_empty() && (active == SLOTS || now > 100_000) {
            for i in 0..OTHERS {
                others.push(start(
                    &bootstrap,
                    // librdkafka's range assignor orders members by member id, which starts
                    // with the client id: these sort before the family's, so they win the
                    // partitions and the family's connections fall idle.
                    &format!("another_{i}"),
                    &other_core,
                    false,
                    clock,
                ));
            }
            note(
                &mut log,
                format!("{now:>6} ms second process joins with {OTHERS} consumers"),
            );
        }
        // Done once back at min and quiet for two scale delays (and at least 60 s in).
        if !others.is_empty() && active == bounds.min {
            let since = *settled_since.get_or_insert(now);
            if now - since > 2 * SCALE_DELAY_MS && now > 60_000 {
                break;
            }
        } else {
            settled_since = None;
        }
    }
    let elapsed = clock.now_ms();
    for consumer in running.into_iter().flatten().chain(others) {
        stop(consumer);
    }
    println!(
        "multiplexing: {starts} starts, {stops} stops, {rule_violations} rule violations \
         ({:.0} s)",
        elapsed as f64 / 1000.0
    );
    assert_eq!(rule_violations, 0);
    assert_eq!(
        starts,
        SLOTS - 1,
        "scaled up to one connection per partition"
    );
    assert_eq!(stops, SLOTS - 1, "scaled down to min");
    assert_eq!(starts_after_stop, 0, "no flapping");
    assert!(elapsed >= 60_000);
}

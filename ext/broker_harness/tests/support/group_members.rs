//! The live consumers of one Kafka consumer group: each polls in its own thread, and each can
//! join, leave cleanly, or be killed without a close.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use karafka_native_core::{Change, GroupId, Partition};
use parking_lot::{RwLock, RwLockWriteGuard};
use rdkafka::bindings::{rd_kafka_destroy_flags, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::Consumer;

use super::assignment_strategy::AssignmentStrategy;
use super::rebalance_activity::RebalanceActivity;
use super::tracking_context::{routing_key, GroupRecords, TrackedConsumer, TrackingContext};

/// How long the broker waits for a silent member: short, so that a killed consumer's
/// partitions could move on within seconds. (tansu 0.6.0 counts a member's time in a join round
/// against it, so much shorter timeouts expel live members mid-rebalance.)
pub const SESSION_TIMEOUT_MS: u32 = 6_000;

/// How often members heartbeat. (Against tansu 0.6.0, 500 ms makes eager groups of two or more
/// rejoin each other forever.)
const HEARTBEAT_INTERVAL_MS: u32 = 1_000;

/// The longest gap between polls before librdkafka leaves the group; also the rebalance
/// timeout the broker waits for members to rejoin.
const MAX_POLL_INTERVAL_MS: u32 = 10_000;

/// How long one poll waits; also bounds how long a freeze waits for the pollers.
const POLL_TIMEOUT: Duration = Duration::from_millis(50);

/// What every consumer of a group is configured with.
#[derive(Clone)]
pub struct GroupSettings {
    /// The Kafka `group.id`.
    pub name: String,
    /// The `partition.assignment.strategy`.
    pub strategy: AssignmentStrategy,
    /// The broker's `bootstrap.servers`.
    pub bootstrap_servers: String,
    /// Topics every consumer subscribes to.
    pub topics: Vec<String>,
}

/// The partitions one live consumer holds according to librdkafka, as core keys.
#[derive(Debug, Clone)]
pub struct MemberAssignment {
    /// The consumer's connection id (its group id in the core).
    pub connection: GroupId,
    /// `(core key, partition)` pairs, sorted.
    pub partitions: Vec<(String, Partition)>,
}

/// A consumer and the thread polling it.
struct Member {
    connection: GroupId,
    consumer: Arc<TrackedConsumer>,
    stop: Arc<AtomicBool>,
    poller: JoinHandle<()>,
}

/// The live consumers of one consumer group, all writing to one shared core.
pub struct GroupMembers {
    settings: GroupSettings,
    records: GroupRecords,
    gate: Arc<RwLock<()>>,
    members: Vec<Member>,
    created: usize,
}

impl GroupMembers {
    /// A group with no consumers yet, recording into `records`.
    pub fn new(settings: GroupSettings, records: GroupRecords) -> Self {
        Self {
            settings,
            records,
            gate: Arc::default(),
            members: Vec::new(),
            created: 0,
        }
    }

    /// The Kafka consumer group's name.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// Live consumers.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Consumers created so far, live or not.
    pub fn created(&self) -> usize {
        self.created
    }

    /// The core and the group's bookkeeping.
    pub fn records(&self) -> &GroupRecords {
        &self.records
    }

    /// The prefix of this group's core keys.
    pub fn key_prefix(&self) -> String {
        routing_key(&self.settings.name, "")
    }

    /// Every `(core key, partition)` this group consumes.
    pub fn all_partitions(&self, partitions_per_topic: u32) -> Vec<(String, Partition)> {
        let mut all: Vec<(String, Partition)> = self
            .settings
            .topics
            .iter()
            .flat_map(|topic| {
                let key = routing_key(&self.settings.name, topic);
                (0..partitions_per_topic as Partition).map(move |p| (key.clone(), p))
            })
            .collect();
        all.sort();
        all
    }

    /// Starts a consumer that subscribes and polls in its own thread; returns its connection id.
    pub fn join(&mut self) -> GroupId {
        self.created += 1;
        let connection: GroupId = Arc::from(format!("{}#{}", self.settings.name, self.created));
        let context = TrackingContext::new(
            connection.clone(),
            &self.settings.name,
            self.records.clone(),
        );
        let consumer: TrackedConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.settings.bootstrap_servers)
            .set("group.id", &self.settings.name)
            .set("client.id", &*connection)
            .set(
                "partition.assignment.strategy",
                self.settings.strategy.librdkafka_name(),
            )
            .set("session.timeout.ms", SESSION_TIMEOUT_MS.to_string())
            .set("heartbeat.interval.ms", HEARTBEAT_INTERVAL_MS.to_string())
            .set("max.poll.interval.ms", MAX_POLL_INTERVAL_MS.to_string())
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .create_with_context(context)
            .unwrap_or_else(|e| panic!("{connection}: cannot create consumer: {e}"));
        let topics: Vec<&str> = self.settings.topics.iter().map(String::as_str).collect();
        consumer
            .subscribe(&topics)
            .unwrap_or_else(|e| panic!("{connection}: cannot subscribe: {e}"));

        let consumer = Arc::new(consumer);
        let stop = Arc::new(AtomicBool::new(false));
        let poller = {
            let (consumer, stop) = (consumer.clone(), stop.clone());
            let (gate, activity) = (self.gate.clone(), self.records.activity.clone());
            thread::Builder::new()
                .name(format!("poll {connection}"))
                .spawn(move || poll_until_stopped(&consumer, &gate, &stop, &activity))
                .expect("cannot spawn a poller thread")
        };
        self.members.push(Member {
            connection: connection.clone(),
            consumer,
            stop,
            poller,
        });
        connection
    }

    /// Closes the consumer at `index` cleanly: librdkafka revokes its partitions through the
    /// callbacks (on this thread) and leaves the group.
    pub fn leave(&mut self, index: usize) -> GroupId {
        let (connection, consumer) = self.stop_polling(index);
        drop(consumer);
        self.records.holders.gone(&connection);
        connection
    }

    /// Kills the consumer at `index` as a crash would: no more polls, no callbacks, no
    /// LeaveGroup, so the broker notices only when the session times out. The core forgets the
    /// connection's partitions through `Change::Reset`, as Karafka does when it resets a client
    /// whose assignment is lost.
    pub fn kill(&mut self, index: usize) -> GroupId {
        let (connection, consumer) = self.stop_polling(index);
        // SAFETY: no thread polls or otherwise uses the consumer any more (its poller was
        // joined and this is the only reference). NO_CONSUMER_CLOSE destroys the handle without
        // consumer close, so no callback runs and no LeaveGroup is sent. The Rust wrapper is
        // then forgotten so that its Drop never touches the destroyed handle; its queue and
        // context leak, which is harmless in a test process.
        unsafe {
            rd_kafka_destroy_flags(
                consumer.client().native_ptr(),
                RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE,
            );
        }
        std::mem::forget(consumer);
        self.records.holders.gone(&connection);
        self.records.core.apply(&Change::Reset {
            group: connection.clone(),
        });
        connection
    }

    /// Fails with the poller's panic when a poller thread ended on its own (a rebalance
    /// callback panicked): no panic goes unnoticed until the end of the storm.
    pub fn check_pollers(&mut self) {
        if let Some(index) = self.members.iter().position(|m| m.poller.is_finished()) {
            let (connection, consumer) = self.stop_polling(index);
            std::mem::forget(consumer);
            panic!("{connection}: its poller thread ended without being stopped");
        }
    }

    /// Stops the poller of the member at `index` and hands back its only consumer reference.
    fn stop_polling(&mut self, index: usize) -> (GroupId, TrackedConsumer) {
        let member = self.members.remove(index);
        member.stop.store(true, Ordering::Release);
        if let Err(panic) = member.poller.join() {
            // A second panic while unwinding would abort; the first failure is the story.
            if !thread::panicking() {
                std::panic::resume_unwind(panic);
            }
        }
        let consumer = Arc::try_unwrap(member.consumer)
            .unwrap_or_else(|_| panic!("{}: consumer still shared", member.connection));
        (member.connection, consumer)
    }

    /// Stops every poll of this group until the guard drops: no callback of this group runs
    /// meanwhile, so librdkafka's assignments and the core can be compared.
    pub fn freeze(&self) -> RwLockWriteGuard<'_, ()> {
        self.gate.write()
    }

    /// What librdkafka says each live consumer holds, in join order.
    pub fn assignments(&self) -> Vec<MemberAssignment> {
        self.members
            .iter()
            .map(|member| {
                let list = member.consumer.assignment().unwrap_or_else(|e| {
                    panic!("{}: cannot read the assignment: {e}", member.connection)
                });
                let mut partitions: Vec<(String, Partition)> = list
                    .elements()
                    .iter()
                    .map(|element| {
                        let key = routing_key(&self.settings.name, element.topic());
                        (key, element.partition())
                    })
                    .collect();
                partitions.sort();
                MemberAssignment {
                    connection: member.connection.clone(),
                    partitions,
                }
            })
            .collect()
    }

    /// Closes every consumer cleanly, the newest first.
    pub fn leave_all(&mut self) {
        while !self.members.is_empty() {
            self.leave(self.members.len() - 1);
        }
    }
}

impl Drop for GroupMembers {
    /// Closes what is left; while unwinding from a failure, kills instead (no waiting on a
    /// broker that may be gone).
    fn drop(&mut self) {
        while !self.members.is_empty() {
            let last = self.members.len() - 1;
            if thread::panicking() {
                self.kill(last);
            } else {
                self.leave(last);
            }
        }
    }
}

/// The poller thread's loop: polls with the gate open until told to stop.
fn poll_until_stopped(
    consumer: &TrackedConsumer,
    gate: &RwLock<()>,
    stop: &AtomicBool,
    activity: &RebalanceActivity,
) {
    while !stop.load(Ordering::Acquire) {
        let _open = gate.read();
        if let Some(Err(error)) = consumer.poll(POLL_TIMEOUT) {
            activity.client_error(error.to_string());
        }
    }
}

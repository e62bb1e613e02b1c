//! The consumer context whose rebalance callbacks update the shared core directly, as Karafka's
//! assignments tracker does for each multiplexed connection.
//!
//! With rdkafka's `BaseConsumer` the callbacks run inside `poll` (librdkafka's rebalance event
//! served on the polling thread), so each consumer's poller thread writes to the core; no Ruby
//! is involved.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use karafka_native_core::{partition_from, Change, GroupId, Partition};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance, RebalanceProtocol};
use rdkafka::{ClientContext, TopicPartitionList};

use super::assign_ledger::AssignLedger;
use super::modelled_core::ModelledCore;
use super::partition_holders::PartitionHolders;
use super::rebalance_activity::RebalanceActivity;
use super::settled_check::compact_partitions;

/// A librdkafka consumer whose rebalances are mirrored into the core.
pub type TrackedConsumer = BaseConsumer<TrackingContext>;

/// The core's key for `topic` as consumed by `consumer_group`.
///
/// Karafka keys its tracker by routing topic, and a routing topic belongs to one consumer
/// group: the same Kafka topic consumed by two groups is two keys. The key spells that out.
pub fn routing_key(consumer_group: &str, topic: &str) -> String {
    format!("{consumer_group}/{topic}")
}

/// Everything the consumers of one group share: the core and the group's own bookkeeping.
#[derive(Clone)]
pub struct GroupRecords {
    /// The core (shared by all groups) and its reference model.
    pub core: Arc<ModelledCore>,
    /// Assign callbacks counted per partition.
    pub ledger: Arc<AssignLedger>,
    /// Partitions held per consumer, to catch overlaps when they happen.
    pub holders: Arc<PartitionHolders>,
    /// Callback timing and anomalies.
    pub activity: Arc<RebalanceActivity>,
    /// When the storm started (for traces).
    pub started: Instant,
    /// True to print every callback (`STORM_TRACE=1`).
    pub trace: bool,
}

/// One connection's view of the shared core: its subscription group id and where to record.
pub struct TrackingContext {
    connection: GroupId,
    consumer_group: String,
    records: GroupRecords,
}

impl TrackingContext {
    /// A context for `connection` (the core's group id) in Kafka consumer group `consumer_group`.
    pub fn new(connection: GroupId, consumer_group: &str, records: GroupRecords) -> Self {
        Self {
            connection,
            consumer_group: consumer_group.to_owned(),
            records,
        }
    }

    /// The partitions of `list` grouped by core key; invalid partitions are recorded as anomalies.
    fn topics_of(&self, list: &TopicPartitionList) -> Vec<(String, Vec<Partition>)> {
        let mut topics: BTreeMap<String, Vec<Partition>> = BTreeMap::new();
        for element in list.elements() {
            match partition_from(element.partition().into()) {
                Ok(partition) => topics
                    .entry(routing_key(&self.consumer_group, element.topic()))
                    .or_default()
                    .push(partition),
                Err(invalid) => self.records.activity.anomaly(format!(
                    "{}: librdkafka named {} {invalid}",
                    self.connection,
                    element.topic()
                )),
            }
        }
        topics.into_iter().collect()
    }

    /// Records an anomaly when librdkafka's assignment does not reflect the rebalance it just
    /// performed (rdkafka ignores the result of its assign calls); prints the callback when
    /// tracing.
    fn check_librdkafka_applied(
        &self,
        consumer: &BaseConsumer<Self>,
        what: &str,
        topics: &[(String, Vec<Partition>)],
        should_hold: bool,
    ) {
        let held: BTreeSet<(String, Partition)> = match consumer.assignment() {
            Ok(assignment) => assignment
                .elements()
                .iter()
                .map(|e| (routing_key(&self.consumer_group, e.topic()), e.partition()))
                .collect(),
            // While a consumer closes, librdkafka may refuse to report (BrokerDestroy); the
            // check is then skipped, the settled checks still compare the core.
            Err(error) => {
                let note = format!("{}: assignment() after {what}: {error}", self.connection);
                self.records.activity.client_error(note);
                return;
            }
        };
        let listed: Vec<(String, Partition)> = topics
            .iter()
            .flat_map(|(key, partitions)| partitions.iter().map(move |p| (key.clone(), *p)))
            .collect();
        if self.records.trace {
            let held: Vec<(String, Partition)> = held.iter().cloned().collect();
            println!(
                "trace {:>6.1}s {} {what} {} -> holds {}",
                self.records.started.elapsed().as_secs_f64(),
                self.connection,
                compact_partitions(&listed),
                compact_partitions(&held)
            );
        }
        let wrong: Vec<(String, Partition)> = listed
            .into_iter()
            .filter(|key_partition| held.contains(key_partition) != should_hold)
            .collect();
        if !wrong.is_empty() {
            self.records.activity.anomaly(format!(
                "{}: after its {what} callback librdkafka {} {} (protocol {})",
                self.connection,
                if should_hold {
                    "does not hold"
                } else {
                    "still holds"
                },
                compact_partitions(&wrong),
                match consumer.rebalance_protocol() {
                    RebalanceProtocol::None => "none",
                    RebalanceProtocol::Eager => "eager",
                    RebalanceProtocol::Cooperative => "cooperative",
                }
            ));
        }
    }
}

impl ClientContext for TrackingContext {}

impl ConsumerContext for TrackingContext {
    /// Revocations leave the core before librdkafka unassigns (Karafka's `partitions_revoked`).
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        self.records.activity.touch();
        match rebalance {
            Rebalance::Revoke(list) => {
                let topics = self.topics_of(list);
                self.records.core.apply(&Change::Revoke {
                    group: self.connection.clone(),
                    topics,
                });
            }
            Rebalance::Assign(_) => {}
            Rebalance::Error(error) => self.records.activity.anomaly(format!(
                "{}: rebalance callback with error {error}",
                self.connection
            )),
        }
    }

    /// Assignments reach the core after librdkafka assigned (Karafka's `partitions_assigned`).
    ///
    /// Eager and cooperative protocols need no distinction here: librdkafka hands an eager
    /// consumer its whole assignment after revoking everything, and a cooperative one only the
    /// increment; either way the core adds what the list names (and a revoke removes it).
    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(list) => {
                let topics = self.topics_of(list);
                self.check_librdkafka_applied(consumer, "assign", &topics, true);
                self.records.holders.assigned(&self.connection, &topics);
                self.records.ledger.record(&topics);
                self.records.core.apply(&Change::Assign {
                    group: self.connection.clone(),
                    topics,
                });
            }
            Rebalance::Revoke(list) => {
                let topics = self.topics_of(list);
                self.check_librdkafka_applied(consumer, "revoke", &topics, false);
                self.records.holders.revoked(&self.connection, &topics);
            }
            // Never sent by rdkafka 0.39's BaseConsumer (recorded as an anomaly above); rdkafka
            // would have dropped the assignment, so the core drops it too.
            Rebalance::Error(_) => {
                self.records.core.apply(&Change::Reset {
                    group: self.connection.clone(),
                });
                self.records.holders.gone(&self.connection);
            }
        }
        self.records.activity.touch();
    }
}

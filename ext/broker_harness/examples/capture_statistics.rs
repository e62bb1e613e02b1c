//! One-off tool: captures librdkafka statistics JSON from real consumers of the broker harness,
//! for the statistics decorator's fixtures (spec/fixtures/statistics/).
//!
//! Starts a tansu broker, creates three topics (4, 3 and 2 partitions), runs two consumers of
//! one consumer group with `statistics.interval.ms` set, produces messages between emissions
//! (so that offsets, lags and byte counters move), and writes consecutive emissions of the
//! first consumer once the group is steady.
//!
//! Run: `cargo run --release -p broker_harness --example capture_statistics -- OUT_DIR [EMISSIONS]` (default 3).
//! Needs tansu 0.6.0 (`script/install-tansu`).

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientContext;
use support::broker::TansuBroker;

/// Raw statistics of one consumer, in the order librdkafka emitted them.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

impl ClientContext for Capture {
    fn stats_raw(&self, statistics: &[u8]) {
        let text = String::from_utf8_lossy(statistics).into_owned();
        self.0.lock().expect("capture lock").push(text);
    }
}

impl ConsumerContext for Capture {}

const TOPICS: [(&str, u32); 3] = [("orders", 4), ("payments", 3), ("events", 2)];

fn consumer(broker: &TansuBroker, capture: Capture, name: &str) -> BaseConsumer<Capture> {
    let consumer: BaseConsumer<Capture> = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap_servers())
        .set("group.id", "statistics-capture")
        .set("client.id", name)
        .set("statistics.interval.ms", "1000")
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "10000")
        .create_with_context(capture)
        .expect("consumer");
    let topics: Vec<&str> = TOPICS.iter().map(|(t, _)| *t).collect();
    consumer.subscribe(&topics).expect("subscribe");
    consumer
}

fn steady(json: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v["cgrp"]["join_state"].as_str().map(|s| s == "steady"))
        .unwrap_or(false)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .expect("usage: capture_statistics OUT_DIR [EMISSIONS]");
    let wanted: usize = args.next().map_or(3, |n| n.parse().expect("EMISSIONS"));
    let broker = TansuBroker::start();
    for (topic, partitions) in TOPICS {
        broker.create_topic(topic, partitions);
    }
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap_servers())
        .create()
        .expect("producer");
    let first = Capture::default();
    let consumers = [
        consumer(&broker, first.clone(), "capture-1"),
        consumer(&broker, Capture::default(), "capture-2"),
    ];
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut sent = 0u64;
    let from = loop {
        assert!(Instant::now() < deadline, "the group never became steady");
        for (i, (topic, partitions)) in TOPICS.iter().enumerate() {
            for p in 0..*partitions {
                let key = format!("k{sent}");
                let payload = format!("message {sent} of {i}");
                let record = BaseRecord::to(topic)
                    .partition(p as i32)
                    .key(&key)
                    .payload(&payload);
                if producer.send(record).is_ok() {
                    sent += 1;
                }
            }
        }
        producer.poll(Duration::from_millis(10));
        for consumer in &consumers {
            while let Some(message) = consumer.poll(Duration::from_millis(100)) {
                message.expect("consumed message");
            }
        }
        let captured = first.0.lock().expect("capture lock").clone();
        if let Some(at) = captured.iter().position(|json| steady(json)) {
            if captured.len() >= at + 1 + wanted {
                break at + 1;
            }
        }
    };
    producer.flush(Duration::from_secs(5)).expect("flush");
    let captured = first.0.lock().expect("capture lock").clone();
    std::fs::create_dir_all(&out).expect("output directory");
    for (n, json) in captured[from..from + wanted].iter().enumerate() {
        let path = format!("{out}/consumer-{}.json", n + 1);
        std::fs::write(&path, json).expect("write fixture");
        println!("{path}: {} bytes", json.len());
    }
    println!("{sent} messages produced");
}

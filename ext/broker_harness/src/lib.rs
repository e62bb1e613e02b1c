//! Dev-only crate: the tansu broker harness, librdkafka consumers and rebalance storms live in
//! its tests (`tests/support/`) and its example (`examples/rebalance_storm.rs`); this library is
//! empty. Nothing of it ships in a gem.

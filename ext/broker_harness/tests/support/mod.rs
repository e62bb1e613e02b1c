//! Harness shared by the real-broker tests (`tests/broker_*.rs`) and the `rebalance_storm`
//! example: a tansu broker run as a child process, librdkafka consumers whose rebalance
//! callbacks drive one shared `AssignmentsCore<String>`, and the storm that makes consumers join,
//! leave and die while checking the core against the broker after every settled rebalance.

pub mod assign_ledger;
pub mod assignment_strategy;
pub mod broker;
pub mod group_driver;
pub mod group_members;
pub mod modelled_core;
pub mod partition_holders;
pub mod random;
pub mod rebalance_activity;
pub mod settled_check;
pub mod storm;
pub mod storm_report;
pub mod tracking_context;
pub mod watchdog;

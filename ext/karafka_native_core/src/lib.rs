//! The pure-Rust core: no Ruby types, usable from any thread, tested with `cargo test`.
#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod assignments;
pub mod changes;
pub mod connections;
pub mod coordinator;
pub mod decorator;
pub mod document;
pub mod fork;
pub mod fork_safe_lock;
pub mod ordered_map;
pub mod partition;
pub mod scaling;
pub mod snapshot;
pub mod statistics;

pub use assignments::{AssignmentsCore, Writer, DEFAULT_GENERATIONS_LIMIT};
pub use changes::Change;
pub use connections::{
    Bounds, Connection, Connections, CoordinatorError, Family, ListenerState, Noticed,
};
pub use coordinator::Coordinator;
pub use document::{Document, Json, Kind};
pub use ordered_map::{OrderedMap, SeqDiff};
pub use partition::{partition_from, Generation, GroupId, InvalidPartition, Partition};
pub use scaling::Action;
pub use snapshot::{Snapshot, TopicAssignment, TopicGenerations, TopicKey};
pub use statistics::{ReadError, Statistics, StatisticsError};

//! The pure-Rust core: no Ruby types, usable from any thread, tested with `cargo test`.
#![warn(missing_docs)]

pub mod assignments;
pub mod coordinator;
pub mod decorator;
pub mod fork;
pub mod fork_safe_lock;
pub mod ordered_map;
pub mod partition;
pub mod snapshot;
pub mod statistics;

pub use assignments::{AssignmentsCore, Change, Writer, DEFAULT_GENERATIONS_LIMIT};
pub use coordinator::{
    Action, Bounds, Connection, Connections, Coordinator, CoordinatorError, Family, ListenerState,
    Noticed,
};
pub use ordered_map::{OrderedMap, SeqDiff};
pub use partition::{partition_from, Generation, GroupId, InvalidPartition, Partition};
pub use snapshot::{Snapshot, TopicAssignment, TopicGenerations, TopicKey};
pub use statistics::{Statistics, StatisticsError};

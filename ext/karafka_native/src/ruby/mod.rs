//! The thin binding layer: converts values, releases the GVL, maps errors.

pub mod assignments_tracker;
pub mod convert;
pub mod coordinator;
pub mod errors;
pub mod gvl;
pub mod partition_objects;
pub mod statistics_decorator;
pub mod testing;
pub mod topic_key;
pub mod views;

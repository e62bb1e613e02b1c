//! The thin binding layer: converts values, releases the GVL, maps errors.

pub mod assignments_tracker;
pub mod convert;
pub mod coordinator;
pub mod errors;
pub mod gvl;
pub mod hash_document;
pub mod partition_objects;
pub mod pins;
pub mod testing;
pub mod topic_key;
pub mod views;
pub mod writer;

//! karafka-native's Ruby binding: the magnus face of [`karafka_native_core`]. It converts Ruby
//! values into core values (and back), releases the GVL while waiting or doing heavy work, and
//! maps errors; the state and its rules live in the core.
#![deny(clippy::undocumented_unsafe_blocks)]

mod assignments_tracker;
mod convert;
mod coordinator;
mod errors;
mod gvl;
mod hash_document;
mod partition_objects;
mod pins;
mod ruby_topic;
mod statistics_decorator;
mod testing;
mod views;
mod writer;

use magnus::{prelude::*, Error, Ruby};

/// Defines `Karafka::Native`'s native classes when Ruby loads the library.
#[magnus::init]
fn init(ruby: &Ruby) -> Result<(), Error> {
    let karafka = ruby.define_module("Karafka")?;
    let native = karafka.define_module("Native")?;
    assignments_tracker::AssignmentsTracker::define(ruby, native)?;
    coordinator::Coordinator::define(ruby, native)?;
    // Test hooks only where asked for (the spec helper sets the switch): never in production.
    if std::env::var_os("KARAFKA_NATIVE_TESTING").is_some_and(|on| on == "1") {
        testing::define(ruby, native)?;
    }
    statistics_decorator::StatisticsDecoratorCore::define(ruby, native)?;
    Ok(())
}

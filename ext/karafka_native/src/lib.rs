//! karafka-native: native state for Karafka, with a pure-Rust core and a thin Ruby binding.

pub mod core;
pub mod ruby;

use magnus::{prelude::*, Error, Ruby};

/// Defines `Karafka::Native`'s native classes when Ruby loads the library.
#[magnus::init]
fn init(ruby: &Ruby) -> Result<(), Error> {
    let karafka = ruby.define_module("Karafka")?;
    let native = karafka.define_module("Native")?;
    ruby::assignments_tracker::AssignmentsTracker::define(ruby, native)?;
    ruby::coordinator::Coordinator::define(ruby, native)?;
    ruby::statistics_decorator::StatisticsDecoratorCore::define(ruby, native)?;
    ruby::testing::define(ruby, native)?;
    Ok(())
}

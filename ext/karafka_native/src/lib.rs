//! karafka-native: native state for Karafka, with a pure-Rust core and a thin Ruby binding.

pub mod core;

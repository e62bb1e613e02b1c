//! Ruby topic objects as keys of the pure-Rust core.

use magnus::{rb_sys::AsRawValue, rb_sys::FromRawValue, Value};

/// A Ruby object used as a topic key, compared by identity (its address).
///
/// The tracker pins every key it holds (marked with `rb_gc_mark`, never movable), so the address
/// stays the object's identity for as long as any snapshot refers to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RubyTopic(rb_sys::VALUE);

impl RubyTopic {
    /// The key of `value`.
    pub fn of(value: Value) -> Self {
        Self(value.as_raw())
    }

    /// The Ruby object again.
    ///
    /// # Safety
    /// The caller must hold the GVL and know the object is alive: it is pinned as long as a
    /// snapshot that the tracker marks (published or leased) refers to it.
    pub unsafe fn value(self) -> Value {
        // SAFETY: upheld by the caller, as documented above.
        unsafe { Value::from_raw(self.0) }
    }
}

//! `Karafka::Native::Testing`: hooks that let specs and demos hold the native lock.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use magnus::{function, prelude::*, typed_data::Obj, Error, RModule, Ruby, Value};

use super::assignments_tracker::AssignmentsTracker;
use super::convert;
use super::gvl::without_gvl;
use super::writer::WAIT_SLICE;

/// Holds `tracker`'s native lock for `seconds`, without the GVL, so that other threads can be
/// seen waiting for it. Interruptible like any wait (`Thread#kill` ends it); returns true once
/// held until the deadline.
///
/// A hold cut short without an exception (`without_gvl` may try its work once with the
/// cancellation flag already raised, when an interrupt was pending at the start) answers "not
/// done", so the hold starts again until the deadline.
fn hold_lock(ruby: &Ruby, tracker: Obj<AssignmentsTracker>, seconds: Value) -> Result<bool, Error> {
    let deadline = Instant::now() + Duration::from_secs_f64(convert::seconds(ruby, seconds)?);
    let core = std::sync::Arc::clone(tracker.core());
    without_gvl(|cancelled| {
        let writer = core.write_unless(cancelled, WAIT_SLICE)?;
        while Instant::now() < deadline && !cancelled.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(1).min(deadline - Instant::now()));
        }
        drop(writer);
        (Instant::now() >= deadline).then_some(true)
    })
}

/// How many objects and snapshots `tracker`'s changes in flight hold now (0 once every call
/// returned, however it ended).
fn pinned(tracker: Obj<AssignmentsTracker>) -> usize {
    tracker.pinned()
}

/// How many threads wait for `tracker`'s lock now.
fn waiting(tracker: Obj<AssignmentsTracker>) -> usize {
    tracker.core().waiting()
}

/// Defines `Karafka::Native::Testing` under `namespace`.
pub fn define(ruby: &Ruby, namespace: RModule) -> Result<(), Error> {
    let _ = ruby;
    let testing = namespace.define_module("Testing")?;
    testing.define_singleton_method("hold_lock", function!(hold_lock, 2))?;
    testing.define_singleton_method("pinned", function!(pinned, 1))?;
    testing.define_singleton_method("waiting", function!(waiting, 1))?;
    Ok(())
}

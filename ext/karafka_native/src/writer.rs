//! The lock policy of the binding: write access to a core from a Ruby thread.
//!
//! A free lock and light work: taken and done at once, with the GVL (no round trip). Otherwise
//! the thread waits for the lock and does the work without the GVL, interruptibly.

use magnus::Error;

use super::gvl::without_gvl;
use karafka_native_core::{AssignmentsCore, TopicKey, Writer};

/// How long one GVL-free wait for a core's lock lasts before the thread comes back to Ruby to
/// process pending interrupts. `Thread#raise` and `Thread#kill` cut a wait short at once through
/// the unblocking function, but a signal (Ctrl-C) is only handled by a thread that comes back to
/// Ruby, so a waiting main thread must come back now and then.
pub const WAIT_SLICE: std::time::Duration = std::time::Duration::from_millis(50);

/// Runs `work` with write access to `core`: at once, with the GVL, when the lock is free and
/// `light` says the work is light for the state found under it; otherwise waiting for the lock
/// and running `work` without the GVL (interruptible while waiting). Both closures and the
/// result are `Send`, so neither can touch Ruby.
pub fn with_writer<K: TopicKey, R: Send>(
    core: &AssignmentsCore<K>,
    light: impl Fn(&Writer<'_, K>) -> bool + Send + Sync,
    work: impl Fn(&mut Writer<'_, K>) -> R + Send + Sync,
) -> Result<R, Error> {
    if let Some(mut writer) = core.try_write() {
        if light(&writer) {
            return Ok(work(&mut writer));
        }
    }
    without_gvl(|cancelled| {
        core.write_unless(cancelled, WAIT_SLICE)
            .map(|mut writer| work(&mut writer))
    })
}

//! Fork detection: a counter that a forked child sees change.
//!
//! `pthread_atfork` runs our child handler in the child right after `fork(2)`; the handler only
//! bumps an atomic, which is async-signal-safe. Locks compare the epoch they were created in
//! with the current one to notice that they now live in a child.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

static EPOCH: AtomicU64 = AtomicU64::new(0);
static REGISTER: Once = Once::new();

extern "C" fn forked_child() {
    EPOCH.fetch_add(1, Ordering::SeqCst);
}

/// The number of forks between the first process that used this library and this process.
///
/// The first call registers the fork handler; every lock calls this when it is created, so the
/// handler is in place before any lock can be held across a fork.
pub fn epoch() -> u64 {
    REGISTER.call_once(|| {
        #[cfg(unix)]
        // SAFETY: `forked_child` is a plain `extern "C"` function that only touches an atomic,
        // which is allowed in a child after `fork` (async-signal-safe); registering it has no
        // other precondition.
        unsafe {
            libc::pthread_atfork(None, None, Some(forked_child));
        }
    });
    EPOCH.load(Ordering::Acquire)
}

#[cfg(test)]
mod tests {
    #[test]
    fn epoch_is_stable_without_fork() {
        assert_eq!(super::epoch(), super::epoch());
    }
}

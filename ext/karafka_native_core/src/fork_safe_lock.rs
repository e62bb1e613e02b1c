//! A mutex that a forked child can always take, and that waits in a cancellable way.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use parking_lot::lock_api::ArcMutexGuard;
use parking_lot::{Mutex, RawMutex};

use crate::fork;

/// Exclusive access to the value behind a [`ForkSafeLock`]; released on drop.
pub type LockGuard<T> = ArcMutexGuard<RawMutex, T>;

/// One `parking_lot` mutex, replaced by a fresh one in a forked child.
///
/// After `fork(2)` only the forking thread exists in the child. If another thread of the parent
/// held the mutex at that moment, the child's copy stays locked forever, and the value behind it
/// may be half-updated. So the mutex remembers the fork epoch it was made in; the first caller in
/// a child swaps in a new mutex around a value rebuilt by the caller's `recover` function (the
/// tracker rebuilds it from its last published snapshot, which is always consistent).
///
/// Waiting never parks the thread in `parking_lot_core` (whose global queues may themselves be
/// locked by a vanished thread in a child): waiters retry `try_lock` with a short, growing sleep,
/// and stop as soon as their cancellation flag is raised. Critical sections are short and
/// contention is rare, so this costs nothing measurable.
pub struct ForkSafeLock<T> {
    current: ArcSwap<EpochMutex<T>>,
    /// How many threads are waiting for the lock now (a hint, for tests and diagnostics).
    waiting: AtomicUsize,
}

/// Counts a waiter in for as long as it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A mutex tagged with the fork epoch in which it was created.
struct EpochMutex<T> {
    epoch: u64,
    mutex: Arc<Mutex<T>>,
}

impl<T> ForkSafeLock<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self {
            current: ArcSwap::from_pointee(EpochMutex {
                epoch: fork::epoch(),
                mutex: Arc::new(Mutex::new(value)),
            }),
            waiting: AtomicUsize::new(0),
        }
    }

    /// How many threads wait for the lock now (a hint: it may change at once).
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Takes the lock if it is free right now.
    pub fn try_lock(&self, recover: impl FnOnce() -> T) -> Option<LockGuard<T>> {
        self.mutex(recover).try_lock_arc()
    }

    /// True while some thread holds the lock (a hint: it may change at once).
    pub fn is_locked(&self, recover: impl FnOnce() -> T) -> bool {
        self.mutex(recover).is_locked()
    }

    /// Waits for the lock until `cancelled` becomes true or `patience` runs out; `None` then.
    pub fn lock_unless(
        &self,
        cancelled: &AtomicBool,
        patience: Duration,
        recover: impl FnOnce() -> T,
    ) -> Option<LockGuard<T>> {
        let mutex = self.mutex(recover);
        let deadline = Instant::now().checked_add(patience);
        let mut pause = Duration::from_micros(5);
        let _waiting = Waiting::enter(&self.waiting);
        loop {
            if let Some(guard) = mutex.try_lock_arc() {
                return Some(guard);
            }
            if cancelled.load(Ordering::Acquire) || deadline.is_some_and(|d| Instant::now() >= d) {
                return None;
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(1));
        }
    }

    /// Waits for the lock as long as it takes.
    pub fn lock(&self, recover: impl FnOnce() -> T) -> LockGuard<T> {
        let never = AtomicBool::new(false);
        self.lock_unless(&never, Duration::MAX, recover)
            .expect("an endless, uncancellable wait ends with the lock")
    }

    fn mutex(&self, recover: impl FnOnce() -> T) -> Arc<Mutex<T>> {
        let epoch = fork::epoch();
        let current = self.current.load();
        if current.epoch == epoch {
            return Arc::clone(&current.mutex);
        }
        // We are in a forked child and this mutex predates the fork: replace it. Only the
        // forking thread existed at fork time, so the race is between threads the child started
        // since; whichever wins, every caller ends up on the same fresh mutex.
        let fresh = Arc::new(EpochMutex {
            epoch,
            mutex: Arc::new(Mutex::new(recover())),
        });
        let previous = self.current.compare_and_swap(&current, Arc::clone(&fresh));
        if Arc::ptr_eq(&previous, &current) {
            fresh.mutex.clone()
        } else {
            Arc::clone(&self.current.load().mutex)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_lock_fails_while_held_and_cancel_stops_waiting() {
        let lock = ForkSafeLock::new(1);
        let guard = lock.try_lock(|| 0).unwrap();
        assert!(lock.try_lock(|| 0).is_none());
        assert!(lock.is_locked(|| 0));
        let cancelled = AtomicBool::new(true);
        assert!(lock.lock_unless(&cancelled, Duration::MAX, || 0).is_none());
        let patient = AtomicBool::new(false);
        assert!(lock
            .lock_unless(&patient, Duration::from_millis(5), || 0)
            .is_none());
        drop(guard);
        assert_eq!(*lock.lock(|| 0), 1);
    }

    #[test]
    fn waiter_gets_the_lock_when_released() {
        let lock = Arc::new(ForkSafeLock::new(0));
        let guard = lock.try_lock(|| 0).unwrap();
        let waiter = {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || {
                let mut value = lock.lock(|| 0);
                *value += 1;
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        drop(guard);
        waiter.join().unwrap();
        assert_eq!(*lock.lock(|| 0), 1);
    }

    #[cfg(unix)]
    #[test]
    fn forked_child_takes_a_lock_held_in_the_parent() {
        let lock = Arc::new(ForkSafeLock::new(7));
        let holder_has_it = Arc::new(std::sync::Barrier::new(2));
        let release = Arc::new(AtomicBool::new(false));
        let holder = {
            let (lock, barrier, release) = (lock.clone(), holder_has_it.clone(), release.clone());
            std::thread::spawn(move || {
                let _guard = lock.lock(|| 0);
                barrier.wait();
                while !release.load(Ordering::Acquire) {
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        };
        holder_has_it.wait();
        // SAFETY: the child only touches the lock and then calls `_exit`, which is fine after
        // fork in a multi-threaded parent for this test's purposes (no allocator lock is held
        // by the sleeping holder thread).
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let ok = lock.try_lock(|| 42).map(|value| *value) == Some(42);
            // SAFETY: `_exit` ends the child without running the parent's atexit handlers.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waiting on the child we just created.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        release.store(true, Ordering::Release);
        holder.join().unwrap();
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        assert_eq!(*lock.lock(|| 0), 7);
    }
}

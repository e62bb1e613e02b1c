//! A hang watchdog: waits that take longer than their limit end the process with a report.
//!
//! A hung test thread cannot be unwound from another thread, so the watchdog writes its report
//! straight to stderr (past the test harness's output capture) and exits the process; brokers
//! started by the harness die with it (`PR_SET_PDEATHSIG`).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The exit code of a process ended by the watchdog.
pub const HANG_EXIT_CODE: i32 = 86;

/// How often the watchdog looks at the clock.
const TICK: Duration = Duration::from_millis(100);

/// One armed wait.
struct Arming {
    label: String,
    limit: Duration,
    deadline: Instant,
    state: String,
}

/// What the watchdog thread and the armed waits share.
#[derive(Default)]
struct Shared {
    armed: Mutex<BTreeMap<u64, Arming>>,
    next_id: AtomicU64,
    stopping: AtomicBool,
}

/// The watchdog thread; stops when dropped.
pub struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// An armed wait: disarmed when dropped.
pub struct Armed<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Watchdog {
    /// Starts the watchdog thread.
    pub fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let thread = {
            let shared = shared.clone();
            thread::Builder::new()
                .name("hang watchdog".to_owned())
                .spawn(move || watch(&shared))
                .expect("cannot spawn the watchdog")
        };
        Self {
            shared,
            thread: Some(thread),
        }
    }

    /// Arms a wait named `label` that must end (the guard dropped) within `limit`.
    pub fn arm(&self, label: impl Into<String>, limit: Duration) -> Armed<'_> {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let arming = Arming {
            label: label.into(),
            limit,
            deadline: Instant::now() + limit,
            state: String::new(),
        };
        self.shared.armed.lock().unwrap().insert(id, arming);
        Armed {
            shared: &self.shared,
            id,
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Armed<'_> {
    /// Replaces the state reported if this wait hangs (what it is waiting on, as of now).
    pub fn describe(&self, state: impl Into<String>) {
        if let Some(arming) = self.shared.armed.lock().unwrap().get_mut(&self.id) {
            arming.state = state.into();
        }
    }
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        self.shared.armed.lock().unwrap().remove(&self.id);
    }
}

/// The watchdog thread's loop: ends the process when an armed wait passes its deadline.
fn watch(shared: &Shared) {
    while !shared.stopping.load(Ordering::Acquire) {
        thread::sleep(TICK);
        let now = Instant::now();
        let armed = shared.armed.lock().unwrap();
        if let Some(hung) = armed.values().find(|arming| arming.deadline <= now) {
            let report = format!(
                "\nwatchdog: HANG: {} did not finish within {:?}\n{}\n",
                hung.label, hung.limit, hung.state
            );
            let _ = std::io::stderr().write_all(report.as_bytes());
            std::process::exit(HANG_EXIT_CODE);
        }
    }
}

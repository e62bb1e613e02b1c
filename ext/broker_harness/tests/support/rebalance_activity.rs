//! When a consumer group's rebalance callbacks last ran, and anything unexpected they saw.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Rebalance bookkeeping shared by the consumers of one consumer group.
pub struct RebalanceActivity {
    last_callback: Mutex<Instant>,
    anomalies: Mutex<Vec<String>>,
    client_errors: Mutex<Vec<String>>,
}

/// How many client errors are kept for diagnostics (the oldest are dropped).
const KEPT_CLIENT_ERRORS: usize = 20;

impl Default for RebalanceActivity {
    fn default() -> Self {
        Self {
            last_callback: Mutex::new(Instant::now()),
            anomalies: Mutex::default(),
            client_errors: Mutex::default(),
        }
    }
}

impl RebalanceActivity {
    /// Notes that a rebalance callback runs now.
    pub fn touch(&self) {
        *self.last_callback.lock().unwrap() = Instant::now();
    }

    /// Time since the last rebalance callback (or since creation).
    pub fn quiet_for(&self) -> Duration {
        self.last_callback.lock().unwrap().elapsed()
    }

    /// Records something a callback should never see; each one fails the storm.
    pub fn anomaly(&self, what: String) {
        self.anomalies.lock().unwrap().push(what);
    }

    /// Takes the anomalies recorded since the last call.
    pub fn take_anomalies(&self) -> Vec<String> {
        std::mem::take(&mut *self.anomalies.lock().unwrap())
    }

    /// Records an error returned by `poll` or another harmless client error (expected now and
    /// then around rebalances); kept for hang diagnostics.
    pub fn client_error(&self, what: String) {
        let mut errors = self.client_errors.lock().unwrap();
        if errors.len() == KEPT_CLIENT_ERRORS {
            errors.remove(0);
        }
        errors.push(what);
    }

    /// The most recent client errors, oldest first.
    pub fn recent_client_errors(&self) -> Vec<String> {
        self.client_errors.lock().unwrap().clone()
    }
}

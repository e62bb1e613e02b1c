//! The partition assignment strategies the storm runs: two eager ones and one cooperative.

use std::fmt;
use std::str::FromStr;

/// A librdkafka `partition.assignment.strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentStrategy {
    /// Eager `range`: every rebalance revokes everything, then assigns anew.
    Range,
    /// Eager `roundrobin`: every rebalance revokes everything, then assigns anew.
    RoundRobin,
    /// `cooperative-sticky`: rebalances revoke and assign only the partitions that move.
    CooperativeSticky,
}

impl AssignmentStrategy {
    /// Every strategy, in the order the tests run them.
    pub const ALL: [AssignmentStrategy; 3] =
        [Self::Range, Self::RoundRobin, Self::CooperativeSticky];

    /// The value of librdkafka's `partition.assignment.strategy`.
    pub fn librdkafka_name(self) -> &'static str {
        match self {
            Self::Range => "range",
            Self::RoundRobin => "roundrobin",
            Self::CooperativeSticky => "cooperative-sticky",
        }
    }
}

impl fmt::Display for AssignmentStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.librdkafka_name())
    }
}

impl FromStr for AssignmentStrategy {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|strategy| strategy.librdkafka_name() == name)
            .ok_or_else(|| {
                format!("unknown strategy {name:?} (use range, roundrobin or cooperative-sticky)")
            })
    }
}

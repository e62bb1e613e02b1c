//! Partition numbers and generations, and the check that keeps bad ones out.

use std::fmt;

/// A Kafka partition number: 0 up to `i32::MAX`, as in Kafka's protocol.
pub type Partition = i32;

/// How many times a partition has been assigned to this process.
pub type Generation = u64;

/// A subscription group id: names one connection (one consumer).
pub type GroupId = std::sync::Arc<str>;

/// A value that cannot be a Kafka partition number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidPartition(pub i128);

impl fmt::Display for InvalidPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "partition {} is out of range (0..={})",
            self.0,
            Partition::MAX
        )
    }
}

impl std::error::Error for InvalidPartition {}

/// Checks that `value` is a valid partition number.
pub fn partition_from(value: i64) -> Result<Partition, InvalidPartition> {
    Partition::try_from(value)
        .ok()
        .filter(|partition| *partition >= 0)
        .ok_or(InvalidPartition(value.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_kafka_range_only() {
        assert_eq!(partition_from(0), Ok(0));
        assert_eq!(partition_from(i32::MAX as i64), Ok(i32::MAX));
        assert!(partition_from(-1).is_err());
        assert!(partition_from(i32::MAX as i64 + 1).is_err());
        assert_eq!(
            partition_from(-3).unwrap_err().to_string(),
            "partition -3 is out of range (0..=2147483647)"
        );
    }
}

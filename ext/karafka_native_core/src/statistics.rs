//! The few fields of librdkafka's statistics that the coordinator needs.

use std::fmt;

use crate::document::{Document, Json, Kind};

/// What the coordinator keeps of one librdkafka statistics report.
///
/// Every field is optional: a report without a consumer group (`cgrp`) is valid but never
/// steady. Ages are in milliseconds; librdkafka reports broker `stateage` in microseconds and
/// the consumer group's `stateage` and `rebalance_age` in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statistics {
    /// `cgrp.state` (`"up"` once the group coordinator is known).
    pub cgrp_state: Option<String>,
    /// `cgrp.join_state` (`"steady"` once the member holds a stable assignment).
    pub join_state: Option<String>,
    /// `cgrp.stateage`, in milliseconds.
    pub stateage_ms: Option<i64>,
    /// `cgrp.rebalance_age`, in milliseconds.
    pub rebalance_age_ms: Option<i64>,
    /// The smallest `brokers.*.stateage`, converted from microseconds to milliseconds.
    pub broker_stateage_ms: Option<i64>,
}

/// Why a statistics document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatisticsError {
    /// The text is not JSON at all.
    NotJson(String),
    /// The document is not an object (a Hash).
    NotAnObject,
    /// A needed field has the wrong type or is out of range.
    BadField {
        /// Where the field is, e.g. `cgrp.stateage`.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
}

impl fmt::Display for StatisticsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson(reason) => write!(f, "statistics are not JSON ({reason})"),
            Self::NotAnObject => write!(f, "statistics must be an object"),
            Self::BadField { field, expected } => {
                write!(f, "statistics field {field} must be {expected}")
            }
        }
    }
}

impl std::error::Error for StatisticsError {}

/// Why reading a [`Document`] failed: the source failed, or it held a value the rules refuse
/// (given with its node, so that the caller can name it).
#[derive(Debug)]
pub enum ReadError<N, E> {
    /// The source's own failure, passed through unchanged.
    Source(E),
    /// A refused value, and which node it was.
    Bad(StatisticsError, N),
}

impl<N, E> From<E> for ReadError<N, E> {
    fn from(error: E) -> Self {
        Self::Source(error)
    }
}

impl Statistics {
    /// Reads librdkafka's raw statistics JSON, keeping only the fields the coordinator needs.
    pub fn from_json(json: &str) -> Result<Self, StatisticsError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| StatisticsError::NotJson(e.to_string()))?;
        match Self::read(&Json(&value)) {
            Ok(statistics) => Ok(statistics),
            Err(ReadError::Bad(error, _)) => Err(error),
            Err(ReadError::Source(never)) => match never {},
        }
    }

    /// Reads the fields the coordinator needs from `document`, whatever its source: one schema
    /// and one set of rules for the JSON and for the Hash.
    pub fn read<D: Document>(document: &D) -> Read<Self, D> {
        let root = document.root();
        if document.kind(&root)? != Kind::Object {
            return Err(ReadError::Bad(StatisticsError::NotAnObject, root));
        }
        let mut statistics = Self::default();
        if let Some(cgrp) = object(document, &root, "cgrp", "cgrp")? {
            statistics.cgrp_state = text(document, &cgrp, "state", "cgrp.state")?;
            statistics.join_state = text(document, &cgrp, "join_state", "cgrp.join_state")?;
            statistics.stateage_ms = integer(document, &cgrp, "stateage", "cgrp.stateage")?;
            statistics.rebalance_age_ms =
                integer(document, &cgrp, "rebalance_age", "cgrp.rebalance_age")?;
        }
        if let Some(brokers) = object(document, &root, "brokers", "brokers")? {
            for broker in document.values(&brokers)? {
                if document.kind(&broker)? != Kind::Object {
                    return Err(bad("brokers.*", "an object", broker));
                }
                if let Some(age) = integer(document, &broker, "stateage", "brokers.*.stateage")? {
                    statistics.add_broker_stateage_us(age);
                }
            }
        }
        Ok(statistics)
    }

    /// Takes a broker's `stateage` (microseconds) into account.
    pub fn add_broker_stateage_us(&mut self, stateage_us: i64) {
        let ms = stateage_us / 1000;
        self.broker_stateage_ms = Some(self.broker_stateage_ms.map_or(ms, |m| m.min(ms)));
    }

    /// True when the report shows a member in a steady group: `cgrp.state == "up"` and
    /// `cgrp.join_state == "steady"`.
    pub fn is_steady(&self) -> bool {
        self.cgrp_state.as_deref() == Some("up") && self.join_state.as_deref() == Some("steady")
    }

    /// The age the report gave: the smallest of `cgrp.stateage`, `cgrp.rebalance_age` and the
    /// smallest broker `stateage`; `None` when the report had none of them.
    pub fn reported_age_ms(&self) -> Option<i64> {
        [
            self.stateage_ms,
            self.rebalance_age_ms,
            self.broker_stateage_ms,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The age at `now_ms` of a report noticed at `noticed_ms`: the reported age plus the time
    /// since it was noticed; `None` when the report had no age.
    pub fn age_at(&self, noticed_ms: u64, now_ms: u64) -> Option<i64> {
        let elapsed = i64::try_from(now_ms.saturating_sub(noticed_ms)).unwrap_or(i64::MAX);
        self.reported_age_ms()
            .map(|age| age.saturating_add(elapsed))
    }
}

/// What reading a field of `D` gives.
type Read<T, D> = Result<T, ReadError<<D as Document>::Node, <D as Document>::Error>>;

/// The refusal of `node` at `field`.
fn bad<N, E>(field: &'static str, expected: &'static str, node: N) -> ReadError<N, E> {
    ReadError::Bad(StatisticsError::BadField { field, expected }, node)
}

/// The object at `key` of `node`; `None` when absent.
fn object<D: Document>(
    document: &D,
    node: &D::Node,
    key: &str,
    field: &'static str,
) -> Read<Option<D::Node>, D> {
    let Some(value) = document.field(node, key)? else {
        return Ok(None);
    };
    match document.kind(&value)? {
        Kind::Absent => Ok(None),
        Kind::Object => Ok(Some(value)),
        _ => Err(bad(field, "an object", value)),
    }
}

/// The text at `key` of `node`; `None` when absent.
fn text<D: Document>(
    document: &D,
    node: &D::Node,
    key: &str,
    field: &'static str,
) -> Read<Option<String>, D> {
    let Some(value) = document.field(node, key)? else {
        return Ok(None);
    };
    match document.kind(&value)? {
        Kind::Absent => Ok(None),
        Kind::Text(text) => Ok(Some(text)),
        _ => Err(bad(field, "a string", value)),
    }
}

/// The integer at `key` of `node`; `None` when absent. An integer only: a float (`5.9`) or an
/// integer beyond `i64` (`2**64`) is refused, from JSON and from a Hash alike.
fn integer<D: Document>(
    document: &D,
    node: &D::Node,
    key: &str,
    field: &'static str,
) -> Read<Option<i64>, D> {
    let Some(value) = document.field(node, key)? else {
        return Ok(None);
    };
    match document.kind(&value)? {
        Kind::Absent => Ok(None),
        Kind::Integer(integer) => Ok(Some(integer)),
        _ => Err(bad(field, "an integer in the 64-bit range", value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_the_needed_fields() {
        let json = r#"{"name":"c","cgrp":{"state":"up","join_state":"steady","stateage":9000,
            "rebalance_age":7000,"rebalance_cnt":3},"brokers":{"a":{"stateage":8000000},
            "b":{"stateage":6500000}},"topics":{}}"#;
        let s = Statistics::from_json(json).unwrap();
        assert!(s.is_steady());
        assert_eq!(s.reported_age_ms(), Some(6500));
        assert_eq!(s.age_at(100, 600), Some(7000));
    }

    #[test]
    fn refuses_what_is_not_statistics() {
        assert!(matches!(
            Statistics::from_json("nope"),
            Err(StatisticsError::NotJson(_))
        ));
        assert_eq!(
            Statistics::from_json("[1]"),
            Err(StatisticsError::NotAnObject)
        );
        assert_eq!(
            Statistics::from_json(r#"{"cgrp":{"stateage":"x"}}"#),
            Err(StatisticsError::BadField {
                field: "cgrp.stateage",
                expected: "an integer in the 64-bit range"
            })
        );
        for json in [
            r#"{"cgrp":{"stateage":5.9}}"#,
            r#"{"cgrp":{"stateage":9223372036854775808}}"#,
            r#"{"cgrp":{"stateage":18446744073709551616}}"#,
        ] {
            assert!(
                matches!(
                    Statistics::from_json(json),
                    Err(StatisticsError::BadField {
                        field: "cgrp.stateage",
                        ..
                    })
                ),
                "{json} must be refused"
            );
        }
        let empty = Statistics::from_json("{}").unwrap();
        assert!(!empty.is_steady());
        assert_eq!(empty.reported_age_ms(), None);
    }
}

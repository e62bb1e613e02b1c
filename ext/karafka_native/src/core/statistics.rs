//! The few fields of librdkafka's statistics that the coordinator needs.

use std::fmt;

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

/// Why a statistics JSON document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatisticsError {
    /// The text is not JSON at all.
    NotJson(String),
    /// The JSON is not an object.
    NotAnObject,
    /// A needed field has the wrong type.
    BadField(&'static str),
}

impl fmt::Display for StatisticsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson(reason) => write!(f, "statistics are not JSON ({reason})"),
            Self::NotAnObject => write!(f, "statistics JSON is not an object"),
            Self::BadField(field) => write!(f, "statistics field {field} has the wrong type"),
        }
    }
}

impl std::error::Error for StatisticsError {}

impl Statistics {
    /// Reads librdkafka's raw statistics JSON, keeping only the fields the coordinator needs.
    pub fn from_json(json: &str) -> Result<Self, StatisticsError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| StatisticsError::NotJson(e.to_string()))?;
        let root = value.as_object().ok_or(StatisticsError::NotAnObject)?;
        let mut statistics = Self::default();
        if let Some(cgrp) = root.get("cgrp").filter(|v| !v.is_null()) {
            let cgrp = cgrp.as_object().ok_or(StatisticsError::BadField("cgrp"))?;
            statistics.cgrp_state = text(cgrp.get("state"), "cgrp.state")?;
            statistics.join_state = text(cgrp.get("join_state"), "cgrp.join_state")?;
            statistics.stateage_ms = integer(cgrp.get("stateage"), "cgrp.stateage")?;
            statistics.rebalance_age_ms = integer(cgrp.get("rebalance_age"), "cgrp.rebalance_age")?;
        }
        if let Some(brokers) = root.get("brokers").filter(|v| !v.is_null()) {
            let brokers = brokers
                .as_object()
                .ok_or(StatisticsError::BadField("brokers"))?;
            for broker in brokers.values() {
                let broker = broker
                    .as_object()
                    .ok_or(StatisticsError::BadField("brokers.*"))?;
                if let Some(age) = integer(broker.get("stateage"), "brokers.*.stateage")? {
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

fn text(
    value: Option<&serde_json::Value>,
    field: &'static str,
) -> Result<Option<String>, StatisticsError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(StatisticsError::BadField(field)),
    }
}

fn integer(
    value: Option<&serde_json::Value>,
    field: &'static str,
) -> Result<Option<i64>, StatisticsError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or(StatisticsError::BadField(field)),
        Some(_) => Err(StatisticsError::BadField(field)),
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
            Err(StatisticsError::BadField("cgrp.stateage"))
        );
        let empty = Statistics::from_json("{}").unwrap();
        assert!(!empty.is_steady());
        assert_eq!(empty.reported_age_ms(), None);
    }
}

//! Ruby input to core values, validated completely before anything is locked or changed.

use std::sync::Arc;

use magnus::{r_hash::ForEach, Error, Integer, RArray, RHash, RString, Ruby, TryConvert, Value};

use super::errors::{argument_error, describe, type_error};
use super::topic_key::TopicKey;
use crate::core::{partition_from, GroupId, Partition};

/// A subscription group id: a String.
pub fn group_id(ruby: &Ruby, value: Value) -> Result<GroupId, Error> {
    let string = RString::from_value(value)
        .ok_or_else(|| type_error(ruby, "subscription group id must be a String", value))?;
    let text = string.to_string().map_err(|_| {
        argument_error(
            ruby,
            format!(
                "subscription group id {} is not valid text",
                describe(value)
            ),
        )
    })?;
    Ok(Arc::from(text))
}

/// A partition number: an Integer in 0..=2**31-1.
pub fn partition(ruby: &Ruby, value: Value) -> Result<Partition, Error> {
    checked_partition(ruby, value, String::new)
}

/// Like [`partition`], with `whose()` appended to the message (computed only on error).
fn checked_partition(
    ruby: &Ruby,
    value: Value,
    whose: impl Fn() -> String,
) -> Result<Partition, Error> {
    let Some(integer) = Integer::from_value(value) else {
        let expected = format!("partition{} must be an Integer", whose());
        return Err(type_error(ruby, &expected, value));
    };
    let out_of_range = || {
        argument_error(
            ruby,
            format!(
                "partition {}{} is out of range (0..={})",
                describe(value),
                whose(),
                Partition::MAX
            ),
        )
    };
    let wide = integer.to_i64().map_err(|_| out_of_range())?;
    partition_from(wide).map_err(|_| out_of_range())
}

/// `{topic => [Integer, ...]}` as core input; topics are kept by identity.
pub fn topics(ruby: &Ruby, value: Value) -> Result<Vec<(TopicKey, Vec<Partition>)>, Error> {
    let hash = RHash::from_value(value).ok_or_else(|| {
        type_error(
            ruby,
            "expected a Hash of {topic => [partition, ...]}",
            value,
        )
    })?;
    let mut topics = Vec::with_capacity(hash.len());
    hash.foreach(|topic: Value, partitions: Value| {
        let whose = || format!(" of topic {}", describe(topic));
        let Some(list) = RArray::from_value(partitions) else {
            let expected = format!("partitions{} must be an Array", whose());
            return Err(type_error(ruby, &expected, partitions));
        };
        let mut numbers = Vec::with_capacity(list.len());
        for index in 0..list.len() {
            let entry: Value = list.entry(index as isize)?;
            numbers.push(checked_partition(ruby, entry, whose)?);
        }
        topics.push((TopicKey::of(topic), numbers));
        Ok(ForEach::Continue)
    })?;
    Ok(topics)
}

/// A positive Integer that fits `usize` (the generations bound).
pub fn positive_limit(ruby: &Ruby, name: &str, value: Value) -> Result<usize, Error> {
    let integer = Integer::from_value(value)
        .ok_or_else(|| type_error(ruby, &format!("{name} must be an Integer"), value))?;
    match integer.to_i64() {
        Ok(limit) if limit >= 1 => Ok(usize::try_from(limit).unwrap_or(usize::MAX)),
        _ => Err(argument_error(
            ruby,
            format!("{name} must be a positive Integer, got {}", describe(value)),
        )),
    }
}

/// Seconds as a non-negative Float or Integer.
pub fn seconds(ruby: &Ruby, value: Value) -> Result<f64, Error> {
    let seconds = f64::try_convert(value)
        .map_err(|_| type_error(ruby, "seconds must be a Numeric", value))?;
    if seconds.is_finite() && seconds >= 0.0 {
        Ok(seconds)
    } else {
        Err(argument_error(
            ruby,
            format!("seconds must be >= 0, got {}", describe(value)),
        ))
    }
}

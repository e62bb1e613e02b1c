//! Ruby input to core values, validated completely before anything is locked or changed.
//!
//! Every topic taken from the input is held in the caller's [`PinBatch`] at once, before any
//! Ruby code runs, so that neither a GC nor a compaction can free or move it while the change
//! is in flight (see [`super::pins`]). Every error from Ruby code run here (a `partition`
//! method, a bad value's `inspect`) comes back unchanged, interrupts included.

use std::sync::Arc;

use magnus::rb_sys::AsRawValue;
use magnus::value::Lazy;
use magnus::{
    prelude::*, r_hash::ForEach, Error, Float, Integer, RArray, RHash, RObject, RString, RStruct,
    RTypedData, Ruby, Symbol, Value,
};

use super::errors::{argument_error, describe, is_standard, type_error};
use super::partition_objects::{self, KnownClass};
use super::pins::PinBatch;
use super::ruby_topic::RubyTopic;
use karafka_native_core::{partition_from, GroupId, Partition};

/// A subscription group id: a String.
pub fn group_id(ruby: &Ruby, value: Value) -> Result<GroupId, Error> {
    Ok(Arc::from(text(ruby, "subscription group id", value)?))
}

/// A String's text (UTF-8), naming `what` when it is not a String or not valid text.
pub fn text(ruby: &Ruby, what: &str, value: Value) -> Result<String, Error> {
    let string = RString::from_value(value)
        .ok_or_else(|| type_error(ruby, &format!("{what} must be a String"), value))?;
    string.to_string().map_err(|error| {
        if !is_standard(ruby, &error) {
            return error;
        }
        argument_error(ruby, || {
            Ok(format!("{what} {} is not valid text", describe(value)?))
        })
    })
}

/// `hash[key]` without running the Hash's default proc; `None` when the key is missing. Errors
/// of the key's `hash`/`eql?` come back unchanged (magnus's `RHash::get` discards them).
pub fn lookup(ruby: &Ruby, hash: RHash, key: Value) -> Result<Option<Value>, Error> {
    let missing = ruby.get_inner(&MISSING);
    let found: Value = hash.lookup2(key, missing)?;
    Ok((found.as_raw() != missing.as_raw()).then_some(found))
}

/// What [`lookup`] finds for a missing key: an object of its own, never a key's value.
static MISSING: Lazy<RObject> = Lazy::new(|ruby| {
    let missing = RObject::from_value(ruby.class_object().new_instance(()).expect("Object.new"))
        .expect("an Object");
    missing.freeze();
    missing
});

/// A partition number: an Integer in 0..=2**31-1.
pub fn partition(ruby: &Ruby, value: Value, pins: &PinBatch<'_>) -> Result<Partition, Error> {
    checked_partition(
        ruby,
        value,
        || Ok(String::new()),
        &mut KnownClass::default(),
        pins,
    )
}

/// The message tail naming whose partition a check is about (computed only on error).
type Whose<'a> = &'a dyn Fn() -> Result<String, Error>;

/// Like [`partition`], with `whose()` appended to the message.
fn checked_partition(
    ruby: &Ruby,
    value: Value,
    whose: impl Fn() -> Result<String, Error>,
    known: &mut KnownClass,
    pins: &PinBatch<'_>,
) -> Result<Partition, Error> {
    let Some(integer) = Integer::from_value(value) else {
        return object_partition(ruby, value, &whose, known, pins);
    };
    in_range(ruby, integer, value, &|| whose())
}

/// `integer` (which is `shown`, or what `shown` answered) as a partition number.
fn in_range(
    ruby: &Ruby,
    integer: Integer,
    shown: Value,
    from: Whose<'_>,
) -> Result<Partition, Error> {
    let out_of_range = || {
        argument_error(ruby, || {
            Ok(format!(
                "partition {}{} is out of range (0..={})",
                describe(shown)?,
                from()?,
                Partition::MAX
            ))
        })
    };
    // A Bignum is out of range whatever its value (`to_i64` raises no Ruby code).
    let wide = integer.to_i64().map_err(|_| out_of_range())?;
    partition_from(wide).map_err(|_| out_of_range())
}

/// Whether `value` may be a partition object: a plain object, Struct or typed data object.
fn plain_object(value: Value) -> bool {
    RObject::from_value(value).is_some()
        || RStruct::from_value(value).is_some()
        || RTypedData::from_value(value).is_some()
}

/// The number of a partition object: a plain object (not a String, Array, Hash or other core
/// value, several of which have an unrelated `partition` method) answering `partition` with a
/// valid partition Integer. Exceptions raised by `partition` propagate unchanged.
fn object_partition(
    ruby: &Ruby,
    value: Value,
    whose: Whose<'_>,
    known: &mut KnownClass,
    pins: &PinBatch<'_>,
) -> Result<Partition, Error> {
    let not_a_partition = || {
        let expected = match whose() {
            Ok(whose) => format!("partition{whose} must be an Integer"),
            Err(interrupted) => return interrupted,
        };
        type_error(ruby, &expected, value)
    };
    if !plain_object(value) {
        return Err(not_a_partition());
    }
    let reader = match known.reader_for(value) {
        Some(reader) => reader,
        None => match known.learn(ruby, value, pins)? {
            Some(reader) => reader,
            None => return Err(not_a_partition()),
        },
    };
    let answer = partition_objects::read(ruby, value, reader)?;
    answered_partition(ruby, value, answer, whose)
}

/// Checks what partition object `value` answered to `partition`.
fn answered_partition(
    ruby: &Ruby,
    value: Value,
    answer: Value,
    whose: Whose<'_>,
) -> Result<Partition, Error> {
    let Some(integer) = Integer::from_value(answer) else {
        let expected = match describe(value).and_then(|shown| Ok((shown, whose()?))) {
            Ok((shown, whose)) => format!("partition of {shown}{whose} must be an Integer"),
            Err(interrupted) => return Err(interrupted),
        };
        return Err(type_error(ruby, &expected, answer));
    };
    let from = || Ok(format!(" from {}{}", describe(value)?, whose()?));
    in_range(ruby, integer, answer, &from)
}

/// `{topic => [partition, ...]}` as core input, each partition an Integer or a partition object
/// (see [`object_partition`]); topics are kept by identity, each held in `pins` from the moment
/// it is taken.
pub fn topics(
    ruby: &Ruby,
    value: Value,
    pins: &PinBatch<'_>,
) -> Result<Vec<(RubyTopic, Vec<Partition>)>, Error> {
    let hash = RHash::from_value(value).ok_or_else(|| {
        type_error(
            ruby,
            "expected a Hash of {topic => [partition, ...]}",
            value,
        )
    })?;
    let mut topics = Vec::with_capacity(hash.len());
    // One classification for every partition object of the change (they share a class).
    let mut known = KnownClass::default();
    hash.foreach(|topic: Value, partitions: Value| {
        pins.hold(topic);
        pins.hold(partitions);
        let numbers = partition_list(ruby, topic, partitions, &mut known, pins)?;
        topics.push((RubyTopic::of(topic), numbers));
        Ok(ForEach::Continue)
    })?;
    Ok(topics)
}

/// What [`named_topics`] found.
pub enum Named {
    /// Every name was known: the topics with their partitions, as [`topics`] gives them.
    Topics(Vec<(RubyTopic, Vec<Partition>)>),
    /// The first name the index lacks (nothing else was checked after it).
    Unknown(Value),
}

/// `{name => [partition, ...]}` (librdkafka's topic partition list as a Hash) as core input,
/// each name resolved to its topic through `index` (`{name => topic}`), so that no Ruby code
/// runs per topic; partitions as in [`topics`].
pub fn named_topics(
    ruby: &Ruby,
    value: Value,
    index: Value,
    pins: &PinBatch<'_>,
) -> Result<Named, Error> {
    let hash = RHash::from_value(value).ok_or_else(|| {
        type_error(
            ruby,
            "expected a Hash of {topic name => [partition, ...]}",
            value,
        )
    })?;
    let index = RHash::from_value(index)
        .ok_or_else(|| type_error(ruby, "expected a Hash of {topic name => topic}", index))?;
    let mut topics = Vec::with_capacity(hash.len());
    let mut unknown = None;
    let mut known = KnownClass::default();
    hash.foreach(|name: Value, partitions: Value| {
        let Some(topic) = lookup(ruby, index, name)? else {
            unknown = Some(name);
            return Ok(ForEach::Stop);
        };
        pins.hold(topic);
        pins.hold(partitions);
        let numbers = partition_list(ruby, topic, partitions, &mut known, pins)?;
        topics.push((RubyTopic::of(topic), numbers));
        Ok(ForEach::Continue)
    })?;
    Ok(match unknown {
        Some(name) => Named::Unknown(name),
        None => Named::Topics(topics),
    })
}

/// The partitions of one topic's list, validated (errors name `topic`).
fn partition_list(
    ruby: &Ruby,
    topic: Value,
    partitions: Value,
    known: &mut KnownClass,
    pins: &PinBatch<'_>,
) -> Result<Vec<Partition>, Error> {
    let whose = || Ok(format!(" of topic {}", describe(topic)?));
    let Some(list) = RArray::from_value(partitions) else {
        let expected = match whose() {
            Ok(whose) => format!("partitions{whose} must be an Array"),
            Err(interrupted) => return Err(interrupted),
        };
        return Err(type_error(ruby, &expected, partitions));
    };
    let mut numbers = Vec::with_capacity(list.len());
    // The length is read again for every entry: a `partition` method may change the Array.
    let mut index = 0;
    while index < list.len() {
        let entry: Value = list.entry(index as isize)?;
        numbers.push(checked_partition(ruby, entry, whose, known, pins)?);
        index += 1;
    }
    Ok(numbers)
}

/// The largest generations bound the native tracker takes.
pub const MAX_LIMIT: u64 = usize::MAX as u64;

/// A positive Integer up to [`MAX_LIMIT`] (the generations bound).
pub fn positive_limit(ruby: &Ruby, name: &str, value: Value) -> Result<usize, Error> {
    let integer = Integer::from_value(value)
        .ok_or_else(|| type_error(ruby, &format!("{name} must be an Integer"), value))?;
    match integer.to_u64() {
        Ok(limit) if limit >= 1 => Ok(usize::try_from(limit).unwrap_or(usize::MAX)),
        _ => Err(argument_error(ruby, || {
            Ok(format!(
                "{name} must be a positive Integer up to {MAX_LIMIT}, got {}",
                describe(value)?
            ))
        })),
    }
}

/// Seconds as a non-negative Float or Integer (read without calling Ruby).
pub fn seconds(ruby: &Ruby, value: Value) -> Result<f64, Error> {
    let seconds = if let Some(float) = Float::from_value(value) {
        float.to_f64()
    } else if let Some(integer) = Integer::from_value(value) {
        integer.to_i64().map_or(f64::INFINITY, |n| n as f64)
    } else {
        return Err(type_error(
            ruby,
            "seconds must be an Integer or Float",
            value,
        ));
    };
    if seconds.is_finite() && seconds >= 0.0 {
        Ok(seconds)
    } else {
        Err(argument_error(ruby, || {
            Ok(format!("seconds must be >= 0, got {}", describe(value)?))
        }))
    }
}

/// A name: a String or a Symbol.
pub fn name(ruby: &Ruby, what: &str, value: Value) -> Result<String, Error> {
    if let Some(symbol) = Symbol::from_value(value) {
        return Ok(symbol.name()?.into_owned());
    }
    if RString::from_value(value).is_none() {
        return Err(type_error(
            ruby,
            &format!("{what} must be a String or Symbol"),
            value,
        ));
    }
    text(ruby, what, value)
}

/// A non-negative Integer that fits `u64`.
pub fn non_negative(ruby: &Ruby, what: &str, value: Value) -> Result<u64, Error> {
    let integer = Integer::from_value(value)
        .ok_or_else(|| type_error(ruby, &format!("{what} must be an Integer"), value))?;
    integer.to_u64().map_err(|_| {
        argument_error(ruby, || {
            Ok(format!(
                "{what} must be a non-negative Integer up to {}, got {}",
                u64::MAX,
                describe(value)?
            ))
        })
    })
}

/// A non-negative Integer as a count (`usize`).
pub fn count(ruby: &Ruby, what: &str, value: Value) -> Result<usize, Error> {
    non_negative(ruby, what, value).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

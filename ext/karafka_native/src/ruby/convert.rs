//! Ruby input to core values, validated completely before anything is locked or changed.

use std::sync::Arc;

use magnus::rb_sys::{AsRawValue, FromRawValue};
use magnus::{
    r_hash::ForEach, Error, Integer, RArray, RHash, RObject, RString, RStruct, RTypedData, Ruby,
    TryConvert, Value,
};

use super::errors::{argument_error, describe, type_error};
use super::partition_objects::{self, KnownClass};
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
    checked_partition(ruby, value, String::new, &mut KnownClass::default())
}

/// Like [`partition`], with `whose()` appended to the message (computed only on error).
fn checked_partition(
    ruby: &Ruby,
    value: Value,
    whose: impl Fn() -> String,
    known: &mut KnownClass,
) -> Result<Partition, Error> {
    let Some(integer) = Integer::from_value(value) else {
        return object_partition(ruby, value, whose, known);
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
    whose: impl Fn() -> String,
    known: &mut KnownClass,
) -> Result<Partition, Error> {
    let not_a_partition = || {
        let expected = format!("partition{} must be an Integer", whose());
        type_error(ruby, &expected, value)
    };
    if !plain_object(value) {
        return Err(not_a_partition());
    }
    // SAFETY: a plain object is a live heap object (an argument on this stack).
    let reader = match unsafe { known.reader_for(value.as_raw()) } {
        Some(reader) => reader,
        None => known.learn(ruby, value)?.ok_or_else(not_a_partition)?,
    };
    let answer = partition_objects::read(ruby, value, reader)?;
    answered_partition(ruby, value, answer, whose)
}

/// Checks what partition object `value` answered to `partition`.
fn answered_partition(
    ruby: &Ruby,
    value: Value,
    answer: Value,
    whose: impl Fn() -> String,
) -> Result<Partition, Error> {
    let from = || format!(" from {}{}", describe(value), whose());
    let Some(integer) = Integer::from_value(answer) else {
        let expected = format!(
            "partition of {}{} must be an Integer",
            describe(value),
            whose()
        );
        return Err(type_error(ruby, &expected, answer));
    };
    let out_of_range = || {
        argument_error(
            ruby,
            format!(
                "partition {}{} is out of range (0..={})",
                describe(answer),
                from(),
                Partition::MAX
            ),
        )
    };
    let wide = integer.to_i64().map_err(|_| out_of_range())?;
    partition_from(wide).map_err(|_| out_of_range())
}

/// `{topic => [partition, ...]}` as core input, each partition an Integer or a partition object
/// (see [`object_partition`]); topics are kept by identity.
pub fn topics(ruby: &Ruby, value: Value) -> Result<Vec<(TopicKey, Vec<Partition>)>, Error> {
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
        let numbers = partition_list(ruby, topic, partitions, &mut known)?;
        topics.push((TopicKey::of(topic), numbers));
        Ok(ForEach::Continue)
    })?;
    Ok(topics)
}

/// What [`named_topics`] found.
pub enum Named {
    /// Every name was known: the topics with their partitions, as [`topics`] gives them.
    Topics(Vec<(TopicKey, Vec<Partition>)>),
    /// The first name the index lacks (nothing else was checked after it).
    Unknown(Value),
}

/// `{name => [partition, ...]}` (librdkafka's topic partition list as a Hash) as core input,
/// each name resolved to its topic through `index` (`{name => topic}`), so that no Ruby code
/// runs per topic; partitions as in [`topics`].
pub fn named_topics(ruby: &Ruby, value: Value, index: Value) -> Result<Named, Error> {
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
        let Some(topic) = index.get(name) else {
            unknown = Some(name);
            return Ok(ForEach::Stop);
        };
        let numbers = partition_list(ruby, topic, partitions, &mut known)?;
        topics.push((TopicKey::of(topic), numbers));
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
) -> Result<Vec<Partition>, Error> {
    let whose = || format!(" of topic {}", describe(topic));
    let Some(list) = RArray::from_value(partitions) else {
        let expected = format!("partitions{} must be an Array", whose());
        return Err(type_error(ruby, &expected, partitions));
    };
    let mut numbers = Vec::with_capacity(list.len());
    let mut start = 0;
    while let Some((index, answer)) = fast_partitions(ruby, list, start, &mut numbers, known)? {
        // The entry the fast pass could not take: checked (and named) the careful way.
        let entry: Value = list.entry(index as isize)?;
        numbers.push(match answer {
            Some(answer) => answered_partition(ruby, entry, answer, whose)?,
            None => checked_partition(ruby, entry, whose, known)?,
        });
        start = index + 1;
    }
    Ok(numbers)
}

/// Appends to `out` the partitions of `list` from `start` on, in one `protect` for the whole
/// list (not one per entry, nor per `partition` call): valid Fixnums, and the valid Fixnum
/// answers of partition objects of the class `known` remembers. Stops at the first entry it
/// cannot take that way and returns its index, with the object's answer when it had one (so
/// that `partition` is never called twice on an object). Exceptions from `partition`
/// propagate.
// `c_long` is `i64` here but 32 bits wide on Windows, hence a cast clippy finds unneeded.
#[allow(clippy::unnecessary_cast)]
fn fast_partitions(
    ruby: &Ruby,
    list: RArray,
    start: usize,
    out: &mut Vec<Partition>,
    known: &KnownClass,
) -> Result<Option<(usize, Option<Value>)>, Error> {
    let raw_list = list.as_raw();
    let undef = rb_sys::Qundef as rb_sys::VALUE;
    let mut stop: Option<(usize, rb_sys::VALUE)> = None;
    // Everything the closure touches is borrowed or `Copy`: a Ruby exception unwinding out of
    // it (a longjmp back into `protect`) skips no destructor.
    let result = magnus::rb_sys::protect(|| {
        let mut index = start;
        // SAFETY: `raw_list` is a live Array (an argument of the running method, so on the
        // stack) and the GVL is held; the length is read again every time, as `partition` may
        // change the Array.
        while index < unsafe { rb_sys::RARRAY_LEN(raw_list) } as usize {
            // SAFETY: as above; `rb_ary_entry` cannot raise (nil when out of range).
            let entry = unsafe { rb_sys::rb_ary_entry(raw_list, index as std::os::raw::c_long) };
            let mut answer = entry;
            let object = !rb_sys::FIXNUM_P(entry);
            if object {
                // SAFETY: `entry` is an element of a live Array.
                let value = unsafe { Value::from_raw(entry) };
                // SAFETY: a plain object is a live heap object.
                let reader = plain_object(value)
                    .then(|| unsafe { known.reader_for(entry) })
                    .flatten();
                let Some(reader) = reader else {
                    stop = Some((index, undef));
                    break;
                };
                // SAFETY: the GVL is held, `entry` is live, and we are inside `protect`.
                answer = unsafe { partition_objects::read_raw(entry, reader, ruby) };
            }
            // SAFETY: checked to be a Fixnum first.
            let number = rb_sys::FIXNUM_P(answer).then(|| unsafe { rb_sys::FIX2LONG(answer) });
            match number.map(|wide| partition_from(wide as i64)) {
                Some(Ok(partition)) => out.push(partition),
                _ => {
                    stop = Some((index, if object { answer } else { undef }));
                    break;
                }
            }
            index += 1;
        }
        rb_sys::Qnil as rb_sys::VALUE
    });
    result?;
    // SAFETY: an answer kept from inside `protect` is a live object still on this stack.
    Ok(stop.map(|(index, answer)| {
        (
            index,
            (answer != undef).then(|| unsafe { Value::from_raw(answer) }),
        )
    }))
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

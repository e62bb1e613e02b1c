//! Ruby input to core values, validated completely before anything is locked or changed.
//!
//! Every topic taken from the input is held in the caller's [`PinBatch`] at once, before any
//! Ruby code runs, so that neither a GC nor a compaction can free or move it while the change
//! is in flight (see [`super::pins`]). Every error from Ruby code run here (a `partition`
//! method, a bad value's `inspect`) comes back unchanged, interrupts included.

use std::sync::Arc;

use magnus::rb_sys::{AsRawValue, FromRawValue};
use magnus::{
    r_hash::ForEach, Error, Float, Integer, RArray, RHash, RObject, RString, RStruct, RTypedData,
    Ruby, Symbol, Value,
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
pub fn lookup(hash: RHash, key: Value) -> Result<Option<Value>, Error> {
    let undef = rb_sys::Qundef as rb_sys::VALUE;
    // SAFETY: the GVL is held and both are live values on this stack; `rb_hash_lookup2` may
    // call the key's `hash` and `eql?`, which may raise: inside `protect`.
    let raw = magnus::rb_sys::protect(|| unsafe {
        rb_sys::rb_hash_lookup2(hash.as_raw(), key.as_raw(), undef)
    })?;
    // SAFETY: a value found in a live Hash (on this stack), used before any Ruby code runs.
    Ok((raw != undef).then(|| unsafe { Value::from_raw(raw) }))
}

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
        let Some(topic) = lookup(index, name)? else {
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
    let mut start = 0;
    while let Some((index, answer)) = fast_partitions(ruby, list, start, &mut numbers, known)? {
        // The entry the fast pass could not take: checked (and named) the careful way.
        let entry: Value = list.entry(index as isize)?;
        numbers.push(match answer {
            Some(answer) => answered_partition(ruby, entry, answer, &whose)?,
            None => checked_partition(ruby, entry, whose, known, pins)?,
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
        // SAFETY: `raw_list` is a live Array (held in the caller's pin batch) and the GVL is
        // held; the length is read again every time, as `partition` may change the Array.
        while index < unsafe { rb_sys::RARRAY_LEN(raw_list) } as usize {
            // SAFETY: as above; `rb_ary_entry` cannot raise (nil when out of range).
            let entry = unsafe { rb_sys::rb_ary_entry(raw_list, index as std::os::raw::c_long) };
            let mut answer = entry;
            let object = !rb_sys::FIXNUM_P(entry);
            if object {
                // SAFETY: `entry` is an element of a live Array, on this stack.
                let value = unsafe { Value::from_raw(entry) };
                let reader = plain_object(value)
                    .then(|| known.reader_for(value))
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
    Ok(stop.map(|(index, answer)| {
        // SAFETY: an answer kept from inside `protect` is a live object still on this stack.
        let answer = (answer != undef).then(|| unsafe { Value::from_raw(answer) });
        (index, answer)
    }))
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

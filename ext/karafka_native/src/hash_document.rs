//! librdkafka statistics as the Hash Karafka emits, read by the core's statistics reader
//! ([`karafka_native_core::Statistics::read`]): one schema and one set of rules for the Hash and the
//! JSON.

use magnus::{prelude::*, r_hash::ForEach, Error, Integer, RHash, RString, Ruby, Symbol, Value};

use super::convert::lookup;
use super::errors::{argument_error, describe, type_error};
use super::pins::PinBatch;
use karafka_native_core::{Document, Kind, ReadError, Statistics, StatisticsError};

/// A statistics Hash; every value it hands to the reader is held in `pins` first (the reader
/// keeps them in a `Vec` while Ruby code may run).
pub struct HashDocument<'a> {
    ruby: &'a Ruby,
    root: Value,
    pins: &'a PinBatch<'a>,
}

impl<'a> HashDocument<'a> {
    /// The document rooted at `root`.
    pub fn new(ruby: &'a Ruby, root: Value, pins: &'a PinBatch<'a>) -> Self {
        Self { ruby, root, pins }
    }

    /// The statistics `root` holds; a refused value raises an error naming it.
    pub fn statistics(&self) -> Result<Statistics, Error> {
        Statistics::read(self).map_err(|error| match error {
            ReadError::Source(error) => error,
            ReadError::Bad(StatisticsError::NotAnObject, node) => type_error(
                self.ruby,
                "statistics must be a Hash or a JSON String",
                node,
            ),
            ReadError::Bad(error, node) => argument_error(self.ruby, || {
                Ok(format!("{error}, got {}", describe(node)?))
            }),
        })
    }
}

impl Document for HashDocument<'_> {
    type Node = Value;
    type Error = Error;

    fn root(&self) -> Value {
        self.root
    }

    fn kind(&self, node: &Value) -> Result<Kind, Error> {
        let node = *node;
        if node.is_nil() {
            return Ok(Kind::Absent);
        }
        if let Some(integer) = Integer::from_value(node) {
            return Ok(integer.to_i64().map_or(Kind::Other, Kind::Integer));
        }
        if let Some(symbol) = Symbol::from_value(node) {
            return Ok(Kind::Text(symbol.name()?.into_owned()));
        }
        if let Some(string) = RString::from_value(node) {
            return Ok(string.to_string().map_or(Kind::Other, Kind::Text));
        }
        Ok(if RHash::from_value(node).is_some() {
            Kind::Object
        } else {
            Kind::Other
        })
    }

    /// `node[key]`: a String key (as Karafka's statistics have), else a Symbol key.
    fn field(&self, node: &Value, key: &str) -> Result<Option<Value>, Error> {
        let Some(hash) = RHash::from_value(*node) else {
            return Ok(None);
        };
        let found = match lookup(self.ruby, hash, self.ruby.str_new(key).as_value())? {
            Some(found) => Some(found),
            None => lookup(self.ruby, hash, self.ruby.to_symbol(key).as_value())?,
        };
        if let Some(found) = found {
            self.pins.hold(found);
        }
        Ok(found)
    }

    fn values(&self, node: &Value) -> Result<Vec<Value>, Error> {
        let Some(hash) = RHash::from_value(*node) else {
            return Ok(Vec::new());
        };
        let mut values = Vec::with_capacity(hash.len());
        hash.foreach(|_: Value, value: Value| {
            self.pins.hold(value);
            values.push(value);
            Ok(ForEach::Continue)
        })?;
        Ok(values)
    }
}

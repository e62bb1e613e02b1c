//! `Karafka::Native::Coordinator`: the Ruby face of the connection coordinator, sharing an
//! `AssignmentsTracker`'s core (same lock, same published state).
//!
//! Every input is converted and checked with the GVL held before the lock is taken; under the
//! lock only Rust runs (no Ruby allocation or call); results become Ruby values after the lock
//! is released.

use std::sync::Arc;

use magnus::{
    function, gc::Marker, method, prelude::*, scan_args, typed_data::Obj, value::Opaque,
    DataTypeFunctions, Error, Integer, RArray, RHash, RModule, RString, Ruby, Symbol, TryConvert,
    TypedData, Value,
};

use super::assignments_tracker::AssignmentsTracker;
use super::convert;
use super::errors::{argument_error, describe, type_error};
use super::gvl::with_writer;
use super::topic_key::TopicKey;
use crate::core::{
    Action, AssignmentsCore, Bounds, Connections, CoordinatorError, ListenerState, Snapshot,
    Statistics,
};

/// The native coordinator: a handle on a tracker's core, keeping the tracker alive.
#[derive(TypedData)]
#[magnus(class = "Karafka::Native::Coordinator", free_immediately, size, mark)]
pub struct Coordinator {
    core: Arc<AssignmentsCore<TopicKey>>,
    tracker: Opaque<Value>,
}

impl DataTypeFunctions for Coordinator {
    fn mark(&self, marker: &Marker) {
        marker.mark(self.tracker);
    }
}

impl Coordinator {
    /// `new(tracker)`
    fn new(ruby: &Ruby, tracker: Value) -> Result<Self, Error> {
        let typed = Obj::<AssignmentsTracker>::try_convert(tracker).map_err(|_| {
            type_error(
                ruby,
                "tracker must be a Karafka::Native::AssignmentsTracker",
                tracker,
            )
        })?;
        Ok(Self {
            core: Arc::clone(typed.core()),
            tracker: Opaque::from(tracker),
        })
    }

    /// Runs `work` under the core's lock: at once when the lock is free, otherwise waiting
    /// without the GVL (interruptible), as the tracker's writes do.
    fn write<R>(
        &self,
        work: impl Fn(&mut Connections, &Snapshot<TopicKey>) -> R,
    ) -> Result<R, Error> {
        with_writer(&self.core, |_| true, |writer| writer.coordinate(&work))
    }

    /// `register(subscription_group_id, family:, min:, max:, boot:, scale_delay:)`
    fn register(ruby: &Ruby, rb_self: Obj<Self>, args: &[Value]) -> Result<Obj<Self>, Error> {
        let args = scan_args::scan_args::<(Value,), (), (), (), RHash, ()>(args)?;
        let kwargs = scan_args::get_kwargs::<_, (Value, Value, Value, Value, Value), (), ()>(
            args.keywords,
            &["family", "min", "max", "boot", "scale_delay"],
            &[],
        )?;
        let id = convert::group_id(ruby, args.required.0)?;
        let (family, min, max, boot, delay) = kwargs.required;
        let family = name(ruby, "family", family)?;
        let bounds = Bounds::new(
            count(ruby, "min", min)?,
            count(ruby, "max", max)?,
            count(ruby, "boot", boot)?,
            millis(ruby, "scale_delay", delay)?,
        )
        .map_err(|e| argument_error(ruby, format!("{e} for subscription group {id:?}")))?;
        rb_self
            .write(|connections, _| connections.register(&id, &family, bounds))?
            .map_err(|e| coordinator_error(ruby, e))?;
        Ok(rb_self)
    }

    /// `listener_state(subscription_group_id, state)`
    fn listener_state(
        ruby: &Ruby,
        rb_self: Obj<Self>,
        id: Value,
        state: Value,
    ) -> Result<bool, Error> {
        let id = convert::group_id(ruby, id)?;
        let state = listener_state(ruby, state)?;
        rb_self
            .write(|connections, _| connections.set_state(&id, state))?
            .map_err(|e| coordinator_error(ruby, e))
    }

    /// `notice(subscription_group_id, statistics, now_ms)`
    fn notice(
        ruby: &Ruby,
        rb_self: Obj<Self>,
        id: Value,
        statistics: Value,
        now_ms: Value,
    ) -> Result<Obj<Self>, Error> {
        let id = convert::group_id(ruby, id)?;
        let statistics = read_statistics(ruby, statistics)?;
        let now = millis(ruby, "now_ms", now_ms)?;
        rb_self
            .write(|connections, _| connections.notice(&id, statistics.clone(), now))?
            .map_err(|e| coordinator_error(ruby, e))?;
        Ok(rb_self)
    }

    /// `stable?(family, now_ms)`: reads the published state (no lock).
    fn is_stable(ruby: &Ruby, rb_self: &Self, family: Value, now_ms: Value) -> Result<bool, Error> {
        let family = name(ruby, "family", family)?;
        let now = millis(ruby, "now_ms", now_ms)?;
        rb_self
            .core
            .connections()
            .is_stable(&family, now)
            .map_err(|e| coordinator_error(ruby, e))
    }

    /// `decide(now_ms)`: an Array of frozen `[:start | :stop, subscription_group_id]`.
    fn decide(ruby: &Ruby, rb_self: &Self, now_ms: Value) -> Result<RArray, Error> {
        let now = millis(ruby, "now_ms", now_ms)?;
        let actions = rb_self.write(|connections, snapshot| connections.decide(snapshot, now))?;
        let result = ruby.ary_new_capa(actions.len());
        for action in actions {
            let (verb, id) = match &action {
                Action::Start(id) => ("start", id),
                Action::Stop(id) => ("stop", id),
            };
            let pair = ruby.ary_new_capa(2);
            pair.push(ruby.to_symbol(verb))?;
            pair.push(frozen_str(ruby, id))?;
            pair.freeze();
            result.push(pair)?;
        }
        Ok(result)
    }

    /// `snapshot`: a frozen Hash of subscription group id to a frozen Hash describing the
    /// connection (`:family`, `:state`, `:active`, `:noticed_at_ms`, `:steady`,
    /// `:reported_age_ms`, `:last_change_ms` of its family, and `:partitions`, how many
    /// partitions it owns in the tracker), all read from one published snapshot: the
    /// connection states and the assignments of one moment.
    fn snapshot(ruby: &Ruby, rb_self: &Self) -> Result<RHash, Error> {
        let snapshot = rb_self.core.snapshot();
        let connections = snapshot.connections();
        let result = ruby.hash_new();
        for connection in connections.connections() {
            let family = connections
                .family_of(connection.id())
                .expect("a registered connection has a family");
            let entry = ruby.hash_new();
            entry.aset(ruby.to_symbol("family"), frozen_str(ruby, family.name()))?;
            entry.aset(
                ruby.to_symbol("state"),
                ruby.to_symbol(connection.state().name()),
            )?;
            entry.aset(ruby.to_symbol("active"), connection.state().is_active())?;
            let noticed = connection.noticed();
            entry.aset(ruby.to_symbol("noticed_at_ms"), noticed.map(|n| n.at_ms))?;
            entry.aset(
                ruby.to_symbol("steady"),
                noticed.map(|n| n.statistics.is_steady()),
            )?;
            entry.aset(
                ruby.to_symbol("reported_age_ms"),
                noticed.and_then(|n| n.statistics.reported_age_ms()),
            )?;
            entry.aset(ruby.to_symbol("last_change_ms"), family.last_change_ms())?;
            let owned: usize = snapshot
                .owned_by(connection.id())
                .map(|(_, count)| count)
                .sum();
            entry.aset(ruby.to_symbol("partitions"), owned)?;
            entry.freeze();
            result.aset(frozen_str(ruby, connection.id()), entry)?;
        }
        result.freeze();
        Ok(result)
    }

    /// The tracker whose core this coordinator shares.
    fn tracker(ruby: &Ruby, rb_self: &Self) -> Value {
        ruby.get_inner(rb_self.tracker)
    }

    /// Grows by one with every change of the connection states.
    fn version(&self) -> u64 {
        self.core.connections().version()
    }

    /// Defines the class under `namespace`.
    pub fn define(ruby: &Ruby, namespace: RModule) -> Result<(), Error> {
        let class = namespace.define_class("Coordinator", ruby.class_object())?;
        class.define_singleton_method("new", function!(Coordinator::new, 1))?;
        class.define_method("register", method!(Coordinator::register, -1))?;
        class.define_method("listener_state", method!(Coordinator::listener_state, 2))?;
        class.define_method("notice", method!(Coordinator::notice, 3))?;
        class.define_method("stable?", method!(Coordinator::is_stable, 2))?;
        class.define_method("decide", method!(Coordinator::decide, 1))?;
        class.define_method("snapshot", method!(Coordinator::snapshot, 0))?;
        class.define_method("tracker", method!(Coordinator::tracker, 0))?;
        class.define_method("version", method!(Coordinator::version, 0))?;
        Ok(())
    }
}

fn frozen_str(ruby: &Ruby, text: &str) -> RString {
    let string = ruby.str_new(text);
    string.freeze();
    string
}

fn coordinator_error(ruby: &Ruby, error: CoordinatorError) -> Error {
    argument_error(ruby, error.to_string())
}

/// A family name: a String or Symbol.
fn name(ruby: &Ruby, what: &str, value: Value) -> Result<String, Error> {
    if let Some(symbol) = Symbol::from_value(value) {
        return Ok(symbol.name()?.into_owned());
    }
    let string = RString::from_value(value)
        .ok_or_else(|| type_error(ruby, &format!("{what} must be a String"), value))?;
    string.to_string().map_err(|_| {
        argument_error(
            ruby,
            format!("{what} {} is not valid text", describe(value)),
        )
    })
}

/// A non-negative Integer.
fn non_negative(ruby: &Ruby, what: &str, value: Value) -> Result<u64, Error> {
    let integer = Integer::from_value(value)
        .ok_or_else(|| type_error(ruby, &format!("{what} must be an Integer"), value))?;
    integer.to_u64().map_err(|_| {
        argument_error(
            ruby,
            format!(
                "{what} must be a non-negative Integer, got {}",
                describe(value)
            ),
        )
    })
}

fn count(ruby: &Ruby, what: &str, value: Value) -> Result<usize, Error> {
    non_negative(ruby, what, value).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

fn millis(ruby: &Ruby, what: &str, value: Value) -> Result<u64, Error> {
    non_negative(ruby, what, value)
}

/// A listener state: one of Karafka's state names, as a Symbol or String.
fn listener_state(ruby: &Ruby, value: Value) -> Result<ListenerState, Error> {
    let text = name(ruby, "listener state", value)
        .map_err(|_| type_error(ruby, "listener state must be a Symbol or String", value))?;
    ListenerState::from_name(&text).ok_or_else(|| {
        let known: Vec<&str> = ListenerState::ALL.iter().map(|s| s.name()).collect();
        argument_error(
            ruby,
            format!(
                "unknown listener state {} (expected one of {})",
                describe(value),
                known.join(", ")
            ),
        )
    })
}

/// librdkafka statistics: the Hash Karafka emits, or the raw JSON String.
fn read_statistics(ruby: &Ruby, value: Value) -> Result<Statistics, Error> {
    if let Some(json) = RString::from_value(value) {
        // SAFETY: the borrowed bytes are only read here, with the GVL held and no Ruby call
        // in between, so the string can be neither changed nor collected meanwhile.
        let bytes = unsafe { json.as_slice() };
        let text = std::str::from_utf8(bytes).map_err(|_| {
            argument_error(
                ruby,
                format!("statistics {} are not UTF-8", describe(value)),
            )
        })?;
        return Statistics::from_json(text)
            .map_err(|e| argument_error(ruby, format!("{e}: {}", describe(value))));
    }
    let hash = RHash::from_value(value)
        .ok_or_else(|| type_error(ruby, "statistics must be a Hash or a JSON String", value))?;
    let mut statistics = Statistics::default();
    if let Some(cgrp) = field(&hash, "cgrp").filter(|v| !v.is_nil()) {
        let cgrp = RHash::from_value(cgrp)
            .ok_or_else(|| type_error(ruby, "statistics \"cgrp\" must be a Hash", cgrp))?;
        statistics.cgrp_state = text_field(ruby, &cgrp, "state")?;
        statistics.join_state = text_field(ruby, &cgrp, "join_state")?;
        statistics.stateage_ms = integer_field(ruby, &cgrp, "stateage")?;
        statistics.rebalance_age_ms = integer_field(ruby, &cgrp, "rebalance_age")?;
    }
    if let Some(brokers) = field(&hash, "brokers").filter(|v| !v.is_nil()) {
        let brokers = RHash::from_value(brokers)
            .ok_or_else(|| type_error(ruby, "statistics \"brokers\" must be a Hash", brokers))?;
        let mut ages = Vec::new();
        brokers.foreach(|_: Value, broker: Value| {
            let broker = RHash::from_value(broker)
                .ok_or_else(|| type_error(ruby, "statistics broker must be a Hash", broker))?;
            if let Some(age) = integer_field(ruby, &broker, "stateage")? {
                ages.push(age);
            }
            Ok(magnus::r_hash::ForEach::Continue)
        })?;
        for age in ages {
            statistics.add_broker_stateage_us(age);
        }
    }
    Ok(statistics)
}

/// `hash[key]`, with a String key (as Karafka's statistics) or else a Symbol key.
fn field(hash: &RHash, key: &str) -> Option<Value> {
    hash.get(key)
        .or_else(|| hash.get(Ruby::get().ok()?.to_symbol(key)))
}

fn text_field(ruby: &Ruby, hash: &RHash, key: &str) -> Result<Option<String>, Error> {
    match field(hash, key).filter(|v| !v.is_nil()) {
        None => Ok(None),
        Some(value) => name(ruby, key, value).map(Some),
    }
}

fn integer_field(ruby: &Ruby, hash: &RHash, key: &str) -> Result<Option<i64>, Error> {
    match field(hash, key).filter(|v| !v.is_nil()) {
        None => Ok(None),
        Some(value) => {
            let integer = Integer::from_value(value).ok_or_else(|| {
                type_error(
                    ruby,
                    &format!("statistics \"{key}\" must be an Integer"),
                    value,
                )
            })?;
            integer.to_i64().map(Some).map_err(|_| {
                argument_error(
                    ruby,
                    format!("statistics \"{key}\" {} is out of range", describe(value)),
                )
            })
        }
    }
}

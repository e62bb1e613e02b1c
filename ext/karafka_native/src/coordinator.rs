//! `Karafka::Native::Coordinator`: the Ruby face of the connection coordinator, sharing an
//! `AssignmentsTracker`'s core (same lock, same published state).
//!
//! Every input is converted and checked with the GVL held before the lock is taken; under the
//! lock only Rust runs (no Ruby allocation or call); results become Ruby values after the lock
//! is released.

use std::sync::{Arc, OnceLock};

use magnus::{
    gc::Marker, method, prelude::*, scan_args, typed_data::Obj, value::Opaque, DataTypeFunctions,
    Error, RArray, RHash, RModule, RString, Ruby, TryConvert, TypedData, Value,
};

use super::assignments_tracker::AssignmentsTracker;
use super::convert::{self, count, name, non_negative as millis};
use super::errors::{argument_error, describe, type_error};
use super::hash_document::HashDocument;
use super::pins::{PinBatch, Pins};
use super::ruby_topic::RubyTopic;
use super::writer::with_writer;
use karafka_native_core::{
    Action, AssignmentsCore, Bounds, Connections, CoordinatorError, ListenerState, Snapshot,
    Statistics,
};

/// The native coordinator: a handle on a tracker's core, keeping the tracker alive.
#[derive(TypedData, Default)]
#[magnus(class = "Karafka::Native::Coordinator", free_immediately, size, mark)]
pub struct Coordinator {
    /// Set once, by `initialize`.
    handle: OnceLock<Handle>,
    /// Statistics values being read (see [`HashDocument`]).
    pins: Pins,
}

/// What a coordinator works on: its tracker's core, and the tracker (marked, so it outlives the
/// coordinator's use of the core).
struct Handle {
    core: Arc<AssignmentsCore<RubyTopic>>,
    tracker: Opaque<Value>,
}

impl DataTypeFunctions for Coordinator {
    fn mark(&self, marker: &Marker) {
        if let Some(handle) = self.handle.get() {
            marker.mark(handle.tracker);
        }
        self.pins.mark(marker);
    }
}

impl Coordinator {
    /// `initialize(tracker)`
    fn initialize(ruby: &Ruby, rb_self: &Self, tracker: Value) -> Result<(), Error> {
        let typed = Obj::<AssignmentsTracker>::try_convert(tracker).map_err(|_| {
            type_error(
                ruby,
                "tracker must be a Karafka::Native::AssignmentsTracker",
                tracker,
            )
        })?;
        let handle = Handle {
            core: Arc::clone(typed.core()),
            tracker: Opaque::from(tracker),
        };
        rb_self.handle.set(handle).map_err(|_| {
            Error::new(
                ruby.exception_type_error(),
                "this Karafka::Native::Coordinator is already initialized with a tracker",
            )
        })
    }

    /// `initialize_copy`: refused, as a copy would be a second handle on the same state, not a
    /// copy of it.
    fn initialize_copy(ruby: &Ruby, _rb_self: &Self, _source: Value) -> Result<(), Error> {
        Err(Error::new(
            ruby.exception_type_error(),
            "a Karafka::Native::Coordinator cannot be copied: it is a handle on its tracker's \
             state; make another with Karafka::Native::Coordinator.new(tracker)",
        ))
    }

    fn handle(&self, ruby: &Ruby) -> Result<&Handle, Error> {
        self.handle.get().ok_or_else(|| {
            Error::new(
                ruby.exception_type_error(),
                "uninitialized Karafka::Native::Coordinator (make it with .new(tracker))",
            )
        })
    }

    fn core(&self, ruby: &Ruby) -> Result<&Arc<AssignmentsCore<RubyTopic>>, Error> {
        Ok(&self.handle(ruby)?.core)
    }

    /// Runs `work` under the core's lock: at once when the lock is free, otherwise waiting
    /// without the GVL (interruptible), as the tracker's writes do.
    fn write<R: Send>(
        &self,
        ruby: &Ruby,
        work: impl Fn(&mut Connections, &Snapshot<RubyTopic>) -> R + Send + Sync,
    ) -> Result<R, Error> {
        with_writer(
            self.core(ruby)?,
            |_| true,
            |writer| writer.coordinate(&work),
        )
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
        .map_err(|e| argument_error(ruby, || Ok(format!("{e} for subscription group {id:?}"))))?;
        rb_self
            .write(ruby, |connections, _| {
                connections.register(&id, &family, bounds)
            })?
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
            .write(ruby, |connections, _| connections.set_state(&id, state))?
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
        let statistics = {
            let pins = rb_self.pins.batch();
            read_statistics(ruby, statistics, &pins)?
        };
        let now = millis(ruby, "now_ms", now_ms)?;
        rb_self
            .write(ruby, |connections, _| {
                connections.notice(&id, statistics.clone(), now)
            })?
            .map_err(|e| coordinator_error(ruby, e))?;
        Ok(rb_self)
    }

    /// `stable?(family, now_ms)`: reads the published state (no lock).
    fn is_stable(ruby: &Ruby, rb_self: &Self, family: Value, now_ms: Value) -> Result<bool, Error> {
        let family = name(ruby, "family", family)?;
        let now = millis(ruby, "now_ms", now_ms)?;
        rb_self
            .core(ruby)?
            .connections()
            .is_stable(&family, now)
            .map_err(|e| coordinator_error(ruby, e))
    }

    /// `decide(now_ms)`: an Array of frozen `[:start | :stop, subscription_group_id]`.
    fn decide(ruby: &Ruby, rb_self: &Self, now_ms: Value) -> Result<RArray, Error> {
        let now = millis(ruby, "now_ms", now_ms)?;
        let actions = rb_self.write(ruby, |connections, snapshot| {
            connections.decide(snapshot, now)
        })?;
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
        let snapshot = rb_self.core(ruby)?.snapshot();
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
    fn tracker(ruby: &Ruby, rb_self: &Self) -> Result<Value, Error> {
        Ok(ruby.get_inner(rb_self.handle(ruby)?.tracker))
    }

    /// Grows by one with every change of the connection states.
    fn version(ruby: &Ruby, rb_self: &Self) -> Result<u64, Error> {
        Ok(rb_self.core(ruby)?.connections().version())
    }

    /// Defines the class under `namespace`.
    pub fn define(ruby: &Ruby, namespace: RModule) -> Result<(), Error> {
        let class = namespace.define_class("Coordinator", ruby.class_object())?;
        class.define_alloc_func::<Coordinator>();
        class.define_method("initialize", method!(Coordinator::initialize, 1))?;
        class.define_method("initialize_copy", method!(Coordinator::initialize_copy, 1))?;
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
    argument_error(ruby, || Ok(error.to_string()))
}

/// A listener state: one of Karafka's state names, as a Symbol or String.
fn listener_state(ruby: &Ruby, value: Value) -> Result<ListenerState, Error> {
    let text = name(ruby, "listener state", value)?;
    ListenerState::from_name(&text).ok_or_else(|| {
        let known: Vec<&str> = ListenerState::ALL.iter().map(|s| s.name()).collect();
        argument_error(ruby, || {
            Ok(format!(
                "unknown listener state {} (expected one of {})",
                describe(value)?,
                known.join(", ")
            ))
        })
    })
}

/// librdkafka statistics: the Hash Karafka emits, or the raw JSON String, read by the core's
/// one reader either way.
fn read_statistics(ruby: &Ruby, value: Value, pins: &PinBatch<'_>) -> Result<Statistics, Error> {
    let Some(json) = RString::from_value(value) else {
        return HashDocument::new(ruby, value, pins).statistics();
    };
    // SAFETY: the borrowed bytes are only read here, with the GVL held and no Ruby call in
    // between, so the string can be neither changed nor collected meanwhile.
    let parsed = std::str::from_utf8(unsafe { json.as_slice() })
        .map_err(|_| None)
        .and_then(|text| Statistics::from_json(text).map_err(Some));
    parsed.map_err(|error| {
        argument_error(ruby, || {
            Ok(match error {
                Some(error) => format!("{error}: {}", describe(value)?),
                None => format!("statistics {} are not UTF-8", describe(value)?),
            })
        })
    })
}

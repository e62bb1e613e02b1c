//! `Karafka::Native::AssignmentsTracker`: the Ruby face of [`AssignmentsCore`].

use std::sync::Arc;

use magnus::{
    gc::Marker, method, prelude::*, scan_args, typed_data::Obj, DataTypeFunctions, Error, RHash,
    RModule, Ruby, TryConvert, TypedData, Value,
};

use super::convert::{self, Named, MAX_LIMIT};
use super::errors::{self, type_error};
use super::pins::Pins;
use super::ruby_topic::RubyTopic;
use super::views::{mark_keys, ViewCell};
use super::writer::with_writer;
use karafka_native_core::{
    AssignmentsCore, Change, GroupId, Partition, TopicAssignment, TopicGenerations,
    DEFAULT_GENERATIONS_LIMIT,
};

/// Changes that cost at most this much (see [`karafka_native_core::Writer::cost`]) are applied with the
/// GVL held when the lock is free; costlier ones always release the GVL while they are applied.
const LIGHT_CHANGE: usize = 2_048;

/// The direction of a `{topic => partitions}` change, as the const parameter of the methods that
/// serve both `assign` and `revoke`.
const ASSIGN: bool = true;
/// See [`ASSIGN`].
const REVOKE: bool = false;

/// The change `DIRECTION` makes of validated topics.
fn topics_change<const DIRECTION: bool>(
    group: GroupId,
    topics: Vec<(RubyTopic, Vec<Partition>)>,
) -> Change<RubyTopic> {
    if DIRECTION == ASSIGN {
        Change::Assign { group, topics }
    } else {
        Change::Revoke { group, topics }
    }
}

/// The native assignments tracker: one core (one lock, published snapshots), the cached frozen
/// Ruby views of it, and the topics of changes in flight.
///
/// Invariant: every topic key of the published snapshot, of a view or lease, and of a change in
/// flight is marked (and so pinned) by [`AssignmentsTracker::mark`]: by the snapshot from
/// publication on, by [`Pins`] from the moment conversion takes it until then.
#[derive(TypedData)]
#[magnus(
    class = "Karafka::Native::AssignmentsTracker",
    free_immediately,
    size,
    mark
)]
pub struct AssignmentsTracker {
    core: Arc<AssignmentsCore<RubyTopic>>,
    views: ViewCell,
    pins: Pins,
}

impl Default for AssignmentsTracker {
    /// What `allocate` makes: an empty tracker with the default bound (`initialize` sets it).
    fn default() -> Self {
        Self {
            core: Arc::new(AssignmentsCore::new(DEFAULT_GENERATIONS_LIMIT)),
            views: ViewCell::default(),
            pins: Pins::default(),
        }
    }
}

impl DataTypeFunctions for AssignmentsTracker {
    fn mark(&self, marker: &Marker) {
        mark_keys(marker, &self.core.peek());
        self.views.mark(marker);
        self.pins.mark(marker);
    }
}

impl AssignmentsTracker {
    /// `initialize(generations_limit: 100_000)`
    fn initialize(ruby: &Ruby, rb_self: &Self, args: &[Value]) -> Result<(), Error> {
        let args = scan_args::scan_args::<(), (), (), (), RHash, ()>(args)?;
        let kwargs = scan_args::get_kwargs::<_, (), (Option<Value>,), ()>(
            args.keywords,
            &[],
            &["generations_limit"],
        )?;
        let limit = match kwargs.optional.0 {
            Some(value) => convert::positive_limit(ruby, "generations_limit", value)?,
            None => DEFAULT_GENERATIONS_LIMIT,
        };
        rb_self.apply_limit(limit)
    }

    /// `initialize_copy(source)` (`dup`, `clone`): the copy starts from the source's published
    /// state (assignments, generations, connection states and bound); the two are independent
    /// from then on.
    fn initialize_copy(ruby: &Ruby, rb_self: &Self, source: Value) -> Result<(), Error> {
        let source = Obj::<Self>::try_convert(source).map_err(|_| {
            type_error(
                ruby,
                "initialize_copy needs a Karafka::Native::AssignmentsTracker",
                source,
            )
        })?;
        let snapshot = source.core.snapshot();
        let limit = source.core.generations_limit();
        // The source's topics are held until the copy's own snapshot marks them: the wait for
        // the copy's lock may release the GVL.
        let pins = rb_self.pins.batch();
        pins.hold_snapshot(Arc::clone(&snapshot));
        with_writer(
            &rb_self.core,
            |_| true,
            |writer| writer.replace(&snapshot, limit),
        )?;
        drop(pins);
        Ok(())
    }

    /// The shared core (the coordinator and tests use it).
    pub fn core(&self) -> &Arc<AssignmentsCore<RubyTopic>> {
        &self.core
    }

    /// How many objects and snapshots changes in flight hold now (for specs: 0 once every call
    /// has returned, whether it succeeded, failed or was interrupted).
    pub fn pinned(&self) -> usize {
        self.pins.len()
    }

    /// `assign(subscription_group_id, {topic => partitions})` (`ASSIGN`) and
    /// `revoke(subscription_group_id, {topic => partitions})` (`REVOKE`): converts and validates
    /// the change, then applies it.
    fn change_topics<const DIRECTION: bool>(
        ruby: &Ruby,
        rb_self: Obj<Self>,
        group: Value,
        topics: Value,
    ) -> Result<Obj<Self>, Error> {
        let group = convert::group_id(ruby, group)?;
        let pins = rb_self.pins.batch();
        let topics = convert::topics(ruby, topics, &pins)?;
        rb_self.write(&topics_change::<DIRECTION>(group, topics))?;
        drop(pins);
        Ok(rb_self)
    }

    /// `assign_named(subscription_group_id, {name => partitions}, {name => topic})` and
    /// `revoke_named(...)`: `assign` or `revoke` for a topic partition list keyed by topic names,
    /// each resolved through the index with no Ruby call per topic. Returns nil when applied, or
    /// the first name the index lacks, with nothing applied (resolve it, then call again).
    fn change_named<const DIRECTION: bool>(
        ruby: &Ruby,
        rb_self: Obj<Self>,
        group: Value,
        by_name: Value,
        index: Value,
    ) -> Result<Option<Value>, Error> {
        let group = convert::group_id(ruby, group)?;
        let pins = rb_self.pins.batch();
        match convert::named_topics(ruby, by_name, index, &pins)? {
            Named::Unknown(name) => Ok(Some(name)),
            Named::Topics(topics) => {
                rb_self.write(&topics_change::<DIRECTION>(group, topics))?;
                drop(pins);
                Ok(None)
            }
        }
    }

    fn reset(ruby: &Ruby, rb_self: Obj<Self>, group: Value) -> Result<Obj<Self>, Error> {
        let change = Change::Reset {
            group: convert::group_id(ruby, group)?,
        };
        rb_self.write(&change)?;
        Ok(rb_self)
    }

    fn clear(rb_self: Obj<Self>) -> Result<Obj<Self>, Error> {
        rb_self.write(&Change::Clear)?;
        Ok(rb_self)
    }

    /// Applies a validated change: with the GVL when it is small and the lock is free, otherwise
    /// waiting for the lock and applying without the GVL (interruptible while waiting). The
    /// caller holds the change's topics in a pin batch until this returns.
    pub fn write(&self, change: &Change<RubyTopic>) -> Result<bool, Error> {
        with_writer(
            &self.core,
            |writer| writer.cost(change) <= LIGHT_CHANGE,
            |writer| writer.apply(change),
        )
    }

    fn current(ruby: &Ruby, rb_self: &Self) -> Result<Value, Error> {
        rb_self
            .views
            .get::<TopicAssignment>(ruby, rb_self.core.snapshot())
    }

    fn generations(ruby: &Ruby, rb_self: &Self) -> Result<Value, Error> {
        rb_self
            .views
            .get::<TopicGenerations>(ruby, rb_self.core.snapshot())
    }

    fn generation(
        ruby: &Ruby,
        rb_self: &Self,
        topic: Value,
        partition: Value,
    ) -> Result<u64, Error> {
        let pins = rb_self.pins.batch();
        let partition = convert::partition(ruby, partition, &pins)?;
        // Compared by address only: a topic the snapshot holds is pinned, so no other object
        // can have its address.
        Ok(rb_self
            .core
            .peek()
            .generation(&RubyTopic::of(topic), partition))
    }

    fn version(&self) -> u64 {
        self.core.version()
    }

    /// True while some thread holds the native lock (a hint; it may change at once).
    fn locked(&self) -> bool {
        self.core.is_locked()
    }

    fn generations_limit(&self) -> usize {
        self.core.generations_limit()
    }

    /// `generations_limit = n`: the bound from now on; generations of the least recently
    /// assigned topics beyond it go at once (the version grows when any do).
    fn set_generations_limit(ruby: &Ruby, rb_self: &Self, limit: Value) -> Result<(), Error> {
        let limit = convert::positive_limit(ruby, "generations_limit", limit)?;
        rb_self.apply_limit(limit)
    }

    fn apply_limit(&self, limit: usize) -> Result<(), Error> {
        with_writer(
            &self.core,
            |writer| writer.evictions_for(limit) <= LIGHT_CHANGE,
            |writer| writer.set_generations_limit(limit),
        )?;
        Ok(())
    }

    /// Never blocks: `busy` while the lock is held, otherwise the assignments by topic label
    /// (`name` when the topic answers it, `inspect` otherwise). Exceptions and interrupts from
    /// those Ruby calls propagate.
    fn inspect(ruby: &Ruby, rb_self: Obj<Self>) -> Result<String, Error> {
        // SAFETY: the borrowed class name is copied (`into_owned`) before any Ruby code runs.
        let class = unsafe { rb_self.classname() }.into_owned();
        if rb_self.core.is_locked() {
            return Ok(format!("#<{class} busy>"));
        }
        let version = rb_self.core.version();
        // The frozen view keeps every topic alive while labels are computed (Ruby calls).
        let current = RHash::from_value(Self::current(ruby, &rb_self)?)
            .ok_or_else(|| Error::new(ruby.exception_runtime_error(), "current is not a Hash"))?;
        let mut parts = Vec::with_capacity(current.len());
        current.foreach(|topic: Value, partitions: Value| {
            let label: Value = if topic.respond_to("name", false)? {
                topic.funcall("name", ())?
            } else {
                topic
            };
            parts.push(format!(
                "{} => {}",
                errors::inspect(label)?,
                errors::inspect(partitions)?
            ));
            Ok(magnus::r_hash::ForEach::Continue)
        })?;
        Ok(format!(
            "#<{class} version={version} assignments={{{}}}>",
            parts.join(", ")
        ))
    }

    /// Defines the class under `namespace`.
    pub fn define(ruby: &Ruby, namespace: RModule) -> Result<(), Error> {
        let class = namespace.define_class("AssignmentsTracker", ruby.class_object())?;
        class.define_alloc_func::<AssignmentsTracker>();
        class.const_set("MAX_GENERATIONS_LIMIT", MAX_LIMIT)?;
        class.define_method("initialize", method!(AssignmentsTracker::initialize, -1))?;
        class.define_method(
            "initialize_copy",
            method!(AssignmentsTracker::initialize_copy, 1),
        )?;
        class.define_method(
            "assign",
            method!(AssignmentsTracker::change_topics::<ASSIGN>, 2),
        )?;
        class.define_method(
            "revoke",
            method!(AssignmentsTracker::change_topics::<REVOKE>, 2),
        )?;
        class.define_method(
            "assign_named",
            method!(AssignmentsTracker::change_named::<ASSIGN>, 3),
        )?;
        class.define_method(
            "revoke_named",
            method!(AssignmentsTracker::change_named::<REVOKE>, 3),
        )?;
        class.define_method("reset", method!(AssignmentsTracker::reset, 1))?;
        class.define_method("clear", method!(AssignmentsTracker::clear, 0))?;
        class.define_method("current", method!(AssignmentsTracker::current, 0))?;
        class.define_method("generations", method!(AssignmentsTracker::generations, 0))?;
        class.define_method("generation", method!(AssignmentsTracker::generation, 2))?;
        class.define_method("version", method!(AssignmentsTracker::version, 0))?;
        class.define_method(
            "generations_limit",
            method!(AssignmentsTracker::generations_limit, 0),
        )?;
        class.define_method(
            "generations_limit=",
            method!(AssignmentsTracker::set_generations_limit, 1),
        )?;
        class.define_method("locked?", method!(AssignmentsTracker::locked, 0))?;
        class.define_method("inspect", method!(AssignmentsTracker::inspect, 0))?;
        class.define_method("to_s", method!(AssignmentsTracker::inspect, 0))?;
        Ok(())
    }
}

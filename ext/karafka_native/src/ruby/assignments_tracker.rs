//! `Karafka::Native::AssignmentsTracker`: the Ruby face of [`AssignmentsCore`].

use magnus::{
    function, gc::Marker, method, prelude::*, scan_args, typed_data::Obj, DataTypeFunctions, Error,
    RHash, RModule, Ruby, TypedData, Value,
};

use super::convert::{self, Named};
use super::gvl::with_writer;
use super::topic_key::TopicKey;
use super::views::{mark_keys, ViewCell};
use crate::core::{
    AssignmentsCore, Change, GroupId, Partition, TopicAssignment, TopicGenerations,
    DEFAULT_GENERATIONS_LIMIT,
};

/// Changes that cost at most this much (see [`crate::core::Writer::cost`]) are applied with the
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
    topics: Vec<(TopicKey, Vec<Partition>)>,
) -> Change<TopicKey> {
    if DIRECTION == ASSIGN {
        Change::Assign { group, topics }
    } else {
        Change::Revoke { group, topics }
    }
}

/// The native assignments tracker: one core (one lock, published snapshots) and the cached
/// frozen Ruby views of it.
#[derive(TypedData)]
#[magnus(
    class = "Karafka::Native::AssignmentsTracker",
    free_immediately,
    size,
    mark
)]
pub struct AssignmentsTracker {
    core: std::sync::Arc<AssignmentsCore<TopicKey>>,
    views: ViewCell,
}

impl DataTypeFunctions for AssignmentsTracker {
    fn mark(&self, marker: &Marker) {
        mark_keys(marker, &self.core.peek());
        self.views.mark(marker);
    }
}

impl AssignmentsTracker {
    /// `new(generations_limit: 100_000)`
    fn new(ruby: &Ruby, args: &[Value]) -> Result<Self, Error> {
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
        Ok(Self {
            core: std::sync::Arc::new(AssignmentsCore::new(limit)),
            views: ViewCell::default(),
        })
    }

    /// The shared core (the coordinator and tests use it).
    pub fn core(&self) -> &std::sync::Arc<AssignmentsCore<TopicKey>> {
        &self.core
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
        let topics = convert::topics(ruby, topics)?;
        rb_self.write(&topics_change::<DIRECTION>(group, topics))?;
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
        match convert::named_topics(ruby, by_name, index)? {
            Named::Unknown(name) => Ok(Some(name)),
            Named::Topics(topics) => {
                rb_self.write(&topics_change::<DIRECTION>(group, topics))?;
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
    /// waiting for the lock and applying without the GVL (interruptible while waiting).
    pub fn write(&self, change: &Change<TopicKey>) -> Result<bool, Error> {
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
        let partition = convert::partition(ruby, partition)?;
        Ok(rb_self
            .core
            .peek()
            .generation(&TopicKey::of(topic), partition))
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
        with_writer(
            &rb_self.core,
            |writer| writer.evictions_for(limit) <= LIGHT_CHANGE,
            |writer| writer.set_generations_limit(limit),
        )?;
        Ok(())
    }

    /// Never blocks: `busy` while the lock is held, otherwise the assignments by topic label
    /// (`name` when the topic answers it, `inspect` otherwise).
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
            parts.push(format!("{} => {}", label.inspect(), partitions.inspect()));
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
        class.define_singleton_method("new", function!(AssignmentsTracker::new, -1))?;
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

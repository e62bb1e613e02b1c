//! Frozen Ruby views (`current`, `generations`) of core snapshots, cached per version.
//!
//! Building a view allocates Ruby objects, so it happens with no native lock held, from a
//! snapshot loaded lock-free. Ruby objects a view reuses or refers to stay marked while the
//! view is built (see [`Views::leases`]), because a concurrent change may already have published
//! a snapshot without them.
//!
//! A view is patched from the previous one when few topics changed: the two persistent
//! snapshots are diffed (shared subtrees are skipped), the previous frozen Hash is copied
//! (`rb_hash_dup`, one table copy, keeping the frozen values of unchanged topics) and only the
//! changed topics are deleted, replaced or appended, so reading `current` after one change costs
//! about the change, not the state. Otherwise (a small tracker, many changes, or a clear) the
//! view is built afresh. Values are only ever taken from the previous Hash itself, never kept by
//! address, so they need no pinning.

use std::sync::Arc;

use magnus::{
    gc::Marker,
    prelude::*,
    value::{BoxValue, Opaque},
    Error, IntoValue, RHash, Ruby, Value,
};

use super::ruby_topic::RubyTopic;
use karafka_native_core::{OrderedMap, SeqDiff, Snapshot, TopicAssignment, TopicGenerations};

/// A view is patched only when at most this share of its topics changed (1 in N), and at
/// most [`PATCH_MIN`] changes are always patched; beyond that a fresh build is as cheap.
const PATCH_SHARE: usize = 4;

/// See [`PATCH_SHARE`].
const PATCH_MIN: usize = 64;

/// Views of fewer topics are rebuilt: below this size a fresh build costs less than diffing
/// and copying.
const PATCH_FROM: usize = 16;

/// A frozen Ruby Hash built from one snapshot version, with the snapshot it shows, which the
/// next build diffs against.
pub struct View<T> {
    version: u64,
    hash: Opaque<Value>,
    snapshot: Arc<Snapshot<RubyTopic>>,
    kind: std::marker::PhantomData<T>,
}

/// The views of one tracker. Only touched with the GVL held, and never borrowed across a Ruby
/// call or allocation (so GC marking can always borrow it).
#[derive(Default)]
pub struct Views {
    current: Option<Arc<View<TopicAssignment>>>,
    generations: Option<Arc<View<TopicGenerations>>>,
    /// Snapshots (and the old views they reuse parts of) being turned into Ruby right now.
    leases: Vec<Lease>,
    next_lease: u64,
}

/// What a build in progress needs kept alive: the snapshot it reads, and the previous view whose
/// values it may reuse (which a concurrent build may already have replaced in [`Views`]).
struct Lease {
    id: u64,
    snapshot: Arc<Snapshot<RubyTopic>>,
    previous: Option<Arc<dyn MarkRuby>>,
}

/// Something holding Ruby objects that GC must mark (and pin: their addresses are kept).
trait MarkRuby: Send + Sync {
    fn mark(&self, marker: &Marker);
}

impl<T: ViewKind> MarkRuby for View<T> {
    /// Marks the Hash (and so the values it holds, which GC may move: they are only ever read
    /// back through the Hash) and, separately, every topic of its snapshot: topics are found by
    /// address when the next view is patched (a topic gone from the tracker is deleted from the
    /// copied Hash by its key), so they must be pinned, not just reachable (reachable objects
    /// may be moved by `GC.compact`).
    fn mark(&self, marker: &Marker) {
        marker.mark(self.hash);
        for key in T::entries(&self.snapshot).keys() {
            // SAFETY: a key of this view's snapshot has been pinned since it entered a marked
            // snapshot (published or leased), by that marking and now by this one, so its
            // address is a live object.
            marker.mark(unsafe { key.value() });
        }
    }
}

/// Which view a build is for.
pub trait ViewKind: Sized + Send + Sync + Eq + 'static {
    /// The view's slot in [`Views`].
    fn slot(views: &mut Views) -> &mut Option<Arc<View<Self>>>;
    /// The per-topic entries of a snapshot, in the order the Ruby Hash shows them.
    fn entries(snapshot: &Snapshot<RubyTopic>) -> &OrderedMap<RubyTopic, Arc<Self>>;
    /// The frozen Ruby value of one topic's entry.
    fn to_ruby(&self, ruby: &Ruby) -> Result<Value, Error>;
}

impl ViewKind for TopicAssignment {
    fn slot(views: &mut Views) -> &mut Option<Arc<View<Self>>> {
        &mut views.current
    }

    fn entries(snapshot: &Snapshot<RubyTopic>) -> &OrderedMap<RubyTopic, Arc<Self>> {
        snapshot.assignment_map()
    }

    fn to_ruby(&self, ruby: &Ruby) -> Result<Value, Error> {
        let array = ruby.ary_new_capa(self.partitions().len());
        for partition in self.partitions() {
            array.push(*partition)?;
        }
        array.freeze();
        Ok(array.as_value())
    }
}

impl ViewKind for TopicGenerations {
    fn slot(views: &mut Views) -> &mut Option<Arc<View<Self>>> {
        &mut views.generations
    }

    fn entries(snapshot: &Snapshot<RubyTopic>) -> &OrderedMap<RubyTopic, Arc<Self>> {
        snapshot.generation_map()
    }

    fn to_ruby(&self, ruby: &Ruby) -> Result<Value, Error> {
        let hash = ruby.hash_new();
        for (partition, generation) in self.partitions() {
            hash.aset(*partition, *generation)?;
        }
        hash.freeze();
        Ok(hash.as_value())
    }
}

/// The view cell of a tracker: [`Views`] behind a `RefCell` that is only used with the GVL.
#[derive(Default)]
pub struct ViewCell(std::cell::RefCell<Views>);

impl ViewCell {
    /// The frozen Ruby Hash of kind `T` for `snapshot`: the cached one when its version matches
    /// (O(1)), otherwise a new one that reuses the frozen values of unchanged topics.
    pub fn get<T: ViewKind>(
        &self,
        ruby: &Ruby,
        snapshot: Arc<Snapshot<RubyTopic>>,
    ) -> Result<Value, Error> {
        let previous = {
            let mut views = self.0.borrow_mut();
            let slot = T::slot(&mut views).clone();
            if let Some(view) = &slot {
                if view.version == snapshot.version() {
                    return Ok(ruby.get_inner(view.hash));
                }
            }
            slot
        };
        let version = snapshot.version();
        let lease = self.lease(
            snapshot.clone(),
            previous.clone().map(|view| view as Arc<dyn MarkRuby>),
        );
        let patchable = previous
            .as_deref()
            .and_then(|view| Some((view, changes(view, &snapshot)?)));
        let built = match patchable {
            Some((view, changes)) => patch(ruby, view, changes),
            None => build(ruby, T::entries(&snapshot)),
        };
        self.release(lease);
        let hash = built?;
        let view = Arc::new(View {
            version,
            hash: hash.into(),
            snapshot,
            kind: std::marker::PhantomData,
        });
        let mut views = self.0.borrow_mut();
        let slot = T::slot(&mut views);
        // A build that raced with a newer one must not replace it.
        if slot.as_ref().is_none_or(|cached| cached.version < version) {
            *slot = Some(view);
        }
        Ok(hash)
    }

    /// Keeps `snapshot` and `previous` marked until [`ViewCell::release`].
    fn lease(
        &self,
        snapshot: Arc<Snapshot<RubyTopic>>,
        previous: Option<Arc<dyn MarkRuby>>,
    ) -> u64 {
        let mut views = self.0.borrow_mut();
        views.next_lease += 1;
        let id = views.next_lease;
        views.leases.push(Lease {
            id,
            snapshot,
            previous,
        });
        id
    }

    fn release(&self, id: u64) {
        self.0.borrow_mut().leases.retain(|lease| lease.id != id);
    }

    /// Marks every Ruby object the views hold or a build in progress uses; keys are pinned.
    pub fn mark(&self, marker: &Marker) {
        // Never borrowed mutably across an allocation, so this cannot fail during GC.
        let Ok(views) = self.0.try_borrow() else {
            return;
        };
        if let Some(view) = &views.current {
            view.mark(marker);
        }
        if let Some(view) = &views.generations {
            view.mark(marker);
        }
        for lease in &views.leases {
            mark_keys(marker, &lease.snapshot);
            if let Some(previous) = &lease.previous {
                previous.mark(marker);
            }
        }
    }
}

/// Marks (and so pins) every topic key of `snapshot`.
pub fn mark_keys(marker: &Marker, snapshot: &Snapshot<RubyTopic>) {
    for key in snapshot.keys() {
        // SAFETY: keys of a marked snapshot are live objects (see `RubyTopic::value`).
        marker.mark(unsafe { key.value() });
    }
}

/// The changes from `previous`'s snapshot to `snapshot`, ascending by sequence number, when the
/// view is worth patching: both of one lineage (a clear starts a new one) and few changes.
fn changes<'a, T: ViewKind>(
    previous: &'a View<T>,
    snapshot: &'a Snapshot<RubyTopic>,
) -> Option<Vec<SeqDiff<'a, RubyTopic, Arc<T>>>> {
    let (old, new) = (T::entries(&previous.snapshot), T::entries(snapshot));
    // Only forwards: additions are appended, which keeps the order only when they are newer.
    let forwards = previous.version < snapshot.version();
    if !forwards || old.len() < PATCH_FROM || !old.same_lineage(new) {
        return None;
    }
    let limit = PATCH_MIN.max(new.len() / PATCH_SHARE);
    let changes: Vec<_> = old.diff(new).take(limit + 1).collect();
    // Within one lineage an entry keeps its key; a different key would be a bug: rebuild.
    let sound = changes.iter().all(|change| match change {
        SeqDiff::Updated { old, new, .. } => old.0 == new.0,
        _ => true,
    });
    (sound && changes.len() <= limit).then_some(changes)
}

/// The frozen Hash of `previous` with `changes` applied to a copy of it. Entries keep their
/// places: updated ones stay, removed ones go, added ones (numbered after every entry the two
/// snapshots share) are appended in order, and a moved one is removed, then appended.
fn patch<T: ViewKind>(
    ruby: &Ruby,
    previous: &View<T>,
    changes: Vec<SeqDiff<'_, RubyTopic, Arc<T>>>,
) -> Result<Value, Error> {
    // `Hash#dup` of a Hash this binding made (plain, frozen): an unfrozen copy of its table.
    let hash: RHash = ruby.get_inner(previous.hash).funcall("dup", ())?;
    // Registered with the GC while new values are allocated into it.
    let hash = BoxValue::new(hash);
    for change in changes {
        match change {
            SeqDiff::Removed(_, key, _) => {
                // SAFETY: the previous view pins its snapshot's topics, and it is leased.
                let _: Value = hash.delete(unsafe { key.value() })?;
            }
            SeqDiff::Updated {
                new: (key, entry), ..
            }
            | SeqDiff::Added(_, key, entry) => {
                let value = entry.to_ruby(ruby)?;
                // SAFETY: the key belongs to a leased snapshot, so it is alive and pinned.
                hash.aset(unsafe { key.value() }, value)?;
            }
        }
    }
    hash.freeze();
    Ok(hash.as_value())
}

/// Builds the frozen Hash for `entries` afresh.
fn build<T: ViewKind>(
    ruby: &Ruby,
    entries: &OrderedMap<RubyTopic, Arc<T>>,
) -> Result<Value, Error> {
    let hash = ruby.hash_new();
    for (key, entry) in entries.iter() {
        let value = entry.to_ruby(ruby)?;
        // SAFETY: the key belongs to a leased snapshot, so it is alive and pinned.
        hash.aset(unsafe { key.value() }, value)?;
    }
    hash.freeze();
    Ok(hash.into_value_with(ruby))
}

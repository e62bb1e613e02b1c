//! Frozen Ruby views (`current`, `generations`) of core snapshots, cached per version.
//!
//! Building a view allocates Ruby objects, so it happens with no native lock held, from a
//! snapshot loaded lock-free. Ruby objects a view reuses or refers to stay marked while the
//! view is built (see [`Views::leases`]), because a concurrent change may already have published
//! a snapshot without them.

use std::collections::HashMap;
use std::sync::Arc;

use magnus::{gc::Marker, prelude::*, value::Opaque, Error, IntoValue, Ruby, Value};

use super::topic_key::TopicKey;
use crate::core::{Snapshot, TopicAssignment, TopicGenerations};

/// The frozen per-topic values of a view, with the core entries they were built from.
type Parts<T> = HashMap<TopicKey, (Arc<T>, Opaque<Value>)>;

/// A frozen Ruby Hash built from one snapshot version, with the frozen per-topic values it
/// holds, so that the next build can reuse those whose topic did not change.
pub struct View<T> {
    version: u64,
    hash: Opaque<Value>,
    parts: Parts<T>,
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
    snapshot: Arc<Snapshot<TopicKey>>,
    previous: Option<Arc<dyn MarkRuby>>,
}

/// Something holding Ruby objects that GC must mark (and pin: their addresses are kept).
trait MarkRuby: Send + Sync {
    fn mark(&self, marker: &Marker);
}

impl<T: Send + Sync> MarkRuby for View<T> {
    /// Marks the Hash and, separately, every value it holds: those values are reused by address
    /// in later builds, so they must be pinned, not just reachable (reachable objects may be
    /// moved by `GC.compact`).
    fn mark(&self, marker: &Marker) {
        marker.mark(self.hash);
        for (_, value) in self.parts.values() {
            marker.mark(*value);
        }
    }
}

/// Which view a build is for.
pub trait ViewKind: Sized + Send + Sync + 'static {
    /// The view's slot in [`Views`].
    fn slot(views: &mut Views) -> &mut Option<Arc<View<Self>>>;
    /// The per-topic entries of a snapshot, in the order the Ruby Hash shows them.
    fn entries(snapshot: &Snapshot<TopicKey>) -> Vec<(TopicKey, Arc<Self>)>;
    /// The frozen Ruby value of one topic's entry.
    fn to_ruby(&self, ruby: &Ruby) -> Result<Value, Error>;
}

impl ViewKind for TopicAssignment {
    fn slot(views: &mut Views) -> &mut Option<Arc<View<Self>>> {
        &mut views.current
    }

    fn entries(snapshot: &Snapshot<TopicKey>) -> Vec<(TopicKey, Arc<Self>)> {
        snapshot
            .assignments()
            .map(|(key, value)| (*key, value.clone()))
            .collect()
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

    fn entries(snapshot: &Snapshot<TopicKey>) -> Vec<(TopicKey, Arc<Self>)> {
        snapshot
            .generations()
            .map(|(key, value)| (*key, value.clone()))
            .collect()
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
        snapshot: Arc<Snapshot<TopicKey>>,
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
        let entries = T::entries(&snapshot);
        let lease = self.lease(
            snapshot,
            previous.clone().map(|view| view as Arc<dyn MarkRuby>),
        );
        let built = build(ruby, &entries, previous.as_deref());
        self.release(lease);
        let (hash, parts) = built?;
        let view = Arc::new(View {
            version,
            hash: hash.into(),
            parts,
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
    fn lease(&self, snapshot: Arc<Snapshot<TopicKey>>, previous: Option<Arc<dyn MarkRuby>>) -> u64 {
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
pub fn mark_keys(marker: &Marker, snapshot: &Snapshot<TopicKey>) {
    for key in snapshot.keys() {
        // SAFETY: keys of a marked snapshot are live objects (see `TopicKey::value`).
        marker.mark(unsafe { key.value() });
    }
}

/// Builds the frozen Hash for `entries`, reusing `previous`'s values of unchanged topics.
fn build<T: ViewKind>(
    ruby: &Ruby,
    entries: &[(TopicKey, Arc<T>)],
    previous: Option<&View<T>>,
) -> Result<(Value, Parts<T>), Error> {
    let hash = ruby.hash_new();
    let mut parts = HashMap::with_capacity(entries.len());
    for (key, entry) in entries {
        let reused = previous
            .and_then(|view| view.parts.get(key))
            .filter(|(cached, _)| Arc::ptr_eq(cached, entry))
            .map(|(_, value)| ruby.get_inner(*value));
        let value = match reused {
            Some(value) => value,
            None => entry.to_ruby(ruby)?,
        };
        // SAFETY: the key belongs to a leased snapshot, so it is alive and pinned.
        hash.aset(unsafe { key.value() }, value)?;
        parts.insert(*key, (entry.clone(), Opaque::from(value)));
    }
    hash.freeze();
    Ok((hash.into_value_with(ruby), parts))
}

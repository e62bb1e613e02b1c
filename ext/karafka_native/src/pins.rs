//! Ruby objects held by native code between the moment it takes them and the moment they are
//! published (or dropped): kept marked, and so pinned, by their owner's GC mark function.
//!
//! A change to the tracker takes its topic objects out of the caller's Hash and keeps their
//! addresses (as [`super::ruby_topic::RubyTopic`]s) in Rust memory while Ruby code still runs
//! (a partition object's `partition` method), while the thread waits for the lock without the
//! GVL, and while a heavy change is applied without it. Nothing else refers to them then: the
//! caller may have dropped them, and `GC.compact` may move them. Holding them in a [`PinBatch`]
//! from the moment they are taken makes the owner's mark function mark them with `rb_gc_mark`,
//! which keeps them alive and where they are, until the batch is dropped, after publication
//! (from then on the published snapshot keeps them marked).

use std::cell::RefCell;
use std::marker::PhantomData;

use std::sync::Arc;

use magnus::rb_sys::{AsRawValue, FromRawValue};
use magnus::{gc::Marker, value::ReprValue, Value};

use super::ruby_topic::RubyTopic;
use super::views::mark_keys;
use karafka_native_core::Snapshot;

/// The batches of one owner (a tracker).
///
/// Invariant: only used with the GVL held, and never borrowed across a Ruby call or allocation
/// (pushing a raw address into a `Vec` allocates with Rust's allocator, never Ruby's), so the
/// GC's mark function can always borrow it.
#[derive(Default)]
pub struct Pins(RefCell<Slots>);

/// What one batch holds: objects, and snapshots whose every topic it holds.
#[derive(Default)]
struct Held {
    objects: Vec<rb_sys::VALUE>,
    snapshots: Vec<Arc<Snapshot<RubyTopic>>>,
}

/// Batch slots, reused once released.
#[derive(Default)]
struct Slots {
    /// One slot per batch, `None` once released.
    batches: Vec<Option<Held>>,
    /// Released slots, to reuse.
    free: Vec<usize>,
}

/// Objects held for one call, marked by the owner until this is dropped. Neither `Send` nor
/// `Sync`: it cannot enter a closure that runs without the GVL, and it is dropped with the GVL
/// held, on the thread that made it.
pub struct PinBatch<'a> {
    pins: &'a Pins,
    slot: usize,
    not_send: PhantomData<*const ()>,
}

impl Pins {
    /// A new, empty batch.
    pub fn batch(&self) -> PinBatch<'_> {
        let mut slots = self.0.borrow_mut();
        let slot = match slots.free.pop() {
            Some(slot) => {
                slots.batches[slot] = Some(Held::default());
                slot
            }
            None => {
                slots.batches.push(Some(Held::default()));
                slots.batches.len() - 1
            }
        };
        PinBatch {
            pins: self,
            slot,
            not_send: PhantomData,
        }
    }

    /// Marks (and pins) every object of every batch not yet dropped.
    pub fn mark(&self, marker: &Marker) {
        // Never borrowed across an allocation (see the invariant), so this cannot fail in GC.
        let Ok(slots) = self.0.try_borrow() else {
            return;
        };
        for held in slots.batches.iter().flatten() {
            for object in &held.objects {
                // SAFETY: an object enters a batch while it is alive (the caller got it from
                // Ruby on this thread, with the GVL held, and no Ruby code ran since), and from
                // then on this function marks it with `rb_gc_mark`, which keeps it alive and
                // unmoved.
                marker.mark(unsafe { Value::from_raw(*object) });
            }
            for snapshot in &held.snapshots {
                mark_keys(marker, snapshot);
            }
        }
    }

    /// How many objects and snapshots are held now (for specs).
    pub fn len(&self) -> usize {
        let slots = self.0.borrow();
        let held = slots.batches.iter().flatten();
        held.map(|held| held.objects.len() + held.snapshots.len())
            .sum()
    }
}

impl PinBatch<'_> {
    /// Holds `object` until the batch is dropped. Call it before any Ruby code runs after the
    /// object was taken.
    pub fn hold<T: ReprValue>(&self, object: T) {
        let raw = object.as_value().as_raw();
        if rb_sys::SPECIAL_CONST_P(raw) {
            return; // Immediates (nil, Fixnums, static Symbols) are neither freed nor moved.
        }
        let mut slots = self.pins.0.borrow_mut();
        if let Some(held) = slots.batches[self.slot].as_mut() {
            held.objects.push(raw);
        }
    }

    /// Holds every topic of `snapshot` (a snapshot of a tracker, whose mark function keeps its
    /// topics pinned now) until the batch is dropped.
    pub fn hold_snapshot(&self, snapshot: Arc<Snapshot<RubyTopic>>) {
        let mut slots = self.pins.0.borrow_mut();
        if let Some(held) = slots.batches[self.slot].as_mut() {
            held.snapshots.push(snapshot);
        }
    }
}

impl Drop for PinBatch<'_> {
    fn drop(&mut self) {
        let mut slots = self.pins.0.borrow_mut();
        slots.batches[self.slot] = None;
        slots.free.push(self.slot);
    }
}

//! A native statistics decorator, a drop-in for karafka-core's `StatisticsDecorator`.
//!
//! For every numeric key `K` of librdkafka's statistics it adds `K_d`, the delta since the
//! previous emission, and `K_fd`, how long (ms) that delta has stayed zero: at every depth, but
//! under `excluded_keys` (not recursed into); or, with `only_keys`, for the listed keys at the
//! known levels only (root, each broker, topic, partition and `cgrp`; maps at the root outside
//! those are walked generically). A key seen for the first time starts at `0` and `0`.
//!
//! The previous emission is kept natively ([`kept::Tree`]), never as a retained Ruby Hash.
//! A decoration runs in two steps so that bad input changes nothing: [`Decorator::prepare`]
//! reads the whole emission and computes the next kept state and the [`Plan`] of writes aside;
//! the caller applies the plan and then [`Decorator::commit`]s. Every rule follows the
//! behaviour of karafka-core 2.6.2's decorator, including its oddities (a key `B_d` present in
//! the input reads the delta written for `B` when `B` came first); the cases where that
//! decorator raises midway (a number whose previous value was not a number, a Hash whose
//! previous value was a number) raise here too, before anything is written.

pub mod json;
pub mod kept;
pub mod keys;
pub mod num;
pub mod plan;
pub mod source;
mod walk;

pub use kept::Tree;
pub use keys::{KeyId, Keys, Suffix};
pub use num::Num;
pub use plan::{Link, Plan, Write};
pub use source::{BadInput, BadKind, Failure, Key, Source, Value, Visit};

use walk::{Known, Scratch, Walk};

/// The connection-health fields of the last decorated emission (what the coordinator reads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// `cgrp.state`.
    pub cgrp_state: Option<String>,
    /// `cgrp.join_state`.
    pub join_state: Option<String>,
    /// `cgrp.stateage` (ms).
    pub stateage_ms: Option<i64>,
    /// `cgrp.rebalance_age` (ms).
    pub rebalance_age_ms: Option<i64>,
    /// The smallest `brokers.*.stateage` (µs, as librdkafka reports it).
    pub broker_stateage_us: Option<i64>,
}

/// A decoration computed but not committed: the next kept state and the writes to apply.
#[derive(Debug)]
pub struct Prepared {
    tree: Tree,
    plan: Plan,
    at_ms: i64,
    health: Health,
}

impl Prepared {
    /// The writes to apply to the emission.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The health fields read from the emission.
    pub fn health_snapshot(&self) -> Health {
        self.health.clone()
    }
}

/// The decorator's state: the key interner, its settings and the previous emission.
#[derive(Debug)]
pub struct Decorator {
    keys: Keys,
    only: Vec<KeyId>,
    /// `only_keys` was given (even if every listed key is also excluded: then nothing at the
    /// known levels is decorated, as in karafka-core).
    selective: bool,
    known: Known,
    kept: Tree,
    previous_at_ms: i64,
    health: Option<Health>,
    scratch: Scratch,
}

impl Decorator {
    /// A decorator created at `now_ms` (rounded monotonic milliseconds, as karafka-core's):
    /// `excluded_keys` are skipped at every depth; non-empty `only_keys` selects the selective
    /// mode, which decorates the listed keys less the excluded ones.
    pub fn new(excluded_keys: &[&[u8]], only_keys: &[&[u8]], now_ms: i64) -> Self {
        let mut keys = Keys::new();
        let known = Known::new(&mut keys);
        for key in excluded_keys {
            let id = keys.intern(key);
            keys.set_excluded(id);
        }
        let mut only = Vec::new();
        for key in only_keys {
            let id = keys.intern(key);
            if !keys.is_excluded(id) {
                keys.set_only(id);
                only.push(id);
            }
        }
        Self {
            keys,
            only,
            selective: !only_keys.is_empty(),
            known,
            kept: Tree::default(),
            previous_at_ms: now_ms,
            health: None,
            scratch: Scratch::default(),
        }
    }

    /// Reads the emission `root` at `now_ms` against the kept one and computes, aside, the
    /// next kept state and the writes to apply. Nothing is committed: bad input (or an error
    /// of the source) leaves the decorator as it was.
    pub fn prepare<S: Source>(
        &mut self,
        source: &S,
        root: S::Node,
        now_ms: i64,
    ) -> Result<Prepared, Failure<S::Error>> {
        self.keys.new_call();
        let change_d = now_ms.wrapping_sub(self.previous_at_ms);
        let scratch = std::mem::take(&mut self.scratch);
        let mut walk = Walk::new(
            source,
            &mut self.keys,
            self.selective.then_some(self.only.as_slice()),
            self.known,
            &self.kept,
            change_d,
            scratch,
        );
        let outcome = walk.run(root);
        let Walk {
            tree,
            mut scratch,
            health,
            ..
        } = walk;
        let plan = std::mem::take(&mut scratch.plan);
        self.scratch = scratch;
        outcome?;
        Ok(Prepared {
            tree,
            plan,
            at_ms: now_ms,
            health,
        })
    }

    /// Makes a prepared decoration the kept state (once its writes were applied).
    pub fn commit(&mut self, prepared: Prepared) {
        self.kept = prepared.tree;
        self.previous_at_ms = prepared.at_ms;
        self.health = Some(prepared.health);
        self.scratch.plan = prepared.plan;
        self.scratch.plan.clear();
    }

    /// Drops a prepared decoration whose writes could not be applied (its buffers are reused).
    pub fn discard(&mut self, prepared: Prepared) {
        self.scratch.plan = prepared.plan;
        self.scratch.plan.clear();
    }

    /// The keys a selective decoration looks up directly (the listed keys, `partitions` and
    /// the health fields): a source may prepare them once.
    pub fn lookup_keys(&self) -> Vec<KeyId> {
        let k = self.known;
        let mut keys = self.only.clone();
        keys.extend([
            k.partitions,
            k.state,
            k.join_state,
            k.stateage,
            k.rebalance_age,
        ]);
        keys
    }

    /// The bytes of key `id` (a write's key, say).
    pub fn key_bytes(&self, id: KeyId) -> &[u8] {
        self.keys.bytes(id)
    }

    /// How many keys are interned (key numbers are below this).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// The health fields of the last committed emission.
    pub fn health(&self) -> Option<&Health> {
        self.health.as_ref()
    }

    /// The kept previous emission.
    pub fn kept(&self) -> &Tree {
        &self.kept
    }

    /// Bytes of memory kept between emissions: the previous emission and the key interner.
    pub fn memory(&self) -> usize {
        self.kept.memory() + self.keys.memory() + std::mem::size_of::<Self>()
    }
}

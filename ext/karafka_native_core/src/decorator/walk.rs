//! One decoration: walks the current emission against the kept previous one, building the next
//! kept tree and the plan of writes aside; nothing is committed here.

use std::collections::{HashMap, HashSet};

use super::kept::{Entry, Kind, NodeId, Tree};
use super::keys::{KeyId, Keys, Suffix};
use super::num::Num;
use super::plan::{Link, Plan, Write};
use super::source::{BadInput, BadKind, Failure, Source, Value};
use super::Health;

/// Keys the decorator knows by name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Known {
    pub brokers: KeyId,
    pub topics: KeyId,
    pub cgrp: KeyId,
    pub partitions: KeyId,
    pub state: KeyId,
    pub join_state: KeyId,
    pub stateage: KeyId,
    pub rebalance_age: KeyId,
}

impl Known {
    pub fn new(keys: &mut Keys) -> Self {
        Self {
            brokers: keys.intern(b"brokers"),
            topics: keys.intern(b"topics"),
            cgrp: keys.intern(b"cgrp"),
            partitions: keys.intern(b"partitions"),
            state: keys.intern(b"state"),
            join_state: keys.intern(b"join_state"),
            stateage: keys.intern(b"stateage"),
            rebalance_age: keys.intern(b"rebalance_age"),
        }
    }
}

/// Where a map sits in librdkafka's statistics tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Root,
    Brokers,
    Broker,
    Topics,
    Topic,
    Partitions,
    Partition,
    Cgrp,
    /// A map outside the known levels (`only_keys` walks it generically).
    Generic,
}

impl Role {
    fn child(self, key: KeyId, known: &Known) -> Role {
        match self {
            Role::Root if key == known.brokers => Role::Brokers,
            Role::Root if key == known.topics => Role::Topics,
            Role::Root if key == known.cgrp => Role::Cgrp,
            Role::Brokers => Role::Broker,
            Role::Topics => Role::Topic,
            Role::Topic if key == known.partitions => Role::Partitions,
            Role::Partitions => Role::Partition,
            _ => Role::Generic,
        }
    }
}

/// The previous value of a map: a kept map, nothing (absent, `nil` or `false`), or something
/// else, which fails once looked into (as `5["key"]` fails in Ruby).
#[derive(Debug, Clone, Copy)]
enum Scope {
    Map(NodeId),
    Empty,
    Bad(Entry),
}

impl Scope {
    fn of(found: Option<Entry>) -> Scope {
        match found {
            None => Scope::Empty,
            Some(entry) => match entry.kind() {
                Kind::Map => Scope::Map(entry.node().unwrap_or_default()),
                Kind::Nil | Kind::False => Scope::Empty,
                _ => Scope::Bad(entry),
            },
        }
    }
}

/// A value seen in `only_keys` mode before it is decorated.
#[derive(Debug, Clone, Copy)]
enum Seen {
    Num(Num),
    Kind(Kind),
    /// A map, walked (or not) by its own rule.
    Map,
}

fn seen<N: Copy>(value: &Value<'_, N>) -> Seen {
    match value {
        Value::Int(n) => Seen::Num(Num::Int(*n)),
        Value::Float(f) => Seen::Num(Num::Float(*f)),
        Value::Map(_) => Seen::Map,
        Value::Nil => Seen::Kind(Kind::Nil),
        Value::False => Seen::Kind(Kind::False),
        Value::Str(_) => Seen::Kind(Kind::Str),
        Value::Other(_) => Seen::Kind(Kind::Other),
    }
}

fn plain_kind<N: Copy>(value: &Value<'_, N>) -> Kind {
    match seen(value) {
        Seen::Num(_) => Kind::Num,
        Seen::Kind(kind) => kind,
        Seen::Map => Kind::Other,
    }
}

/// Buffers reused from one decoration to the next.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    entries: Vec<Entry>,
    writes: Vec<Write>,
    links: Vec<Link>,
    seen: Vec<(KeyId, Seen)>,
    visited: HashSet<usize, foldhash::fast::RandomState>,
    path: Vec<KeyId>,
    pub plan: Plan,
}

/// Prev maps larger than this get a key index on their first miss.
const INDEXED: usize = 24;

pub(crate) struct Walk<'a, S: Source> {
    pub source: &'a S,
    pub keys: &'a mut Keys,
    pub only: &'a [KeyId],
    pub selective: bool,
    pub known: Known,
    pub prev: &'a Tree,
    pub change_d: i64,
    pub tree: Tree,
    pub scratch: Scratch,
    pub health: Health,
    index: HashMap<NodeId, HashMap<KeyId, u32, foldhash::fast::RandomState>>,
}

type Res<T, E> = Result<T, Failure<E>>;

impl<'a, S: Source> Walk<'a, S> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        source: &'a S,
        keys: &'a mut Keys,
        only: Option<&'a [KeyId]>,
        known: Known,
        prev: &'a Tree,
        change_d: i64,
        mut scratch: Scratch,
    ) -> Self {
        let (nodes, entries) = prev.counts();
        scratch.plan.clear();
        scratch.visited.clear();
        scratch.path.clear();
        Self {
            source,
            keys,
            only: only.unwrap_or_default(),
            selective: only.is_some(),
            known,
            prev,
            change_d,
            tree: Tree::with_capacity(nodes + nodes / 16 + 16, entries + entries / 16 + 64),
            scratch,
            health: Health::default(),
            index: HashMap::default(),
        }
    }

    /// Walks the root map.
    pub fn run(&mut self, root: S::Node) -> Res<(), S::Error> {
        let scope = match self.prev.root() {
            Some(root) => Scope::Map(root),
            None => Scope::Empty,
        };
        let (id, plan) = if self.selective {
            self.selective(root, scope, Role::Root)?
        } else {
            self.full(root, scope, Role::Root)?
        };
        self.tree.set_root(id);
        self.scratch.plan.set_root(plan);
        Ok(())
    }

    // ----- messages -----------------------------------------------------------------------

    fn path_text(&self, last: Option<KeyId>) -> String {
        let mut text = String::from("statistics");
        for &key in self.scratch.path.iter().chain(last.iter()) {
            text.push('[');
            text.push_str(&format!(
                "{:?}",
                String::from_utf8_lossy(self.keys.bytes(key))
            ));
            text.push(']');
        }
        text
    }

    fn bad(&self, kind: BadKind, message: String) -> BadInput {
        BadInput { kind, message }
    }

    // ----- the previous emission ----------------------------------------------------------

    /// `prev[key]` as karafka-core's lookup sees it: a companion `B_fd` / `B_d` of a decorated
    /// `B` has the value the decorator wrote; a scope that is not a map fails.
    fn lookup(
        &mut self,
        scope: Scope,
        key: KeyId,
        cursor: &mut usize,
    ) -> Result<Option<Entry>, BadInput> {
        match scope {
            Scope::Empty => Ok(None),
            Scope::Bad(entry) => Err(self.bad(
                BadKind::Type,
                format!(
                    "{} is a Hash, but it was {} in the previous emission",
                    self.path_text(None),
                    entry.describe()
                ),
            )),
            Scope::Map(node) => {
                if let Some((base, suffix)) = self.keys.base_of(key) {
                    let mut other = 0;
                    if let Some(base) = self.find(node, base, &mut other) {
                        if base.is_decorated() {
                            let value = match suffix {
                                Suffix::Fd => base.fd(),
                                Suffix::D => base.d(),
                            };
                            return Ok(Some(Entry::number(key, value)));
                        }
                    }
                }
                Ok(self.find(node, key, cursor))
            }
        }
    }

    /// The kept entry of `key` in `node`: first where the cursor points (the keys of an
    /// emission usually come in the previous emission's order), then by search.
    #[inline]
    fn find(&mut self, node: NodeId, key: KeyId, cursor: &mut usize) -> Option<Entry> {
        let entries = self.prev.entries(node);
        if let Some(entry) = entries.get(*cursor) {
            if entry.key == key {
                *cursor += 1;
                return Some(*entry);
            }
        }
        let position = if entries.len() > INDEXED {
            let index = self.index.entry(node).or_insert_with(|| {
                let mut index =
                    HashMap::with_capacity_and_hasher(entries.len(), Default::default());
                for (i, entry) in entries.iter().enumerate().rev() {
                    index.insert(entry.key, i as u32);
                }
                index
            });
            index.get(&key).map(|&i| i as usize)
        } else {
            entries.iter().position(|entry| entry.key == key)
        };
        position.map(|i| {
            *cursor = i + 1;
            entries[i]
        })
    }

    /// The value this call already wrote for a companion key `B_fd` / `B_d` of this map
    /// (karafka-core reads the map as it changes).
    #[inline]
    fn written(&self, key: KeyId, first: usize) -> Option<Num> {
        let (base, suffix) = self.keys.base_of(key)?;
        let entry = self.scratch.entries[first..]
            .iter()
            .rev()
            .find(|entry| entry.key == base && entry.is_decorated())?;
        Some(match suffix {
            Suffix::Fd => entry.fd(),
            Suffix::D => entry.d(),
        })
    }

    // ----- decorating one number ------------------------------------------------------------

    fn decorate(
        &mut self,
        key: KeyId,
        value: Num,
        scope: Scope,
        cursor: &mut usize,
    ) -> Result<(), BadInput> {
        let (fd, d) = match self.lookup(scope, key, cursor)? {
            None => (Num::ZERO, Num::ZERO),
            Some(previous) => match previous.num() {
                Some(before) => {
                    let d = value.minus(before).ok_or_else(|| {
                        self.bad(
                            BadKind::Range,
                            format!(
                                "{} is {}: its delta from {} leaves 64 bits",
                                self.path_text(Some(key)),
                                value.render(),
                                before.render()
                            ),
                        )
                    })?;
                    let fd = if d.is_zero() {
                        let frozen = if previous.is_decorated() {
                            previous.fd()
                        } else {
                            self.previous_fd(scope, key)?
                        };
                        frozen.plus(self.change_d).ok_or_else(|| {
                            self.bad(
                                BadKind::Range,
                                format!("{}_fd leaves 64 bits", self.path_text(Some(key))),
                            )
                        })?
                    } else {
                        Num::ZERO
                    };
                    (fd, d)
                }
                None if previous.kind() == Kind::Nil => (Num::ZERO, Num::ZERO),
                None => {
                    return Err(self.bad(
                        BadKind::Type,
                        format!(
                            "{} is {}, but it was {} in the previous emission",
                            self.path_text(Some(key)),
                            value.render(),
                            previous.describe()
                        ),
                    ))
                }
            },
        };
        let fd_key = self.keys.companion(key, Suffix::Fd);
        let d_key = self.keys.companion(key, Suffix::D);
        self.scratch.writes.push(Write {
            key: fd_key,
            value: fd,
        });
        self.scratch.writes.push(Write {
            key: d_key,
            value: d,
        });
        self.scratch
            .entries
            .push(Entry::decorated(key, value, fd, d));
        Ok(())
    }

    /// `prev[K_fd] || 0` for a previous `K` that was not decorated.
    fn previous_fd(&mut self, scope: Scope, key: KeyId) -> Result<Num, BadInput> {
        let fd_key = self.keys.companion(key, Suffix::Fd);
        let mut cursor = 0;
        match self.lookup(scope, fd_key, &mut cursor)? {
            None => Ok(Num::ZERO),
            Some(entry) => match entry.kind() {
                Kind::Num => Ok(entry.num().unwrap_or(Num::ZERO)),
                Kind::Nil | Kind::False => Ok(Num::ZERO),
                _ => Err(self.bad(
                    BadKind::Type,
                    format!(
                        "{} was {} in the previous emission: no freeze duration adds to it",
                        self.path_text(Some(fd_key)),
                        entry.describe()
                    ),
                )),
            },
        }
    }

    fn capture(&mut self, role: Role, key: KeyId, value: &Value<'_, S::Node>) {
        match (role, value) {
            (Role::Cgrp, Value::Str(text)) if key == self.known.state => {
                self.health.cgrp_state = Some(String::from_utf8_lossy(text).into_owned());
            }
            (Role::Cgrp, Value::Str(text)) if key == self.known.join_state => {
                self.health.join_state = Some(String::from_utf8_lossy(text).into_owned());
            }
            (Role::Cgrp, Value::Int(n)) if key == self.known.stateage => {
                self.health.stateage_ms = Some(*n);
            }
            (Role::Cgrp, Value::Int(n)) if key == self.known.rebalance_age => {
                self.health.rebalance_age_ms = Some(*n);
            }
            (Role::Broker, Value::Int(n)) if key == self.known.stateage => {
                let min = self.health.broker_stateage_us.map_or(*n, |m| m.min(*n));
                self.health.broker_stateage_us = Some(min);
            }
            _ => {}
        }
    }

    // ----- maps -----------------------------------------------------------------------------

    fn enter(&mut self, node: S::Node) -> Res<(usize, usize, usize), S::Error> {
        if !self.scratch.visited.insert(self.source.identity(node)) {
            return Err(self
                .bad(
                    BadKind::Argument,
                    format!(
                        "{} is a Hash met before in the same statistics (cyclic or shared): \
                         every Hash must appear once",
                        self.path_text(None)
                    ),
                )
                .into());
        }
        Ok((
            self.scratch.entries.len(),
            self.scratch.writes.len(),
            self.scratch.links.len(),
        ))
    }

    fn finish(
        &mut self,
        node: S::Node,
        (e0, w0, l0): (usize, usize, usize),
    ) -> Res<(NodeId, Option<u32>), S::Error> {
        let writes = self.scratch.writes.len() > w0;
        if writes && self.source.is_frozen(node) {
            return Err(self
                .bad(
                    BadKind::Frozen,
                    format!("can't modify frozen Hash: {}", self.path_text(None)),
                )
                .into());
        }
        let id = self.tree.push_node(&self.scratch.entries[e0..]);
        self.scratch.entries.truncate(e0);
        let plan = if writes || self.scratch.links.len() > l0 {
            let p = self.scratch.plan.push_node(
                &self.scratch.writes[w0..],
                &self.scratch.links[l0..],
                self.source.identity(node),
            );
            Some(p)
        } else {
            None
        };
        self.scratch.writes.truncate(w0);
        self.scratch.links.truncate(l0);
        Ok((id, plan))
    }

    fn child(
        &mut self,
        key: KeyId,
        index: u32,
        node: S::Node,
        scope: Scope,
        role: Role,
        selective: bool,
    ) -> Res<(), S::Error> {
        self.scratch.path.push(key);
        let result = if selective {
            self.selective(node, scope, role)
        } else {
            self.full(node, scope, role)
        };
        self.scratch.path.pop();
        let (id, plan) = result?;
        self.scratch.entries.push(Entry::map(key, id));
        if let Some(plan) = plan {
            self.scratch.links.push(Link {
                index,
                key,
                node: plan,
            });
        }
        Ok(())
    }

    /// Full decoration: every numeric key at every depth, but under `excluded_keys`.
    fn full(
        &mut self,
        node: S::Node,
        scope: Scope,
        role: Role,
    ) -> Res<(NodeId, Option<u32>), S::Error> {
        let marks = self.enter(node)?;
        let first = marks.0;
        let mut cursor = 0usize;
        let mut index = 0u32;
        let source = self.source;
        source.for_each(node, &mut |key, value| {
            let i = index;
            index += 1;
            let key = self.keys.key(key);
            if self.keys.is_excluded(key) {
                return Ok(());
            }
            self.capture(role, key, &value);
            let value = match self.written(key, first) {
                Some(Num::Int(n)) => Value::Int(n),
                Some(Num::Float(f)) => Value::Float(f),
                None => value,
            };
            match value {
                Value::Int(n) => self.decorate(key, Num::Int(n), scope, &mut cursor)?,
                Value::Float(f) => self.decorate(key, Num::Float(f), scope, &mut cursor)?,
                Value::Map(child) => {
                    let scope = Scope::of(self.lookup(scope, key, &mut cursor)?);
                    let role = role.child(key, &self.known);
                    self.child(key, i, child, scope, role, false)?;
                }
                other => self
                    .scratch
                    .entries
                    .push(Entry::plain(key, plain_kind(&other))),
            }
            Ok(())
        })?;
        self.finish(node, marks)
    }

    /// `only_keys`: the listed keys at the known levels, generic below other root maps.
    fn selective(
        &mut self,
        node: S::Node,
        scope: Scope,
        role: Role,
    ) -> Res<(NodeId, Option<u32>), S::Error> {
        match role {
            Role::Root | Role::Generic => self.two_pass(node, scope, role),
            Role::Brokers | Role::Topics | Role::Partitions => self.container(node, scope, role),
            Role::Broker | Role::Topic | Role::Partition | Role::Cgrp => {
                self.leaf(node, scope, role)
            }
        }
    }

    /// Decorates the `only_keys` seen (from `seen[first_seen..]`), in `only_keys` order.
    fn decorate_only(
        &mut self,
        first_seen: usize,
        first: usize,
        scope: Scope,
    ) -> Result<(), BadInput> {
        let mut cursor = 0usize;
        let only = self.only;
        for &key in only {
            let value = match self.written(key, first) {
                Some(n) => Some(Seen::Num(n)),
                None => self.scratch.seen[first_seen..]
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, seen)| *seen),
            };
            match value {
                Some(Seen::Num(n)) => self.decorate(key, n, scope, &mut cursor)?,
                Some(Seen::Kind(kind)) => self.scratch.entries.push(Entry::plain(key, kind)),
                Some(Seen::Map) | None => {}
            }
        }
        Ok(())
    }

    /// Root and generic maps: the listed keys first, then every map below (but excluded ones
    /// and those the decoration replaced).
    fn two_pass(
        &mut self,
        node: S::Node,
        scope: Scope,
        role: Role,
    ) -> Res<(NodeId, Option<u32>), S::Error> {
        let marks = self.enter(node)?;
        let first = marks.0;
        let first_seen = self.scratch.seen.len();
        let mut maps = false;
        let source = self.source;
        source.for_each(node, &mut |key, value| {
            let key = self.keys.key(key);
            if self.keys.is_excluded(key) {
                return Ok(());
            }
            self.capture(role, key, &value);
            if matches!(value, Value::Map(_)) {
                maps = true;
            }
            if self.keys.is_only(key) {
                self.scratch.seen.push((key, seen(&value)));
            } else {
                match value {
                    Value::Int(n) => self.scratch.entries.push(Entry::number(key, Num::Int(n))),
                    Value::Float(f) => self.scratch.entries.push(Entry::number(key, Num::Float(f))),
                    Value::Map(_) => {}
                    other => self
                        .scratch
                        .entries
                        .push(Entry::plain(key, plain_kind(&other))),
                }
            }
            Ok(())
        })?;
        self.decorate_only(first_seen, first, scope)?;
        self.scratch.seen.truncate(first_seen);
        if maps {
            let mut cursor = 0usize;
            let mut index = 0u32;
            source.for_each(node, &mut |key, value| {
                let i = index;
                index += 1;
                let Value::Map(child) = value else {
                    return Ok(());
                };
                let key = self.keys.key(key);
                if self.keys.is_excluded(key) || self.written(key, first).is_some() {
                    return Ok(());
                }
                let child_role = role.child(key, &self.known);
                let scope = Scope::of(self.lookup(scope, key, &mut cursor)?);
                self.child(key, i, child, scope, child_role, true)
            })?;
        }
        self.finish(node, marks)
    }

    /// `brokers`, `topics` and a topic's `partitions`: every map below is a level.
    fn container(
        &mut self,
        node: S::Node,
        scope: Scope,
        role: Role,
    ) -> Res<(NodeId, Option<u32>), S::Error> {
        let marks = self.enter(node)?;
        let mut cursor = 0usize;
        let mut index = 0u32;
        let source = self.source;
        source.for_each(node, &mut |key, value| {
            let i = index;
            index += 1;
            let key = self.keys.key(key);
            match value {
                Value::Map(child) => {
                    let scope = Scope::of(self.lookup(scope, key, &mut cursor)?);
                    let role = role.child(key, &self.known);
                    self.child(key, i, child, scope, role, true)?;
                }
                other => {
                    if role == Role::Partitions {
                        // karafka-core decorates every partition, Hash or not: a String
                        // answers no key, anything else fails.
                        self.lookup(scope, key, &mut cursor)?;
                        if !matches!(other, Value::Str(_)) {
                            let shown = self.source.describe(other).map_err(Failure::Source)?;
                            return Err(self
                                .bad(
                                    BadKind::Type,
                                    format!(
                                        "{} is {shown}: a partition's statistics must be a Hash",
                                        self.path_text(Some(key))
                                    ),
                                )
                                .into());
                        }
                    }
                    let kind = plain_kind(&other);
                    let entry = match other {
                        Value::Int(n) => Entry::number(key, Num::Int(n)),
                        Value::Float(f) => Entry::number(key, Num::Float(f)),
                        _ => Entry::plain(key, kind),
                    };
                    self.scratch.entries.push(entry);
                }
            }
            Ok(())
        })?;
        self.finish(node, marks)
    }

    /// A broker, topic, partition or `cgrp`: only the listed keys (and a topic's partitions),
    /// read by direct lookup: the other keys are never visited.
    fn leaf(
        &mut self,
        node: S::Node,
        scope: Scope,
        role: Role,
    ) -> Res<(NodeId, Option<u32>), S::Error> {
        let marks = self.enter(node)?;
        let first = marks.0;
        let first_seen = self.scratch.seen.len();
        let source = self.source;
        let known = self.known;
        let health = match role {
            Role::Cgrp => &[
                known.state,
                known.join_state,
                known.stateage,
                known.rebalance_age,
            ][..],
            Role::Broker => &[known.stateage][..],
            _ => &[][..],
        };
        for &key in health {
            if let Some(value) = source.lookup(node, key, self.keys.bytes(key))? {
                self.capture(role, key, &value);
            }
        }
        let only = self.only;
        for &key in only {
            if let Some(value) = source.lookup(node, key, self.keys.bytes(key))? {
                self.scratch.seen.push((key, seen(&value)));
            }
        }
        let mut partitions: Option<Entry> = None;
        let key = self.known.partitions;
        if role == Role::Topic && !self.keys.is_excluded(key) {
            if let Some(value) = source.lookup(node, key, self.keys.bytes(key))? {
                if let Value::Map(child) = value {
                    let mut cursor = 0usize;
                    let scope = Scope::of(self.lookup(scope, key, &mut cursor)?);
                    self.child(key, Link::BY_KEY, child, scope, Role::Partitions, true)?;
                    partitions = self.scratch.entries.pop();
                } else {
                    partitions = Some(Entry::plain(key, plain_kind(&value)));
                }
            }
        }
        self.decorate_only(first_seen, first, scope)?;
        self.scratch.seen.truncate(first_seen);
        if let Some(entry) = partitions {
            self.scratch.entries.push(entry);
        }
        self.finish(node, marks)
    }
}

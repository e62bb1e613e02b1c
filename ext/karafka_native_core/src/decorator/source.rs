//! What the decorator reads: a tree of maps given by a [`Source`], with no Ruby types.
//!
//! The Ruby binding implements [`Source`] over Ruby Hashes (walked in place, nothing copied);
//! [`super::json`] implements it over `serde_json` values for tests and benchmarks.

use std::fmt;

use super::keys::KeyId;

/// One key of a map: its bytes and, when the source has one, a stable identity for the length
/// of one decoration (the address of a Ruby String), used to skip re-hashing the same key
/// object; `0` means none.
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    /// The key's bytes.
    pub bytes: &'a [u8],
    /// A per-call identity of the key object, or `0`.
    pub identity: usize,
}

/// One value of a map, as the decorator sees it.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a, N> {
    /// An integer that fits 64 bits.
    Int(i64),
    /// A float.
    Float(f64),
    /// A nested map.
    Map(N),
    /// `nil` / JSON `null`.
    Nil,
    /// `false`.
    False,
    /// A string (its bytes).
    Str(&'a [u8]),
    /// Anything else (`true`, arrays, symbols, ...): not a number and not a map.
    Other(N),
}

/// The kind of bad input, which the binding maps to an exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadKind {
    /// A value of the wrong type (`TypeError`).
    Type,
    /// A structural problem: a map met twice (cyclic or shared) (`ArgumentError`).
    Argument,
    /// A frozen map that would be written to (`FrozenError`).
    Frozen,
    /// A number, or a delta, beyond 64 bits (`RangeError`).
    Range,
}

/// Bad input: what is wrong, in words naming the value and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadInput {
    /// The kind of problem.
    pub kind: BadKind,
    /// The message, naming the bad value and its path.
    pub message: String,
}

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BadInput {}

/// Why a decoration stopped: bad input, or an error of the source itself (for Ruby: an
/// exception or an interrupt while describing a value), passed through unchanged.
#[derive(Debug)]
pub enum Failure<E> {
    /// The input is bad; nothing was changed.
    Bad(BadInput),
    /// The source failed; passed through unchanged.
    Source(E),
}

impl<E> From<BadInput> for Failure<E> {
    fn from(bad: BadInput) -> Self {
        Failure::Bad(bad)
    }
}

/// The visitor [`Source::for_each`] calls with each entry of a map.
pub type Visit<'v, N, E> = dyn FnMut(Key<'_>, Value<'_, N>) -> Result<(), Failure<E>> + 'v;

/// A tree of maps the decorator can read.
pub trait Source {
    /// A handle on a value of the tree (for Ruby: a `VALUE` on the machine stack).
    type Node: Copy;
    /// The source's own error, passed through unchanged.
    type Error;

    /// Calls `visit` with every entry of the map `node`, in the map's order, stopping at the
    /// first error (which it returns).
    fn for_each(
        &self,
        node: Self::Node,
        visit: &mut Visit<'_, Self::Node, Self::Error>,
    ) -> Result<(), Failure<Self::Error>>;

    /// The value at `key` (whose bytes are `bytes`) of the map `node`, if any: a direct
    /// lookup, so that a selective decoration reads a few keys of a big map without visiting
    /// the others.
    fn lookup(
        &self,
        node: Self::Node,
        key: KeyId,
        bytes: &[u8],
    ) -> Result<Option<Value<'_, Self::Node>>, Failure<Self::Error>>;

    /// Whether the map `node` is frozen (cannot take new entries).
    fn is_frozen(&self, node: Self::Node) -> bool;

    /// The identity of the map `node` for the length of one decoration (to find maps met
    /// twice).
    fn identity(&self, node: Self::Node) -> usize;

    /// Describes `value` for a message (for Ruby: its `inspect`).
    fn describe(&self, value: Value<'_, Self::Node>) -> Result<String, Self::Error>;
}

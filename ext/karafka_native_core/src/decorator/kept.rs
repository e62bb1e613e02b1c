//! The previous emission, kept natively and compactly: per map, its entries (32 bytes each),
//! with a decorated number's delta and freeze duration kept inside its entry rather than as two
//! more entries.

use super::keys::KeyId;
use super::num::Num;

/// The number of a kept map.
pub type NodeId = u32;

/// What a kept entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A number (`value` bits; Float when `FLOAT`).
    Num = 0,
    /// A nested map (`value` is its [`NodeId`]).
    Map = 1,
    /// `nil`.
    Nil = 2,
    /// `false`.
    False = 3,
    /// A String.
    Str = 4,
    /// Anything else that is neither a number nor a map (`true`, an Array, a Hash the
    /// decorator did not walk, ...).
    Other = 5,
}

const KIND_MASK: u8 = 0b111;
const FLOAT: u8 = 1 << 3;
const DECORATED: u8 = 1 << 4;
const FD_FLOAT: u8 = 1 << 5;
const D_FLOAT: u8 = 1 << 6;

/// One kept entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: KeyId,
    tag: u8,
    value: u64,
    fd: u64,
    d: u64,
}

impl Entry {
    /// An entry of `kind` without payload (`Nil`, `False`, `Str`, `Other`).
    pub fn plain(key: KeyId, kind: Kind) -> Self {
        Self {
            key,
            tag: kind as u8,
            value: 0,
            fd: 0,
            d: 0,
        }
    }

    /// A number that was not decorated.
    pub fn number(key: KeyId, value: Num) -> Self {
        let (value, float) = value.to_bits();
        Self {
            key,
            tag: Kind::Num as u8 | if float { FLOAT } else { 0 },
            value,
            fd: 0,
            d: 0,
        }
    }

    /// A decorated number with its freeze duration and delta.
    pub fn decorated(key: KeyId, value: Num, fd: Num, d: Num) -> Self {
        let (value, float) = value.to_bits();
        let (fd, fd_float) = fd.to_bits();
        let (d, d_float) = d.to_bits();
        Self {
            key,
            tag: Kind::Num as u8
                | DECORATED
                | if float { FLOAT } else { 0 }
                | if fd_float { FD_FLOAT } else { 0 }
                | if d_float { D_FLOAT } else { 0 },
            value,
            fd,
            d,
        }
    }

    /// A nested map.
    pub fn map(key: KeyId, node: NodeId) -> Self {
        Self {
            key,
            tag: Kind::Map as u8,
            value: u64::from(node),
            fd: 0,
            d: 0,
        }
    }

    /// What the entry holds.
    pub fn kind(&self) -> Kind {
        match self.tag & KIND_MASK {
            0 => Kind::Num,
            1 => Kind::Map,
            2 => Kind::Nil,
            3 => Kind::False,
            4 => Kind::Str,
            _ => Kind::Other,
        }
    }

    /// The number, for a `Num` entry.
    pub fn num(&self) -> Option<Num> {
        (self.kind() == Kind::Num).then(|| Num::from_bits(self.value, self.tag & FLOAT != 0))
    }

    /// The nested map, for a `Map` entry.
    pub fn node(&self) -> Option<NodeId> {
        (self.kind() == Kind::Map).then_some(self.value as NodeId)
    }

    /// Whether the decorator wrote `K_fd` and `K_d` for this entry.
    pub fn is_decorated(&self) -> bool {
        self.tag & DECORATED != 0
    }

    /// The freeze duration written, for a decorated entry.
    pub fn fd(&self) -> Num {
        Num::from_bits(self.fd, self.tag & FD_FLOAT != 0)
    }

    /// The delta written, for a decorated entry.
    pub fn d(&self) -> Num {
        Num::from_bits(self.d, self.tag & D_FLOAT != 0)
    }

    /// What the entry holds, in words (for messages).
    pub fn describe(&self) -> String {
        match self.kind() {
            Kind::Num => self.num().map(Num::render).unwrap_or_default(),
            Kind::Map => "a Hash".to_owned(),
            Kind::Nil => "nil".to_owned(),
            Kind::False => "false".to_owned(),
            Kind::Str => "a String".to_owned(),
            Kind::Other => "neither a number nor a Hash".to_owned(),
        }
    }
}

/// The kept maps of one emission: each map a contiguous run of entries.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    nodes: Vec<(u32, u32)>,
    entries: Vec<Entry>,
    root: Option<NodeId>,
}

impl Tree {
    /// An empty tree with room for about `entries` entries and `nodes` maps.
    pub fn with_capacity(nodes: usize, entries: usize) -> Self {
        Self {
            nodes: Vec::with_capacity(nodes),
            entries: Vec::with_capacity(entries),
            root: None,
        }
    }

    /// Appends a map made of `entries`; returns its number.
    pub fn push_node(&mut self, entries: &[Entry]) -> NodeId {
        let start = u32::try_from(self.entries.len()).expect("fewer than 2**32 entries");
        self.entries.extend_from_slice(entries);
        let id = NodeId::try_from(self.nodes.len()).expect("fewer than 2**32 maps");
        self.nodes.push((start, entries.len() as u32));
        id
    }

    /// Sets the root map.
    pub fn set_root(&mut self, root: NodeId) {
        self.root = Some(root);
    }

    /// The root map, if an emission was kept.
    pub fn root(&self) -> Option<NodeId> {
        self.root
    }

    /// The entries of map `node`.
    #[inline]
    pub fn entries(&self, node: NodeId) -> &[Entry] {
        let (start, len) = self.nodes[node as usize];
        &self.entries[start as usize..(start + len) as usize]
    }

    /// The entry of `key` in map `node`, if any.
    pub fn find(&self, node: NodeId, key: KeyId) -> Option<Entry> {
        self.entries(node).iter().find(|e| e.key == key).copied()
    }

    /// How many maps and entries are kept.
    pub fn counts(&self) -> (usize, usize) {
        (self.nodes.len(), self.entries.len())
    }

    /// Bytes of memory the tree holds (from capacities).
    pub fn memory(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.entries.capacity() * std::mem::size_of::<Entry>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_compact_and_round_trip() {
        assert_eq!(std::mem::size_of::<Entry>(), 32);
        let e = Entry::decorated(3, Num::Float(1.5), Num::Int(5000), Num::Int(-2));
        assert_eq!(e.num(), Some(Num::Float(1.5)));
        assert!(e.is_decorated());
        assert_eq!((e.fd(), e.d()), (Num::Int(5000), Num::Int(-2)));
        let mut tree = Tree::default();
        let child = tree.push_node(&[e]);
        let root = tree.push_node(&[Entry::map(1, child), Entry::plain(2, Kind::Str)]);
        tree.set_root(root);
        assert_eq!(tree.find(root, 1).and_then(|e| e.node()), Some(child));
        assert_eq!(tree.find(child, 3), Some(e));
        assert_eq!(tree.find(root, 9), None);
    }
}

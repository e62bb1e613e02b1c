//! What one decoration writes: per map, the `K_fd` / `K_d` pairs to set, in order, which of its
//! entries (by position) lead to maps with writes of their own, and the map's identity as the
//! source gave it ([`super::Source::identity`]), so that a source whose identities are handles
//! can write into each map directly.

use super::keys::KeyId;
use super::num::Num;

/// One value to set: `map[key] = value`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Write {
    /// The companion key (`K_fd` or `K_d`).
    pub key: KeyId,
    /// Its value.
    pub value: Num,
}

/// An entry of a map that leads to a nested map with writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// The entry's position in the map's iteration order, or [`Link::BY_KEY`].
    pub index: u32,
    /// The entry's key (used when the link is found by key).
    pub key: KeyId,
    /// The nested map's plan.
    pub node: u32,
}

impl Link {
    /// `index` of a link found by its key rather than by position (they come last).
    pub const BY_KEY: u32 = u32::MAX;
}

/// The writes of one map and its links to nested maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanNode {
    writes: (u32, u32),
    links: (u32, u32),
    target: usize,
}

/// Everything one decoration writes, map by map.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    nodes: Vec<PlanNode>,
    writes: Vec<Write>,
    links: Vec<Link>,
    root: Option<u32>,
}

impl Plan {
    /// The root map's plan, `None` when nothing is written anywhere.
    pub fn root(&self) -> Option<u32> {
        self.root
    }

    /// The writes of map `node`, in the order to apply them.
    #[inline]
    pub fn writes(&self, node: u32) -> &[Write] {
        let (start, len) = self.nodes[node as usize].writes;
        &self.writes[start as usize..(start + len) as usize]
    }

    /// The links of map `node`, by increasing position.
    #[inline]
    pub fn links(&self, node: u32) -> &[Link] {
        let (start, len) = self.nodes[node as usize].links;
        &self.links[start as usize..(start + len) as usize]
    }

    /// How many maps the plan has (map numbers are below this).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the plan has no map.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The identity of map `node` ([`super::Source::identity`] of the map read).
    #[inline]
    pub fn target(&self, node: u32) -> usize {
        self.nodes[node as usize].target
    }

    /// Every write of every map.
    pub fn all_writes(&self) -> &[Write] {
        &self.writes
    }

    pub(crate) fn set_root(&mut self, root: Option<u32>) {
        self.root = root;
    }

    /// Appends a map's writes and links (the map's identity is `target`); returns its number.
    pub(crate) fn push_node(&mut self, writes: &[Write], links: &[Link], target: usize) -> u32 {
        let w = self.writes.len() as u32;
        self.writes.extend_from_slice(writes);
        let l = self.links.len() as u32;
        self.links.extend_from_slice(links);
        self.nodes.push(PlanNode {
            writes: (w, writes.len() as u32),
            links: (l, links.len() as u32),
            target,
        });
        (self.nodes.len() - 1) as u32
    }

    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.writes.clear();
        self.links.clear();
        self.root = None;
    }
}

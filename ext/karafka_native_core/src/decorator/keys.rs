//! Interned keys: every key the decorator has met gets a small number, and knows the numbers
//! of its `_fd` and `_d` companions and, for such a companion, its base key.

use std::collections::HashMap;

use super::source::Key;

/// The number of an interned key.
pub type KeyId = u32;

/// "No key".
pub const NONE: KeyId = KeyId::MAX;

/// The two companions the decorator writes for a numeric key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suffix {
    /// `K_fd`: how long, in ms, the delta has stayed zero.
    Fd,
    /// `K_d`: the delta since the previous emission.
    D,
}

/// What is known of one interned key.
#[derive(Debug, Clone)]
struct Meta {
    bytes: Box<[u8]>,
    /// For `B_fd` / `B_d`: `B` and which companion; `NONE` otherwise.
    base: KeyId,
    suffix: Suffix,
    fd: KeyId,
    d: KeyId,
    only: bool,
    excluded: bool,
}

/// Slots of the per-call cache from a key object's identity to its number.
const CACHE_SLOTS: usize = 4096;

/// The key interner.
#[derive(Debug)]
pub struct Keys {
    ids: HashMap<Box<[u8]>, KeyId, foldhash::fast::RandomState>,
    meta: Vec<Meta>,
    /// Identity -> number, valid for one call (`generation`).
    cache: Vec<(usize, u32, KeyId)>,
    generation: u32,
}

impl Default for Keys {
    fn default() -> Self {
        Self::new()
    }
}

impl Keys {
    /// An empty interner.
    pub fn new() -> Self {
        Self {
            ids: HashMap::default(),
            meta: Vec::new(),
            cache: vec![(0, 0, NONE); CACHE_SLOTS],
            generation: 1,
        }
    }

    /// Starts a new call: identities of the previous call are forgotten.
    pub fn new_call(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.cache.fill((0, 0, NONE));
            self.generation = 1;
        }
    }

    /// The number of `key`, interning it when new.
    #[inline]
    pub fn key(&mut self, key: Key<'_>) -> KeyId {
        if key.identity != 0 {
            let slot = (key.identity.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52) % CACHE_SLOTS;
            let (identity, generation, id) = self.cache[slot];
            if identity == key.identity && generation == self.generation {
                return id;
            }
            let id = self.intern(key.bytes);
            self.cache[slot] = (key.identity, self.generation, id);
            id
        } else {
            self.intern(key.bytes)
        }
    }

    /// The number of the key with these bytes, interning it when new.
    pub fn intern(&mut self, bytes: &[u8]) -> KeyId {
        if let Some(&id) = self.ids.get(bytes) {
            return id;
        }
        let id = KeyId::try_from(self.meta.len()).expect("fewer than 2**32 keys");
        self.meta.push(Meta {
            bytes: bytes.into(),
            base: NONE,
            suffix: Suffix::D,
            fd: NONE,
            d: NONE,
            only: false,
            excluded: false,
        });
        self.ids.insert(bytes.into(), id);
        let companion = if let Some(base) = bytes.strip_suffix(b"_fd") {
            Some((base, Suffix::Fd))
        } else {
            bytes.strip_suffix(b"_d").map(|base| (base, Suffix::D))
        };
        if let Some((base, suffix)) = companion {
            let base = self.intern(base);
            let meta = &mut self.meta[id as usize];
            meta.base = base;
            meta.suffix = suffix;
        }
        id
    }

    /// The bytes of key `id`.
    pub fn bytes(&self, id: KeyId) -> &[u8] {
        &self.meta[id as usize].bytes
    }

    /// For a companion key `B_fd` / `B_d`: `B` and which one.
    #[inline]
    pub fn base_of(&self, id: KeyId) -> Option<(KeyId, Suffix)> {
        let meta = &self.meta[id as usize];
        (meta.base != NONE).then_some((meta.base, meta.suffix))
    }

    /// The number of `id`'s companion `suffix`, interning it when new.
    #[inline]
    pub fn companion(&mut self, id: KeyId, suffix: Suffix) -> KeyId {
        let meta = &self.meta[id as usize];
        let known = match suffix {
            Suffix::Fd => meta.fd,
            Suffix::D => meta.d,
        };
        if known != NONE {
            return known;
        }
        let mut bytes = meta.bytes.to_vec();
        bytes.extend_from_slice(match suffix {
            Suffix::Fd => b"_fd",
            Suffix::D => b"_d",
        });
        let companion = self.intern(&bytes);
        let meta = &mut self.meta[id as usize];
        match suffix {
            Suffix::Fd => meta.fd = companion,
            Suffix::D => meta.d = companion,
        }
        companion
    }

    /// Marks `id` as one of `only_keys`.
    pub fn set_only(&mut self, id: KeyId) {
        self.meta[id as usize].only = true;
    }

    /// Marks `id` as one of `excluded_keys`.
    pub fn set_excluded(&mut self, id: KeyId) {
        self.meta[id as usize].excluded = true;
    }

    /// Whether `id` is one of `only_keys` (after exclusions).
    #[inline]
    pub fn is_only(&self, id: KeyId) -> bool {
        self.meta[id as usize].only
    }

    /// Whether `id` is one of `excluded_keys`.
    #[inline]
    pub fn is_excluded(&self, id: KeyId) -> bool {
        self.meta[id as usize].excluded
    }

    /// How many keys are interned.
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    /// Whether no key is interned.
    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    /// Bytes of memory the interner holds (an estimate from capacities).
    pub fn memory(&self) -> usize {
        let per_key = std::mem::size_of::<Meta>() + 2 * std::mem::size_of::<usize>() + 8;
        self.meta
            .iter()
            .map(|meta| 2 * meta.bytes.len() + per_key)
            .sum::<usize>()
            + self.cache.capacity() * std::mem::size_of::<(usize, u32, KeyId)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companions_know_their_base() {
        let mut keys = Keys::new();
        let lag = keys.intern(b"lag");
        let fd = keys.companion(lag, Suffix::Fd);
        let d = keys.companion(lag, Suffix::D);
        assert_eq!(keys.bytes(fd), b"lag_fd");
        assert_eq!(keys.base_of(fd), Some((lag, Suffix::Fd)));
        assert_eq!(keys.base_of(d), Some((lag, Suffix::D)));
        assert_eq!(keys.base_of(lag), None);
        assert_eq!(keys.intern(b"lag_d"), d);
        let empty_d = keys.intern(b"_d");
        assert_eq!(keys.bytes(keys.base_of(empty_d).unwrap().0), b"");
    }

    #[test]
    fn identities_are_per_call() {
        let mut keys = Keys::new();
        let a = keys.key(Key {
            bytes: b"a",
            identity: 64,
        });
        assert_eq!(
            keys.key(Key {
                bytes: b"a",
                identity: 64
            }),
            a
        );
        keys.new_call();
        let b = keys.key(Key {
            bytes: b"b",
            identity: 64,
        });
        assert_ne!(a, b);
        assert_eq!(keys.bytes(b), b"b");
    }
}

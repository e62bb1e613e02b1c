//! `Karafka::Native::StatisticsDecoratorCore`: the native half of
//! `Karafka::Native::StatisticsDecorator` (lib/karafka/native/statistics_decorator.rb).
//!
//! A call reads the statistics Hash in place (`rb_hash_foreach`, no copy, no Ruby method
//! called, nothing allocated) and computes the writes and the next kept state aside
//! ([`karafka_native_core::decorator`]); only when that succeeded does it write `K_fd` / `K_d` into the
//! Hashes, freeze the root and commit. Bad input raises before anything changed.
//!
//! No lock is held while Ruby runs: the decorator state is taken out of its mutex for the call
//! and put back afterwards. The Ruby objects native memory refers to are the frozen interned
//! companion key Strings (`"K_fd"`, `"K_d"`), cached by key number for the object's life, and,
//! from the end of a call's read pass to the end of its writes, the Hashes it writes into (the
//! plan's targets): both marked (so pinned) by the mark function. Otherwise the Hashes and
//! values being walked are only referred to from the machine stack, during the call.

use std::ffi::c_int;
use std::sync::atomic::{AtomicUsize, Ordering};

use magnus::{
    function, gc::Marker, method, prelude::*, rb_sys::AsRawId, rb_sys::AsRawValue,
    rb_sys::FromRawValue, value::IntoId, value::LazyId, value::Opaque, DataTypeFunctions, Error,
    Integer, RArray, RHash, RModule, RString, Ruby, TypedData, Value,
};
use parking_lot::Mutex;

use super::errors::describe;
use rb_sys::{ruby_value_type as T, VALUE};

use karafka_native_core::decorator::{
    BadKind, Decorator, Failure, Health, Key, KeyId, Num, Source, Value as In, Visit, Write,
};

/// `eql?`, which a Hash lookup may call on its key (see `RubySource::plain_eql`).
static EQL: LazyId = LazyId::new("eql?");

/// The native decorator.
#[derive(TypedData)]
#[magnus(
    class = "Karafka::Native::StatisticsDecoratorCore",
    free_immediately,
    size,
    mark
)]
pub struct StatisticsDecoratorCore {
    /// Taken out for the length of a call (so no lock is held while Ruby runs).
    state: Mutex<Option<Box<Decorator>>>,
    /// Frozen companion key Strings by key number, never removed while the object lives.
    strings: Mutex<Vec<Option<Opaque<RString>>>>,
    /// The Hashes a call writes into, from the end of its read pass to the end of its writes:
    /// marked (so pinned: never moved by compaction) meanwhile, so the writes go straight to
    /// them. Locked for a few instructions at a time, never while Ruby runs.
    targets: Mutex<Vec<VALUE>>,
    /// The health fields of the last committed emission.
    health: Mutex<Option<Health>>,
    /// Bytes kept between emissions (for `ObjectSpace.memsize_of`).
    memory: AtomicUsize,
}

impl DataTypeFunctions for StatisticsDecoratorCore {
    fn mark(&self, marker: &Marker) {
        // Held by Rust code for a few instructions at a time, never while Ruby runs.
        for string in self.strings.lock().iter().flatten() {
            marker.mark(*string);
        }
        for &target in self.targets.lock().iter() {
            // SAFETY: a live Hash of the statistics being decorated (reachable from its root,
            // on the calling frame); `rb_gc_mark` marks it and pins it.
            unsafe { rb_sys::rb_gc_mark(target) };
        }
    }

    fn size(&self) -> usize {
        self.memory.load(Ordering::Relaxed)
            + self.strings.lock().capacity() * std::mem::size_of::<Option<Opaque<RString>>>()
    }
}

/// A Ruby Hash tree as a [`Source`]. Nodes are `VALUE`s, which live on the machine stack
/// (arguments of `rb_hash_foreach` callbacks) for the length of the call; `keys` are the frozen
/// key Strings by key number (0: none), kept (marked, so pinned) by the object's cache.
struct RubySource {
    keys: Vec<VALUE>,
    /// Whether `String#eql?` is Ruby's own, so that a lookup with a plain String key runs no
    /// Ruby code (see [`Source::lookup`] below); checked once per decoration, as nothing the
    /// walk runs could redefine it.
    plain_eql: bool,
}

/// What crosses into a `rb_hash_foreach` callback.
struct Each<'v, 'f> {
    visit: &'v mut Visit<'f, VALUE, Error>,
    failure: Option<Failure<Error>>,
    _f: std::marker::PhantomData<&'f ()>,
}

/// `rb_hash_foreach`'s callback for [`RubySource::for_each`].
///
/// # Safety
/// `arg` must point to a live `Each`; called by `rb_hash_foreach` with the GVL held.
unsafe extern "C" fn each_entry(key: VALUE, value: VALUE, arg: VALUE) -> c_int {
    // SAFETY: `arg` is the `Each` that `for_each` keeps alive for the whole iteration.
    let each = unsafe { &mut *(arg as *mut Each<'_, '_>) };
    let outcome = (|| {
        // SAFETY: `key` and `value` are live objects handed over by rb_hash_foreach.
        let key = unsafe { key_of(key) }?;
        // SAFETY: as above.
        let value = unsafe { value_of(value) }?;
        (each.visit)(key, value)
    })();
    match outcome {
        Ok(()) => rb_sys::st_retval::ST_CONTINUE as c_int,
        Err(failure) => {
            each.failure = Some(failure);
            rb_sys::st_retval::ST_STOP as c_int
        }
    }
}

/// The key of an entry: a String (exactly), read in place.
///
/// # Safety
/// `key` must be a live object; the GVL must be held.
unsafe fn key_of<'a>(key: VALUE) -> Result<Key<'a>, Failure<Error>> {
    // SAFETY: `key` is live; the type check reads its flags, then its class is read from the
    // object (a plain String's is String itself) or, for anything else (a singleton class, say),
    // asked of `rb_obj_class`.
    let string = unsafe {
        rb_sys::RB_TYPE_P(key, T::RUBY_T_STRING)
            && ((*(key as *const rb_sys::RBasic)).klass == rb_sys::rb_cString
                || rb_sys::rb_obj_class(key) == rb_sys::rb_cString)
    };
    if !string {
        let shown = describe_raw(key).map_err(Failure::Source)?;
        return Err(Failure::Bad(karafka_native_core::decorator::BadInput {
            kind: BadKind::Type,
            message: format!("statistics keys must be Strings, got {shown}"),
        }));
    }
    // SAFETY: `key` is a String; its bytes stay in place while no Ruby runs (the walk runs
    // none: Hash keys are frozen, and nothing is allocated before the bytes are read).
    let bytes = unsafe {
        std::slice::from_raw_parts(
            rb_sys::RSTRING_PTR(key) as *const u8,
            rb_sys::RSTRING_LEN(key) as usize,
        )
    };
    Ok(Key {
        bytes,
        identity: key as usize,
    })
}

/// The value of an entry, classified without calling Ruby.
///
/// # Safety
/// `value` must be a live object; the GVL must be held.
unsafe fn value_of<'a>(value: VALUE) -> Result<In<'a, VALUE>, Failure<Error>> {
    if rb_sys::FIXNUM_P(value) {
        // SAFETY: a Fixnum.
        return Ok(In::Int(unsafe { rb_sys::FIX2LONG(value) } as i64));
    }
    if rb_sys::NIL_P(value) {
        return Ok(In::Nil);
    }
    if value == rb_sys::Qfalse as VALUE {
        return Ok(In::False);
    }
    // SAFETY: `value` is live; these read its tag or flags only.
    unsafe {
        if rb_sys::RB_FLOAT_TYPE_P(value) {
            return Ok(In::Float(rb_sys::rb_float_value(value)));
        }
        if rb_sys::SPECIAL_CONST_P(value) {
            return Ok(In::Other(value));
        }
        match rb_sys::RB_BUILTIN_TYPE(value) {
            T::RUBY_T_HASH => Ok(In::Map(value)),
            T::RUBY_T_STRING => Ok(In::Str(std::slice::from_raw_parts(
                rb_sys::RSTRING_PTR(value) as *const u8,
                rb_sys::RSTRING_LEN(value) as usize,
            ))),
            T::RUBY_T_BIGNUM => bignum(value),
            _ if rb_sys::rb_obj_is_kind_of(value, rb_sys::rb_cNumeric)
                == rb_sys::Qtrue as VALUE =>
            {
                let shown = describe_raw(value).map_err(Failure::Source)?;
                Err(Failure::Bad(karafka_native_core::decorator::BadInput {
                    kind: BadKind::Type,
                    message: format!(
                        "statistics value {shown} is a Numeric the native decorator does not \
                         take (only Integer and Float)"
                    ),
                }))
            }
            _ => Ok(In::Other(value)),
        }
    }
}

/// A Bignum within 64 bits, else a `RangeError`-kind failure naming it.
fn bignum<'a>(value: VALUE) -> Result<In<'a, VALUE>, Failure<Error>> {
    let mut out: i64 = 0;
    let out_ptr = &mut out as *mut i64;
    // SAFETY: `rb_big2ll` may raise RangeError; `protect` turns that into `Err`.
    let converted = magnus::rb_sys::protect(|| {
        // SAFETY: `value` is a live Bignum; `out_ptr` points to a local of this frame.
        unsafe { *out_ptr = rb_sys::rb_big2ll(value) as i64 };
        rb_sys::Qnil as VALUE
    });
    match converted {
        Ok(_) => Ok(In::Int(out)),
        Err(error) if error.is_kind_of(Ruby::get().expect("GVL held").exception_range_error()) => {
            let shown = describe_raw(value).map_err(Failure::Source)?;
            Err(Failure::Bad(karafka_native_core::decorator::BadInput {
                kind: BadKind::Range,
                message: format!("statistics value {shown} is beyond 64 bits"),
            }))
        }
        Err(error) => Err(Failure::Source(error)),
    }
}

/// `value` as the binding's messages show it ([`describe`]): its `inspect` (shortened) and its
/// class; an exception or an interrupt of `inspect` comes back as `Err`, unchanged.
fn describe_raw(value: VALUE) -> Result<String, Error> {
    // SAFETY: `value` is a live object on this frame (a Hash entry being walked, or an
    // argument), and the GVL is held.
    describe(unsafe { Value::from_raw(value) })
}

impl Source for RubySource {
    type Node = VALUE;
    type Error = Error;

    fn for_each(
        &self,
        node: VALUE,
        visit: &mut Visit<'_, VALUE, Error>,
    ) -> Result<(), Failure<Error>> {
        let mut each = Each {
            visit,
            failure: None,
            _f: std::marker::PhantomData,
        };
        // SAFETY: `node` is a live Hash (checked by the caller or by `value_of`); `each` lives
        // on this frame for the whole iteration; the callback runs no Ruby that could modify
        // the Hash but `inspect` for a message, inside `protect`, after which it stops.
        unsafe {
            rb_sys::rb_hash_foreach(
                node,
                Some(each_entry),
                &mut each as *mut Each<'_, '_> as VALUE,
            );
        }
        match each.failure {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }

    fn lookup(
        &self,
        node: VALUE,
        key: KeyId,
        _bytes: &[u8],
    ) -> Result<Option<In<'_, VALUE>>, Failure<Error>> {
        let Some(&string) = self.keys.get(key as usize).filter(|&&s| s != 0) else {
            return Ok(None);
        };
        // A Hash hashes a plain String key and compares it with a String key in C; with any
        // other key of the same hash it calls the probe's `eql?`, which is Ruby code only when
        // `String#eql?` was redefined: then the lookup runs inside `protect`, which catches
        // whatever that raises. The check saves a `protect` per lookup, a tenth of an
        // `only_keys` decoration.
        let lookup = || {
            // SAFETY: `node` is a live Hash and `string` a live plain frozen String (kept by
            // the cache); the GVL is held.
            unsafe { rb_sys::rb_hash_lookup2(node, string, rb_sys::Qundef as VALUE) }
        };
        let found = if self.plain_eql {
            lookup()
        } else {
            magnus::rb_sys::protect(lookup).map_err(Failure::Source)?
        };
        if found == rb_sys::Qundef as VALUE {
            return Ok(None);
        }
        // SAFETY: `found` is a live value of the Hash, on this frame.
        unsafe { value_of(found) }.map(Some)
    }

    fn is_frozen(&self, node: VALUE) -> bool {
        // SAFETY: `node` is a live Hash.
        unsafe { rb_sys::rb_obj_frozen_p(node) == rb_sys::Qtrue as VALUE }
    }

    /// The Hash's `VALUE` itself: the plan keeps it as its target, a handle the writes use
    /// (pinned meanwhile, see `StatisticsDecoratorCore::targets`).
    fn identity(&self, node: VALUE) -> usize {
        node as usize
    }

    fn describe(&self, value: In<'_, VALUE>) -> Result<String, Error> {
        Ok(match value {
            In::Map(v) | In::Other(v) => describe_raw(v)?,
            In::Str(s) => format!("{:?} (String)", String::from_utf8_lossy(s)),
            In::Int(i) => format!("{i} (Integer)"),
            In::Float(f) => format!("{f:?} (Float)"),
            In::Nil => "nil (NilClass)".into(),
            In::False => "false (FalseClass)".into(),
        })
    }
}

/// A Ruby number for `value`.
fn number(value: Num) -> VALUE {
    match value {
        // SAFETY: allocates at most a Bignum; called with the GVL held.
        Num::Int(i) => unsafe { rb_sys::rb_ll2inum(i) },
        // SAFETY: as above (a flonum or a heap Float).
        Num::Float(f) => unsafe { rb_sys::rb_float_new(f) },
    }
}

/// The immediate (Fixnum) Ruby value of `value`, if it has one: nothing to allocate, nothing
/// for the GC to keep.
fn immediate(value: Num) -> Option<VALUE> {
    match value {
        Num::Int(i) if rb_sys::FIXABLE(i as std::ffi::c_long) => {
            // SAFETY: `FIXABLE` checked that `i` fits a Fixnum.
            Some(unsafe { rb_sys::LONG2FIX(i as std::ffi::c_long) })
        }
        _ => None,
    }
}

/// Inserts the pending key/value `pairs` into `hash`, in order, as so many `hash[key] = value`
/// would: one by one (`rb_hash_aset`) until one added a key, which also checked that the Hash
/// is not being iterated (`rb_hash_aset` raises then, as karafka-core's writes do), then the
/// rest at once (`rb_hash_bulk_insert`: one table growth for all of them, and none of the
/// per-call checks, which the read pass and that first write made). `checked` remembers, per
/// Hash, that such a write happened.
fn flush(hash: VALUE, pairs: &mut Vec<VALUE>, checked: &mut bool) {
    let mut start = 0;
    while !*checked && start < pairs.len() {
        // SAFETY: `hash` is a live Hash; the key is a frozen String kept by the cache and the
        // value a Fixnum; runs inside `protect` (see `decorate`), which catches the raise.
        let grew = unsafe {
            let before = rb_sys::rb_hash_size_num(hash);
            rb_sys::rb_hash_aset(hash, pairs[start], pairs[start + 1]);
            rb_sys::rb_hash_size_num(hash) > before
        };
        *checked = grew;
        start += 2;
    }
    if start < pairs.len() {
        let rest = &pairs[start..];
        // SAFETY: `hash` is a live, unfrozen Hash (checked by the read pass) that is not being
        // iterated (checked by the first write that added a key); every key is a frozen,
        // interned String kept (marked, so pinned) by the cache, so it is stored as is; every
        // value is a Fixnum. Runs inside `protect` (see `decorate`).
        unsafe { rb_sys::rb_hash_bulk_insert(rest.len() as std::ffi::c_long, rest.as_ptr(), hash) };
    }
    pairs.clear();
}

/// Performs the writes of one Hash, in order. Fixnums wait in `pairs` (they need no marking)
/// and go in together; a value that must be allocated (a Bignum, a Float) goes in at once,
/// after the pending ones, so that no allocated value is ever held where the GC does not see
/// it. Frames here own nothing that needs dropping (`pairs` belongs to the caller of
/// `protect`), so a non-local exit (say `NoMemoryError` while allocating a number) that
/// `protect` catches above skips no drop.
fn apply_writes(hash: VALUE, writes: &[Write], strings: &[VALUE], pairs: &mut Vec<VALUE>) {
    let mut checked = false;
    for write in writes {
        let key = strings[write.key as usize];
        match immediate(write.value) {
            Some(value) => {
                pairs.push(key);
                pairs.push(value);
            }
            None => {
                flush(hash, pairs, &mut checked);
                let value = number(write.value);
                // SAFETY: `hash` is a live, unfrozen Hash (checked by the read pass) that is
                // not being iterated here; the key is a frozen String kept by the cache.
                unsafe { rb_sys::rb_hash_aset(hash, key, value) };
            }
        }
    }
    flush(hash, pairs, &mut checked);
}

/// Maps bad input to the Ruby exception of its kind.
fn bad_input(ruby: &Ruby, kind: BadKind, message: String) -> Error {
    let class = match kind {
        BadKind::Type => ruby.exception_type_error(),
        BadKind::Argument => ruby.exception_arg_error(),
        BadKind::Frozen => ruby.exception_frozen_error(),
        BadKind::Range => ruby.exception_range_error(),
    };
    Error::new(class, message)
}

/// The Strings of an Array of key names (each must be a String).
fn key_names(ruby: &Ruby, what: &str, names: RArray) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::with_capacity(names.len());
    for i in 0..names.len() {
        let name: Value = names.entry(i as isize)?;
        match RString::from_value(name) {
            // SAFETY: the bytes are copied at once.
            Some(s) => out.push(unsafe { s.as_slice() }.to_vec()),
            None => {
                return Err(Error::new(
                    ruby.exception_type_error(),
                    format!(
                        "{what} must be Strings, got {}",
                        describe_raw(name.as_raw())?
                    ),
                ))
            }
        }
    }
    Ok(out)
}

impl StatisticsDecoratorCore {
    /// `new(excluded_keys, only_keys, now_ms)`
    fn new(ruby: &Ruby, excluded: RArray, only: RArray, now_ms: Integer) -> Result<Self, Error> {
        let excluded = key_names(ruby, "excluded_keys", excluded)?;
        let only = key_names(ruby, "only_keys", only)?;
        let excluded: Vec<&[u8]> = excluded.iter().map(Vec::as_slice).collect();
        let only: Vec<&[u8]> = only.iter().map(Vec::as_slice).collect();
        let decorator = Decorator::new(&excluded, &only, now_ms.to_i64()?);
        let memory = decorator.memory();
        Ok(Self {
            state: Mutex::new(Some(Box::new(decorator))),
            strings: Mutex::new(Vec::new()),
            targets: Mutex::new(Vec::new()),
            health: Mutex::new(None),
            memory: AtomicUsize::new(memory),
        })
    }

    /// `call(statistics, now_ms)`: decorates `statistics` in place and returns it frozen.
    fn call(
        ruby: &Ruby,
        rb_self: &Self,
        statistics: Value,
        now_ms: Integer,
    ) -> Result<Value, Error> {
        let now_ms = now_ms.to_i64()?;
        let Some(hash) = RHash::from_value(statistics) else {
            return Err(Error::new(
                ruby.exception_type_error(),
                format!(
                    "statistics must be a Hash, got {}",
                    describe_raw(statistics.as_raw())?
                ),
            ));
        };
        let root = hash.as_raw();
        let Some(mut decorator) = rb_self.state.lock().take() else {
            return Err(Error::new(
                ruby.exception_runtime_error(),
                "Karafka::Native::StatisticsDecorator#call is already running (another thread, \
                 or an inspect it called, is inside it)",
            ));
        };
        let outcome = Self::decorate(ruby, rb_self, &mut decorator, root, now_ms);
        *rb_self.state.lock() = Some(decorator);
        outcome.map(|()| statistics)
    }

    fn decorate(
        ruby: &Ruby,
        rb_self: &Self,
        decorator: &mut Decorator,
        root: VALUE,
        now_ms: i64,
    ) -> Result<(), Error> {
        // The keys looked up directly, created on first use; each String goes into the cache
        // (marked from then on) before anything else is allocated.
        for key in decorator.lookup_keys() {
            rb_self.cache_string(ruby, decorator, key);
        }
        // The frozen key Strings, as raw values: each is kept (marked, so pinned) by the cache
        // for the object's life (entries are never removed), so the copy stays valid.
        let eql = EQL.into_id_with(ruby).as_raw();
        // SAFETY: the GVL is held; `rb_method_basic_definition_p` looks a method up, in C.
        let plain_eql =
            unsafe { rb_sys::rb_method_basic_definition_p(ruby.class_string().as_raw(), eql) } != 0;
        let source = RubySource {
            plain_eql,
            keys: rb_self
                .strings
                .lock()
                .iter()
                .map(|s| s.map_or(0, |s| ruby.get_inner(s).as_raw()))
                .collect(),
        };
        let prepared = match decorator.prepare(&source, root, now_ms) {
            Ok(prepared) => prepared,
            Err(Failure::Bad(bad)) => return Err(bad_input(ruby, bad.kind, bad.message)),
            Err(Failure::Source(error)) => return Err(error),
        };
        // The Hashes to write into, pinned before anything is allocated (a plan's target is
        // the identity the source gave the map: its VALUE).
        let plan = prepared.plan();
        rb_self.targets.lock().extend(
            (0..plan.len() as u32)
                .filter(|&node| !plan.writes(node).is_empty())
                .map(|node| plan.target(node) as VALUE),
        );
        let mut strings = source.keys;
        strings.resize(decorator.key_count(), 0);
        for write in plan.all_writes() {
            let slot = write.key as usize;
            if strings[slot] == 0 {
                strings[slot] = rb_self.cache_string(ruby, decorator, write.key);
            }
        }
        // Fixnum pairs waiting for a bulk insert (see `apply_writes`); owned out here, so that
        // a non-local exit inside `protect` skips no drop.
        let mut pairs: Vec<VALUE> = Vec::with_capacity(256);
        let applied = magnus::rb_sys::protect(|| {
            for node in 0..plan.len() as u32 {
                let writes = plan.writes(node);
                if !writes.is_empty() {
                    apply_writes(plan.target(node) as VALUE, writes, &strings, &mut pairs);
                }
            }
            // SAFETY: `root` is a live Hash.
            unsafe { rb_sys::rb_obj_freeze(root) }
        });
        let unpinned = std::mem::take(&mut *rb_self.targets.lock());
        drop(unpinned);
        match applied {
            Ok(_) => {
                let health = prepared.health_snapshot();
                decorator.commit(prepared);
                rb_self.memory.store(decorator.memory(), Ordering::Relaxed);
                *rb_self.health.lock() = Some(health);
                Ok(())
            }
            Err(error) => {
                decorator.discard(prepared);
                Err(error)
            }
        }
    }

    /// The cached frozen String of key `key`, created (and cached at once, so marked before
    /// anything else is allocated) when missing.
    fn cache_string(&self, ruby: &Ruby, decorator: &Decorator, key: KeyId) -> VALUE {
        let slot = key as usize;
        if let Some(Some(known)) = self.strings.lock().get(slot) {
            return ruby.get_inner(*known).as_raw();
        }
        let bytes = decorator.key_bytes(key);
        // SAFETY: `bytes` is a live slice of the decorator's own memory; `rb_enc_interned_str`
        // copies it into a frozen, interned (deduplicated) UTF-8 String: stored as is as a Hash
        // key, the same object as the keys of parsed JSON.
        let raw = unsafe {
            rb_sys::rb_enc_interned_str(
                bytes.as_ptr() as *const std::ffi::c_char,
                bytes.len() as std::ffi::c_long,
                rb_sys::rb_utf8_encoding(),
            )
        };
        // SAFETY: `raw` was just returned by Ruby (a live String, on this frame).
        let string = RString::from_value(unsafe { Value::from_raw(raw) }).expect("a String");
        let mut cache = self.strings.lock();
        if cache.len() <= slot {
            cache.resize(slot + 1, None);
        }
        cache[slot] = Some(Opaque::from(string));
        string.as_raw()
    }

    /// `health`: the connection-health fields of the last emission, shaped as librdkafka's
    /// statistics (`{"cgrp" => {...}, "brokers" => {"*" => {"stateage" => min}}}`, frozen), or
    /// nil before the first.
    fn health(ruby: &Ruby, rb_self: &Self) -> Result<Option<RHash>, Error> {
        let Some(health) = rb_self.health.lock().clone() else {
            return Ok(None);
        };
        let out = ruby.hash_new();
        let cgrp = ruby.hash_new();
        if let Some(state) = health.cgrp_state {
            cgrp.aset("state", state)?;
        }
        if let Some(join_state) = health.join_state {
            cgrp.aset("join_state", join_state)?;
        }
        if let Some(age) = health.stateage_ms {
            cgrp.aset("stateage", age)?;
        }
        if let Some(age) = health.rebalance_age_ms {
            cgrp.aset("rebalance_age", age)?;
        }
        if !cgrp.is_empty() {
            cgrp.freeze();
            out.aset("cgrp", cgrp)?;
        }
        if let Some(age) = health.broker_stateage_us {
            let broker = ruby.hash_new();
            broker.aset("stateage", age)?;
            broker.freeze();
            let brokers = ruby.hash_new();
            brokers.aset("*", broker)?;
            brokers.freeze();
            out.aset("brokers", brokers)?;
        }
        out.freeze();
        Ok(Some(out))
    }

    /// `kept_counts`: `[maps, entries]` kept from the previous emission.
    fn kept_counts(&self) -> (usize, usize) {
        match self.state.lock().as_ref() {
            Some(decorator) => decorator.kept().counts(),
            None => (0, 0),
        }
    }

    /// `kept_bytes`: bytes of native memory kept between emissions.
    fn kept_bytes(&self) -> usize {
        self.memory.load(Ordering::Relaxed)
    }

    /// Defines the class under `namespace`.
    pub fn define(ruby: &Ruby, namespace: RModule) -> Result<(), Error> {
        let class = namespace.define_class("StatisticsDecoratorCore", ruby.class_object())?;
        class.define_singleton_method("new", function!(StatisticsDecoratorCore::new, 3))?;
        class.define_method("call", method!(StatisticsDecoratorCore::call, 2))?;
        class.define_method("health", method!(StatisticsDecoratorCore::health, 0))?;
        class.define_method(
            "kept_counts",
            method!(StatisticsDecoratorCore::kept_counts, 0),
        )?;
        class.define_method(
            "kept_bytes",
            method!(StatisticsDecoratorCore::kept_bytes, 0),
        )?;
        Ok(())
    }
}

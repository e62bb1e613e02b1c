//! Partition numbers read from partition objects (`Rdkafka::Consumer::Partition` and the like).
//!
//! A rebalance lists its partitions as objects answering `partition`. Calling that method from C
//! costs a method lookup per object; when the method is a plain `attr_reader :partition` (it is
//! on `Rdkafka::Consumer::Partition`), reading `@partition` gives the same value without a call.
//! Which way a class is read is learned once per class and conversion, from the method itself.

use magnus::rb_sys::{AsRawId, AsRawValue, FromRawValue};
use magnus::value::{IntoId, LazyId};
use magnus::{prelude::*, Error, RClass, Ruby, Symbol, Value};

use super::pins::PinBatch;

/// The method a partition object answers with its number.
pub static PARTITION: LazyId = LazyId::new("partition");

/// The instance variable a plain `attr_reader :partition` returns.
static PARTITION_IVAR: LazyId = LazyId::new("@partition");

/// How the objects of one class give their partition number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// `partition` is a plain `attr_reader :partition`: `@partition` is read directly.
    Ivar,
    /// Anything else: `partition` is called.
    Call,
}

/// The last class seen answering `partition`, with how its objects are read, so that a list of
/// partition objects (all of one class, in practice) is classified once, not per object.
///
/// The class is compared by address only. It is held in the conversion's pin batch from the
/// moment it is learned, so it can be neither freed nor moved while it is remembered, and no
/// other class can come to have its address.
#[derive(Default)]
pub struct KnownClass(Option<(rb_sys::VALUE, Reader)>);

impl KnownClass {
    /// How `object` (a plain object, Struct or typed data object) is read when its class is the
    /// remembered one; `None` otherwise (learn it with [`KnownClass::learn`]). Never calls Ruby.
    pub fn reader_for(&self, object: Value) -> Option<Reader> {
        if rb_sys::SPECIAL_CONST_P(object.as_raw()) {
            return None;
        }
        // SAFETY: a non-immediate value is a live heap object (the caller has it on its stack).
        let class = unsafe { class_of(object.as_raw()) };
        match self.0 {
            Some((known, reader)) if known == class => Some(reader),
            _ => None,
        }
    }

    /// Classifies the class of `value` (a heap object) and remembers it, held in `pins`; `None`
    /// when `value` does not answer `partition`. Runs Ruby code (`respond_to?` and method
    /// introspection); its exceptions and interrupts propagate.
    pub fn learn(
        &mut self,
        ruby: &Ruby,
        value: Value,
        pins: &PinBatch<'_>,
    ) -> Result<Option<Reader>, Error> {
        if rb_sys::SPECIAL_CONST_P(value.as_raw()) || !value.respond_to(*PARTITION, false)? {
            return Ok(None);
        }
        let reader = if plain_attr_reader(ruby, value)? {
            Reader::Ivar
        } else {
            Reader::Call
        };
        // Read the class after the Ruby calls above, and hold it from here on.
        // SAFETY: `value` is a live heap object (checked above; on the caller's stack).
        let class = unsafe { class_of(value.as_raw()) };
        // SAFETY: the class of a live object is a live class.
        pins.hold(unsafe { Value::from_raw(class) });
        self.0 = Some((class, reader));
        Ok(Some(reader))
    }
}

/// The class an object's methods come from: its singleton class when it has one (a singleton
/// `partition` then counts), its class otherwise.
///
/// # Safety
/// `object` must be a live heap object.
unsafe fn class_of(object: rb_sys::VALUE) -> rb_sys::VALUE {
    // SAFETY: every heap object starts with an `RBasic` header, whose `klass` is the object's
    // (singleton or ordinary) class; the caller guarantees a heap object.
    unsafe { (*(object as *const rb_sys::RBasic)).klass }
}

/// What `object` answers for its partition, read the way `reader` says, with raw calls for the
/// fast path inside an `rb_protect`.
///
/// # Safety
/// The GVL must be held and `object` must be a live object; with `Reader::Call` the call may
/// raise, so it must run inside `rb_protect`.
pub unsafe fn read_raw(object: rb_sys::VALUE, reader: Reader, ruby: &Ruby) -> rb_sys::VALUE {
    match reader {
        // SAFETY: a live object and an interned ID; `rb_ivar_get` neither raises nor runs Ruby.
        Reader::Ivar => unsafe {
            rb_sys::rb_ivar_get(object, PARTITION_IVAR.into_id_with(ruby).as_raw())
        },
        // SAFETY: a live object answering `partition`, called with no arguments, inside the
        // caller's `rb_protect`.
        Reader::Call => unsafe {
            rb_sys::rb_funcallv(
                object,
                PARTITION.into_id_with(ruby).as_raw(),
                0,
                std::ptr::null(),
            )
        },
    }
}

/// What `value` answers for its partition, read the way `reader` says; exceptions from
/// `partition` come back as `Err`.
pub fn read(ruby: &Ruby, value: Value, reader: Reader) -> Result<Value, Error> {
    match reader {
        Reader::Ivar => {
            let id = PARTITION_IVAR.into_id_with(ruby).as_raw();
            // SAFETY: the GVL is held (we have `ruby`), `value` is live, the ID interned;
            // `rb_ivar_get` neither raises nor runs Ruby.
            Ok(unsafe { Value::from_raw(rb_sys::rb_ivar_get(value.as_raw(), id)) })
        }
        Reader::Call => value.funcall(*PARTITION, ()),
    }
}

/// Whether the `partition` method `value` answers is a plain `attr_reader :partition`: an
/// attribute method (it has a source location but no instruction sequence, unlike a `def` or a
/// `define_method` block, and unlike a C method, which has no location) whose original name is
/// `partition` (an alias of another reader reads another variable) and which takes no argument.
///
/// The method object comes from `rb_obj_method` (what `Kernel#method` runs), so a class with
/// its own `method` (a common name) cannot mislead the check. A method that only
/// `respond_to_missing?` claims answers false (it is then called, which is always correct);
/// every other error, interrupts included, propagates.
fn plain_attr_reader(ruby: &Ruby, value: Value) -> Result<bool, Error> {
    let id = PARTITION.into_id_with(ruby);
    let partition = Symbol::from(id);
    // SAFETY: the GVL is held and `value` is live; `rb_obj_method_arity` looks the method
    // up without calling Ruby (it exists: `value` answered `respond_to?`).
    let arity = unsafe { rb_sys::rb_obj_method_arity(value.as_raw(), id.as_raw()) };
    if arity != 0 {
        return Ok(false);
    }
    let method = magnus::rb_sys::protect(|| {
        // SAFETY: a live object and a Symbol; may raise (NameError): inside `protect`.
        unsafe { rb_sys::rb_obj_method(value.as_raw(), partition.as_raw()) }
    });
    let raw = match method {
        Ok(raw) => raw,
        // `respond_to_missing?` answered for a method that does not exist: it is called.
        Err(error) if error.is_kind_of(ruby.exception_name_error()) => return Ok(false),
        Err(error) => return Err(error),
    };
    // SAFETY: `rb_obj_method` returned a live Method object, kept on this stack.
    let method = unsafe { Value::from_raw(raw) };
    let name: Symbol = method.funcall("original_name", ())?;
    if name.as_raw() != partition.as_raw() {
        return Ok(false);
    }
    let location: Value = method.funcall("source_location", ())?;
    if location.is_nil() {
        return Ok(false);
    }
    let vm: RClass = ruby.class_object().const_get("RubyVM")?;
    let sequences: RClass = vm.const_get("InstructionSequence")?;
    let sequence: Value = sequences.funcall("of", (method,))?;
    Ok(sequence.is_nil())
}

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
/// The class is compared by identity only. It is held in the conversion's pin batch from the
/// moment it is learned, so it can be neither freed nor moved while it is remembered, and no
/// other class can come to have its address.
#[derive(Default)]
pub struct KnownClass(Option<(RClass, Reader)>);

impl KnownClass {
    /// How `object` is read when its class is the remembered one; `None` otherwise (learn it
    /// with [`KnownClass::learn`]). Never calls Ruby.
    pub fn reader_for(&self, object: Value) -> Option<Reader> {
        match self.0 {
            Some((known, reader)) if known.as_raw() == object.class().as_raw() => Some(reader),
            _ => None,
        }
    }

    /// Classifies the class of `value` and remembers it, held in `pins`; `None` when `value`
    /// does not answer `partition`. Runs Ruby code (`respond_to?` and method introspection);
    /// its exceptions and interrupts propagate.
    pub fn learn(
        &mut self,
        ruby: &Ruby,
        value: Value,
        pins: &PinBatch<'_>,
    ) -> Result<Option<Reader>, Error> {
        if !value.respond_to(*PARTITION, false)? {
            return Ok(None);
        }
        let reader = if plain_attr_reader(ruby, value)? {
            Reader::Ivar
        } else {
            Reader::Call
        };
        // The class is read after the Ruby calls above (which may give `value` a singleton
        // class), and held from here on. It is the singleton class when `value` has one, so
        // that a singleton `partition` counts.
        let class = value.class();
        pins.hold(class.as_value());
        self.0 = Some((class, reader));
        Ok(Some(reader))
    }
}

/// What `value` answers for its partition, read the way `reader` says; exceptions from
/// `partition` come back as `Err`.
pub fn read(ruby: &Ruby, value: Value, reader: Reader) -> Result<Value, Error> {
    match reader {
        Reader::Ivar => {
            let id = PARTITION_IVAR.into_id_with(ruby).as_raw();
            // Raw, not magnus's `ivar_get`: that wraps each read in an `rb_protect`, which cost
            // most of what reading the variable saves over calling `partition` (an assigned
            // event of 100 topics x 10 partitions: 374-384 us against 129-305 us raw and
            // 443-495 us calling, bench/karafka_events.rb).
            // SAFETY: the GVL is held (we have `ruby`), `value` is a live object on this stack
            // and the ID is interned; `rb_ivar_get` neither raises nor runs Ruby code.
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
    // `Kernel#method` unbound, so that a class with its own `method` cannot mislead the check;
    // an object without Kernel (a BasicObject) is called instead, which is always correct.
    let kernel = ruby.module_kernel();
    if !value.is_kind_of(kernel) {
        return Ok(false);
    }
    let partition = Symbol::from(PARTITION.into_id_with(ruby));
    let method_of: Value = kernel.funcall("instance_method", (ruby.to_symbol("method"),))?;
    let method: Value = match method_of.funcall("bind_call", (value, partition)) {
        Ok(method) => method,
        // `respond_to_missing?` answered for a method that does not exist: it is called.
        Err(error) if error.is_kind_of(ruby.exception_name_error()) => return Ok(false),
        Err(error) => return Err(error),
    };
    let arity: i64 = method.funcall("arity", ())?;
    let name: Symbol = method.funcall("original_name", ())?;
    if arity != 0 || name.as_raw() != partition.as_raw() {
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

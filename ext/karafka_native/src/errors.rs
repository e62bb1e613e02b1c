//! Ruby exceptions for bad input, each naming the bad value.
//!
//! Naming a value runs its `inspect`, which is Ruby code: it may raise, `throw`, or be where
//! `Thread#kill`, `Thread#raise` or `Timeout` reach the thread. Every such exit comes back as
//! the `Err` it is and is returned instead of the message (magnus's `Value::inspect` discards
//! them, so it is never used).

use magnus::{value::ReprValue, Error, ExceptionClass, RString, Ruby, Value};

/// The longest rendering of a bad value in a message.
const MAX_SHOWN: usize = 120;

/// `value.inspect`, as Rust text; an exception or non-local exit of it comes back unchanged.
/// As Ruby's `rb_inspect` does, an `inspect` answering something other than a String is shown
/// by that answer's `to_s`; text that is not UTF-8 is shown escaped (`String#dump`).
pub fn inspect(value: Value) -> Result<String, Error> {
    let shown: Value = value.funcall("inspect", ())?;
    let shown = match RString::from_value(shown) {
        Some(string) => string,
        None => shown.funcall("to_s", ())?,
    };
    match shown.to_string() {
        Ok(text) => Ok(text),
        Err(error) if is_standard(&Ruby::get_with(value), &error) => shown.dump()?.to_string(),
        Err(interrupted) => Err(interrupted),
    }
}

/// How a bad value is shown in a message: its `inspect` (shortened) and its class.
pub fn describe(value: Value) -> Result<String, Error> {
    let mut shown = inspect(value)?;
    if shown.chars().count() > MAX_SHOWN {
        shown = shown.chars().take(MAX_SHOWN).collect::<String>() + "...";
    }
    // SAFETY: the borrowed class name is copied into the String at once, before any Ruby code
    // runs that could change or free it.
    Ok(format!("{shown} ({})", unsafe { value.classname() }))
}

/// An exception of `class` with the message `text` makes; when making it fails (a bad value's
/// `inspect` raised, or the thread was interrupted there), that failure instead.
pub fn exception(class: ExceptionClass, text: impl FnOnce() -> Result<String, Error>) -> Error {
    match text() {
        Ok(message) => Error::new(class, message),
        Err(interrupted) => interrupted,
    }
}

/// A `TypeError` saying what was expected and what came instead.
pub fn type_error(ruby: &Ruby, expected: &str, got: Value) -> Error {
    exception(ruby.exception_type_error(), || {
        Ok(format!("{expected}, got {}", describe(got)?))
    })
}

/// An `ArgumentError` with the message `text` makes (see [`exception`]).
pub fn argument_error(ruby: &Ruby, text: impl FnOnce() -> Result<String, Error>) -> Error {
    exception(ruby.exception_arg_error(), text)
}

/// True when `error` is an ordinary failure of the operation that raised it (a
/// `StandardError`), not a non-local exit (`throw`, `Thread#kill`) or a fatal exception
/// (`NoMemoryError`, `SystemStackError`, `Interrupt`, ...), which must pass through unchanged.
pub fn is_standard(ruby: &Ruby, error: &Error) -> bool {
    error.is_kind_of(ruby.exception_standard_error())
}

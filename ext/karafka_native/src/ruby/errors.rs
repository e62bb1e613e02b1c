//! Ruby exceptions for bad input, each naming the bad value.

use magnus::{value::ReprValue, Error, Ruby, Value};

/// The longest rendering of a bad value in a message.
const MAX_SHOWN: usize = 120;

/// How a bad value is shown in a message: its `inspect` (shortened) and its class.
pub fn describe(value: Value) -> String {
    let mut shown = value
        .inspect()
        .chars()
        .take(MAX_SHOWN + 1)
        .collect::<String>();
    if shown.chars().count() > MAX_SHOWN {
        shown = shown.chars().take(MAX_SHOWN).collect::<String>() + "...";
    }
    // SAFETY: the borrowed class name is copied into the String at once, before any Ruby code
    // runs that could change or free it.
    format!("{shown} ({})", unsafe { value.classname() })
}

/// A `TypeError` saying what was expected and what came instead.
pub fn type_error(ruby: &Ruby, expected: &str, got: Value) -> Error {
    Error::new(
        ruby.exception_type_error(),
        format!("{expected}, got {}", describe(got)),
    )
}

/// An `ArgumentError` with `message`.
pub fn argument_error(ruby: &Ruby, message: String) -> Error {
    Error::new(ruby.exception_arg_error(), message)
}

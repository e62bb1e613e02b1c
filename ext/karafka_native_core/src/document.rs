//! Statistics documents: the trees the statistics reader walks, whatever their source.

use std::convert::Infallible;

/// What one value of a statistics document is, as far as the reader cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Null (nil): the field counts as absent.
    Absent,
    /// A string.
    Text(String),
    /// An integer that fits `i64`.
    Integer(i64),
    /// An object (a Hash); its fields are read through the document.
    Object,
    /// Anything else: a float, an integer beyond `i64`, a boolean, an array.
    Other,
}

/// A tree of statistics values: librdkafka's JSON (parsed by serde_json, [`Json`]), or the
/// Hash Karafka emits (walked by the Ruby binding).
pub trait Document {
    /// A handle on one value of the document.
    type Node;
    /// A failure of the source itself (a Ruby exception, say), passed through unchanged.
    type Error;

    /// The document's root value.
    fn root(&self) -> Self::Node;
    /// What `node` is.
    fn kind(&self, node: &Self::Node) -> Result<Kind, Self::Error>;
    /// The value at `key` of the object `node`; `None` when missing.
    fn field(&self, node: &Self::Node, key: &str) -> Result<Option<Self::Node>, Self::Error>;
    /// The values of the object `node`, in order.
    fn values(&self, node: &Self::Node) -> Result<Vec<Self::Node>, Self::Error>;
}

/// A parsed JSON document.
pub struct Json<'a>(pub &'a serde_json::Value);

impl<'a> Document for Json<'a> {
    type Node = &'a serde_json::Value;
    type Error = Infallible;

    fn root(&self) -> Self::Node {
        self.0
    }

    fn kind(&self, node: &Self::Node) -> Result<Kind, Self::Error> {
        Ok(match node {
            serde_json::Value::Null => Kind::Absent,
            serde_json::Value::String(text) => Kind::Text(text.clone()),
            serde_json::Value::Number(number) => number.as_i64().map_or(Kind::Other, Kind::Integer),
            serde_json::Value::Object(_) => Kind::Object,
            _ => Kind::Other,
        })
    }

    fn field(&self, node: &Self::Node, key: &str) -> Result<Option<Self::Node>, Self::Error> {
        Ok(node.as_object().and_then(|object| object.get(key)))
    }

    fn values(&self, node: &Self::Node) -> Result<Vec<Self::Node>, Self::Error> {
        Ok(node
            .as_object()
            .map_or_else(Vec::new, |object| object.values().collect()))
    }
}

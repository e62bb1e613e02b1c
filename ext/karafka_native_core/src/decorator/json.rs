//! The decorator over `serde_json` values: a [`Source`] for tests, benchmarks and raw JSON,
//! and [`apply`], which performs a [`Plan`] on the value the way the Ruby binding performs it
//! on a Hash.

use serde_json::{Map, Number, Value as Json};

use super::plan::Plan;
use super::source::{Failure, Key, Source, Value, Visit};
use super::{Decorator, Num, Prepared};

/// [`Source`] over `serde_json` values (keys have no identity).
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonSource<'j>(std::marker::PhantomData<&'j Json>);

impl<'j> JsonSource<'j> {
    /// The source.
    pub fn new() -> Self {
        Self(std::marker::PhantomData)
    }

    fn value(value: &'j Json) -> Value<'j, &'j Json> {
        match value {
            Json::Null => Value::Nil,
            Json::Bool(false) => Value::False,
            Json::Bool(true) => Value::Other(value),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Json::String(s) => Value::Str(s.as_bytes()),
            Json::Array(_) => Value::Other(value),
            Json::Object(_) => Value::Map(value),
        }
    }
}

impl<'j> Source for JsonSource<'j> {
    type Node = &'j Json;
    type Error = std::convert::Infallible;

    fn for_each(
        &self,
        node: Self::Node,
        visit: &mut Visit<'_, Self::Node, Self::Error>,
    ) -> Result<(), Failure<Self::Error>> {
        if let Json::Object(map) = node {
            for (key, value) in map {
                visit(
                    Key {
                        bytes: key.as_bytes(),
                        identity: 0,
                    },
                    Self::value(value),
                )?;
            }
        }
        Ok(())
    }

    fn lookup(
        &self,
        node: Self::Node,
        _key: super::KeyId,
        bytes: &[u8],
    ) -> Result<Option<Value<'_, Self::Node>>, Failure<Self::Error>> {
        let key = String::from_utf8_lossy(bytes);
        Ok(node
            .as_object()
            .and_then(|map| map.get(key.as_ref()))
            .map(Self::value))
    }

    fn is_frozen(&self, _node: Self::Node) -> bool {
        false
    }

    fn identity(&self, node: Self::Node) -> usize {
        node as *const Json as usize
    }

    fn describe(&self, value: Value<'_, Self::Node>) -> Result<String, Self::Error> {
        Ok(match value {
            Value::Map(v) | Value::Other(v) => v.to_string(),
            Value::Str(s) => format!("{:?}", String::from_utf8_lossy(s)),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format!("{f:?}"),
            Value::Nil => "nil".into(),
            Value::False => "false".into(),
        })
    }
}

fn json_number(value: Num) -> Json {
    match value {
        Num::Int(i) => Json::Number(i.into()),
        Num::Float(f) => Number::from_f64(f).map_or(Json::Null, Json::Number),
    }
}

/// Performs `plan` on `root` (the value it was prepared from).
pub fn apply(decorator: &Decorator, plan: &Plan, root: &mut Json) {
    if let Some(node) = plan.root() {
        apply_node(decorator, plan, node, root);
    }
}

fn apply_node(decorator: &Decorator, plan: &Plan, node: u32, value: &mut Json) {
    let Json::Object(map) = value else { return };
    let links = plan.links(node);
    let by_key = links.iter().position(|l| l.index == super::Link::BY_KEY);
    let (links, keyed) = links.split_at(by_key.unwrap_or(links.len()));
    for link in keyed {
        let key = String::from_utf8_lossy(decorator.key_bytes(link.key)).into_owned();
        if let Some(child) = map.get_mut(&key) {
            apply_node(decorator, plan, link.node, child);
        }
    }
    if !links.is_empty() {
        let mut next = links.iter().peekable();
        for (i, (_, child)) in map.iter_mut().enumerate() {
            match next.peek() {
                Some(link) if link.index as usize == i => {
                    apply_node(decorator, plan, link.node, child);
                    next.next();
                }
                Some(_) => {}
                None => break,
            }
        }
    }
    write(decorator, plan, node, map);
}

fn write(decorator: &Decorator, plan: &Plan, node: u32, map: &mut Map<String, Json>) {
    for w in plan.writes(node) {
        let key = String::from_utf8_lossy(decorator.key_bytes(w.key)).into_owned();
        map.insert(key, json_number(w.value));
    }
}

/// Decorates `root` in place at `now_ms` and commits (a convenience for tests and benches).
pub fn decorate(
    decorator: &mut Decorator,
    root: &mut Json,
    now_ms: i64,
) -> Result<(), super::BadInput> {
    let prepared: Prepared = match decorator.prepare(&JsonSource::new(), &*root, now_ms) {
        Ok(prepared) => prepared,
        Err(Failure::Bad(bad)) => return Err(bad),
        Err(Failure::Source(never)) => match never {},
    };
    apply(decorator, prepared.plan(), root);
    decorator.commit(prepared);
    Ok(())
}

//! An order-preserving YAML document model for kubeconfig edits.
//!
//! A kubeconfig is edited as a generic tree, not a typed struct, so that
//! every key this tool does not own (extensions, preferences, fields newer
//! than this code) comes back exactly as it was read, in its order. Parsing
//! and printing are serde-saphyr's; this module only owns the tree and the
//! few accessors the edits need.

use anyhow::{Context, Result};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::fmt;

/// One YAML node. Mappings keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// An empty mapping.
    pub fn map() -> Node {
        Node::Map(vec![])
    }

    /// A string node.
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value under `key`, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match self {
            Node::Map(m) => m.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key` (in place when present, appended otherwise). A non-mapping
    /// (including null) becomes a mapping first.
    pub fn set(&mut self, key: &str, value: Node) {
        if !matches!(self, Node::Map(_)) {
            *self = Node::map();
        }
        if let Node::Map(m) = self {
            match m.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => m.push((key.to_string(), value)),
            }
        }
    }

    /// Removes `key` from a mapping.
    pub fn remove(&mut self, key: &str) {
        if let Node::Map(m) = self {
            m.retain(|(k, _)| k != key);
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a sequence (none for anything else).
    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq(v) => v,
            _ => &[],
        }
    }

    /// The sequence under `key`, created (or replacing a null) when absent.
    pub fn seq_mut(&mut self, key: &str) -> &mut Vec<Node> {
        if !matches!(self.get(key), Some(Node::Seq(_))) {
            self.set(key, Node::Seq(vec![]));
        }
        match self.get_mut(key) {
            Some(Node::Seq(v)) => v,
            _ => unreachable!("just set to a sequence"),
        }
    }

    /// A sequence of strings.
    pub fn strings<S: AsRef<str>>(items: &[S]) -> Node {
        Node::Seq(items.iter().map(|s| Node::str(s.as_ref())).collect())
    }
}

/// Parses YAML text (an empty document is an empty mapping). The error is
/// the parser's, for the caller to show without quoting the text
/// ([`crate::fsio::yaml_error`]).
pub fn parse(text: &str) -> Result<Node, serde_saphyr::Error> {
    if text.trim().is_empty() {
        return Ok(Node::map());
    }
    // `017` (kubectl reads it as text) stays the string "017", not 17.0.
    let options = serde_saphyr::options! { leading_zero_numbers_as_strings: true };
    let node: Node = serde_saphyr::from_str_with_options(text, options)?;
    Ok(match node {
        Node::Null => Node::map(),
        n => n,
    })
}

/// Prints a tree as YAML.
pub fn render(node: &Node) -> Result<String> {
    serde_saphyr::to_string(node).context("could not encode the YAML")
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Int(i) => s.serialize_i64(*i),
            Node::UInt(u) => s.serialize_u64(*u),
            Node::Float(f) => s.serialize_f64(*f),
            Node::Str(v) => s.serialize_str(v),
            Node::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        let mut v = vec![];
        while let Some(n) = a.next_element()? {
            v.push(n);
        }
        Ok(Node::Seq(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        // Keys are read as written: a key `y` or `on` stays that text
        // instead of becoming "true", and `007` stays "007".
        let mut m: Vec<(String, Node)> = vec![];
        while let Some((k, v)) = a.next_entry::<String, Node>()? {
            m.push((k, v));
        }
        Ok(Node::Map(m))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// `node["key"]`: the value, or null when absent.
impl std::ops::Index<&str> for Node {
    type Output = Node;
    fn index(&self, key: &str) -> &Node {
        static NULL: Node = Node::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_order_types_and_unknown_keys() {
        let text = "zeta: 1\nalpha:\n  - name: x\n    extension: {a: [1, 2], b: null}\n\
                    quoted: \"true\"\nnum: \"1.20\"\nflag: false\nempty: {}\nlist: []\nmulti: |\n  line1\n  line2\n";
        let n = parse(text).unwrap();
        let keys: Vec<&str> = match &n {
            Node::Map(m) => m.iter().map(|(k, _)| k.as_str()).collect(),
            _ => panic!(),
        };
        assert_eq!(
            keys,
            [
                "zeta", "alpha", "quoted", "num", "flag", "empty", "list", "multi"
            ]
        );
        let again = parse(&render(&n).unwrap()).unwrap();
        assert_eq!(again, n, "rendered:\n{}", render(&n).unwrap());
        assert_eq!(
            n.get("quoted"),
            Some(&Node::str("true")),
            "a quoted true stays a string"
        );
        assert_eq!(n.get("num"), Some(&Node::str("1.20")));
    }

    #[test]
    fn leading_zero_numbers_and_yaml11_keys_keep_their_text() {
        // Was: an unquoted `017` in an extension came back as 17.0.
        let n = parse("extension: {code: 017, mode: 0755}\ny: 1\non: 2\n").unwrap();
        assert_eq!(n["extension"]["code"], Node::str("017"));
        assert_eq!(n["extension"]["mode"], Node::str("0755"));
        assert!(n.get("y").is_some() && n.get("on").is_some(), "{n:?}");
        let again = parse(&render(&n).unwrap()).unwrap();
        assert_eq!(again, n, "{}", render(&n).unwrap());
        assert!(render(&n).unwrap().contains("017"));
    }

    #[test]
    fn empty_text_is_an_empty_mapping() {
        assert_eq!(parse("").unwrap(), Node::map());
        assert_eq!(parse("# only a comment\n").unwrap(), Node::map());
    }
}

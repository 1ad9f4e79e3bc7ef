//! A JSON document read once into flat arrays, its strings borrowed from the text: what
//! the validator's quick path dispatches, walks and checks against the schema without
//! building a `serde_json::Value` (no map per object, no `String` per unescaped string).
//!
//! The reader is strict and modest on purpose: it reads exactly the JSON that
//! [`crate::json::from_slice`] reads, and gives up ([`None`]) on everything it is not sure
//! of — a syntax error, a duplicate key, deep nesting, a very wide object — so that the
//! caller takes the full path, which reports the problem. It never accepts a text the
//! full path refuses.
//!
//! [`TapeJson`] is the document as a [`jsonschema`] instance representation
//! ([`jsonschema::json::Json`]), so a compiled schema validates it in place.

use std::borrow::Cow;

use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object};
use jsonschema::JsonType;
use serde_json::{Number, Value};

/// Deeper than this, the reader gives up (the full path reads up to serde_json's 128).
const MAX_DEPTH: usize = 64;
/// Objects wider than this are left to the full path (key lookups here are linear).
const MAX_MEMBERS: usize = 128;

/// One value of a [`Doc`].
#[derive(Debug, Clone)]
enum Item<'s> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'s, str>),
    /// Elements `elems[start..start + len]`.
    Array {
        start: u32,
        len: u32,
    },
    /// Members `members[start..start + len]`.
    Object {
        start: u32,
        len: u32,
    },
}

/// A parsed JSON document (see the module docs); node 0 is the root.
#[derive(Debug, Clone, Default)]
pub struct Doc<'s> {
    nodes: Vec<Item<'s>>,
    members: Vec<(Cow<'s, str>, u32)>,
    elems: Vec<u32>,
    root: u32,
}

impl<'s> Doc<'s> {
    /// Reads one JSON document, or `None` when the reader is not sure the text is one the
    /// full path accepts (see the module docs).
    pub fn parse(text: &'s [u8]) -> Option<Doc<'s>> {
        let text = std::str::from_utf8(text).ok()?;
        let mut doc = Doc {
            nodes: Vec::with_capacity(32),
            members: Vec::with_capacity(24),
            elems: Vec::new(),
            root: 0,
        };
        doc.root = Reader::<Borrow>::new(text).document(&mut doc)?;
        Some(doc)
    }

    /// The root node.
    pub fn root(&self) -> TapeNode<'_, 's> {
        TapeNode {
            doc: self,
            at: self.root,
        }
    }

    /// The node at a JSON pointer (`""` is the root).
    fn at_pointer(&self, pointer: &str) -> Option<u32> {
        if pointer.is_empty() {
            return Some(self.root);
        }
        let mut at = self.root;
        for token in pointer.strip_prefix('/')?.split('/') {
            let token = if token.contains('~') {
                Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(token)
            };
            let node = TapeNode { doc: self, at };
            at = match &self.nodes[at as usize] {
                Item::Object { .. } => node.member(&token)?.at,
                Item::Array { start, len } => {
                    let i: usize = token.parse().ok()?;
                    (i < *len as usize).then(|| self.elems[*start as usize + i])?
                }
                _ => return None,
            };
        }
        Some(at)
    }

    /// Reads the JSON text held by the string at `pointer` in its place (what the decoder
    /// does with a `"x-encoding": "json-string"` field). `Some(true)`: read; `Some(false)`:
    /// nothing to read there (absent, or not a string); `None`: the text is not JSON the
    /// reader is sure of.
    pub fn decode_in_place(&mut self, pointer: &str) -> Option<bool> {
        let Some(at) = self.at_pointer(pointer) else {
            return Some(false);
        };
        let Item::String(text) = &mut self.nodes[at as usize] else {
            return Some(false);
        };
        let text = std::mem::take(text);
        // The inner strings are copied: they cannot borrow the text, which goes away.
        match Reader::<Copy>::new(&text).document(self) {
            Some(root) => {
                self.nodes[at as usize] = self.nodes[root as usize].clone();
                Some(true)
            }
            None => {
                self.nodes[at as usize] = Item::String(text);
                None
            }
        }
    }
}

/// How the reader keeps a string without escapes: borrowed from the text it reads
/// ([`Borrow`]), or copied ([`Copy`], for a text that goes away before the document).
trait Keep<'t, 's> {
    fn keep(s: &'t str) -> Cow<'s, str>;
}

struct Borrow;

impl<'t: 's, 's> Keep<'t, 's> for Borrow {
    fn keep(s: &'t str) -> Cow<'s, str> {
        Cow::Borrowed(s)
    }
}

struct Copy;

impl<'s> Keep<'_, 's> for Copy {
    fn keep(s: &str) -> Cow<'s, str> {
        Cow::Owned(s.to_owned())
    }
}

/// The recursive-descent reader behind [`Doc::parse`].
struct Reader<'t, 's, K> {
    text: &'t str,
    pos: usize,
    /// Members and elements of the containers being read, moved to the document's arrays
    /// when their container ends (so that each container's are contiguous there).
    members: Vec<(Cow<'s, str>, u32)>,
    elems: Vec<u32>,
    keep: std::marker::PhantomData<K>,
}

impl<'t, 's, K: Keep<'t, 's>> Reader<'t, 's, K> {
    fn new(text: &'t str) -> Self {
        Reader {
            text,
            pos: 0,
            members: Vec::new(),
            elems: Vec::new(),
            keep: std::marker::PhantomData,
        }
    }

    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    fn skip_ws(&mut self) {
        let b = self.bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes().get(self.pos).copied()
    }

    /// The whole text as one value, nothing but whitespace after it.
    fn document(mut self, doc: &mut Doc<'s>) -> Option<u32> {
        let root = self.value(doc, 0)?;
        self.skip_ws();
        (self.pos == self.text.len()).then_some(root)
    }

    fn push(doc: &mut Doc<'s>, item: Item<'s>) -> u32 {
        doc.nodes.push(item);
        (doc.nodes.len() - 1) as u32
    }

    fn value(&mut self, doc: &mut Doc<'s>, depth: usize) -> Option<u32> {
        if depth > MAX_DEPTH {
            return None;
        }
        let item = match self.peek()? {
            b'{' => return self.object(doc, depth),
            b'[' => return self.array(doc, depth),
            b'"' => Item::String(self.string()?),
            b't' => self.word("true", Item::Bool(true))?,
            b'f' => self.word("false", Item::Bool(false))?,
            b'n' => self.word("null", Item::Null)?,
            b'-' | b'0'..=b'9' => Item::Number(self.number()?),
            _ => return None,
        };
        Some(Self::push(doc, item))
    }

    fn word(&mut self, word: &str, item: Item<'s>) -> Option<Item<'s>> {
        self.text[self.pos..].starts_with(word).then(|| {
            self.pos += word.len();
            item
        })
    }

    /// A number as serde_json reads it: `u64`, else `i64`, else `f64`.
    fn number(&mut self) -> Option<Number> {
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        if b[i] == b'-' {
            i += 1;
        }
        let digits = |mut i: usize| {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            i
        };
        let int_start = i;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i),
            _ => return None,
        }
        let int_end = i;
        let mut plain = true;
        if b.get(i) == Some(&b'.') {
            plain = false;
            let after = digits(i + 1);
            if after == i + 1 {
                return None;
            }
            i = after;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            plain = false;
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let after = digits(i);
            if after == i {
                return None;
            }
            i = after;
        }
        self.pos = i;
        let raw = &self.text[start..i];
        // Plain integers of up to 18 digits fit both types: read here. Anything else is
        // read by serde_json itself, so the number is exactly the one the full path has.
        if plain && int_end - int_start <= 18 && raw != "-0" {
            let n: u64 = raw[int_start - start..].parse().ok()?;
            return Some(if int_start > start {
                Number::from(-(n as i64))
            } else {
                Number::from(n)
            });
        }
        serde_json::from_str(raw).ok()
    }

    /// A string at `pos` (its opening quote); borrowed when it has no escape.
    fn string(&mut self) -> Option<Cow<'s, str>> {
        let b = self.bytes();
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            match *b.get(i)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                0..=0x1f => return None,
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        if escaped {
            // Escapes are read by serde_json (surrogates and all).
            serde_json::from_str::<String>(&self.text[start - 1..=i])
                .ok()
                .map(Cow::Owned)
        } else {
            Some(K::keep(&self.text[start..i]))
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    fn object(&mut self, doc: &mut Doc<'s>, depth: usize) -> Option<u32> {
        self.pos += 1;
        let mark = self.members.len();
        if self.peek()? == b'}' {
            self.pos += 1;
        } else {
            loop {
                if self.peek()? != b'"' {
                    return None;
                }
                let key = self.string()?;
                // A key twice: the full path names it.
                if self.members.len() - mark >= MAX_MEMBERS
                    || self.members[mark..].iter().any(|(k, _)| *k == key)
                {
                    return None;
                }
                self.expect(b':')?;
                let value = self.value(doc, depth + 1)?;
                self.members.push((key, value));
                match self.peek()? {
                    b',' => self.pos += 1,
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let start = doc.members.len() as u32;
        let len = (self.members.len() - mark) as u32;
        doc.members.extend(self.members.drain(mark..));
        Some(Self::push(doc, Item::Object { start, len }))
    }

    fn array(&mut self, doc: &mut Doc<'s>, depth: usize) -> Option<u32> {
        self.pos += 1;
        let mark = self.elems.len();
        if self.peek()? == b']' {
            self.pos += 1;
        } else {
            loop {
                let value = self.value(doc, depth + 1)?;
                self.elems.push(value);
                match self.peek()? {
                    b',' => self.pos += 1,
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let start = doc.elems.len() as u32;
        let len = (self.elems.len() - mark) as u32;
        doc.elems.extend(self.elems.drain(mark..));
        Some(Self::push(doc, Item::Array { start, len }))
    }
}

/// [`Doc`] as a [`jsonschema`] instance representation.
#[derive(Debug)]
pub struct TapeJson;

/// A node of a [`Doc`]: the document and the node's index (cheap to copy).
#[derive(Debug, Clone, Copy)]
pub struct TapeNode<'a, 's> {
    doc: &'a Doc<'s>,
    at: u32,
}

impl<'a, 's> TapeNode<'a, 's> {
    fn item(&self) -> &'a Item<'s> {
        &self.doc.nodes[self.at as usize]
    }

    fn node(&self, at: u32) -> Self {
        TapeNode { doc: self.doc, at }
    }

    /// The member `key` of an object node.
    pub fn member(&self, key: &str) -> Option<Self> {
        match self.item() {
            Item::Object { start, len } => self.doc.members
                [*start as usize..(*start + *len) as usize]
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, at)| self.node(*at)),
            _ => None,
        }
    }

    /// The members of an object node (none for any other node).
    pub fn members(&self) -> impl Iterator<Item = (&'a str, Self)> + use<'a, 's> {
        let range = match self.item() {
            Item::Object { start, len } => *start as usize..(*start + *len) as usize,
            _ => 0..0,
        };
        let (doc, node) = (self.doc, *self);
        doc.members[range]
            .iter()
            .map(move |(k, at)| (k.as_ref(), node.node(*at)))
    }

    /// The elements of an array node (none for any other node).
    pub fn elements(&self) -> impl Iterator<Item = Self> + use<'a, 's> {
        let range = match self.item() {
            Item::Array { start, len } => *start as usize..(*start + *len) as usize,
            _ => 0..0,
        };
        let node = *self;
        self.doc.elems[range].iter().map(move |at| node.node(*at))
    }

    /// The string of a string node.
    pub fn str(&self) -> Option<&'a str> {
        match self.item() {
            Item::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number of a number node.
    pub fn number(&self) -> Option<&'a Number> {
        match self.item() {
            Item::Number(n) => Some(n),
            _ => None,
        }
    }

    /// Whether the node is `null`.
    pub fn null(&self) -> bool {
        matches!(self.item(), Item::Null)
    }

    /// Whether the node is an object.
    pub fn is_object(&self) -> bool {
        matches!(self.item(), Item::Object { .. })
    }

    /// The node as a `serde_json::Value` (for error reports only).
    pub fn value(&self) -> Value {
        match self.item() {
            Item::Null => Value::Null,
            Item::Bool(b) => Value::Bool(*b),
            Item::Number(n) => Value::Number(n.clone()),
            Item::String(s) => Value::String(s.to_string()),
            Item::Array { .. } => Value::Array(self.elements().map(|e| e.value()).collect()),
            Item::Object { .. } => Value::Object(
                self.members()
                    .map(|(k, v)| (k.to_owned(), v.value()))
                    .collect(),
            ),
        }
    }
}

impl Json for TapeJson {
    type Node<'a> = TapeNode<'a, 'a>;
    type PreparedKey = String;
    type StringBuffer = Doc<'static>;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(
        buffer: &mut Doc<'static>,
        string: &str,
        f: impl FnOnce(<Self as Json>::Node<'_>) -> T,
    ) -> T {
        buffer.nodes.clear();
        buffer
            .nodes
            .push(Item::String(Cow::Owned(string.to_owned())));
        buffer.root = 0;
        f(buffer.root())
    }
}

/// The number of a [`TapeNode`]: serde_json's own.
#[derive(Debug, Clone, Copy)]
pub struct TapeNumber<'a>(&'a Number);

impl JsonNumber for TapeNumber<'_> {
    fn as_u64(&self) -> Option<u64> {
        self.0.as_u64()
    }
    fn as_i64(&self) -> Option<i64> {
        self.0.as_i64()
    }
    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.0.to_string())
    }
    fn to_number(&self) -> Cow<'_, Number> {
        Cow::Borrowed(self.0)
    }
}

impl<'a> Node<'a, TapeJson> for TapeNode<'a, 'a> {
    type Object = TapeNode<'a, 'a>;
    type Array = TapeNode<'a, 'a>;
    type Number = TapeNumber<'a>;

    fn as_object(&self) -> Option<Self> {
        self.is_object().then_some(*self)
    }
    fn as_array(&self) -> Option<Self> {
        matches!(self.item(), Item::Array { .. }).then_some(*self)
    }
    fn as_string(&self) -> Option<Cow<'a, str>> {
        self.str().map(Cow::Borrowed)
    }
    fn as_number(&self) -> Option<TapeNumber<'a>> {
        self.number().map(TapeNumber)
    }
    fn as_boolean(&self) -> Option<bool> {
        match self.item() {
            Item::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn is_null(&self) -> bool {
        self.null()
    }
    fn json_type(&self) -> JsonType {
        match self.item() {
            Item::Null => JsonType::Null,
            Item::Bool(_) => JsonType::Boolean,
            Item::Number(_) => JsonType::Number,
            Item::String(_) => JsonType::String,
            Item::Array { .. } => JsonType::Array,
            Item::Object { .. } => JsonType::Object,
        }
    }
    fn equals_value(&self, expected: &Value) -> bool {
        // Scalars without building a `Value` (`const` and `enum` of strings are common).
        match (self.item(), expected) {
            (Item::String(s), Value::String(e)) => s == e,
            (Item::String(_), _) => false,
            (Item::Bool(b), Value::Bool(e)) => b == e,
            (Item::Null, Value::Null) => true,
            (Item::Null | Item::Bool(_), _) => false,
            (Item::Number(n), Value::Number(_)) => {
                jsonschema::json::cmp::equal(&Value::Number(n.clone()), expected)
            }
            (Item::Number(_), _) => false,
            _ => jsonschema::json::cmp::equal(&self.value(), expected),
        }
    }
    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(self.value())
    }
    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::tagged(
            std::ptr::from_ref(self.doc) as usize,
            self.at,
        ))
    }
}

impl<'a> Object<'a, TapeJson> for TapeNode<'a, 'a> {
    type Node = TapeNode<'a, 'a>;
    type MemberName = &'a str;
    type MembersIter = Box<dyn Iterator<Item = (&'a str, TapeNode<'a, 'a>)> + 'a>;

    fn len(&self) -> usize {
        match self.item() {
            Item::Object { len, .. } => *len as usize,
            _ => 0,
        }
    }
    fn get(&self, key: &String) -> Option<Self> {
        self.member(key)
    }
    fn members(&self) -> Self::MembersIter {
        Box::new(TapeNode::members(self))
    }
}

impl<'a> Array<'a, TapeJson> for TapeNode<'a, 'a> {
    type Node = TapeNode<'a, 'a>;
    type ElementsIter = Box<dyn Iterator<Item = TapeNode<'a, 'a>> + 'a>;

    fn len(&self) -> usize {
        match self.item() {
            Item::Array { len, .. } => *len as usize,
            _ => 0,
        }
    }
    fn elements(&self) -> Self::ElementsIter {
        Box::new(TapeNode::elements(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the reader builds is what the full path's reader builds, or nothing.
    fn same(text: &str) {
        let full = crate::json::from_slice(text.as_bytes());
        if let Some(doc) = Doc::parse(text.as_bytes()) {
            assert_eq!(Ok(doc.root().value()), full, "{text}");
        }
    }

    #[test]
    fn reads_what_the_full_path_reads() {
        for text in [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-2,"g":1.5,"h":1e3}"#,
            r#" { "a" : "x\"y\u00e9\n" , "b" : [ ] , "c" : { } } "#,
            r#"[18446744073709551615, -9223372036854775808, 18446744073709551616, -0, 0.0]"#,
            r#"{"n":123456789012345678,"m":-123456789012345678,"o":1234567890123456789}"#,
            r#""\ud83d\ude00""#,
            "3",
            "{\"é\":\"ü\"}",
        ] {
            same(text);
            assert!(Doc::parse(text.as_bytes()).is_some(), "{text}");
        }
    }

    #[test]
    fn gives_up_on_what_the_full_path_refuses() {
        for text in [
            r#"{"a":1,"a":2}"#,
            r#"{"a":1,}"#,
            r#"[1,]"#,
            r#"{"a":01}"#,
            r#"{"a":1."#,
            r#"{"a":.5}"#,
            r#"{"a":"x"#,
            "{\"a\":\"\u{1}\"}",
            r#""\ud800""#,
            r#"{"a":tru}"#,
            r#"{} {}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            "",
            "   ",
        ] {
            assert!(crate::json::from_slice(text.as_bytes()).is_err(), "{text}");
            assert!(Doc::parse(text.as_bytes()).is_none(), "{text}");
        }
        assert!(Doc::parse(&[b'"', 0xff, b'"']).is_none());
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(Doc::parse(deep.as_bytes()).is_none());
    }

    #[test]
    fn json_text_in_a_string_is_read_in_place() {
        let text = r#"{"items":"[{\"a\":1},{\"b\":\"c\"}]","n":"x"}"#;
        let mut doc = Doc::parse(text.as_bytes()).unwrap();
        assert_eq!(doc.decode_in_place("/items"), Some(true));
        assert_eq!(doc.decode_in_place("/missing"), Some(false));
        assert_eq!(doc.decode_in_place("/n"), None);
        assert_eq!(
            doc.root().value(),
            serde_json::json!({"items": [{"a": 1}, {"b": "c"}], "n": "x"})
        );
        let mut dup = Doc::parse(br#"{"items":"{\"a\":1,\"a\":2}"}"#).unwrap();
        assert_eq!(dup.decode_in_place("/items"), None);
    }

    #[test]
    fn a_schema_validates_the_document_in_place() {
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 2, "enum": ["bob", "alice"]},
                "n": {"type": "integer", "maximum": 10},
                "tags": {"type": "array", "items": {"const": "x"}, "uniqueItems": true}
            },
            "required": ["name"],
            "additionalProperties": false
        });
        let validator = jsonschema::options_for::<TapeJson>()
            .build(&schema)
            .unwrap();
        let serde = jsonschema::validator_for(&schema).unwrap();
        for text in [
            r#"{"name":"bob","n":3,"tags":["x"]}"#,
            r#"{"name":"bob","n":3.0}"#,
            r#"{"name":"bob","n":11}"#,
            r#"{"name":"eve"}"#,
            r#"{"name":"bob","tags":["x","x"]}"#,
            r#"{"name":"bob","other":1}"#,
            r#"{"n":1}"#,
        ] {
            let doc = Doc::parse(text.as_bytes()).unwrap();
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                validator.is_valid(doc.root()),
                serde.is_valid(&value),
                "{text}"
            );
        }
    }
}

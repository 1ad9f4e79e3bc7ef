//! Reading JSON the way the typed decoder reads it: a key twice in one object is an error
//! naming the key and where it is, never "the last one wins" (what `serde_json::Value`
//! does, while the generated `Deserialize` impls refuse a duplicate field).

use std::fmt;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a text is not one JSON document the decoder would read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// `duplicate-key` or `json` (syntax).
    pub rule: &'static str,
    /// JSON pointer of the object with the duplicate key (empty for a syntax error).
    pub path: String,
    /// What is wrong, with the line and column.
    pub message: String,
    /// Line (1-based) of the problem.
    pub line: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses one JSON document; a duplicate key in any object is an error.
pub fn from_slice(bytes: &[u8]) -> Result<Value, ParseError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut dup = None;
    let result = Strict {
        path: &mut Vec::new(),
        dup: &mut dup,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    result.map_err(|e| match dup {
        Some((path, key)) => ParseError {
            rule: "duplicate-key",
            message: events_rt::echo_owned(format!(
                "duplicate key {key:?} in the object at {} (line {}, column {}): a key may \
                 appear once; the typed decoder refuses a duplicate field",
                if path.is_empty() { "the top" } else { &path },
                e.line(),
                e.column()
            )),
            path,
            line: e.line(),
        },
        None => ParseError {
            rule: "json",
            path: String::new(),
            message: events_rt::echo_owned(format!("not valid JSON: {e}")),
            line: e.line(),
        },
    })
}

/// [`from_slice`] of a string.
pub fn from_str(text: &str) -> Result<Value, ParseError> {
    from_slice(text.as_bytes())
}

/// A step of the path to the value being read.
enum Step {
    Key(String),
    Index(usize),
}

fn pointer(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => out = events_codegen::error::pointer_push(&out, k),
            Step::Index(i) => out = format!("{out}/{i}"),
        }
    }
    out
}

struct Strict<'a> {
    path: &'a mut Vec<Step>,
    dup: &'a mut Option<(String, String)>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            self.path.push(Step::Index(items.len()));
            let item = seq.next_element_seed(Strict {
                path: &mut *self.path,
                dup: &mut *self.dup,
            });
            self.path.pop();
            match item? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                *self.dup = Some((pointer(self.path), key.clone()));
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate key {key:?}"
                )));
            }
            self.path.push(Step::Key(key));
            let value = map.next_value_seed(Strict {
                path: &mut *self.path,
                dup: &mut *self.dup,
            });
            let Some(Step::Key(key)) = self.path.pop() else {
                unreachable!("the step pushed above")
            };
            out.insert(key, value?);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_parse_like_serde_json() {
        for text in [
            r#"{"a":1,"b":[1,2,{"c":null}],"d":-5,"e":1.5,"f":18446744073709551615}"#,
            "[]",
            "\"x\"",
            "-0",
            "1e2",
            "  {\"a\" : true }  ",
        ] {
            assert_eq!(
                from_str(text).unwrap(),
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_duplicate_key_is_an_error_naming_the_key_and_the_object() {
        let e = from_str(r#"{"order_id":"abc","order_id":5}"#).unwrap_err();
        assert_eq!(e.rule, "duplicate-key");
        assert_eq!(e.path, "");
        assert!(e.message.contains("duplicate key \"order_id\""), "{e}");
        let e = from_str("{\"a\":[{\"x\":1},\n{\"x\":1,\"y\":2,\"x\":3}]}").unwrap_err();
        assert_eq!(e.path, "/a/1");
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("\"x\"") && e.message.contains("/a/1"),
            "{e}"
        );
        let e = from_str(r#"{"m":{"a/b":{"k":1,"k":1}}}"#).unwrap_err();
        assert_eq!(e.path, "/m/a~1b");
        // The same key in two objects is no duplicate.
        assert_eq!(
            from_str(r#"{"a":{"k":1},"b":{"k":1}}"#).unwrap(),
            json!({"a":{"k":1},"b":{"k":1}})
        );
    }

    #[test]
    fn syntax_errors_keep_their_line() {
        let e = from_str("{\n\"a\": }").unwrap_err();
        assert_eq!((e.rule, e.line), ("json", 2));
        assert!(e.message.starts_with("not valid JSON"), "{e}");
        assert_eq!(from_str("{} {}").unwrap_err().rule, "json");
    }
}

//! Reading JSON the way the typed decoder reads it: a key twice in one object is an error
//! naming the key and where it is, never "the last one wins" (what `serde_json::Value`
//! does, while the generated `Deserialize` impls refuse a duplicate field).

use std::fmt;

use events_rt::unique::DuplicateKey;
use serde_json::Value;

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

/// Parses one JSON document; a duplicate key in any object is an error. The reader is the
/// typed decoder's own ([`events_rt::unique::value_from_slice`]).
pub fn from_slice(bytes: &[u8]) -> Result<Value, ParseError> {
    events_rt::unique::value_from_slice(bytes).map_err(|(e, dup)| match dup {
        Some(DuplicateKey { object, key }) => ParseError {
            rule: "duplicate-key",
            message: events_rt::echo_owned(format!(
                "duplicate key {key:?} in the object at {} (line {}, column {}): a key may \
                 appear once; the typed decoder refuses a duplicate field",
                if object.is_empty() {
                    "the top"
                } else {
                    &object
                },
                e.line(),
                e.column()
            )),
            path: object,
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

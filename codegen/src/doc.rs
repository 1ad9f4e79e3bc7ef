//! One loaded schema file and the `$ref` URIs that name places in the set: the data the
//! loader, the linter and the resolver share (kept apart so none of them depends on another).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

/// URI scheme prefix of every loaded document.
pub const URI_PREFIX: &str = "file:///";

/// Key order of every object of a JSON text, by JSON pointer.
pub type KeyOrder = HashMap<String, Vec<String>>;

/// One schema file.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Path relative to the schema root, with `/` separators.
    pub rel: String,
    /// Path as shown in messages (the root as given, joined with `rel`).
    pub file: Arc<str>,
    /// Path on disk.
    pub path: PathBuf,
    /// The document, with every `$ref` made absolute.
    pub json: Value,
    /// Key order of every object in the file, by JSON pointer. `Value` maps are sorted, and
    /// property order is field order in the generated code.
    pub key_order: KeyOrder,
}

/// Splits `file:///a/b.json#/x` into (`a/b.json`, `/x`).
pub(crate) fn split_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix(URI_PREFIX)?;
    Some(rest.split_once('#').unwrap_or((rest, "")))
}

/// A `$ref` fragment with its percent-escapes decoded (`%25` → `%`), as RFC 3986 says.
pub(crate) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Keywords whose values are data, not schemas: no `$ref` is looked for inside them.
pub const DATA_KEYWORDS: &[&str] = &[
    "const",
    "enum",
    "default",
    "examples",
    "x-event",
    "x-envelope",
];

/// Keywords whose value is an object of schemas keyed by arbitrary names: under them a key
/// is a name (a property called `default` or `enum`), never a keyword.
pub const NAMED_SCHEMAS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];

/// Where a value sits in a schema document, for walks that must tell a keyword from a
/// name: `{"properties": {"default": {"$ref": …}}}` holds a *schema* named `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// A schema (or an array of schemas): its keys are keywords.
    Schema,
    /// The object under `properties`, `$defs`, …: its keys are names, its values schemas.
    Names,
}

impl Position {
    /// The position of the value under `key` of an object at this position; `None` when it
    /// is data (`const`, `enum`, `default`, `examples`, `x-event`, `x-envelope` of a schema),
    /// which a walk for schemas skips.
    pub fn child(self, key: &str) -> Option<Position> {
        match self {
            Position::Names => Some(Position::Schema),
            Position::Schema if DATA_KEYWORDS.contains(&key) => None,
            Position::Schema if NAMED_SCHEMAS.contains(&key) => Some(Position::Names),
            Position::Schema => Some(Position::Schema),
        }
    }
}

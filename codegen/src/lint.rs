//! Strict linting of schema files: what JSON Schema would accept and silently ignore.
//!
//! Errors are mistakes with a likely fix, shown with what was written and the nearest valid
//! spelling: a misspelt keyword (`requird`, `x-encodng`), an unknown `format` (`datetime`). Warnings are what may well be
//! intended but has no effect here: any other unknown keyword (vendor extensions).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{Error, Loc};
use crate::schema::Doc;

/// The keywords of JSON Schema draft 2020-12, with those its meta-schema still accepts from
/// earlier drafts (`definitions`, `dependencies`, `$recursiveRef`, `$recursiveAnchor`).
const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
    "prefixItems",
    "items",
    "contains",
    "additionalProperties",
    "properties",
    "patternProperties",
    "dependentSchemas",
    "propertyNames",
    "if",
    "then",
    "else",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "unevaluatedItems",
    "unevaluatedProperties",
    "type",
    "const",
    "enum",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "definitions",
    "dependencies",
    "$recursiveAnchor",
    "$recursiveRef",
];

/// Our extension keywords.
const OURS: &[&str] = &["x-event", "x-envelope", "x-encoding"];

/// The fields of `x-event` and of `x-envelope`.
const EVENT_FIELDS: &[&str] = &[
    "type",
    "version",
    "stream",
    "topic",
    "producer",
    "consumers",
    "compatibility",
];
const ENVELOPE_FIELDS: &[&str] = &["type_field", "version_field", "payload", "compatibility"];

/// The formats of JSON Schema 2020-12, then those the generator maps to Rust types.
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float",
    "double",
    "unix-time",
];

/// The values of `x-encoding`.
const ENCODINGS: &[&str] = &["json-string"];

/// What the linter found.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Mistakes: the build fails.
    pub(crate) errors: Vec<Error>,
    /// Worth a look, but possibly intended.
    pub(crate) warnings: Vec<Error>,
}

/// Lints every document of a set.
pub(crate) fn lint(docs: &BTreeMap<String, Doc>) -> Findings {
    let mut linter = Linter {
        out: Findings::default(),
    };
    for doc in docs.values() {
        linter.schema(&doc.json, &Loc::file(&doc.file));
    }
    linter.out
}

/// The known word `input` most likely misspells: the same word in another case, or one
/// edit away (two for words longer than six characters; a transposition is one edit).
pub(crate) fn near_miss<'a>(input: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = input.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, &k.to_lowercase()), *k))
        .min()
        .filter(|(d, k)| *d <= if input.len().max(k.len()) <= 6 { 1 } else { 2 })
        .map(|(_, k)| k)
}

/// The known word to suggest for `input`, as a hint: a [`near_miss`], else the nearest
/// one in a looser sense (`events_rt::nearest_of`, ignoring case).
pub(crate) fn suggest<'a>(input: &str, known: &[&'a str]) -> Option<&'a str> {
    near_miss(input, known).or_else(|| events_rt::nearest_of(&input.to_lowercase(), known))
}

struct Linter {
    out: Findings,
}

impl Linter {
    fn error(&mut self, loc: Loc, message: String, hint: String) {
        self.out.errors.push(Error::new(loc, message).hint(hint));
    }

    fn warning(&mut self, loc: Loc, message: String, hint: Option<String>) {
        let w = Error::new(loc, message);
        self.out.warnings.push(match hint {
            Some(h) => w.hint(h),
            None => w,
        });
    }

    /// Lints one schema (anything else than an object has nothing to lint).
    fn schema(&mut self, schema: &Value, loc: &Loc) {
        let Value::Object(map) = schema else {
            return;
        };
        for (key, value) in map {
            let here = loc.join(key);
            match key.as_str() {
                "properties" | "patternProperties" | "$defs" | "definitions"
                | "dependentSchemas" | "dependencies" => {
                    if let Value::Object(named) = value {
                        for (name, sub) in named {
                            self.schema(sub, &here.join(name));
                        }
                    }
                }
                "items"
                | "additionalProperties"
                | "unevaluatedProperties"
                | "unevaluatedItems"
                | "contains"
                | "propertyNames"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contentSchema" => self.schema(value, &here),
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                    if let Value::Array(members) = value {
                        for (i, sub) in members.iter().enumerate() {
                            self.schema(sub, &here.join(i));
                        }
                    }
                }
                "x-event" => self.fields(value, &here, key, EVENT_FIELDS),
                "x-envelope" => self.fields(value, &here, key, ENVELOPE_FIELDS),
                "x-encoding" => self.encoding(value, &here),
                "format" => self.format(value, here),
                k if KEYWORDS.contains(&k) => {}
                _ => self.unknown_keyword(key, here),
            }
        }
    }

    fn unknown_keyword(&mut self, key: &str, loc: Loc) {
        // A vendor extension (`x-…`) can only misspell one of ours.
        let candidates: Vec<&str> = if key.starts_with("x-") {
            OURS.to_vec()
        } else {
            KEYWORDS.iter().chain(OURS).copied().collect()
        };
        if let Some(known) = near_miss(key, &candidates) {
            self.error(
                loc,
                format!("unknown keyword `{key}`"),
                format!("did you mean `{known}`?"),
            );
        } else {
            let hint =
                suggest(key, &candidates).map(|k| format!("if you meant `{k}`, fix the spelling"));
            self.warning(
                loc,
                format!("unknown keyword `{key}` is ignored (a vendor extension?)"),
                hint,
            );
        }
    }

    /// The fields of `x-event` or `x-envelope` (checking their values is the loader's job).
    fn fields(&mut self, block: &Value, loc: &Loc, name: &str, known: &[&str]) {
        let Value::Object(map) = block else {
            return;
        };
        for key in map.keys() {
            if known.contains(&key.as_str()) {
                continue;
            }
            if let Some(k) = near_miss(key, known) {
                self.error(
                    loc.join(key),
                    format!("unknown field `{key}` in `{name}`"),
                    format!("did you mean `{k}`?"),
                );
            } else {
                self.warning(
                    loc.join(key),
                    format!("unknown field `{key}` in `{name}` is ignored"),
                    Some(format!("`{name}` has {}", known.join(", "))),
                );
            }
        }
    }

    fn format(&mut self, value: &Value, loc: Loc) {
        // Anything but a string is the meta-schema's error.
        let Some(format) = value.as_str() else {
            return;
        };
        if FORMATS.contains(&format) {
            return;
        }
        let hint = match suggest(format, FORMATS) {
            Some(f) => format!("did you mean {f:?}?"),
            None => format!("known formats: {}", FORMATS.join(", ")),
        };
        self.error(loc, format!("unknown format {format:?}"), hint);
    }

    fn encoding(&mut self, value: &Value, loc: &Loc) {
        match value.as_str() {
            Some(s) if ENCODINGS.contains(&s) => {}
            Some(s) => {
                let hint = match suggest(s, ENCODINGS) {
                    Some(e) => format!("did you mean {e:?}?"),
                    None => "the only encoding is \"json-string\"".to_owned(),
                };
                self.error(loc.clone(), format!("unknown encoding {s:?}"), hint);
            }
            None => self.error(
                loc.clone(),
                format!("`x-encoding` must be a string, found {value}"),
                "the only encoding is \"json-string\"".to_owned(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses() {
        assert_eq!(near_miss("requird", KEYWORDS), Some("required"));
        assert_eq!(
            near_miss("addtionalProperties", KEYWORDS),
            Some("additionalProperties")
        );
        assert_eq!(near_miss("readonly", KEYWORDS), Some("readOnly"));
        assert_eq!(near_miss("x-encodng", OURS), Some("x-encoding"));
        // Vendor extensions of real catalogs are not near misses.
        for vendor in [
            "javaType",
            "tsType",
            "nullable",
            "discriminator",
            "propertyOrder",
            "typeof",
        ] {
            assert_eq!(near_miss(vendor, KEYWORDS), None, "{vendor}");
        }
        for vendor in ["x-deprecated", "x-go-type", "x-order", "x-title"] {
            assert_eq!(near_miss(vendor, OURS), None, "{vendor}");
        }
    }
}

//! Structure-aware field maps (Redis stream entries) through the generated decoder
//! (`events_types::Event::from_redis_fields`).
//!
//! An input is built with `arbitrary`: start from nothing or from a sample entry of one
//! event of the catalog (full, minimal or random, made by `events_check::sample`), then
//! apply edits: set, add, duplicate, remove, rename or swap fields, with keys from the
//! catalog's field names or free text and values in the spellings that matter (integer
//! edge cases, Go's `ParseBool` forms, floats, `null`, JSON fragments, event types,
//! versions, dates, free text). What decodes must re-encode to a field map that decodes to
//! an equal value, and its JSON form must decode to an equal value too.
#![no_main]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use events_check::sample::{self, Mode};
use events_check::validate::json_to_fields;
use events_types::Event;
use libfuzzer_sys::fuzz_target;

const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "-0",
    "1.0",
    "1e3",
    " 1",
    "+1",
    "0x10",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "2147483648",
    "true",
    "false",
    "t",
    "f",
    "T",
    "F",
    "TRUE",
    "FALSE",
    "True",
    "False",
    "yes",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "0.95",
    "100",
    "null",
    "NULL",
    "[]",
    "{}",
    "[{\"listing_id\":1,\"quantity\":2,\"warehouse_id\":3}]",
    "\"x\"",
    "[1,2",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00+00:00",
    "2024-02-30T00:00:00Z",
    "2024-01-01",
    "00000000-0000-0000-0000-000000000000",
    "127.0.0.1",
    "::1",
    "1.0",
    "2.0",
    "1",
    "1.0.0",
    "01.0",
    "2.3",
    "x.y",
];

struct Names {
    /// Every field name of the catalog's structs, plus the envelope's.
    fields: Vec<String>,
    event_types: Vec<String>,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let catalog = events_fuzz::validator().catalog();
        let mut fields: Vec<String> = catalog
            .types
            .values()
            .filter_map(|t| match &t.kind {
                events_codegen::ir::TypeKind::Struct(s) => {
                    Some(s.fields.iter().map(|f| f.json_name.clone()))
                }
                _ => None,
            })
            .flatten()
            .collect();
        fields.extend(["type", "version", "timestamp"].map(String::from));
        fields.sort();
        fields.dedup();
        let event_types = catalog
            .events
            .iter()
            .map(|e| e.def.event_type.clone())
            .collect();
        Names {
            fields,
            event_types,
        }
    })
}

#[derive(Debug)]
struct Input(Vec<(String, String)>);

fn key(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let n = names();
    Ok(if u.ratio(3, 4)? {
        n.fields[u.choose_index(n.fields.len())?].clone()
    } else {
        u.arbitrary()?
    })
}

fn value(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    Ok(match u.int_in_range(0..=6)? {
        0 | 1 => VALUES[u.choose_index(VALUES.len())?].to_owned(),
        2 => u.arbitrary::<i64>()?.to_string(),
        3 => u.arbitrary::<f64>()?.to_string(),
        4 => {
            let n = names();
            n.event_types[u.choose_index(n.event_types.len())?].clone()
        }
        _ => u.arbitrary()?,
    })
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let catalog = events_fuzz::validator().catalog();
        let mut fields = match u.int_in_range(0..=4)? {
            0 => Vec::new(),
            base => {
                let event = &catalog.events[u.choose_index(catalog.events.len())?];
                let mode = match base {
                    1 => Mode::Full,
                    2 => Mode::Minimal,
                    _ => Mode::Random(u.arbitrary()?),
                };
                json_to_fields(&sample::instance(catalog, event, mode))
            }
        };
        for _ in 0..u.int_in_range(0..=6)? {
            let len = fields.len();
            match u.int_in_range(0..=5)? {
                0 if len > 0 => {
                    let i = u.choose_index(len)?;
                    fields[i].1 = value(u)?;
                }
                1 if len > 0 => {
                    fields.remove(u.choose_index(len)?);
                }
                2 if len > 0 => {
                    let i = u.choose_index(len)?;
                    let dup = (fields[i].0.clone(), value(u)?);
                    fields.push(dup);
                }
                3 if len > 0 => {
                    let i = u.choose_index(len)?;
                    fields[i].0 = key(u)?;
                }
                4 if len > 1 => {
                    let (i, j) = (u.choose_index(len)?, u.choose_index(len)?);
                    fields.swap(i, j);
                }
                _ => fields.push((key(u)?, value(u)?)),
            }
        }
        Ok(Input(fields))
    }
}

fuzz_target!(|input: Input| {
    let fields = input.0;
    let Ok(event) = Event::from_redis_fields(&fields) else {
        return;
    };
    let encoded = event.to_redis_fields().unwrap_or_else(|e| {
        panic!("a decoded event does not re-encode: {e}\n  fields: {fields:?}")
    });
    let again = Event::from_redis_fields(&encoded).unwrap_or_else(|e| {
        panic!("re-encoded field map does not decode: {e}\n  input: {fields:?}\n  re-encoded: {encoded:?}")
    });
    assert_eq!(
        event, again,
        "field-map round trip changed the event\n  input: {fields:?}"
    );
    let json = serde_json::to_vec(&event).expect("a decoded event encodes as JSON");
    let from_json = Event::from_json(&json).unwrap_or_else(|e| {
        panic!(
            "the event's JSON does not decode: {e}\n  input: {fields:?}\n  json: {}",
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(
        event, from_json,
        "field map -> JSON -> event changed the event"
    );
});

//! The validator's quick path ([`Validator::accepts`]: one read into a borrowed document,
//! validated in place) against its full path ([`Validator::validate_owned`] of the
//! `serde_json::Value`): it may say "not sure" of anything, but it never calls valid a
//! document the full path reports, and it is sure of the valid samples of the seed catalog
//! (else the fast route `events validate` counts on is silently gone).
//!
//! The documents: samples of every event of the repository's schemas and of the generator's
//! fixtures (full, minimal, random), each with every value in turn replaced by hostile ones
//! (other types, integer spellings serde_json reads as floats, out-of-range integers, JSON
//! text with a duplicate key in json-string fields, bad dates), every member removed, an
//! unknown member added, and a duplicate key at the top.

use std::path::Path;

use events_check::input::{quick_valid, FormHint};
use events_check::sample::{self, Mode};
use events_check::validate::Validator;
use events_codegen::SchemaSet;
use serde_json::{json, Value};

/// Values put in place of each value of a sample.
fn replacements() -> Vec<Value> {
    vec![
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.0),
        json!(1.5),
        json!(255),
        json!(256),
        json!(-129),
        json!(65_536),
        json!(4_294_967_296_u64),
        json!(9_223_372_036_854_775_808_u64),
        json!(""),
        json!("x"),
        json!("2025-13-45T99:00:00Z"),
        json!("[{\"a\":1,\"a\":2}]"),
        json!("{\"listing_id\":1}"),
        json!("not json"),
        json!([]),
        json!([1, "a"]),
        json!({}),
        json!({"a": 1}),
    ]
}

/// Number spellings written into the text in place of a value.
const SPELLINGS: &[&str] = &[
    "1e2",
    "1E+2",
    "-0",
    "0.0",
    "1.0e0",
    "18446744073709551616",
    "-9223372036854775809",
    "12345678901234567890",
    "1.5e300",
];

/// The JSON pointers of every value in `doc`.
fn pointers(doc: &Value, at: String, out: &mut Vec<String>) {
    match doc {
        Value::Object(m) => {
            for (k, v) in m {
                pointers(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// The texts made from one sample (see the module docs).
fn variants(doc: &Value) -> Vec<String> {
    let mut out = vec![doc.to_string()];
    let mut places = Vec::new();
    pointers(doc, String::new(), &mut places);
    for p in places.iter().filter(|p| !p.is_empty()) {
        for r in replacements() {
            let mut d = doc.clone();
            *d.pointer_mut(p).expect("a pointer of the document") = r;
            out.push(d.to_string());
        }
        let mut d = doc.clone();
        *d.pointer_mut(p).expect("a pointer of the document") = json!("\u{1}spelling");
        let text = d.to_string();
        for s in SPELLINGS {
            out.push(text.replace("\"\\u0001spelling\"", s));
        }
        // Removed.
        let (parent, key) = p.rsplit_once('/').expect("a member or an item");
        let mut d = doc.clone();
        match d.pointer_mut(parent) {
            Some(Value::Object(m)) => {
                m.remove(&key.replace("~1", "/").replace("~0", "~"));
            }
            Some(Value::Array(items)) => {
                items.remove(key.parse::<usize>().expect("an index"));
            }
            _ => {}
        }
        out.push(d.to_string());
    }
    for p in &places {
        if let Some(Value::Object(m)) = doc.clone().pointer_mut(p) {
            m.insert("zz_unknown".into(), json!(1));
            let mut d = doc.clone();
            *d.pointer_mut(p).expect("a pointer of the document") = Value::Object(m.clone());
            out.push(d.to_string());
        }
    }
    // A key twice at the top: the first member written again in front.
    if let Some((k, v)) = doc.as_object().and_then(|m| m.iter().next()) {
        let text = doc.to_string();
        out.push(format!("{{{}:{},{}", json!(k), v, &text[1..]));
    }
    out
}

/// Checks every variant of every sample of the set in `dir`; returns (documents, accepted by
/// the quick path, valid on the full path, valid samples the quick path was not sure of).
fn check_set(dir: &Path) -> (usize, usize, usize, Vec<String>) {
    let set = SchemaSet::load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let validator = Validator::new(&set).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let catalog = validator.catalog();
    let (mut docs, mut accepted, mut valid) = (0, 0, 0);
    let mut unsure = Vec::new();
    for event in &catalog.events {
        let modes = [Mode::Full, Mode::Minimal]
            .into_iter()
            .chain((1..=6).map(Mode::Random));
        for mode in modes {
            let sample = sample::instance(catalog, event, mode);
            for (i, text) in variants(&sample).into_iter().enumerate() {
                docs += 1;
                let quick = validator.accepts(text.as_bytes());
                let full = match events_check::json::from_slice(text.as_bytes()) {
                    Ok(v) => validator.validate_owned(v),
                    Err(_) => {
                        assert!(
                            !quick,
                            "the quick path accepts text that does not read: {text}"
                        );
                        continue;
                    }
                };
                if quick {
                    accepted += 1;
                    assert!(
                        full.is_valid(),
                        "{}: the quick path accepts a document the full path reports:\n{text}\n{}",
                        dir.display(),
                        full.summary()
                    );
                }
                if full.is_valid() {
                    valid += 1;
                    if i == 0 && !quick {
                        unsure.push(text);
                    }
                }
            }
        }
    }
    (docs, accepted, valid, unsure)
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_seed_catalog_never_accepted_wrongly_and_its_samples_all_quick() {
    let (docs, accepted, valid, unsure) = check_set(&root().join("schemas"));
    eprintln!("seed catalog: {docs} documents, {valid} valid, {accepted} accepted quickly");
    assert!(
        unsure.is_empty(),
        "valid samples the quick path is not sure of: {unsure:#?}"
    );
    // Most valid variants are taken on the quick path too.
    assert!(accepted * 10 >= valid * 9, "{accepted} of {valid}");
}

#[test]
fn the_generator_fixtures_never_accepted_wrongly() {
    let fixtures = root().join("codegen/tests/fixtures");
    for name in ["constructs", "nested_version", "versioned", "hostile_names"] {
        let (docs, accepted, valid, _) = check_set(&fixtures.join(name));
        eprintln!("{name}: {docs} documents, {valid} valid, {accepted} accepted quickly");
        assert!(accepted > 0, "{name}: the quick path took none");
    }
}

#[test]
fn field_maps_and_cloudevents_are_left_to_the_full_path() {
    let set = SchemaSet::load(&root().join("schemas")).expect("schemas");
    let validator = Validator::new(&set).expect("validator");
    let event = &validator.catalog().events[0];
    let doc = sample::instance(validator.catalog(), event, Mode::Full);
    let text = doc.to_string();
    assert!(quick_valid(&validator, text.as_bytes(), FormHint::Auto));
    assert!(quick_valid(&validator, text.as_bytes(), FormHint::Json));
    assert!(!quick_valid(&validator, text.as_bytes(), FormHint::Fields));
    let mut ce = doc.clone();
    ce.as_object_mut()
        .expect("an object")
        .insert("specversion".into(), json!("1.0"));
    assert!(!quick_valid(
        &validator,
        ce.to_string().as_bytes(),
        FormHint::Auto
    ));
    let strings = json!({"type": event.def.event_type, "a": "b"});
    assert!(!quick_valid(
        &validator,
        strings.to_string().as_bytes(),
        FormHint::Auto
    ));
}

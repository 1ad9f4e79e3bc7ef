//! Inputs found by the fuzz targets (`fuzz/`, README "Fuzzing"), minimized, that crashed
//! code of this crate. Each must now finish without a panic or a stack overflow.

use std::path::Path;

use events_check::sample::{self, Mode};
use events_check::validate::Validator;
use events_codegen::SchemaSet;
use serde_json::{json, Value};

/// Writes a schema set (the envelope of the repository's schemas plus `event`, an event
/// file `a.b.v1.json`) and returns its directory.
fn set_with(event: Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let envelope = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/envelope.json"),
    )
    .expect("the repository's envelope");
    std::fs::write(dir.path().join("envelope.json"), envelope).expect("write envelope");
    let mut event = event;
    let doc = event.as_object_mut().expect("an event is an object");
    doc.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    doc.insert("description".into(), json!("A recursive event."));
    doc.insert(
        "x-event".into(),
        json!({"type": "a.b", "version": "1.0", "stream": "a:events", "producer": "p", "consumers": []}),
    );
    doc.insert("type".into(), json!("object"));
    std::fs::write(
        dir.path().join("a.b.v1.json"),
        serde_json::to_string_pretty(&event).expect("JSON"),
    )
    .expect("write event");
    dir
}

/// Writes `files` (relative path, document) into a new directory.
fn set_of(files: &[(&str, Value)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, doc) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, serde_json::to_string_pretty(doc).expect("JSON")).expect("write");
    }
    dir
}

/// Samples every event of the set in every mode and validates the samples: the number of
/// documents sampled, or the loader's (or the validator's) errors when it refuses the set.
fn sample_all(dir: &Path) -> Result<usize, String> {
    let set = SchemaSet::load(dir).map_err(|e| e.to_string())?;
    let validator = Validator::new(&set).map_err(|e| e.to_string())?;
    let catalog = validator.catalog();
    let mut sampled = 0;
    for event in &catalog.events {
        for mode in [Mode::Full, Mode::Minimal, Mode::Random(1), Mode::Random(2)] {
            let doc = sample::instance(catalog, event, mode);
            let _ = validator.validate(&doc);
            sampled += 1;
        }
    }
    Ok(sampled)
}

/// The set is refused with a located error that says `why`.
#[track_caller]
fn refused(outcome: Result<usize, String>, file: &str, why: &str) {
    match outcome {
        Err(e) => assert!(e.contains(file) && e.contains(why), "{e}"),
        Ok(n) => panic!("loaded and sampled {n} documents; expected a refusal: {why}"),
    }
}

/// The set loads and every event was sampled in every mode.
#[track_caller]
fn sampled(outcome: Result<usize, String>, events: usize) {
    match outcome {
        Ok(n) => assert_eq!(n, events * 4),
        Err(e) => panic!("refused: {e}"),
    }
}

/// `schema_codegen` crash-3ab5eb6e…, as found: an event (major 3, nested payload, a
/// nested version field) whose required property `Address` is the event itself
/// (`"$ref": "#"`) passes the loader today and has no finite instance: the sampler
/// recursed until the stack overflowed. The loader now refuses it, naming the loop
/// (issue 11, class 1); `recursive_definitions_that_load_are_sampled` runs the sampler on
/// the recursion the loader takes.
#[test]
fn found_a_required_property_referring_to_its_own_event() {
    let dir = set_of(&[
        (
            "envelope.json",
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "description": "Envelope.",
                "properties": {
                    "data": {"description": "Payload.", "type": "object"},
                    "metadata": {"description": "Header.", "type": "object",
                                 "properties": {"version": {"description": "Version.", "type": "string"}}},
                    "timestamp": {"description": "When.", "format": "unix-time", "type": "integer"},
                    "type": {"description": "The type.", "type": "string"}
                },
                "required": ["type"],
                "type": "object",
                "x-envelope": {"payload": {"field": "data"}, "type_field": "type",
                               "version_field": "metadata.version"}
            }),
        ),
        (
            "common/defs.json",
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "description": "Shared.",
                "$defs": {"price": {"description": "A field.", "type": "object",
                                    "additionalProperties": {"description": "A field.", "type": "integer"}}}
            }),
        ),
        (
            "events/order.cancelled.v3.json",
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"order_id": {"$ref": "#", "description": "A field."}},
                "additionalProperties": true,
                "description": "Tab\tand trailing space ",
                "properties": {
                    "Address": {"$ref": "#", "description": "A field."},
                    "id": {"description": "Tab\tand trailing space ", "pattern": "^[A-Z]{3}$", "type": "string"},
                    "order_id": {"$ref": "../common/defs.json#/$defs/price", "description": "A field."}
                },
                "required": ["Address", "order_id"],
                "type": "object",
                "x-event": {"consumers": ["a", "b"], "producer": "fuzz", "topic": "order.cancelled:events",
                            "type": "order.cancelled", "version": "3.1"}
            }),
        ),
    ]);
    refused(
        sample_all(dir.path()),
        "order.cancelled.v3.json",
        "has no finite value",
    );
}

/// The same loop with a flat payload (the loader finds it today).
#[test]
fn a_required_property_referring_to_its_own_event() {
    let dir = set_with(json!({
        "properties": {"next": {"description": "Itself.", "$ref": "#"}},
        "required": ["next"],
        "additionalProperties": false
    }));
    refused(
        sample_all(dir.path()),
        "a.b.v1.json",
        "two different schemas both become the Rust type ABV1",
    );
}

/// The same loop through a `$defs` entry that requires itself.
#[test]
fn a_definition_that_requires_itself() {
    let dir = set_with(json!({
        "$defs": {"Node": {
            "description": "A node.", "type": "object",
            "properties": {"child": {"description": "The child.", "$ref": "#/$defs/Node"}},
            "required": ["child"]
        }},
        "properties": {"root": {"description": "The root.", "$ref": "#/$defs/Node"}},
        "required": ["root"]
    }));
    refused(sample_all(dir.path()), "/$defs/Node", "has no finite value");
}

/// Two definitions that require each other.
#[test]
fn two_definitions_that_require_each_other() {
    let dir = set_with(json!({
        "$defs": {
            "A": {"description": "A.", "type": "object",
                  "properties": {"b": {"description": "B.", "$ref": "#/$defs/B"}}, "required": ["b"]},
            "B": {"description": "B.", "type": "object",
                  "properties": {"a": {"description": "A.", "$ref": "#/$defs/A"}}, "required": ["a"]}
        },
        "properties": {"a": {"description": "A.", "$ref": "#/$defs/A"}},
        "required": ["a"]
    }));
    refused(sample_all(dir.path()), "/$defs/A", "has no finite value");
}

/// An optional self-reference to the event's own root: the root would be a second type of
/// the event's name, which the loader refuses (the sampler's bound on such a recursion is
/// `recursive_definitions_that_load_are_sampled`).
#[test]
fn an_optional_property_referring_to_its_own_event() {
    let dir = set_with(json!({
        "properties": {
            "next": {"description": "Itself.", "$ref": "#"},
            "id": {"description": "Id.", "type": "integer"}
        },
        "required": ["id"]
    }));
    refused(
        sample_all(dir.path()),
        "a.b.v1.json",
        "two different schemas both become the Rust type ABV1",
    );
}

/// Found by `validate_payload` (10 minutes, differential on): a key twice inside JSON
/// carried in a string (`x-encoding: json-string`) was last-wins for the validator, an
/// error for the typed decoder. Now both refuse it.
#[test]
fn a_key_twice_inside_json_in_a_string_is_refused() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let set = events_codegen::SchemaSet::load(&dir).unwrap();
    let validator = events_check::validate::Validator::new(&set).unwrap();
    let payload = |items: &str| {
        serde_json::json!({
            "type": "order.created", "version": "1.0", "timestamp": 1_734_825_600,
            "order_id": 1, "storefront_id": 2, "buyer_id": 3, "items": items,
        })
    };
    let once = r#"[{"listing_id":1,"quantity":2,"warehouse_id":3}]"#;
    assert!(validator.validate(&payload(once)).is_valid());
    for twice in [
        r#"[{"listing_id":1,"quantity":2,"warehouse_id":3,"quantity":2}]"#,
        r#"[{"listing_id":1,"quantity":2,"warehouse_id":3},{"listing_id":1,"listing_id":1,"quantity":2,"warehouse_id":3}]"#,
    ] {
        let report = validator.validate(&payload(twice));
        assert!(
            report.violations.iter().any(|v| v.path == "/items"
                && v.rule == "x-encoding"
                && (v.message.contains("twice") || v.message.contains("duplicate"))),
            "{report:?}"
        );
    }
}

/// The sampler on a recursive definition the loader takes (an optional self-reference
/// through `$defs`, and one through an array): bounded, in every mode, and each sample
/// validates.
#[test]
fn recursive_definitions_that_load_are_sampled() {
    let dir = set_with(json!({
        "$defs": {"Node": {
            "description": "A node.", "type": "object",
            "properties": {
                "next": {"description": "The next one.", "$ref": "#/$defs/Node"},
                "children": {"description": "Children.", "type": "array", "items": {"$ref": "#/$defs/Node"}},
                "id": {"description": "Id.", "type": "integer"}
            },
            "required": ["id"]
        }},
        "properties": {"root": {"description": "The root.", "$ref": "#/$defs/Node"}},
        "required": ["root"]
    }));
    let set = SchemaSet::load(dir.path()).unwrap();
    let validator = Validator::new(&set).unwrap();
    let catalog = validator.catalog();
    for event in &catalog.events {
        for mode in [Mode::Full, Mode::Minimal, Mode::Random(1), Mode::Random(2)] {
            let doc = sample::instance(catalog, event, mode);
            assert!(doc["root"]["id"].is_i64(), "{doc}");
        }
    }
    sampled(sample_all(dir.path()), 1);
}

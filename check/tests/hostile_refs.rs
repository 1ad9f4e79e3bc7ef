//! Reference loops and keyword-named properties (issue 11) in the checking side: the
//! validator, the sampler and the diff engine terminate with a located error or a result.

use std::path::Path;

use events_check::diff::diff_event;
use events_check::evolve::check;
use events_check::sample::{instance, Mode};
use events_check::validate::Validator;
use events_codegen::SchemaSet;
use serde_json::json;

const ENVELOPE: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-envelope": { "type_field": "type", "payload": "flat" },
  "type": "object",
  "properties": { "type": { "type": "string" } },
  "required": ["type"]
}"#;

fn set_dir(properties: &str, defs: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let event = format!(
        r#"{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-event": {{ "type": "a.b", "version": "1.0", "stream": "s", "producer": "p", "consumers": [] }},
  "type": "object",
  "properties": {properties},
  "$defs": {defs}
}}"#
    );
    write(tmp.path(), "envelope.json", ENVELOPE);
    write(tmp.path(), "a/a.b.v1.json", &event);
    tmp
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Loop variants: two references, a self-reference, `allOf` only, `oneOf`/`anyOf` only,
/// and a loop reached through a property named like a keyword.
const LOOPS: &[(&str, &str)] = &[
    (
        r##"{ "x": { "$ref": "#/$defs/A" } }"##,
        r##"{ "A": { "$ref": "#/$defs/B" }, "B": { "$ref": "#/$defs/A" } }"##,
    ),
    (
        r##"{ "x": { "$ref": "#/$defs/A" } }"##,
        r##"{ "A": { "$ref": "#/$defs/A" } }"##,
    ),
    (
        r##"{ "x": { "$ref": "#/$defs/A" } }"##,
        r##"{ "A": { "allOf": [{ "$ref": "#/$defs/B" }] }, "B": { "allOf": [{ "$ref": "#/$defs/A" }] } }"##,
    ),
    (
        r##"{ "x": { "$ref": "#/$defs/A" } }"##,
        r##"{ "A": { "oneOf": [{ "$ref": "#/$defs/B" }, { "type": "string" }] }, "B": { "anyOf": [{ "$ref": "#/$defs/A" }, { "type": "integer" }] } }"##,
    ),
    (
        r##"{ "default": { "$ref": "#/$defs/A" } }"##,
        r##"{ "A": { "$ref": "#/$defs/B" }, "B": { "$ref": "#/$defs/A" } }"##,
    ),
];

#[test]
fn a_loop_is_refused_by_the_loader_so_every_command_refuses_it() {
    for (props, defs) in LOOPS {
        let dir = set_dir(props, defs);
        let e = SchemaSet::load(dir.path()).expect_err(defs).to_string();
        assert!(
            e.contains("a.b.v1.json") && e.contains("loop"),
            "{defs}: {e}"
        );
    }
}

#[test]
fn an_old_revision_with_a_loop_is_compared_and_validated_without_overflow() {
    for (props, defs) in LOOPS {
        // `events check` reads the old revision leniently: it loads, and the traversals
        // of the diff engine and the validator must stop on the loop.
        let dir = set_dir(props, defs);
        let old = SchemaSet::load_lenient(dir.path()).unwrap();
        let e = match Validator::new(&old) {
            Ok(_) => panic!("{defs}: a loop has no validator"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains("loop"), "{e}");
        let checks = check(&old, &old, None, &[]);
        assert_eq!(checks.len(), 1);
        let changed = set_dir(&props.replace("}", r#"}, "y": { "type": "string" }"#), defs);
        let new = SchemaSet::load_lenient(changed.path()).unwrap();
        let changes = diff_event(&old, "a/a.b.v1.json", &new, "a/a.b.v1.json", "a.b");
        assert!(!changes.is_empty(), "{defs}");
    }
}

#[test]
fn recursive_types_are_sampled_and_validated() {
    let dir = set_dir(
        r##"{ "root": { "$ref": "#/$defs/Node" } }"##,
        r##"{ "Node": { "type": "object",
               "properties": {
                 "children": { "type": "array", "items": { "$ref": "#/$defs/Node" } },
                 "parent": { "$ref": "#/$defs/Node" }
               },
               "required": ["children"] } }"##,
    );
    let set = SchemaSet::load(dir.path()).unwrap();
    let validator = Validator::new(&set).unwrap();
    let catalog = validator.catalog();
    for mode in [Mode::Minimal, Mode::Full] {
        let doc = instance(catalog, &catalog.events[0], mode);
        assert!(validator.validate(&doc).is_valid(), "{doc}");
    }
    let deep = json!({"type": "a.b", "root": {"children": [{"children": [], "parent": {"children": [{"children": 1}]}}]}});
    assert!(!validator.validate(&deep).is_valid());
}

#[test]
fn a_ref_under_a_keyword_named_property_is_validated() {
    for name in ["default", "const", "enum", "examples"] {
        let dir = set_dir(
            &format!(r##"{{ "{name}": {{ "$ref": "#/$defs/Money" }} }}"##),
            r#"{ "Money": { "type": "object", "properties": { "cents": { "type": "integer" } }, "required": ["cents"] } }"#,
        );
        let set = SchemaSet::load(dir.path()).unwrap();
        let validator = Validator::new(&set).unwrap();
        assert!(validator
            .validate(&json!({"type": "a.b", name: {"cents": 5}}))
            .is_valid());
        let report = validator.validate(&json!({"type": "a.b", name: {"cents": "five"}}));
        assert!(!report.is_valid(), "{name}: a wrong `cents` passed");
    }
}

//! Hostile schema sets (issue 11): reference loops, keyword-named properties, identifiers.
//! Each gives a located error or code that compiles; never a panic, an abort or a hang.

use events_codegen::{Config, SchemaSet};

mod common;
use common::{assert_has, errors_of, set_of};

/// An event file `a.b.v1.json` with these properties and `$defs`.
fn event(properties: &str, defs: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-event": {{ "type": "a.b", "version": "1.0", "stream": "s", "producer": "p", "consumers": [] }},
  "type": "object",
  "properties": {properties},
  "$defs": {defs}
}}"#
    )
}

fn generated(files: &[(&str, String)]) -> String {
    let tmp = set_of(files);
    match Config::new().generate(tmp.path()) {
        Ok(code) => code,
        Err(e) => panic!("expected code, got:\n{e}"),
    }
}

// ---------------------------------------------------------------------------------------
// Class 1: reference loops with no object in between.

#[test]
fn two_refs_naming_each_other_are_a_located_loop() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            r##"{ "x": { "$ref": "#/$defs/A" } }"##,
            r##"{ "A": { "$ref": "#/$defs/B" }, "B": { "$ref": "#/$defs/A" } }"##,
        ),
    )]);
    assert_has(&e, &["<dir>/a/a.b.v1.json", "`$ref` loop", "$defs/A"]);
}

#[test]
fn a_self_reference_is_a_located_loop() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            r##"{ "x": { "$ref": "#/$defs/Me" } }"##,
            r##"{ "Me": { "$ref": "#/$defs/Me" } }"##,
        ),
    )]);
    assert_has(&e, &["<dir>/a/a.b.v1.json", "`$ref` loop", "$defs/Me"]);
}

#[test]
fn a_loop_across_three_files_names_each_file() {
    let def = |name: &str, target: &str| {
        format!(
            r#"{{ "$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {{ "{name}": {{ "$ref": "{target}" }} }} }}"#
        )
    };
    let e = errors_of(&[
        (
            "a/a.b.v1.json",
            event(
                r#"{ "x": { "$ref": "../defs/one.json#/$defs/One" } }"#,
                "{}",
            ),
        ),
        ("defs/one.json", def("One", "two.json#/$defs/Two")),
        ("defs/two.json", def("Two", "three.json#/$defs/Three")),
        ("defs/three.json", def("Three", "one.json#/$defs/One")),
    ]);
    assert_has(&e, &["`$ref` loop", "one.json", "two.json", "three.json"]);
}

#[test]
fn a_loop_through_all_of_only_is_a_located_error() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            r##"{ "x": { "$ref": "#/$defs/A" } }"##,
            r##"{ "A": { "allOf": [{ "$ref": "#/$defs/B" }] }, "B": { "allOf": [{ "$ref": "#/$defs/A" }] } }"##,
        ),
    )]);
    assert_has(&e, &["<dir>/a/a.b.v1.json", "loop", "$defs/A"]);
}

#[test]
fn a_loop_through_one_of_only_is_a_located_error() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            r##"{ "x": { "$ref": "#/$defs/A" } }"##,
            r##"{ "A": { "oneOf": [{ "$ref": "#/$defs/B" }, { "type": "string" }] },
                 "B": { "anyOf": [{ "$ref": "#/$defs/A" }, { "type": "integer" }] } }"##,
        ),
    )]);
    assert_has(&e, &["<dir>/a/a.b.v1.json", "loop"]);
}

#[test]
fn a_schema_that_is_its_own_all_of_member_is_a_located_error() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            r##"{ "x": { "$ref": "#/$defs/Root" } }"##,
            r##"{ "Root": { "allOf": [{ "$ref": "#/$defs/Root" }] } }"##,
        ),
    )]);
    assert_has(&e, &["<dir>/a/a.b.v1.json", "loop", "$defs/Root"]);
}

#[test]
fn a_loop_in_a_property_named_like_a_keyword_is_found() {
    for name in ["default", "enum", "const", "examples", "$ref", "properties"] {
        let e = errors_of(&[(
            "a/a.b.v1.json",
            event(
                &format!(r##"{{ "{name}": {{ "$ref": "#/$defs/A" }} }}"##),
                r##"{ "A": { "$ref": "#/$defs/B" }, "B": { "$ref": "#/$defs/A" } }"##,
            ),
        )]);
        assert_has(&e, &["<dir>/a/a.b.v1.json", "`$ref` loop"]);
    }
}

#[test]
fn a_required_field_cycle_has_no_finite_value_and_is_refused() {
    // `A` needs an `A`: no document is ever valid, and a derived `Default` would recurse.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            r##"{ "x": { "$ref": "#/$defs/A" } }"##,
            r##"{ "A": { "type": "object", "properties": { "next": { "$ref": "#/$defs/A" } }, "required": ["next"] } }"##,
        ),
    )]);
    assert_has(&e, &["<dir>/a/a.b.v1.json", "$defs/A", "no finite value"]);
}

#[test]
fn recursive_types_rust_can_express_are_generated_and_boxed() {
    let code = generated(&[(
        "a/a.b.v1.json",
        event(
            r##"{ "root": { "$ref": "#/$defs/Node" } }"##,
            r##"{ "Node": { "type": "object",
                 "properties": {
                   "name": { "type": "string" },
                   "children": { "type": "array", "items": { "$ref": "#/$defs/Node" } },
                   "parent": { "$ref": "#/$defs/Node" },
                   "by_name": { "type": "object", "additionalProperties": { "$ref": "#/$defs/Node" } }
                 },
                 "required": ["name", "children"] } }"##,
        ),
    )]);
    assert!(
        code.contains("pub children: ::std::vec::Vec<Node>"),
        "{code}"
    );
    assert!(
        code.contains("pub parent: ::std::option::Option<::std::boxed::Box<Node>>"),
        "{code}"
    );
}

// ---------------------------------------------------------------------------------------
// Class 9: properties named like keywords are schemas, checked like any other.

#[test]
fn a_dangling_ref_under_a_keyword_named_property_is_reported() {
    for name in [
        "default",
        "const",
        "enum",
        "examples",
        "x-event",
        "x-envelope",
    ] {
        let e = errors_of(&[(
            "a/a.b.v1.json",
            event(
                &format!(r##"{{ "{name}": {{ "$ref": "#/$defs/Missing" }} }}"##),
                r#"{ "Present": { "type": "string" } }"#,
            ),
        )]);
        assert_has(
            &e,
            &[
                "<dir>/a/a.b.v1.json",
                &format!(": /properties/{name}/$ref "),
                "points to nothing",
            ],
        );
    }
}

#[test]
fn a_dangling_ref_under_keyword_named_defs_and_nested_properties_is_reported() {
    // `$defs/default`, a property `enum` of a property `const`, a `patternProperties` key.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            r##"{ "x": { "$ref": "#/$defs/default" },
                 "const": { "type": "object", "properties": { "enum": { "$ref": "../nowhere.json" } } } }"##,
            r##"{ "default": { "type": "object", "properties": { "examples": { "$ref": "#/$defs/Nope" } } } }"##,
        ),
    )]);
    assert_has(
        &e,
        &[
            ": /$defs/default/properties/examples/$ref ",
            "points to nothing",
        ],
    );
    assert_has(
        &e,
        &[
            ": /properties/const/properties/enum/$ref ",
            "not in the schema directory",
        ],
    );
}

#[test]
fn a_ref_under_a_keyword_named_property_is_resolved_and_typed() {
    let code = generated(&[
        (
            "a/a.b.v1.json",
            event(
                r#"{ "default": { "$ref": "../defs/money.json#/$defs/Money" },
                    "enum": { "type": "array", "items": { "$ref": "../defs/money.json#/$defs/Money" } } }"#,
                "{}",
            ),
        ),
        (
            "defs/money.json",
            r#"{ "$schema": "https://json-schema.org/draft/2020-12/schema",
                 "$defs": { "Money": { "type": "object", "properties": { "cents": { "type": "integer" } }, "required": ["cents"] } } }"#
                .to_owned(),
        ),
    ]);
    assert!(
        code.contains("pub default: ::std::option::Option<Money>"),
        "{code}"
    );
    assert!(
        code.contains("pub r#enum: ::std::option::Option<::std::vec::Vec<Money>>"),
        "{code}"
    );
}

#[test]
fn data_keywords_stay_data() {
    // A `default` value that looks like a schema with a bad `$ref` is data, not a reference.
    let tmp = set_of(&[(
        "a/a.b.v1.json",
        event(
            r##"{ "x": { "type": "object", "default": { "$ref": "#/nowhere" } } }"##,
            "{}",
        ),
    )]);
    SchemaSet::load(tmp.path()).unwrap();
}

// ---------------------------------------------------------------------------------------
// Class 3: identifiers and texts.

const HOSTILE_NAMES: &[&str] = &[
    "x²",
    "1abc",
    "type",
    "self",
    "Self",
    "super",
    "crate",
    "_",
    "",
    "цена",
    "価格",
    "é",
    "e\u{301}",
    "\u{202e}abc",
    "a b",
    "💥",
    "r#type",
    "0",
    "-",
    "extra",
    "Event",
    "EventType",
    "Envelope",
    "\r",
    "*/",
    "```",
];

#[test]
fn every_hostile_name_gives_code_or_a_located_error_never_a_panic() {
    for name in HOSTILE_NAMES {
        let quoted = serde_json::to_string(name).unwrap();
        let positions = [
            // a property, an enum value, a `$defs` entry, a `title`, an object's property
            (
                format!(r#"{{ {quoted}: {{ "type": "string" }} }}"#),
                "{}".to_owned(),
            ),
            (
                format!(r#"{{ "e": {{ "enum": [{quoted}, "other"] }} }}"#),
                "{}".to_owned(),
            ),
            (
                format!(
                    r#"{{ "d": {{ "$ref": {} }} }}"#,
                    serde_json::to_string(&format!(
                        "#/$defs/{}",
                        name.replace('~', "~0").replace('/', "~1")
                    ))
                    .unwrap()
                ),
                format!(
                    r#"{{ {quoted}: {{ "type": "object", "properties": {{ "n": {{ "type": "string" }} }} }} }}"#
                ),
            ),
            (
                format!(
                    r#"{{ "t": {{ "title": {quoted}, "type": "object", "properties": {{ "n": {{ "type": "string" }} }} }} }}"#
                ),
                "{}".to_owned(),
            ),
            (
                format!(
                    r#"{{ "o": {{ "type": "object", "properties": {{ {quoted}: {{ "type": "integer" }} }}, "additionalProperties": {{ "type": "string" }} }} }}"#
                ),
                "{}".to_owned(),
            ),
        ];
        for (props, defs) in positions {
            let tmp = set_of(&[("a/a.b.v1.json", event(&props, &defs))]);
            match Config::new().generate(tmp.path()) {
                // The output parses (a broken identifier would be `compile_error!`).
                Ok(code) => assert!(!code.contains("compile_error!"), "{name:?}: {code}"),
                Err(e) => {
                    let e = e.to_string();
                    assert!(e.contains("a.b.v1.json: /"), "{name:?}: unlocated: {e}");
                }
            }
        }
    }
}

#[test]
fn defs_named_like_a_generated_item_are_refused() {
    for name in ["Event", "EventType", "Envelope"] {
        let e = errors_of(&[(
            "a/a.b.v1.json",
            event(
                &format!(r##"{{ "x": {{ "$ref": "#/$defs/{name}" }} }}"##),
                &format!(
                    r#"{{ "{name}": {{ "type": "object", "properties": {{ "n": {{ "type": "string" }} }} }} }}"#
                ),
            ),
        )]);
        assert_has(
            &e,
            &[
                &format!(": /$defs/{name} "),
                &format!("the Rust type {name}, a name the generator gives"),
            ],
        );
    }
    // A `title` that makes the same name, and an enum.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            r#"{ "x": { "title": "event type", "enum": ["a", "b"] } }"#,
            "{}",
        ),
    )]);
    assert_has(&e, &[": /properties/x ", "EventType"]);
}

#[test]
fn a_property_named_like_the_extra_fields_map_is_refused() {
    for name in ["extra", "Extra", "EXTRA"] {
        let e = errors_of(&[(
            "a/a.b.v1.json",
            event(
                &format!(
                    r#"{{ "o": {{ "type": "object", "properties": {{ "{name}": {{ "type": "string" }} }}, "additionalProperties": {{ "type": "integer" }} }} }}"#
                ),
                "{}",
            ),
        )]);
        assert_has(
            &e,
            &[&format!("/properties/o/properties/{name} "), "`extra`"],
        );
    }
    // Without additional properties the name is free.
    let code = generated(&[(
        "a/a.b.v1.json",
        event(r#"{ "extra": { "type": "string" } }"#, "{}"),
    )]);
    assert!(code.contains("pub extra: ::std::option::Option<::std::string::String>"));
}

#[test]
fn names_that_collide_after_conversion_are_located_errors() {
    for (a, b) in [
        ("a-b", "a_b"),
        ("self", "Self"),
        ("_", ""),
        ("x y", "x-y"),
        ("A", "a"),
    ] {
        let e = errors_of(&[(
            "a/a.b.v1.json",
            event(
                &format!(r#"{{ "{a}": {{ "type": "string" }}, "{b}": {{ "type": "string" }} }}"#),
                "{}",
            ),
        )]);
        assert_has(
            &e,
            &["a.b.v1.json: /properties/", "both become the Rust field"],
        );
        let e = errors_of(&[(
            "a/a.b.v1.json",
            event(&format!(r#"{{ "e": {{ "enum": ["{a}", "{b}"] }} }}"#), "{}"),
        )]);
        assert_has(
            &e,
            &["/properties/e/enum/1 ", "both become the Rust variant"],
        );
    }
}

#[test]
fn hostile_descriptions_are_escaped() {
    let code = generated(&[(
        "a/a.b.v1.json",
        event(
            r#"{ "x": { "type": "string", "description": "one\rtwo \u202e three */ four\n```\nfn main() {}\n```" } }"#,
            "{}",
        ),
    )]);
    assert!(!code.contains('\r'), "{code}");
    assert!(!code.contains('\u{202e}'), "{code}");
    assert!(code.contains(r"/// two \u{202e} three *\/ four"), "{code}");
    assert!(code.contains(r"/// \```"), "{code}");
}

// ---------------------------------------------------------------------------------------
// Class 6: size limits.

fn object_of(n: usize) -> String {
    let props: Vec<String> = (0..n)
        .map(|i| format!(r#""f{i}": {{ "type": "integer" }}"#))
        .collect();
    format!(
        r#"{{ "o": {{ "type": "object", "properties": {{ {} }} }} }}"#,
        props.join(",")
    )
}

#[test]
fn an_object_beyond_the_property_limit_is_a_located_error() {
    let n = events_codegen::MAX_PROPERTIES;
    let e = errors_of(&[("a/a.b.v1.json", event(&object_of(n + 1), "{}"))]);
    assert_has(
        &e,
        &[
            &format!("/properties/o/properties/f{n} "),
            &format!("at most {n}"),
        ],
    );
}

#[test]
fn wide_objects_are_generated_with_written_out_impls() {
    let wide = events_codegen::WIDE_STRUCT;
    // At the threshold the impls are derived; above it (5,000 and 10,000 properties
    // included, compiled by the conformance crate and bench/README.md) written out.
    for (n, written_out) in [
        (wide, false),
        (wide + 1, true),
        (5_000, true),
        (10_000, true),
    ] {
        let code = generated(&[("a/a.b.v1.json", event(&object_of(n), "{}"))]);
        let start = code.find("pub struct ABV1O {").unwrap();
        let derive = &code[..start].rfind("#[derive(").unwrap();
        let derives = &code[*derive..start];
        assert_eq!(
            !derives.contains("Deserialize"),
            written_out,
            "{n}: {derives}"
        );
        assert_eq!(
            code.contains("impl<'de> ::events_rt::__private::serde::Deserialize<'de> for ABV1O"),
            written_out,
            "{n}"
        );
        assert!(code.contains(&format!("pub f{}: ", n - 1)), "{n}");
    }
}

#[test]
fn a_wide_header_object_holding_the_version_is_a_located_error() {
    for n in [events_codegen::WIDE_STRUCT, 1_000] {
        let props: Vec<String> = (0..n)
            .map(|i| format!(r#""h{i}": {{ "type": "string" }}"#))
            .collect();
        let envelope = format!(
            r#"{{ "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-envelope": {{ "type_field": "type", "version_field": "metadata.version", "payload": "flat" }},
  "type": "object",
  "properties": {{ "type": {{ "type": "string" }},
    "metadata": {{ "type": "object", "properties": {{ "version": {{ "type": "string" }}, {} }} }} }},
  "required": ["type"] }}"#,
            props.join(",")
        );
        let e = errors_of(&[
            ("envelope.json", envelope),
            ("a/a.b.v1.json", event("{}", "{}")),
        ]);
        assert_has(
            &e,
            &[
                "/properties/metadata",
                "header object holds the version field",
                "at most 256",
            ],
        );
    }
}

#[test]
fn a_huge_enum_converts() {
    // Timing is bench/codegen-scale.sh's business; this checks that the linear
    // bookkeeping still finds a collision at the end of a long enum.
    let mut values: Vec<String> = (0..20_000).map(|i| format!(r#""v-{i}""#)).collect();
    values.push(r#""V_19999""#.to_owned());
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            &format!(r#"{{ "e": {{ "enum": [{}] }} }}"#, values.join(",")),
            "{}",
        ),
    )]);
    assert_has(
        &e,
        &["/properties/e/enum/20000 ", "\"v-19999\" and \"V_19999\""],
    );
}

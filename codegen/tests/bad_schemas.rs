//! Bad input gives a build error naming the file, the place and the fix; never a panic.
use events_codegen::{Config, SchemaSet};

mod common;
use common::{assert_has, errors_of, write, ENVELOPE};

fn event(event_type: &str, version: &str, properties: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-event": {{ "type": "{event_type}", "version": "{version}", "stream": "s", "producer": "p", "consumers": [] }},
  "type": "object",
  "properties": {properties},
  "additionalProperties": false
}}"#
    )
}

/// Loads a set made of `files` (plus the envelope), which must succeed; returns the
/// warnings, one a line.
fn warnings_of(files: &[(&str, String)]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "envelope.json", ENVELOPE);
    for (name, text) in files {
        write(tmp.path(), name, text);
    }
    let set = match SchemaSet::load(tmp.path()) {
        Ok(set) => set,
        Err(e) => panic!("expected warnings only, got {e}"),
    };
    Config::new().generate_set(&set).unwrap();
    set.warnings()
        .iter()
        .map(|w| format!("{w}\n"))
        .collect::<String>()
        .replace(&tmp.path().display().to_string(), "<dir>")
}

#[test]
fn malformed_json_names_line_and_column() {
    let e = errors_of(&[("a/a.b.v1.json", "{\n  \"$schema\": 1,\n  oops\n}".into())]);
    assert_has(
        &e,
        &["<dir>/a/a.b.v1.json", "malformed JSON at line 3 column 3"],
    );
}

#[test]
fn dangling_ref() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r##"{"x": {"$ref": "../common.json#/$defs/Nope"}}"##,
        ),
    )]);
    assert_has(
        &e,
        &[
            "a.b.v1.json: /properties/x/$ref",
            "not in the schema directory",
        ],
    );
    let e = errors_of(&[
        (
            "common.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {}}"#.into(),
        ),
        (
            "a/a.b.v1.json",
            event(
                "a.b",
                "1.0",
                r##"{"x": {"$ref": "../common.json#/$defs/Nope"}}"##,
            ),
        ),
    ]);
    assert_has(
        &e,
        &[
            "a.b.v1.json: /properties/x/$ref",
            "points to nothing",
            "check the JSON pointer",
        ],
    );
}

#[test]
fn dangling_ref_names_the_nearest_target() {
    let common = (
        "common.json",
        r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"Money": {"type": "integer"}, "OrderItem": {"type": "object",
                      "properties": {"sku": {"type": "string"}}}}}"#
            .to_owned(),
    );
    let e = errors_of(&[
        common.clone(),
        (
            "a/a.b.v1.json",
            event(
                "a.b",
                "1.0",
                r##"{"price": {"$ref": "../common.json#/$defs/Mony"},
                    "line": {"$ref": "../comon.json#/$defs/OrderItem"},
                    "fee": {"$ref": "common.json#/$defs/Money"},
                    "sku": {"$ref": "../common.json#/$defs/OrderItem/properties/skus"},
                    "local": {"$ref": "#/$defs/Locl"},
                    "other": {"$ref": "../common.json#/$defs/Nothing"}}"##,
            )
            .replace(
                r#""type": "object","#,
                r#""type": "object", "$defs": {"Local": {"type": "string"}},"#,
            ),
        ),
    ]);
    for parts in [
        &[
            "/properties/price/$ref",
            "`$ref` \"../common.json#/$defs/Mony\" points to nothing",
            "did you mean \"../common.json#/$defs/Money\"?",
        ][..],
        &[
            "/properties/line/$ref",
            "\"../comon.json#/$defs/OrderItem\" names a file that is not in the schema directory",
            "did you mean \"../common.json#/$defs/OrderItem\"?",
        ],
        &[
            "/properties/fee/$ref",
            "\"common.json#/$defs/Money\" names a file",
            "did you mean \"../common.json#/$defs/Money\"?",
        ],
        &[
            "/properties/sku/$ref",
            "did you mean \"../common.json#/$defs/OrderItem/properties/sku\"?",
        ],
        &["/properties/local/$ref", "did you mean \"#/$defs/Local\"?"],
        &[
            "/properties/other/$ref",
            "\"/$defs\" in <dir>/common.json has no \"Nothing\" (it has Money, OrderItem)",
        ],
    ] {
        assert_has(&e, parts);
    }
}

#[test]
fn two_files_claim_one_event_type() {
    let e = errors_of(&[
        ("a/a.b.v1.json", event("a.b", "1.0", "{}")),
        ("z/a.b.v1.json", event("a.b", "1.1", "{}")),
    ]);
    assert_has(
        &e,
        &[
            "z/a.b.v1.json: /x-event/type",
            "also claimed by <dir>/a/a.b.v1.json",
        ],
    );
}

#[test]
fn version_must_be_major_minor() {
    let e = errors_of(&[("a/a.b.v1.json", event("a.b", "1", "{}"))]);
    assert_has(
        &e,
        &[
            "a.b.v1.json: /x-event/version",
            "\"1\" is not `major.minor`",
            "\"1.0\"",
        ],
    );
    let e = errors_of(&[("a/a.b.v1.json", event("a.b", "1.0.0", "{}"))]);
    assert_has(&e, &["/x-event/version", "not `major.minor`"]);
}

#[test]
fn file_name_must_match_metadata() {
    let e = errors_of(&[("a/a.b.v1.json", event("a.b", "2.0", "{}"))]);
    assert_has(
        &e,
        &[
            "a.b.v1.json: /x-event",
            "disagrees with the metadata",
            "rename the file to \"a.b.v2.json\"",
        ],
    );
    let e = errors_of(&[("a/a.c.v1.json", event("a.b", "1.0", "{}"))]);
    assert_has(&e, &["a.c.v1.json", "rename the file to \"a.b.v1.json\""]);
}

#[test]
fn unsupported_construct_is_named_with_its_pointer() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"m": {"type": "object", "dependentSchemas": {"a": {"required": ["b"]}}}}"#,
        ),
    )]);
    assert_has(
        &e,
        &[
            "a.b.v1.json: /properties/m/dependentSchemas",
            "not supported by the generator",
        ],
    );
    // A key pattern the typed decoder cannot check (look-ahead).
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"m": {"type": "object", "patternProperties": {"^(?=x)": {"type": "string"}}, "additionalProperties": false}}"#,
        ),
    )]);
    assert_has(
        &e,
        &[
            "a.b.v1.json: /properties/m/patternProperties/^(?=x)",
            "cannot be checked",
        ],
    );
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"m": {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}}}"#,
        ),
    )]);
    assert_has(
        &e,
        &["/properties/m/items", "a tuple followed by more items"],
    );
}

#[test]
fn closed_allof_member_that_can_never_validate() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"m": {"allOf": [
            {"type": "object", "properties": {"x": {"type": "string"}}, "additionalProperties": false},
            {"properties": {"y": {"type": "string"}}}
        ]}}"#,
        ),
    )]);
    assert_has(
        &e,
        &[
            "a.b.v1.json: /properties/m/allOf/0",
            "closed",
            "\"y\"",
            "unevaluatedProperties",
        ],
    );
}

#[test]
fn not_a_json_schema() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event("a.b", "1.0", r#"{"m": {"type": "strnig"}}"#),
    )]);
    assert_has(
        &e,
        &["a.b.v1.json: /properties/m/type", "not a valid JSON Schema"],
    );
}

#[test]
fn missing_metadata_and_envelope_rules() {
    let no_stream = r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
        "x-event": {"type": "a.b", "version": "1.0", "producer": "p", "consumers": []},
        "type": "object"}"#;
    let e = errors_of(&[("a/a.b.v1.json", no_stream.into())]);
    assert_has(
        &e,
        &[
            "/x-event",
            "exactly one of `stream`, `topic` or `exchange` + `routing_key`",
        ],
    );
    let header_again = event("a.b", "1.0", r#"{"version": {"type": "string"}}"#);
    let e = errors_of(&[("a/a.b.v1.json", header_again)]);
    assert_has(&e, &["/properties/version", "envelope header field"]);
}

#[test]
fn all_errors_are_reported_at_once() {
    let e = errors_of(&[
        ("a/a.b.v1.json", event("a.b", "1", "{}")),
        ("c/c.d.v1.json", "not json".into()),
    ]);
    assert!(e.starts_with("2 errors"), "{e}");
}

#[test]
fn schema_dir_that_does_not_exist() {
    let err = Config::new().generate("/definitely/not/here").unwrap_err();
    assert!(
        err.to_string().contains("cannot read schema directory"),
        "{err}"
    );
}

/// Every line of the report that names `file` (relative to the set).
fn lines_of<'a>(errors: &'a str, file: &str) -> Vec<&'a str> {
    errors.lines().filter(|l| l.contains(file)).collect()
}

#[test]
fn a_file_that_breaks_the_meta_schema_is_still_checked_for_our_conventions() {
    // Before: the meta-schema error alone; the bad version came only after fixing it.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event("a.b", "1", r#"{"m": {"type": "strnig"}}"#),
    )]);
    assert_has(
        &e,
        &["a.b.v1.json: /properties/m/type", "not a valid JSON Schema"],
    );
    assert_has(&e, &["a.b.v1.json: /x-event/version", "not `major.minor`"]);
}

#[test]
fn bad_metadata_and_generator_errors_in_one_run() {
    // Before: the loader stopped the run, and the generator never saw the file.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1",
            r#"{"m": {"type": "object", "dependentSchemas": {"a": {"required": ["b"]}}},
                "n": {"type": ["string", "integer"]}}"#,
        ),
    )]);
    assert_has(&e, &["a.b.v1.json: /x-event/version", "not `major.minor`"]);
    assert_has(
        &e,
        &[
            "/properties/m/dependentSchemas",
            "not supported by the generator",
        ],
    );
    // A bad type in the metadata: the type comes from the file name instead.
    let mut text = event(
        "Bad.Type",
        "1.0",
        r#"{"m": {"type": "object", "if": {"required": ["a"]}}}"#,
    );
    text = text.replace(r#""producer": "p", "#, "");
    let e = errors_of(&[("a/a.b.v1.json", text)]);
    assert_has(&e, &["/x-event/type", "not dot-separated lowercase words"]);
    assert_has(&e, &["/x-event", "missing `producer`"]);
    assert_has(&e, &["/properties/m/if", "not supported by the generator"]);
    // Another file's generator errors come in the same run as the loader's.
    let e = errors_of(&[
        ("a/a.b.v1.json", event("a.b", "1", "{}")),
        (
            "c/c.d.v1.json",
            event("c.d", "1.0", r#"{"m": {"if": {"type": "string"}}}"#),
        ),
    ]);
    assert_has(&e, &["a.b.v1.json: /x-event/version"]);
    assert_has(
        &e,
        &[
            "c.d.v1.json: /properties/m/if",
            "not supported by the generator",
        ],
    );
}

#[test]
fn an_error_is_not_repeated_by_a_later_pass() {
    // A dangling `$ref` is the loader's error; the generator would report it again.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event("a.b", "1.0", r##"{"x": {"$ref": "#/$defs/Nope"}}"##),
    )]);
    assert_eq!(lines_of(&e, "a.b.v1.json").len(), 1, "{e}");
    // A file that refers to a broken file is not converted (its errors would be echoes).
    let e = errors_of(&[
        (
            "common.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"A": {"type": "strnig"}}}"#
                .into(),
        ),
        (
            "a/a.b.v1.json",
            event(
                "a.b",
                "1.0",
                r##"{"x": {"$ref": "../common.json#/$defs/A"}}"##,
            ),
        ),
    ]);
    assert_has(
        &e,
        &["common.json: /$defs/A/type", "not a valid JSON Schema"],
    );
    assert!(lines_of(&e, "a.b.v1.json").is_empty(), "{e}");
}

#[test]
fn every_envelope_error_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "envelope.json",
        r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
            "x-envelope": {"type_field": "kind", "version_field": 3, "payload": "nested"},
            "type": "object", "properties": {}}"#,
    );
    write(tmp.path(), "a/a.b.v1.json", &event("a.b", "1.0", "{}"));
    let e = Config::new().generate(tmp.path()).unwrap_err().to_string();
    assert_has(&e, &["/x-envelope/version_field", "non-empty string"]);
    assert_has(&e, &["/x-envelope/payload", "missing or invalid `payload`"]);
    assert_has(&e, &["envelope.json: /properties", "\"kind\""]);
    // The envelope is there, only wrong: no "no envelope schema" on top.
    assert!(!e.contains("no envelope schema"), "{e}");
}

#[test]
fn misspelt_keywords_are_errors_with_the_spelling_to_use() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"a": {"type": "string", "minimun": 1},
                "b": {"type": "object", "addtionalProperties": false, "properties": {}},
                "c": {"type": "array", "items": {"type": "string"}, "x-encodng": "json-string"},
                "d": {"type": "string", "readonly": true},
                "e": {"type": "string", "example": "x"},
                "f": {"anyOf": [{"type": "string", "MaxLength": 3}, {"type": "null"}]}}"#,
        )
        .replace(
            r#""type": "object","#,
            r#""type": "object", "requird": ["a"],"#,
        ),
    )]);
    for (pointer, written, known) in [
        ("a.b.v1.json: /requird", "requird", "required"),
        ("/properties/a/minimun", "minimun", "minimum"),
        (
            "/properties/b/addtionalProperties",
            "addtionalProperties",
            "additionalProperties",
        ),
        ("/properties/c/x-encodng", "x-encodng", "x-encoding"),
        ("/properties/d/readonly", "readonly", "readOnly"),
        ("/properties/e/example", "example", "examples"),
        ("/properties/f/anyOf/0/MaxLength", "MaxLength", "maxLength"),
    ] {
        assert_has(
            &e,
            &[
                pointer,
                &format!("unknown keyword `{written}`"),
                &format!("did you mean `{known}`?"),
            ],
        );
    }
    // Each once: the generator's "not supported" for the same keyword is left out.
    assert!(!e.contains("not supported by the generator"), "{e}");
    // In a definition no event uses, and in the metadata blocks.
    let e = errors_of(&[
        (
            "common.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"Unused": {"type": "integer", "maximun": 3}}}"#
                .into(),
        ),
        (
            "a/a.b.v1.json",
            event("a.b", "1.0", "{}").replace(
                r#""consumers": []"#,
                r#""consumers": [], "compatability": "full""#,
            ),
        ),
    ]);
    assert_has(
        &e,
        &[
            "common.json: /$defs/Unused/maximun",
            "did you mean `maximum`?",
        ],
    );
    assert_has(
        &e,
        &[
            "a.b.v1.json: /x-event/compatability",
            "unknown field `compatability` in `x-event`",
            "did you mean `compatibility`?",
        ],
    );
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"c": {"type": "string", "x-encoding": "json_string"}}"#,
        ),
    )]);
    assert_has(
        &e,
        &[
            "/properties/c/x-encoding",
            "unknown encoding \"json_string\"",
            "did you mean \"json-string\"?",
        ],
    );
}

#[test]
fn other_unknown_keywords_are_warnings() {
    let w = warnings_of(&[
        (
            "common.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"Money": {"type": "integer", "javaType": "java.math.BigDecimal"}}}"#
                .into(),
        ),
        (
            "a/a.b.v1.json",
            event(
                "a.b",
                "1.0",
                r#"{"id": {"type": "string", "x-go-type": "uuid.UUID"},
                    "n": {"type": "integer", "x-deprecated": true}}"#,
            )
            .replace(
                r#""consumers": []"#,
                r#""consumers": [], "owner": "team-a""#,
            ),
        ),
    ]);
    for (pointer, written) in [
        ("common.json: /$defs/Money/javaType", "javaType"),
        ("a.b.v1.json: /properties/id/x-go-type", "x-go-type"),
        ("a.b.v1.json: /properties/n/x-deprecated", "x-deprecated"),
    ] {
        assert_has(
            &w,
            &[pointer, &format!("unknown keyword `{written}` is ignored")],
        );
    }
    assert_has(
        &w,
        &[
            "a.b.v1.json: /x-event/owner",
            "unknown field `owner` in `x-event` is ignored",
        ],
    );
    assert_eq!(w.lines().count(), 4, "{w}");
    // With errors, the warnings of the run come in the same report.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"id": {"type": "string", "x-go-type": "x", "requird": []}}"#,
        ),
    )]);
    assert!(
        e.contains("1 error in the event schemas") && e.contains("1 warning:"),
        "{e}"
    );
    assert_has(&e, &["/properties/id/x-go-type", "is ignored"]);
}

#[test]
fn lenient_loading_makes_lint_errors_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "envelope.json", ENVELOPE);
    write(
        tmp.path(),
        "a/a.b.v1.json",
        &event("a.b", "1.0", r#"{"a": {"type": "string", "minimun": 1}}"#),
    );
    assert!(SchemaSet::load(tmp.path()).is_err());
    let set = SchemaSet::load_lenient(tmp.path()).unwrap();
    assert_eq!(set.warnings().len(), 1);
    assert!(set.warnings()[0]
        .to_string()
        .contains("did you mean `minimum`?"));
}

#[test]
fn unknown_formats_are_errors_with_the_format_to_use() {
    let e = errors_of(&[
        (
            "common.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"When": {"type": "string", "format": "timestamp"}}}"#
                .into(),
        ),
        (
            "a/a.b.v1.json",
            event(
                "a.b",
                "1.0",
                r#"{"at": {"type": "string", "format": "datetime"},
                    "id": {"type": "string", "format": "UUID"},
                    "n": {"type": "integer", "format": "int23"},
                    "seen": {"type": "integer", "format": "unixtime"}}"#,
            ),
        ),
    ]);
    for (pointer, written, known) in [
        ("/properties/at/format", "datetime", "date-time"),
        ("/properties/id/format", "UUID", "uuid"),
        ("/properties/n/format", "int23", "int32"),
        ("/properties/seen/format", "unixtime", "unix-time"),
    ] {
        assert_has(
            &e,
            &[
                &format!("a.b.v1.json: {pointer}"),
                &format!("unknown format {written:?}"),
                &format!("did you mean {known:?}?"),
            ],
        );
    }
    // Nothing near: the known formats are listed.
    assert_has(
        &e,
        &[
            "common.json: /$defs/When/format",
            "unknown format \"timestamp\"",
            "known formats: date-time, date,",
        ],
    );
    // The generator's own complaint about `int23` is not repeated.
    assert!(!e.contains("unknown integer format"), "{e}");
}

#[test]
fn defaults_consts_and_examples_must_validate_against_their_schema() {
    let e = errors_of(&[
        (
            "common.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"Money": {"type": "integer", "minimum": 0}}}"#
                .into(),
        ),
        (
            "a/a.b.v1.json",
            event(
                "a.b",
                "1.0",
                r#"{"count": {"type": "integer", "default": "5"},
                    "status": {"type": "string", "enum": ["pending", "done"], "default": "pendng"},
                    "kind": {"type": "string", "const": 5},
                    "price": {"$ref": "../common.json#/$defs/Money", "default": -1},
                    "code": {"type": "string", "maxLength": 3, "examples": ["abc", "abcd"]},
                    "ids": {"type": "array", "items": {"type": "integer"}, "x-encoding": "json-string",
                            "default": "[1, \"a\"]", "examples": ["[1, 2]", [3, 4], "[1,"]},
                    "line": {"type": "object",
                             "properties": {"quantity": {"type": "integer", "minimum": 1}},
                             "required": ["quantity"], "additionalProperties": false,
                             "examples": [{"quantity": 1}, {"quantity": 0}, {"quantiy": 2}]},
                    "either": {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["none"]}],
                               "default": "nome"}}"#,
            ),
        ),
    ]);
    for parts in [
        &[
            "/properties/count/default",
            "`default` \"5\"",
            "expected integer, found string \"5\"",
            "write 5 without the quotes",
        ][..],
        &[
            "/properties/status/default",
            "\"pendng\" is not one of [\"pending\",\"done\"]",
            "did you mean \"pending\"?",
        ],
        &[
            "/properties/kind/const",
            "`const` 5",
            "expected string, found number 5",
            "write \"5\" in quotes",
        ],
        &["/properties/price/default", "-1 breaks `minimum: 0`"],
        &[
            "/properties/code/examples/1",
            "4 characters, more than `maxLength: 3`",
        ],
        &[
            "/properties/ids/default",
            "at /1: expected integer, found string \"a\"",
        ],
        &["/properties/ids/examples/2", "not JSON text"],
        &[
            "/properties/line/examples/1",
            "at /quantity: 0 breaks `minimum: 1`",
        ],
        &[
            "/properties/line/examples/2",
            "the required property \"quantity\" is missing",
        ],
        &[
            "/properties/line/examples/2",
            "at /quantiy: property \"quantiy\" is not allowed",
            "did you mean \"quantity\"?",
        ],
        &[
            "/properties/either/default",
            "matches none of the `oneOf` alternatives",
            "did you mean \"none\"?",
        ],
    ] {
        assert_has(&e, parts);
    }
    // The valid ones are not reported.
    for ok in [
        "/properties/code/examples/0",
        "/properties/ids/examples/0",
        "/properties/ids/examples/1",
        "/properties/line/examples/0",
    ] {
        assert!(
            !e.lines().any(|l| l.contains(&format!("{ok}:"))),
            "{ok} in:\n{e}"
        );
    }
}

#[test]
fn valid_defaults_and_whole_document_examples_pass() {
    // At an event file's root an example may be a whole document, header fields included.
    let text = event(
        "a.b",
        "1.0",
        r#"{"n": {"type": "integer", "format": "int32", "default": 3, "examples": [1.0, -2]},
            "s": {"type": ["string", "null"], "default": null, "const": null},
            "t": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}], "default": "2024-01-01T00:00:00Z"}}"#,
    )
    .replace(
        r#""additionalProperties": false"#,
        r#""additionalProperties": false, "examples": [{"type": "a.b", "version": "1.0", "n": 1}]"#,
    );
    assert_eq!(warnings_of(&[("a/a.b.v1.json", text)]), "");
}

#[test]
fn a_required_name_a_closed_schema_does_not_declare() {
    let e = errors_of(&[
        (
            "common.json",
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"Person": {"type": "object", "properties": {"name": {"type": "string"}},
                                     "required": ["nme"], "unevaluatedProperties": false}}}"#
                .into(),
        ),
        (
            "a/a.b.v1.json",
            event(
                "a.b",
                "1.0",
                r#"{"order_id": {"type": "integer"},
                    "line": {"type": "object", "properties": {"sku": {"type": "string"}},
                             "required": ["sku", "warehouse"], "additionalProperties": false}}"#,
            )
            .replace(
                r#""type": "object","#,
                r#""type": "object", "required": ["type", "ordr_id"],"#,
            ),
        ),
    ]);
    assert_has(
        &e,
        &[
            "a.b.v1.json: /required/1",
            "`required` names \"ordr_id\", which is not a property of this closed schema (`additionalProperties: false`)",
            "did you mean \"order_id\"?",
        ],
    );
    assert_has(
        &e,
        &[
            "a.b.v1.json: /properties/line/required/1",
            "\"warehouse\"",
            "add it to `properties`, or remove it from `required`",
        ],
    );
    assert_has(
        &e,
        &[
            "common.json: /$defs/Person/required/0",
            "(`unevaluatedProperties: false`)",
            "did you mean \"name\"?",
        ],
    );
    // `type` is an envelope header field beside the payload: not reported. Nor is the
    // generator's coarser error at `/required`.
    assert!(!e.contains("a.b.v1.json: /required/0"), "{e}");
    assert!(!e.contains("/required: "), "{e}");
    // An open schema may require what it does not declare; so may a closed one whose
    // `allOf` declares more.
    let w = warnings_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"m": {"allOf": [{"type": "object", "properties": {"x": {"type": "string"}}}],
                      "required": ["x"], "unevaluatedProperties": false},
                "n": {"type": "object", "additionalProperties": {"type": "string"}, "required": ["k"]}}"#,
        ),
    )]);
    assert_eq!(w, "");
}

/// Regression: a vendor keyword inside a schema the generator converts (not only in an
/// unused definition) was a build error, "not supported by the generator".
#[test]
fn vendor_keywords_in_converted_schemas_are_warnings_not_errors() {
    let w = warnings_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"amount": {"type": "number", "javaType": "java.math.BigDecimal"},
                "owner": {"$ref": "../common.json#/$defs/Owner", "tsType": "Owner"}}"#,
        ),
    ), (
        "common.json",
        r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"Owner": {"type": "object", "properties": {"id": {"type": "string"}}, "goName": "Owner"}}}"#
            .into(),
    )]);
    for written in ["javaType", "tsType", "goName"] {
        assert_has(&w, &[&format!("unknown keyword `{written}` is ignored")]);
    }
    // A JSON Schema keyword the generator cannot map stays an error.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"m": {"type": "object", "dependentSchemas": {"a": {"required": ["b"]}}}}"#,
        ),
    )]);
    assert_has(
        &e,
        &[
            "/properties/m/dependentSchemas",
            "not supported by the generator",
        ],
    );
}

/// The meta-schema's rules on keyword values, checked by the loader itself (no JSON Schema
/// validator in the build dependency): each is located and says what was expected.
#[test]
fn keyword_values_of_the_wrong_shape_are_located_errors() {
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event(
            "a.b",
            "1.0",
            r#"{"s": {"type": "string", "minLength": -1, "pattern": 5},
                "n": {"type": "number", "minimum": "0", "multipleOf": 0},
                "t": {"type": ["string", "string"]},
                "o": {"type": "object", "properties": {"x": 3}, "required": "x"},
                "u": {"anyOf": []}}"#,
        ),
    )]);
    for (pointer, expected) in [
        ("/properties/s/minLength", "a non-negative integer"),
        ("/properties/s/pattern", "a string"),
        ("/properties/n/minimum", "a number"),
        ("/properties/n/multipleOf", "greater than 0"),
        ("/properties/t/type", "distinct"),
        ("/properties/o/properties", "an object of schemas"),
        ("/properties/o/required", "an array of distinct strings"),
        ("/properties/u/anyOf", "a non-empty array of schemas"),
    ] {
        assert_has(&e, &[&format!("a.b.v1.json: {pointer}"), expected]);
    }
}

/// One traversal of `$ref` chains with cycle detection: a loop with no schema in between
/// is a located error naming it (it overflowed the stack before), in every variant.
#[test]
fn reference_loops_are_located_errors() {
    for (defs, start) in [
        (
            r##"{"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}"##,
            "/$defs/A",
        ),
        (r##"{"A": {"$ref": "#/$defs/A"}}"##, "/$defs/A"),
        (
            r##"{"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/C"}, "C": {"$ref": "#/$defs/A"}}"##,
            "/$defs/A",
        ),
    ] {
        let common = format!(
            r#"{{"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {defs}}}"#
        );
        let e = errors_of(&[
            ("common.json", common),
            (
                "a/a.b.v1.json",
                event(
                    "a.b",
                    "1.0",
                    r#"{"x": {"$ref": "../common.json#/$defs/A"}}"#,
                ),
            ),
        ]);
        assert_has(&e, &["`$ref` loop with no schema in between", start]);
    }
}

/// Directory walks follow each real directory once: a link to the directory itself does
/// not make the walk endless or count files twice, and a FIFO named `*.json` is not opened.
#[cfg(unix)]
#[test]
fn directory_walks_survive_links_and_fifos() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "envelope.json", ENVELOPE);
    std::fs::create_dir_all(tmp.path().join("a")).unwrap();
    write(
        &tmp.path().join("a"),
        "a.b.v1.json",
        &event("a.b", "1.0", r#"{"x": {"type": "string"}}"#),
    );
    std::os::unix::fs::symlink(tmp.path(), tmp.path().join("a/loop")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), tmp.path().join("again")).unwrap();
    let fifo = tmp.path().join("blocked.json");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo not available: the FIFO case is not exercised");
    }
    // A second path to a schema file, and a link to nothing.
    std::os::unix::fs::symlink(
        tmp.path().join("a/a.b.v1.json"),
        tmp.path().join("same.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), tmp.path().join("gone.json")).unwrap();
    let set = SchemaSet::load(tmp.path()).unwrap();
    assert_eq!(set.events.len(), 1);
    assert_eq!(set.files().count(), 2, "each file once");
    // Each thing skipped is a warning naming its path, never silence.
    let warnings: Vec<String> = set.warnings().iter().map(ToString::to_string).collect();
    let has = |path: &str, why: &str| warnings.iter().any(|w| w.contains(path) && w.contains(why));
    assert!(has("loop", "a loop"), "{warnings:#?}");
    assert!(has("again", "a loop"), "{warnings:#?}");
    assert!(has("same.json", "read once"), "{warnings:#?}");
    assert!(has("gone.json", "skipped"), "{warnings:#?}");
    if fifo.exists() {
        assert!(
            has("blocked.json", "a FIFO is not a regular file"),
            "{warnings:#?}"
        );
    }
}

/// An event with extra `x-event` members (`"max_len": 5` and so on) on stream `stream`.
fn event_on(event_type: &str, stream_or_topic: &str, extra: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-event": {{ "type": "{event_type}", "version": "1.0", {stream_or_topic}, "producer": "p", "consumers": []{extra} }},
  "type": "object",
  "properties": {{}},
  "additionalProperties": false
}}"#
    )
}

#[test]
fn max_len_must_be_a_positive_integer_on_a_stream() {
    for bad in ["0", "-5", "1.5", "\"1000\"", "null", "[10]"] {
        let e = errors_of(&[(
            "a/a.b.v1.json",
            event_on("a.b", r#""stream": "s""#, &format!(r#", "max_len": {bad}"#)),
        )]);
        assert_has(
            &e,
            &[
                "a.b.v1.json: /x-event/max_len",
                "must be a positive integer",
            ],
        );
    }
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event_on("a.b", r#""topic": "t""#, r#", "max_len": 100"#),
    )]);
    assert_has(
        &e,
        &[
            "/x-event/max_len",
            "trims a Redis stream",
            "names no `stream`",
        ],
    );
}

#[test]
fn one_stream_has_one_max_len() {
    let e = errors_of(&[
        (
            "a/a.b.v1.json",
            event_on("a.b", r#""stream": "s""#, r#", "max_len": 100"#),
        ),
        (
            "a/a.c.v1.json",
            event_on("a.c", r#""stream": "s""#, r#", "max_len": 200"#),
        ),
    ]);
    assert_has(
        &e,
        &[
            "a.c.v1.json: /x-event/max_len",
            "stream \"s\" is trimmed to 200 here but to 100 by <dir>/a/a.b.v1.json",
        ],
    );
    // Agreeing declarations, one declaration, and streams of their own are fine; the length
    // belongs to the stream, so every event on it carries it.
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "envelope.json", ENVELOPE);
    for (name, text) in [
        (
            "a/a.b.v1.json",
            event_on("a.b", r#""stream": "s""#, r#", "max_len": 100"#),
        ),
        (
            "a/a.c.v1.json",
            event_on("a.c", r#""stream": "s""#, r#", "max_len": 100"#),
        ),
        ("a/a.d.v1.json", event_on("a.d", r#""stream": "s""#, "")),
        ("a/a.e.v1.json", event_on("a.e", r#""stream": "other""#, "")),
    ] {
        write(tmp.path(), name, &text);
    }
    let code = Config::new().generate(tmp.path()).unwrap();
    let declared =
        "const MAX_LEN: ::std::option::Option<usize> = ::std::option::Option::Some(100);";
    let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat_declared: String = declared.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(flat.matches(&flat_declared).count(), 3, "{code}");
    assert_eq!(flat.matches("const MAX_LEN").count(), 3);
}

#[test]
fn an_amqp_event_names_its_exchange_and_routing_key() {
    let amqp = r#""exchange": "orders", "routing_key": "order.created""#;
    // Half-given, mixed with another form, or malformed: located errors.
    for (form, parts) in [
        (
            r#""exchange": "orders""#,
            &[
                "a.b.v1.json: /x-event/exchange",
                "`exchange` is given without `routing_key`",
            ][..],
        ),
        (
            r#""routing_key": "order.created""#,
            &[
                "/x-event/routing_key",
                "`routing_key` is given without `exchange`",
            ],
        ),
        (
            r#""stream": "s", "exchange": "orders", "routing_key": "order.created""#,
            &[
                "/x-event",
                "exactly one of `stream`, `topic` or `exchange` + `routing_key`",
            ],
        ),
        (
            r#""exchange": "", "routing_key": "order.created""#,
            &["/x-event/exchange", "must be a non-empty string"],
        ),
        (
            r#""exchange": "amq.topic", "routing_key": "order.created""#,
            &["/x-event/exchange", "reserves"],
        ),
        (
            r#""exchange": "my orders", "routing_key": "order.created""#,
            &["/x-event/exchange", "holds ' '"],
        ),
        (
            r#""exchange": "orders", "routing_key": 5"#,
            &["/x-event/routing_key", "must be a non-empty string"],
        ),
        (
            r#""exchange": "orders", "routing_key": "order.*""#,
            &["/x-event/routing_key", "binding wildcards"],
        ),
        (
            r#""exchange": "orders", "routing_key": "order..created""#,
            &["/x-event/routing_key", "an empty word"],
        ),
    ] {
        let e = errors_of(&[("a/a.b.v1.json", event_on("a.b", form, ""))]);
        assert_has(&e, parts);
    }
    // `max_len` belongs to streams only.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event_on("a.b", amqp, r#", "max_len": 100"#),
    )]);
    assert_has(&e, &["/x-event/max_len", "names no `stream`"]);
    // A misspelt member is an error with the spelling to use.
    let e = errors_of(&[(
        "a/a.b.v1.json",
        event_on("a.b", amqp, r#", "routing_kye": "x""#),
    )]);
    assert_has(&e, &["/x-event/routing_kye", "routing_key"]);

    // The facts land on the contract; events of other forms keep the trait's defaults.
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "envelope.json", ENVELOPE);
    write(tmp.path(), "a/a.b.v1.json", &event_on("a.b", amqp, ""));
    write(
        tmp.path(),
        "a/a.c.v1.json",
        &event_on("a.c", r#""topic": "t""#, ""),
    );
    let set = SchemaSet::load(tmp.path()).unwrap();
    let ab = set.events.iter().find(|e| e.event_type == "a.b").unwrap();
    assert_eq!(
        ab.channel_kind,
        events_codegen::schema::ChannelKind::Exchange
    );
    assert_eq!(ab.channel, "orders");
    assert_eq!(ab.routing_key.as_deref(), Some("order.created"));
    let code = Config::new().generate(tmp.path()).unwrap();
    // Without whitespace and trailing commas, whatever the pretty-printer's line breaks.
    let flat: String = code
        .split_whitespace()
        .collect::<String>()
        .replace(",)", ")");
    for part in [
        "constCHANNEL:&'staticstr=\"orders\";",
        "constEXCHANGE:::std::option::Option<&'staticstr>=::std::option::Option::Some(\"orders\");",
        "constROUTING_KEY:::std::option::Option<&'staticstr>=::std::option::Option::Some(\"order.created\");",
        "pubfnrouting_key(&self)",
        "|Routingkey|`order.created`|",
    ] {
        assert!(flat.contains(part), "{part}: {code}");
    }
    assert_eq!(flat.matches("constROUTING_KEY").count(), 1, "{code}");
}

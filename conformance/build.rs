//! Generates, beside the default (tolerant) crates, strict variants of the contract sets
//! and the construct fixtures, so tests can compare them.

use events_codegen::Config;

fn main() {
    let jobs = [
        ("../schemas", "vondi_strict.rs", true),
        ("../examples/kafka-orders/schemas", "kafka_strict.rs", true),
        (
            "../examples/rabbitmq-orders/schemas",
            "rabbitmq_strict.rs",
            true,
        ),
        ("../examples/node-orders/schemas", "node_strict.rs", true),
        (
            "../codegen/tests/fixtures/constructs",
            "constructs.rs",
            false,
        ),
        (
            "../codegen/tests/fixtures/constructs",
            "constructs_strict.rs",
            true,
        ),
        ("../codegen/tests/fixtures/versioned", "versioned.rs", false),
        (
            "../codegen/tests/fixtures/constructs",
            "constructs_custom.rs",
            false,
        ),
        (
            "../codegen/tests/fixtures/nested_version",
            "nested_version.rs",
            false,
        ),
        // A foreign catalog made into events by a rule file (the catalog route).
        (
            "../codegen/tests/fixtures/catalog/shop.catalog.json",
            "shop_catalog.rs",
            false,
        ),
        // Names and descriptions no Rust source would choose, and recursive types.
        (
            "../codegen/tests/fixtures/hostile_names",
            "hostile_names.rs",
            true,
        ),
    ];
    for (dir, file, strict) in jobs {
        let mut config = Config::new();
        config.strict_unknown_fields(strict).file_name(file);
        // Conversions written by hand in src/lib.rs (account.opened v2 -> v3 is left
        // unwritten on purpose: the build warns and `upcast` returns an error).
        match file {
            "versioned.rs" => {
                config.manual_upcast("account.closed", 1);
            }
            "nested_version.rs" => {
                // Topics only, but the nested version is tested in field maps too.
                config.manual_upcast("order.created", 1).field_maps(true);
            }
            // The build API's options, proven to compile and to work (tests/build_api.rs).
            "constructs_custom.rs" => {
                config
                    .extern_path("defs/common.json#/$defs/Money", "crate::custom::Money")
                    .type_attribute("Currency", "#[derive(PartialOrd, Ord)]")
                    .type_attribute("shape.minimal", "#[doc(alias = \"minimal\")]")
                    .field_attribute("*.count", "#[doc(alias = \"counter\")]")
                    .field_attribute("ShapeEverythingV1.small", "#[serde(alias = \"tiny\")]")
                    .field_maps(false);
            }
            _ => {}
        }
        if let Err(e) = config.compile(dir) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    // The types-only route on a catalog of foreign conventions (tests/types_only.rs).
    if let Err(e) = Config::new()
        .file_name("foreign.rs")
        .compile_types("../codegen/tests/fixtures/foreign")
    {
        eprintln!("{e}");
        std::process::exit(1);
    }
    // Catalogs as others write them: duplicate keys, misspelt-looking keywords, names the
    // generator also makes, keywords beside `$ref` and unions (tests/foreign_as_is.rs).
    if let Err(e) = Config::new()
        .file_name("foreign_as_is.rs")
        .compile_types("../codegen/tests/fixtures/foreign_as_is")
    {
        eprintln!("{e}");
        std::process::exit(1);
    }
    wide_object();
}

/// How many properties the wide event of the generated wide fixture has.
const WIDE: usize = 5_000;

/// The kind of property `i` of a wide fixture object (tests/wide_object.rs knows the
/// pattern): 0 a required integer, 1 an optional integer, 2 a required nullable string, 3
/// an optional nullable string, 4 an optional string whose wire name differs from its
/// Rust name (`field-4`), 5 an optional map of integers. The first 600 cycle through all
/// six, the others are integers (strings and maps beyond that add compile time, not
/// coverage: 5,000 of all kinds take 65 s and 5 GB to compile, see bench/README.md).
fn kind(i: usize) -> usize {
    if i < 600 {
        i % 6
    } else {
        i % 2
    }
}

/// The properties of a wide fixture object, and its required ones.
fn wide_properties(n: usize) -> (String, String) {
    let props: Vec<String> = (0..n)
        .map(|i| match kind(i) {
            0 | 1 => format!(r#""field_{i}": {{ "type": "integer", "description": "Field {i}." }}"#),
            2 | 3 => format!(r#""field_{i}": {{ "type": ["string", "null"], "description": "Field {i}." }}"#),
            4 => format!(r#""field-{i}": {{ "type": "string", "default": "x", "description": "Field {i}." }}"#),
            _ => format!(
                r#""field_{i}": {{ "type": "object", "additionalProperties": {{ "type": "integer" }}, "description": "Field {i}." }}"#
            ),
        })
        .collect();
    let required: Vec<String> = (0..n)
        .filter(|i| kind(*i) == 0 || kind(*i) == 2)
        .map(|i| format!(r#""field_{i}""#))
        .collect();
    (props.join(",\n"), required.join(", "))
}

/// Writes a wide fixture set to `OUT_DIR/name` and generates `file` from it: `events` are
/// `(event type, properties, what else the object says)`.
fn wide_set(name: &str, file: &str, strict: bool, events: &[(&str, usize, &str)]) {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let dir = out.join(name);
    std::fs::create_dir_all(dir.join("w")).expect("create the wide fixture");
    let envelope = r#"{ "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-envelope": { "type_field": "type", "version_field": "version", "payload": "flat" },
  "type": "object", "properties": {
    "type": { "type": "string", "description": "Event type." },
    "version": { "type": "string", "description": "Version." } }, "required": ["type"] }"#;
    std::fs::write(dir.join("envelope.json"), envelope).expect("write the wide fixture");
    for (event_type, n, more) in events {
        let (props, required) = wide_properties(*n);
        let event = format!(
            r#"{{ "$schema": "https://json-schema.org/draft/2020-12/schema",
  "description": "An object with {n} properties.",
  "x-event": {{ "type": "{event_type}", "version": "1.0", "stream": "s", "producer": "p", "consumers": [] }},
  "type": "object", "properties": {{ {props} }}, "required": [{required}]{more} }}"#
        );
        std::fs::write(dir.join(format!("w/{event_type}.v1.json")), event)
            .expect("write the wide fixture");
    }
    let mut config = Config::new();
    config.file_name(file).strict_unknown_fields(strict);
    if let Err(e) = config.compile(&dir) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

/// The wide fixtures (issue 11): objects of more than `WIDE_STRUCT` properties, whose
/// serde and `PartialEq` impls the generator writes out, must compile with rustc's default
/// stack (the derived code of 2,000 fields overflows it) and read and write what a
/// derived struct of the same shape does (`wide.small`, 12 properties, is derived).
fn wide_object() {
    wide_set(
        "wide_schemas",
        "wide_object.rs",
        false,
        &[
            ("wide.object", WIDE, ""),
            ("wide.small", 12, ""),
            (
                "wide.extra",
                300,
                r#", "additionalProperties": { "type": "integer" }"#,
            ),
            (
                "wide.extra.small",
                12,
                r#", "additionalProperties": { "type": "integer" }"#,
            ),
        ],
    );
    wide_set(
        "wide_strict_schemas",
        "wide_strict.rs",
        true,
        &[
            ("wide.closed", 300, r#", "additionalProperties": false"#),
            (
                "wide.closed.small",
                12,
                r#", "additionalProperties": false"#,
            ),
        ],
    );
}

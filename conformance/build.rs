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
    wide_object();
}

/// How many properties the generated wide fixture has (tests/wide_object.rs reads it).
const WIDE: usize = 999;

/// A schema set with one object of [`WIDE`] properties (the most the generator maps, the
/// type field included), written at build time: its derived `Serialize`/`Deserialize`
/// must compile with rustc's default stack (issue 11; 5,000 fields overflow it).
fn wide_object() {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let dir = out.join("wide_schemas");
    std::fs::create_dir_all(dir.join("w")).expect("create the wide fixture");
    let envelope = r#"{ "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-envelope": { "type_field": "type", "payload": "flat" },
  "type": "object", "properties": { "type": { "type": "string", "description": "Event type." } }, "required": ["type"] }"#;
    let props: Vec<String> = (0..WIDE)
        .map(|i| format!(r#""field_{i}": {{ "type": "integer", "description": "Field {i}." }}"#))
        .collect();
    let required: Vec<String> = (0..WIDE)
        .step_by(2)
        .map(|i| format!(r#""field_{i}""#))
        .collect();
    let event = format!(
        r#"{{ "$schema": "https://json-schema.org/draft/2020-12/schema",
  "description": "An object with {WIDE} properties.",
  "x-event": {{ "type": "wide.object", "version": "1.0", "stream": "s", "producer": "p", "consumers": [] }},
  "type": "object", "properties": {{ {} }}, "required": [{}] }}"#,
        props.join(",\n"),
        required.join(", ")
    );
    std::fs::write(dir.join("envelope.json"), envelope).expect("write the wide fixture");
    std::fs::write(dir.join("w/wide.object.v1.json"), event).expect("write the wide fixture");
    let mut config = Config::new();
    config.file_name("wide_object.rs");
    if let Err(e) = config.compile(&dir) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

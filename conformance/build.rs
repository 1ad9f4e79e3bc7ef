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
}

//! Generates, beside the default (tolerant) crates, strict variants of both contract sets
//! and the construct fixtures, so tests can compare them.

use events_codegen::Config;

fn main() {
    let jobs = [
        ("../schemas", "vondi_strict.rs", true),
        ("../examples/kafka-orders/schemas", "kafka_strict.rs", true),
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
                config.manual_upcast("order.created", 1);
            }
            _ => {}
        }
        if let Err(e) = config.compile(dir) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

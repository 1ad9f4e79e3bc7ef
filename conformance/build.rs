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
    ];
    for (dir, file, strict) in jobs {
        if let Err(e) = Config::new()
            .strict_unknown_fields(strict)
            .file_name(file)
            .compile(dir)
        {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

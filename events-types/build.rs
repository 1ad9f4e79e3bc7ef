//! Generates the event types from `../schemas`.

fn main() {
    let strict = std::env::var_os("CARGO_FEATURE_STRICT").is_some();
    let schemars = std::env::var_os("CARGO_FEATURE_SCHEMARS").is_some();
    if let Err(e) = events_codegen::Config::new()
        .strict_unknown_fields(strict)
        .json_schema(schemars)
        .compile("../schemas")
    {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

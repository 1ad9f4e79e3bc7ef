//! Generates the event types from `../schemas`.

fn main() {
    let strict = std::env::var_os("CARGO_FEATURE_STRICT").is_some();
    if let Err(e) = events_codegen::Config::new()
        .strict_unknown_fields(strict)
        .compile("../schemas")
    {
        eprintln!("{e}");
        std::process::exit(1);
    }
    contracts();
}

/// `$OUT_DIR/contracts.rs`: the list of contract structs, for `impl EventSet for Event`
/// (src/set.rs), read from the same catalog the generator used.
fn contracts() {
    let set = events_codegen::SchemaSet::load(std::path::Path::new("../schemas"))
        .unwrap_or_else(|e| panic!("{e}"));
    let catalog = events_codegen::catalog(&set).unwrap_or_else(|e| panic!("{e}"));
    let mut out = String::from(
        "/// Every contract of the catalog.\npub const CONTRACTS: &[ContractInfo] = &[\n",
    );
    for e in &catalog.events {
        out.push_str(&format!(
            "    ContractInfo::of::<crate::{}>(),\n",
            e.struct_name
        ));
    }
    out.push_str("];\n");
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("contracts.rs");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(out.as_str()) {
        std::fs::write(&path, out).unwrap();
    }
}

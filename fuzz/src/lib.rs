//! Shared helpers of the fuzz targets: the repository's schema set and validator (loaded
//! once per process), seed documents made from the model, and the structure-aware schema
//! generator of `schema_codegen`.

use std::path::{Path, PathBuf};
use std::sync::{Once, OnceLock};

use events_check::sample::{self, Mode};
use events_check::validate::{json_to_fields, Validator};
use events_codegen::SchemaSet;
use serde_json::Value;

pub mod schemagen;

/// The repository's `schemas/` (the set `events-types` is generated from).
pub fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// The repository's schema set, loaded once.
pub fn schema_set() -> &'static SchemaSet {
    static SET: OnceLock<SchemaSet> = OnceLock::new();
    SET.get_or_init(|| {
        SchemaSet::load(&schemas_dir()).unwrap_or_else(|e| panic!("the repository's schemas: {e}"))
    })
}

/// The validator of the repository's schemas, built once.
pub fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let v = Validator::new(schema_set())
            .unwrap_or_else(|e| panic!("validator of the repository's schemas: {e}"));
        write_seeds(&v);
        v
    })
}

/// When `EVENTS_FUZZ_SEEDS` names a directory, writes seed documents there once per
/// process (`run.sh` does this before fuzzing): for every event of the catalog a full, a
/// minimal and two random instance, as JSON (`json/`), as a field map in JSON form
/// (`fields/`) and all of them as one NDJSON file (`ndjson/`).
fn write_seeds(validator: &Validator) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let Some(dir) = std::env::var_os("EVENTS_FUZZ_SEEDS") else {
            return;
        };
        let dir = PathBuf::from(dir);
        for sub in ["json", "fields", "ndjson"] {
            std::fs::create_dir_all(dir.join(sub)).expect("seed directory");
        }
        let catalog = validator.catalog();
        let mut ndjson = String::new();
        for event in &catalog.events {
            let modes = [
                ("full", Mode::Full),
                ("minimal", Mode::Minimal),
                ("random1", Mode::Random(1)),
                ("random2", Mode::Random(2)),
            ];
            for (name, mode) in modes {
                let doc = sample::instance(catalog, event, mode);
                let text = serde_json::to_string(&doc).expect("sample to JSON");
                let file = format!("{}-{name}.json", event.struct_name);
                std::fs::write(dir.join("json").join(&file), &text).expect("seed file");
                let fields: serde_json::Map<String, Value> = json_to_fields(&doc)
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                let fields = serde_json::to_string(&fields).expect("field map to JSON");
                std::fs::write(dir.join("fields").join(&file), &fields).expect("seed file");
                ndjson.push_str(&text);
                ndjson.push('\n');
            }
        }
        std::fs::write(dir.join("ndjson").join("all.ndjson"), ndjson).expect("seed file");
    });
}

/// A per-process scratch directory (in `/dev/shm` where there is one), emptied.
pub fn scratch_dir(name: &str) -> PathBuf {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("events-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Checks what `Config::generate` returned as far as can be done without rustc: it parses
/// as Rust, and no item, field or variant is defined twice (each of those is a compile
/// error in a consumer's build). Panics with the reason otherwise.
pub fn check_generated(code: &str) {
    use std::collections::BTreeSet;
    assert!(
        !code.contains("events-codegen produced invalid Rust"),
        "the generator emitted invalid Rust: {}",
        code.lines().find(|l| l.contains("compile_error")).unwrap_or("")
    );
    let file = syn::parse_file(code).unwrap_or_else(|e| panic!("generated code does not parse: {e}"));
    let mut items = BTreeSet::new();
    let mut impls = BTreeSet::new();
    for item in &file.items {
        let name = match item {
            syn::Item::Struct(s) => {
                if let syn::Fields::Named(f) = &s.fields {
                    let mut seen = BTreeSet::new();
                    for field in &f.named {
                        let n = field.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
                        assert!(seen.insert(n.clone()), "struct `{}` has two fields `{n}`", s.ident);
                    }
                }
                Some(s.ident.to_string())
            }
            syn::Item::Enum(e) => {
                let mut seen = BTreeSet::new();
                for v in &e.variants {
                    let n = v.ident.to_string();
                    assert!(seen.insert(n.clone()), "enum `{}` has two variants `{n}`", e.ident);
                }
                Some(e.ident.to_string())
            }
            syn::Item::Type(t) => Some(t.ident.to_string()),
            syn::Item::Const(c) => Some(c.ident.to_string()),
            syn::Item::Static(s) => Some(s.ident.to_string()),
            syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
            syn::Item::Mod(m) => Some(m.ident.to_string()),
            syn::Item::Trait(t) => Some(t.ident.to_string()),
            syn::Item::Impl(i) => {
                if let Some((path, _)) = &i.trait_ {
                    let key = format!(
                        "impl {} for {}",
                        quote_path(path),
                        type_string(&i.self_ty)
                    );
                    assert!(impls.insert(key.clone()), "generated code has `{key}` twice");
                }
                None
            }
            _ => None,
        };
        if let Some(name) = name {
            assert!(items.insert(name.clone()), "generated code defines `{name}` twice");
        }
    }
}

fn quote_path(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| {
            let args = match &s.arguments {
                syn::PathArguments::None => String::new(),
                syn::PathArguments::AngleBracketed(a) => format!(
                    "<{}>",
                    a.args
                        .iter()
                        .map(|a| match a {
                            syn::GenericArgument::Type(t) => type_string(t),
                            _ => "?".to_owned(),
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                syn::PathArguments::Parenthesized(_) => "(..)".to_owned(),
            };
            format!("{}{args}", s.ident)
        })
        .collect::<Vec<_>>()
        .join("::")
}

fn type_string(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => quote_path(&p.path),
        _ => "?".to_owned(),
    }
}

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

/// Checks what `Config::generate` returned as far as can be done without rustc: the
/// emitter produced Rust (it parses its tokens and writes a `compile_error!` when they do
/// not parse), and no item, trait impl, field or variant is defined twice (each of those is
/// a compile error in a consumer's build). Panics with the reason otherwise.
///
/// The code is prettyplease's, so its layout is fixed: items start at column 0, fields and
/// variants at column 4. Reading lines instead of parsing with syn halves the time of an
/// execution of `schema_codegen`.
pub fn check_generated(code: &str) {
    use std::collections::BTreeSet;
    assert!(
        !code.contains("events-codegen produced invalid Rust"),
        "the generator emitted invalid Rust: {}",
        code.lines()
            .find(|l| l.contains("compile_error"))
            .unwrap_or("")
    );
    let name_of = |rest: &str| -> String {
        rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '#'))
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let mut items = BTreeSet::new();
    let mut impls = BTreeSet::new();
    let mut members: Option<(String, BTreeSet<String>)> = None;
    for line in code.lines() {
        let first = line.chars().next().unwrap_or(' ');
        // The end of an item: what follows (a derive list of the next item, written one
        // path per line at column 4) is not its members.
        if first == '}' {
            members = None;
            continue;
        }
        if first.is_alphabetic() {
            members = None;
            let item = line.strip_prefix("pub ").unwrap_or(line);
            if item.starts_with("impl") {
                if item.contains(" for ") {
                    let key = item.trim_end_matches('{').trim_end().to_owned();
                    assert!(
                        impls.insert(key.clone()),
                        "generated code has `{key}` twice"
                    );
                }
                continue;
            }
            for kw in [
                "struct ", "enum ", "type ", "const ", "static ", "trait ", "fn ", "mod ",
            ] {
                if let Some(rest) = item.strip_prefix(kw) {
                    let name = name_of(rest);
                    assert!(
                        items.insert(name.clone()),
                        "generated code defines `{name}` twice"
                    );
                    if (kw == "struct " || kw == "enum ") && line.ends_with('{') {
                        members = Some((name, BTreeSet::new()));
                    }
                }
            }
        } else if let Some((owner, seen)) = &mut members {
            let Some(member) = line.strip_prefix("    ") else {
                continue;
            };
            if !member.starts_with(|c: char| c.is_alphabetic() || c == '_') {
                continue;
            }
            let member = member.strip_prefix("pub ").unwrap_or(member);
            let name = name_of(member);
            assert!(seen.insert(name.clone()), "`{owner}` has `{name}` twice");
        }
    }
}

//! The schema sets the fuzz target `schema_codegen` crashed on (fuzz/regressions/), each in
//! place of `order/order.cancelled.v1.json` in a copy of the repository's schemas: every one
//! now generates or gives a located error, on the test thread's ordinary stack.

use std::path::{Path, PathBuf};

use events_codegen::Config;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Generates from the repository's schemas with `order.cancelled` replaced by `file`.
fn generate_with(file: &Path) -> Result<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root.join("schemas"), tmp.path());
    std::fs::copy(file, tmp.path().join("order/order.cancelled.v1.json")).unwrap();
    Config::new().generate(tmp.path()).map_err(|e| {
        e.to_string()
            .replace(&tmp.path().display().to_string(), "<dir>")
    })
}

fn regressions() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/schema_codegen");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".order.cancelled.v1.json"))
        .collect();
    files.sort();
    files
}

fn case(name: &str) -> PathBuf {
    regressions()
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(name))
        .unwrap_or_else(|| panic!("no regression {name}"))
}

#[test]
fn every_recorded_crash_generates_or_gives_a_located_error() {
    let files = regressions();
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        if let Err(e) = generate_with(&file) {
            assert!(
                e.contains("<dir>/order/order.cancelled.v1.json"),
                "{}: error not located in the replaced file:\n{e}",
                file.display()
            );
        }
    }
}

#[test]
fn a_non_ascii_name_is_spelt_by_code_point() {
    for name in ["property-x2-not-an-ident", "enum-value-x2-not-an-ident"] {
        let code = generate_with(&case(name)).unwrap();
        assert!(code.to_lowercase().contains("u00b2"), "{name}");
        assert!(code.contains("\"x²\""), "{name}: the wire name is kept");
    }
}

#[test]
fn name_clashes_are_located_errors() {
    let e = generate_with(&case("property-extra-clashes-with-extra-map")).unwrap_err();
    assert!(e.contains("extra"), "{e}");
    let e = generate_with(&case("defs-named-event-clashes-with-event-enum")).unwrap_err();
    assert!(e.contains("Event"), "{e}");
}

#[test]
fn an_array_of_itself_does_not_overflow_the_stack() {
    // `A` is `{"type": "array", "items": {"$ref": "#/$defs/A"}}`: `type A = Vec<A>`, which
    // Rust cannot write; a located error naming the loop, never a stack overflow.
    let e = generate_with(&case("array-of-itself-stack-overflow")).unwrap_err();
    assert!(
        e.contains("order.cancelled.v1.json: /$defs/A") && e.contains("array items"),
        "{e}"
    );
}

/// Whole sets the fuzz target made up (fuzz/regressions/schema_codegen_sets/), each a
/// schema directory: generated code that parses and defines each member once.
#[test]
fn recorded_sets_generate_code_that_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/schema_codegen_sets");
    for entry in std::fs::read_dir(dir).unwrap() {
        let set = entry.unwrap().path();
        let code = Config::new()
            .generate(&set)
            .unwrap_or_else(|e| panic!("{}: {e}", set.display()));
        syn::parse_file(&code).unwrap_or_else(|e| panic!("{}: {e}", set.display()));
        // variant_named_default: an enum value `default` is the variant `Default`, once;
        // the fuzz target's checker took the next item's derive list for its variants.
        if set.ends_with("variant_named_default") {
            let body = code
                .split("pub enum EnvelopeAddress {")
                .nth(1)
                .and_then(|rest| rest.split('}').next())
                .unwrap();
            assert_eq!(body.matches("Default,").count(), 1, "{body}");
        }
    }
}

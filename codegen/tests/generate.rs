//! Generation from the fixture schema sets: golden files and determinism.

use std::path::Path;

use events_codegen::Config;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // Reverse order, so that directory listing order cannot leak into the output.
    entries.sort();
    entries.reverse();
    for path in entries {
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn constructs_golden() {
    let code = Config::new().generate(fixture("constructs")).unwrap();
    insta::assert_snapshot!("constructs", code);
}

#[test]
fn strict_mode_denies_unknown_fields_on_closed_structs_only() {
    let code = Config::new()
        .strict_unknown_fields(true)
        .generate(fixture("constructs"))
        .unwrap();
    let deny_count = code.matches("#[serde(deny_unknown_fields)]").count();
    let tolerant = Config::new().generate(fixture("constructs")).unwrap();
    assert_eq!(tolerant.matches("deny_unknown_fields").count(), 0);
    // Closed: ShapeEverythingV1, ShapeMinimalV1, ShapeMinimalV2, Money, ShapeEverythingV1Merged.
    assert_eq!(deny_count, 5, "{code}");
}

#[test]
fn output_is_deterministic_and_independent_of_file_order() {
    let first = Config::new().generate(fixture("constructs")).unwrap();
    let second = Config::new().generate(fixture("constructs")).unwrap();
    assert_eq!(first, second);
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("constructs"), tmp.path());
    let copied = Config::new().generate(tmp.path()).unwrap();
    assert_eq!(first, copied);
}

#[test]
fn the_vondi_catalog_generates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let code = Config::new().generate(&dir).unwrap();
    assert!(code.contains("pub struct OrderConfirmedV1 {"));
    assert!(code.starts_with("// @generated"));
}

#[test]
fn compile_writes_only_when_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = Config::new()
        .out_dir(tmp.path())
        .compile(fixture("constructs"))
        .unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    Config::new()
        .out_dir(tmp.path())
        .compile(fixture("constructs"))
        .unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
}

#[test]
fn a_conversion_that_is_not_mechanical_is_reported_with_where_to_write_it() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("constructs"), tmp.path());
    let v2 = tmp.path().join("shapes/shape.minimal.v2.json");
    let text = std::fs::read_to_string(&v2)
        .unwrap()
        .replace(
            r#""reason": { "type": "string", "description": "Added in v2, optional." }"#,
            r#""reason": { "type": "string", "description": "Added in v2, required." }"#,
        )
        .replace(
            r#""additionalProperties": false"#,
            r#""required": ["reason"], "additionalProperties": false"#,
        );
    std::fs::write(&v2, text).unwrap();
    let set = events_codegen::SchemaSet::load(tmp.path()).unwrap();
    let (code, warnings) = Config::new().generate_with_warnings(&set).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("ShapeMinimalV1 -> ShapeMinimalV2"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains("`reason`") && warnings[0].contains("src/upcast.rs"),
        "{}",
        warnings[0]
    );
    assert!(!code.contains("impl ::std::convert::From<ShapeMinimalV1> for ShapeMinimalV2"));
    // Regression: `Event::upcast` used to call the missing `From` impl, a rustc error inside
    // generated code in every consumer's build. Now the step is a `TryFrom` that returns a
    // typed error, and `upcast` is fallible.
    assert!(code.contains("impl ::std::convert::TryFrom<ShapeMinimalV1> for ShapeMinimalV2"));
    assert!(code.contains("::std::result::Result<Self, ::events_rt::UpcastError>"));
    assert!(
        warnings[0].contains("manual_upcast(\"shape.minimal\", 1)"),
        "{}",
        warnings[0]
    );

    // Once the conversion is written and declared, the generated `TryFrom` goes away (it
    // would conflict with the blanket impl over `From`) and no warning is left.
    let (code, warnings) = Config::new()
        .manual_upcast("shape.minimal", 1)
        .generate_with_warnings(&set)
        .unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(!code.contains("TryFrom<ShapeMinimalV1>"));
    assert!(code.contains("<ShapeMinimalV2 as ::std::convert::From<_>>::from(e)"));
}

/// The generated code with a non-mechanical step compiles: checked for real by the
/// conformance crate (fixture `versioned`, `account.opened` v2 -> v3); here the warning
/// for a `manual_upcast` that names no existing step.
#[test]
fn a_manual_upcast_without_a_next_major_is_reported() {
    let set = events_codegen::SchemaSet::load(&fixture("constructs")).unwrap();
    let (_, warnings) = Config::new()
        .manual_upcast("shape.minimal", 2)
        .generate_with_warnings(&set)
        .unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("no major 3"), "{}", warnings[0]);
}

#[test]
fn field_map_code_only_for_sets_with_streams() {
    // The construct fixtures publish to topics only: no Redis field-map entry points.
    let topics = Config::new().generate(fixture("constructs")).unwrap();
    assert!(!topics.contains("fn from_redis_fields"));
    assert!(!topics.contains("fn to_redis_fields"));
    let forced = Config::new()
        .field_maps(true)
        .generate(fixture("constructs"))
        .unwrap();
    assert!(forced.contains("pub fn from_redis_fields"));
    // The versioning fixture names streams: on by default.
    let streams = Config::new().generate(fixture("versioned")).unwrap();
    assert!(streams.contains("pub fn to_redis_fields"));
}

#[test]
fn attributes_land_on_the_matching_types_and_fields_only() {
    let code = Config::new()
        .type_attribute("Money", "#[derive(PartialOrd)]")
        .type_attribute("shape.minimal", "#[doc(alias = \"m\")]")
        .field_attribute("*.count", "#[doc(alias = \"n\")]")
        .generate(fixture("constructs"))
        .unwrap();
    assert_eq!(code.matches("#[derive(PartialOrd)]").count(), 1, "{code}");
    let money = code.find("pub struct Money").unwrap();
    assert!(
        code[..money].rfind("#[derive(PartialOrd)]").unwrap()
            > code[..money].rfind("pub struct").unwrap_or(0)
    );
    // Both majors of shape.minimal.
    assert_eq!(code.matches("#[doc(alias = \"m\")]").count(), 2);
    // Every `count` field (ShapeEverythingV1, ShapeMinimalV1, ShapeMinimalV2).
    assert_eq!(code.matches("#[doc(alias = \"n\")]").count(), 3);
}

#[test]
fn build_api_mistakes_are_located_errors_or_warnings() {
    let set = events_codegen::SchemaSet::load(&fixture("constructs")).unwrap();
    let err = Config::new()
        .type_attribute("Money", "derive(Eq)")
        .generate_set(&set)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Config::type_attribute") && err.contains("not an outer attribute"),
        "{err}"
    );
    let err = Config::new()
        .extern_path("defs/common.json#/$defs/Nope", "::x::Y")
        .generate_set(&set)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Config::extern_path") && err.contains("/$defs/Nope"),
        "{err}"
    );
    let (_, warnings) = Config::new()
        .type_attribute("Monee", "#[derive(Eq)]")
        .field_attribute("Money.amout", "#[doc(alias = \"a\")]")
        .generate_with_warnings(&set)
        .unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("\"Monee\""), "{warnings:?}");
    assert!(warnings[1].contains("\"Money.amout\""), "{warnings:?}");
}

#[test]
fn extern_path_replaces_the_generated_type() {
    let code = Config::new()
        .extern_path("defs/common.json#/$defs/Money", "::shop::Money")
        .generate(fixture("constructs"))
        .unwrap();
    assert!(!code.contains("pub struct Money"));
    assert!(code.contains("pub price: ::shop::Money"), "{code}");
}

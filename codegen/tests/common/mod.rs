//! What the tests of bad and hostile schema sets share: a flat envelope, a set written to
//! a temporary directory, the error text of generating from it.
#![allow(dead_code)]

use std::path::Path;

use events_codegen::Config;

pub const ENVELOPE: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-envelope": { "type_field": "type", "version_field": "version", "payload": "flat" },
  "type": "object",
  "properties": { "type": { "type": "string" }, "version": { "type": "string" } },
  "required": ["type"]
}"#;

pub fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A set made of `files` plus the envelope, in a temporary directory.
pub fn set_of(files: &[(&str, String)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "envelope.json", ENVELOPE);
    for (name, text) in files {
        write(tmp.path(), name, text);
    }
    tmp
}

/// The error text of generating from `files` (plus the envelope); `<dir>` for the root.
pub fn errors_of(files: &[(&str, String)]) -> String {
    let tmp = set_of(files);
    match Config::new().generate(tmp.path()) {
        Ok(code) => panic!("expected an error, generated:\n{code}"),
        Err(e) => e
            .to_string()
            .replace(&tmp.path().display().to_string(), "<dir>"),
    }
}

/// Asserts that one line of `errors` contains every one of `parts`.
pub fn assert_has(errors: &str, parts: &[&str]) {
    let line = errors.lines().find(|l| parts.iter().all(|p| l.contains(p)));
    assert!(line.is_some(), "no error line with {parts:?} in:\n{errors}");
}

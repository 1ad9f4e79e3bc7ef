//! Arbitrary bytes as a payload for the validator of `events-check`, against the
//! repository's schemas: as a JSON document, and as the field map that document stands for
//! (its values as text). Must not panic; reports must render.
//!
//! With `EVENTS_FUZZ_DIFFERENTIAL=1` it also checks issue 11's class 4, "the validator and
//! the typed decoder must agree": a JSON payload the validator accepts must decode with
//! the generated types (`events_types::Event::from_json`). Off by default until the
//! validator refuses what the decoder refuses (big integers, `1.0` in an integer field,
//! duplicate keys); the inputs it finds are in `fuzz/regressions/validate_payload/`.
#![no_main]

use events_check::validate::json_to_fields;
use libfuzzer_sys::fuzz_target;

fn differential() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("EVENTS_FUZZ_DIFFERENTIAL").is_some_and(|v| v == "1"))
}

fuzz_target!(|data: &[u8]| {
    let validator = events_fuzz::validator();
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let report = validator.validate(&doc);
    for v in &report.violations {
        let _ = format!("{} {} {} {:?}", v.path, v.rule, v.message, v.value);
    }
    if differential() && report.is_valid() {
        if let Err(e) = events_types::Event::from_json(data) {
            panic!(
                "the validator accepts a payload the typed decoder rejects: {e}\n  payload: {}",
                String::from_utf8_lossy(data)
            );
        }
    }
    let fields = json_to_fields(&doc);
    let as_json = validator.fields_to_json(&fields);
    let report = validator.validate_fields(&fields);
    let _ = report.is_valid();
    let _ = validator.validate(&as_json);
});

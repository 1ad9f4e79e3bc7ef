//! Arbitrary bytes as a payload for the validator of `events-check`, against the
//! repository's schemas: as a JSON document, and as the field map that document stands for
//! (its values as text). Must not panic; reports must render. The validator's quick path
//! (`Validator::accepts`) must never accept a payload the full path reports.
//!
//! It also checks issue 11's class 4, "the validator and the typed decoder agree": a JSON
//! payload the validator accepts (parsed as `events validate` parses it, duplicate keys
//! refused) must decode with the generated types (`events_types::Event::from_json`).
//! `EVENTS_FUZZ_DIFFERENTIAL=0` turns that check off.
#![no_main]

use events_check::validate::json_to_fields;
use libfuzzer_sys::fuzz_target;

fn differential() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("EVENTS_FUZZ_DIFFERENTIAL").is_none_or(|v| v != "0"))
}

fuzz_target!(|data: &[u8]| {
    let validator = events_fuzz::validator();
    // The quick path (one read into a borrowed document, validated in place) is sure
    // only of documents the full path finds valid.
    let quick = validator.accepts(data);
    let Ok(doc) = events_check::json::from_slice(data) else {
        assert!(!quick, "the quick path accepts text that does not read: {data:?}");
        return;
    };
    let report = validator.validate(&doc);
    if quick && !report.is_valid() {
        panic!(
            "the quick path accepts a payload the full path reports: {}\n  payload: {}",
            report.summary(),
            String::from_utf8_lossy(data)
        );
    }
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

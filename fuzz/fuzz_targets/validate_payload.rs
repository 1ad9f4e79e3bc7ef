//! Arbitrary bytes as a payload for the validator of `events-check`, against the
//! repository's schemas: as a JSON document, and as the field map that document stands for
//! (its values as text). Must not panic; reports must render.
#![no_main]

use events_check::validate::json_to_fields;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let validator = events_fuzz::validator();
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let report = validator.validate(&doc);
    for v in &report.violations {
        let _ = format!("{} {} {} {:?}", v.path, v.rule, v.message, v.value);
    }
    let _ = report.is_valid();
    let fields = json_to_fields(&doc);
    let as_json = validator.fields_to_json(&fields);
    let report = validator.validate_fields(&fields);
    let _ = report.is_valid();
    let _ = validator.validate(&as_json);
});

//! The `events validate` input path: `events_check::input` (the module the CLI reads its
//! inputs with) on arbitrary file content.
//!
//! Input layout: the first byte chooses the form hint (bits 0-1: auto, json, fields,
//! auto) and the file's name (bit 2: `x.json`, else `x.ndjson`); the rest is the file.
//! What happens next follows `whole_file` of `cli/src/validate.rs`: NDJSON sniffing
//! (`is_ndjson`), lines or the whole document parsed as `events validate` parses it
//! (`parse_into`: duplicate keys refused, then `classify` into payloads: arrays,
//! `redis-cli --json XRANGE` output, field maps), then each payload validated.
#![no_main]

use std::path::Path;
use std::sync::Arc;

use events_check::input::{self, At, Form, FormHint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let hint = match mode & 3 {
        1 => FormHint::Json,
        2 => FormHint::Fields,
        _ => FormHint::Auto,
    };
    let path = Path::new(if mode & 4 == 0 { "x.json" } else { "x.ndjson" });
    let validator = events_fuzz::validator();
    let source: Arc<str> = path.display().to_string().into();
    let mut payloads = Vec::new();
    if input::is_blank(bytes) {
        return;
    }
    if input::is_ndjson(path, bytes) {
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if !input::is_blank(line) {
                input::parse_into(line, &source, At::Line(i + 1), hint, &mut payloads);
            }
        }
    } else {
        input::parse_into(bytes, &source, At::Whole, hint, &mut payloads);
    }
    for p in payloads {
        let report = match &p.form {
            Form::Json(v) => validator.validate(v),
            Form::Fields(f) => validator.validate_fields(f),
            Form::Broken { .. } => continue,
        };
        let _ = report.is_valid();
    }
});

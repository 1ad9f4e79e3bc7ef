//! The `events validate` input path: the CLI's own `cli/src/input.rs` (compiled in here,
//! since `events-cli` is a binary crate without a library) on arbitrary file content.
//!
//! Input layout: the first byte chooses the form hint (bits 0-1: auto, json, fields,
//! auto) and the file's name (bit 2: `x.json`, else `x.ndjson`); the rest is the file.
//! What happens next follows `whole_file` / `parse_into` of `cli/src/validate.rs`: NDJSON
//! sniffing (`is_ndjson`), lines or the whole document parsed as `events validate` parses
//! it (duplicate keys refused), `classify` into payloads
//! (arrays, `redis-cli --json XRANGE` output, field maps), then each payload validated.
#![no_main]

use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, clippy::all)]
#[path = "../../cli/src/input.rs"]
mod input;

use input::{At, Form, FormHint, Payload};

fn parse_into(bytes: &[u8], source: &Arc<str>, at: At, hint: FormHint, out: &mut Vec<Payload>) {
    match events_check::json::from_slice(bytes) {
        Ok(v) => input::classify(v, source, at, hint, out),
        Err(e) => out.push(Payload {
            origin: input::Origin {
                source: source.clone(),
                at,
            },
            form: Form::Broken {
                rule: e.rule,
                path: e.path,
                message: e.message,
            },
        }),
    }
}

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
                parse_into(line, &source, At::Line(i + 1), hint, &mut payloads);
            }
        }
    } else {
        parse_into(bytes, &source, At::Whole, hint, &mut payloads);
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

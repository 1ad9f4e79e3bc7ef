//! Code generation time: the real catalog, and synthetic catalogs of 250, 500 and 1,000
//! event schemas (to show the growth is linear). Run: `cargo bench -p events-codegen`.

// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use events_codegen::Config;

const ENVELOPE: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-envelope": { "type_field": "type", "version_field": "version", "payload": "flat" },
  "type": "object",
  "properties": {
    "type": { "type": "string", "description": "Event type." },
    "version": { "type": "string", "description": "Version." },
    "timestamp": { "type": "integer", "format": "unix-time", "description": "Unix seconds." }
  },
  "required": ["type", "timestamp"]
}"#;

const COMMON: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$defs": {
    "Item": {
      "description": "An order line.",
      "type": "object",
      "properties": {
        "listing_id": { "type": "integer", "description": "Listing." },
        "quantity": { "type": "integer", "format": "int32", "description": "Units." }
      },
      "required": ["listing_id", "quantity"],
      "additionalProperties": false
    }
  }
}"#;

/// A seed-shaped event schema: ids, strings, an enum, a date-time, a nested object, a `$ref`.
fn event_schema(i: usize) -> String {
    format!(
        r##"{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "description": "Synthetic event number {i}.",
  "x-event": {{ "type": "synthetic{c}.event{i}", "version": "1.0", "stream": "synthetic:events:{c}", "producer": "bench", "consumers": ["a", "b"] }},
  "type": "object",
  "properties": {{
    "order_id": {{ "type": "integer", "description": "Order." }},
    "parcel_id": {{ "type": "string", "description": "Parcel." }},
    "status": {{ "enum": ["new", "in_transit", "delivered"], "description": "Status." }},
    "amount": {{ "type": "number", "description": "Amount." }},
    "note": {{ "type": ["string", "null"], "description": "Note." }},
    "at": {{ "type": "string", "format": "date-time", "description": "When." }},
    "address": {{
      "type": "object",
      "description": "Where.",
      "properties": {{ "city": {{ "type": "string", "description": "City." }}, "postal_code": {{ "type": "string", "description": "Code." }} }},
      "required": ["city"]
    }},
    "items": {{ "type": "array", "items": {{ "$ref": "../common.json#/$defs/Item" }}, "description": "Lines." }}
  }},
  "required": ["order_id", "status"],
  "additionalProperties": false
}}"##,
        c = i % 10
    )
}

/// Writes a synthetic catalog of `n` events into `dir`.
fn synthetic(dir: &Path, n: usize) {
    std::fs::write(dir.join("envelope.json"), ENVELOPE).unwrap();
    std::fs::write(dir.join("common.json"), COMMON).unwrap();
    let events = dir.join("events");
    std::fs::create_dir_all(&events).unwrap();
    for i in 0..n {
        let name = format!("synthetic{}.event{i}.v1.json", i % 10);
        std::fs::write(events.join(name), event_schema(i)).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    group.bench_function("vondi-catalog", |b| {
        b.iter(|| Config::new().generate(&real).unwrap())
    });
    for n in [250usize, 500, 1000] {
        let tmp = tempfile::tempdir().unwrap();
        synthetic(tmp.path(), n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("synthetic", n), &n, |b, _| {
            b.iter(|| Config::new().generate(tmp.path()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

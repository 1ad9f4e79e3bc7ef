//! `FieldSet::encode_xadd`, the publisher's encode path (fields written straight into the
//! command), packs every event of every catalog to the same bytes as the field-map path
//! (`xadd(stream, max_len, &encode_fields()?)`), and a batch to the same pipeline.

mod common;

use events_check::sample::{instance, Mode};
use events_rt::redis::{driver as redis, xadd};
use events_rt::{ContractInfo, DecodeError, EventSet, FieldError, FieldSet, Fields};
use serde_json::{json, Value};

/// The packed XADD of `event` by the field-map path and by `encode_xadd`.
fn both<E: FieldSet>(event: &E, max_len: Option<usize>) -> [Result<Vec<u8>, FieldError>; 2] {
    let stream = event.channel();
    let old = event
        .encode_fields()
        .map(|f| xadd(stream, max_len, &f).get_packed_command());
    let new = event
        .encode_xadd(stream, max_len)
        .map(|c| c.get_packed_command());
    // The publisher's own connection writes the same bytes straight into its buffer,
    // after whatever the buffer holds; on error it leaves the buffer as it was.
    let mut buf = b"previous".to_vec();
    let direct = events_rt::redis::write_xadd(event, stream, max_len, &mut buf);
    match (&direct, &new) {
        (Ok(()), Ok(packed)) => assert_eq!(
            String::from_utf8_lossy(&buf[8..]),
            String::from_utf8_lossy(packed)
        ),
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            assert_eq!(buf, b"previous");
        }
        _ => panic!("write_xadd {direct:?}, encode_xadd {new:?}"),
    }
    [old, new]
}

#[track_caller]
fn same<E: FieldSet>(event: &E, what: &str) {
    for max_len in [None, event.max_len(), Some(100_000)] {
        let [old, new] = both(event, max_len);
        assert!(old.is_ok(), "{what}: {old:?}");
        assert_eq!(
            new.as_deref().map(String::from_utf8_lossy),
            old.as_deref().map(String::from_utf8_lossy),
            "{what}"
        );
    }
}

/// An event set that only has `encode_fields`: `encode_xadd` takes the trait's default
/// path (through the field map).
#[derive(Debug)]
struct ViaFields<E>(E);

impl<E: FieldSet> EventSet for ViaFields<E> {
    fn decode_json(json: &[u8]) -> Result<Self, DecodeError> {
        E::decode_json(json).map(Self)
    }
    fn encode_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        self.0.encode_json()
    }
    fn type_name(&self) -> &'static str {
        self.0.type_name()
    }
    fn channel(&self) -> &'static str {
        self.0.channel()
    }
    fn info(&self) -> ContractInfo {
        self.0.info()
    }
    fn contracts() -> Vec<ContractInfo> {
        E::contracts()
    }
}

impl<E: FieldSet> FieldSet for ViaFields<E> {
    fn decode_fields(fields: &[(String, String)]) -> Result<Self, DecodeError> {
        E::decode_fields(fields).map(Self)
    }
    fn encode_fields(&self) -> Result<Fields, FieldError> {
        self.0.encode_fields()
    }
}

/// Full, minimal and random instances of every event of the catalog in `dir` that `E` holds
/// (the generated `Event` of that catalog: all of them; a contract struct: its own), decoded
/// as `E`.
fn instances<E: FieldSet>(dir: &str) -> Vec<(String, E)> {
    let set = common::load(dir);
    let contracts = E::contracts();
    let mut out = Vec::new();
    for event in &set.catalog.events {
        if !contracts
            .iter()
            .any(|c| c.event_type == event.def.event_type && c.major == event.def.major)
        {
            continue;
        }
        let modes = [Mode::Full, Mode::Minimal]
            .into_iter()
            .chain((0..12).map(Mode::Random));
        for mode in modes {
            let doc = instance(&set.catalog, event, mode);
            let bytes = serde_json::to_vec(&doc).unwrap();
            let typed = E::decode_json(&bytes)
                .unwrap_or_else(|e| panic!("{}: {e}: {doc}", event.def.event_type));
            out.push((format!("{} {mode:?}: {doc}", event.def.event_type), typed));
        }
    }
    assert!(!out.is_empty(), "{dir}: no events");
    out
}

#[track_caller]
fn every_instance<E: FieldSet>(dir: &str) {
    for (what, event) in instances::<E>(dir) {
        same(&event, &what);
        same(&ViaFields(event), &what);
    }
}

#[test]
fn every_seed_event_packs_to_the_field_map_bytes() {
    every_instance::<events_types::Event>("schemas");
    every_instance::<events_conformance::vondi_strict::Event>("schemas");
}

#[test]
fn every_example_catalog_packs_to_the_field_map_bytes() {
    // The catalogs whose `Event` has field maps (the AMQP ones have none).
    every_instance::<kafka_orders_events::Event>("examples/kafka-orders/schemas");
    every_instance::<events_conformance::versioned::Event>("codegen/tests/fixtures/versioned");
    every_instance::<events_conformance::hostile_names::Event>(
        "codegen/tests/fixtures/hostile_names",
    );
}

#[test]
fn every_construct_packs_to_the_field_map_bytes() {
    use events_conformance::{constructs, constructs_strict};
    let dir = "codegen/tests/fixtures/constructs";
    every_instance::<constructs::ShapeEverythingV1>(dir);
    every_instance::<constructs::ShapeMinimalV1>(dir);
    every_instance::<constructs::ShapeMinimalV2>(dir);
    every_instance::<constructs_strict::ShapeEverythingV1>(dir);
}

#[test]
fn every_sample_packs_to_the_field_map_bytes() {
    for dir in ["samples/vondi/json", "samples/vondi/redis"] {
        let mut decoded = 0;
        for (name, doc) in common::samples(dir) {
            // Samples kept as field maps are objects of strings; JSON samples are documents.
            let event = match events_types::Event::from_json(&serde_json::to_vec(&doc).unwrap()) {
                Ok(e) => e,
                Err(_) => {
                    let Some(map) = doc.as_object() else { continue };
                    let fields: Vec<(String, String)> = map
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect();
                    match events_types::Event::from_redis_fields(&fields) {
                        Ok(e) => e,
                        Err(_) => continue,
                    }
                }
            };
            same(&event, &name);
            decoded += 1;
        }
        assert!(decoded > 0, "{dir}: no sample decoded");
    }
}

/// The constructs' full document with one change.
fn construct(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut doc = common::constructs_full();
    change(doc.as_object_mut().unwrap());
    doc
}

#[test]
fn edge_cases_pack_to_the_field_map_bytes() {
    use events_conformance::constructs::ShapeEverythingV1;
    let cases: Vec<(&str, Value)> = vec![
        ("explicit nulls", construct(|_| {})),
        (
            "absent optionals",
            construct(|d| {
                // `nullable_text` is required (null allowed); `maybe_null` and `ratio` are not.
                d.remove("maybe_null");
                d.remove("ratio");
                d.remove("tags");
            }),
        ),
        (
            "values where null may be",
            construct(|d| {
                d.insert("nullable_text".into(), json!("Ниш, 東京 🚚 \"q\" \\ \r\n"));
            }),
        ),
        (
            "floats",
            construct(|d| {
                d.insert("ratio".into(), json!(1e21));
                d.insert("price".into(), json!({"amount": 5e-324, "currency": "RSD"}));
            }),
        ),
        (
            "whole float",
            construct(|d| {
                d.insert("ratio".into(), json!(100.0));
            }),
        ),
        (
            "negative float",
            construct(|d| {
                d.insert("ratio".into(), json!(-0.5));
            }),
        ),
        (
            "unicode",
            construct(|d| {
                d.insert("fixed".into(), json!("v"));
                d.insert("tags".into(), json!(["é", "🚚", "e\u{301}", ""]));
                d.insert("labels".into(), json!({"ключ": 1, "\"": 2}));
            }),
        ),
        (
            "nested JSON",
            construct(|d| {
                d.insert(
                    "anything".into(),
                    json!({"a": [[], {}, null, 1.5, "x"], "b": {"c": {"d": [true]}}}),
                );
            }),
        ),
        (
            "JSON-string-encoded field, native spelling",
            construct(|d| {
                d.insert("packed".into(), json!({"p": 1}));
            }),
        ),
        (
            "JSON-string-encoded field, string spelling",
            construct(|d| {
                d.insert("packed".into(), json!("{\"p\":1,\"q\":-2}"));
            }),
        ),
        (
            "other union member",
            construct(|d| {
                d.insert("either".into(), json!("forty-two"));
            }),
        ),
    ];
    for (what, doc) in cases {
        let event = ShapeEverythingV1::decode_json(&serde_json::to_vec(&doc).unwrap())
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        same(&event, what);
        same(&ViaFields(event), what);
    }
}

#[test]
fn a_batch_packs_to_the_same_pipeline() {
    let events: Vec<events_types::Event> =
        instances("schemas").into_iter().map(|(_, e)| e).collect();
    for chunk in events.chunks(32) {
        let (mut old, mut new) = (redis::Pipeline::new(), redis::Pipeline::new());
        for e in chunk {
            let fields = e.encode_fields().unwrap();
            old.add_command(xadd(e.channel(), e.max_len(), &fields));
            new.add_command(e.encode_xadd(e.channel(), e.max_len()).unwrap());
        }
        assert_eq!(new.get_packed_pipeline(), old.get_packed_pipeline());
    }
}

#[test]
fn an_event_that_does_not_encode_fails_with_the_same_error() {
    use events_conformance::constructs::ShapeEverythingV1;
    let doc = construct(|_| {});
    let mut event = ShapeEverythingV1::decode_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
    event.ratio = Some(f64::NAN);
    let [old, new] = both(&event, Some(10));
    let old = old.unwrap_err();
    assert_eq!(old.field.as_deref(), Some("ratio"), "{old}");
    assert_eq!(new.unwrap_err(), old);
    let [old, new] = both(&ViaFields(event), None);
    assert_eq!(new.unwrap_err(), old.unwrap_err());
}

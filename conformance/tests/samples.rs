//! Contract tests over every payload printed in seeds 000, 001, 002, 003 and 004.
//!
//! Each valid sample must pass schema validation, decode into its typed struct (tolerant
//! and strict), and re-encode to an equal document in the same form (`items` stays a
//! string where it was one). Each invalid sample must be rejected with the expected path,
//! and strict typed decoding must agree with the validator on every sample.

mod common;

use common::{dotted, samples, Set};
use events_rt::DecodeError;
use serde_json::Value;

/// Decoders of one contract set: tolerant (the published crate) and strict.
struct Decoders {
    tolerant: fn(&[u8]) -> Result<Value, DecodeError>,
    strict: fn(&[u8]) -> Result<Value, DecodeError>,
    type_field: &'static str,
}

fn vondi_decoders() -> Decoders {
    Decoders {
        tolerant: |b| events_types::Event::from_json(b).map(|e| serde_json::to_value(e).unwrap()),
        strict: |b| {
            events_conformance::vondi_strict::Event::from_json(b)
                .map(|e| serde_json::to_value(e).unwrap())
        },
        type_field: "type",
    }
}

fn kafka_decoders() -> Decoders {
    Decoders {
        tolerant: |b| {
            kafka_orders_events::Event::from_json(b).map(|e| serde_json::to_value(e).unwrap())
        },
        strict: |b| {
            events_conformance::kafka_strict::Event::from_json(b)
                .map(|e| serde_json::to_value(e).unwrap())
        },
        type_field: "event_type",
    }
}

fn rabbitmq_decoders() -> Decoders {
    Decoders {
        tolerant: |b| {
            rabbitmq_orders_events::Event::from_json(b).map(|e| serde_json::to_value(e).unwrap())
        },
        strict: |b| {
            events_conformance::rabbitmq_strict::Event::from_json(b)
                .map(|e| serde_json::to_value(e).unwrap())
        },
        type_field: "type",
    }
}

fn node_decoders() -> Decoders {
    Decoders {
        tolerant: |b| {
            node_orders_events::Event::from_json(b).map(|e| serde_json::to_value(e).unwrap())
        },
        strict: |b| {
            events_conformance::node_strict::Event::from_json(b)
                .map(|e| serde_json::to_value(e).unwrap())
        },
        type_field: "name",
    }
}

fn check_valid(set: &Set, d: &Decoders, dir: &str) -> usize {
    let all = samples(dir);
    for (name, doc) in &all {
        let report = set.validator.validate(doc);
        assert!(
            report.is_valid(),
            "{name}: schema validation failed: {:#?}",
            report.violations
        );
        assert_eq!(
            report.event_type.as_deref(),
            doc[d.type_field].as_str(),
            "{name}"
        );
        let bytes = serde_json::to_vec(doc).unwrap();
        let tolerant = (d.tolerant)(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&tolerant, doc, "{name}: re-encoded document differs");
        let strict = (d.strict)(&bytes).unwrap_or_else(|e| panic!("{name} (strict): {e}"));
        assert_eq!(&strict, doc, "{name}: strict re-encoded document differs");
    }
    all.len()
}

fn check_invalid(set: &Set, d: &Decoders, dir: &str) -> usize {
    let all = samples(dir);
    for (name, wrapper) in &all {
        let doc = &wrapper["payload"];
        let path = wrapper["expected_path"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no expected_path"));
        let rule = wrapper["expected_rule"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no expected_rule"));
        let property = wrapper.get("expected_property").and_then(Value::as_str);
        let report = set.validator.validate(doc);
        let hit = report.violations.iter().any(|v| {
            v.path == path && v.rule == rule && property.is_none_or(|p| v.message.contains(p))
        });
        assert!(
            hit,
            "{name}: expected {rule} at {path:?} ({property:?}), got {:#?}",
            report.violations
        );

        let bytes = serde_json::to_vec(doc).unwrap();
        let strict = (d.strict)(&bytes).expect_err(&format!("{name}: strict decoding accepted it"));
        match (&strict, rule) {
            (DecodeError::UnknownType(e), "event_type") => {
                assert!(e.nearest.is_some(), "{name}: no suggestion in {e}");
            }
            (DecodeError::Invalid { message, .. }, "required") => {
                let p =
                    property.unwrap_or_else(|| panic!("{name}: required needs expected_property"));
                assert!(
                    message.contains(&format!("missing field `{p}`")),
                    "{name}: {message}"
                );
            }
            (DecodeError::Invalid { message, .. }, "additionalProperties") => {
                let p = property.unwrap_or_else(|| {
                    panic!("{name}: additionalProperties needs expected_property")
                });
                assert!(
                    message.contains(&format!("unknown field `{p}`")),
                    "{name}: {message}"
                );
            }
            (DecodeError::Invalid { path: got, .. }, _) => {
                assert_eq!(
                    got,
                    &dotted(path),
                    "{name}: typed decoding blamed another field: {strict}"
                );
            }
            (other, _) => panic!("{name}: unexpected error {other:?}"),
        }
        let tolerant = (d.tolerant)(&bytes);
        if rule == "additionalProperties" {
            // The documented difference: the tolerant reader ignores unknown fields.
            assert!(
                tolerant.is_ok(),
                "{name}: tolerant decoding should ignore unknown fields"
            );
        } else {
            assert!(tolerant.is_err(), "{name}: tolerant decoding accepted it");
        }
    }
    all.len()
}

#[test]
fn vondi_json_samples_round_trip_and_validate() {
    let n = check_valid(&common::vondi(), &vondi_decoders(), "samples/vondi/json");
    assert!(n >= 10, "only {n} samples");
}

#[test]
fn vondi_invalid_samples_are_rejected_with_their_path() {
    check_invalid(&common::vondi(), &vondi_decoders(), "samples/vondi/invalid");
}

#[test]
fn kafka_samples_round_trip_and_validate() {
    let n = check_valid(
        &common::kafka(),
        &kafka_decoders(),
        "examples/kafka-orders/samples/json",
    );
    assert_eq!(n, 10, "seed 003 prints ten payloads");
}

#[test]
fn kafka_invalid_samples_are_rejected_with_their_path() {
    check_invalid(
        &common::kafka(),
        &kafka_decoders(),
        "examples/kafka-orders/samples/invalid",
    );
}

#[test]
fn rabbitmq_samples_round_trip_and_validate() {
    let n = check_valid(
        &common::rabbitmq(),
        &rabbitmq_decoders(),
        "examples/rabbitmq-orders/samples/json",
    );
    assert_eq!(n, 29, "one sample per event type of seed 002's tables");
}

#[test]
fn rabbitmq_invalid_samples_are_rejected_with_their_path() {
    check_invalid(
        &common::rabbitmq(),
        &rabbitmq_decoders(),
        "examples/rabbitmq-orders/samples/invalid",
    );
}

#[test]
fn node_samples_round_trip_and_validate() {
    let n = check_valid(
        &common::node(),
        &node_decoders(),
        "examples/node-orders/samples/json",
    );
    assert_eq!(n, 3, "seed 004 prints three payloads");
}

#[test]
fn node_invalid_samples_are_rejected_with_their_path() {
    check_invalid(
        &common::node(),
        &node_decoders(),
        "examples/node-orders/samples/invalid",
    );
}

#[test]
fn seed_000_field_maps_decode_and_re_encode_identically() {
    let set = common::vondi();
    for (name, doc) in samples("samples/vondi/redis") {
        let pairs: Vec<(String, String)> = doc
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .unwrap_or_else(|| panic!("{name}: {k} is not a string"))
                        .to_owned(),
                )
            })
            .collect();
        let event = events_types::Event::from_redis_fields(&pairs)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.major(), 1, "{name}: no version field means major 1");
        let encoded = event.to_redis_fields().unwrap();
        assert_eq!(encoded[0].0, "type", "{name}: type goes first");
        let mut ours: Vec<(String, String)> = encoded
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v))
            .collect();
        let mut theirs = pairs.clone();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{name}: field map differs");
        // The same event in JSON form passes schema validation.
        let json = serde_json::to_value(&event).unwrap();
        let report = set.validator.validate(&json);
        assert!(report.is_valid(), "{name}: {:#?}", report.violations);
    }
}

#[test]
fn strict_decoding_and_validation_agree_on_every_sample() {
    for (set, d, dirs) in [
        (
            common::vondi(),
            vondi_decoders(),
            ["samples/vondi/json", "samples/vondi/invalid"],
        ),
        (
            common::kafka(),
            kafka_decoders(),
            [
                "examples/kafka-orders/samples/json",
                "examples/kafka-orders/samples/invalid",
            ],
        ),
        (
            common::rabbitmq(),
            rabbitmq_decoders(),
            [
                "examples/rabbitmq-orders/samples/json",
                "examples/rabbitmq-orders/samples/invalid",
            ],
        ),
        (
            common::node(),
            node_decoders(),
            [
                "examples/node-orders/samples/json",
                "examples/node-orders/samples/invalid",
            ],
        ),
    ] {
        for dir in dirs {
            for (name, file) in samples(dir) {
                let doc = if dir.ends_with("invalid") {
                    file["payload"].clone()
                } else {
                    file
                };
                let valid = set.validator.validate(&doc).is_valid();
                let typed = (d.strict)(&serde_json::to_vec(&doc).unwrap()).is_ok();
                assert_eq!(
                    valid, typed,
                    "{dir}/{name}: validator says {valid}, strict decoding says {typed}"
                );
            }
        }
    }
}

#[test]
fn the_envelope_reads_the_header_of_any_event() {
    let header: events_types::Envelope =
        serde_json::from_str(r#"{"type":"something.new","timestamp":1734825600,"order_id":5}"#)
            .unwrap();
    assert_eq!(header.r#type, "something.new");
    assert_eq!(header.timestamp.seconds(), 1_734_825_600);
    assert!(header.version.is_absent());
    for (name, doc) in samples("examples/kafka-orders/samples/json") {
        let header: kafka_orders_events::Envelope =
            serde_json::from_value(doc.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            header.event_type,
            doc["event_type"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            header.metadata.correlation_id.to_string(),
            doc["metadata"]["correlation_id"].as_str().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn the_amqp_envelopes_read_the_header_of_any_event() {
    for (name, doc) in samples("examples/rabbitmq-orders/samples/json") {
        let header: rabbitmq_orders_events::Envelope =
            serde_json::from_value(doc.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(header.r#type, doc["type"].as_str().unwrap(), "{name}");
        assert_eq!(
            header.tenant_id,
            doc["tenant_id"].as_str().unwrap(),
            "{name}"
        );
    }
    // A type the catalog does not know yet still has a readable header.
    let header: node_orders_events::Envelope = serde_json::from_str(
        r#"{"name":"order.paid","id":"0d6e8f1a-2b3c-4d5e-8f90-1a2b3c4d5e6f","timestamp":"2025-03-14T09:26:53.589Z","data":{"orderId":"x"}}"#,
    )
    .unwrap();
    assert_eq!(header.name, "order.paid");
}

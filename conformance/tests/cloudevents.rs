//! CloudEvents 1.0 over every sample of every contract set: envelope → CloudEvent →
//! envelope gives the same document, through the typed `Event` and through the
//! catalog-derived mapping the CLI uses, in structured and in both binary modes.

mod common;

use common::{samples, Set};
use events_codegen::cloudevents::CloudEventMapping;
use events_rt::cloudevents::{self, ContractFacts, AMQP_PREFIX, KAFKA_PREFIX};
use events_rt::EventSet;
use serde_json::Value;

fn binary_round_trip(ce: &Value, prefix: &str) -> Value {
    let (headers, body) = cloudevents::to_binary(ce, prefix).unwrap();
    assert!(headers
        .iter()
        .any(|(k, _)| k == &format!("{prefix}specversion")));
    let raw: Vec<(String, Vec<u8>)> = headers
        .into_iter()
        .map(|(k, v)| (k, v.into_bytes()))
        .collect();
    cloudevents::from_binary(&raw, &body, prefix)
        .unwrap()
        .expect("a binary CloudEvent")
}

/// Checks one set: the typed path with `E`, the untyped path with the set's mapping.
fn check<E: EventSet>(set: &Set, dir: &str, type_field: &str) -> usize {
    let mapping = CloudEventMapping::of(&set.schemas).expect("a contract set has a mapping");
    let mut n = 0;
    for (name, doc) in samples(dir) {
        let bytes = serde_json::to_vec(&doc).unwrap();
        let event = E::decode_json(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let encoded = event.encode_json().unwrap();
        let ce = event
            .cloudevent_of(&encoded)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ce["specversion"], "1.0", "{name}");
        assert_eq!(ce["type"], doc[type_field], "{name}");
        assert!(
            ce["dataschema"]
                .as_str()
                .unwrap()
                .starts_with("urn:events:schema:"),
            "{name}"
        );
        let info = event.info();
        if let Some(key) = info.key {
            assert_eq!(
                ce["partitionkey"].as_str(),
                doc.pointer(key).and_then(Value::as_str),
                "{name}"
            );
        }
        // Structured, Kafka binary and AMQP binary: each decodes to an equal event.
        for (mode, form) in [
            ("structured", ce.clone()),
            ("kafka binary", binary_round_trip(&ce, KAFKA_PREFIX)),
            ("amqp binary", binary_round_trip(&ce, AMQP_PREFIX)),
        ] {
            let back = E::from_cloudevent(&form).unwrap_or_else(|e| panic!("{name} ({mode}): {e}"));
            let again: Value = serde_json::from_slice(&back.encode_json().unwrap()).unwrap();
            assert_eq!(
                again, doc,
                "{name} ({mode}): the typed round trip changed the document"
            );
        }
        // The catalog-derived mapping on the document as it is: same document, same key order.
        let untyped = mapping.with(|m| {
            let facts = ContractFacts {
                producer: info.producer,
                version: info.version,
                key: info.key,
            };
            let ce2 = cloudevents::to_cloudevent(&doc, m, &facts).unwrap();
            assert_eq!(
                ce2, ce,
                "{name}: the CLI's mapping disagrees with the generated one"
            );
            cloudevents::from_cloudevent(&ce2, m).unwrap()
        });
        assert_eq!(
            serde_json::to_string(&untyped).unwrap(),
            serde_json::to_string(&doc).unwrap(),
            "{name}: the untyped round trip changed the document"
        );
        n += 1;
    }
    n
}

#[test]
fn every_sample_of_every_set_round_trips() {
    let counts = [
        check::<events_types::Event>(&common::vondi(), "samples/vondi/json", "type"),
        check::<kafka_orders_events::Event>(
            &common::kafka(),
            "examples/kafka-orders/samples/json",
            "event_type",
        ),
        check::<rabbitmq_orders_events::Event>(
            &common::rabbitmq(),
            "examples/rabbitmq-orders/samples/json",
            "type",
        ),
        check::<node_orders_events::Event>(
            &common::node(),
            "examples/node-orders/samples/json",
            "name",
        ),
    ];
    assert!(counts.iter().all(|n| *n > 0), "{counts:?}");
    eprintln!("CloudEvents round trips per set (vondi, kafka, rabbitmq, node): {counts:?}");
}

#[test]
fn seed_003_attributes() {
    let doc = &samples("examples/kafka-orders/samples/json")[0].1;
    let event = kafka_orders_events::Event::from_json(&serde_json::to_vec(doc).unwrap()).unwrap();
    let ce: Value = serde_json::from_slice(&event.to_cloudevent_json().unwrap()).unwrap();
    assert_eq!(ce["id"], doc["event_id"]);
    assert_eq!(ce["source"], "order-service");
    assert_eq!(ce["time"], doc["timestamp"]);
    assert_eq!(ce["dataschema"], "urn:events:schema:order.created:1.0");
    assert_eq!(ce["correlationid"], doc["metadata"]["correlation_id"]);
    assert_eq!(ce["causationid"], doc["metadata"]["causation_id"]);
    assert_eq!(ce["partitionkey"], doc["data"]["order_id"]);
    assert_eq!(ce["data"], doc["data"]);
    let back = kafka_orders_events::Event::from_cloudevent_json(&serde_json::to_vec(&ce).unwrap())
        .unwrap();
    assert_eq!(back, event);
}

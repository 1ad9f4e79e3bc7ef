//! The version field is written from the contract, kept as read, found at a nested path,
//! and major versions convert (mechanically, by hand, or with a typed error).

use events_conformance::{nested_version as nested, versioned as acc};
use events_rt::{Contract, FieldCodec, UpcastError};
use serde_json::{json, Value};

fn to_json(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap()
}

/// Regression: a `…V2` built without a version went out without one and came back as v1,
/// the tolerant reader dropping its v2 fields.
#[test]
fn a_new_v2_event_is_written_as_v2_and_read_back_as_v2() {
    let mut ev = acc::AccountOpenedV2::new(1_700_000_000, 42);
    ev.plan = Some("pro".into());
    assert_eq!(to_json(&ev)["version"], json!("2.3"));
    let back = acc::Event::from_json(&serde_json::to_vec(&ev).unwrap()).unwrap();
    assert_eq!(back, acc::Event::AccountOpenedV2(ev.clone()));

    let fields = ev.to_redis_fields().unwrap();
    let version = fields
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.as_str());
    assert_eq!(version, Some("2.3"));
    let back = acc::Event::from_redis_fields(&fields).unwrap();
    assert_eq!(back, acc::Event::AccountOpenedV2(ev.clone()));
    assert_eq!(acc::Event::from(ev).to_redis_fields().unwrap(), fields);
}

#[test]
fn default_stamps_the_version_too() {
    let ev = acc::AccountOpenedV3::default();
    assert_eq!(ev.version.as_str(), Some(acc::AccountOpenedV3::VERSION));
    let doc = to_json(&ev);
    assert_eq!(doc["version"], json!("3.0"));
    assert_eq!(doc["type"], json!("account.opened"));
    let back = acc::Event::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
    assert_eq!(back.major(), 3);
}

#[test]
fn another_minor_of_the_same_major_is_kept_on_re_publish() {
    for doc in [
        json!({"type":"account.opened","version":"2.9","timestamp":1,"account_id":5,"plan":"x"}),
        json!({"type":"account.opened","version":"2.0","timestamp":1,"account_id":5}),
    ] {
        let bytes = serde_json::to_vec(&doc).unwrap();
        let ev = acc::Event::from_json(&bytes).unwrap();
        assert_eq!(ev.major(), 2);
        assert_eq!(to_json(&ev), doc);
        let fields = ev.to_redis_fields().unwrap();
        assert_eq!(acc::Event::from_redis_fields(&fields).unwrap(), ev);
    }
}

#[test]
fn a_missing_version_stays_missing_for_major_one() {
    // The seed 000 publisher sends no version: decode then encode gives the same document.
    let doc = json!({"type":"account.opened","timestamp":1,"account_id":5});
    let ev = acc::Event::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
    assert_eq!(ev.major(), 1);
    assert_eq!(to_json(&ev), doc);
    let fields = [
        ("type", "account.opened"),
        ("timestamp", "1"),
        ("account_id", "5"),
    ];
    let ev = acc::Event::from_redis_fields(&fields).unwrap();
    let out = ev.to_redis_fields().unwrap();
    assert!(out.iter().all(|(k, _)| k != "version"), "{out:?}");
}

#[test]
fn a_version_of_another_major_is_refused_by_the_struct() {
    let doc = br#"{"type":"account.opened","version":"1.4","timestamp":1,"account_id":5}"#;
    let err = events_rt::decode::<acc::AccountOpenedV2>(doc).unwrap_err();
    assert!(err.to_string().contains("major 2"), "{err}");
    let fields = [
        ("type", "account.opened"),
        ("version", "3.0"),
        ("timestamp", "1"),
        ("account_id", "5"),
    ];
    assert!(acc::AccountOpenedV2::from_redis_fields(&fields).is_err());
    // ... and a struct of a later major decoded without a version is stamped when written,
    // so it is never re-published as v1.
    let ev = events_rt::decode::<acc::AccountOpenedV2>(
        br#"{"type":"account.opened","timestamp":1,"account_id":5}"#,
    )
    .unwrap();
    assert_eq!(to_json(&ev)["version"], json!("2.3"));
}

#[test]
fn upcasts_are_mechanical_hand_written_or_a_typed_error() {
    // v1 -> v2 is generated (an optional field added); v2 -> v3 removes a field, so the
    // chain stops with an error naming both types instead of breaking the build.
    let v1 = acc::Event::from(acc::AccountOpenedV1::new(1, 7));
    let err: UpcastError = v1.upcast().unwrap_err();
    assert_eq!((err.from, err.to), ("AccountOpenedV2", "AccountOpenedV3"));
    assert!(
        err.to_string()
            .contains("manual_upcast(\"account.opened\", 2)"),
        "{err}"
    );
    let v2 = acc::AccountOpenedV2::from(acc::AccountOpenedV1::new(1, 7));
    assert_eq!(v2.version.as_str(), Some("2.3"));
    assert_eq!(v2.account_id, 7);
    assert!(acc::AccountOpenedV3::try_from(v2).is_err());

    // account.closed v1 -> v2 is written by hand (conformance/src/lib.rs).
    let closed = acc::Event::from(acc::AccountClosedV1::new(1, 7, "fraud"));
    match closed.upcast().unwrap() {
        acc::Event::AccountClosedV2(v2) => {
            assert_eq!(v2.reason_code, acc::AccountClosedV2ReasonCode::Fraud);
            assert_eq!(v2.version.as_str(), Some("2.0"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn derives_follow_the_fields() {
    fn eq_hash_default<T: Eq + std::hash::Hash + Default>() {}
    eq_hash_default::<acc::AccountOpenedV1>();
    eq_hash_default::<acc::AccountClosedV1>();
    let mut set = std::collections::HashSet::new();
    set.insert(acc::AccountOpenedV1::new(1, 2));
    assert!(set.contains(&acc::AccountOpenedV1::new(1, 2)));
    // AccountClosedV2 has an f64 and an enum without a default: PartialEq only (checked
    // by the golden code in codegen's tests).
}

#[test]
fn the_version_at_metadata_version_is_stamped_kept_and_dispatched() {
    let ev = nested::OrderCreatedV2::new(
        "evt_1",
        "oms-service",
        "2024-01-15T10:30:00Z"
            .parse::<events_rt::DateTime>()
            .unwrap(),
        "tenant_abc",
        nested::OrderCreatedV2Data {
            order_id: "order_xyz".into(),
            total_minor: 100_000,
        },
    );
    let doc = to_json(&ev);
    assert_eq!(doc["metadata"], json!({"version": "2.0"}));
    let back = nested::Event::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
    assert_eq!(back, nested::Event::OrderCreatedV2(ev.clone()));
    // Field maps carry the header object as JSON text.
    let fields = ev.to_redis_fields().unwrap();
    assert_eq!(
        nested::Event::from_redis_fields(&fields).unwrap().major(),
        2
    );

    // Seed 002's own example: no metadata at all is major 1, and stays without metadata.
    let seed = json!({"id":"evt_123456789","type":"order.created","source":"oms-service",
        "timestamp":"2024-01-15T10:30:00Z","tenant_id":"tenant_abc",
        "data":{"order_id":"order_xyz","total":1000.5}});
    let ev = nested::Event::from_json(&serde_json::to_vec(&seed).unwrap()).unwrap();
    assert_eq!(ev.major(), 1);
    assert_eq!(to_json(&ev), seed);
    // Metadata with other keys and another minor round-trips as it came.
    let mut with_meta = seed.clone();
    with_meta["metadata"] = json!({"version": "1.7", "user_id": "user_123", "trace": [1, 2]});
    let ev = nested::Event::from_json(&serde_json::to_vec(&with_meta).unwrap()).unwrap();
    assert_eq!(to_json(&ev), with_meta);
    // The header-only Envelope reads any version.
    let env: nested::Envelope = serde_json::from_value(with_meta).unwrap();
    assert_eq!(env.metadata.version.as_str(), Some("1.7"));
    // A v2 document whose metadata says 1.x is refused by the v2 struct.
    let mut wrong = to_json(&nested::OrderCreatedV2::new(
        "e",
        "s",
        "2024-01-15T10:30:00Z"
            .parse::<events_rt::DateTime>()
            .unwrap(),
        "t",
        nested::OrderCreatedV2Data {
            order_id: "o".into(),
            total_minor: 1,
        },
    ));
    wrong["metadata"]["version"] = json!("1.0");
    assert!(
        events_rt::decode::<nested::OrderCreatedV2>(&serde_json::to_vec(&wrong).unwrap()).is_err()
    );
}

#[test]
fn envelope_types_are_named_after_the_envelope() {
    // `metadata` is an envelope header: its type is `EnvelopeMetadata`, whichever event
    // meets it first, and every event shares it.
    let a: nested::EnvelopeMetadata<nested::OrderCreatedV1> = Default::default();
    let b: nested::EnvelopeMetadata<nested::OrderCreatedV2> = a.into_contract();
    assert_eq!(b.version.as_str(), Some("2.0"));
}

#[test]
fn a_hand_written_upcast_restamps_the_nested_version() {
    let doc = json!({"id":"e","type":"order.created","source":"s","timestamp":"2024-01-15T10:30:00Z",
        "tenant_id":"t","data":{"order_id":"o","total":12.5},"metadata":{"version":"1.2","user_id":"u"}});
    let ev = nested::Event::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
    let nested::Event::OrderCreatedV2(v2) = ev.upcast().unwrap() else {
        panic!("not upcast")
    };
    assert_eq!(v2.data.total_minor, 1250);
    assert_eq!(
        to_json(&v2)["metadata"],
        json!({"version": "2.0", "user_id": "u"})
    );
}

//! The construct fixtures decode, re-encode losslessly, and agree with schema validation.

mod common;

use std::path::Path;

use events_check::validate::Validator;
use events_codegen::SchemaSet;
use events_conformance::{constructs, constructs_strict};
use serde_json::{json, Value};

fn validator() -> Validator {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/constructs");
    Validator::new(&SchemaSet::load(&dir).unwrap()).unwrap()
}

fn full() -> Value {
    common::constructs_full()
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(doc: &Value) -> Value {
    let bytes = serde_json::to_vec(doc).unwrap();
    let typed: T = events_rt::decode(&bytes).unwrap();
    serde_json::to_value(&typed).unwrap()
}

#[test]
fn every_construct_round_trips_losslessly() {
    let doc = full();
    assert!(
        validator().validate(&doc).is_valid(),
        "{:?}",
        validator().validate(&doc)
    );
    assert_eq!(round_trip::<constructs::ShapeEverythingV1>(&doc), doc);
    assert_eq!(
        round_trip::<constructs_strict::ShapeEverythingV1>(&doc),
        doc
    );
}

#[test]
fn explicit_null_and_absent_stay_apart() {
    let mut doc = full();
    let obj = doc.as_object_mut().unwrap();
    obj.remove("maybe_null");
    obj.remove("status");
    let back = round_trip::<constructs::ShapeEverythingV1>(&doc);
    assert_eq!(back, doc);
    assert!(back.get("maybe_null").is_none());
    let typed: constructs::ShapeEverythingV1 = serde_json::from_value(full()).unwrap();
    assert_eq!(typed.maybe_null, Some(None));
    assert_eq!(
        typed.status,
        Some(Some(constructs::ShapeEverythingV1Status::InProgress))
    );
}

#[test]
fn required_nullable_must_be_present() {
    let mut doc = full();
    doc.as_object_mut().unwrap().remove("nullable_text");
    let bytes = serde_json::to_vec(&doc).unwrap();
    let err = events_rt::decode::<constructs::ShapeEverythingV1>(&bytes).unwrap_err();
    assert!(
        err.to_string().contains("missing field `nullable_text`"),
        "{err}"
    );
    let report = validator().validate(&doc);
    assert_eq!(report.violations[0].rule, "required");
}

#[test]
fn types_are_the_fitting_ones() {
    let typed: constructs::ShapeEverythingV1 = serde_json::from_value(full()).unwrap();
    let small: u8 = typed.small;
    let signed: Option<i8> = typed.signed;
    let big: Option<u64> = typed.big;
    let count: Option<i32> = typed.count;
    let addr: Option<std::net::Ipv4Addr> = typed.addr;
    assert_eq!(
        (small, signed, big, count),
        (200, Some(-5), Some(u64::MAX), Some(7))
    );
    assert_eq!(addr, Some(std::net::Ipv4Addr::new(192, 168, 1, 1)));
    assert_eq!(typed.at.value().offset().local_minus_utc(), 7 * 3600);
    assert_eq!(typed.id.get_version_num(), 4);
    let tree = typed.tree.unwrap();
    assert_eq!(tree.next.unwrap().name, "n");
    match typed.payment.unwrap() {
        constructs::ShapeEverythingV1Payment::Cod(cod) => {
            assert_eq!(cod.fee.unwrap().currency, constructs::Currency::Eur)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        typed.either,
        Some(constructs::ShapeEverythingV1Either::Integer(42))
    );
    assert_eq!(typed.extra_map.unwrap().extra["other"], "o");
}

#[test]
fn out_of_range_integer_is_rejected_by_both() {
    let mut doc = full();
    doc["small"] = json!(300);
    let bytes = serde_json::to_vec(&doc).unwrap();
    let err = events_rt::decode::<constructs::ShapeEverythingV1>(&bytes).unwrap_err();
    assert!(err.to_string().starts_with("small:"), "{err}");
    let report = validator().validate(&doc);
    assert_eq!(
        (
            report.violations[0].path.as_str(),
            report.violations[0].rule.as_str()
        ),
        ("/small", "maximum")
    );
}

#[test]
fn unknown_field_tolerant_vs_strict() {
    let mut doc = full();
    doc["added_later"] = json!(1);
    let bytes = serde_json::to_vec(&doc).unwrap();
    // The validator and strict decoding reject a field the closed schema does not know ...
    assert_eq!(
        validator().validate(&doc).violations[0].rule,
        "additionalProperties"
    );
    let err = events_rt::decode::<constructs_strict::ShapeEverythingV1>(&bytes).unwrap_err();
    assert!(
        err.to_string().contains("unknown field `added_later`"),
        "{err}"
    );
    // ... while the tolerant default reads it and drops it: a documented difference.
    let typed = events_rt::decode::<constructs::ShapeEverythingV1>(&bytes).unwrap();
    assert!(serde_json::to_value(typed)
        .unwrap()
        .get("added_later")
        .is_none());
}

#[test]
fn wrong_event_type_is_refused_by_the_struct() {
    let mut doc = full();
    doc["event"] = json!("shape.minimal");
    let bytes = serde_json::to_vec(&doc).unwrap();
    let err = events_rt::decode::<constructs::ShapeEverythingV1>(&bytes).unwrap_err();
    assert!(err.to_string().contains("shape.minimal"), "{err}");
}

#[test]
fn dispatch_without_a_version_field_is_major_one() {
    let doc = br#"{"event":"shape.minimal","at":"2025-01-01T00:00:00Z"}"#;
    let event = constructs::Event::from_json(doc).unwrap();
    assert_eq!(event.major(), 1);
    assert_eq!(event.event_type(), constructs::EventType::ShapeMinimal);
    assert_eq!(constructs::EventType::ShapeMinimal.majors(), &[1, 2]);
}

#[test]
fn a_v1_payload_decodes_and_upcasts_to_v2() {
    let doc = br#"{"event":"shape.minimal","at":"2025-01-01T00:00:00Z","count":7}"#;
    let event = constructs::Event::from_json(doc).unwrap();
    assert_eq!(event.major(), 1);
    let latest = event.upcast().unwrap();
    assert_eq!(latest.major(), 2);
    match latest {
        constructs::Event::ShapeMinimalV2(v2) => {
            let count: Option<i64> = v2.count;
            assert_eq!(count, Some(7));
            assert_eq!(v2.reason, None);
            assert_eq!(v2.at.as_str(), "2025-01-01T00:00:00Z");
        }
        other => panic!("{other:?}"),
    }
    // The latest major is returned as it is.
    let v2 = constructs::Event::ShapeMinimalV2(constructs::ShapeMinimalV2 {
        event: Default::default(),
        at: "2025-01-01T00:00:00Z".parse().unwrap(),
        count: None,
        reason: Some("r".into()),
    });
    assert_eq!(v2.clone().upcast(), Ok(v2));
}

/// A key twice inside a map, a free-form value or object, the extra properties of a
/// struct or a nested struct (issue 11): the validator refuses it (`duplicate-key`) and so
/// does the typed decoder, tolerant and strict, naming the key; never the last one wins.
#[test]
fn a_key_twice_in_a_map_is_refused_by_validator_and_decoder_alike() {
    let text = serde_json::to_string(&full()).unwrap();
    let cases = [
        (
            r#""labels":{"x":1,"y":-2}"#,
            r#""labels":{"x":1,"y":-2,"x":3}"#,
            "duplicate key `x`",
        ),
        (
            r#""labels":{"x":1,"y":-2}"#,
            r#""labels":{"y":-2,"y":-2}"#,
            "duplicate key `y`",
        ),
        (
            r#"{"three":null}"#,
            r#"{"three":null,"three":1}"#,
            "duplicate key `three`",
        ),
        (
            r#"[1,"two","#,
            r#"[1,{"a":{"b":1,"b":2}},"two","#,
            "duplicate key `b`",
        ),
        (
            r#""loose":{"k":[true]}"#,
            r#""loose":{"k":[true],"k":[]}"#,
            "duplicate key `k`",
        ),
        (
            r#""loose":{"k":[true]}"#,
            r#""loose":{"k":[{"z":1,"z":1}]}"#,
            "duplicate key `z`",
        ),
        (
            r#""other":"o""#,
            r#""other":"o","other":"p""#,
            "duplicate key `other`",
        ),
        (
            r#""known":"k""#,
            r#""known":"k","known":"j""#,
            "duplicate field `known`",
        ),
        // A map held directly by a union variant: no variant matches (serde's untagged
        // enums say no more than that).
        (
            r#""either":42"#,
            r#""either":{"e":1,"e":2}"#,
            "did not match any variant",
        ),
        // A map inside a JSON text inside a string.
        (
            r#""packed":"{\"p\":1}""#,
            r#""packed":"{\"p\":1,\"p\":2}""#,
            "duplicate key `p`",
        ),
        (
            r#"{"name":"n"}"#,
            r#"{"name":"n","name":"m"}"#,
            "duplicate field `name`",
        ),
    ];
    let validator = validator();
    for (from, to, want) in cases {
        assert!(text.contains(from), "{from} not in {text}");
        let spoilt = text.replacen(from, to, 1);
        let bytes = spoilt.as_bytes();
        // The parser refuses it, or (inside a JSON text in a string) the validator does.
        let verdict = match events_check::json::from_slice(bytes) {
            Err(e) => e.rule.to_owned(),
            Ok(doc) => validator
                .validate(&doc)
                .violations
                .into_iter()
                .map(|v| format!("{}: {}", v.rule, v.message))
                .collect::<Vec<_>>()
                .join("; "),
        };
        assert!(
            verdict == "duplicate-key"
                || verdict.starts_with("x-encoding:") && verdict.contains("duplicate key"),
            "{verdict}: {spoilt}"
        );
        let tolerant = events_rt::decode::<constructs::ShapeEverythingV1>(bytes).unwrap_err();
        assert!(tolerant.to_string().contains(want), "{want}: {tolerant}");
        let strict = events_rt::decode::<constructs_strict::ShapeEverythingV1>(bytes).unwrap_err();
        assert!(strict.to_string().contains(want), "{want}: {strict}");
        assert!(constructs::Event::from_json(bytes).is_err(), "{spoilt}");
    }
    // The same maps in a field map, where they travel as JSON text.
    let typed: constructs::ShapeEverythingV1 = events_rt::decode(text.as_bytes()).unwrap();
    let fields = events_rt::FieldCodec::to_redis_fields(&typed).unwrap();
    for (name, value, want) in [
        ("labels", r#"{"x":1,"x":2}"#, "duplicate key `x`"),
        ("loose", r#"{"k":1,"k":2}"#, "duplicate key `k`"),
        (
            "extra_map",
            r#"{"other":"a","other":"b"}"#,
            "duplicate key `other`",
        ),
    ] {
        let mut fields = fields.clone();
        let at = fields.iter().position(|(k, _)| k == name).unwrap();
        fields[at].1 = value.to_owned();
        let err =
            <constructs::ShapeEverythingV1 as events_rt::FieldCodec>::from_redis_fields(&fields)
                .unwrap_err();
        assert!(err.to_string().contains(want), "{name}: {err}");
    }
}

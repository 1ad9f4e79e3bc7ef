//! The types-only route on a catalog written in other conventions: documents decode into
//! the generated types and encode back to the same JSON.

use events_conformance::foreign;
use serde_json::{json, Value};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(doc: &Value) -> Value {
    let text = serde_json::to_string(doc).unwrap();
    let typed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    serde_json::to_value(&typed).unwrap()
}

#[test]
fn foreign_documents_round_trip() {
    let docs = [
        json!({
            "id": "A-1",
            "total": {"amount": 12.5, "currency": "EUR"},
            "lines": [
                {"sku": "s", "quantity": 2, "attributes": {"color": "red", "size": 42, "gift": true}},
                {"sku": "t", "quantity": 1, "+1": 1, "-1": 2, "kind": {"ean": "4006381333931"}}
            ],
            "point": [1.5, -2.25, "home"],
            "customer": {"name": "Ann"},
            "nothing": null,
            "status": "open",
            "created_at": "2018-04-25 20:42:10"
        }),
        json!({
            "id": 17,
            "total": {"amount": 3, "currency": "RSD"},
            "lines": [],
            "customer": null
        }),
    ];
    for doc in docs {
        assert_eq!(round_trip::<foreign::Order>(&doc), doc);
    }
    // The root alias and the definitions-only file.
    let id: foreign::ThingId = "0b8f2a4e-6c1d-4f5e-9a7b-3c2d1e0f9a8b".to_owned();
    assert_eq!(id.len(), 36);
    let unused = foreign::Unused {
        x: Some(1.into()),
        ..Default::default()
    };
    assert_eq!(serde_json::to_value(&unused).unwrap(), json!({"x": 1}));
}

/// Properties that become the same Rust name get distinct ones; a union of closed objects
/// decodes the member the document is (closed objects refuse unknown fields here).
#[test]
fn colliding_names_and_unions_of_closed_objects() {
    let line: foreign::OrderLine = serde_json::from_value(json!({
        "sku": "t", "quantity": 1, "+1": 1, "-1": 2, "kind": {"ean": "e"}
    }))
    .unwrap();
    assert_eq!((line._1, line.minus_1), (Some(1.into()), Some(2.into())));
    assert!(matches!(
        line.kind,
        Some(foreign::OrderLineKind::Variant1(_))
    ));
    let line: foreign::OrderLine =
        serde_json::from_value(json!({"sku": "t", "quantity": 1, "kind": {"sku": "s"}})).unwrap();
    assert!(matches!(
        line.kind,
        Some(foreign::OrderLineKind::Variant0(_))
    ));
    // Neither member: refused, not read as the first one.
    let doc = json!({"sku": "t", "quantity": 1, "kind": {"sku": "s", "ean": "e"}});
    assert!(serde_json::from_value::<foreign::OrderLine>(doc).is_err());
}

/// Lossless: an open object keeps what it does not declare, an untyped property keeps an
/// explicit `null` apart from an absent one, and `"type": "number"` keeps integers.
#[test]
fn open_objects_explicit_nulls_and_number_spelling_survive() {
    let open = json!({"x": 1, "added_later": {"deep": [1, 2.5, null]}, "flag": true});
    assert_eq!(round_trip::<foreign::Unused>(&open), open);
    let base = json!({"id": 1, "total": {"amount": 1714072962, "currency": "EUR"}, "lines": []});
    for meta in [json!(null), json!(0), json!({"k": null})] {
        let mut doc = base.clone();
        doc["meta"] = meta;
        assert_eq!(round_trip::<foreign::Order>(&doc), doc);
    }
    let back = round_trip::<foreign::Order>(&base);
    assert_eq!(back, base, "absent stays absent");
    assert_eq!(
        serde_json::to_string(&back["total"]["amount"]).unwrap(),
        "1714072962"
    );
}

#[test]
fn type_arrays_are_unions_and_tuples_have_their_length() {
    let order: foreign::Order = serde_json::from_value(json!({
        "id": 5, "total": {"amount": 1, "currency": "EUR"}, "lines": []
    }))
    .unwrap();
    assert!(matches!(&order.id, foreign::OrderId::Integer(n) if *n == 5));
    for bad in [json!([1.0, 2.0]), json!([1.0, 2.0, "x", 4])] {
        let doc =
            json!({"id": 1, "total": {"amount": 1, "currency": "EUR"}, "lines": [], "point": bad});
        assert!(serde_json::from_value::<foreign::Order>(doc).is_err());
    }
}

#[test]
fn pattern_properties_are_maps_whose_keys_are_checked() {
    let doc = json!({
        "name": "n",
        "counts": {"abc": 1, "z": 2},
        "headers": {"x-trace": "t", "other": {"any": [1, null]}},
        "meta_owner": "ops",
        "nothing": {}
    });
    let labels: foreign::Labels = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(labels.counts.as_ref().unwrap()["abc"], 1);
    assert_eq!(labels.extra["meta_owner"], "ops");
    assert_eq!(round_trip::<foreign::Labels>(&doc), doc);
    assert!(serde_json::from_value::<foreign::Labels>(json!({"nothing": {"a": 1}})).is_err());
    // A key of the closed map that matches no pattern is refused, naming it.
    let bad = json!({"counts": {"abc": 1, "ABC": 2}});
    let err = serde_json::from_value::<foreign::Labels>(bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(r#"key "ABC" matches none of the patterns `^[a-z]+$`"#),
        "{err}"
    );
    // Its values are typed.
    assert!(serde_json::from_value::<foreign::Labels>(json!({"counts": {"a": "1"}})).is_err());
}

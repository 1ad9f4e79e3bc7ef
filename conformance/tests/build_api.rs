//! The build API's options (`conformance/build.rs`, set `constructs_custom`): an existing
//! Rust type for a schema, attributes per type and per field, and no field-map code.

use events_conformance::{constructs_custom as custom, custom::Money};
use serde_json::json;

#[test]
fn extern_path_uses_the_existing_type() {
    let doc = json!({"event":"shape.everything","at":"2025-01-01T00:00:00Z",
        "id":"6f1f9a4e-1f5e-4c59-9a52-3f0c3a7e2b11","small":3,"nullable_text":null,
        "price":{"amount":12.5,"currency":"EUR"}});
    let ev: custom::ShapeEverythingV1 = serde_json::from_value(doc.clone()).unwrap();
    // The field's type is the hand-written one: this line does not compile otherwise.
    let price: &Money = &ev.price;
    assert_eq!(price.currency, "EUR");
    assert_eq!(serde_json::to_value(&ev).unwrap()["price"], doc["price"]);
}

#[test]
fn type_and_field_attributes_are_applied() {
    // `#[derive(PartialOrd, Ord)]` on `Currency`.
    let mut codes = [
        custom::Currency::Eur,
        custom::Currency::Rsd,
        custom::Currency::Thb,
    ];
    codes.sort();
    assert_eq!(
        codes[0],
        custom::Currency::Rsd,
        "declaration order: RSD, THB, EUR"
    );
    // `#[serde(alias = "tiny")]` on `ShapeEverythingV1.small`.
    let doc = json!({"event":"shape.everything","at":"2025-01-01T00:00:00Z",
        "id":"6f1f9a4e-1f5e-4c59-9a52-3f0c3a7e2b11","tiny":9,"nullable_text":"x",
        "price":{"amount":1.0,"currency":"RSD"}});
    let ev: custom::ShapeEverythingV1 = serde_json::from_value(doc).unwrap();
    assert_eq!(ev.small, 9);
}

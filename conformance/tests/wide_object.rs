//! An object of 1,000 properties, the generator's limit (issue 11): its generated code
//! compiled (this crate built) and it round-trips.

use events_conformance::wide_object::{Event, WideObjectV1};
use serde_json::{json, Map, Value};

#[test]
fn a_thousand_fields_round_trip() {
    let mut doc = Map::new();
    doc.insert("type".into(), json!("wide.object"));
    for i in 0..999 {
        doc.insert(format!("field_{i}"), json!(i));
    }
    let doc = Value::Object(doc);
    let event = Event::from_json(doc.to_string().as_bytes()).unwrap();
    let Event::WideObjectV1(e) = &event;
    assert_eq!(e.field_998, 998);
    assert_eq!(e.field_997, Some(997));
    assert_eq!(serde_json::to_value(&event).unwrap(), doc);
    let missing = json!({"type": "wide.object", "field_1": 1});
    assert!(serde_json::from_value::<WideObjectV1>(missing).is_err());
}

//! The `schemars` feature of `events-types`: the JSON Schema derived from each event's
//! Rust type accepts every sample of that event (the published samples and instances made
//! from the contract: full, minimal and random), and refuses a document the type refuses.

use events_check::sample::{instance, Mode};
use events_types::{Event, EventType};
use serde_json::Value;

fn validator(event_type: EventType, major: u32) -> jsonschema::Validator {
    let schema = Event::json_schema_for(event_type, major)
        .unwrap_or_else(|| panic!("no schema for {} v{major}", event_type.as_str()));
    jsonschema::validator_for(schema.as_value())
        .unwrap_or_else(|e| panic!("{} v{major}: {e}", event_type.as_str()))
}

fn check(doc: &Value, what: &str) {
    let event = Event::from_json(doc.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{what}: the type refuses it: {e}"));
    let v = validator(event.event_type(), event.major());
    let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{what} ({} v{}): the derived schema refuses it: {errors:?}",
        event.event_type().as_str(),
        event.major()
    );
}

/// The checked model of the seed's catalog (what `events-types` is generated from).
fn vondi() -> events_codegen::ir::Catalog {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let set = events_codegen::SchemaSet::load(&dir).unwrap();
    events_codegen::catalog(&set).unwrap()
}

#[test]
fn the_derived_schema_of_every_event_accepts_its_samples() {
    let catalog = vondi();
    let mut checked = 0;
    for event in &catalog.events {
        let modes = [Mode::Full, Mode::Minimal]
            .into_iter()
            .chain((0..10).map(Mode::Random));
        for mode in modes {
            let doc = instance(&catalog, event, mode);
            check(&doc, &format!("{} {mode:?}", event.struct_name));
            checked += 1;
        }
    }
    assert_eq!(checked, catalog.events.len() * 12);
    // The published samples (JSON documents) of the seed.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/vondi/json");
    let mut samples = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        check(&doc, &path.display().to_string());
        samples += 1;
    }
    assert!(samples >= 10, "{samples} samples");
}

#[test]
fn the_derived_schema_refuses_what_the_type_refuses() {
    let catalog = vondi();
    let event = catalog
        .events
        .iter()
        .find(|e| e.def.event_type == "order.confirmed")
        .unwrap();
    let doc = instance(&catalog, event, Mode::Full);
    let v = validator(EventType::OrderConfirmed, 1);
    assert!(v.is_valid(&doc));
    // Without a required field, with a field of the wrong type, with another event type.
    for (field, value) in [
        ("order_id", None),
        ("order_id", Some(Value::Bool(true))),
        ("type", Some(Value::from("order.created"))),
    ] {
        let mut bad = doc.clone();
        match value {
            None => {
                bad.as_object_mut().unwrap().remove(field);
            }
            Some(v) => bad[field] = v,
        }
        assert!(Event::from_json(bad.to_string().as_bytes()).is_err() || field == "type");
        assert!(!v.is_valid(&bad), "{field}: {bad}");
    }
    // `Event` as a whole: any of the catalog's events.
    let all = events_rt::__private::schemars::schema_for!(Event);
    let all = jsonschema::validator_for(all.as_value()).unwrap();
    assert!(all.is_valid(&doc));
    assert!(!all.is_valid(&serde_json::json!({"type": "order.confirmed"})));
}

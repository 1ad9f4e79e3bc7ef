//! Arbitrary bytes through the generated JSON decoder (`events_types::Event::from_json`).
//! What decodes must re-encode (serde) and decode again to an equal value, and its field
//! map (`to_redis_fields`), where it has one, must decode to an equal value too.
#![no_main]

use events_types::Event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = Event::from_json(data) else {
        return;
    };
    let json = serde_json::to_vec(&event).expect("a decoded event re-encodes as JSON");
    let again = Event::from_json(&json).unwrap_or_else(|e| {
        panic!(
            "re-encoded JSON does not decode: {e}\n  input: {}\n  re-encoded: {}",
            String::from_utf8_lossy(data),
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(event, again, "JSON round trip changed the event");
    if let Ok(fields) = event.to_redis_fields() {
        let from_fields = Event::from_redis_fields(&fields).unwrap_or_else(|e| {
            panic!("the event's field map does not decode: {e}\n  fields: {fields:?}")
        });
        assert_eq!(
            event, from_fields,
            "JSON -> field map -> event changed the event"
        );
    }
});

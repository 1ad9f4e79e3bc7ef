//! Floats keep the spelling the Go and Node producers give them: a consumer that decodes
//! `"usage_percent": 95` and re-publishes the event writes `95` again, not `95.0`.

use events_types::Event;
use serde_json::json;

#[test]
fn a_whole_float_is_written_back_without_a_fraction() {
    for (usage, fee) in [(json!(95), json!(0)), (json!(95.5), json!(149.9))] {
        let warning = json!({
            "type": "pvz.capacity.warning", "pvz_id": 7, "pvz_code": "BG-01",
            "current_capacity": 190, "max_capacity": 200, "usage_percent": usage,
            "level": "warning", "timestamp": 1734825600
        });
        let picked_up = json!({
            "type": "pvz.parcel.picked_up", "parcel_id": "prc_1", "pvz_id": 7,
            "recipient_id": 3, "picked_up_by": "op_1", "pickup_code": "1234",
            "storage_fee": fee, "days_stored": 2, "timestamp": 1734825600
        });
        for doc in [warning, picked_up] {
            let text = doc.to_string();
            let event = Event::from_json(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"));
            // Byte for byte: the document was written compactly in schema order.
            let again = serde_json::to_value(&event).unwrap();
            assert_eq!(again, doc);
            let written = serde_json::to_string(&event).unwrap();
            for (key, value) in doc.as_object().unwrap() {
                assert!(
                    written.contains(&format!("\"{key}\":{value}")),
                    "{key}: {value} in {written}"
                );
            }
        }
    }
}

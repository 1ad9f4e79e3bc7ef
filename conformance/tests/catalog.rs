//! The catalog route: a foreign catalog, unchanged, made into events by a rule file
//! (`codegen/tests/fixtures/catalog/shop.catalog.json`). Its documents dispatch through the
//! typed `Event` and encode back to the same JSON.

use events_conformance::shop_catalog::{Event, EventType};
use serde_json::Value;

/// The valid samples of the fixture, one document per line, in file name order.
fn good() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../codegen/tests/fixtures/catalog/samples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap().trim().to_owned() + "\n")
        .collect()
}

#[test]
fn every_sample_dispatches_and_round_trips() {
    let mut seen = Vec::new();
    for line in good().lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        let event = Event::from_json(line.as_bytes()).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(event.event_type().as_str(), doc["event_type"], "{line}");
        assert_eq!(serde_json::to_value(&event).unwrap(), doc, "{line}");
        seen.push((event.event_type(), event.major()));
    }
    // Each rule made its events: path captures (topic, name in snake case, major) and
    // the `const` of a definition's property.
    assert_eq!(
        seen,
        [
            (EventType::ShopNotificationEmail, 1),
            (EventType::ShopNotificationSms, 1),
            (EventType::ShopOrdersOrderPlaced, 1),
            (EventType::ShopOrdersOrderPlaced, 2),
            (EventType::ShopPaymentsPaymentCaptured, 1),
        ]
    );
}

#[test]
fn what_a_foreign_catalog_leaves_open_survives_a_round_trip() {
    // An integer in a `number` field stays an integer, an undeclared field of an open
    // object stays (in the payload and in the envelope), an explicit null stays null, a
    // date-time that is no RFC 3339 stays as written.
    let good = good();
    let line = good.lines().nth(2).unwrap();
    let Event::ShopOrdersOrderPlacedV1(event) = Event::from_json(line.as_bytes()).unwrap() else {
        panic!("not order_placed v1");
    };
    assert_eq!(event.data.total.amount.as_u64(), Some(10));
    assert_eq!(event.data.note, Some(None));
    assert_eq!(event.data.placed_at, "2018-04-25 20:42:10");
    // The typed reading of the annotation-only `format` says what is wrong; a value that
    // is one parses.
    let err = event.data.placed_at_as_date_time().unwrap_err();
    assert_eq!(err.format, "date-time");
    assert!(err.to_string().contains("2018-04-25 20:42:10"), "{err}");
    let mut fixed = event.data.clone();
    fixed.placed_at = "2018-04-25T20:42:10+02:00".to_owned();
    assert_eq!(
        fixed.placed_at_as_date_time().unwrap().value().timestamp(),
        1_524_681_730
    );
    assert_eq!(event.data.extra["channel"], "web");
    let text = serde_json::to_string(&event).unwrap();
    assert!(text.contains(r#""amount":10,"#), "{text}");
    assert!(text.contains(r#""note":null"#), "{text}");
    let absent = line.replace(r#","note":null"#, "");
    let back = serde_json::to_string(&Event::from_json(absent.as_bytes()).unwrap()).unwrap();
    assert!(!back.contains("note"), "{back}");

    let payment = good.lines().nth(4).unwrap();
    let Event::ShopPaymentsPaymentCapturedV1(event) = Event::from_json(payment.as_bytes()).unwrap()
    else {
        panic!("not payment_captured v1");
    };
    assert_eq!(event.extra["trace"], "abc");
    assert!(serde_json::to_string(&event)
        .unwrap()
        .contains("1714072962,"));
}

#[test]
fn a_closed_definition_refuses_what_it_does_not_declare() {
    // `sms` is `additionalProperties: false`: a foreign catalog decodes strictly, so a
    // union member (and here the event) is only what the document is.
    let bad = r#"{"event_type":"shop.notification.sms","data":{"kind":"sms","phone":"1","x":1}}"#;
    assert!(Event::from_json(bad.as_bytes()).is_err());
    let unknown = r#"{"event_type":"shop.orders.order_placed","version":"3.0","data":{}}"#;
    let err = Event::from_json(unknown.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains('3'), "{err}");
}

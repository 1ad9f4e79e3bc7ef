//! Field-map codec against a real `redis-server`: every event round-trips through
//! XADD/XRANGE, and the exact field maps of the Go publishers decode and re-encode.

// The redis crate as events-rt re-exports it, so versions always match.
use events_rt::redis::driver as redis;
mod common;

use events_check::sample::{instance, Mode};
use events_rt::redis::{decode_all, xadd, StreamEntry, StreamReadReply};
use events_types::{Event, EventType};

fn typed(doc: &serde_json::Value) -> Event {
    Event::from_json(&serde_json::to_vec(doc).unwrap()).unwrap_or_else(|e| panic!("{e}: {doc}"))
}

#[test]
fn every_event_round_trips_through_a_real_stream() {
    let Some(mut redis) = common::redis() else {
        return;
    };
    let set = common::vondi();
    let key = common::unique_key("all");
    let mut sent = Vec::new();
    for event in &set.catalog.events {
        for mode in [Mode::Full, Mode::Minimal] {
            let e = typed(&instance(&set.catalog, event, mode));
            let fields = e.to_redis_fields().unwrap();
            let _: String = xadd(&key, Some(100_000), &fields)
                .query(&mut redis.conn)
                .unwrap();
            sent.push(e);
        }
    }
    let entries: Vec<StreamEntry> = redis::cmd("XRANGE")
        .arg(&key)
        .arg("-")
        .arg("+")
        .query(&mut redis.conn)
        .unwrap();
    assert_eq!(entries.len(), sent.len());
    for (entry, original) in entries.iter().zip(&sent) {
        let back = entry
            .decode(Event::from_redis_fields)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&back, original, "entry {}", entry.id);
    }
    let _: i64 = redis::cmd("DEL").arg(&key).query(&mut redis.conn).unwrap();
}

/// Writes `args` as a Go publisher would (`XADD key * f v ...`) and reads the entry back.
fn go_xadd(conn: &mut redis::Connection, key: &str, args: &[&str]) -> StreamEntry {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(key).arg("*");
    for a in args {
        cmd.arg(*a);
    }
    let id: String = cmd.query(conn).unwrap();
    let mut entries: Vec<StreamEntry> = redis::cmd("XRANGE")
        .arg(key)
        .arg(&id)
        .arg(&id)
        .query(conn)
        .unwrap();
    entries.remove(0)
}

fn sorted(fields: &[(String, String)]) -> Vec<(String, String)> {
    let mut v = fields.to_vec();
    v.sort();
    v
}

#[test]
fn go_publisher_field_maps_decode_and_re_encode_exactly() {
    let Some(mut redis) = common::redis() else {
        return;
    };
    let key = common::unique_key("go");
    let cases: &[&[&str]] = &[
        // seed 000: listings publisher, no version field.
        &[
            "type",
            "order.confirmed",
            "order_id",
            "12345",
            "storefront_id",
            "999",
            "items",
            r#"[{"listing_id":100,"quantity":2,"warehouse_id":1},{"listing_id":101,"quantity":1,"warehouse_id":1}]"#,
            "timestamp",
            "1701709200",
        ],
        &[
            "type",
            "order.cancelled",
            "order_id",
            "12345",
            "reason",
            "customer_request",
            "timestamp",
            "1701709200",
        ],
        // seed 001: WMS publisher (EventFields standard), PVZ, payments, delivery.
        &[
            "type",
            "picking.created",
            "task_id",
            "123",
            "order_id",
            "456",
            "warehouse_id",
            "1",
            "timestamp",
            "1734825600",
        ],
        &[
            "type",
            "picking.completed",
            "task_id",
            "123",
            "order_id",
            "456",
            "warehouse_id",
            "1",
            "timestamp",
            "1734825600",
        ],
        &[
            "type",
            "pvz.parcel.arrived",
            "parcel_id",
            "parcel_12345",
            "pvz_id",
            "1",
            "pvz_code",
            "PVZ-BG-001",
            "recipient_id",
            "890",
            "pickup_code",
            "123456",
            "storage_days",
            "3",
            "accepted_by",
            "operator_456",
            "timestamp",
            "1734825600",
        ],
        &[
            "type",
            "pvz.capacity.critical",
            "pvz_id",
            "1",
            "pvz_code",
            "PVZ-BG-001",
            "current_capacity",
            "100",
            "max_capacity",
            "100",
            "usage_percent",
            "100",
            "available_slots",
            "0",
            "timestamp",
            "1734825600",
        ],
        &[
            "type",
            "payment.completed",
            "payment_id",
            "pay_abc123",
            "order_id",
            "12345",
            "amount",
            "5990",
            "currency",
            "RSD",
            "method",
            "card",
            "provider",
            "allsecure",
            "timestamp",
            "1734825600",
            "version",
            "1.0",
        ],
        &[
            "type",
            "delivery.parcel.routed_to_pvz",
            "parcel_id",
            "parcel_12345",
            "pvz_id",
            "1",
            "recipient_id",
            "890",
            "estimated_arrival",
            "2025-12-22T10:00:00Z",
            "timestamp",
            "1734825600",
        ],
    ];
    for args in cases {
        let entry = go_xadd(&mut redis.conn, &key, args);
        let event = entry
            .decode(Event::from_redis_fields)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(event.event_type().as_str(), args[1]);
        let ours: Vec<(String, String)> = event
            .to_redis_fields()
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v))
            .collect();
        assert_eq!(ours[0].0, "type");
        assert_eq!(sorted(&ours), sorted(&entry.fields), "{}", args[1]);
    }
    let _: i64 = redis::cmd("DEL").arg(&key).query(&mut redis.conn).unwrap();
}

#[test]
fn a_corrupt_entry_does_not_take_the_batch_down() {
    let Some(mut redis) = common::redis() else {
        return;
    };
    let key = common::unique_key("corrupt");
    go_xadd(
        &mut redis.conn,
        &key,
        &[
            "type",
            "order.cancelled",
            "order_id",
            "1",
            "reason",
            "r",
            "timestamp",
            "1",
        ],
    );
    let bad = go_xadd(
        &mut redis.conn,
        &key,
        &[
            "type",
            "order.confirmed",
            "order_id",
            "1",
            "storefront_id",
            "2",
            "items",
            "[{oops",
            "timestamp",
            "1",
        ],
    );
    let unknown = go_xadd(
        &mut redis.conn,
        &key,
        &["type", "order.confirmd", "order_id", "1"],
    );
    go_xadd(
        &mut redis.conn,
        &key,
        &[
            "type",
            "order.cancelled",
            "order_id",
            "2",
            "reason",
            "r",
            "timestamp",
            "2",
        ],
    );
    // Read through XREADGROUP, as the WMS consumer does.
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&key)
        .arg("wms-consumers")
        .arg("0")
        .query(&mut redis.conn)
        .unwrap();
    let reply: StreamReadReply = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("wms-consumers")
        .arg("wms-instance-1")
        .arg("COUNT")
        .arg(10)
        .arg("STREAMS")
        .arg(&key)
        .arg(">")
        .query(&mut redis.conn)
        .unwrap();
    let (stream, entries) = &reply.streams[0];
    assert_eq!(stream, &key);
    let results = decode_all(entries, Event::from_redis_fields);
    assert_eq!(results.len(), 4);
    assert!(results[0].is_ok() && results[3].is_ok());
    let err = results[1].as_ref().unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "entry {}: field `items` = \"[{{oops\": bad JSON",
            bad.id
        )),
        "{err}"
    );
    let err = results[2].as_ref().unwrap_err().to_string();
    assert!(
        err.contains(&unknown.id) && err.contains("did you mean \"order.confirmed\""),
        "{err}"
    );
    let _: i64 = redis::cmd("DEL").arg(&key).query(&mut redis.conn).unwrap();
}

#[test]
fn each_event_knows_its_stream() {
    use events_rt::Contract;
    assert_eq!(
        events_types::OrderConfirmedV1::CHANNEL,
        "listings:events:orders"
    );
    assert_eq!(events_types::PvzParcelArrivedV1::CHANNEL, "pvz.events");
    assert_eq!(
        events_types::PickingCreatedV1::CHANNEL,
        "wms:events:picking"
    );
    assert_eq!(EventType::PvzParcelArrived.subject(), Some("parcel"));
}

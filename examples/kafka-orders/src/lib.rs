//! Typed events of the Kafka order service (seed 003), as a second contract set.
//!
//! Its envelope differs from the Vondi one: the type travels as `event_type`, the payload
//! sits under `data`, and `metadata` carries correlation ids. The generator reads that from
//! `schemas/envelope.json`; nothing in it is special-cased.

include!(concat!(env!("OUT_DIR"), "/events.rs"));

/// Seed 003's sample events, numbered, for examples, tests and benchmarks: the documents of
/// `samples/json/` with their ids derived from the numbers given.
pub mod samples {
    use super::Event;

    /// The ten sample documents of seed 003, by event type.
    const DOCS: [(&str, &str); 10] = [
        (
            "order.created",
            include_str!("../samples/json/003-01-order.created.json"),
        ),
        (
            "order.updated",
            include_str!("../samples/json/003-02-order.updated.json"),
        ),
        (
            "order.status_changed",
            include_str!("../samples/json/003-03-order.status_changed.json"),
        ),
        (
            "order.confirmed",
            include_str!("../samples/json/003-04-order.confirmed.json"),
        ),
        (
            "order.cancelled",
            include_str!("../samples/json/003-05-order.cancelled.json"),
        ),
        (
            "order.stock_override_applied",
            include_str!("../samples/json/003-06-order.stock_override_applied.json"),
        ),
        (
            "order.chat_created",
            include_str!("../samples/json/003-07-order.chat_created.json"),
        ),
        (
            "order.chat_linked",
            include_str!("../samples/json/003-08-order.chat_linked.json"),
        ),
        (
            "order.audit",
            include_str!("../samples/json/003-09-order.audit.json"),
        ),
        (
            "order.statistics_updated",
            include_str!("../samples/json/003-10-order.statistics_updated.json"),
        ),
    ];

    /// The sample document of `event_type`, as JSON text (`None` for a type outside seed 003).
    pub fn document(event_type: &str) -> Option<&'static str> {
        DOCS.iter().find(|(t, _)| *t == event_type).map(|(_, d)| *d)
    }

    /// Every sample document: `(event type, JSON text)`.
    pub fn documents() -> &'static [(&'static str, &'static str)] {
        &DOCS
    }

    /// A UUID made of three numbers (a kind, a step, an order), so that ids are unique per
    /// (kind, step, order) and readable in a dump.
    pub fn uuid(kind: u32, step: u64, order: u64) -> String {
        format!(
            "{kind:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (step >> 24) & 0xffff,
            (step >> 12) & 0xfff,
            step & 0xfff,
            order & 0xffff_ffff_ffff
        )
    }

    /// The order id of order number `order`.
    pub fn order_id(order: u64) -> String {
        uuid(0x3f2c_8a1e, 0, order)
    }

    fn build(
        event_type: &str,
        kind: u32,
        order: u64,
        step: u64,
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> Event {
        let mut doc: serde_json::Value =
            serde_json::from_str(document(event_type).expect("a seed 003 event type"))
                .expect("the samples are JSON");
        doc["event_id"] = uuid(kind, step, order).into();
        doc["data"]["order_id"] = order_id(order).into();
        doc["data"]["order_number"] = format!("ORD-{order:08}").into();
        edit(&mut doc);
        Event::from_json(&serde_json::to_vec(&doc).expect("JSON")).expect("the samples decode")
    }

    /// `order.created` for order number `order`.
    pub fn order_created(order: u64) -> Event {
        build("order.created", 0x9a1c_0001, order, 0, |_| {})
    }

    /// The `step`-th `order.status_changed` (1-based) of order number `order`; its reason
    /// names the step, so that a consumer can check each order's order of events.
    pub fn status_changed(order: u64, step: u64) -> Event {
        build("order.status_changed", 0x9a1c_0003, order, step, |doc| {
            doc["data"]["reason"] = format!("step {step}").into();
        })
    }
}

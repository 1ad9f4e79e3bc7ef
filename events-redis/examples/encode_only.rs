//! The publisher's encode path alone, for the instruction-count guard (`bench/icount.sh`):
//! `encode_only [N]` builds N events (default 10,000) of four types, then writes the packed
//! XADD of each (`events_rt::redis::write_xadd`, the fields written straight into the
//! buffer) into one buffer per batch of 100, as `publish_batch` sends them on its own
//! connection (the bytes of `FieldSet::encode_xadd`'s commands in a pipeline). No network. Prints a checksum of the packed bytes so that
//! nothing is optimised away.

use events_rt::EventSet;
use events_types::{
    Event, OrderCancelledV1, OrderConfirmedV1, OrderItem, PaymentCompletedV1, PaymentMethod,
    PvzParcelArrivedV1,
};

/// Events per pipeline, as `publish_batch` packs them.
const DEPTH: usize = 100;

fn event(n: i64) -> Event {
    let ts = 1_734_825_600 + n;
    match n % 4 {
        0 => {
            let items = (0..1 + n % 3)
                .map(|k| OrderItem {
                    listing_id: 100 + k,
                    quantity: 2,
                    warehouse_id: 1,
                })
                .collect::<Vec<_>>();
            OrderConfirmedV1::new(ts, n, 67, items).into()
        }
        1 => OrderCancelledV1::new(ts, n, "customer_request").into(),
        2 => PaymentCompletedV1::new(
            ts,
            format!("pay_{n:08x}"),
            n,
            5990,
            "RSD",
            PaymentMethod::Card,
        )
        .into(),
        _ => PvzParcelArrivedV1::new(
            ts,
            format!("parcel_{n}"),
            1,
            "PVZ-BG-001",
            890,
            "123456",
            3,
            "operator_456",
        )
        .into(),
    }
}

fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N: a number of events"))
        .unwrap_or(10_000);
    let events: Vec<Event> = (0..n).map(event).collect();

    let (mut bytes, mut sum) = (0usize, 0u64);
    // One buffer for every batch, as the publisher's own connection keeps it.
    let mut buf = Vec::with_capacity(64 << 10);
    for chunk in events.chunks(DEPTH) {
        buf.clear();
        for e in chunk {
            events_rt::redis::write_xadd(e, e.channel(), e.max_len(), &mut buf).expect("encodes");
        }
        let packed = std::hint::black_box(&buf);
        bytes += packed.len();
        // A cheap fold (not every byte: the checksum should not dominate the count).
        sum = sum
            .wrapping_mul(31)
            .wrapping_add(packed.iter().step_by(61).map(|&b| u64::from(b)).sum());
    }
    println!("encoded {n} events: {bytes} bytes packed, checksum {sum:016x}");
}

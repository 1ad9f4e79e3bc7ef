//! Field-map codec vs serde_json on the same structs, in the same run.
//! Run: `cargo bench -p events-types --bench codec`.

// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use events_rt::FieldCodec;
use events_types::{OrderConfirmedV1, PvzParcelArrivedV1};

fn order_confirmed() -> OrderConfirmedV1 {
    let json = br#"{"type":"order.confirmed","order_id":12345,"storefront_id":67,"buyer_id":890,
        "items":"[{\"listing_id\":100,\"quantity\":2,\"warehouse_id\":1},{\"listing_id\":200,\"quantity\":1,\"warehouse_id\":1},{\"listing_id\":300,\"quantity\":5,\"warehouse_id\":2}]",
        "total_amount":5990,"currency":"RSD","timestamp":1734825600}"#;
    events_rt::decode(json).unwrap()
}

fn parcel_arrived() -> PvzParcelArrivedV1 {
    let json = br#"{"type":"pvz.parcel.arrived","parcel_id":"parcel_12345","pvz_id":1,"pvz_code":"PVZ-BG-001",
        "recipient_id":890,"pickup_code":"123456","storage_days":3,"accepted_by":"operator_456","timestamp":1734825600}"#;
    events_rt::decode(json).unwrap()
}

fn pair<T>(c: &mut Criterion, name: &str, event: &T)
where
    T: FieldCodec + PartialEq + std::fmt::Debug,
{
    let mut group = c.benchmark_group(name);
    group.bench_function("field-map encode+decode", |b| {
        b.iter(|| {
            let fields = black_box(event).to_redis_fields().unwrap();
            let back = T::from_redis_fields(black_box(&fields)).unwrap();
            black_box(back)
        })
    });
    group.bench_function("serde_json to_vec+from_slice", |b| {
        b.iter(|| {
            let bytes = serde_json::to_vec(black_box(event)).unwrap();
            let back: T = serde_json::from_slice(black_box(&bytes)).unwrap();
            black_box(back)
        })
    });
    group.finish();
    // Same result both ways.
    let fields = event.to_redis_fields().unwrap();
    assert_eq!(&T::from_redis_fields(&fields).unwrap(), event);
}

fn bench(c: &mut Criterion) {
    pair(c, "order.confirmed (3 items)", &order_confirmed());
    pair(c, "pvz.parcel.arrived", &parcel_arrived());
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Validation before publish (feature `validate`): an event that breaks its schema is
//! refused with the rule it breaks and never reaches the stream; valid ones flow.

mod common;

use std::path::Path;
use std::sync::Arc;

use events_check::validate::Validator;
use events_codegen::SchemaSet;
use events_redis::{PublishCause, Publisher, Redis};
use events_types::{Event, OrderConfirmedV1, OrderItem};

use common::Server;

const ORDERS: &str = "listings:events:orders";

fn validator() -> Arc<Validator> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let set = SchemaSet::load(&dir).unwrap();
    Arc::new(Validator::new(&set).unwrap())
}

/// An order; `currency` must be three capital letters by its schema, which the Rust type
/// (a `String`) cannot say.
fn order(n: i64, currency: &str) -> Event {
    let item = OrderItem {
        listing_id: 1,
        quantity: 1,
        warehouse_id: 1,
    };
    let mut e = OrderConfirmedV1::new(1_734_825_600, n, 7, vec![item]);
    e.currency = Some(currency.to_owned());
    e.into()
}

fn xlen(server: &Server) -> usize {
    redis::cmd("XLEN")
        .arg(ORDERS)
        .query(&mut server.conn())
        .unwrap()
}

#[tokio::test]
async fn an_event_that_breaks_its_schema_is_refused_and_not_sent() {
    let Some(server) = Server::start() else {
        return;
    };
    let redis = Redis::open(&server.url()).unwrap();
    let publisher = Publisher::new(redis.clone()).validate_with(validator());

    for bad in ["rub", "RUBLES", "", "R1B"] {
        let err = publisher.publish(&order(1, bad)).await.unwrap_err();
        assert_eq!(err.event_type, "order.confirmed");
        assert_eq!(err.stream, ORDERS);
        match &*err.cause {
            PublishCause::Invalid(why) => {
                assert!(why.contains("/currency"), "{why}");
                assert!(why.contains(&format!("{bad:?}")), "{why}");
            }
            other => panic!("expected Invalid for {bad:?}, got {other}"),
        }
        assert!(err.to_string().contains("invalid: /currency"), "{err}");
    }
    assert_eq!(xlen(&server), 0, "a refused event reached the stream");

    // A batch: each event is judged alone; only the valid ones are sent, in order.
    let batch = [
        order(1, "RUB"),
        order(2, "eur"),
        order(3, "EUR"),
        order(4, ""),
    ];
    let results = publisher.publish_batch(&batch).await;
    let ok: Vec<bool> = results.iter().map(Result::is_ok).collect();
    assert_eq!(ok, [true, false, true, false]);
    assert_eq!(xlen(&server), 2);

    // Without a validator the schema is not consulted: the same event goes out.
    let plain = Publisher::new(redis);
    plain.publish(&order(5, "rub")).await.unwrap();
    assert_eq!(xlen(&server), 3);
}

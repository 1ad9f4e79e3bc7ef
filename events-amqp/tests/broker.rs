//! events-amqp against the real broker, each test in a private virtual host: every event
//! of both AMQP sets through publish → consume, the topology, the publisher's errors,
//! retries and dead letters, graceful shutdown, and connections closed by the broker.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{ctl, ready, wait_until, Vhost};
use events_amqp::cloudevents::Mode;
use events_amqp::events_bus::{handler_fn, Delivery, Handler, HandlerError};
use events_amqp::lapin::options::BasicPublishOptions;
use events_amqp::lapin::BasicProperties;
use events_amqp::{
    declare_topology, dlq, header_str, AmqpError, Config, Consumer, Counts, PublishCause,
    Publisher, Stats, Topology, EVENT_TYPE_HEADER,
};
use events_rt::EventSet;
use tokio::task::JoinHandle;

#[path = "../examples/common/orders.rs"]
mod orders;
use orders::{order_created as order, order_number as number};

/// A publisher, with `config`'s topology (for `E`) declared.
async fn publisher_for<E: EventSet>(vhost: &Vhost, config: &Config) -> Publisher {
    let publisher = Publisher::connect(&vhost.url).await.unwrap();
    declare_topology(
        &publisher.channel().await.unwrap(),
        &config.topology_for::<E>(),
    )
    .await
    .unwrap();
    publisher
}

type Shared<T> = Arc<Mutex<Vec<T>>>;

fn collector<E: Send + 'static>(seen: &Shared<E>) -> impl Handler<E> {
    let seen = seen.clone();
    handler_fn(move |e: E, _d: Delivery| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(e);
            Ok(())
        }
    })
}

struct Running {
    token: events_amqp::CancellationToken,
    stats: Arc<Stats>,
    task: JoinHandle<Result<Counts, events_amqp::ConsumerError>>,
}

impl Running {
    fn start<E: EventSet, H: Handler<E>>(config: Config, handler: H) -> Self {
        let c = Consumer::new(config, handler);
        Self {
            token: c.shutdown_token(),
            stats: c.stats(),
            task: tokio::spawn(c.run()),
        }
    }

    async fn stop(self) -> Counts {
        self.token.cancel();
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the consumer stops within 30 s")
            .unwrap()
            .unwrap()
    }
}

fn samples(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

/// Publishes every sample of a set, consumes them from one queue bound to every
/// exchange, and checks each arrives equal, in order, and re-encodes to the same JSON.
async fn round_trip<E>(vhost: &Vhost, dir: &str, bindings: &[(&str, &str)], mode: Mode)
where
    E: EventSet + Clone + PartialEq + std::fmt::Debug + Sync,
{
    let samples = samples(dir);
    assert!(!samples.is_empty(), "no samples in {dir}");
    let events: Vec<E> = samples
        .iter()
        .map(|(path, json)| E::decode_json(json).unwrap_or_else(|e| panic!("{path}: {e}")))
        .collect();
    let mut config = Config::new(&vhost.url, "everything").concurrency(1);
    for (x, k) in bindings {
        config = config.bind(*x, *k);
    }
    let publisher = Publisher::connect(&vhost.url).await.unwrap().mode(mode);
    declare_topology(
        &publisher.channel().await.unwrap(),
        &config.topology_for::<E>(),
    )
    .await
    .unwrap();
    publisher.publish_batch(&events).await.unwrap();

    let seen: Shared<E> = Shared::default();
    let consumer = Running::start(config, collector(&seen));
    wait_until("every event consumed", Duration::from_secs(20), || async {
        seen.lock().unwrap().len() >= events.len()
    })
    .await;
    let counts = consumer.stop().await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, events, "events arrive equal and in publishing order");
    assert_eq!(counts.handled, events.len() as u64);
    for ((path, json), e) in samples.iter().zip(&seen) {
        let again: serde_json::Value = serde_json::from_slice(&e.encode_json().unwrap()).unwrap();
        let sent: serde_json::Value = serde_json::from_slice(json).unwrap();
        assert_eq!(
            again, sent,
            "{path}: the consumed event re-encodes to the sample"
        );
    }
    publisher.close().await;
}

#[tokio::test]
async fn every_seed_002_event_goes_through_the_broker_unchanged() {
    let Some(vhost) = Vhost::new("rt002") else {
        return;
    };
    round_trip::<rabbitmq_orders_events::Event>(
        &vhost,
        "examples/rabbitmq-orders/samples/json",
        &[
            ("orders", "order.#"),
            ("products", "product.#"),
            ("customers", "customer.#"),
            ("payments", "payment.#"),
            ("notifications", "notification.#"),
        ],
        Mode::Envelope,
    )
    .await;
    // 29 event types over the five exchanges of seed 002.
    assert_eq!(rabbitmq_orders_events::Event::contracts().len(), 29);
}

#[tokio::test]
async fn every_seed_004_event_goes_through_the_broker_unchanged() {
    let Some(vhost) = Vhost::new("rt004") else {
        return;
    };
    round_trip::<node_orders_events::Event>(
        &vhost,
        "examples/node-orders/samples/json",
        &[("orders", "order.#")],
        Mode::Envelope,
    )
    .await;
}

#[tokio::test]
async fn every_seed_002_and_004_event_travels_as_a_cloudevent_in_both_modes() {
    for mode in [Mode::Binary, Mode::Structured] {
        let Some(vhost) = Vhost::new("cloudevents") else {
            return;
        };
        round_trip::<rabbitmq_orders_events::Event>(
            &vhost,
            "examples/rabbitmq-orders/samples/json",
            &[
                ("orders", "order.#"),
                ("products", "product.#"),
                ("customers", "customer.#"),
                ("payments", "payment.#"),
                ("notifications", "notification.#"),
            ],
            mode,
        )
        .await;
        drop(vhost);
        let Some(vhost) = Vhost::new("cloudevents") else {
            return;
        };
        round_trip::<node_orders_events::Event>(
            &vhost,
            "examples/node-orders/samples/json",
            &[("orders", "order.#")],
            mode,
        )
        .await;
    }
}

#[test]
fn binary_mode_puts_the_attributes_in_cloudevents_headers() {
    let doc = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/rabbitmq-orders/samples/json/002-01-order.created.json"),
    )
    .unwrap();
    let e = rabbitmq_orders_events::Event::decode_json(&doc).unwrap();
    let m = events_amqp::Message::with_mode(&e, Mode::Binary).unwrap();
    let headers = m.properties.headers().clone().unwrap();
    let get = |k: &str| match headers.inner().get(k) {
        Some(events_amqp::lapin::types::AMQPValue::LongString(s)) => {
            String::from_utf8_lossy(s.as_bytes()).into_owned()
        }
        other => panic!("{k}: {other:?}"),
    };
    assert_eq!(get("cloudEvents_specversion"), "1.0");
    assert_eq!(get("cloudEvents_type"), "order.created");
    assert_eq!(get("cloudEvents_tenantid"), "tenant_abc");
    assert_eq!(
        m.properties.content_type().as_ref().unwrap().as_str(),
        "application/json"
    );
    let body: serde_json::Value = serde_json::from_slice(&m.body).unwrap();
    let sample: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    assert_eq!(body, sample["data"], "the body is the data");
    let s = events_amqp::Message::with_mode(&e, Mode::Structured).unwrap();
    assert_eq!(
        s.properties.content_type().as_ref().unwrap().as_str(),
        "application/cloudevents+json"
    );
}

#[tokio::test]
async fn the_topology_declares_twice_and_names_a_conflict() {
    let Some(vhost) = Vhost::new("topology") else {
        return;
    };
    let conn = events_amqp::connect(&vhost.url, "test").await.unwrap();
    let t = Topology::of::<rabbitmq_orders_events::Event>()
        .queue("notification.orders", [("orders", "order.*")])
        .queue("search.products", [("products", "product.#")]);
    for _ in 0..2 {
        let ch = conn.create_channel().await.unwrap();
        declare_topology(&ch, &t).await.unwrap();
    }
    // The publisher reaches the queue through the binding: order.created is routable,
    // and the message waits in notification.orders.
    let publisher = Publisher::connect(&vhost.url).await.unwrap();
    publisher.publish(&order(1)).await.unwrap();
    assert_eq!(ready(&vhost.url, "notification.orders").await, 1);

    // Another retry delay is another x-message-ttl on the retry queue: a conflict that
    // names the queue, not a silent success.
    let other = t.clone().retry_delay(Duration::from_secs(60));
    let ch = conn.create_channel().await.unwrap();
    let err = declare_topology(&ch, &other).await.unwrap_err();
    match &err {
        AmqpError::Conflict { what, .. } => {
            assert_eq!(what, "queue `notification.orders.retry`", "{err}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(err.to_string().contains("x-message-ttl"), "{err}");
    // An exchange of another kind, likewise.
    let ch = conn.create_channel().await.unwrap();
    let kinds = Topology::default().exchange("orders", events_amqp::lapin::ExchangeKind::Fanout);
    let err = declare_topology(&ch, &kinds).await.unwrap_err();
    assert!(
        matches!(&err, AmqpError::Conflict { what, .. } if what == "exchange `orders`"),
        "{err}"
    );
    publisher.close().await;
}

#[tokio::test]
async fn the_publisher_reports_unroutable_and_missing_exchanges_and_goes_on() {
    let Some(vhost) = Vhost::new("puberr") else {
        return;
    };
    let publisher = Publisher::connect(&vhost.url)
        .await
        .unwrap()
        .timeout(Duration::from_secs(5));
    // No exchange yet: the broker closes the channel with NOT_FOUND.
    let err = publisher.publish(&order(1)).await.unwrap_err();
    assert!(
        matches!(&err.cause, PublishCause::Amqp(AmqpError::NotFound { .. })),
        "{err}"
    );
    assert_eq!(
        (err.exchange.as_str(), err.routing_key.as_str()),
        ("orders", "order.created")
    );
    // The exchange exists but no queue is bound: mandatory makes it an error.
    declare_topology(
        &publisher.channel().await.unwrap(),
        &Topology::of::<rabbitmq_orders_events::Event>(),
    )
    .await
    .unwrap();
    let err = publisher
        .publish_batch(&[order(2), order(3)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err.cause, PublishCause::Unroutable { code: 312, .. }),
        "{err}"
    );
    assert_eq!(err.index, 0);
    assert!(err.to_string().contains("unroutable"), "{err}");
    // Bound now: the same publisher delivers.
    declare_topology(
        &publisher.channel().await.unwrap(),
        &Topology::of::<rabbitmq_orders_events::Event>().queue("q", [("orders", "#")]),
    )
    .await
    .unwrap();
    publisher
        .publish_batch(&[order(4), order(5)])
        .await
        .unwrap();
    assert_eq!(ready(&vhost.url, "q").await, 2);
    publisher.close().await;
}

#[tokio::test]
async fn poison_and_failing_messages_are_dead_lettered_after_their_retries_and_the_rest_flow() {
    let Some(vhost) = Vhost::new("poison") else {
        return;
    };
    let queue = "order.processing";
    let config = Config::new(&vhost.url, queue)
        .bind("orders", "order.*")
        .max_retries(2)
        .retry_delay(Duration::from_millis(200));
    let publisher = Publisher::connect(&vhost.url).await.unwrap();
    let channel = publisher.channel().await.unwrap();
    declare_topology(
        &channel,
        &config.topology_for::<rabbitmq_orders_events::OrderCreatedV1>(),
    )
    .await
    .unwrap();

    // 1..=60: n % 10 == 0 fails for good, n % 10 == 1 fails every time (retryable), the
    // others succeed on their second delivery.
    let events: Vec<_> = (1..=60).map(order).collect();
    publisher.publish_batch(&events).await.unwrap();
    // Poison: not JSON, a type outside the set, a valid type with a broken field.
    for body in [
        &b"{not json"[..],
        br#"{"id":"evt_x","type":"order.teleported","source":"s","timestamp":"2024-01-15T10:30:00Z","tenant_id":"t","data":{}}"#,
        br#"{"id":"evt_y","type":"order.created","source":"s","timestamp":"2024-01-15T10:30:00Z","tenant_id":"t","data":{"order_id":5}}"#,
    ] {
        channel
            .basic_publish(
                "orders".into(),
                "order.created".into(),
                BasicPublishOptions::default(),
                body,
                BasicProperties::default().with_message_id("poison".into()),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }

    let attempts: Shared<(u64, u64)> = Shared::default();
    let log = attempts.clone();
    let handler = handler_fn(
        move |e: rabbitmq_orders_events::OrderCreatedV1, d: Delivery| {
            let log = log.clone();
            async move {
                let n = number(&e);
                log.lock().unwrap().push((n, d.attempt));
                match n % 10 {
                    0 => Err(HandlerError::permanent(format!("order {n} is refused"))),
                    1 => Err(HandlerError::retryable("warehouse unavailable")),
                    _ if d.attempt == 1 => Err(HandlerError::retryable("first try fails")),
                    _ => Ok(()),
                }
            }
        },
    );
    let consumer = Running::start(config, handler);
    let dlq_name = "deadletter.order.processing";
    // 6 permanent + 6 exhausted + 3 poison.
    wait_until(
        "dead letters and handled events",
        Duration::from_secs(30),
        || async {
            let c = consumer.stats.counts();
            c.handled == 48 && c.dead_lettered == 15
        },
    )
    .await;
    let counts = consumer.stop().await;
    assert_eq!(counts.handled, 48);
    assert_eq!(counts.dead_lettered, 15);
    // Every retryable failure but the last of each exhausted message went to the retry
    // queue: 48 once, 6 twice.
    assert_eq!(counts.retried, 48 + 6 * 2);
    assert_eq!(
        ready(&vhost.url, queue).await,
        0,
        "nothing left in the queue"
    );

    // Deliveries as the handler saw them: attempts counted by the broker's x-death.
    let mut per_order: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for (n, a) in attempts.lock().unwrap().iter() {
        per_order.entry(*n).or_default().push(*a);
    }
    for (n, seen) in &per_order {
        let want: &[u64] = match n % 10 {
            0 => &[1],
            1 => &[1, 2, 3],
            _ => &[1, 2],
        };
        assert_eq!(seen, want, "deliveries of order {n}");
    }

    let conn = events_amqp::connect(&vhost.url, "test").await.unwrap();
    let letters = dlq::list(&conn, dlq_name, 100).await.unwrap();
    assert_eq!(letters.len(), 15);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for l in &letters {
        *reasons.entry(l.reason.clone().unwrap()).or_default() += 1;
        assert_eq!(l.queue.as_deref(), Some(queue));
        assert_eq!(l.exchange.as_deref(), Some("orders"));
        assert_eq!(l.routing_key.as_deref(), Some("order.created"));
        assert!(l.dead_lettered_at.is_some());
        match l.reason.as_deref().unwrap() {
            "permanent" => {
                let e: rabbitmq_orders_events::OrderCreatedV1 = l.decode().unwrap();
                assert_eq!(number(&e) % 10, 0);
                assert_eq!(l.attempts, Some(1));
                assert_eq!(l.event_type.as_deref(), Some("order.created"));
                assert_eq!(
                    header_str(&l.properties, EVENT_TYPE_HEADER).as_deref(),
                    Some("order.created")
                );
                assert_eq!(
                    l.error.as_deref(),
                    Some(format!("order {} is refused", number(&e)).as_str())
                );
            }
            "max_deliveries" => {
                assert_eq!(l.attempts, Some(3));
                assert_eq!(l.error.as_deref(), Some("warehouse unavailable"));
            }
            "undecodable" | "unknown_type" => {
                assert_eq!(l.message_id.as_deref(), Some("poison"));
                assert_eq!(header_str(&l.properties, EVENT_TYPE_HEADER), None);
                assert!(!l.error.as_deref().unwrap().is_empty());
            }
            other => panic!("reason {other}"),
        }
    }
    let expected: BTreeMap<String, usize> = [
        ("max_deliveries", 6),
        ("permanent", 6),
        ("undecodable", 2),
        ("unknown_type", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(reasons, expected);
    // Listing takes nothing away.
    assert_eq!(ready(&vhost.url, dlq_name).await, 15);

    // Replay: the dead letters go back to their queue with a fresh retry count; a
    // handler that now accepts every order handles the 12 orders, and the 3 poison
    // messages are dead-lettered again.
    assert_eq!(dlq::replay(&conn, dlq_name, None, 100).await.unwrap(), 15);
    assert_eq!(ready(&vhost.url, dlq_name).await, 0);
    let handled: Shared<rabbitmq_orders_events::OrderCreatedV1> = Shared::default();
    let consumer = Running::start(
        Config::new(&vhost.url, queue)
            .bind("orders", "order.*")
            .max_retries(2)
            .retry_delay(Duration::from_millis(200)),
        collector(&handled),
    );
    wait_until(
        "replayed events handled",
        Duration::from_secs(20),
        || async {
            let c = consumer.stats.counts();
            c.handled + c.dead_lettered >= 15
        },
    )
    .await;
    let counts = consumer.stop().await;
    let replayed: BTreeSet<u64> = handled.lock().unwrap().iter().map(number).collect();
    assert_eq!(
        (counts.handled, counts.dead_lettered),
        (12, 3),
        "{counts:?}"
    );
    let failed: BTreeSet<u64> = (1..=60).filter(|n| n % 10 <= 1).collect();
    assert_eq!(replayed, failed);
    assert_eq!(ready(&vhost.url, dlq_name).await, 3, "the poison stays");
    publisher.close().await;
    let _ = conn.close(200, "bye".into()).await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_and_acknowledges_what_is_in_hand() {
    let Some(vhost) = Vhost::new("shutdown") else {
        return;
    };
    let config = || {
        Config::new(&vhost.url, "slow")
            .bind("orders", "order.*")
            .prefetch(8)
    };
    let publisher =
        publisher_for::<rabbitmq_orders_events::OrderCreatedV1>(&vhost, &config()).await;
    let events: Vec<_> = (1..=100).map(order).collect();
    publisher.publish_batch(&events).await.unwrap();

    let started: Shared<u64> = Shared::default();
    let done: Shared<u64> = Shared::default();
    let (s, d) = (started.clone(), done.clone());
    let slow = handler_fn(
        move |e: rabbitmq_orders_events::OrderCreatedV1, _d: Delivery| {
            let (s, d) = (s.clone(), d.clone());
            async move {
                s.lock().unwrap().push(number(&e));
                tokio::time::sleep(Duration::from_millis(300)).await;
                d.lock().unwrap().push(number(&e));
                Ok(())
            }
        },
    );
    let consumer = Running::start(config(), slow);
    wait_until("handlers in hand", Duration::from_secs(10), || async {
        started.lock().unwrap().len() >= 8
    })
    .await;
    let counts = consumer.stop().await;
    // Every handler that started finished, and was acknowledged.
    let (started_n, done_n) = (started.lock().unwrap().len(), done.lock().unwrap().len());
    assert_eq!(started_n, done_n, "a handler in hand was cut off");
    assert_eq!(counts.handled, done_n as u64);
    // What was not handled is back in the queue, nothing lost, nothing twice.
    assert_eq!(ready(&vhost.url, "slow").await, 100 - done_n as u64);
    let rest: Shared<rabbitmq_orders_events::OrderCreatedV1> = Shared::default();
    let consumer = Running::start(config(), collector(&rest));
    wait_until("the rest handled", Duration::from_secs(20), || async {
        rest.lock().unwrap().len() + done_n >= 100
    })
    .await;
    consumer.stop().await;
    let mut all: Vec<u64> = done.lock().unwrap().clone();
    all.extend(rest.lock().unwrap().iter().map(number));
    all.sort_unstable();
    assert_eq!(all, (1..=100).collect::<Vec<_>>());
    publisher.close().await;
}

#[tokio::test]
async fn publisher_and_consumer_recover_when_the_broker_closes_their_connections() {
    let Some(vhost) = Vhost::new("closeall") else {
        return;
    };
    let total = 3000u64;
    let config = Config::new(&vhost.url, "survivor")
        .bind("orders", "order.*")
        .prefetch(50);
    let publisher = Arc::new(
        Publisher::connect(&vhost.url)
            .await
            .unwrap()
            .timeout(Duration::from_secs(30)),
    );
    declare_topology(
        &publisher.channel().await.unwrap(),
        &config.topology_for::<rabbitmq_orders_events::OrderCreatedV1>(),
    )
    .await
    .unwrap();
    let seen: Shared<rabbitmq_orders_events::OrderCreatedV1> = Shared::default();
    let consumer = Running::start(config, collector(&seen));

    let p = publisher.clone();
    let publishing = tokio::spawn(async move {
        for chunk in (1..=total).collect::<Vec<_>>().chunks(50) {
            let batch: Vec<_> = chunk.iter().map(|&n| order(n)).collect();
            p.publish_batch(&batch).await.unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    // Close every connection of this virtual host, twice, while both are working.
    for _ in 0..2 {
        wait_until(
            "traffic before the close",
            Duration::from_secs(20),
            || async { !seen.lock().unwrap().is_empty() },
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        ctl(&[
            "close_all_connections",
            "-p",
            &vhost.name,
            "test: closed by the broker",
        ]);
    }
    tokio::time::timeout(Duration::from_secs(60), publishing)
        .await
        .expect("the publisher finishes")
        .unwrap();
    wait_until(
        "every confirmed event consumed",
        Duration::from_secs(60),
        || async {
            let distinct: BTreeSet<u64> = seen.lock().unwrap().iter().map(number).collect();
            distinct.len() as u64 == total
        },
    )
    .await;
    let counts = consumer.stop().await;
    assert!(counts.reconnects >= 1, "{counts:?}");
    let all: Vec<u64> = seen.lock().unwrap().iter().map(number).collect();
    let distinct: BTreeSet<u64> = all.iter().copied().collect();
    assert_eq!(distinct, (1..=total).collect());
    // Each close may deliver again what the consumer had in hand (prefetch 50) and make
    // the publisher send again its unconfirmed batch (50): no more.
    let duplicates = all.len() - distinct.len();
    assert!(
        duplicates <= 2 * (50 + 50),
        "{duplicates} duplicates after two closes"
    );
    // Nothing left behind: the queue is empty and nothing was dead-lettered.
    let conn = events_amqp::connect(&vhost.url, "test").await.unwrap();
    let status = events_amqp::health::queue_status(&conn, &events_amqp::QueueNames::of("survivor"))
        .await
        .unwrap();
    let _ = conn.close(200, "bye".into()).await;
    assert_eq!(
        (
            status.health.backlog,
            status.health.dead_letters,
            status.retrying
        ),
        (0, 0, 0),
        "{status:?}"
    );
    publisher.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn competing_consumers_handle_every_event_exactly_once() {
    let Some(vhost) = Vhost::new("competing") else {
        return;
    };
    let total = 20_000u64;
    let config = || {
        Config::new(&vhost.url, "shared")
            .bind("orders", "order.*")
            .prefetch(50)
    };
    let publisher =
        publisher_for::<rabbitmq_orders_events::OrderCreatedV1>(&vhost, &config()).await;
    let seen: Shared<rabbitmq_orders_events::OrderCreatedV1> = Shared::default();
    let consumers: Vec<Running> = (0..5)
        .map(|i| Running::start(config().tag(format!("c{i}")), collector(&seen)))
        .collect();
    for chunk in (1..=total).collect::<Vec<_>>().chunks(1_000) {
        let batch: Vec<_> = chunk.iter().map(|&n| order(n)).collect();
        publisher.publish_batch(&batch).await.unwrap();
    }
    wait_until("every event handled", Duration::from_secs(60), || async {
        seen.lock().unwrap().len() as u64 >= total
    })
    .await;
    let mut per_consumer = Vec::new();
    for c in consumers {
        per_consumer.push(c.stop().await.handled);
    }
    let mut numbers: Vec<u64> = seen.lock().unwrap().iter().map(number).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=total).collect::<Vec<_>>(),
        "each exactly once"
    );
    assert_eq!(per_consumer.iter().sum::<u64>(), total);
    assert!(
        per_consumer.iter().filter(|&&n| n > 0).count() >= 2,
        "the work was shared: {per_consumer:?}"
    );
    assert_eq!(ready(&vhost.url, "shared").await, 0);
    publisher.close().await;
}

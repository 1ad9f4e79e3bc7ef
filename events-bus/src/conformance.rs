//! A bus-independent conformance suite (feature `conformance`): the delivery guarantees
//! every runtime must keep, written once over [`Harness`], after Watermill's pub/sub test
//! suite. The Redis runtime runs it in `events-redis/tests/conformance.rs`; a runtime whose
//! bus reports the entries delivered and not acknowledged implements [`Harness`] and calls
//! the same functions (the AMQP runtime tests the same guarantees in its own tests, as
//! RabbitMQ reports unacknowledged messages only through its management plugin).
//!
//! Each function panics with a message naming the broken guarantee.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{handler_fn, Delivery, Handler, HandlerError};

/// What the suite needs from a bus runtime. A harness owns one fresh, isolated channel
/// and consumer group per test.
pub trait Harness: Send + Sync {
    /// The event type the harness publishes (one contract is enough).
    type Event: Send + 'static;
    /// A running consumer.
    type Consumer: Send;

    /// An event carrying the number `n` (e.g. as its order id).
    fn event(&self, n: u64) -> Self::Event;
    /// The number an event carries.
    fn number(&self, e: &Self::Event) -> u64;
    /// Publishes events, in order.
    fn publish(&self, events: Vec<Self::Event>) -> impl Future<Output = ()> + Send;
    /// Starts a consumer named `name` in the test's group with `handler`; it runs in the
    /// background until stopped. `concurrency` is the number of handlers at once.
    fn start<H: Handler<Self::Event>>(
        &self,
        name: &str,
        concurrency: usize,
        handler: H,
    ) -> Self::Consumer;
    /// Graceful stop: stop reading, finish and acknowledge what is in hand, return.
    fn stop(&self, c: Self::Consumer) -> impl Future<Output = ()> + Send;
    /// A crash: the consumer vanishes without acknowledging what it had in hand.
    fn crash(&self, c: Self::Consumer) -> impl Future<Output = ()> + Send;
    /// Entries delivered to the group and not acknowledged.
    fn pending(&self) -> impl Future<Output = u64> + Send;
    /// The dead-lettered events: `(number, reason)`; reasons as in
    /// [`metrics::REASON`](crate::metrics::REASON) (`permanent`, `max_deliveries`).
    fn dead_letters(&self) -> impl Future<Output = Vec<(u64, String)>> + Send;
    /// Sleeps (the harness's runtime).
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> + Send;
    /// The longest any test may wait for the bus to settle.
    fn patience(&self) -> Duration {
        Duration::from_secs(30)
    }
}

/// Handled numbers, in handling order, shared between a test and its handlers.
#[derive(Debug, Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<u64>>>);

impl Seen {
    fn push(&self, n: u64) {
        self.0.lock().unwrap().push(n);
    }
    /// Handled numbers so far, in order.
    pub fn all(&self) -> Vec<u64> {
        self.0.lock().unwrap().clone()
    }
    /// Distinct handled numbers so far.
    pub fn distinct(&self) -> usize {
        self.0.lock().unwrap().iter().collect::<HashSet<_>>().len()
    }
}

fn recorder<B: Harness + 'static>(
    bus: &Arc<B>,
    seen: &Seen,
    delay: Duration,
) -> impl Handler<B::Event> {
    let (bus, seen) = (bus.clone(), seen.clone());
    handler_fn(move |e: B::Event, _d: Delivery| {
        let (bus, seen) = (bus.clone(), seen.clone());
        async move {
            if !delay.is_zero() {
                bus.sleep(delay).await;
            }
            seen.push(bus.number(&e));
            Ok(())
        }
    })
}

async fn settle<B: Harness>(bus: &B, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + bus.patience();
    loop {
        if done() && bus.pending().await == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not settled after {:?} ({} pending)",
            bus.patience(),
            bus.pending().await
        );
        bus.sleep(Duration::from_millis(20)).await;
    }
}

fn numbers<B: Harness>(bus: &B, range: std::ops::RangeInclusive<u64>) -> Vec<B::Event> {
    range.map(|n| bus.event(n)).collect()
}

/// One consumer with concurrency 1 handles a channel's events in publishing order.
pub async fn ordering_per_channel<B: Harness + 'static>(bus: Arc<B>) {
    let seen = Seen::default();
    let c = bus.start("ordered", 1, recorder(&bus, &seen, Duration::ZERO));
    bus.publish(numbers(&*bus, 1..=300)).await;
    settle(&*bus, "ordering", || seen.distinct() == 300).await;
    bus.stop(c).await;
    assert_eq!(
        seen.all(),
        (1..=300).collect::<Vec<_>>(),
        "events handled out of order"
    );
}

/// `consumers` consumers in one group over `n` events: each event handled, none lost,
/// duplicates under 1%.
pub async fn no_loss_under_concurrent_consumers<B: Harness + 'static>(
    bus: Arc<B>,
    consumers: usize,
    n: u64,
) {
    let seen = Seen::default();
    let cs: Vec<_> = (0..consumers)
        .map(|i| bus.start(&format!("c{i}"), 1, recorder(&bus, &seen, Duration::ZERO)))
        .collect();
    bus.publish(numbers(&*bus, 1..=n)).await;
    settle(&*bus, "concurrent consumers", || {
        seen.distinct() == n as usize
    })
    .await;
    for c in cs {
        bus.stop(c).await;
    }
    let all = seen.all();
    let total = all.len() as u64;
    let distinct: HashSet<u64> = all.into_iter().collect();
    assert_eq!(distinct, (1..=n).collect(), "events lost");
    // At least once: an entry is handled twice only when its consumer stalled past the
    // claim window (a starved process on a loaded machine: no window is safe against
    // that), so duplicates are rare, and bounded.
    let duplicates = total - n;
    assert!(
        duplicates <= n / 100,
        "{duplicates} of {n} events handled twice: more than the claims of stalled consumers explain"
    );
}

/// A consumer crashes with events in hand; another consumer of the group handles them.
pub async fn redelivery_after_crash<B: Harness + 'static>(bus: Arc<B>) {
    let seen = Seen::default();
    let slow = bus.start(
        "doomed",
        1,
        recorder(&bus, &seen, Duration::from_millis(20)),
    );
    bus.publish(numbers(&*bus, 1..=200)).await;
    let deadline = Instant::now() + bus.patience();
    while seen.distinct() < 10 {
        assert!(
            Instant::now() < deadline,
            "the first consumer handled nothing"
        );
        bus.sleep(Duration::from_millis(5)).await;
    }
    bus.crash(slow).await;
    assert!(
        bus.pending().await > 0,
        "the crash left nothing pending: test is void"
    );
    let rescuer = bus.start("rescuer", 1, recorder(&bus, &seen, Duration::ZERO));
    settle(&*bus, "redelivery after a crash", || seen.distinct() == 200).await;
    bus.stop(rescuer).await;
}

/// Permanent failures are dead-lettered at once, retryable ones after the retry policy
/// gives up; the other events flow.
pub async fn dead_lettering<B: Harness + 'static>(bus: Arc<B>) {
    let seen = Seen::default();
    let (b, s) = (bus.clone(), seen.clone());
    let handler = handler_fn(move |e: B::Event, _d: Delivery| {
        let n = b.number(&e);
        let s = s.clone();
        async move {
            match n {
                n if n % 10 == 0 => Err(HandlerError::permanent(format!("order {n} refused"))),
                7 => Err(HandlerError::retryable("downstream unavailable for 7")),
                n => {
                    s.push(n);
                    Ok(())
                }
            }
        }
    });
    let c = bus.start("picky", 1, handler);
    bus.publish(numbers(&*bus, 1..=50)).await;
    let deadline = Instant::now() + bus.patience();
    let expected: BTreeMap<u64, String> = (1..=50)
        .filter(|n| n % 10 == 0)
        .map(|n| (n, "permanent".to_owned()))
        .chain([(7, "max_deliveries".to_owned())])
        .collect();
    loop {
        let dl: BTreeMap<u64, String> = bus.dead_letters().await.into_iter().collect();
        if dl == expected && seen.distinct() == 44 && bus.pending().await == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "dead letters {dl:?}, expected {expected:?}; {} handled",
            seen.distinct()
        );
        bus.sleep(Duration::from_millis(20)).await;
    }
    bus.stop(c).await;
}

/// A graceful stop during processing finishes and acknowledges what was in hand.
pub async fn graceful_close<B: Harness + 'static>(bus: Arc<B>) {
    let seen = Seen::default();
    let c = bus.start(
        "closing",
        4,
        recorder(&bus, &seen, Duration::from_millis(10)),
    );
    bus.publish(numbers(&*bus, 1..=500)).await;
    let deadline = Instant::now() + bus.patience();
    while seen.distinct() < 20 {
        assert!(Instant::now() < deadline, "nothing handled");
        bus.sleep(Duration::from_millis(5)).await;
    }
    bus.stop(c).await;
    assert_eq!(
        bus.pending().await,
        0,
        "a graceful stop left entries pending"
    );
    let first: HashSet<u64> = seen.all().into_iter().collect();
    assert!(
        first.len() < 500,
        "stopped too late to prove anything ({} handled)",
        first.len()
    );
    // Every entry the stopped consumer took was handled before it was acknowledged: a
    // second consumer gets exactly the others. A stop that acknowledged its batch in hand
    // without handling it would lose those entries here.
    let rest = Seen::default();
    let c = bus.start("after-close", 4, recorder(&bus, &rest, Duration::ZERO));
    let deadline = Instant::now() + bus.patience();
    while first.len() + rest.distinct() < 500 {
        assert!(
            Instant::now() < deadline,
            "entries lost by the graceful stop: {} handled before it, {} after, of 500",
            first.len(),
            rest.distinct()
        );
        bus.sleep(Duration::from_millis(5)).await;
    }
    bus.stop(c).await;
    let second: HashSet<u64> = rest.all().into_iter().collect();
    let again: Vec<&u64> = first.intersection(&second).collect();
    assert!(
        again.is_empty(),
        "handled and acknowledged before the stop, yet delivered again: {again:?}"
    );
    let all: HashSet<u64> = first.union(&second).copied().collect();
    assert_eq!(all, (1..=500).collect::<HashSet<u64>>());
}

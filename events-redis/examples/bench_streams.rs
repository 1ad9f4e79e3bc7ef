//! Throughput of the runtime against its peers, for `bench/redis-streams.sh` (run in
//! release): `publish N DEPTH` (publish_batch in pipelines of DEPTH) and `consume N`
//! (the Consumer with a no-op handler vs a raw XREADGROUP COUNT 100 + XACK loop);
//! `fill N` then `memory N` (the Consumer's resident memory while it handles N entries
//! that another process published); `dead N`: how long a publish takes to fail once its
//! server is gone (a private redis-server, killed after one publish), over N publishes.

use std::time::{Duration, Instant};

use events_bus::{handler_fn, Delivery, HandlerError};
use events_redis::{CancellationToken, Consumer, Publisher, Redis};
use events_rt::redis::StreamReadReply;
use events_types::{Event, OrderConfirmedV1, OrderItem};

fn event(n: i64) -> Event {
    let item = OrderItem {
        listing_id: 100,
        quantity: 2,
        warehouse_id: 1,
    };
    OrderConfirmedV1::new(1_734_825_600, n, 999, vec![item]).into()
}

const STREAM: &str = "listings:events:orders";

async fn fill(publisher: &Publisher, n: usize) {
    let events: Vec<Event> = (1..=n as i64).map(event).collect();
    for chunk in events.chunks(1_000) {
        for r in publisher.publish_batch(chunk).await {
            r.unwrap();
        }
    }
}

async fn pending(c: &mut events_redis::Conn, group: &str) -> u64 {
    let v: redis::Value = redis::cmd("XPENDING")
        .arg(STREAM)
        .arg(group)
        .query_async(c)
        .await
        .unwrap();
    match v {
        redis::Value::Array(p) => redis::from_redis_value_ref(&p[0]).unwrap_or(0),
        _ => 0,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args[1] == "dead" {
        return dead(args[2].parse().unwrap()).await;
    }
    let url = std::env::var("REDIS_URL").unwrap();
    let redis = Redis::open(&url).unwrap();
    let n: usize = args[2].parse().unwrap();
    // BUSY_POLL_US: the publisher's busy-poll budget in µs (0: off), for before/after runs.
    let busy_poll = std::env::var("BUSY_POLL_US")
        .ok()
        .map(|us| Duration::from_micros(us.parse().expect("BUSY_POLL_US: microseconds")))
        .unwrap_or(events_redis::DEFAULT_BUSY_POLL);
    let publisher = Publisher::new(redis.clone())
        .default_max_len(None)
        .busy_poll(Some(busy_poll))
        .timeout(Duration::from_secs(30));
    let mut conn = redis.connect(Duration::from_secs(30)).await.unwrap();
    if args[1] == "memory" {
        return memory(redis, conn, n).await;
    }
    let _: () = redis::cmd("DEL")
        .arg(STREAM)
        .query_async(&mut conn)
        .await
        .unwrap();
    match args[1].as_str() {
        "fill" => fill(&publisher, n).await,
        "publish" => {
            let depth: usize = args[3].parse().unwrap();
            let events: Vec<Event> = (1..=n as i64).map(event).collect();
            let t = Instant::now();
            for chunk in events.chunks(depth) {
                for r in publisher.publish_batch(chunk).await {
                    r.unwrap();
                }
            }
            println!(
                "publish_batch depth {depth}: {:.0} events/s",
                n as f64 / t.elapsed().as_secs_f64()
            );
        }
        "consume" => {
            // Raw loop: XREADGROUP COUNT 100 + XACK, one connection.
            fill(&publisher, n).await;
            let _: () = redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(STREAM)
                .arg("raw")
                .arg("0")
                .query_async(&mut conn)
                .await
                .unwrap();
            let t = Instant::now();
            let mut done = 0;
            while done < n {
                let reply: StreamReadReply = redis::cmd("XREADGROUP")
                    .arg("GROUP")
                    .arg("raw")
                    .arg("c")
                    .arg("COUNT")
                    .arg(100)
                    .arg("STREAMS")
                    .arg(STREAM)
                    .arg(">")
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                let ids: Vec<String> = reply
                    .streams
                    .into_iter()
                    .flat_map(|(_, e)| e)
                    .map(|e| e.id)
                    .collect();
                done += ids.len();
                let _: u64 = redis::cmd("XACK")
                    .arg(STREAM)
                    .arg("raw")
                    .arg(&ids)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
            }
            let raw = n as f64 / t.elapsed().as_secs_f64();
            println!("raw XREADGROUP COUNT 100 + XACK: {raw:.0} entries/s");

            // The runtime: typed decode, handler, per-batch ack.
            let handler = handler_fn(|e: Event, _d: Delivery| async move {
                std::hint::black_box(e);
                Ok::<_, HandlerError>(())
            });
            let consumer = Consumer::new(redis.clone(), "runtime", "c", handler)
                .streams([STREAM])
                .batch(100)
                .block(Duration::from_millis(100));
            let stop = CancellationToken::new();
            let t = Instant::now();
            let task = tokio::spawn(consumer.run(stop.clone()));
            // Done when the group has read everything and nothing is pending.
            loop {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let groups = events_redis::health::groups(&mut conn, STREAM)
                    .await
                    .unwrap();
                let read = groups
                    .iter()
                    .find(|g| {
                        g.iter().any(|(k, v)| {
                            k == "name"
                                && redis::from_redis_value_ref::<String>(v).ok().as_deref()
                                    == Some("runtime")
                        })
                    })
                    .and_then(|g| {
                        g.iter()
                            .find(|(k, _)| k == "entries-read")
                            .and_then(|(_, v)| redis::from_redis_value_ref::<u64>(v).ok())
                    })
                    .unwrap_or(0);
                if read as usize >= n && pending(&mut conn, "runtime").await == 0 {
                    break;
                }
            }
            let ours = n as f64 / t.elapsed().as_secs_f64();
            stop.cancel();
            task.await.unwrap().unwrap();
            println!("events-redis Consumer (typed decode + ack): {ours:.0} entries/s");
            println!("ratio consumer/raw: {:.2}", ours / raw);
        }
        "phases" => {
            // Where publish_batch's time goes, by timing each step alone (client side).
            let depth: usize = args[3].parse().unwrap();
            let events: Vec<Event> = (1..=n as i64).map(event).collect();
            let per = |t: Instant| t.elapsed().as_secs_f64() * 1e9 / n as f64;
            let t = Instant::now();
            for e in &events {
                std::hint::black_box(events_rt::FieldSet::encode_fields(e).unwrap());
            }
            println!("encode_fields: {:.0} ns/event", per(t));
            let t = Instant::now();
            for e in &events {
                let f = events_rt::FieldSet::encode_fields(e).unwrap();
                std::hint::black_box(events_rt::redis::xadd(STREAM, Some(100_000), &f));
            }
            println!("encode + build XADD: {:.0} ns/event", per(t));
            let t = Instant::now();
            for chunk in events.chunks(depth) {
                let mut pipe = redis::pipe();
                for e in chunk {
                    let f = events_rt::FieldSet::encode_fields(e).unwrap();
                    pipe.add_command(events_rt::redis::xadd(STREAM, Some(100_000), &f));
                }
                std::hint::black_box(pipe.get_packed_pipeline());
            }
            println!("encode + build + pack pipeline: {:.0} ns/event", per(t));
            // The publisher's path: each event's XADD written straight into the command.
            let t = Instant::now();
            for e in &events {
                std::hint::black_box(
                    events_rt::FieldSet::encode_xadd(e, STREAM, Some(100_000)).unwrap(),
                );
            }
            println!("encode_xadd: {:.0} ns/event", per(t));
            let t = Instant::now();
            for chunk in events.chunks(depth) {
                let mut pipe = redis::pipe();
                for e in chunk {
                    pipe.add_command(
                        events_rt::FieldSet::encode_xadd(e, STREAM, Some(100_000)).unwrap(),
                    );
                }
                std::hint::black_box(pipe.get_packed_pipeline());
            }
            println!("encode_xadd + pack pipeline: {:.0} ns/event", per(t));
            // The same pipeline, built once, sent N/depth times: the redis crate's floor.
            let mut pipe = redis::pipe();
            for e in &events[..depth] {
                let f = events_rt::FieldSet::encode_fields(e).unwrap();
                pipe.add_command(events_rt::redis::xadd(STREAM, None, &f));
            }
            let t = Instant::now();
            for _ in 0..n / depth {
                let _: Vec<String> = pipe.query_async(&mut conn).await.unwrap();
            }
            println!(
                "pre-built pipeline sent (redis crate): {:.0} ns/event = {:.0} events/s",
                per(t),
                1e9 / per(t)
            );
            let t = Instant::now();
            for chunk in events.chunks(depth) {
                for r in publisher.publish_batch(chunk).await {
                    r.unwrap();
                }
            }
            println!(
                "publish_batch: {:.0} ns/event = {:.0} events/s",
                per(t),
                1e9 / per(t)
            );
        }
        other => panic!("unknown mode {other}"),
    }
}

/// Resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The Consumer over N entries already in the stream (`fill N` in another process):
/// resident memory after every tenth of them. Flat means the last figure is close to the
/// first: nothing grows with the number of entries handled.
async fn memory(redis: Redis, mut conn: events_redis::Conn, n: usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let handled = Arc::new(AtomicUsize::new(0));
    let h = handled.clone();
    let handler = handler_fn(move |e: Event, _d: Delivery| {
        let h = h.clone();
        async move {
            std::hint::black_box(e);
            h.fetch_add(1, Ordering::Relaxed);
            Ok::<_, HandlerError>(())
        }
    });
    let consumer = Consumer::new(redis, "memory", "c", handler)
        .streams([STREAM])
        .batch(100)
        .block(Duration::from_millis(100));
    let stop = CancellationToken::new();
    let start_rss = rss_kib();
    let task = tokio::spawn(consumer.run(stop.clone()));
    let step = (n / 10).max(1);
    let mut next = step;
    let mut samples = Vec::new();
    let t = Instant::now();
    while next <= n {
        tokio::time::sleep(Duration::from_millis(2)).await;
        if handled.load(Ordering::Relaxed) >= next {
            samples.push((next, rss_kib()));
            next += step;
        }
    }
    while pending(&mut conn, "memory").await > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    stop.cancel();
    task.await.unwrap().unwrap();
    println!("RSS before start: {start_rss} KiB");
    for (at, kib) in &samples {
        println!("RSS after {at:>9} entries: {kib} KiB");
    }
    let first = samples.first().map_or(0, |s| s.1);
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    println!(
        "{n} entries in {secs:.1} s; RSS from the first tenth to the peak: {first} -> {peak} KiB ({:+} KiB)",
        peak as i64 - first as i64
    );
}

/// A publisher whose server died: each publish's time to fail, and its error's kind.
async fn dead(n: usize) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server");
    let redis = Redis::open(&format!("redis://127.0.0.1:{port}")).unwrap();
    let publisher = Publisher::new(redis);
    let deadline = Instant::now() + Duration::from_secs(5);
    while publisher.publish(&event(1)).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the private redis-server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let mut times = Vec::with_capacity(n);
    let mut kinds = std::collections::BTreeMap::new();
    for i in 0..n {
        let t = Instant::now();
        let err = publisher
            .publish(&event(i as i64 + 2))
            .await
            .expect_err("the server is gone");
        times.push(t.elapsed());
        let kind = match &*err.cause {
            events_redis::PublishCause::Timeout(_) => "timeout",
            events_redis::PublishCause::Redis(e) if e.is_connection_refusal() => {
                "connection refused"
            }
            events_redis::PublishCause::Redis(e) if e.is_io_error() => "io error",
            _ => "other",
        };
        *kinds.entry(kind).or_insert(0u32) += 1;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "publish to a dead server, {n} tries: median {:.2} ms, p99 {:.2} ms, max {:.2} ms (timeout {:?}); errors: {kinds:?}",
        ms(times[n / 2]),
        ms(times[(n * 99 / 100).min(n - 1)]),
        ms(times[n - 1]),
        Duration::from_secs(2),
    );
}

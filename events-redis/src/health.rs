//! Health figures of one stream for one group (seed 001 §13.1's redis-cli commands, as data).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use events_bus::ChannelHealth;
use redis::aio::ConnectionLike;
use redis::{RedisResult, Value};

/// Millisecond part of a stream entry id.
pub fn id_millis(id: &str) -> Option<u64> {
    id.split_once('-').map_or(id, |(ms, _)| ms).parse().ok()
}

fn get<'a>(map: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// `XINFO GROUPS` as a list of field maps.
pub async fn groups<C: ConnectionLike + Send>(
    c: &mut C,
    stream: &str,
) -> RedisResult<Vec<Vec<(String, Value)>>> {
    let v: Value = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(stream)
        .query_async(c)
        .await
        .or_else(|e| {
            // No such key: no groups.
            if e.code() == Some("ERR") && e.detail().is_some_and(|d| d.contains("no such key")) {
                Ok(Value::Array(Vec::new()))
            } else {
                Err(e)
            }
        })?;
    let Value::Array(items) = v else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in items {
        let pairs: Vec<(String, Value)> = match item {
            Value::Array(kv) => kv
                .chunks(2)
                .filter_map(|p| match p {
                    [k, v] => redis::from_redis_value_ref::<String>(k)
                        .ok()
                        .map(|k| (k, v.clone())),
                    _ => None,
                })
                .collect(),
            Value::Map(kv) => kv
                .into_iter()
                .filter_map(|(k, v)| redis::from_redis_value::<String>(k).ok().map(|k| (k, v)))
                .collect(),
            _ => continue,
        };
        out.push(pairs);
    }
    Ok(out)
}

/// Length, pending, lag, oldest pending age and dead-letter length of `stream` for `group`.
pub async fn stream_health<C: ConnectionLike + Send>(
    c: &mut C,
    stream: &str,
    group: &str,
    dlq: &str,
) -> RedisResult<ChannelHealth> {
    let length: u64 = redis::cmd("XLEN").arg(stream).query_async(c).await?;
    let dead_letters: u64 = redis::cmd("XLEN").arg(dlq).query_async(c).await?;
    let mut h = ChannelHealth {
        channel: stream.to_owned(),
        group: group.to_owned(),
        backlog: length,
        dead_letters,
        ..ChannelHealth::default()
    };
    let groups = groups(c, stream).await?;
    let Some(g) = groups.iter().find(|g| {
        get(g, "name")
            .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
            .as_deref()
            == Some(group)
    }) else {
        return Ok(h);
    };
    h.in_flight = get(g, "pending")
        .and_then(|v| redis::from_redis_value_ref(v).ok())
        .unwrap_or(0);
    h.lag = get(g, "lag").and_then(|v| redis::from_redis_value_ref(v).ok());
    if h.in_flight > 0 {
        // XPENDING summary: [count, smallest id, greatest id, consumers].
        let v: Value = redis::cmd("XPENDING")
            .arg(stream)
            .arg(group)
            .query_async(c)
            .await?;
        if let Value::Array(parts) = v {
            let oldest: Option<String> = parts
                .get(1)
                .and_then(|v| redis::from_redis_value_ref(v).ok());
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            h.oldest_age = oldest
                .as_deref()
                .and_then(id_millis)
                .map(|ms| Duration::from_millis(now.saturating_sub(ms)));
        }
    }
    Ok(h)
}

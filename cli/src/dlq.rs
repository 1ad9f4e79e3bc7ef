//! `events dlq list` and `events dlq replay`: the dead-letter streams (`<stream>:dlq`) that
//! `events-redis` consumers write, read back with their errors, and put back on their
//! source stream after a fix.

use std::collections::BTreeSet;

use clap::{ArgGroup, Args, Subcommand};
use events_codegen::SchemaSet;
use events_redis::dlq::DeadLetter;
use events_redis::Conn;
use events_rt::redis::StreamEntry;
use serde_json::json;

use crate::catalog;
use crate::error::{CliError, Outcome};
use crate::output::{self, write_out, Format};
use crate::streams::{connect, is_stream, redis_error, runtime};

/// `events dlq …`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show dead-lettered entries: event type, source stream and id, reason, error,
    /// deliveries, group and consumer, when.
    List(ListArgs),
    /// Re-publish dead-lettered entries to their source stream (XADD of the original
    /// fields), then delete each from the dead-letter stream once its XADD succeeded.
    Replay(ReplayArgs),
}

/// `events dlq list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    conn: crate::streams::Connection,
    /// Only the dead letters of this stream (default: every stream of the catalog).
    #[arg(long)]
    stream: Option<String>,
    /// At most this many entries per stream, oldest first.
    #[arg(long)]
    count: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// `events dlq replay`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["id", "all"])))]
pub struct ReplayArgs {
    #[command(flatten)]
    conn: crate::streams::Connection,
    /// The source stream whose dead letters to replay.
    #[arg(long)]
    stream: String,
    /// Entries to replay: their id in the dead-letter stream (as `events dlq list` shows)
    /// or their original id. Nothing is replayed when one is not found.
    #[arg(long, num_args = 1..)]
    id: Vec<String>,
    /// Replay every entry of the dead-letter stream.
    #[arg(long)]
    all: bool,
}

/// Runs `events dlq …`.
pub fn run(set: &SchemaSet, cmd: &Command) -> Result<Outcome, CliError> {
    let known = catalog::streams(set);
    match cmd {
        Command::List(args) => {
            let streams = match &args.stream {
                Some(s) => vec![catalog::resolve(s, &known)?],
                None => known,
            };
            list(&streams, args)
        }
        Command::Replay(args) => {
            let stream = catalog::resolve(&args.stream, &known)?;
            replay(stream, args)
        }
    }
}

/// Every entry of `dlq` (pages of 500), at most `count`.
async fn read_all(
    c: &mut Conn,
    url: &str,
    dlq: &str,
    count: Option<usize>,
) -> Result<Vec<DeadLetter>, CliError> {
    let mut out = Vec::new();
    let mut start = "-".to_owned();
    loop {
        let page = count.map_or(500, |n| n.saturating_sub(out.len()).min(500));
        if page == 0 {
            break;
        }
        let entries: Vec<StreamEntry> = redis::cmd("XRANGE")
            .arg(dlq)
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(page)
            .query_async(c)
            .await
            .map_err(|e| redis_error(url, &e))?;
        let Some(last) = entries.last() else { break };
        start = format!("({}", last.id);
        out.extend(entries.iter().map(DeadLetter::from_entry));
    }
    Ok(out)
}

fn event_type(d: &DeadLetter) -> &str {
    d.fields
        .iter()
        .find(|(k, _)| k == "type")
        .map_or("?", |(_, v)| v.as_str())
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn list(streams: &[&str], args: &ListArgs) -> Result<Outcome, CliError> {
    let url = &args.conn.redis;
    let found = runtime()?.block_on(async {
        let mut c = connect(url).await?;
        let mut found = Vec::new();
        for stream in streams {
            let dlq = format!("{stream}{}", args.conn.dlq_suffix);
            if !is_stream(&mut c, url, &dlq).await? {
                continue;
            }
            let len: u64 = redis::cmd("XLEN")
                .arg(&dlq)
                .query_async(&mut c)
                .await
                .map_err(|e| redis_error(url, &e))?;
            let entries = read_all(&mut c, url, &dlq, args.count).await?;
            found.push((*stream, dlq, len, entries));
        }
        Ok::<_, CliError>(found)
    })?;
    let text = match args.format {
        Format::Human => {
            let mut out = String::new();
            let mut total = 0;
            for (_, dlq, len, entries) in &found {
                total += len;
                out.push_str(&format!("{dlq}: {len} dead-lettered\n"));
                for d in entries {
                    out.push_str(&format!(
                        "  {}  {}  from {} {}  {} after {} deliveries (group {}, consumer {}) at {}\n    error: {}\n",
                        d.dlq_id,
                        event_type(d),
                        d.stream,
                        d.id,
                        d.reason,
                        d.deliveries,
                        d.group,
                        d.consumer,
                        utc(d.time_ms),
                        d.error
                    ));
                }
                if (entries.len() as u64) < *len {
                    out.push_str(&format!(
                        "  … {} more (--count)\n",
                        len - entries.len() as u64
                    ));
                }
            }
            out.push_str(&format!(
                "{total} dead-lettered entries in {} of {} streams\n",
                found.iter().filter(|f| f.2 > 0).count(),
                streams.len()
            ));
            out
        }
        Format::Json => {
            let doc: Vec<serde_json::Value> = found
                .iter()
                .map(|(stream, dlq, len, entries)| {
                    json!({
                        "stream": stream,
                        "dlq": dlq,
                        "length": len,
                        "entries": entries.iter().map(|d| json!({
                            "dlq_id": d.dlq_id,
                            "event_type": event_type(d),
                            "stream": d.stream,
                            "id": d.id,
                            "reason": d.reason,
                            "error": d.error,
                            "group": d.group,
                            "consumer": d.consumer,
                            "deliveries": d.deliveries,
                            "time_ms": d.time_ms,
                            "fields": d.fields.iter().map(|(k, v)| [k, v]).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({ "dead_letters": doc })).unwrap_or_default()
            )
        }
    };
    output::stdout(&text)?;
    Ok(Outcome::Success)
}

fn replay(stream: &str, args: &ReplayArgs) -> Result<Outcome, CliError> {
    let url = &args.conn.redis;
    let dlq = format!("{stream}{}", args.conn.dlq_suffix);
    let mut out = anstream::stdout().lock();
    runtime()?.block_on(async {
        let mut c = connect(url).await?;
        let entries = if is_stream(&mut c, url, &dlq).await? {
            read_all(&mut c, url, &dlq, None).await?
        } else {
            Vec::new()
        };
        let chosen: Vec<DeadLetter> = if args.all {
            entries
        } else {
            let wanted: BTreeSet<&str> = args.id.iter().map(String::as_str).collect();
            let chosen: Vec<DeadLetter> = entries
                .into_iter()
                .filter(|d| wanted.contains(d.dlq_id.as_str()) || wanted.contains(d.id.as_str()))
                .collect();
            let missing: Vec<&str> = wanted
                .iter()
                .filter(|w| !chosen.iter().any(|d| d.dlq_id == **w || d.id == **w))
                .copied()
                .collect();
            if !missing.is_empty() {
                return Err(CliError::input(format!(
                    "not in {dlq}: {} (nothing replayed; `events dlq list --stream {stream}` shows the ids)",
                    missing.join(", ")
                )));
            }
            chosen
        };
        let mut replayed = 0usize;
        for mut d in chosen {
            if d.stream.is_empty() {
                d.stream = stream.to_owned();
            }
            // Two keys (two slots on a cluster): no transaction. The XDEL follows a
            // successful XADD, so a failure in between leaves a copy in the dead-letter
            // stream, never a lost entry.
            let new_id: String = d
                .replay_cmd(None)
                .query_async(&mut c)
                .await
                .map_err(|e| {
                    redis_error(url, &e).context(format!(
                        "replaying {} of {dlq} ({replayed} replayed before it)",
                        d.dlq_id
                    ))
                })?;
            let _: u64 = redis::cmd("XDEL")
                .arg(&dlq)
                .arg(&d.dlq_id)
                .query_async(&mut c)
                .await
                .map_err(|e| {
                    redis_error(url, &e).context(format!(
                        "{} was replayed as {new_id} but is still in {dlq}",
                        d.dlq_id
                    ))
                })?;
            replayed += 1;
            write_out(
                &mut out,
                &format!(
                    "replayed {} ({}, originally {}) to {} as {new_id}\n",
                    d.dlq_id,
                    event_type(&d),
                    d.id,
                    d.stream
                ),
            )?;
        }
        write_out(
            &mut out,
            &format!("{replayed} entries replayed from {dlq}\n"),
        )?;
        Ok::<_, CliError>(())
    })?;
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc(1_734_825_600_000), "2024-12-22T00:00:00Z");
        assert_eq!(
            super::utc(951_782_400_000 + 3_723_000),
            "2000-02-29T01:02:03Z"
        );
    }
}

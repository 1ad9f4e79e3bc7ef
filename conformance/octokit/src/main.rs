//! `octokit-round-trip SCHEMA.json EXAMPLES.json`: validates every example against the
//! schema (draft-07, as GitHub publishes it), decodes it with the generated root type,
//! encodes it again and compares; then wraps it as the catalog route's event
//! (`{"type": "github.<event>.<action>", "payload": …}`), decodes that with the typed
//! `Event` dispatch, encodes it and compares. Prints one line of counts and each failure.

#[allow(dead_code, missing_docs, clippy::all)]
mod octokit {
    include!(concat!(env!("OUT_DIR"), "/octokit.rs"));
}

#[allow(dead_code, missing_docs, clippy::all)]
mod github {
    include!(concat!(env!("OUT_DIR"), "/github.rs"));
}

use serde_json::value::RawValue;
use serde_json::Value;

/// The examples file as written: each example's own text, in the producer's key order.
#[derive(serde::Deserialize)]
struct RawGroup {
    examples: Vec<Box<RawValue>>,
}

/// JSON text without the whitespace between tokens (strings left as they are).
fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(schema), Some(examples)) = (args.next(), args.next()) else {
        eprintln!("usage: octokit-round-trip SCHEMA.json EXAMPLES.json");
        std::process::exit(2);
    };
    let read = |p: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}")))
            .unwrap_or_else(|e| panic!("{p}: {e}"))
    };
    let schema = read(&schema);
    let validator = jsonschema::draft7::new(&schema).expect("the schema compiles");
    let (mut total, mut valid, mut round_trips, mut refused, mut accepted_invalid) =
        (0, 0, 0, 0, 0);
    let mut failures = 0;
    let (mut events, mut event_round_trips) = (0, 0);
    // Valid examples whose re-encoding is the producer's text, byte for byte.
    let mut identical = 0;
    let raw: Vec<RawGroup> =
        serde_json::from_str(&std::fs::read_to_string(&examples).expect("examples")).expect("JSON");
    for (g, group) in read(&examples).as_array().expect("an array of events").iter().enumerate() {
        let name = group["name"].as_str().unwrap_or("?");
        for (i, example) in group["examples"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            total += 1;
            let is_valid = validator.is_valid(example);
            valid += usize::from(is_valid);
            // Decoded from the producer's text (its key order), compacted.
            let text = compact(raw[g].examples[i].get());
            match serde_json::from_str::<octokit::Schema>(&text) {
                Ok(typed) => {
                    let back = serde_json::to_value(&typed).expect("encodes");
                    if &back == example {
                        round_trips += usize::from(is_valid);
                        let bytes = serde_json::to_string(&typed).expect("encodes");
                        identical += usize::from(is_valid && bytes == text);
                        accepted_invalid += usize::from(!is_valid);
                    } else {
                        failures += 1;
                        println!(
                            "CHANGED {name}[{i}]: {}",
                            first_difference(example, &back, "")
                        );
                    }
                }
                Err(e) if is_valid => {
                    failures += 1;
                    println!("REFUSED-VALID {name}[{i}]: {e}");
                }
                Err(_) => refused += 1,
            }
            if !is_valid {
                continue;
            }
            // The catalog route: the same body as a typed event of the catalog.
            // `github.<event>.<action>`, or `github.<event>` for an event whose action is
            // free (`repository_dispatch`) or absent (`push`).
            let event_type = example
                .get("action")
                .and_then(Value::as_str)
                .map(|action| format!("github.{name}.{action}"))
                .filter(|t| t.parse::<github::EventType>().is_ok())
                .unwrap_or_else(|| format!("github.{name}"));
            let doc = serde_json::json!({"type": event_type, "payload": example});
            events += 1;
            match github::Event::from_json(doc.to_string().as_bytes()) {
                Ok(event) => {
                    let back = serde_json::to_value(&event).expect("encodes");
                    if event.event_type().as_str() != event_type {
                        failures += 1;
                        println!("EVENT-TYPE {name}[{i}]: {}", event.event_type().as_str());
                    } else if back == doc {
                        event_round_trips += 1;
                    } else {
                        failures += 1;
                        println!(
                            "EVENT-CHANGED {name}[{i}]: {}",
                            first_difference(&doc, &back, "")
                        );
                    }
                }
                Err(e) => {
                    failures += 1;
                    println!("EVENT-REFUSED {name}[{i}] ({event_type}): {e}");
                }
            }
        }
    }
    println!(
        "examples={total} valid={valid} round_trips={round_trips} identical_bytes={identical} invalid_refused={refused} invalid_accepted={accepted_invalid} events={events} event_round_trips={event_round_trips} failures={failures}"
    );
    std::process::exit(i32::from(failures > 0));
}

fn first_difference(a: &Value, b: &Value, at: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) if v != w => return first_difference(v, w, &format!("{at}/{k}")),
                    Some(_) => {}
                    None => return format!("{at}/{k} dropped"),
                }
            }
            match y.keys().find(|k| !x.contains_key(*k)) {
                Some(k) => format!("{at}/{k} added"),
                None => at.to_owned(),
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (v, w))| v != w)
            .map_or_else(
                || at.to_owned(),
                |(i, (v, w))| first_difference(v, w, &format!("{at}/{i}")),
            ),
        _ => format!("{at}: {a} became {b}"),
    }
}

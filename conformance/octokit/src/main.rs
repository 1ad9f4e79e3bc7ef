//! `octokit-round-trip SCHEMA.json EXAMPLES.json`: validates every example against the
//! schema (draft-07, as GitHub publishes it), decodes it with the generated root type,
//! encodes it again and compares. Prints one line of counts and each failure.

#[allow(dead_code, missing_docs, clippy::all)]
mod octokit {
    include!(concat!(env!("OUT_DIR"), "/octokit.rs"));
}

use serde_json::Value;

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
    for group in read(&examples).as_array().expect("an array of events") {
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
            let text = serde_json::to_string(example).expect("JSON");
            match serde_json::from_str::<octokit::Schema>(&text) {
                Ok(typed) => {
                    let back = serde_json::to_value(&typed).expect("encodes");
                    if &back == example {
                        round_trips += usize::from(is_valid);
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
        }
    }
    println!(
        "examples={total} valid={valid} round_trips={round_trips} invalid_refused={refused} invalid_accepted={accepted_invalid} failures={failures}"
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

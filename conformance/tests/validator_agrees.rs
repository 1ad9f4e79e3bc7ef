//! The validator and the typed decoder agree (issue 11, class 4): over random sample
//! events and mutations of them (integers spelt `1.0`, `1e2`, `-0`, out of range; other
//! types; duplicate keys), a payload `events validate` accepts decodes with the generated
//! `Event` (tolerant and strict), and one it rejects does not decode strictly, unless
//! every rule it broke is one the types do not express (`pattern`, `minimum`, …: see
//! "Known limits" in the README).
//!
//! A duplicate key is refused by the validator everywhere, and by the generated types
//! everywhere too: a struct refuses a field twice, a map or a free-form object (such as
//! `metadata`) a key twice.

mod common;

use std::sync::OnceLock;

use events_check::sample::{instance, Mode};
use events_conformance::vondi_strict;
use proptest::prelude::*;
use serde_json::Value;

fn set() -> &'static common::Set {
    static SET: OnceLock<common::Set> = OnceLock::new();
    SET.get_or_init(common::vondi)
}

/// Rules only the validator enforces: the generated types cannot express them.
const VALIDATOR_ONLY: &[&str] = &[
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "const",
    "additionalProperties",
    "propertyNames",
];

/// Raw JSON tokens put in place of a number.
const NUMBER_TOKENS: &[&str] = &[
    "1.0",
    "1e2",
    "-0",
    "0",
    "-1",
    "1.5",
    "5.0e0",
    "127",
    "128",
    "255",
    "256",
    "65536",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "\"5\"",
    "true",
    // `null`: refused by both where the field is not nullable, optional or not.
    "null",
];

/// Pointers of every number and of every non-empty object in `v`.
fn places(v: &Value, at: String, numbers: &mut Vec<String>, objects: &mut Vec<String>) {
    match v {
        Value::Number(_) => numbers.push(at),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                places(item, format!("{at}/{i}"), numbers, objects);
            }
        }
        Value::Object(m) => {
            if !m.is_empty() {
                objects.push(at.clone());
            }
            for (k, item) in m {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                places(item, format!("{at}/{escaped}"), numbers, objects);
            }
        }
        _ => {}
    }
}

/// The JSON text of `v`, with the value at `number` written as the raw `token`, and the
/// object at `dup` given its first key twice (first with `token`'s value, or itself).
fn text(v: &Value, at: &str, number: Option<(&str, &str)>, dup: Option<&str>, out: &mut String) {
    if let Some((p, token)) = number {
        if p == at {
            out.push_str(token);
            return;
        }
    }
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                text(item, &format!("{at}/{i}"), number, dup, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            if dup == Some(at) {
                if let Some((k, first)) = m.iter().next() {
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push(':');
                    out.push_str(&first.to_string());
                    out.push(',');
                }
            }
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push(':');
                let escaped = k.replace('~', "~0").replace('/', "~1");
                text(item, &format!("{at}/{escaped}"), number, dup, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// What `events validate` says about a text: `Ok(())` or the rules broken.
fn validate(bytes: &[u8]) -> Result<(), Vec<String>> {
    let doc = events_check::json::from_slice(bytes).map_err(|e| vec![e.rule.to_owned()])?;
    let report = set().validator.validate(&doc);
    if report.is_valid() {
        Ok(())
    } else {
        Err(report.violations.into_iter().map(|v| v.rule).collect())
    }
}

fn check_agreement(bytes: &[u8]) -> Result<(), TestCaseError> {
    let verdict = validate(bytes);
    let strict = vondi_strict::Event::from_json(bytes);
    let tolerant = events_types::Event::from_json(bytes);
    let shown = String::from_utf8_lossy(bytes);
    match verdict {
        Ok(()) => {
            prop_assert!(
                strict.is_ok(),
                "accepted, strict decoder refuses: {:?}\n{shown}",
                strict.err()
            );
            prop_assert!(
                tolerant.is_ok(),
                "accepted, decoder refuses: {:?}\n{shown}",
                tolerant.err()
            );
        }
        Err(rules) => {
            let typed = rules.iter().any(|r| !VALIDATOR_ONLY.contains(&r.as_str()));
            if typed {
                prop_assert!(
                    strict.is_err(),
                    "refused ({rules:?}), strict decoder accepts:\n{shown}"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn unchanged_samples_are_accepted_and_decode(index in 0usize..1000, seed in any::<u64>()) {
        let set = set();
        let event = &set.catalog.events[index % set.catalog.events.len()];
        let doc = instance(&set.catalog, event, Mode::Random(seed));
        let bytes = serde_json::to_vec(&doc).unwrap();
        // Samples fit the types, not every pattern or bound: only agreement is asked.
        check_agreement(&bytes)?;
    }

    #[test]
    fn a_number_spelt_otherwise(index in 0usize..1000, seed in any::<u64>(), pick in any::<usize>(),
                                token in 0usize..NUMBER_TOKENS.len()) {
        let set = set();
        let event = &set.catalog.events[index % set.catalog.events.len()];
        let doc = instance(&set.catalog, event, Mode::Random(seed));
        let (mut numbers, mut objects) = (Vec::new(), Vec::new());
        places(&doc, String::new(), &mut numbers, &mut objects);
        prop_assume!(!numbers.is_empty());
        let at = &numbers[pick % numbers.len()];
        let mut out = String::new();
        text(&doc, "", Some((at, NUMBER_TOKENS[token])), None, &mut out);
        check_agreement(out.as_bytes())?;
    }

    #[test]
    fn a_key_twice(index in 0usize..1000, seed in any::<u64>(), pick in any::<usize>()) {
        let set = set();
        let event = &set.catalog.events[index % set.catalog.events.len()];
        let doc = instance(&set.catalog, event, Mode::Random(seed));
        let (mut numbers, mut objects) = (Vec::new(), Vec::new());
        places(&doc, String::new(), &mut numbers, &mut objects);
        let at = &objects[pick % objects.len()];
        let mut out = String::new();
        text(&doc, "", None, Some(at), &mut out);
        let verdict = validate(out.as_bytes());
        prop_assert!(matches!(&verdict, Err(r) if r == &["duplicate-key"]), "{verdict:?}: {out}");
        // Wherever the key is twice, neither decoder reads it.
        check_agreement(out.as_bytes())?;
        let tolerant = events_types::Event::from_json(out.as_bytes());
        prop_assert!(tolerant.is_err(), "a key twice, the tolerant decoder accepts:\n{out}");
        let mut top = String::new();
        text(&doc, "", None, Some(""), &mut top);
        check_agreement(top.as_bytes())?;
    }

    #[test]
    fn field_maps_agree(index in 0usize..1000, seed in any::<u64>(), pick in any::<usize>(),
                        how in 0u8..3, token in 0usize..NUMBER_TOKENS.len()) {
        let set = set();
        let event = &set.catalog.events[index % set.catalog.events.len()];
        let doc = instance(&set.catalog, event, Mode::Random(seed));
        let typed = vondi_strict::Event::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
        let mut fields: Vec<(String, String)> = typed.to_redis_fields().unwrap()
            .into_iter().map(|(k, v)| (k.into_owned(), v)).collect();
        let i = pick % fields.len();
        match how {
            0 => {}
            1 => fields[i].1 = NUMBER_TOKENS[token].trim_matches('"').to_owned(),
            _ => { let f = fields[i].clone(); fields.push(f); }
        }
        let report = set.validator.validate_fields(&fields);
        let strict = vondi_strict::Event::from_redis_fields(&fields);
        let tolerant = events_types::Event::from_redis_fields(&fields);
        if report.is_valid() {
            prop_assert!(strict.is_ok(), "accepted, strict refuses: {:?}\n{fields:?}", strict.err());
            prop_assert!(tolerant.is_ok(), "accepted, tolerant refuses: {:?}\n{fields:?}", tolerant.err());
        } else if report.violations.iter().any(|v| !VALIDATOR_ONLY.contains(&v.rule.as_str())) {
            prop_assert!(strict.is_err(), "refused ({:?}), strict accepts:\n{fields:?}", report.violations);
        }
        if how == 2 {
            prop_assert!(report.violations.iter().any(|v| v.rule == "duplicate-key"));
        }
    }
}

//! Property tests of the field-map codec: random valid events round-trip; random
//! corruptions give errors (never panics), or an event that holds what the map says.

mod common;

use std::sync::OnceLock;

use events_check::sample::{instance, Mode};
use events_types::Event;
use proptest::prelude::*;

fn set() -> &'static common::Set {
    static SET: OnceLock<common::Set> = OnceLock::new();
    SET.get_or_init(common::vondi)
}

fn random_event(index: usize, seed: u64) -> (serde_json::Value, Event) {
    let set = set();
    let event = &set.catalog.events[index % set.catalog.events.len()];
    let doc = instance(&set.catalog, event, Mode::Random(seed));
    let typed = Event::from_json(&serde_json::to_vec(&doc).unwrap())
        .unwrap_or_else(|e| panic!("{e}: {doc}"));
    (doc, typed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_events_round_trip(index in 0usize..1000, seed in any::<u64>()) {
        let (doc, event) = random_event(index, seed);
        let fields = event.to_redis_fields().unwrap();
        let back = Event::from_redis_fields(&fields).unwrap_or_else(|e| panic!("{e}: {doc}"));
        prop_assert_eq!(back, event);
    }

    #[test]
    fn corrupted_field_maps_never_panic(index in 0usize..1000, seed in any::<u64>(), victim in any::<usize>(),
                                        how in 0u8..5, junk in ".{0,12}") {
        let (_, event) = random_event(index, seed);
        let mut fields: Vec<(String, String)> = event.to_redis_fields().unwrap()
            .into_iter().map(|(k, v)| (k.into_owned(), v)).collect();
        let i = victim % fields.len();
        let (key, original) = fields[i].clone();
        let known = |k: &str| fields.iter().any(|(f, _)| f == k);
        let stray = !junk.is_empty() && !known(&junk);
        match how {
            0 => { fields.remove(i); }
            1 => fields[i].1 = junk.clone(),
            2 => { let v = &mut fields[i].1; let cut = v.len() / 2; while !v.is_char_boundary(cut) { v.pop(); } v.truncate(cut.min(v.len())); }
            3 => fields.push((junk.clone(), junk.clone())),
            _ => fields[i].0 = junk.clone(),
        }
        let decoded = Event::from_redis_fields(&fields);
        let back = |e: &Event| -> Vec<(String, String)> {
            e.to_redis_fields().unwrap().into_iter().map(|(k, v)| (k.into_owned(), v)).collect()
        };
        match how {
            // A field removed (or renamed to a name no field has): refused, or decoded
            // without it (an optional field), never made up.
            0 | 4 if how == 0 || stray => {
                if let Ok(d) = &decoded {
                    prop_assert!(key != "type", "decoded without its type: {d:?}");
                    prop_assert!(back(d).iter().all(|(k, _)| *k != key), "{key} came back: {d:?}");
                }
            }
            // A field of a name the event does not have: ignored (a tolerant reader).
            3 if stray => {
                prop_assert_eq!(decoded.as_ref().ok(), Some(&event), "{:?}", decoded);
            }
            // A value replaced or cut: refused, or decoded into an event that holds the new
            // value (the same event only if the value means the same: `1.0` for `1`).
            1 | 2 => {
                if let Ok(d) = &decoded {
                    let now = fields[i].1.clone();
                    let same_meaning = now == original
                        || matches!(
                            (serde_json::from_str::<serde_json::Value>(&now), serde_json::from_str::<serde_json::Value>(&original)),
                            (Ok(a), Ok(b)) if a == b || (a.as_f64().is_some() && a.as_f64() == b.as_f64())
                        );
                    if *d == event {
                        prop_assert!(same_meaning, "{key}: {original:?} -> {now:?} was ignored");
                    }
                    // Whatever was decoded encodes and decodes to itself.
                    let again = Event::from_redis_fields(&back(d)).ok();
                    prop_assert_eq!(again.as_ref(), Some(d));
                }
            }
            _ => {}
        }
    }
}

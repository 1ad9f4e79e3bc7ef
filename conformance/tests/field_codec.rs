//! Property tests of the field-map codec: random valid events round-trip; random
//! corruptions give errors, never panics.

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
        match how {
            0 => { fields.remove(i); }
            1 => fields[i].1 = junk.clone(),
            2 => { let v = &mut fields[i].1; let cut = v.len() / 2; while !v.is_char_boundary(cut) { v.pop(); } v.truncate(cut.min(v.len())); }
            3 => fields.push((junk.clone(), junk.clone())),
            _ => fields[i].0 = junk.clone(),
        }
        let _ = Event::from_redis_fields(&fields);
    }
}

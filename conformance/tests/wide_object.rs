//! Wide objects (issue 11): a struct of 5,000 properties is generated and compiled (this
//! crate built, with rustc's default stack), and its written-out serde impls read and
//! write what the derived impls of a 12-property struct of the same shape do: renames,
//! optional and nullable fields, the version, missing, duplicate and unknown fields, extra
//! properties. The fixtures are written by build.rs (`wide_properties` gives the shape).

use events_conformance::wide_object::{
    Event, WideExtraSmallV1, WideExtraV1, WideObjectV1, WideSmallV1,
};
use events_conformance::wide_strict::{WideClosedSmallV1, WideClosedV1};
use events_rt::FieldCodec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Runs `test` on a thread with a 64 MiB stack: a 5,000-field struct is about 70 KB, and
/// a debug build keeps several copies of it in the frames of a decode (the slots, the
/// parts, the struct, the `Result`s on the way out), more than the 2 MiB of a test thread.
fn big_stack(test: fn()) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(test)
        .unwrap()
        .join()
        .unwrap();
}

/// The kind of property `i` (as build.rs's `kind`).
fn kind(i: usize) -> usize {
    if i < 600 {
        i % 6
    } else {
        i % 2
    }
}

/// The wire name of property `i`.
fn key(i: usize) -> String {
    if kind(i) == 4 {
        format!("field-{i}")
    } else {
        format!("field_{i}")
    }
}

/// A valid value of property `i`.
fn value(i: usize) -> Value {
    match kind(i) {
        0 | 1 => json!(i),
        2 | 3 => json!(format!("s{i}")),
        4 => json!(format!("r{i}")),
        _ => json!({ "a": i, "b": 1 }),
    }
}

/// A document of `event_type` with `n` properties, each set by `set` (absent on `None`).
fn doc(event_type: &str, n: usize, set: impl Fn(usize) -> Option<Value>) -> Map<String, Value> {
    let mut doc = Map::new();
    doc.insert("type".into(), json!(event_type));
    doc.insert("version".into(), json!("1.0"));
    for i in 0..n {
        if let Some(v) = set(i) {
            doc.insert(key(i), v);
        }
    }
    doc
}

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    doc: &Map<String, Value>,
) -> T {
    let text = Value::Object(doc.clone()).to_string();
    let decoded: T = events_rt::decode(text.as_bytes()).unwrap();
    assert_eq!(
        serde_json::to_value(&decoded).unwrap(),
        Value::Object(doc.clone())
    );
    let again: T = serde_json::from_value(serde_json::to_value(&decoded).unwrap()).unwrap();
    assert_eq!(again, decoded);
    decoded
}

#[test]
fn five_thousand_fields_round_trip_in_json_and_field_maps() {
    big_stack(five_thousand_fields_round_trip_in_json_and_field_maps_body);
}

fn five_thousand_fields_round_trip_in_json_and_field_maps_body() {
    // Every property present; some nullable ones null.
    let full = doc("wide.object", 5_000, |i| match (kind(i), i % 12) {
        (2 | 3, 2 | 3) => Some(Value::Null),
        _ => Some(value(i)),
    });
    let e: WideObjectV1 = round_trip(&full);
    assert_eq!(e.field_0, 0);
    assert_eq!(e.field_4998, 4998);
    assert_eq!(e.field_4999, Some(4999));
    assert_eq!(e.field_596, Some("s596".to_owned()));
    assert_eq!(e.field_597, Some(Some("s597".to_owned())));
    assert_eq!(e.field_598, Some("r598".to_owned()));
    assert_eq!(e.field_599.as_ref().map(|m| m["a"]), Some(599));
    assert_eq!(e.field_2, None);
    assert_eq!(e.field_3, Some(None));
    assert_eq!(e.version.as_str(), Some("1.0"));
    let event = Event::from_json(Value::Object(full.clone()).to_string().as_bytes()).unwrap();
    assert_eq!(event, Event::WideObjectV1(e.clone()));
    assert_eq!(serde_json::to_value(&event).unwrap(), Value::Object(full));
    // Field maps: the fields in declaration order, and back. (A required nullable field
    // that is null writes no entry, derived or wide, so it does not read back.)
    let both = |e: &dyn Fn(usize) -> Option<Value>| {
        let w: WideObjectV1 = round_trip(&doc("wide.object", 5_000, e));
        let s: WideSmallV1 = round_trip(&doc("wide.small", 12, e));
        let wide = WideObjectV1::from_redis_fields(&w.to_redis_fields().unwrap()).map(|_| ());
        let small = WideSmallV1::from_redis_fields(&s.to_redis_fields().unwrap()).map(|_| ());
        assert_eq!(
            wide.map_err(|e| e.to_string()),
            small.map_err(|e| e.to_string())
        );
    };
    both(&|i| Some(value(i)));
    both(&|i| Some(if i == 2 { Value::Null } else { value(i) }));
    both(&|i| Some(if i == 3 { Value::Null } else { value(i) }));
    let e: WideObjectV1 = round_trip(&doc("wide.object", 5_000, |i| Some(value(i))));
    let event = Event::WideObjectV1(e.clone());
    let fields = e.to_redis_fields().unwrap();
    assert_eq!(fields[0], ("type".into(), "wide.object".to_owned()));
    assert_eq!(WideObjectV1::from_redis_fields(&fields).unwrap(), e);
    assert_eq!(Event::from_redis_fields(&fields).unwrap(), event);

    // Only the required properties: the optional ones stay absent, the version too.
    let mut minimal = doc("wide.object", 5_000, |i| match kind(i) {
        0 => Some(value(i)),
        2 => Some(Value::Null),
        _ => None,
    });
    minimal.remove("version");
    let e: WideObjectV1 = round_trip(&minimal);
    assert_eq!(e.field_1, None);
    assert_eq!(e.field_3, None);
    assert_eq!(e.field_4, None);
    assert!(e.version.is_absent());
}

#[test]
fn a_new_wide_event_is_stamped_and_equal_to_itself_only() {
    big_stack(a_new_wide_event_is_stamped_and_equal_to_itself_only_body);
}

fn a_new_wide_event_is_stamped_and_equal_to_itself_only_body() {
    let full = doc("wide.object", 5_000, |i| Some(value(i)));
    let a: WideObjectV1 = round_trip(&full);
    let mut b = a.clone();
    assert_eq!(a, b);
    b.field_4999 = None;
    assert_ne!(a, b);
    b.field_4999.clone_from(&a.field_4999);
    b.field_2501 = Some(0);
    assert_ne!(a, b);
}

/// How a document is spoilt for the differential test.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    Remove,
    Null,
    WrongType,
    Duplicate,
    Unknown,
    UnknownTwice,
}

const MUTATIONS: [Mutation; 6] = [
    Mutation::Remove,
    Mutation::Null,
    Mutation::WrongType,
    Mutation::Duplicate,
    Mutation::Unknown,
    Mutation::UnknownTwice,
];

/// The JSON text of `doc` spoilt at property `i`.
fn spoil(doc: &Map<String, Value>, i: usize, m: Mutation) -> String {
    let mut doc = doc.clone();
    let k = key(i);
    let mut tail = String::new();
    match m {
        Mutation::Remove => {
            doc.remove(&k);
        }
        Mutation::Null => {
            doc.insert(k, Value::Null);
        }
        Mutation::WrongType => {
            let wrong = match kind(i) {
                0 | 1 => json!("x"),
                5 => json!([1]),
                _ => json!(5),
            };
            doc.insert(k, wrong);
        }
        Mutation::Duplicate => tail = format!(",{:?}:{}", k, value(i)),
        Mutation::Unknown => tail = r#","zzz":7"#.to_owned(),
        Mutation::UnknownTwice => tail = r#","zzz":7,"zzz":8"#.to_owned(),
    }
    let text = Value::Object(doc).to_string();
    format!("{}{tail}}}", &text[..text.len() - 1])
}

/// A decode result with what depends on the struct's size taken out: the position in the
/// text, the list of expected fields, the struct name.
fn outcome<T: DeserializeOwned + Serialize>(text: &str, n: usize) -> Result<Value, String> {
    match events_rt::decode::<T>(text.as_bytes()) {
        Ok(v) => {
            let mut v = serde_json::to_value(&v).unwrap();
            // Compare the first 12 properties and the extras.
            if let Value::Object(m) = &mut v {
                m.retain(|k, _| {
                    k.strip_prefix("field_")
                        .or_else(|| k.strip_prefix("field-"))
                        .and_then(|i| i.parse::<usize>().ok())
                        .is_none_or(|i| i < 12)
                });
            }
            Ok(v)
        }
        Err(e) => {
            let mut s = e.to_string();
            if let Some(at) = s.find(" at line ") {
                s.truncate(at);
            }
            if let Some(at) = s.find(", expected one of") {
                s.truncate(at);
            }
            Err(s.replace(&format!("{n}"), "N"))
        }
    }
}

fn agree<Wide, Small>(event_type: &str, small_type: &str, n: usize, mutations: &[Mutation])
where
    Wide: DeserializeOwned + Serialize,
    Small: DeserializeOwned + Serialize,
{
    let wide_doc = doc(event_type, n, |i| Some(value(i)));
    let small_doc = doc(small_type, 12, |i| Some(value(i)));
    let mut checked = 0;
    for i in 0..12 {
        for &m in mutations {
            let wide = spoil(&wide_doc, i, m);
            let small = spoil(&small_doc, i, m);
            let mut w = outcome::<Wide>(&wide, n);
            if let Ok(Value::Object(v)) = &mut w {
                v.insert("type".into(), json!(small_type));
            }
            let s = outcome::<Small>(&small, 12);
            assert_eq!(w, s, "{event_type}, property {i}, {m:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 12 * mutations.len());
}

#[test]
fn wide_and_derived_structs_agree_on_spoilt_documents() {
    big_stack(wide_and_derived_structs_agree_on_spoilt_documents_body);
}

fn wide_and_derived_structs_agree_on_spoilt_documents_body() {
    agree::<WideObjectV1, WideSmallV1>("wide.object", "wide.small", 5_000, &MUTATIONS);
}

#[test]
fn wide_and_derived_structs_with_extra_properties_agree() {
    big_stack(wide_and_derived_structs_with_extra_properties_agree_body);
}

fn wide_and_derived_structs_with_extra_properties_agree_body() {
    agree::<WideExtraV1, WideExtraSmallV1>("wide.extra", "wide.extra.small", 300, &MUTATIONS);
    let mut d = doc("wide.extra", 300, |i| Some(value(i)));
    d.insert("zzz".into(), json!(7));
    d.insert("yyy".into(), json!(8));
    let e: WideExtraV1 = round_trip(&d);
    assert_eq!(e.extra.len(), 2);
    assert_eq!(e.extra["zzz"], 7);
    let err = events_rt::decode::<WideExtraV1>(spoil(&d, 0, Mutation::UnknownTwice).as_bytes())
        .unwrap_err();
    assert!(err.to_string().contains("duplicate key `zzz`"), "{err}");
}

#[test]
fn wide_and_derived_closed_structs_agree_in_strict_mode() {
    big_stack(wide_and_derived_closed_structs_agree_in_strict_mode_body);
}

fn wide_and_derived_closed_structs_agree_in_strict_mode_body() {
    agree::<WideClosedV1, WideClosedSmallV1>("wide.closed", "wide.closed.small", 300, &MUTATIONS);
    let err = events_rt::decode::<WideClosedV1>(
        spoil(
            &doc("wide.closed", 300, |i| Some(value(i))),
            0,
            Mutation::Unknown,
        )
        .as_bytes(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `zzz`"), "{err}");
}

#[test]
fn wide_decoding_errors_name_the_field() {
    big_stack(wide_decoding_errors_name_the_field_body);
}

fn wide_decoding_errors_name_the_field_body() {
    let full = doc("wide.object", 5_000, |i| Some(value(i)));
    for (i, m, want) in [
        (4_998, Mutation::Remove, "missing field `field_4998`"),
        (596, Mutation::Remove, "missing field `field_596`"),
        (4_999, Mutation::Duplicate, "duplicate field `field_4999`"),
        (599, Mutation::Null, "invalid type: null"),
        (4_991, Mutation::WrongType, "field_4991"),
        (592, Mutation::WrongType, "field-592"),
    ] {
        let err = events_rt::decode::<WideObjectV1>(spoil(&full, i, m).as_bytes()).unwrap_err();
        assert!(err.to_string().contains(want), "{i} {m:?}: {err}");
    }
    // In a field map too.
    let e: WideObjectV1 = round_trip(&full);
    let mut fields = e.to_redis_fields().unwrap();
    fields.push(("field_7".into(), "8".into()));
    let err = WideObjectV1::from_redis_fields(&fields).unwrap_err();
    assert!(
        err.to_string().contains("duplicate field `field_7`"),
        "{err}"
    );
}

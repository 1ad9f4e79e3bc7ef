//! Schemas as others write them (codegen/tests/fixtures/foreign_as_is), through the
//! types-only route: what our own contract sets refuse loads here, and every document the
//! schemas allow decodes into the generated types and encodes back to the same JSON.

use events_conformance::foreign_as_is::{Event, EventContent, EventTarget, Topic};
use serde_json::{json, Value};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(doc: &Value) -> (T, Value) {
    let text = serde_json::to_string(doc).unwrap();
    let typed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let back = serde_json::to_value(&typed).unwrap();
    (typed, back)
}

#[test]
fn a_key_declared_twice_takes_the_last_and_colliding_names_are_renamed() {
    let doc = json!({
        "type": 3,
        "name": "orders",
        "extra": "wire name kept",
        "fooBar": 1,
        "foo_bar": "two",
        "self": true,
        "self_": false,
        "owner": {"name": "Ann"},
        "labels": {"extra": "declared", "team": "core"},
        "undeclared": [1, 2]
    });
    let (topic, back) = round_trip::<Topic>(&doc);
    assert_eq!(back, doc);
    // `"type"` was declared a string, then an integer: the last one is taken.
    assert_eq!(topic.r#type, 3);
    // `extra` is the map of what the object does not declare: the property is `extra_2`.
    assert_eq!(topic.extra_2.as_deref(), Some("wire name kept"));
    assert_eq!(topic.extra.get("undeclared"), Some(&json!([1, 2])));
    assert_eq!(
        (topic.foo_bar, topic.foo_bar_2.as_deref()),
        (Some(1.into()), Some("two"))
    );
    assert_eq!((topic.self_, topic.self_2), (Some(true), Some(false)));
    let labels = topic.labels.unwrap();
    assert_eq!(labels.extra_2.as_deref(), Some("declared"));
    assert_eq!(labels.extra.get("team").map(String::as_str), Some("core"));
    // Draft-07: the `type` beside `$ref` is ignored, the reference is the type.
    assert_eq!(topic.owner.unwrap().name, "Ann");
    // The last declaration is a number: a string there is refused.
    assert!(serde_json::from_value::<Topic>(json!({"type": "string"})).is_err());
}

#[test]
fn keywords_beside_ref_and_properties_beside_unions_apply_together() {
    let docs = [
        json!({
            "id": "e-1",
            "subject": {"id": "s", "source": "git"},
            "content": {"id": "c", "url": "https://x"},
            "target": {"kind": "repo", "url": "https://r", "version": 2}
        }),
        json!({
            "id": "e-2",
            "content": {"id": "c", "path": "/p", "note": "kept"},
            "target": {"kind": "image", "digest": "sha256:0"}
        }),
        json!({"id": "e-3", "content": {"id": "c", "url": "u", "path": "p"}}),
    ];
    for doc in &docs {
        assert_eq!(round_trip::<Event>(doc).1, *doc);
    }
    let (first, _) = round_trip::<Event>(&docs[0]);
    // The properties beside `oneOf` are fields of each member.
    match first.target.unwrap() {
        EventTarget::Repo(repo) => {
            assert_eq!(
                (repo.url.as_deref(), repo.version),
                (Some("https://r"), Some(2.into()))
            )
        }
        other => panic!("{other:?}"),
    }
    let (second, _) = round_trip::<Event>(&docs[1]);
    match second.content.unwrap() {
        EventContent::Variant1(c) => assert_eq!((c.id.as_str(), c.path.as_str()), ("c", "/p")),
        other => panic!("{other:?}"),
    }
    // What neither member of `anyOf` allows (no `url`, no `path`) is refused; so is a
    // content without the `id` the object beside the union requires.
    for content in [json!({"id": "c"}), json!({"url": "u"})] {
        let doc = json!({"id": "e", "content": content});
        assert!(
            serde_json::from_value::<Event>(doc.clone()).is_err(),
            "{doc}"
        );
    }
}

/// Constructs with no exact Rust type: every document the schema allows decodes and
/// re-encodes to itself.
#[test]
fn constructs_without_an_exact_type_never_refuse_a_valid_document() {
    use events_conformance::foreign_as_is::{
        Bounds, Constructs, ConstructsColor, ConstructsMaybeObject, Row,
    };
    let docs = [
        json!({"color": "red", "card": "c", "billing": "b"}),
        json!({
            "bounded": 25, "conditional": "ab", "not_a_string": 3, "holds_one": [0, 1],
            "email": "x@example.com", "minus_two": -2.0,
            "pair": ["a", 1, 2, 3], "counts": {"name": "n", "a": 1, "b": 2},
            "choice": {"id": "i", "b": 1}
        }),
        // Without `type`, a schema of bounds holds any value; a tuple may be shorter.
        json!({
            "bounded": "text", "conditional": -1, "not_a_string": {"a": [1]},
            "holds_one": "not an array", "email": 7, "minus_two": -2,
            "pair": ["a"], "counts": {}, "choice": {"c": 2}
        }),
        json!({"pair": []}),
        // Values of an `enum` or `const` that are not strings; properties without
        // `type: object` hold any other value too.
        json!({"levels": 1, "fixed_object": {"a": 1}, "maybe_object": {"x": 1}}),
        json!({"levels": [3], "maybe_object": "ab"}),
        json!({"levels": "two", "maybe_object": 5}),
    ];
    for doc in &docs {
        assert_eq!(round_trip::<Constructs>(doc).1, *doc);
    }
    // `allOf` of a string and an enum: the enum.
    let (first, _) = round_trip::<Constructs>(&docs[0]);
    assert_eq!(first.color, Some(ConstructsColor::Red));
    // `-2.0` and `-2` keep their spelling.
    let minus = serde_json::to_string(&round_trip::<Constructs>(&docs[1]).0).unwrap();
    assert!(minus.contains("\"minus_two\":-2.0"), "{minus}");
    let minus = serde_json::to_string(&round_trip::<Constructs>(&docs[2]).0).unwrap();
    assert!(minus.contains("\"minus_two\":-2,"), "{minus}");

    let (objects, _) = round_trip::<Constructs>(&docs[4]);
    assert!(
        matches!(objects.maybe_object, Some(ConstructsMaybeObject::Object(ref o)) if o.x == Some(1.into())),
        "{:?}",
        objects.maybe_object
    );
    let (other, _) = round_trip::<Constructs>(&docs[6]);
    assert!(matches!(
        other.maybe_object,
        Some(ConstructsMaybeObject::Other(_))
    ));

    // Draft-07 tuples: further items of a schema, a shorter array, a fixed length.
    let rows = [
        json!({"open": ["a", "b", "c", "d"], "short": [1], "fixed": [1, "x"]}),
        json!({"open": [], "short": [1, "a", {"more": true}]}),
    ];
    for doc in &rows {
        assert_eq!(round_trip::<Row>(doc).1, *doc);
    }
    let (row, _) = round_trip::<Row>(&rows[0]);
    assert_eq!(row.fixed, Some((1.into(), "x".to_owned())));
    assert_eq!(row.open.unwrap().len(), 4);

    // A root of validation keywords only is any value.
    for doc in [json!(5), json!("abc"), json!({"k": null}), json!([true])] {
        assert_eq!(round_trip::<Bounds>(&doc).1, doc);
    }
}

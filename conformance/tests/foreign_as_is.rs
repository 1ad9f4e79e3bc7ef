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
        (Some(1), Some("two"))
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
                (Some("https://r"), Some(2))
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

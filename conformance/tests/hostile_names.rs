//! The hostile-names fixture (issue 11): names that are no Rust identifiers keep their wire
//! spelling, and recursive types round-trip.

use events_conformance::hostile_names::{Event, HostileNamesV1, HostileNamesV1Mode, Node};
use serde_json::{json, Value};

fn doc() -> Value {
    json!({
        "type": "hostile.names",
        "version": "1.0",
        "x²": "two",
        "1abc": 1,
        "": "empty",
        "цена": 9.5,
        "価格": 7,
        "r#type": "raw",
        "default": { "self": "me" },
        "mode": "\u{202e}abc",
        "keywords": { "type": "t", "Self": "s", "crate": "c", "super": 3, "async": true, "gen": false },
        "tree": {
            "name": "root",
            "children": [{ "name": "leaf", "children": [], "either": "text" }],
            "parent": { "name": "up", "children": [] },
            "by_name": { "k": { "name": "named", "children": [] } },
            "either": { "name": "inner", "children": [] }
        }
    })
}

#[test]
fn hostile_names_keep_their_wire_spelling() {
    let event = Event::from_json(doc().to_string().as_bytes()).unwrap();
    let Event::HostileNamesV1(e) = &event;
    assert_eq!(e.x_u00b2, "two");
    assert_eq!(e._1abc, Some(1));
    assert_eq!(e.mode, HostileNamesV1Mode::U202eAbc);
    assert_eq!(serde_json::to_value(&event).unwrap(), doc());
}

#[test]
fn every_enum_value_round_trips() {
    let values = [
        "x²",
        "1abc",
        "type",
        "self",
        "_",
        "é",
        "e\u{301}",
        "\u{202e}abc",
        "a b",
        "a-b-c",
        "line\rbreak",
    ];
    for v in values {
        let mode: HostileNamesV1Mode = serde_json::from_value(json!(v)).unwrap();
        assert_eq!(serde_json::to_value(mode).unwrap(), json!(v));
    }
}

#[test]
fn recursive_types_nest() {
    let mut root = Node {
        name: "a".into(),
        ..Node::default()
    };
    for i in 0..50 {
        // Alternately as a child (through the `Vec`) and as the parent (through the `Box`).
        root = if i % 2 == 0 {
            Node {
                name: format!("n{i}"),
                children: vec![root],
                ..Node::default()
            }
        } else {
            Node {
                name: format!("n{i}"),
                parent: Some(Box::new(root)),
                ..Node::default()
            }
        };
    }
    let json = serde_json::to_value(&root).unwrap();
    let back: Node = serde_json::from_value(json).unwrap();
    assert_eq!(back, root);
    let _: Option<HostileNamesV1> = None;
}

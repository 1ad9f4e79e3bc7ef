//! The validator as the runtimes' pre-publish check (`events_bus::PrePublish`).

use std::path::Path;

use events_bus::PrePublish;
use events_check::validate::Validator;
use events_codegen::SchemaSet;

#[test]
fn the_validator_refuses_what_breaks_the_contract_and_names_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let set = SchemaSet::load(&root.join("examples/kafka-orders/schemas")).unwrap();
    let v = Validator::new(&set).unwrap();
    let sample =
        std::fs::read(root.join("examples/kafka-orders/samples/json/003-01-order.created.json"))
            .unwrap();
    assert_eq!(v.check("order.created", &sample), Ok(()));
    let bad = String::from_utf8(sample)
        .unwrap()
        .replace("\"THB\"", "\"thb\"");
    let err = v.check("order.created", bad.as_bytes()).unwrap_err();
    assert!(err.contains("/data/currency"), "{err}");
    assert!(v
        .check("order.created", b"{")
        .unwrap_err()
        .starts_with("not JSON"));
}

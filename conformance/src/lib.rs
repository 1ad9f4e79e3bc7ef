//! Strict variants of the contract sets and the construct fixtures, for the contract tests.
//!
//! `deny(warnings)` holds the generated code to "compiles without warnings", and the
//! prelude names shadowed below catch any path in it that is not fully qualified.
#![deny(warnings)]

macro_rules! generated {
    ($name:ident, $file:literal, $doc:literal) => {
        #[doc = $doc]
        #[allow(dead_code, non_camel_case_types)]
        pub mod $name {
            struct Result;
            struct Ok;
            struct Err;
            struct Option;
            struct Some;
            struct None;
            struct String;
            struct Vec;
            struct Box;
            include!(concat!(env!("OUT_DIR"), "/", $file));
        }
    };
}

generated!(
    vondi_strict,
    "vondi_strict.rs",
    "The Vondi catalog with strict decoding."
);
generated!(
    kafka_strict,
    "kafka_strict.rs",
    "The seed 003 catalog with strict decoding."
);
generated!(
    rabbitmq_strict,
    "rabbitmq_strict.rs",
    "The seed 002 (RabbitMQ) catalog with strict decoding."
);
generated!(
    node_strict,
    "node_strict.rs",
    "The seed 004 (Node orders service) catalog with strict decoding."
);
generated!(
    shop_catalog,
    "shop_catalog.rs",
    "A foreign catalog (draft-07, Kafka-style topic files, definitions) made into events by the rule file `codegen/tests/fixtures/catalog/shop.catalog.json`."
);
generated!(
    foreign,
    "foreign.rs",
    "Types only, from a draft-07/2019-09 catalog with `$id` and `file://` references."
);
generated!(
    foreign_as_is,
    "foreign_as_is.rs",
    "Types only, from schemas as others write them: duplicate keys, unknown keywords, names the generator also makes, keywords beside `$ref` and beside unions."
);
generated!(
    constructs,
    "constructs.rs",
    "Every construct the generator maps (tolerant)."
);
generated!(
    constructs_strict,
    "constructs_strict.rs",
    "Every construct, strict decoding."
);
generated!(
    versioned,
    "versioned.rs",
    "Several majors per event, flat envelope with a top-level version."
);
generated!(
    nested_version,
    "nested_version.rs",
    "The seed 002 envelope shape: the version at `metadata.version`."
);

generated!(
    hostile_names,
    "hostile_names.rs",
    "Hostile names (`x²`, `1abc`, `self`, the empty name, …), hostile descriptions and recursive types, strict decoding."
);

generated!(
    wide_object,
    "wide_object.rs",
    "Wide objects (5,000 and 300 properties, one with extra properties) beside derived ones of the same shape, generated at build time: code that rustc compiles with its default stack."
);

generated!(
    wide_strict,
    "wide_strict.rs",
    "A wide closed object and a derived one of the same shape, strict decoding."
);

generated!(
    constructs_custom,
    "constructs_custom.rs",
    "The construct fixtures with the build API's options: an extern type, extra attributes, no field maps."
);

/// A hand-written type the `constructs_custom` set uses for `Money` (`Config::extern_path`).
pub mod custom {
    /// An amount in minor units, read from the schema's `{"amount": number, "currency": …}`.
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Money {
        /// Amount.
        pub amount: f64,
        /// ISO 4217 code, kept as text.
        pub currency: String,
    }
}

/// The conversion the versioning fixture declares with `Config::manual_upcast`.
impl From<versioned::AccountClosedV1> for versioned::AccountClosedV2 {
    fn from(old: versioned::AccountClosedV1) -> Self {
        let reason_code = match old.reason.as_str() {
            "customer_request" => versioned::AccountClosedV2ReasonCode::CustomerRequest,
            "fraud" => versioned::AccountClosedV2ReasonCode::Fraud,
            _ => versioned::AccountClosedV2ReasonCode::Other,
        };
        let mut new = versioned::AccountClosedV2::new(old.timestamp, old.account_id, reason_code);
        new.ratio = None;
        new
    }
}

/// `total` (a float in major units) became `total_minor` (an integer in minor units).
impl From<nested_version::OrderCreatedV1> for nested_version::OrderCreatedV2 {
    fn from(old: nested_version::OrderCreatedV1) -> Self {
        Self {
            r#type: Default::default(),
            id: old.id,
            source: old.source,
            timestamp: old.timestamp,
            tenant_id: old.tenant_id,
            correlation_id: old.correlation_id,
            data: nested_version::OrderCreatedV2Data {
                order_id: old.data.order_id,
                total_minor: (old.data.total * 100.0).round() as i64,
            },
            metadata: old.metadata.into_contract(),
        }
    }
}

//! `schemars::JsonSchema` for the wire types generated code uses (feature `schemars`), so
//! that generated types can derive it: the schema says what the type writes and reads.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use crate::{AnyVersion, Contract, DateTime, Embedded, Tag, UnixTime, Version, Versioned};

impl JsonSchema for UnixTime {
    fn schema_name() -> Cow<'static, str> {
        "UnixTime".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "description": "Whole seconds since the unix epoch."
        })
    }
}

impl JsonSchema for DateTime {
    fn schema_name() -> Cow<'static, str> {
        "DateTime".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date-time" })
    }
}

/// The event type, and nothing else.
impl<T: Contract> JsonSchema for Tag<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Tag_{}", T::EVENT_TYPE).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "const": T::EVENT_TYPE })
    }
}

/// `major.minor`, with the contract's major version when it has one.
impl<C: Versioned> JsonSchema for Version<C> {
    fn schema_name() -> Cow<'static, str> {
        match C::MAJOR {
            Some(m) => format!("Version_{m}").into(),
            None => "Version".into(),
        }
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let pattern = match C::MAJOR {
            Some(m) => format!("^{m}\\.(0|[1-9][0-9]*)$"),
            None => "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$".to_owned(),
        };
        json_schema!({ "type": "string", "pattern": pattern })
    }
}

/// The JSON text of the value inside a string (what new values are written as), or the
/// plain value (what a decoded one may have been read from and is written back as).
impl<T: JsonSchema> JsonSchema for Embedded<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Embedded_{}", T::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let inner = generator.subschema_for::<T>();
        json_schema!({
            "anyOf": [
                {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": inner
                },
                inner
            ]
        })
    }
}

/// The contract parameter of a header object read for any event (`Envelope`): it holds no
/// data; its name tells the schemas of such header objects apart.
impl JsonSchema for AnyVersion {
    fn schema_name() -> Cow<'static, str> {
        "AnyVersion".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string" })
    }
}

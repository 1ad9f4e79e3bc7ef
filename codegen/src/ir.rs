//! The checked model of a contract set: events, named types, fields. No tokens here.
//!
//! Every node keeps the [`Loc`] it came from, so later passes (emission, the evolution
//! checker) can point back at the schema.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::Loc;
use crate::schema::EventDef;

/// Everything the emitter needs to write the Rust code of one contract set.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Envelope field holding the event type.
    pub type_field: String,
    /// Envelope field holding the version, if any.
    pub version_field: Option<String>,
    /// One entry per event type and major version, sorted.
    pub events: Vec<Event>,
    /// Every named type, keyed (and so ordered) by Rust name.
    pub types: BTreeMap<String, TypeDef>,
}

/// One major version of one event.
#[derive(Debug, Clone)]
pub struct Event {
    /// Metadata from the schema file.
    pub def: EventDef,
    /// Name of the generated struct (`OrderConfirmedV1`), a key of [`Catalog::types`].
    pub struct_name: String,
    /// Where the event file is.
    pub loc: Loc,
    /// JSON pointers (in the document) of fields carried as JSON text in a string.
    pub embedded: Vec<String>,
}

/// A named Rust type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// The schema that defines it.
    pub loc: Loc,
    /// Doc comment (the schema's `description`).
    pub doc: Option<String>,
    /// What it is.
    pub kind: TypeKind,
}

/// The shapes a named type can take.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Struct),
    /// A string enum.
    Enum(Vec<EnumVariant>),
    /// `oneOf`/`anyOf` of objects that share a `const` discriminator property.
    Tagged {
        /// The discriminator property.
        tag: String,
        /// One variant per discriminator value.
        variants: Vec<TaggedVariant>,
    },
    /// Any other `oneOf`/`anyOf`: the first variant that decodes wins.
    Untagged(Vec<UntaggedVariant>),
}

/// An object type.
#[derive(Debug, Clone)]
pub struct Struct {
    /// Properties in schema order.
    pub fields: Vec<Field>,
    /// `additionalProperties: false` (or `unevaluatedProperties: false`): strict decoding
    /// rejects unknown fields.
    pub closed: bool,
    /// Type of the values of extra properties, when the schema declares them with a schema.
    pub extra: Option<Ty>,
}

/// One property of a struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name on the wire.
    pub json_name: String,
    /// Rust field name.
    pub rust_name: String,
    /// Whether the Rust name is a keyword (`r#type`).
    pub raw: bool,
    /// Its type, without the nullability.
    pub ty: Ty,
    /// Listed in `required`.
    pub required: bool,
    /// May be `null`.
    pub nullable: bool,
    /// Boxed to break a recursive type.
    pub boxed: bool,
    /// Doc comment.
    pub doc: Option<String>,
    /// The schema's `default`, shown in the docs.
    pub default: Option<Value>,
    /// Where the property is defined.
    pub loc: Loc,
}

/// One value of a string enum.
#[derive(Debug, Clone)]
pub struct EnumVariant {
    /// Rust variant name.
    pub name: String,
    /// The string on the wire.
    pub value: String,
}

/// One variant of a tagged union.
#[derive(Debug, Clone)]
pub struct TaggedVariant {
    /// Rust variant name.
    pub name: String,
    /// Discriminator value.
    pub value: String,
    /// The struct holding the other properties.
    pub ty: Ty,
}

/// One variant of an untagged union.
#[derive(Debug, Clone)]
pub struct UntaggedVariant {
    /// Rust variant name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
}

/// Integer widths chosen from `format` or bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum IntTy {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

impl IntTy {
    /// The Rust primitive name.
    pub fn name(self) -> &'static str {
        match self {
            IntTy::I8 => "i8",
            IntTy::I16 => "i16",
            IntTy::I32 => "i32",
            IntTy::I64 => "i64",
            IntTy::U8 => "u8",
            IntTy::U16 => "u16",
            IntTy::U32 => "u32",
            IntTy::U64 => "u64",
        }
    }

    /// Smallest type holding every integer in `min..=max` (missing bounds are unbounded).
    pub fn fitting(min: Option<f64>, max: Option<f64>) -> Self {
        let fits = |lo: f64, hi: f64| min.is_some_and(|m| m >= lo) && max.is_some_and(|m| m <= hi);
        if min.is_some_and(|m| m >= 0.0) {
            for (ty, hi) in [
                (IntTy::U8, u8::MAX as f64),
                (IntTy::U16, u16::MAX as f64),
                (IntTy::U32, u32::MAX as f64),
            ] {
                if fits(0.0, hi) {
                    return ty;
                }
            }
            return IntTy::U64;
        }
        for (ty, lo, hi) in [
            (IntTy::I8, i8::MIN as f64, i8::MAX as f64),
            (IntTy::I16, i16::MIN as f64, i16::MAX as f64),
            (IntTy::I32, i32::MIN as f64, i32::MAX as f64),
        ] {
            if fits(lo, hi) {
                return ty;
            }
        }
        IntTy::I64
    }
}

/// A Rust type in a field, item or variant position.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `bool`
    Bool,
    /// An integer primitive.
    Int(IntTy),
    /// `f64`
    F64,
    /// `f32` (`"format": "float"`)
    F32,
    /// `String`
    String,
    /// RFC 3339 date-time, kept as written.
    DateTime,
    /// Calendar date (`"format": "date"`).
    Date,
    /// `"format": "uuid"`.
    Uuid,
    /// Unix seconds (`"format": "unix-time"`).
    UnixTime,
    /// `"format": "ipv4"`.
    Ipv4,
    /// `"format": "ipv6"`.
    Ipv6,
    /// Any JSON value (the schema says "any": `true` or `{}`).
    Any,
    /// Any JSON object (`"type": "object"` with no properties).
    AnyObject,
    /// The event type field: checked on decode, written from the contract.
    Tag,
    /// `Vec<T>`
    Vec(Box<Ty>),
    /// String-keyed map.
    Map(Box<Ty>),
    /// `Option<T>` in item or variant position (fields use [`Field::nullable`]).
    Option(Box<Ty>),
    /// Carried as JSON text inside a string (`"x-encoding": "json-string"`).
    Embedded(Box<Ty>),
    /// A named type of the catalog.
    Named(String),
}

impl Ty {
    /// Named types this type holds without indirection (not through `Vec` or a map).
    pub fn direct_names(&self) -> Vec<&str> {
        match self {
            Ty::Named(n) => vec![n],
            Ty::Option(t) | Ty::Embedded(t) => t.direct_names(),
            _ => Vec::new(),
        }
    }

    /// Every named type this type mentions.
    pub fn all_names(&self) -> Vec<&str> {
        match self {
            Ty::Named(n) => vec![n],
            Ty::Option(t) | Ty::Embedded(t) | Ty::Vec(t) | Ty::Map(t) => t.all_names(),
            _ => Vec::new(),
        }
    }
}

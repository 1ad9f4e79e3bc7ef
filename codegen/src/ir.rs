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
    /// Envelope field holding the version, if any, as written in `x-envelope`
    /// (`version`, `metadata.version`).
    pub version_field: Option<String>,
    /// [`Catalog::version_field`] as property names (empty without a version).
    pub version_path: Vec<String>,
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
    /// The JSON pointer of the message key in the encoded document (`x-event.key` under
    /// the envelope's payload field), if the event has a key.
    pub key_pointer: Option<String>,
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
    /// A header object on the way to a nested version field (`metadata` of
    /// `metadata.version`): generic over the contract (`EnvelopeMetadata<C>`), since the
    /// version it holds is stamped from the event it is part of.
    pub generic: bool,
    /// Which standard traits every value of the type allows (decided over the whole
    /// catalog, so a struct derives `Eq` only when all its fields are `Eq`).
    pub caps: Caps,
    /// An existing Rust type used instead of generating one (`Config::extern_path`).
    pub extern_path: Option<String>,
}

/// Standard traits a generated type can derive beyond `Debug`, `Clone` and `PartialEq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// `Eq` (no floats inside).
    pub eq: bool,
    /// `Hash` (no floats and no JSON values inside).
    pub hash: bool,
    /// `Default` (every field has a default: options, numbers, strings, collections).
    pub default: bool,
}

impl Caps {
    /// Every trait.
    pub const ALL: Caps = Caps {
        eq: true,
        hash: true,
        default: true,
    };

    /// Traits both have.
    pub fn and(self, other: Caps) -> Caps {
        Caps {
            eq: self.eq && other.eq,
            hash: self.hash && other.hash,
            default: self.default && other.default,
        }
    }
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
    /// The envelope's version field, or a header object on the way to it: its value comes
    /// from the contract (never an `Option`, not a constructor argument).
    pub versioned: bool,
    /// In a catalog taken as it is, a string whose `format` is only an annotation keeps
    /// what the producer wrote; this is the type an accessor reads it as
    /// (`Ty::DateTime`, `Ty::Date`, `Ty::Uuid`, `Ty::Ipv4`, `Ty::Ipv6`).
    pub format: Option<Ty>,
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
    /// `events_rt::Integer`: any number JSON Schema counts as an integer (`1.0` too), its
    /// spelling kept, for plain catalogs whose `"type": "integer"` may hold `1.0`.
    Integer,
    /// `serde_json::Number`: any JSON number, its spelling kept (an integer stays an
    /// integer), for plain catalogs whose `"type": "number"` holds integers too.
    Number,
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
    /// A map whose keys must each match one of these patterns (`patternProperties`
    /// with `additionalProperties: false`): checked when decoding.
    KeyedMap(Vec<String>, Box<Ty>),
    /// Any JSON value (the schema says "any": `true` or `{}`).
    Any,
    /// Any JSON object (`"type": "object"` with no properties).
    AnyObject,
    /// The event type field: checked on decode, written from the contract.
    Tag,
    /// The envelope's version field: stamped from the contract, kept as read.
    Version,
    /// `Vec<T>`
    Vec(Box<Ty>),
    /// A tuple `(A, B, …)`: an array of exactly these items (`prefixItems`).
    Tuple(Vec<Ty>),
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
    /// The traits this type allows, given those of the named types.
    pub fn caps(&self, named: &dyn Fn(&str) -> Caps) -> Caps {
        let none = Caps {
            eq: false,
            hash: false,
            default: false,
        };
        match self {
            Ty::Bool
            | Ty::Int(_)
            | Ty::String
            | Ty::Tag
            | Ty::Version
            | Ty::UnixTime
            | Ty::Integer
            | Ty::Uuid => Caps::ALL,
            Ty::F64 | Ty::F32 => Caps {
                default: true,
                ..none
            },
            Ty::Number | Ty::DateTime | Ty::Date | Ty::Ipv4 | Ty::Ipv6 => Caps {
                eq: true,
                hash: true,
                default: false,
            },
            Ty::Any | Ty::AnyObject => Caps {
                eq: true,
                hash: false,
                default: true,
            },
            Ty::Vec(t) | Ty::Map(t) | Ty::KeyedMap(_, t) | Ty::Option(t) => Caps {
                default: true,
                ..t.caps(named)
            },
            Ty::Embedded(t) => t.caps(named),
            Ty::Tuple(items) => items.iter().fold(Caps::ALL, |acc, t| {
                let c = t.caps(named);
                Caps {
                    eq: acc.eq && c.eq,
                    hash: acc.hash && c.hash,
                    default: acc.default && c.default,
                }
            }),
            Ty::Named(n) => named(n),
        }
    }

    /// Named types this type holds without indirection (not through `Vec` or a map).
    pub fn direct_names(&self) -> Vec<&str> {
        match self {
            Ty::Named(n) => vec![n],
            Ty::Option(t) | Ty::Embedded(t) => t.direct_names(),
            Ty::Tuple(items) => items.iter().flat_map(Ty::direct_names).collect(),
            _ => Vec::new(),
        }
    }

    /// Every named type this type mentions.
    pub fn all_names(&self) -> Vec<&str> {
        match self {
            Ty::Named(n) => vec![n],
            Ty::Option(t) | Ty::Embedded(t) | Ty::Vec(t) | Ty::Map(t) | Ty::KeyedMap(_, t) => {
                t.all_names()
            }
            Ty::Tuple(items) => items.iter().flat_map(Ty::all_names).collect(),
            _ => Vec::new(),
        }
    }
}

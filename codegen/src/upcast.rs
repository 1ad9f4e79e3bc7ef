//! Conversions between consecutive major versions of an event (`V1 → V2`), decided on the
//! IR: generated where the change is mechanical, left to the user otherwise.

use crate::ir::{Catalog, IntTy, Struct, Ty, TypeKind};

/// How one field of the newer struct is filled from the older one.
#[derive(Debug, Clone, PartialEq)]
pub enum Fill {
    /// Moved as is.
    Move,
    /// Moved into `Some(..)` (required before, optional now).
    Wrap,
    /// Converted with `Into` (a widened integer or float).
    Into,
    /// `Into` inside an `Option`.
    IntoOption,
    /// A new optional field: `None`.
    Absent,
    /// The event type tag.
    Tag,
    /// The envelope version field: stamped with the newer contract's version.
    Version,
    /// A header object holding the version field: moved over, the version re-stamped.
    Header,
}

/// One newer-struct field and how to fill it.
#[derive(Debug, Clone)]
pub struct FieldFill {
    /// Rust field name.
    pub rust_name: String,
    /// Written raw (`r#type`).
    pub raw: bool,
    /// How.
    pub fill: Fill,
}

/// A conversion from one major version to the next.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The event type.
    pub event_type: String,
    /// Major version of the older struct.
    pub from_major: u32,
    /// Older struct.
    pub from: String,
    /// Newer struct.
    pub to: String,
    /// `Ok(fields)` when mechanical, `Err(reason)` when a person must write it.
    pub plan: Result<Vec<FieldFill>, String>,
}

fn widens(from: &Ty, to: &Ty) -> bool {
    use IntTy::*;
    match (from, to) {
        (Ty::Int(a), Ty::Int(b)) => matches!(
            (a, b),
            (I8, I16 | I32 | I64)
                | (I16, I32 | I64)
                | (I32, I64)
                | (U8, U16 | U32 | U64 | I16 | I32 | I64)
                | (U16, U32 | U64 | I32 | I64)
                | (U32, U64 | I64)
        ),
        (Ty::F32, Ty::F64) => true,
        (Ty::Int(a), Ty::F64) => matches!(a, I8 | I16 | I32 | U8 | U16 | U32),
        _ => false,
    }
}

fn plan(old: &Struct, new: &Struct) -> Result<Vec<FieldFill>, String> {
    if let Some(f) = old
        .fields
        .iter()
        .find(|f| !new.fields.iter().any(|n| n.json_name == f.json_name))
    {
        return Err(format!(
            "field `{}` was removed (its value would be lost)",
            f.json_name
        ));
    }
    let mut fills = Vec::new();
    for n in &new.fields {
        let fill = match old.fields.iter().find(|o| o.json_name == n.json_name) {
            _ if n.ty == Ty::Tag => Fill::Tag,
            _ if n.ty == Ty::Version => Fill::Version,
            Some(o) if n.versioned && o.versioned => Fill::Header,
            None if !n.required => Fill::Absent,
            None => {
                return Err(format!(
                    "new required field `{}` has no value in the older version",
                    n.json_name
                ))
            }
            Some(o) => {
                let same_shape = o.nullable == n.nullable;
                let optional_now = !n.required || n.nullable;
                let optional_before = !o.required || o.nullable;
                match (o.ty == n.ty, widens(&o.ty, &n.ty)) {
                    (true, _) if same_shape && o.required == n.required => Fill::Move,
                    (true, _) if !optional_before && optional_now && !n.nullable => Fill::Wrap,
                    (false, true) if same_shape && o.required == n.required && !optional_before => {
                        Fill::Into
                    }
                    (false, true) if same_shape && o.required == n.required && !o.nullable => {
                        Fill::IntoOption
                    }
                    _ => {
                        return Err(format!(
                            "field `{}` changed from {:?} to {:?}",
                            n.json_name, o.ty, n.ty
                        ))
                    }
                }
            }
        };
        fills.push(FieldFill {
            rust_name: n.rust_name.clone(),
            raw: n.raw,
            fill,
        });
    }
    if old.extra.is_some() || new.extra.is_some() {
        return Err(
            "extra properties (`additionalProperties` maps) need a hand-written conversion".into(),
        );
    }
    Ok(fills)
}

/// Every `V(n) → V(n+1)` conversion of the catalog.
pub fn conversions(catalog: &Catalog) -> Vec<Conversion> {
    let mut out = Vec::new();
    for pair in catalog.events.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.def.event_type != b.def.event_type {
            continue;
        }
        let get = |name: &str| match catalog.types.get(name).map(|t| &t.kind) {
            Some(TypeKind::Struct(s)) => Some(s),
            _ => None,
        };
        let plan = match (get(&a.struct_name), get(&b.struct_name)) {
            (Some(o), Some(n)) => plan(o, n),
            _ => Err("not structs".into()),
        };
        out.push(Conversion {
            event_type: a.def.event_type.clone(),
            from_major: a.def.major,
            from: a.struct_name.clone(),
            to: b.struct_name.clone(),
            plan,
        });
    }
    out
}

//! The converter's mappings for catalogs taken as they are (`Cx::foreign`): constructs
//! with no exact Rust type get the nearest type never narrower than the schema (`allOf` of
//! scalars, open tuples, properties beside unions or without `type: object`), and the
//! properties renamed because another member had their name.

use serde_json::{Map, Value};

use super::{description, merge_outer, Cx, Shape};
use crate::error::{Error, Loc};
use crate::ident;
use crate::ir::{Caps, Catalog, Ty, TypeDef, TypeKind, UntaggedVariant};

/// The properties of a catalog taken as it is whose Rust field is not their plain snake-case
/// name, because that name was another member's (`extra`, the map of additional
/// properties; a property spelt alike after case conversion): one note each, naming the
/// property and its field. The wire name stays the property's (`serde(rename)`).
pub(crate) fn renamed_fields(catalog: &Catalog) -> Vec<Error> {
    let mut notes = Vec::new();
    for def in catalog.types.values() {
        let TypeKind::Struct(s) = &def.kind else {
            continue;
        };
        for f in &s.fields {
            let (plain, _) = ident::field_name(&f.json_name);
            if plain != f.rust_name {
                notes.push(Error::new(
                    f.loc.clone(),
                    format!(
                        "property {:?} of {} is the Rust field `{}`: `{plain}` is another member of the struct",
                        f.json_name, def.name, f.rust_name
                    ),
                ));
            }
        }
    }
    notes
}

impl<'a> Cx<'a> {
    /// Whether properties of an object may be evaluated by applicators a [`Shape`] does not
    /// merge (`anyOf`, `oneOf`, `if`/`then`/`else`, dependent schemas, `$ref` beside other
    /// keywords), at `map` or in its `allOf` members.
    pub(super) fn evaluates_elsewhere(
        &self,
        loc: &Loc,
        map: &'a Map<String, Value>,
        depth: usize,
    ) -> bool {
        const ELSEWHERE: &[&str] = &[
            "anyOf",
            "oneOf",
            "if",
            "then",
            "else",
            "dependentSchemas",
            "dependencies",
            "$ref",
            "$dynamicRef",
            "$recursiveRef",
        ];
        if ELSEWHERE.iter().any(|k| map.contains_key(*k)) {
            return true;
        }
        let Some(Value::Array(members)) = map.get("allOf") else {
            return false;
        };
        members.iter().enumerate().any(|(i, m)| {
            let at = loc.join("allOf").join(i);
            let evaluates_all = |dm: &Map<String, Value>| {
                ["additionalProperties", "unevaluatedProperties"]
                    .iter()
                    .any(|k| dm.get(*k).is_some_and(|v| v != &Value::Bool(false)))
            };
            match self.deref(&at, m) {
                Ok((at, d)) => d.as_object().is_some_and(|dm| {
                    evaluates_all(dm)
                        || (depth < crate::schema::MAX_REF_DEPTH
                            && self.evaluates_elsewhere(&at, dm, depth + 1))
                }),
                Err(_) => true,
            }
        })
    }

    /// Whether an `allOf` member of `map` says `type: object` (so only objects are valid).
    pub(super) fn all_of_object_type(&self, loc: &Loc, map: &'a Map<String, Value>) -> bool {
        let Some(Value::Array(members)) = map.get("allOf") else {
            return false;
        };
        members.iter().enumerate().any(|(i, m)| {
            self.deref(&loc.join("allOf").join(i), m)
                .is_ok_and(|(_, d)| d.get("type").and_then(Value::as_str) == Some("object"))
        })
    }

    /// Properties without `type: object` (a catalog taken as it is): they constrain objects
    /// only, any other value is valid. An untagged enum of the object's struct (tried
    /// first) and any other value (`Other`).
    pub(super) fn object_or_any(
        &mut self,
        loc: &Loc,
        schema: &'a Value,
        map: &'a Map<String, Value>,
        hint: &str,
    ) -> Result<Ty, Error> {
        let key = loc.join("(or any value)");
        if let Some(existing) = self.by_key.get(&key) {
            return Ok(Ty::Named(existing.clone()));
        }
        let name = self.claim(&key, hint)?;
        let object = self.object(loc, schema, map, &format!("{name}Object"))?;
        self.types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                loc: key,
                doc: description(schema),
                kind: TypeKind::Untagged(vec![
                    UntaggedVariant {
                        name: "Object".to_owned(),
                        ty: object,
                    },
                    UntaggedVariant {
                        name: "Other".to_owned(),
                        ty: Ty::Any,
                    },
                ]),
                generic: false,
                caps: Caps::ALL,
                extern_path: None,
            },
        );
        Ok(Ty::Named(name))
    }

    /// Whether some member of the `allOf` of `map` describes an object (properties,
    /// required names, a map or `type: object`), looking through `$ref` and nested `allOf`.
    pub(super) fn all_of_objects(
        &self,
        loc: &Loc,
        map: &'a Map<String, Value>,
        depth: usize,
    ) -> bool {
        let Some(Value::Array(members)) = map.get("allOf") else {
            return false;
        };
        members.iter().enumerate().any(|(i, m)| {
            let at = loc.join("allOf").join(i);
            let Ok((at, d)) = self.deref(&at, m) else {
                // The converter reports the broken reference.
                return true;
            };
            let Some(dm) = d.as_object() else {
                return false;
            };
            let object_type = match dm.get("type") {
                Some(Value::String(t)) => t == "object",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
                _ => false,
            };
            object_type
                || [
                    "properties",
                    "required",
                    "additionalProperties",
                    "patternProperties",
                ]
                .iter()
                .any(|k| dm.contains_key(*k))
                || (depth < crate::schema::MAX_REF_DEPTH && self.all_of_objects(&at, dm, depth + 1))
        })
    }

    /// `allOf` of members that describe no object (`[{type: string}, {enum: [red]}]`): a
    /// value is valid for every member, so the type of one of them holds it; the most
    /// precise is taken (an `enum` or `const`, else a `type`, else a union), the validator
    /// checks the others. Members with none of these (bounds, formats): any value.
    pub(super) fn all_of_scalars(
        &mut self,
        loc: &Loc,
        map: &'a Map<String, Value>,
        hint: &str,
    ) -> Result<Ty, Error> {
        let Some(Value::Array(members)) = map.get("allOf") else {
            return Ok(Ty::Any);
        };
        let base = loc.join("allOf");
        let mut best: Option<(u8, Loc, &'a Value)> = None;
        for (i, m) in members.iter().enumerate() {
            let (_, d) = self.deref(&base.join(i), m)?;
            let Some(dm) = d.as_object() else { continue };
            let rank = if dm.contains_key("enum") || dm.contains_key("const") {
                0
            } else if dm.contains_key("type") {
                1
            } else if dm.contains_key("anyOf")
                || dm.contains_key("oneOf")
                || dm.contains_key("allOf")
            {
                2
            } else {
                continue;
            };
            if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
                best = Some((rank, base.join(i), m));
            }
        }
        match best {
            Some((_, at, member)) => self.ty(&at, member, hint),
            None => Ok(Ty::Any),
        }
    }

    /// A tuple of a catalog taken as it is. JSON Schema lets an array be shorter than its
    /// `prefixItems` (unless `minItems` says otherwise) and longer (unless `items: false`):
    /// a Rust tuple only when the length is fixed, else a `Vec` of the items' one type (any
    /// value when they differ), never a type that refuses a valid array.
    pub(super) fn foreign_tuple(
        &mut self,
        loc: &Loc,
        map: &'a Map<String, Value>,
        items: &'a [Value],
        hint: &str,
    ) -> Result<Ty, Error> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.ty(
                &loc.join("prefixItems").join(i),
                item,
                &format!("{hint}Item{i}"),
            )?);
        }
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let closed = matches!(map.get("items"), Some(Value::Bool(false)))
            || map.get("maxItems").and_then(Value::as_u64) == Some(items.len() as u64);
        if closed && min >= items.len() as u64 {
            return Ok(Ty::Tuple(out));
        }
        match map.get("items") {
            None | Some(Value::Bool(_)) => {}
            Some(rest) => out.push(self.ty(&loc.join("items"), rest, &format!("{hint}Item"))?),
        }
        let open_rest = matches!(map.get("items"), None | Some(Value::Bool(true)));
        let item = match out.split_first() {
            Some((first, rest)) if !open_rest && rest.iter().all(|t| t == first) => first.clone(),
            _ => Ty::Any,
        };
        Ok(Ty::Vec(Box::new(item)))
    }

    /// The type of a union member with the object beside the union (`outer`) merged in:
    /// an object member (one with `properties`, `required` or `type: object`) becomes a
    /// struct of both; any other member is not an object, which `outer` does not constrain.
    pub(super) fn member_ty(
        &mut self,
        loc: &Loc,
        member: &'a Value,
        hint: &str,
        outer: &Shape<'a>,
    ) -> Result<Ty, Error> {
        let (dl, d) = self.deref(loc, member)?;
        let object = d.get("properties").is_some()
            || d.get("required").is_some()
            || d.get("type").and_then(Value::as_str) == Some("object");
        if !object || d.get("anyOf").is_some() || d.get("oneOf").is_some() {
            return self.ty(loc, member, hint);
        }
        let key = dl.join("(with outer)");
        if let Some(existing) = self.by_key.get(&key) {
            return Ok(Ty::Named(existing.clone()));
        }
        let mut shape = self.shape(loc, member)?;
        merge_outer(&mut shape, outer);
        let name = self.claim(&key, hint)?;
        self.make_struct(&key, &name, shape, None)
    }
}

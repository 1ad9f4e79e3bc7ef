//! The CloudEvents mapping of a contract set, derived from its envelope schema: which
//! header field is the id, the time, the source, the version, the payload, and which
//! become extension attributes. The generator emits it as a constant; the CLI uses it as
//! it is. See `events_rt::cloudevents` for the mapping itself.

use events_rt::cloudevents::{attribute_name, Extension, Kind, Mapping, TimeKind, RESERVED};
use serde_json::Value;

use crate::schema::{Payload, SchemaSet};

/// [`Mapping`] with owned names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudEventMapping {
    order: Vec<String>,
    type_field: String,
    id: Option<String>,
    time: Option<(String, TimeKind)>,
    source: Option<String>,
    version: Vec<String>,
    data: Option<String>,
    extensions: Vec<(Vec<String>, String, Kind)>,
    required_objects: Vec<String>,
}

/// Names the id field may have, in order of preference.
const ID_FIELDS: &[&str] = &["event_id", "id", "eventId", "message_id"];
/// Names the time field may have, in order of preference.
const TIME_FIELDS: &[&str] = &["timestamp", "time", "occurred_at", "created_at"];

impl CloudEventMapping {
    /// The mapping of `set`'s envelope; `None` for a set without one (a types-only or
    /// foreign catalog).
    pub fn of(set: &SchemaSet) -> Option<Self> {
        if set.is_foreign() {
            return None;
        }
        let env = &set.envelope;
        let doc = set.doc(&env.rel)?;
        let root = set.loc(&env.rel);
        let props = doc.json.get("properties")?.as_object()?;
        let order: Vec<String> = set
            .key_order(&root.join("properties"))
            .cloned()
            .unwrap_or_else(|| props.keys().cloned().collect());
        let required = |schema: &Value, name: &str| {
            schema
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(name)))
        };
        let data = match &env.payload {
            Payload::Field(f) => Some(f.clone()),
            Payload::Flat => None,
        };
        let resolved_at = |name: &str| -> Option<(crate::error::Loc, Value)> {
            let loc = root.join("properties").join(name);
            let schema = props.get(name)?;
            set.follow(&loc, schema).ok().map(|(l, s)| (l, s.clone()))
        };
        let resolved = |name: &str| resolved_at(name).map(|(_, s)| s);
        let pick = |names: &[&str]| {
            names
                .iter()
                .find(|n| {
                    **n != env.type_field
                        && props.contains_key(**n)
                        && resolved(n).is_some_and(|s| {
                            s.get("type").and_then(Value::as_str) == Some("string")
                        })
                })
                .map(|n| (*n).to_owned())
        };
        let id = pick(ID_FIELDS);
        let time = TIME_FIELDS.iter().find_map(|n| {
            let s = resolved(n)?;
            match (
                s.get("type").and_then(Value::as_str),
                s.get("format").and_then(Value::as_str),
            ) {
                (Some("string"), Some("date-time")) => Some(((*n).to_owned(), TimeKind::Rfc3339)),
                (Some("integer"), Some("unix-time")) => {
                    Some(((*n).to_owned(), TimeKind::UnixSeconds))
                }
                _ => None,
            }
        });
        let source = pick(&["source"]);
        let version = env.version_path.clone();
        let mut taken: Vec<String> = RESERVED.iter().map(|s| (*s).to_owned()).collect();
        let mut extensions = Vec::new();
        let mut required_objects = Vec::new();
        let mut claim = |path: Vec<String>, schema: &Value, taken: &mut Vec<String>| {
            let leaf = path.last().cloned().unwrap_or_default();
            let mut attr = attribute_name(&leaf);
            if attr.is_empty() || taken.contains(&attr) {
                attr = attribute_name(&path.concat());
            }
            while attr.is_empty() || taken.contains(&attr) {
                attr.push('x');
            }
            taken.push(attr.clone());
            let kind = match schema.get("type").and_then(Value::as_str) {
                Some("string") => Kind::String,
                Some("integer") => Kind::Integer,
                Some("boolean") => Kind::Boolean,
                _ => Kind::Json,
            };
            extensions.push((path, attr, kind));
        };
        for name in &order {
            let special = *name == env.type_field
                || Some(name) == id.as_ref()
                || Some(name) == time.as_ref().map(|t| &t.0)
                || Some(name) == source.as_ref()
                || Some(name) == data.as_ref()
                || version == [name.clone()];
            if special {
                continue;
            }
            let Some((at, schema)) = resolved_at(name) else {
                continue;
            };
            let children = schema.get("properties").and_then(Value::as_object);
            match children {
                Some(children) if schema.get("type").and_then(Value::as_str) == Some("object") => {
                    if required(&doc.json, name) {
                        required_objects.push(name.clone());
                    }
                    let child_order: Vec<String> = set
                        .key_order(&at.join("properties"))
                        .cloned()
                        .unwrap_or_else(|| children.keys().cloned().collect());
                    for child in child_order {
                        if version == [name.clone(), child.clone()] {
                            continue;
                        }
                        let Some(c) = children.get(&child) else {
                            continue;
                        };
                        let c = set
                            .follow(&at.join("properties").join(&child), c)
                            .map(|(_, s)| s.clone())
                            .unwrap_or_else(|_| c.clone());
                        claim(vec![name.clone(), child], &c, &mut taken);
                    }
                }
                _ => claim(vec![name.clone()], &schema, &mut taken),
            }
        }
        Some(Self {
            order,
            type_field: env.type_field.clone(),
            id,
            time,
            source,
            version,
            data,
            extensions,
            required_objects,
        })
    }

    /// Lends the mapping as [`Mapping`] to `f`.
    pub fn with<R>(&self, f: impl FnOnce(&Mapping<'_>) -> R) -> R {
        let order: Vec<&str> = self.order.iter().map(String::as_str).collect();
        let version: Vec<&str> = self.version.iter().map(String::as_str).collect();
        let paths: Vec<Vec<&str>> = self
            .extensions
            .iter()
            .map(|(p, _, _)| p.iter().map(String::as_str).collect())
            .collect();
        let extensions: Vec<Extension<'_>> = self
            .extensions
            .iter()
            .zip(&paths)
            .map(|((_, attribute, kind), path)| Extension {
                path,
                attribute,
                kind: *kind,
            })
            .collect();
        let required: Vec<&str> = self.required_objects.iter().map(String::as_str).collect();
        f(&Mapping {
            order: &order,
            type_field: &self.type_field,
            id: self.id.as_deref(),
            time: self.time.as_ref().map(|(f, k)| (f.as_str(), *k)),
            source: self.source.as_deref(),
            version: &version,
            data: self.data.as_deref(),
            extensions: &extensions,
            required_objects: &required,
        })
    }

    /// The mapping as a Rust constant expression of type
    /// `events_rt::cloudevents::Mapping<'static>`, with `rt` the runtime crate's path.
    pub(crate) fn tokens(&self, rt: &proc_macro2::TokenStream) -> proc_macro2::TokenStream {
        use quote::quote;
        let opt = |v: &Option<String>| match v {
            Some(s) => quote!(::std::option::Option::Some(#s)),
            None => quote!(::std::option::Option::None),
        };
        let order = &self.order;
        let type_field = &self.type_field;
        let id = opt(&self.id);
        let source = opt(&self.source);
        let data = opt(&self.data);
        let version = &self.version;
        let time = match &self.time {
            Some((f, TimeKind::Rfc3339)) => {
                quote!(::std::option::Option::Some((#f, #rt::cloudevents::TimeKind::Rfc3339)))
            }
            Some((f, TimeKind::UnixSeconds)) => {
                quote!(::std::option::Option::Some((#f, #rt::cloudevents::TimeKind::UnixSeconds)))
            }
            None => quote!(::std::option::Option::None),
        };
        let extensions = self.extensions.iter().map(|(path, attribute, kind)| {
            let kind = match kind {
                Kind::String => quote!(String),
                Kind::Integer => quote!(Integer),
                Kind::Boolean => quote!(Boolean),
                Kind::Json => quote!(Json),
            };
            quote! {
                #rt::cloudevents::Extension {
                    path: &[#(#path),*],
                    attribute: #attribute,
                    kind: #rt::cloudevents::Kind::#kind,
                }
            }
        });
        let required = &self.required_objects;
        quote! {
            #rt::cloudevents::Mapping {
                order: &[#(#order),*],
                type_field: #type_field,
                id: #id,
                time: #time,
                source: #source,
                version: &[#(#version),*],
                data: #data,
                extensions: &[#(#extensions),*],
                required_objects: &[#(#required),*],
            }
        }
    }
}

//! Wide structs (more than [`WIDE_STRUCT`](crate::convert::WIDE_STRUCT) fields).
//!
//! rustc overflows its default stack on the code serde and `PartialEq` derive for a
//! struct of a few thousand fields (the derived visitor binds one local per field, each in
//! a scope nested in the previous one, and LLVM's debug info recurses over that nesting;
//! the derived `eq` is one `&&` chain). For a wide struct the emitter writes these impls
//! out instead: the struct stays flat (`event.field_name`), and the work per field is
//! spread over functions of [`CHUNK`] fields, each a flat list of statements. The wire
//! behaviour is the derived one: renames, optional and nullable fields (the
//! `serde_helpers` semantics), versioned fields, duplicate, missing and unknown fields
//! (`deny_unknown_fields` in strict mode), and the extra properties map.
//!
//! The impls are written as formatted text, not tokens: they are most of a large catalog's
//! code, and parsing and unparsing them took two thirds of its generation time.

use std::fmt::Write as _;

use proc_macro2::{Literal, TokenStream};
use quote::{quote, ToTokens};

use super::{text, Cx};
use crate::ir::{Caps, Field, Struct, Ty, TypeDef};

/// Fields per generated helper function.
pub(super) const CHUNK: usize = 256;

/// The derives a wide struct keeps (`PartialEq`, `Eq` and serde are written out).
pub(super) fn derives(caps: Caps) -> TokenStream {
    let mut extra = TokenStream::new();
    // The written-out `PartialEq` compares every field, as the derived one would: it
    // agrees with the derived `Hash`.
    let mut allow = TokenStream::new();
    if caps.hash {
        extra.extend(quote!(Hash,));
        allow = quote!(#[allow(clippy::derived_hash_with_manual_eq)]);
    }
    if caps.default {
        extra.extend(quote!(Default,));
    }
    quote!(#[derive(Debug, Clone, #extra)] #allow)
}

/// How a field is read and written.
enum Kind {
    /// Always present (a nullable one is an `Option` that must be there).
    Required,
    /// Optional, not nullable: absent is `None`, `null` is an error (`serde_helpers::present`).
    Present,
    /// Optional and nullable: absent is `None`, `null` is `Some(None)` (`double_option`).
    DoubleOption,
    /// The version or a header object holding it: absent is `Base::absent()`.
    Versioned(String),
}

struct Wide {
    /// Rust field name (`r#ref` for a raw one).
    name: String,
    /// Name in the slots of the decoder.
    slot: String,
    /// The wire name, as a string literal.
    json: String,
    kind: Kind,
    /// The type read from the wire for this field.
    read: String,
    /// How it is read when it holds a map (`events_rt::unique`), else `None`.
    unique: Option<String>,
    /// The field's type in the struct.
    ty: String,
}

fn field_name(f: &Field) -> String {
    if f.raw {
        format!("r#{}", f.rust_name)
    } else {
        f.rust_name.clone()
    }
}

/// A string literal of `s`.
fn lit_str(s: &str) -> String {
    Literal::string(s).to_string()
}

/// Appends the lines of `text` (each with its own indentation) to `out`, indented by
/// `depth` more levels.
fn block(out: &mut String, depth: usize, text: &str) {
    for l in text.lines() {
        if !l.is_empty() {
            text::indent(out, depth);
        }
        out.push_str(l);
        out.push('\n');
    }
}

/// A function (`head`, one level in from the `const` block) whose body is `terms` joined
/// by the operator `op`, one term per line (the first on the body's level, the rest one
/// level further, each led by `op`), as prettyplease breaks a long `&&` or `+` chain.
fn chain(out: &mut String, head: &str, op: &str, terms: impl Iterator<Item = String>) {
    block(out, 1, head);
    for (j, term) in terms.enumerate() {
        if j == 0 {
            block(out, 2, &term);
        } else {
            block(out, 3, &format!("{op} {term}"));
        }
    }
    block(out, 1, "}");
}

/// `open`, one line per item one level in, `close` (one level in from the `const`
/// block); an empty list on one line (`const X: &[&str; 0] = &[];`, `struct S {}`).
fn list(out: &mut String, open: &str, items: impl Iterator<Item = String>, close: &str) {
    let mut items = items.peekable();
    if items.peek().is_none() {
        block(out, 1, &format!("{open}{close}"));
        return;
    }
    block(out, 1, open);
    for item in items {
        block(out, 2, &item);
    }
    block(out, 1, close);
}

/// A wide struct's definition (doc comment, derives, attributes, fields) and its
/// written-out impls, as formatted text (see [`super::text`]).
pub(super) fn definition(
    cx: &Cx<'_>,
    def: &TypeDef,
    s: &Struct,
    doc_text: &str,
    owner: &TokenStream,
    event_type: Option<&str>,
    type_attrs: &TokenStream,
) -> String {
    let mut derives = derives(def.caps);
    derives.extend(cx.json_schema_derive());
    let mut out = String::new();
    text::doc(&mut out, 0, doc_text);
    text::attrs(&mut out, 0, &derives);
    text::attrs(&mut out, 0, type_attrs);
    if s.fields.is_empty() && s.extra.is_none() {
        let _ = writeln!(out, "pub struct {} {{}}", def.name);
    } else {
        let _ = writeln!(out, "pub struct {} {{", def.name);
        for f in &s.fields {
            text::attrs(&mut out, 1, &cx.field_attrs(&def.name, event_type, f));
            let parts = cx.field_parts(f, owner, false);
            text::doc(&mut out, 1, &parts.doc);
            text::attrs(&mut out, 1, &parts.schema);
            let raw = if f.raw { "r#" } else { "" };
            let ty = text::tokens(&parts.ty);
            let _ = writeln!(out, "    pub {raw}{}: {ty},", f.rust_name);
        }
        if let Some(t_ir) = &s.extra {
            text::doc(&mut out, 1, "Properties beyond the declared ones.");
            if cx.opts.json_schema {
                out.push_str("    #[schemars(flatten)]\n");
            }
            let t = text::tokens(&cx.ty(t_ir, owner));
            let _ = writeln!(
                out,
                "    pub extra: ::std::collections::BTreeMap<::std::string::String, {t}>,"
            );
        }
        out.push_str("}\n");
    }
    out.push_str(&impls(cx, def, s, owner));
    out
}

/// `Serialize`, `Deserialize`, `PartialEq` (and `Eq` when the type allows it) of a wide
/// struct, in an anonymous `const` block, as formatted text (see [`super::text`]).
fn impls(cx: &Cx<'_>, def: &TypeDef, s: &Struct, owner: &TokenStream) -> String {
    let rt = text::tokens(&cx.rt.to_token_stream());
    let serde = format!("{rt}::__private::serde");
    let name = &def.name;
    let deny = cx.strict && s.closed && s.extra.is_none();
    let fields: Vec<Wide> = s
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut ty = text::tokens(&cx.ty(&f.ty, owner));
            if f.boxed {
                ty = format!("::std::boxed::Box<{ty}>");
            }
            let (kind, read) = match (f.required, f.nullable) {
                (false, _) if f.versioned => {
                    let base = match &f.ty {
                        Ty::Named(n) => n.clone(),
                        _ => format!("{rt}::Version"),
                    };
                    (Kind::Versioned(base), ty)
                }
                (true, _) if f.versioned => (Kind::Required, ty),
                (true, false) => (Kind::Required, ty),
                (true, true) => (Kind::Required, format!("::std::option::Option<{ty}>")),
                (false, false) => (Kind::Present, ty),
                (false, true) => (Kind::DoubleOption, format!("::std::option::Option<{ty}>")),
            };
            let unique = cx.field_read(f, owner).map(|r| {
                let r = text::tokens(&r);
                match (&kind, f.nullable) {
                    (Kind::Required | Kind::DoubleOption, true) => {
                        format!("{rt}::unique::OptionOf<{r}>")
                    }
                    _ => r,
                }
            });
            let ty = match kind {
                Kind::Present | Kind::DoubleOption => format!("::std::option::Option<{read}>"),
                Kind::Required | Kind::Versioned(_) => read.clone(),
            };
            Wide {
                name: field_name(f),
                slot: format!("f{i}"),
                json: lit_str(&f.json_name),
                kind,
                read,
                unique,
                ty,
            }
        })
        .collect();
    let extra_ty = s.extra.as_ref().map(|t| text::tokens(&cx.ty(t, owner)));
    let extra_read = s
        .extra
        .as_ref()
        .map(|t| text::tokens(&cx.read_of(t, owner)));
    let map_mode = extra_ty.is_some();
    let count = fields.len();

    let chunks = fields.len().div_ceil(CHUNK);
    let mut o = String::with_capacity(2048 + 600 * count);
    // An object of no properties reads and writes nothing: its helpers' parameters and
    // `mut`s go unused.
    if fields.is_empty() {
        o.push_str("#[allow(unused_variables, unused_mut, clippy::match_single_binding)]\n");
    }

    // Equality, in chunks.
    let mut eq_calls: Vec<String> = (0..chunks)
        .map(|c| format!("eq_{c}(self, other)"))
        .collect();
    if map_mode {
        eq_calls.push("self.extra == other.extra".to_owned());
    }
    // An object of no properties (`{"type": "object", "additionalProperties": false}`).
    if eq_calls.is_empty() {
        eq_calls.push("true".to_owned());
    }
    let eq_calls = eq_calls.join(" && ");
    block(
        &mut o,
        0,
        &format!(
            "const _: () = {{
    impl ::std::cmp::PartialEq for {name} {{
        fn eq(&self, other: &Self) -> bool {{
            {eq_calls}
        }}
    }}"
        ),
    );
    if def.caps.eq {
        block(&mut o, 1, &format!("impl ::std::cmp::Eq for {name} {{}}"));
    }

    // Encoding: a struct, or a map when extra properties follow the fields.
    let state_trait = if map_mode {
        format!("{serde}::ser::SerializeMap")
    } else {
        format!("{serde}::ser::SerializeStruct")
    };
    block(
        &mut o,
        1,
        &format!(
            "impl {serde}::Serialize for {name} {{
    fn serialize<S: {serde}::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {{"
        ),
    );
    if map_mode {
        block(
            &mut o,
            3,
            &format!("let mut state = {serde}::Serializer::serialize_map(serializer, ::std::option::Option::None)?;"),
        );
    } else {
        // The length `serialize_struct` is given: the required fields and the optional
        // ones present, counted in chunks.
        let required = fields
            .iter()
            .filter(|f| matches!(f.kind, Kind::Required))
            .count();
        let optional = fields.len() - required;
        let mut len = required.to_string();
        for c in 0..optional.div_ceil(CHUNK) {
            let _ = write!(len, " + present_{c}(self)");
        }
        let name_lit = lit_str(name);
        block(
            &mut o,
            3,
            &format!(
                "let len: usize = {len};
let mut state = {serde}::Serializer::serialize_struct(serializer, {name_lit}, len)?;"
            ),
        );
    }
    for c in 0..chunks {
        block(&mut o, 3, &format!("serialize_{c}(self, &mut state)?;"));
    }
    if map_mode {
        block(
            &mut o,
            3,
            &format!(
                "for (key, value) in &self.extra {{
    {serde}::ser::SerializeMap::serialize_entry(&mut state, key, value)?;
}}"
            ),
        );
    }
    let deserialize = if map_mode {
        format!("{serde}::Deserializer::deserialize_map(deserializer, Visitor)")
    } else {
        let name_lit = lit_str(name);
        format!(
            "{serde}::Deserializer::deserialize_struct(deserializer, {name_lit}, FIELDS, Visitor)"
        )
    };
    block(
        &mut o,
        1,
        &format!(
            "        {state_trait}::end(state)
    }}
}}
impl<'de> {serde}::Deserialize<'de> for {name} {{
    fn deserialize<D: {serde}::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {{
        {deserialize}
    }}
}}"
        ),
    );

    // Names: declaration order (for errors and `deserialize_struct`), and sorted by wire
    // name with their index (for the binary search of `FieldKeys`).
    let mut sorted: Vec<(&str, usize)> = s
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.json_name.as_str(), i))
        .collect();
    sorted.sort_unstable();
    block(&mut o, 1, "/// Wire names in declaration order.");
    list(
        &mut o,
        &format!("const FIELDS: &[&str; {count}] = &["),
        fields.iter().map(|f| format!("{},", f.json)),
        "];",
    );
    block(
        &mut o,
        1,
        "/// Wire names sorted, with their index in `FIELDS`.",
    );
    list(
        &mut o,
        &format!("const KEYS: &[(&str, usize); {count}] = &["),
        sorted
            .iter()
            .map(|(n, i)| format!("({}, {i}),", lit_str(n))),
        "];",
    );

    // Decoding: one slot per field, filled by chunked store functions.
    block(
        &mut o,
        1,
        "/// What the decoder has read so far, one slot per field.
#[derive(Default)]",
    );
    list(
        &mut o,
        "struct Slots {",
        fields
            .iter()
            .map(|f| format!("{}: ::std::option::Option<{}>,", f.slot, f.read)),
        "}",
    );
    let closed = if deny {
        "::std::option::Option::Some(FIELDS)"
    } else {
        "::std::option::Option::None"
    };
    let (extra_init, finish_call) = if map_mode {
        (
            "\n        let mut extra = ::std::collections::BTreeMap::new();",
            "finish(slots, extra)",
        )
    } else {
        ("", "finish(slots)")
    };
    let unknown = match (&extra_ty, &extra_read) {
        (Some(t), Some(r)) => format!(
            "let value: {t} = map.next_value_seed({rt}::unique::Seed::<{r}>::new())?;
match extra.entry(key) {{
    ::std::collections::btree_map::Entry::Vacant(entry) => {{
        entry.insert(value);
    }}
    ::std::collections::btree_map::Entry::Occupied(entry) => {{
        return ::std::result::Result::Err({rt}::serde_helpers::duplicate_key(entry.key()));
    }}
}}"
        ),
        _ => format!(
            "let _ = key;
map.next_value::<{serde}::de::IgnoredAny>()?;"
        ),
    };
    let expecting = lit_str(&format!("struct {name}"));
    block(
        &mut o,
        1,
        &format!(
            "struct Visitor;
impl<'de> {serde}::de::Visitor<'de> for Visitor {{
    type Value = {name};
    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {{
        f.write_str({expecting})
    }}
    fn visit_map<A: {serde}::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> ::std::result::Result<{name}, A::Error> {{
        let mut slots = <Slots as ::std::default::Default>::default();{extra_init}
        while let ::std::option::Option::Some(key) = map
            .next_key_seed({rt}::serde_helpers::FieldKeys {{ keys: KEYS, closed: {closed} }})?
        {{
            match key {{
                {rt}::serde_helpers::FieldKey::Known(index) => store(&mut slots, index, &mut map)?,
                {rt}::serde_helpers::FieldKey::Unknown(key) => {{"
        ),
    );
    block(&mut o, 6, &unknown);
    block(
        &mut o,
        1,
        &format!(
            "                }}
            }}
        }}
        {finish_call}
    }}
}}
fn store<'de, A: {serde}::de::MapAccess<'de>>(
    slots: &mut Slots,
    index: usize,
    map: &mut A,
) -> ::std::result::Result<(), A::Error> {{
    match index / {CHUNK} {{"
        ),
    );
    for c in 0..chunks {
        block(&mut o, 3, &format!("{c} => store_{c}(slots, index, map),"));
    }
    block(
        &mut o,
        1,
        "        _ => ::std::result::Result::Ok(()),
    }
}",
    );

    // The decoded fields are moved into the struct by chunks: a part per chunk (a struct
    // of its fields) is built from the slots, with an early return on a missing field;
    // the struct is then built from the parts, which cannot fail. (One function building
    // the whole struct with an early return per field makes LLVM's time superlinear.)
    let extra_param = extra_ty
        .as_ref()
        .map(|t| format!(", extra: ::std::collections::BTreeMap<::std::string::String, {t}>"))
        .unwrap_or_default();
    block(
        &mut o,
        1,
        &format!("fn finish<E: {serde}::de::Error>(mut slots: Slots{extra_param}) -> ::std::result::Result<{name}, E> {{"),
    );
    for c in 0..chunks {
        block(
            &mut o,
            2,
            &format!("let part{c} = finish_{c}(&mut slots)?;"),
        );
    }
    block(&mut o, 2, &format!("::std::result::Result::Ok({name} {{"));
    for (i, f) in fields.iter().enumerate() {
        block(
            &mut o,
            3,
            &format!("{}: part{}.{},", f.name, i / CHUNK, f.slot),
        );
    }
    if map_mode {
        block(&mut o, 3, "extra,");
    }
    block(&mut o, 1, "    })\n}");

    for (c, chunk) in fields.chunks(CHUNK).enumerate() {
        list(
            &mut o,
            &format!("struct Part{c} {{"),
            chunk.iter().map(|f| format!("{}: {},", f.slot, f.ty)),
            "}",
        );
        block(
            &mut o,
            1,
            &format!(
                "fn finish_{c}<E: {serde}::de::Error>(slots: &mut Slots) -> ::std::result::Result<Part{c}, E> {{
    ::std::result::Result::Ok(Part{c} {{"
            ),
        );
        for f in chunk {
            let (slot, json) = (&f.slot, &f.json);
            let init = match &f.kind {
                Kind::Required => {
                    format!("{slot}: {rt}::serde_helpers::required(slots.{slot}.take(), {json})?,")
                }
                Kind::Present | Kind::DoubleOption => format!("{slot}: slots.{slot}.take(),"),
                Kind::Versioned(base) => format!(
                    "{slot}: ::std::option::Option::unwrap_or_else(slots.{slot}.take(), {base}::absent),"
                ),
            };
            block(&mut o, 3, &init);
        }
        block(&mut o, 1, "    })\n}");
    }

    for (c, chunk) in fields.chunks(CHUNK).enumerate() {
        chain(
            &mut o,
            &format!("fn eq_{c}(a: &{name}, b: &{name}) -> bool {{"),
            "&&",
            chunk.iter().map(|f| format!("a.{0} == b.{0}", f.name)),
        );
    }

    // `state` is a generic `S: SerializeStruct` (or `SerializeMap`): its methods need no
    // import.
    let write = |json: &str, value: &str| {
        if map_mode {
            format!("state.serialize_entry({json}, {value})?;")
        } else {
            format!("state.serialize_field({json}, {value})?;")
        }
    };
    for (c, chunk) in fields.chunks(CHUNK).enumerate() {
        block(
            &mut o,
            1,
            &format!("fn serialize_{c}<S: {state_trait}>(value: &{name}, state: &mut S) -> ::std::result::Result<(), S::Error> {{"),
        );
        for f in chunk {
            let (n, json) = (&f.name, f.json.as_str());
            let value = format!("&value.{n}");
            let skip = format!("state.skip_field({json})?;");
            let stmt = match &f.kind {
                Kind::Required => write(json, &value),
                Kind::Present if map_mode => {
                    format!("if value.{n}.is_some() {{\n    {}\n}}", write(json, &value))
                }
                Kind::Present => format!(
                    "if value.{n}.is_some() {{\n    {}\n}} else {{\n    {skip}\n}}",
                    write(json, &value)
                ),
                Kind::DoubleOption if map_mode => format!(
                    "if let ::std::option::Option::Some(inner) = &value.{n} {{\n    {}\n}}",
                    write(json, "inner")
                ),
                Kind::DoubleOption => format!(
                    "match &value.{n} {{
    ::std::option::Option::Some(inner) => {{
        {}
    }}
    ::std::option::Option::None => {{
        {skip}
    }}
}}",
                    write(json, "inner")
                ),
                Kind::Versioned(base) if map_mode => format!(
                    "if !{base}::is_absent(&value.{n}) {{\n    {}\n}}",
                    write(json, &value)
                ),
                Kind::Versioned(base) => format!(
                    "if {base}::is_absent(&value.{n}) {{\n    {skip}\n}} else {{\n    {}\n}}",
                    write(json, &value)
                ),
            };
            block(&mut o, 2, &stmt);
        }
        block(&mut o, 1, "    ::std::result::Result::Ok(())\n}");
    }

    if !map_mode {
        let optional: Vec<&Wide> = fields
            .iter()
            .filter(|f| !matches!(f.kind, Kind::Required))
            .collect();
        for (c, chunk) in optional.chunks(CHUNK).enumerate() {
            chain(
                &mut o,
                &format!("fn present_{c}(value: &{name}) -> usize {{"),
                "+",
                chunk.iter().map(|f| match &f.kind {
                    Kind::Versioned(base) => {
                        format!("usize::from(!{base}::is_absent(&value.{}))", f.name)
                    }
                    _ => format!("usize::from(value.{}.is_some())", f.name),
                }),
            );
        }
    }

    for (c, chunk) in fields.chunks(CHUNK).enumerate() {
        // One field: still a `match`, like every chunk.
        block(
            &mut o,
            1,
            &format!(
                "#[allow(clippy::single_match)]
fn store_{c}<'de, A: {serde}::de::MapAccess<'de>>(
    slots: &mut Slots,
    index: usize,
    map: &mut A,
) -> ::std::result::Result<(), A::Error> {{
    match index {{"
            ),
        );
        for (j, f) in chunk.iter().enumerate() {
            let i = c * CHUNK + j;
            let (slot, json) = (&f.slot, &f.json);
            let arm = match &f.unique {
                Some(r) => format!(
                    "{i} => {rt}::serde_helpers::fill_with::<{r}, A>(&mut slots.{slot}, {json}, map)?,"
                ),
                None => format!("{i} => {rt}::serde_helpers::fill(&mut slots.{slot}, {json}, map)?,"),
            };
            block(&mut o, 3, &arm);
        }
        block(
            &mut o,
            1,
            "        _ => {}
    }
    ::std::result::Result::Ok(())
}",
        );
    }
    o.push_str("};\n");
    o
}

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

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use super::{ident, Cx};
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
    Versioned(TokenStream),
}

struct Wide {
    /// Rust field name.
    name: Ident,
    /// Name in the slots of the decoder.
    slot: Ident,
    json: String,
    kind: Kind,
    /// The type read from the wire for this field.
    read: TokenStream,
    /// How it is read when it holds a map (`events_rt::unique`), else `None`.
    unique: Option<TokenStream>,
    /// The field's type in the struct.
    ty: TokenStream,
}

fn field_ident(f: &Field) -> Ident {
    if f.raw {
        Ident::new_raw(&f.rust_name, Span::call_site())
    } else {
        ident(&f.rust_name)
    }
}

fn lit(i: usize) -> Literal {
    Literal::usize_unsuffixed(i)
}

/// `Serialize`, `Deserialize`, `PartialEq` (and `Eq` when the type allows it) of a wide
/// struct, in an anonymous `const` block.
pub(super) fn impls(cx: &Cx<'_>, def: &TypeDef, s: &Struct, owner: &TokenStream) -> TokenStream {
    let rt = cx.rt;
    let serde = quote!(#rt::__private::serde);
    let name = ident(&def.name);
    let name_str = def.name.as_str();
    let expecting = format!("struct {name_str}");
    let deny = cx.strict && s.closed && s.extra.is_none();
    let fields: Vec<Wide> = s
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut ty = cx.ty(&f.ty, owner);
            if f.boxed {
                ty = quote!(::std::boxed::Box<#ty>);
            }
            let (kind, read) = match (f.required, f.nullable) {
                (false, _) if f.versioned => {
                    let base = match &f.ty {
                        Ty::Named(n) => {
                            let n = ident(n);
                            quote!(#n)
                        }
                        _ => quote!(#rt::Version),
                    };
                    (Kind::Versioned(base), ty)
                }
                (true, _) if f.versioned => (Kind::Required, ty),
                (true, false) => (Kind::Required, ty),
                (true, true) => (Kind::Required, quote!(::std::option::Option<#ty>)),
                (false, false) => (Kind::Present, ty),
                (false, true) => (Kind::DoubleOption, quote!(::std::option::Option<#ty>)),
            };
            let unique = cx.field_read(f, owner).map(|r| match (&kind, f.nullable) {
                (Kind::Required | Kind::DoubleOption, true) => {
                    quote!(#rt::unique::OptionOf<#r>)
                }
                _ => r,
            });
            let ty = match kind {
                Kind::Present | Kind::DoubleOption => quote!(::std::option::Option<#read>),
                Kind::Required | Kind::Versioned(_) => read.clone(),
            };
            Wide {
                name: field_ident(f),
                slot: ident(&format!("f{i}")),
                json: f.json_name.clone(),
                kind,
                read,
                unique,
                ty,
            }
        })
        .collect();

    // Names: declaration order (for errors and `deserialize_struct`), and sorted by wire
    // name with their index (for the binary search of `FieldKeys`).
    let names = fields.iter().map(|f| &f.json);
    let mut sorted: Vec<(&str, usize)> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.json.as_str(), i))
        .collect();
    sorted.sort_unstable();
    let keys = sorted.iter().map(|(n, i)| {
        let i = lit(*i);
        quote!((#n, #i))
    });
    let count = lit(fields.len());

    // Decoding: one slot per field, filled by chunked store functions.
    let slots = fields.iter().map(|f| {
        let (slot, read) = (&f.slot, &f.read);
        quote!(#slot: ::std::option::Option<#read>,)
    });
    let mut store_fns = Vec::new();
    let mut store_arms = Vec::new();
    for (c, chunk) in fields.chunks(CHUNK).enumerate() {
        let f_name = ident(&format!("store_{c}"));
        let arms = chunk.iter().enumerate().map(|(j, f)| {
            let i = lit(c * CHUNK + j);
            let (slot, json) = (&f.slot, &f.json);
            match &f.unique {
                Some(r) => quote!(#i => #rt::serde_helpers::fill_with::<#r, A>(&mut slots.#slot, #json, map)?,),
                None => quote!(#i => #rt::serde_helpers::fill(&mut slots.#slot, #json, map)?,),
            }
        });
        store_fns.push(quote! {
            // One field: still a `match`, like every chunk.
            #[allow(clippy::single_match)]
            fn #f_name<'de, A: #serde::de::MapAccess<'de>>(
                slots: &mut Slots,
                index: usize,
                map: &mut A,
            ) -> ::std::result::Result<(), A::Error> {
                match index {
                    #(#arms)*
                    _ => {}
                }
                ::std::result::Result::Ok(())
            }
        });
        let c_lit = lit(c);
        store_arms.push(quote!(#c_lit => #f_name(slots, index, map),));
    }
    let chunk_lit = lit(CHUNK);
    // The decoded fields are moved into the struct by chunks: a part per chunk (a struct
    // of its fields) is built from the slots, with an early return on a missing field;
    // the struct is then built from the parts, which cannot fail. (One function building
    // the whole struct with an early return per field makes LLVM's time superlinear.)
    let mut part_items = Vec::new();
    let mut part_lets = Vec::new();
    let mut finish_fields = Vec::new();
    for (c, chunk) in fields.chunks(CHUNK).enumerate() {
        let part = ident(&format!("Part{c}"));
        let part_var = ident(&format!("part{c}"));
        let f_name = ident(&format!("finish_{c}"));
        let decls = chunk.iter().map(|f| {
            let (slot, ty) = (&f.slot, &f.ty);
            quote!(#slot: #ty,)
        });
        let inits = chunk.iter().map(|f| {
            let (slot, json) = (&f.slot, &f.json);
            match &f.kind {
                Kind::Required => {
                    quote!(#slot: #rt::serde_helpers::required(slots.#slot.take(), #json)?,)
                }
                Kind::Present | Kind::DoubleOption => quote!(#slot: slots.#slot.take(),),
                Kind::Versioned(base) => {
                    quote!(#slot: ::std::option::Option::unwrap_or_else(slots.#slot.take(), #base::absent),)
                }
            }
        });
        part_items.push(quote! {
            struct #part {
                #(#decls)*
            }
            fn #f_name<E: #serde::de::Error>(slots: &mut Slots) -> ::std::result::Result<#part, E> {
                ::std::result::Result::Ok(#part {
                    #(#inits)*
                })
            }
        });
        part_lets.push(quote!(let #part_var = #f_name(&mut slots)?;));
        for f in chunk {
            let (name, slot) = (&f.name, &f.slot);
            finish_fields.push(quote!(#name: #part_var.#slot,));
        }
    }
    let extra_ty = s.extra.as_ref().map(|t| cx.ty(t, owner));
    let extra_read = s.extra.as_ref().map(|t| cx.read_of(t, owner));
    let (extra_param, extra_init, extra_field, extra_arg) = match &extra_ty {
        Some(t) => (
            quote!(extra: ::std::collections::BTreeMap<::std::string::String, #t>,),
            quote!(let mut extra = ::std::collections::BTreeMap::new();),
            quote!(extra,),
            quote!(extra),
        ),
        None => (quote!(), quote!(), quote!(), quote!()),
    };
    let unknown = match &extra_ty {
        Some(t) => quote! {
            let value: #t = map.next_value_seed(#rt::unique::Seed::<#extra_read>::new())?;
            match extra.entry(key) {
                ::std::collections::btree_map::Entry::Vacant(entry) => {
                    entry.insert(value);
                }
                ::std::collections::btree_map::Entry::Occupied(entry) => {
                    return ::std::result::Result::Err(#rt::serde_helpers::duplicate_key(entry.key()));
                }
            }
        },
        None => quote! {
            let _ = key;
            map.next_value::<#serde::de::IgnoredAny>()?;
        },
    };
    let closed = if deny {
        quote!(::std::option::Option::Some(FIELDS))
    } else {
        quote!(::std::option::Option::None)
    };
    let deserialize_call = if extra_ty.is_some() {
        quote!(#serde::Deserializer::deserialize_map(deserializer, Visitor))
    } else {
        quote!(#serde::Deserializer::deserialize_struct(deserializer, #name_str, FIELDS, Visitor))
    };

    // Encoding: a struct, or a map when extra properties follow the fields.
    let map_mode = extra_ty.is_some();
    let (state_trait, state_end) = if map_mode {
        (
            quote!(#serde::ser::SerializeMap),
            quote!(#serde::ser::SerializeMap::end(state)),
        )
    } else {
        (
            quote!(#serde::ser::SerializeStruct),
            quote!(#serde::ser::SerializeStruct::end(state)),
        )
    };
    // `state` is a generic `S: SerializeStruct` (or `SerializeMap`): its methods need no
    // import.
    let write = |json: &str, value: TokenStream| {
        if map_mode {
            quote!(state.serialize_entry(#json, #value)?;)
        } else {
            quote!(state.serialize_field(#json, #value)?;)
        }
    };
    let skip = |json: &str| {
        if map_mode {
            quote!()
        } else {
            quote!(state.skip_field(#json)?;)
        }
    };
    let mut ser_fns = Vec::new();
    let mut ser_calls = Vec::new();
    for (c, chunk) in fields.chunks(CHUNK).enumerate() {
        let f_name = ident(&format!("serialize_{c}"));
        let stmts = chunk.iter().map(|f| {
            let (name, json) = (&f.name, f.json.as_str());
            match &f.kind {
                Kind::Required => write(json, quote!(&value.#name)),
                Kind::Present if map_mode => {
                    let w = write(json, quote!(&value.#name));
                    quote!(if value.#name.is_some() { #w })
                }
                Kind::Present => {
                    let (w, k) = (write(json, quote!(&value.#name)), skip(json));
                    quote!(if value.#name.is_some() { #w } else { #k })
                }
                Kind::DoubleOption if map_mode => {
                    let w = write(json, quote!(inner));
                    quote!(if let ::std::option::Option::Some(inner) = &value.#name { #w })
                }
                Kind::DoubleOption => {
                    let (w, k) = (write(json, quote!(inner)), skip(json));
                    quote! {
                        match &value.#name {
                            ::std::option::Option::Some(inner) => { #w }
                            ::std::option::Option::None => { #k }
                        }
                    }
                }
                Kind::Versioned(base) if map_mode => {
                    let w = write(json, quote!(&value.#name));
                    quote!(if !#base::is_absent(&value.#name) { #w })
                }
                Kind::Versioned(base) => {
                    let (w, k) = (write(json, quote!(&value.#name)), skip(json));
                    quote!(if #base::is_absent(&value.#name) { #k } else { #w })
                }
            }
        });
        ser_fns.push(quote! {
            fn #f_name<S: #state_trait>(value: &#name, state: &mut S) -> ::std::result::Result<(), S::Error> {
                #(#stmts)*
                ::std::result::Result::Ok(())
            }
        });
        ser_calls.push(quote!(#f_name(self, &mut state)?;));
    }
    // The length `serialize_struct` is given: the required fields and the optional ones
    // present, counted in chunks.
    let required = fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::Required))
        .count();
    let optional: Vec<&Wide> = fields
        .iter()
        .filter(|f| !matches!(f.kind, Kind::Required))
        .collect();
    let mut len_fns = Vec::new();
    let mut len_calls = Vec::new();
    for (c, chunk) in optional.chunks(CHUNK).enumerate() {
        let f_name = ident(&format!("present_{c}"));
        let checks = chunk.iter().map(|f| {
            let name = &f.name;
            match &f.kind {
                Kind::Versioned(base) => quote!(usize::from(!#base::is_absent(&value.#name))),
                _ => quote!(usize::from(value.#name.is_some())),
            }
        });
        len_fns.push(quote! {
            fn #f_name(value: &#name) -> usize {
                #(#checks)+*
            }
        });
        len_calls.push(quote!(+ #f_name(self)));
    }
    let required = lit(required);
    let begin = if map_mode {
        quote!(let mut state = #serde::Serializer::serialize_map(serializer, ::std::option::Option::None)?;)
    } else {
        quote! {
            let len: usize = #required #(#len_calls)*;
            let mut state = #serde::Serializer::serialize_struct(serializer, #name_str, len)?;
        }
    };
    let write_extra = extra_ty.as_ref().map(|_| {
        quote! {
            for (key, value) in &self.extra {
                #serde::ser::SerializeMap::serialize_entry(&mut state, key, value)?;
            }
        }
    });
    let len_fns = if map_mode { Vec::new() } else { len_fns };

    // Equality, in chunks.
    let mut eq_fns = Vec::new();
    let mut eq_calls = Vec::new();
    for (c, chunk) in fields.chunks(CHUNK).enumerate() {
        let f_name = ident(&format!("eq_{c}"));
        let terms = chunk.iter().map(|f| {
            let name = &f.name;
            quote!(a.#name == b.#name)
        });
        eq_fns.push(quote! {
            fn #f_name(a: &#name, b: &#name) -> bool {
                #(#terms)&&*
            }
        });
        eq_calls.push(quote!(#f_name(self, other)));
    }
    if extra_ty.is_some() {
        eq_calls.push(quote!(self.extra == other.extra));
    }
    // An object of no properties (`{"type": "object", "additionalProperties": false}`).
    if eq_calls.is_empty() {
        eq_calls.push(quote!(true));
    }
    let eq_marker = def
        .caps
        .eq
        .then(|| quote!(impl ::std::cmp::Eq for #name {}));

    let names: Vec<&String> = names.collect();
    let keys: Vec<TokenStream> = keys.collect();
    let slots: Vec<TokenStream> = slots.collect();

    // An object of no properties reads and writes nothing: its helpers' parameters and
    // `mut`s go unused.
    let allow_empty = fields
        .is_empty()
        .then(|| quote!(#[allow(unused_variables, unused_mut, clippy::match_single_binding)]));
    quote! {
        // Written out rather than derived: the struct is too wide for the derives (see
        // `events_codegen`'s `WIDE_STRUCT`), or is one of a catalog taken as it is; the
        // helpers work by chunks of fields.
        #allow_empty
        const _: () = {
            impl ::std::cmp::PartialEq for #name {
                fn eq(&self, other: &Self) -> bool {
                    #(#eq_calls)&&*
                }
            }
            #eq_marker

            impl #serde::Serialize for #name {
                fn serialize<S: #serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                    #begin
                    #(#ser_calls)*
                    #write_extra
                    #state_end
                }
            }

            impl<'de> #serde::Deserialize<'de> for #name {
                fn deserialize<D: #serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                    #deserialize_call
                }
            }

            /// Wire names in declaration order.
            const FIELDS: &[&str; #count] = &[#(#names),*];
            /// Wire names sorted, with their index in `FIELDS`.
            const KEYS: &[(&str, usize); #count] = &[#(#keys),*];

            /// What the decoder has read so far, one slot per field.
            #[derive(Default)]
            struct Slots {
                #(#slots)*
            }

            struct Visitor;

            impl<'de> #serde::de::Visitor<'de> for Visitor {
                type Value = #name;

                fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(#expecting)
                }

                fn visit_map<A: #serde::de::MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<#name, A::Error> {
                    let mut slots = <Slots as ::std::default::Default>::default();
                    #extra_init
                    while let ::std::option::Option::Some(key) =
                        map.next_key_seed(#rt::serde_helpers::FieldKeys { keys: KEYS, closed: #closed })?
                    {
                        match key {
                            #rt::serde_helpers::FieldKey::Known(index) => store(&mut slots, index, &mut map)?,
                            #rt::serde_helpers::FieldKey::Unknown(key) => {
                                #unknown
                            }
                        }
                    }
                    finish(slots, #extra_arg)
                }
            }

            fn store<'de, A: #serde::de::MapAccess<'de>>(
                slots: &mut Slots,
                index: usize,
                map: &mut A,
            ) -> ::std::result::Result<(), A::Error> {
                match index / #chunk_lit {
                    #(#store_arms)*
                    _ => ::std::result::Result::Ok(()),
                }
            }

            fn finish<E: #serde::de::Error>(mut slots: Slots, #extra_param) -> ::std::result::Result<#name, E> {
                #(#part_lets)*
                ::std::result::Result::Ok(#name {
                    #(#finish_fields)*
                    #extra_field
                })
            }

            #(#part_items)*
            #(#eq_fns)*
            #(#ser_fns)*
            #(#len_fns)*
            #(#store_fns)*
        };
    }
}

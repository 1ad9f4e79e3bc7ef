//! Schema-first code generation for event contracts.
//!
//! A directory of JSON Schema files (one per event type and major version, plus an
//! envelope schema and shared definitions) becomes Rust types: one struct per event,
//! an `EventType` enum and an `Event` enum that dispatches JSON payloads on their type.
//!
//! ```no_run
//! // in build.rs, inside `fn main()`:
//! if let Err(e) = events_codegen::Config::new().compile("../schemas") {
//!     panic!("{e}");
//! }
//! ```
//!
//! The pipeline has three stages in three modules: [`schema`] loads and checks files,
//! [`ir`] is the checked model (built by `convert`), and `emit` writes tokens.

pub mod cloudevents;
mod convert;
mod doc;
mod emit;
pub mod error;
mod ident;
pub mod ir;
mod lint;
mod load;
pub mod schema;
pub mod span;
pub mod upcast;
pub mod walk;

use std::fs;
use std::path::{Path, PathBuf};

pub use convert::{MAX_PROPERTIES, WIDE_STRUCT};
pub use error::{Error, Errors, Loc};
pub use load::load_with_catalog;
pub use schema::SchemaSet;

/// Code generation settings, in the style of `prost_build::Config`.
#[derive(Debug, Clone)]
pub struct Config {
    runtime: String,
    strict: bool,
    out_dir: Option<PathBuf>,
    file_name: String,
    manual_upcasts: Vec<(String, u32)>,
    type_attrs: Vec<(String, String)>,
    field_attrs: Vec<(String, String)>,
    externs: Vec<(String, String)>,
    field_maps: Option<bool>,
    json_schema: bool,
    base_uri: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// Defaults: runtime at `::events_rt`, tolerant decoding, output `events.rs` in `OUT_DIR`.
    pub fn new() -> Self {
        Self {
            runtime: "::events_rt".to_owned(),
            strict: false,
            out_dir: None,
            file_name: "events.rs".to_owned(),
            manual_upcasts: Vec::new(),
            type_attrs: Vec::new(),
            field_attrs: Vec::new(),
            externs: Vec::new(),
            field_maps: None,
            json_schema: false,
            base_uri: None,
        }
    }

    /// [`Config::generate_types`]: the address the schema directory is published at
    /// (`https://example.com/schemas/`). A file `a/b.json` then also answers to
    /// `https://example.com/schemas/a/b.json`, so `$ref`s to that address resolve to it, as
    /// they would for a validator that retrieves them; nothing is fetched.
    pub fn base_uri(&mut self, uri: impl Into<String>) -> &mut Self {
        self.base_uri = Some(uri.into());
        self
    }

    /// Path of the `events-rt` crate as seen from the generated code.
    pub fn runtime_path(&mut self, path: impl Into<String>) -> &mut Self {
        self.runtime = path.into();
        self
    }

    /// Strict decoding: structs of closed schemas (`additionalProperties: false`) reject
    /// unknown fields instead of ignoring them. Off by default, so that an old consumer keeps
    /// working when a producer adds a field.
    pub fn strict_unknown_fields(&mut self, strict: bool) -> &mut Self {
        self.strict = strict;
        self
    }

    /// Where [`Config::compile`] writes; defaults to `$OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Name of the generated file; defaults to `events.rs`.
    pub fn file_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.file_name = name.into();
        self
    }

    /// Declares that the conversion from major `from_major` of `event_type` to the next major
    /// is written by hand (`impl From<OrderConfirmedV1> for OrderConfirmedV2` in the crate
    /// that includes the generated code), for a change the generator cannot convert
    /// mechanically. Without it such a step is a generated `TryFrom` that fails with
    /// `events_rt::UpcastError` at run time, and the build prints a warning naming it.
    ///
    /// ```no_run
    /// // build.rs
    /// events_codegen::Config::new()
    ///     .manual_upcast("order.confirmed", 1)
    ///     .compile("../schemas")
    ///     .unwrap();
    /// ```
    pub fn manual_upcast(&mut self, event_type: impl Into<String>, from_major: u32) -> &mut Self {
        self.manual_upcasts.push((event_type.into(), from_major));
        self
    }

    /// Adds attributes to generated types, as `prost_build::Config::type_attribute` does.
    ///
    /// `path` is a generated type name (`OrderItem`, `OrderConfirmedV1`, `Event`,
    /// `EventType`, `Envelope`), an event type (`order.confirmed`: the structs of all its
    /// major versions), or `*` for every generated type. `attribute` is one or more outer
    /// attributes (`#[derive(PartialOrd)]`). A path that matches nothing is a build warning.
    ///
    /// ```no_run
    /// events_codegen::Config::new()
    ///     .type_attribute("*", "#[non_exhaustive]")
    ///     .type_attribute("order.confirmed", "#[derive(schemars::JsonSchema)]")
    ///     .compile("../schemas")
    ///     .unwrap();
    /// ```
    pub fn type_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.type_attrs.push((path.into(), attribute.into()));
        self
    }

    /// Adds attributes to generated struct fields: `path` is `Type.field`, where `Type` is as
    /// in [`Config::type_attribute`] (the last dot separates the field, so
    /// `order.confirmed.buyer_id` works) and `field` is the JSON or the Rust field name.
    ///
    /// ```no_run
    /// events_codegen::Config::new()
    ///     .field_attribute("*.buyer_id", "#[deprecated(note = \"moved to the user service\")]")
    ///     .compile("../schemas")
    ///     .unwrap();
    /// ```
    pub fn field_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.field_attrs.push((path.into(), attribute.into()));
        self
    }

    /// Uses an existing Rust type for a schema instead of generating one, as
    /// `prost_build::Config::extern_path` does. `schema` is `file.json#/json/pointer` relative
    /// to the schema directory and must be a schema that becomes a named type (an object,
    /// an enum or a union); `rust_path` must implement `Debug`, `Clone`, `PartialEq` and
    /// serde's traits with the same JSON shape.
    ///
    /// ```no_run
    /// events_codegen::Config::new()
    ///     .extern_path("common/order.json#/$defs/OrderItem", "::my_shop::OrderLine")
    ///     .compile("../schemas")
    ///     .unwrap();
    /// ```
    pub fn extern_path(
        &mut self,
        schema: impl Into<String>,
        rust_path: impl Into<String>,
    ) -> &mut Self {
        self.externs.push((schema.into(), rust_path.into()));
        self
    }

    /// Whether `Event` gets the Redis Streams field-map entry points (`from_redis_fields`,
    /// `to_redis_fields`). By default it does when an event of the set names a `stream`, and
    /// does not for a set of topics only (Kafka, RabbitMQ).
    pub fn field_maps(&mut self, enabled: bool) -> &mut Self {
        self.field_maps = Some(enabled);
        self
    }

    /// Every generated type derives `schemars::JsonSchema`, through the runtime's
    /// re-export (`events_rt::__private::schemars`, feature `schemars` of `events-rt`), and
    /// `Event::json_schema_for(event_type, major)` returns each event's derived schema: for
    /// services that put the contracts into their OpenAPI documents. `events-types` turns
    /// it on with its `schemars` feature.
    pub fn json_schema(&mut self, enabled: bool) -> &mut Self {
        self.json_schema = enabled;
        self
    }

    /// Loads, checks and converts a schema directory into Rust source, in memory.
    pub fn generate(&self, schemas: impl AsRef<Path>) -> Result<String, Errors> {
        let set = SchemaSet::load(schemas.as_ref())?;
        self.generate_set(&set)
    }

    /// Like [`Config::generate`] for an already loaded set.
    pub fn generate_set(&self, set: &SchemaSet) -> Result<String, Errors> {
        self.generate_with_warnings(set).map(|(code, _)| code)
    }

    /// Like [`Config::generate_set`], plus the warnings a build should show (conversions
    /// between major versions that must be written by hand, and where).
    pub fn generate_with_warnings(&self, set: &SchemaSet) -> Result<(String, Vec<String>), Errors> {
        let runtime = self.runtime_path_parsed()?;
        let catalog = convert::build_with(set, &self.externs).map_err(Errors::with_positions)?;
        let (type_attrs, field_attrs, mut warnings) = self.attributes(&catalog)?;
        if set.is_foreign() {
            warnings.extend(
                convert::foreign::renamed_fields(&catalog)
                    .iter()
                    .map(ToString::to_string),
            );
        }
        let conversions = upcast::conversions(&catalog);
        let manual = |c: &upcast::Conversion| {
            self.manual_upcasts
                .iter()
                .any(|(t, m)| *t == c.event_type && *m == c.from_major)
        };
        warnings.extend(conversions
            .iter()
            .filter(|c| !manual(c))
            .filter_map(|c| {
                let reason = c.plan.as_ref().err()?;
                Some(format!(
                    "no conversion {} -> {}: {reason}; `Event::upcast` returns `UpcastError` for it until you write `impl From<{}> for {}` in the crate that includes the generated code (events-types: src/upcast.rs) and call `Config::manual_upcast({:?}, {})` in build.rs",
                    c.from, c.to, c.from, c.to, c.event_type, c.from_major
                ))
            }));
        for (t, m) in &self.manual_upcasts {
            if !conversions
                .iter()
                .any(|c| c.event_type == *t && c.from_major == *m)
            {
                warnings.push(format!(
                    "Config::manual_upcast({t:?}, {m}): the catalog has no major {} of {t:?} to convert to",
                    m + 1
                ));
            }
        }
        let code = emit::file(
            &catalog,
            &emit::Options {
                runtime,
                // As in `generate_types`: a union of closed objects of a foreign catalog
                // needs them to refuse unknown fields to pick the right member.
                strict: self.strict || set.is_foreign(),
                manual_upcasts: self.manual_upcasts.clone(),
                type_attrs,
                field_attrs,
                json_schema: self.json_schema,
                written_serde: set.is_foreign(),
                cloudevents: cloudevents::CloudEventMapping::of(set),
                field_maps: self.field_maps.unwrap_or_else(|| {
                    set.events
                        .iter()
                        .any(|e| e.channel_kind == schema::ChannelKind::Stream)
                }),
            },
            &conversions,
        );
        Ok((code, warnings))
    }

    /// The types-only route (the use case of typify): Rust types for any directory of JSON
    /// Schema files (draft-04, draft-07, 2019-09, 2020-12; files without `$schema` read as 2020-12),
    /// with no envelope, events or `x-` metadata of ours. One type per file root (named from
    /// its `title`, else its file name) and per definition it reaches; a file of
    /// definitions only gets each of its definitions.
    ///
    /// Closed objects (`additionalProperties: false`) always refuse unknown fields here
    /// (`deny_unknown_fields`), whatever [`Config::strict_unknown_fields`] says: a union of
    /// objects (`oneOf`) decodes the member the document is only so.
    pub fn generate_types(&self, schemas: impl AsRef<Path>) -> Result<Types, Errors> {
        let reading = schema::Reading {
            dialect: schema::Dialect::default(),
            base_uri: self.base_uri.clone(),
        };
        let set = SchemaSet::load_types(schemas.as_ref(), &reading)?;
        let runtime = self.runtime_path_parsed()?;
        let (catalog, roots) = convert::build_types(&set).map_err(Errors::with_positions)?;
        let (type_attrs, field_attrs, mut warnings) = self.attributes(&catalog)?;
        warnings.splice(0..0, set.warnings().iter().map(ToString::to_string));
        warnings.extend(
            convert::foreign::renamed_fields(&catalog)
                .iter()
                .map(ToString::to_string),
        );
        let code = emit::types_file(
            &catalog,
            &roots,
            &emit::Options {
                runtime,
                // A closed object (`additionalProperties: false`) refuses unknown fields:
                // a union of such objects needs it to pick the member the document is,
                // not the first whose required fields it happens to have.
                strict: true,
                manual_upcasts: Vec::new(),
                type_attrs,
                field_attrs,
                field_maps: false,
                json_schema: self.json_schema,
                written_serde: true,
                cloudevents: None,
            },
        );
        let type_map = roots.into_iter().map(|r| (r.rel, r.name)).collect();
        Ok(Types {
            code,
            type_map,
            warnings,
            files: set.files().map(|d| d.path.clone()).collect(),
        })
    }

    /// [`Config::generate_types`] in a build script: writes the code to the output
    /// directory (only when it changed), with `cargo:rerun-if-changed` for every file and
    /// the warnings as cargo warnings.
    pub fn compile_types(&self, schemas: impl AsRef<Path>) -> Result<PathBuf, BuildError> {
        let schemas = schemas.as_ref();
        println!("cargo:rerun-if-changed={}", schemas.display());
        let types = self.generate_types(schemas)?;
        for f in &types.files {
            println!("cargo:rerun-if-changed={}", f.display());
        }
        for w in &types.warnings {
            println!("cargo:warning={w}");
        }
        self.write_out(&types.code)
    }

    fn runtime_path_parsed(&self) -> Result<syn::Path, Errors> {
        syn::parse_str(&self.runtime).map_err(|e| {
            Errors::from(Error::new(
                Loc::file(&"Config::runtime_path".into()),
                format!("{:?} is not a Rust path: {e}", self.runtime),
            ))
        })
    }

    /// Writes generated code to the output directory, unless it is already there.
    fn write_out(&self, code: &str) -> Result<PathBuf, BuildError> {
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => PathBuf::from(std::env::var_os("OUT_DIR").ok_or(BuildError::NoOutDir)?),
        };
        let path = out_dir.join(&self.file_name);
        if fs::read_to_string(&path).ok().as_deref() != Some(code) {
            fs::write(&path, code).map_err(|source| BuildError::Write {
                path: path.clone(),
                source,
            })?;
        }
        Ok(path)
    }

    /// Parses the attributes of `type_attribute` / `field_attribute`, with a warning for each
    /// path that names no generated type.
    #[allow(clippy::type_complexity)]
    fn attributes(
        &self,
        catalog: &ir::Catalog,
    ) -> Result<
        (
            Vec<(String, proc_macro2::TokenStream)>,
            Vec<(String, String, proc_macro2::TokenStream)>,
            Vec<String>,
        ),
        Errors,
    > {
        use syn::parse::Parser;
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let known = |path: &str| {
            path == "*"
                || path == "Event"
                || path == "EventType"
                || catalog.types.contains_key(path)
                || catalog.events.iter().any(|e| e.def.event_type == path)
        };
        let parse = |errors: &mut Vec<Error>, what: &str, path: &str, attr: &str| {
            match syn::Attribute::parse_outer.parse_str(attr) {
                Ok(attrs) => Some(quote::quote!(#(#attrs)*)),
                Err(e) => {
                    errors.push(Error::new(
                        Loc::file(&format!("Config::{what}").into()).join(path),
                        format!("{attr:?} is not an outer attribute (`#[...]`): {e}"),
                    ));
                    None
                }
            }
        };
        let mut types = Vec::new();
        for (path, attr) in &self.type_attrs {
            if !known(path) {
                warnings.push(format!(
                    "Config::type_attribute({path:?}): no generated type matches"
                ));
            }
            if let Some(tokens) = parse(&mut errors, "type_attribute", path, attr) {
                types.push((path.clone(), tokens));
            }
        }
        let mut fields = Vec::new();
        for (path, attr) in &self.field_attrs {
            let Some((ty, field)) = path.rsplit_once('.') else {
                errors.push(
                    Error::new(
                        Loc::file(&"Config::field_attribute".into()).join(path),
                        "expected `Type.field`",
                    )
                    .hint("e.g. \"OrderItem.quantity\" or \"*.buyer_id\""),
                );
                continue;
            };
            let matches = known(ty)
                && catalog.types.values().any(|d| {
                    (ty == "*" || d.name == ty || catalog.events.iter().any(|e| e.def.event_type == ty && e.struct_name == d.name))
                        && matches!(&d.kind, ir::TypeKind::Struct(s) if s.fields.iter().any(|f| f.json_name == field || f.rust_name == field))
                });
            if !matches {
                warnings.push(format!(
                    "Config::field_attribute({path:?}): no generated field matches"
                ));
            }
            if let Some(tokens) = parse(&mut errors, "field_attribute", path, attr) {
                fields.push((ty.to_owned(), field.to_owned(), tokens));
            }
        }
        if errors.is_empty() {
            Ok((types, fields, warnings))
        } else {
            Err(Errors::from(errors))
        }
    }

    /// Generates the code for a schema directory and writes it to the output directory,
    /// printing `cargo:rerun-if-changed` for the directory and every schema file.
    /// The file is rewritten only when its content changed.
    pub fn compile(&self, schemas: impl AsRef<Path>) -> Result<PathBuf, BuildError> {
        let schemas = schemas.as_ref();
        println!("cargo:rerun-if-changed={}", schemas.display());
        let set = SchemaSet::load(schemas);
        if let Ok(set) = &set {
            for doc in set.files() {
                println!("cargo:rerun-if-changed={}", doc.path.display());
            }
            for w in set.warnings() {
                println!("cargo:warning={w}");
            }
        }
        let (code, warnings) = self.generate_with_warnings(&set?)?;
        for w in warnings {
            println!("cargo:warning={w}");
        }
        self.write_out(&code)
    }
}

/// What [`Config::generate_types`] makes of a directory of JSON Schema files.
#[derive(Debug, Clone)]
pub struct Types {
    /// The formatted Rust source.
    pub code: String,
    /// Each schema file (relative to the directory, `/`-separated) → the Rust name of its
    /// root type; `None` for a file of definitions only.
    pub type_map: std::collections::BTreeMap<String, Option<String>>,
    /// What the loader skipped or ignored (vendor keywords, …) and what a build should show.
    pub warnings: Vec<String>,
    /// Every schema file read, for `cargo:rerun-if-changed`.
    pub files: Vec<PathBuf>,
}

/// Builds the checked model (IR) of a loaded set, for tools that need more than the code.
pub fn catalog(set: &SchemaSet) -> Result<ir::Catalog, Errors> {
    convert::build(set)
}

/// Why [`Config::compile`] failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The schemas have errors (each located by file, JSON pointer, line and column).
    #[error("{0}")]
    Schemas(#[from] Errors),
    /// No output directory: `OUT_DIR` is set by cargo for build scripts only.
    #[error("OUT_DIR is not set; call Config::out_dir outside build scripts")]
    NoOutDir,
    /// The generated file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Shortcut for `Config::new().compile(schemas)`.
pub fn compile_schemas(schemas: impl AsRef<Path>) -> Result<PathBuf, BuildError> {
    Config::new().compile(schemas)
}

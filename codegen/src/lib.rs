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

mod convert;
pub mod diff;
mod emit;
pub mod error;
pub mod evolve;
mod ident;
pub mod ir;
mod lint;
pub mod sample;
pub mod schema;
pub mod upcast;
pub mod validate;

use std::fs;
use std::path::{Path, PathBuf};

pub use error::{Error, Errors, Loc};
pub use schema::SchemaSet;

/// Code generation settings, in the style of `prost_build::Config`.
#[derive(Debug, Clone)]
pub struct Config {
    runtime: String,
    strict: bool,
    out_dir: Option<PathBuf>,
    file_name: String,
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
        }
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
        let runtime: syn::Path = syn::parse_str(&self.runtime).map_err(|e| {
            Errors::from(Error::new(
                Loc::file(&"Config::runtime_path".into()),
                format!("{:?} is not a Rust path: {e}", self.runtime),
            ))
        })?;
        let catalog = convert::build(set)?;
        let conversions = upcast::conversions(&catalog);
        let warnings = conversions
            .iter()
            .filter_map(|c| {
                let reason = c.plan.as_ref().err()?;
                Some(format!(
                    "no generated conversion {} -> {}: {reason}; write `impl From<{}> for {}` in the crate that includes the generated code (events-types: src/upcast.rs)",
                    c.from, c.to, c.from, c.to
                ))
            })
            .collect();
        let code = emit::file(
            &catalog,
            &emit::Options {
                runtime,
                strict: self.strict,
            },
            &conversions,
        );
        Ok((code, warnings))
    }

    /// Generates the code for a schema directory and writes it to the output directory,
    /// printing `cargo:rerun-if-changed` for the directory and every schema file.
    /// The file is rewritten only when its content changed.
    pub fn compile(
        &self,
        schemas: impl AsRef<Path>,
    ) -> Result<PathBuf, Box<dyn std::error::Error>> {
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
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => PathBuf::from(
                std::env::var_os("OUT_DIR")
                    .ok_or("OUT_DIR is not set; call out_dir() outside build scripts")?,
            ),
        };
        let path = out_dir.join(&self.file_name);
        if fs::read_to_string(&path).ok().as_deref() != Some(code.as_str()) {
            fs::write(&path, code)?;
        }
        Ok(path)
    }
}

/// Builds the checked model (IR) of a loaded set, for tools that need more than the code.
pub fn catalog(set: &SchemaSet) -> Result<ir::Catalog, Errors> {
    convert::build(set)
}

/// Shortcut for `Config::new().compile(schemas)`.
pub fn compile_schemas(schemas: impl AsRef<Path>) -> Result<PathBuf, Box<dyn std::error::Error>> {
    Config::new().compile(schemas)
}

//! `events generate --out FILE [--check]`: the Rust code the build script would generate,
//! written to a file, or compared with it.

use std::path::{Path, PathBuf};

use events_codegen::Config;

use crate::catalog;
use crate::error::{CliError, Outcome};
use crate::output;

/// Arguments of `events generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// Write nothing: exit 1 when the file differs from what the schemas generate
    /// (stale), 0 when it is up to date. For CI.
    #[arg(long)]
    check: bool,
    /// Closed schemas reject unknown fields in typed decoding.
    #[arg(long)]
    strict: bool,
    /// Path of the runtime crate in the generated code.
    #[arg(long, default_value = "::events_rt")]
    runtime: String,
    /// Types only, for any directory of JSON Schema files (draft-04, draft-07, 2019-09, 2020-12)
    /// without our `x-event` metadata: one Rust type per file root and per definition
    /// it reaches, no `Event` dispatch.
    #[arg(long)]
    types_only: bool,
    /// With `--types-only`: write a JSON object from each schema file (relative to the
    /// directory) to the name of its root type (`null` for a file of definitions only).
    #[arg(long, requires = "types_only", value_name = "MAP.json")]
    type_map: Option<PathBuf>,
    /// With `--types-only`: the address the directory is published at
    /// (`https://example.com/schemas/`); `$ref`s to `URI/a/b.json` resolve to the file
    /// `a/b.json`. Nothing is fetched.
    #[arg(long, requires = "types_only", value_name = "URI")]
    base_uri: Option<String>,
    /// The schema directory (default: `--schemas`).
    dir: Option<PathBuf>,
}

/// Runs the command; `schemas` is `--schemas`.
pub fn run(schemas: &Path, args: Args) -> Result<Outcome, CliError> {
    let Args {
        out,
        check,
        strict,
        runtime,
        types_only,
        type_map,
        base_uri,
        dir,
    } = args;
    let dir = dir.unwrap_or_else(|| schemas.to_path_buf());
    let mut config = Config::new();
    config.strict_unknown_fields(strict).runtime_path(runtime);
    if let Some(uri) = base_uri {
        config.base_uri(uri);
    }
    let code = if types_only {
        let types = config.generate_types(&dir).map_err(CliError::Schema)?;
        for w in &types.warnings {
            output::warning(w);
        }
        if let (Some(path), false) = (&type_map, check) {
            let mut text = serde_json::to_string_pretty(&types.type_map)
                .map_err(|e| CliError::input(e.to_string()))?;
            text.push('\n');
            std::fs::write(path, text)
                .map_err(|e| CliError::input(format!("cannot write {}: {e}", path.display())))?;
        }
        types.code
    } else {
        let set = catalog::load(&dir)?;
        config.generate_set(&set).map_err(CliError::Schema)?
    };
    if check {
        let current = std::fs::read_to_string(&out).unwrap_or_default();
        if current == code {
            return Ok(Outcome::Success);
        }
        let line = current
            .lines()
            .zip(code.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| current.lines().count().min(code.lines().count()))
            + 1;
        return Err(CliError::Finding(format!(
            "stale: {} differs from what the schemas generate (first at line {line}); run `events generate --out {}`",
            out.display(),
            out.display()
        )));
    }
    std::fs::write(&out, code)
        .map_err(|e| CliError::input(format!("cannot write {}: {e}", out.display())))?;
    Ok(Outcome::Success)
}

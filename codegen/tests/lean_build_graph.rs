//! Every consumer of the generated types compiles `events-codegen` as a build dependency:
//! nothing of the checking side (payload validation, the diff engine, JSON Schema
//! validators) may come back into that build graph.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Packages that only the checking side (or the CLI) needs.
const CHECKING_ONLY: &[&str] = &[
    "events-check",
    "jsonschema",
    "referencing",
    "fancy-regex",
    "regex",
    "clap",
    "rayon",
    "glob",
    "indicatif",
];

/// The build graph of `events-types` today has 25 packages (76 before the split); a few
/// more are fine, a regression to a checker-sized graph is not.
const BUDGET: usize = 32;

#[test]
fn events_types_build_graph_has_no_checking_crates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&root)
        .args([
            "tree",
            "--offline",
            "-q",
            "-p",
            "events-types",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let packages: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "events-types")
        .collect();
    let bad: Vec<&&str> = packages
        .iter()
        .filter(|p| CHECKING_ONLY.contains(p))
        .collect();
    assert!(
        bad.is_empty(),
        "the build graph of events-types holds {bad:?}: keep checking code out of events-codegen"
    );
    assert!(
        packages.len() <= BUDGET,
        "{} packages in the build graph of events-types (budget {BUDGET}): {packages:?}",
        packages.len()
    );
}

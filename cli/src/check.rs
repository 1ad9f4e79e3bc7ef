//! `events check --against REF`: refuse schema changes whose version bump is too small.

use std::path::{Path, PathBuf};
use std::process::Command;

use events_check::diff::{Bump, Mode};
use events_check::evolve::{check, load_accepted, AcceptedBreak, EventCheck};
use events_codegen::SchemaSet;
use serde_json::{json, Value};

use crate::error::{CliError, Outcome};
use crate::output;

/// Arguments of `events check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Git revision (`main`, a tag, `HEAD~1`) or a directory holding the old schemas.
    #[arg(long)]
    against: String,
    /// Check every event under this mode instead of its configured one
    /// (none, backward, forward, full, and the *_transitive forms).
    #[arg(long, value_parser = parse_mode)]
    mode: Option<Mode>,
    /// File of accepted breaks (default: `accepted-breaks.json` beside the schema directory).
    #[arg(long)]
    accepted: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    Mode::parse(s).ok_or_else(|| format!("unknown mode {s:?}"))
}

/// Report formats of `events check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// For people.
    Human,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// JUnit XML, one test case per event.
    Junit,
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, CliError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| CliError::Input(format!("cannot run git: {e}")))
}

/// Materializes the schema directory at `rev` (read from git objects) into `into`.
/// Returns false when the directory does not exist at that revision.
fn export(schemas: &Path, rev: &str, into: &Path) -> Result<bool, CliError> {
    let out = git(schemas, &["rev-parse", "--show-prefix"])?;
    if !out.status.success() {
        return Err(CliError::Input(format!(
            "{} is not in a git repository; pass a directory to --against",
            schemas.display()
        )));
    }
    let prefix = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let verify = git(
        schemas,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )?;
    if !verify.status.success() {
        let shallow = git(schemas, &["rev-parse", "--is-shallow-repository"])?;
        let hint = if String::from_utf8_lossy(&shallow.stdout).trim() == "true" {
            " — this is a shallow clone: fetch more history (git fetch --deepen=1, or actions/checkout with fetch-depth: 0)"
        } else {
            ""
        };
        return Err(CliError::Input(format!(
            "git revision {rev:?} not found{hint}"
        )));
    }
    let list = git(
        schemas,
        &[
            "ls-tree",
            "-r",
            "-z",
            "--name-only",
            "--full-tree",
            rev,
            "--",
            &prefix,
        ],
    )?;
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let mut any = false;
    for name in names.iter().filter(|n| n.ends_with(".json")) {
        let blob = git(schemas, &["show", &format!("{rev}:{name}")])?;
        if !blob.status.success() {
            return Err(CliError::Input(format!(
                "cannot read {name} at {rev}: {}",
                String::from_utf8_lossy(&blob.stderr).trim()
            )));
        }
        let rel = name.strip_prefix(&prefix).unwrap_or(name);
        let target = into.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| CliError::Input(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&target, &blob.stdout)
            .map_err(|e| CliError::Input(format!("{}: {e}", target.display())))?;
        any = true;
    }
    Ok(any)
}

/// Earlier revisions (newest first) at which the schema directory changed, up to `rev`.
fn history(schemas: &Path, rev: &str) -> Result<Vec<String>, CliError> {
    let out = git(schemas, &["log", "--format=%H", "-n", "50", rev, "--", "."])?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect())
}

/// Runs the command; returns the exit status.
pub fn run(schemas: &Path, args: &Args) -> Result<Outcome, CliError> {
    let new = SchemaSet::load(schemas).map_err(|e| CliError::Input(e.to_string()))?;
    output::schema_warnings(new.warnings());
    // A foreign catalog loaded through a rule file: the old schemas are read by the same
    // rules (from a directory, a git revision of the catalog directory, or another rule
    // file given to `--against`).
    let rules = new.catalog_rules().cloned().map(std::sync::Arc::new);
    let accepted_path = args.accepted.clone().unwrap_or_else(|| match &rules {
        Some(r) => r
            .path()
            .parent()
            .unwrap_or(Path::new("."))
            .join("accepted-breaks.json"),
        None => schemas.join("../accepted-breaks.json"),
    });
    let load_old = |dir: &Path| match &rules {
        Some(_) if dir.is_file() => SchemaSet::load(dir),
        Some(r) => SchemaSet::load_catalog(r.clone(), dir),
        None => SchemaSet::load_lenient(dir),
    };
    let schemas_dir = rules.as_ref().map(|r| r.schemas_dir());
    let schemas = schemas_dir.as_deref().unwrap_or(schemas);
    let accepted = load_accepted(&accepted_path).map_err(|e| CliError::Input(e.to_string()))?;
    let tmp = tempfile::tempdir()
        .map_err(|e| CliError::Input(format!("cannot make a temporary directory: {e}")))?;
    let against = Path::new(&args.against);
    let old_dir = if against.is_dir() || (rules.is_some() && against.is_file()) {
        against.to_path_buf()
    } else if export(schemas, &args.against, tmp.path())? {
        tmp.path().to_path_buf()
    } else {
        // The schema directory did not exist at that revision: everything is new.
        let text = format!(
            "ok: no schemas at {}; {} events are new\n",
            args.against,
            new.events.len()
        );
        output::stdout(&text)?;
        return Ok(Outcome::Success);
    };
    // Old schemas were accepted by the loader of their time: what today's linter finds in
    // them does not stop the comparison.
    let old = load_old(&old_dir)
        .map_err(|e| CliError::Input(format!("old schemas ({}): {e}", args.against)))?;
    warn_unknown_events(&accepted, &accepted_path, [&old, &new]);
    let mut results = check(&old, &new, args.mode, &accepted);
    // Transitive modes: the new schema must also be compatible with every earlier version.
    if results.iter().any(|r| r.mode.transitive()) && !against.is_dir() {
        for rev in history(schemas, &args.against)? {
            let dir = tempfile::tempdir().map_err(|e| CliError::Input(e.to_string()))?;
            if !export(schemas, &rev, dir.path())? {
                continue;
            }
            let Ok(older) = load_old(dir.path()) else {
                continue;
            };
            for past in check(&older, &new, args.mode, &accepted) {
                if !past.mode.transitive()
                    || past.needed != Bump::Major
                    || past.new_version.is_none()
                {
                    continue;
                }
                if let Some(r) = results
                    .iter_mut()
                    .find(|r| r.event_type == past.event_type && r.major == past.major)
                {
                    let short = &rev[..rev.len().min(10)];
                    r.problems.push(format!(
                        "breaking against version {} (commit {short}) under {} mode",
                        past.old_version.as_deref().unwrap_or("?"),
                        past.mode.as_str()
                    ));
                    r.findings.extend(
                        past.findings
                            .into_iter()
                            .filter(|f| !f.allowed && f.accepted.is_none()),
                    );
                }
            }
        }
    }
    let failed = results.iter().filter(|r| !r.problems.is_empty()).count();
    let text = match args.format {
        CheckFormat::Human => human(&results, schemas),
        CheckFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&json_report(&results)).unwrap_or_default()
        ),
        CheckFormat::Github => github(&results, schemas),
        CheckFormat::Junit => junit(&results),
    };
    output::stdout(&text)?;
    Ok(if failed > 0 {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

/// An accepted-breaks entry for an event neither set has accepts nothing: most likely a
/// misspelt name. Said on stderr, with the nearest event type.
fn warn_unknown_events(accepted: &[AcceptedBreak], path: &Path, sets: [&SchemaSet; 2]) {
    let mut types: Vec<&str> = sets
        .iter()
        .flat_map(|s| s.events.iter().map(|e| e.event_type.as_str()))
        .collect();
    types.sort_unstable();
    types.dedup();
    for (i, a) in accepted.iter().enumerate() {
        if types.contains(&a.event.as_str()) {
            continue;
        }
        let hint = events_rt::nearest_of(&a.event, &types)
            .map(|t| format!(" (did you mean {t:?}?)"))
            .unwrap_or_default();
        output::warning(format!(
            "{}: entry {i}: no event {:?} in the old or the new schemas, so the entry accepts nothing{hint}",
            path.display(),
            a.event
        ));
    }
}

fn bump_name(b: Bump) -> &'static str {
    match b {
        Bump::None => "none",
        Bump::Minor => "minor",
        Bump::Major => "major",
    }
}

fn human(results: &[EventCheck], schemas: &Path) -> String {
    let mut s = String::new();
    for r in results {
        let changed = !r.findings.is_empty() || r.old_version != r.new_version;
        if r.problems.is_empty() && !changed {
            continue;
        }
        let status = if r.problems.is_empty() { "ok" } else { "FAIL" };
        let versions = match (&r.old_version, &r.new_version) {
            (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
            (Some(a), Some(_)) => a.clone(),
            (None, Some(b)) => format!("new, {b}"),
            (Some(a), None) => format!("{a}, removed"),
            (None, None) => String::new(),
        };
        s.push_str(&format!(
            "{status}: {} v{} ({versions}) in {}/{} — needs {} bump under {}\n",
            r.event_type,
            r.major,
            schemas.display(),
            r.rel,
            bump_name(r.needed),
            r.mode.as_str()
        ));
        for f in &r.findings {
            let verdict = match (&f.accepted, f.allowed) {
                (Some(reason), _) => format!("accepted: {reason}"),
                (None, true) => "compatible".to_owned(),
                (None, false) => "BREAKING".to_owned(),
            };
            s.push_str(&format!(
                "  [{}] {} ({}, {verdict}) at {}\n",
                f.change.rule.name(),
                f.change.rule.description(),
                f.change.rule.effect().as_str(),
                f.change.path
            ));
            match &f.example {
                Some((yes, no, doc)) => s.push_str(&format!(
                    "    example the {yes} schema accepts and the {no} one rejects: {doc}\n"
                )),
                None if !f.allowed && f.accepted.is_none() => s.push_str(
                    "    no counter-example found in the refused direction (the rule alone refuses it)\n",
                ),
                None => {}
            }
        }
        for p in &r.problems {
            s.push_str(&format!("  fix: {p}\n"));
        }
    }
    let failed = results.iter().filter(|r| !r.problems.is_empty()).count();
    s.push_str(&format!(
        "{}: {} events checked, {failed} failing\n",
        if failed == 0 { "ok" } else { "FAILED" },
        results.len()
    ));
    s
}

fn json_report(results: &[EventCheck]) -> Value {
    json!({
        "failing": results.iter().filter(|r| !r.problems.is_empty()).count(),
        "events": results.iter().map(|r| json!({
            "event_type": r.event_type, "major": r.major, "schema": r.rel,
            "old_version": r.old_version, "new_version": r.new_version,
            "mode": r.mode.as_str(), "needed_bump": bump_name(r.needed), "problems": r.problems,
            "changes": r.findings.iter().map(|f| json!({
                "rule": f.change.rule.name(), "effect": f.change.rule.effect().as_str(),
                "path": f.change.path, "instance_path": f.change.instance_path,
                "old": f.change.old, "new": f.change.new, "allowed": f.allowed, "accepted": f.accepted,
                "example": f.example.as_ref().map(|(yes, no, doc)| json!({"accepted_by": yes, "rejected_by": no, "document": doc})),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn github(results: &[EventCheck], schemas: &Path) -> String {
    let esc = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut s = String::new();
    for r in results {
        for p in &r.problems {
            let rules: Vec<&str> = r
                .findings
                .iter()
                .filter(|f| !f.allowed && f.accepted.is_none())
                .map(|f| f.change.rule.name())
                .collect();
            let msg = if rules.is_empty() {
                p.clone()
            } else {
                format!("{p} (rules: {})", rules.join(", "))
            };
            s.push_str(&format!(
                "::error file={}/{},title={} v{}::{}\n",
                schemas.display(),
                r.rel,
                r.event_type,
                r.major,
                esc(&msg)
            ));
        }
    }
    s
}

fn junit(results: &[EventCheck]) -> String {
    let x = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let failed = results.iter().filter(|r| !r.problems.is_empty()).count();
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"events check\" tests=\"{}\" failures=\"{failed}\">\n", results.len());
    for r in results {
        s.push_str(&format!(
            "  <testcase classname=\"{}\" name=\"{} v{}\"",
            x(&r.rel),
            x(&r.event_type),
            r.major
        ));
        if r.problems.is_empty() {
            s.push_str("/>\n");
        } else {
            s.push_str(&format!(
                ">\n    <failure message=\"{}\"/>\n  </testcase>\n",
                x(&r.problems.join("; "))
            ));
        }
    }
    s.push_str("</testsuite>\n");
    s
}

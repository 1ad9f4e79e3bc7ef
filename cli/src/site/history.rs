//! `events docs --html --history REF`: every version of each event's schema file found in
//! git (the commits reachable from `REF` that changed it, newest first), each with the
//! findings of `events check` (`events_check::evolve::check`) against the version before
//! it. Git is run as a command; the schemas of a commit are read from git objects (one
//! `git cat-file --batch` for every file of every commit needed), never checked out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use events_check::diff::Bump;
use events_check::evolve::{check, load_accepted, EventCheck};
use events_codegen::SchemaSet;

/// One version of an event's schema file: the commit that wrote it and what changed.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    /// Full commit id.
    pub commit: String,
    /// Commit date (`YYYY-MM-DD`).
    pub date: String,
    /// Commit subject.
    pub subject: String,
    /// What the commit did to the event, against the version before it.
    pub change: Change,
}

#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// The oldest version found (no earlier one to compare with); its version string.
    First(Option<String>),
    /// The file was removed (or its event no longer loads as this type and major).
    Removed,
    /// The schemas did not load at this commit (or at the one before).
    Unreadable(String),
    /// The `events check` verdict against the version before.
    Checked(Box<EventCheck>),
}

/// Versions by event type and major, newest first.
pub(crate) type History = BTreeMap<(String, u32), Vec<Version>>;

/// Where the schemas are and how an old copy of them is read.
struct Repo {
    /// The directory git runs in (the schema directory).
    dir: PathBuf,
    /// Its path from the repository's top (`schemas/`), for `ls-tree`.
    prefix: String,
    /// The catalog rules of a foreign catalog, to read old copies by the same rules.
    rules: Option<Arc<events_codegen::schema::CatalogRules>>,
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("--history: cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "--history: git {} in {} failed: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

/// The history of every event of `set` (loaded from `schemas`, a directory or a catalog
/// rule file) in the commits reachable from `rev` (`all`: from `HEAD`).
pub(crate) fn read(set: &SchemaSet, schemas: &Path, rev: &str) -> Result<History, String> {
    let rules = set.catalog_rules().cloned().map(Arc::new);
    let dir = match &rules {
        Some(r) => r.schemas_dir(),
        None => schemas.to_path_buf(),
    };
    let rev = if rev == "all" { "HEAD" } else { rev };
    let inside = Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["rev-parse", "--show-prefix"])
        .output()
        .map_err(|e| format!("--history: cannot run git: {e}"))?;
    if !inside.status.success() {
        return Err(format!(
            "--history {rev}: {} is not in a git repository",
            dir.display()
        ));
    }
    let prefix = String::from_utf8_lossy(&inside.stdout).trim().to_owned();
    if git(
        &dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .is_err()
    {
        return Err(format!(
            "--history {rev}: no such git revision in the repository of {}",
            dir.display()
        ));
    }
    let repo = Repo { dir, prefix, rules };
    // Every commit that changed the schema directory, with the files it changed.
    let log = git(
        &repo.dir,
        &[
            "log",
            "--relative",
            "--name-only",
            "--no-renames",
            "--date=short",
            "--format=%x1e%H%x1f%ad%x1f%s",
            rev,
            "--",
            ".",
        ],
    )?;
    let log = String::from_utf8_lossy(&log);
    let mut commits: Vec<(String, String, String, BTreeSet<String>)> = Vec::new();
    for record in log.split('\x1e').filter(|r| !r.trim().is_empty()) {
        let mut lines = record.lines();
        let head: Vec<&str> = lines.next().unwrap_or("").split('\x1f').collect();
        let [commit, date, subject] = head[..] else {
            continue;
        };
        let files = lines
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        commits.push((
            commit.to_owned(),
            date.to_owned(),
            subject.to_owned(),
            files,
        ));
    }
    // Per event, the commits that changed its file, newest first.
    let mut wanted: BTreeMap<(String, u32), Vec<usize>> = BTreeMap::new();
    for e in &set.events {
        let rel = e.schema_ref();
        let at: Vec<usize> = (0..commits.len())
            .filter(|&i| commits[i].3.contains(&rel))
            .collect();
        wanted.insert((e.event_type.clone(), e.major), at);
    }
    let needed: BTreeSet<&str> = wanted
        .values()
        .flatten()
        .map(|&i| commits[i].0.as_str())
        .collect();
    let tmp = tempfile::tempdir()
        .map_err(|e| format!("--history: cannot make a temporary directory: {e}"))?;
    export(&repo, &needed, tmp.path())?;
    let accepted_path = match &repo.rules {
        Some(r) => r
            .path()
            .parent()
            .unwrap_or(Path::new("."))
            .join("accepted-breaks.json"),
        None => repo.dir.join("../accepted-breaks.json"),
    };
    let accepted = load_accepted(&accepted_path).map_err(|e| e.to_string())?;
    let mut sets: BTreeMap<&str, Result<SchemaSet, String>> = BTreeMap::new();
    for c in &needed {
        let at = tmp.path().join(c);
        let loaded = match &repo.rules {
            Some(r) => SchemaSet::load_catalog(r.clone(), &at),
            None => SchemaSet::load_lenient(&at),
        }
        // The message names the file under the temporary directory: shown from the
        // schema directory instead, so the page does not depend on where it was read.
        .map_err(|e| {
            let prefix = format!("{}/", at.display());
            summary(&e.to_string()).replace(&prefix, "")
        });
        sets.insert(c, loaded);
    }
    let mut checks: BTreeMap<(&str, &str), Vec<EventCheck>> = BTreeMap::new();
    let mut history = History::new();
    for ((event_type, major), at) in &wanted {
        let mut versions = Vec::new();
        for (k, &i) in at.iter().enumerate() {
            let (commit, date, subject, _) = &commits[i];
            let this = &sets[commit.as_str()];
            let change = match (this, at.get(k + 1).map(|&j| commits[j].0.as_str())) {
                (Err(e), _) => Change::Unreadable(e.clone()),
                (Ok(new), _)
                    if !new
                        .events
                        .iter()
                        .any(|e| e.event_type == *event_type && e.major == *major) =>
                {
                    Change::Removed
                }
                (Ok(new), None) => Change::First(
                    new.events
                        .iter()
                        .find(|e| e.event_type == *event_type && e.major == *major)
                        .map(|e| e.version.clone()),
                ),
                (Ok(new), Some(before)) => match &sets[before] {
                    Err(e) => Change::Unreadable(format!("at the version before: {e}")),
                    Ok(old) => {
                        let results = checks
                            .entry((before, commit.as_str()))
                            .or_insert_with(|| check(old, new, None, &accepted));
                        match results
                            .iter()
                            .find(|r| r.event_type == *event_type && r.major == *major)
                        {
                            Some(r) => Change::Checked(Box::new(r.clone())),
                            None => Change::Removed,
                        }
                    }
                },
            };
            versions.push(Version {
                commit: commit.clone(),
                date: date.clone(),
                subject: subject.clone(),
                change,
            });
        }
        history.insert((event_type.clone(), *major), versions);
    }
    Ok(history)
}

/// A loader's message on one line: its errors (not its warnings), at most 600 characters.
fn summary(message: &str) -> String {
    let text = message
        .lines()
        .map(str::trim)
        .take_while(|l| !(l.ends_with("warning:") || l.ends_with("warnings:")))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match text.char_indices().nth(600) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Writes the schema directory of each commit of `commits` into `into/<commit>/`: the
/// file names from `git ls-tree`, the contents from one `git cat-file --batch`.
fn export(repo: &Repo, commits: &BTreeSet<&str>, into: &Path) -> Result<(), String> {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for c in commits {
        let list = git(
            &repo.dir,
            &["ls-tree", "-r", "-z", "--full-tree", c, "--", &repo.prefix],
        )?;
        for entry in String::from_utf8_lossy(&list).split('\0') {
            // `<mode> blob <oid>\t<path>`
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut meta = meta.split(' ');
            let (Some(_), Some("blob"), Some(oid)) = (meta.next(), meta.next(), meta.next()) else {
                continue;
            };
            let rel = path.strip_prefix(repo.prefix.as_str()).unwrap_or(path);
            if !(rel.ends_with(".json") || rel.ends_with(".yaml") || rel.ends_with(".yml")) {
                continue;
            }
            files.push((into.join(c).join(rel), oid.to_owned()));
        }
    }
    let oids: BTreeSet<&str> = files.iter().map(|(_, o)| o.as_str()).collect();
    let blobs = cat_blobs(&repo.dir, &oids)?;
    for (path, oid) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("--history: cannot create {}: {e}", parent.display()))?;
        }
        let bytes = blobs.get(oid.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        std::fs::write(path, bytes)
            .map_err(|e| format!("--history: cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The contents of blobs by id, from one `git cat-file --batch`.
fn cat_blobs<'a>(
    dir: &Path,
    oids: &BTreeSet<&'a str>,
) -> Result<BTreeMap<&'a str, Vec<u8>>, String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("--history: cannot run git cat-file: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("--history: no stdin for git")?;
    let request: String = oids.iter().map(|o| format!("{o}\n")).collect();
    // Written from a thread: git answers while it reads, and a full pipe would block both.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .ok_or("--history: no stdout from git")?
        .read_to_end(&mut out)
        .map_err(|e| format!("--history: reading git cat-file: {e}"))?;
    let _ = writer.join();
    let _ = child.wait();
    let mut blobs = BTreeMap::new();
    let mut rest = out.as_slice();
    for oid in oids {
        // `<oid> <type> <size>\n<content>\n`, or `<oid> missing\n`.
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let head = String::from_utf8_lossy(&rest[..nl]).into_owned();
        rest = &rest[nl + 1..];
        let size: Option<usize> = head.split(' ').nth(2).and_then(|s| s.parse().ok());
        let Some(size) = size.filter(|&s| s <= rest.len()) else {
            continue;
        };
        blobs.insert(*oid, rest[..size].to_vec());
        rest = &rest[(size + 1).min(rest.len())..];
    }
    Ok(blobs)
}

/// How a version's change is marked.
pub(crate) fn verdict(change: &Change) -> (&'static str, &'static str) {
    match change {
        Change::First(_) => ("first", "first version found"),
        Change::Removed => ("removed", "removed"),
        Change::Unreadable(_) => ("unreadable", "schemas did not load"),
        Change::Checked(r) => match r.needed {
            Bump::Major => ("breaking", "breaking"),
            _ if r.old_version.is_none() => ("first", "new"),
            _ if r.findings.is_empty() => ("unchanged", "no schema change"),
            _ => ("compatible", "compatible"),
        },
    }
}

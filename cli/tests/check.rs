//! `events check --against HEAD~1` end to end in a throwaway git repository.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn git(dir: &Path, args: &[&str]) {
    let out = Process::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let t = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &t)
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/constructs");
        copy_dir(&fixtures, &dir.path().join("schemas"));
        git(dir.path(), &["init", "-q", "-b", "main"]);
        let repo = Self { dir };
        repo.commit("initial contracts");
        repo
    }
    fn schemas(&self) -> PathBuf {
        self.dir.path().join("schemas")
    }
    fn edit(&self, rel: &str, f: impl FnOnce(&mut Value)) {
        let p = self.schemas().join(rel);
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    }
    fn commit(&self, msg: &str) {
        git(self.dir.path(), &["add", "-A"]);
        git(self.dir.path(), &["commit", "-q", "-m", msg]);
    }
    /// Runs `events check --against HEAD~1` (plus `extra`); returns (exit code, stdout).
    fn check(&self, extra: &[&str]) -> (i32, String) {
        let out = Command::cargo_bin("events")
            .unwrap()
            .current_dir(self.dir.path())
            .args(["check", "--against", "HEAD~1", "--schemas", "schemas"])
            .args(extra)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }
}

const EVERYTHING: &str = "shapes/shape.everything.v1.json";

#[test]
fn a_change_without_a_bump_is_refused_with_the_version_to_use() {
    let repo = Repo::new();
    repo.edit(EVERYTHING, |v| {
        v["properties"]["small"]["description"] = "Changed words.".into()
    });
    repo.commit("reword");
    let (code, out) = repo.check(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[description-changed]") && out.contains("bump to 1.3"),
        "{out}"
    );
    repo.edit(EVERYTHING, |v| v["x-event"]["version"] = "1.3".into());
    git(
        repo.dir.path(),
        &["commit", "-q", "-a", "--amend", "-m", "reword, 1.3"],
    );
    let (code, out) = repo.check(&[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_compatible_addition_needs_a_minor_bump_and_depends_on_the_mode() {
    let repo = Repo::new();
    repo.edit(EVERYTHING, |v| {
        v["properties"]["note2"] = serde_json::json!({"type": "string", "description": "Added."});
        v["x-event"]["version"] = "1.3".into();
    });
    repo.commit("add optional note2");
    let (code, out) = repo.check(&[]);
    assert_eq!(code, 0, "backward: {out}");
    let (code, out) = repo.check(&["--mode", "forward"]);
    assert_eq!(code, 1, "forward: {out}");
    assert!(
        out.contains("optional-property-added-to-closed-content-model")
            && out.contains("shape.everything.v2.json"),
        "{out}"
    );
    assert!(
        out.contains("example the new schema accepts and the old one rejects"),
        "{out}"
    );
}

#[test]
fn a_breaking_change_needs_a_new_major_file_or_an_accepted_entry() {
    let repo = Repo::new();
    repo.edit(EVERYTHING, |v| {
        v["properties"].as_object_mut().unwrap().remove("ratio");
        v["x-event"]["version"] = "1.3".into();
    });
    repo.commit("drop ratio");
    let (code, out) = repo.check(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[property-removed-from-closed-content-model]")
            && out.contains("add `shape.everything.v2.json`"),
        "{out}"
    );
    assert!(
        out.contains("example the old schema accepts and the new one rejects")
            && out.contains("\"ratio\""),
        "{out}"
    );
    let (_, json_out) = repo.check(&["--format", "json"]);
    let report: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(report["failing"], 1);
    let (_, gh) = repo.check(&["--format", "github"]);
    assert!(
        gh.starts_with(
            "::error file=schemas/shapes/shape.everything.v1.json,title=shape.everything v1::"
        ),
        "{gh}"
    );
    let (_, junit) = repo.check(&["--format", "junit"]);
    assert!(
        junit.contains("<testsuite name=\"events check\"") && junit.contains("<failure"),
        "{junit}"
    );
    std::fs::write(
        repo.dir.path().join("accepted-breaks.json"),
        r#"{"accepted": [{"event": "shape.everything", "major": 1, "rule": "property-removed-from-closed-content-model", "path": "/properties/ratio", "reason": "no producer ever sent ratio"}]}"#,
    ).unwrap();
    let (code, out) = repo.check(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("accepted: no producer ever sent ratio"),
        "{out}"
    );
}

#[test]
fn removed_events_are_reported() {
    let repo = Repo::new();
    std::fs::remove_file(repo.schemas().join("shapes/shape.minimal.v1.json")).unwrap();
    repo.commit("retire shape.minimal v1");
    let (code, out) = repo.check(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("major version removed"), "{out}");
}

#[test]
fn a_missing_ref_is_a_clear_error() {
    let repo = Repo::new();
    let out = Command::cargo_bin("events")
        .unwrap()
        .current_dir(repo.dir.path())
        .args(["check", "--against", "HEAD~5", "--schemas", "schemas"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("git revision \"HEAD~5\" not found"));
}

#[test]
fn transitive_mode_checks_every_earlier_version() {
    let repo = Repo::new();
    // 1.3: `ratio` (a number) is removed, as an accepted break.
    repo.edit(EVERYTHING, |v| {
        v["properties"].as_object_mut().unwrap().remove("ratio");
        v["x-event"]["version"] = "1.3".into();
    });
    std::fs::write(
        repo.dir.path().join("accepted-breaks.json"),
        r#"{"accepted": [{"event": "shape.everything", "major": 1, "rule": "property-removed-from-closed-content-model", "path": "/properties/ratio", "reason": "never sent"}]}"#,
    ).unwrap();
    repo.commit("drop ratio");
    // 1.4: `ratio` comes back as a string: compatible with 1.3, not with 1.2.
    repo.edit(EVERYTHING, |v| {
        v["properties"]["ratio"] =
            serde_json::json!({"type": "string", "description": "Now text."});
        v["x-event"]["version"] = "1.4".into();
    });
    repo.commit("ratio as text");
    let (code, out) = repo.check(&[]);
    assert_eq!(code, 0, "against the previous version only: {out}");
    let (code, out) = repo.check(&["--mode", "backward_transitive"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("breaking against version 1.2") && out.contains("[type-changed]"),
        "{out}"
    );
}

#[test]
fn per_event_mode_comes_from_the_schema() {
    let repo = Repo::new();
    repo.edit(EVERYTHING, |v| {
        v["x-event"]["compatibility"] = "forward".into()
    });
    repo.edit(EVERYTHING, |v| v["x-event"]["version"] = "1.3".into());
    repo.commit("declare forward");
    repo.edit(EVERYTHING, |v| {
        v["properties"]["note2"] = serde_json::json!({"type": "string", "description": "Added."});
        v["x-event"]["version"] = "1.4".into();
    });
    repo.commit("add note2");
    let (code, out) = repo.check(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("under forward"), "{out}");
}

#[test]
fn an_old_revision_that_todays_linter_rejects_is_still_compared() {
    let repo = Repo::new();
    repo.edit(EVERYTHING, |v| {
        v["properties"]["when"] = serde_json::json!({"type": "string", "format": "datetime"});
    });
    // Committed before the linter knew better.
    repo.commit("add when, with a typo");
    repo.edit(EVERYTHING, |v| {
        v["properties"]["when"]["format"] = "date-time".into();
        v["x-event"]["version"] = "1.3".into();
    });
    repo.commit("fix the format");
    let (code, out) = repo.check(&[]);
    assert_ne!(code, 2, "{out}");
    assert!(!out.contains("old schemas"), "{out}");
}

#[test]
fn an_accepted_break_for_an_unknown_event_names_the_nearest_one() {
    let repo = Repo::new();
    std::fs::write(
        repo.dir.path().join("accepted-breaks.json"),
        r#"{"accepted": [{"event": "shape.everythng", "major": 1, "rule": "major-removed", "reason": "typo"}]}"#,
    )
    .unwrap();
    repo.edit(EVERYTHING, |v| v["description"] = "Reworded.".into());
    repo.commit("reword");
    let (_, out) = repo.check(&[]);
    assert!(
        out.contains("entry 0: no event \"shape.everythng\" in the old or the new schemas")
            && out.contains("(did you mean \"shape.everything\"?)"),
        "{out}"
    );
}

/// A refusal shows a document of the refused direction only (forward: new data the old
/// schema rejects), or says that none was found; never one of the other direction.
#[test]
fn a_counter_example_is_of_the_refused_direction_or_none() {
    let repo = Repo::new();
    repo.edit(EVERYTHING, |v| {
        v["properties"]["flag"] = serde_json::json!({"type": "string", "description": "Now text."});
        v["x-event"]["version"] = "1.3".into();
    });
    repo.commit("flag becomes a string");
    let (code, out) = repo.check(&["--mode", "forward"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("[type-changed]"), "{out}");
    assert!(
        out.contains("example the new schema accepts and the old one rejects")
            && !out.contains("example the old schema accepts"),
        "{out}"
    );
    let (code, out) = repo.check(&["--mode", "backward"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("example the old schema accepts and the new one rejects")
            && !out.contains("example the new schema accepts"),
        "{out}"
    );

    // A bound that refuses nothing: refused by its rule (`minLength` added narrows), with
    // no document to show.
    let repo = Repo::new();
    repo.edit(EVERYTHING, |v| {
        v["properties"]["id"]["minLength"] = 0.into();
        v["x-event"]["version"] = "1.3".into();
    });
    repo.commit("a minLength of 0");
    let (code, out) = repo.check(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[min-length-added]")
            && out.contains("no counter-example found in the refused direction")
            && !out.contains("example the"),
        "{out}"
    );
}

//! The project's own documentation: every relative link (and its anchor) in `README.md`
//! and `docs/*.md` resolves, every path the README's "Where each kind of change goes"
//! table names exists, and every guide with a Rust example is a doc-test of
//! `events-types` as the README is.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `README.md` and every Markdown file of `docs/`, relative to the root.
fn documents() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| p.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    docs.sort();
    out.extend(docs);
    out
}

/// The lines of a Markdown text outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.push(line);
        }
    }
    out
}

/// GitHub's anchor of a heading: lower case, punctuation other than `-` and `_` dropped,
/// spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown file's headings (a repeated one gets `-1`, `-2`, …).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in prose(text) {
        let level = line.chars().take_while(|&c| c == '#').count();
        if level == 0 || level > 6 || !line[level..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[level + 1..]);
        let mut anchor = base.clone();
        let mut n = 0;
        while out.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        out.insert(anchor);
    }
    out
}

/// The targets of the Markdown links and images of a text (`[text](target)`), outside
/// code blocks and inline code.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose(text) {
        // Inline code spans are not links.
        let line: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let Some(end) = rest.find(')') else {
                break;
            };
            let target = rest[..end].split_whitespace().next().unwrap_or("");
            out.push(target.to_owned());
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_in_the_readme_and_the_guides_resolves() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(root().join(&doc)).unwrap();
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let path = match file {
                "" => root().join(&doc),
                f => root().join(doc.parent().unwrap()).join(f),
            };
            if !path.exists() {
                failures.push(format!("{}: {target}: no such file", doc.display()));
                continue;
            }
            if anchor.is_empty() {
                continue;
            }
            if path.extension().is_none_or(|x| x != "md") {
                failures.push(format!(
                    "{}: {target}: an anchor into a non-Markdown file",
                    doc.display()
                ));
                continue;
            }
            let there = std::fs::read_to_string(&path).unwrap();
            if !anchors(&there).contains(anchor) {
                failures.push(format!(
                    "{}: {target}: no heading with the anchor #{anchor} in {}",
                    doc.display(),
                    path.strip_prefix(root()).unwrap_or(&path).display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "broken links:\n{}",
        failures.join("\n")
    );
    assert!(checked >= 40, "only {checked} links checked");
}

#[test]
fn every_guide_of_the_documentation_table_is_linked_from_the_readme() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let linked: BTreeSet<String> = links(&readme).into_iter().collect();
    for doc in documents().iter().skip(1) {
        let target = doc.to_string_lossy().into_owned();
        assert!(linked.contains(&target), "README.md does not link {target}");
    }
}

#[test]
fn every_path_of_the_architecture_table_exists() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("Where each kind of change goes")
        .expect("README.md has the table");
    let table: Vec<&str> = readme[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .collect();
    assert!(table.len() >= 20, "only {} rows", table.len());
    let mut checked = 0;
    for row in &table {
        let (_, place) = row[1..].split_once(" | ").unwrap();
        let code: Vec<&str> = place.split('`').skip(1).step_by(2).collect();
        // Paths (`codegen/src/schema.rs`, `check/src/diff/`), and the directories they name
        // (with the root, for `README.md`).
        let mut dirs = BTreeSet::from([root()]);
        for p in code
            .iter()
            .filter(|c| c.contains('/') && !c.contains(' ') && !c.contains("::"))
        {
            let path = root().join(p.trim_end_matches('/'));
            assert!(
                path.exists(),
                "the architecture table names {p}, which is not there"
            );
            dirs.insert(match path.is_dir() {
                true => path,
                false => path.parent().unwrap().to_path_buf(),
            });
            checked += 1;
        }
        // File names without a directory (`consumer.rs`, `rules.rs`) are in one of those.
        for name in code.iter().filter(|c| {
            !c.contains('/')
                && [".rs", ".md", ".sh", ".json", ".toml"]
                    .iter()
                    .any(|x| c.ends_with(x))
        }) {
            assert!(
                dirs.iter().any(|d| d.join(name).exists()),
                "the architecture table names {name} in {row}, which is in none of {dirs:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} paths checked");
}

#[test]
fn every_guide_with_a_rust_example_is_a_doc_test() {
    let lib = std::fs::read_to_string(root().join("events-types/src/lib.rs")).unwrap();
    assert!(lib.contains("include_str!(\"../../README.md\")"));
    for doc in documents().iter().skip(1) {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        if !text.lines().any(|l| l.trim_start().starts_with("```rust")) {
            continue;
        }
        let include = format!("include_str!(\"../../{}\")", doc.display());
        assert!(
            lib.contains(&include),
            "{} has a Rust example but events-types/src/lib.rs does not include it as a doc-test",
            doc.display()
        );
    }
}

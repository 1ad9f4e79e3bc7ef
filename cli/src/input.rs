//! Reading payloads: files, directories, globs, stdin, NDJSON, arrays, field maps,
//! `redis-cli --json XRANGE` output, and live streams.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

/// Where a payload came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// File path, `-` for stdin, or `redis:<stream>` (shared by all payloads of a source).
    pub source: Arc<str>,
    /// Position inside the source.
    pub at: At,
}

/// Position of a payload in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// The whole file.
    Whole,
    /// A line (1-based) of NDJSON.
    Line(usize),
    /// An element (0-based) of a JSON array.
    Index(usize),
    /// A stream entry id.
    Entry(String),
}

/// A payload in one of its wire forms.
#[derive(Debug, Clone)]
pub enum Form {
    /// A JSON document.
    Json(Value),
    /// Field/value pairs of a stream entry.
    Fields(Vec<(String, String)>),
    /// Text that is not JSON.
    Broken(String),
}

/// One payload to validate.
#[derive(Debug, Clone)]
pub struct Payload {
    /// Where it came from.
    pub origin: Origin,
    /// What it is.
    pub form: Form,
}

/// How to read JSON objects whose values are all strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormHint {
    /// An object of string values is a field map; anything else is JSON.
    Auto,
    /// Always JSON.
    Json,
    /// Always a field map.
    Fields,
}

/// Expands the command-line inputs into files (sorted within directories), or `-`.
pub fn expand(inputs: &[String]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        if input == "-" {
            files.push(PathBuf::from("-"));
            continue;
        }
        let path = Path::new(input);
        if path.is_dir() {
            collect(path, &mut files, &mut errors);
        } else if path.exists() {
            files.push(path.to_path_buf());
        } else if input.contains(['*', '?', '[']) {
            match glob::glob(input) {
                Ok(paths) => {
                    let before = files.len();
                    for p in paths {
                        match p {
                            Ok(p) if p.is_dir() => collect(&p, &mut files, &mut errors),
                            Ok(p) => files.push(p),
                            Err(e) => errors.push(format!("{input}: {e}")),
                        }
                    }
                    if files.len() == before {
                        errors.push(format!("{input}: the pattern matches no file"));
                    }
                }
                Err(e) => errors.push(format!("{input}: bad glob pattern: {e}")),
            }
        } else {
            errors.push(format!("{input}: no such file or directory"));
        }
    }
    (files, errors)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    // The entry's file type comes from the directory listing: no stat per file.
    let mut paths: Vec<(PathBuf, bool)> = entries
        .filter_map(|e| e.ok())
        .map(|e| {
            let is_dir = e
                .file_type()
                .is_ok_and(|t| t.is_dir() || (t.is_symlink() && e.path().is_dir()));
            (e.path(), is_dir)
        })
        .collect();
    paths.sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    for (p, is_dir) in paths {
        if is_dir {
            collect(&p, files, errors);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "ndjson" | "jsonl")
        ) {
            files.push(p);
        }
    }
}

/// Opens a file (or stdin) for reading.
pub fn open(path: &Path) -> std::io::Result<Box<dyn BufRead + Send>> {
    if path == Path::new("-") {
        Ok(Box::new(BufReader::new(std::io::stdin())))
    } else {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            File::open(path)?,
        )))
    }
}

/// Turns one parsed JSON value into payloads: arrays are split, `redis-cli --json XRANGE`
/// output becomes entries, objects of string values become field maps (per `hint`).
pub fn classify(value: Value, source: &Arc<str>, at: At, hint: FormHint, out: &mut Vec<Payload>) {
    match value {
        Value::Array(items) if at == At::Whole => {
            if !items.is_empty() && items.iter().all(is_xrange_entry) {
                for item in items {
                    if let Some((id, fields)) = xrange_entry(item) {
                        out.push(Payload {
                            origin: Origin {
                                source: source.to_owned(),
                                at: At::Entry(id),
                            },
                            form: Form::Fields(fields),
                        });
                    }
                }
            } else {
                for (i, item) in items.into_iter().enumerate() {
                    classify(item, source, At::Index(i), hint, out);
                }
            }
        }
        value => {
            let form = match (&value, hint) {
                (Value::Object(m), FormHint::Auto)
                    if !m.is_empty() && m.values().all(Value::is_string) =>
                {
                    Form::Fields(string_pairs(&value))
                }
                (Value::Object(_), FormHint::Fields) => Form::Fields(string_pairs(&value)),
                _ => Form::Json(value),
            };
            out.push(Payload {
                origin: Origin {
                    source: source.to_owned(),
                    at,
                },
                form,
            });
        }
    }
}

fn string_pairs(value: &Value) -> Vec<(String, String)> {
    events_check::validate::json_to_fields(value)
}

fn is_xrange_entry(v: &Value) -> bool {
    matches!(v, Value::Array(parts) if parts.len() == 2 && parts[0].is_string()
        && matches!(&parts[1], Value::Array(kv) if kv.len() % 2 == 0 && kv.iter().all(Value::is_string)))
}

fn xrange_entry(v: Value) -> Option<(String, Vec<(String, String)>)> {
    let Value::Array(mut parts) = v else {
        return None;
    };
    let kv = parts.pop()?;
    let id = parts.pop()?.as_str()?.to_owned();
    let kv: Vec<String> = kv
        .as_array()?
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    Some((
        id,
        kv.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect(),
    ))
}

/// Whether a file's content is NDJSON (one document per line) rather than one document.
///
/// `.ndjson`/`.jsonl` files are; stdin and `.json` files are when the first line is a
/// complete JSON value and more non-empty lines follow.
pub fn sniff_ndjson(path: &Path, head: &[u8]) -> bool {
    if matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("ndjson" | "jsonl")
    ) {
        return true;
    }
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    match (lines.next(), lines.next()) {
        (Some(first), Some(_)) => serde_json::from_str::<Value>(first).is_ok(),
        _ => false,
    }
}

/// Reads a whole (non-NDJSON) source into memory.
pub fn read_all(mut reader: impl Read, prefix: Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut buf = prefix;
    reader.read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xrange_output_becomes_entries() {
        let v = json!([
            ["1-0", ["type", "order.cancelled", "order_id", "1"]],
            ["2-0", ["type", "x"]]
        ]);
        let mut out = Vec::new();
        classify(v, &Arc::from("f"), At::Whole, FormHint::Auto, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].origin.at, At::Entry("2-0".into()));
        assert!(matches!(&out[0].form, Form::Fields(f) if f[1] == ("order_id".into(), "1".into())));
    }

    #[test]
    fn arrays_split_and_string_objects_are_field_maps() {
        let v = json!([{"type": "a.b", "n": 1}, {"type": "a.b", "n": "1"}]);
        let mut out = Vec::new();
        classify(v, &Arc::from("f"), At::Whole, FormHint::Auto, &mut out);
        assert!(matches!(out[0].form, Form::Json(_)));
        assert!(matches!(out[1].form, Form::Fields(_)));
        assert_eq!(out[1].origin.at, At::Index(1));
    }
}

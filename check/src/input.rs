//! Reading payloads as `events validate` reads them: files, directories, globs, stdin,
//! NDJSON, arrays, field maps, `redis-cli --json XRANGE` output (a live stream is read by
//! the CLI, into the same [`Payload`]s).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use events_codegen::walk::{self, Found};
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
    /// Text that is not one JSON document the decoder would read: the rule broken
    /// (`json`, `duplicate-key`), where, and why.
    Broken {
        /// `json` or `duplicate-key`.
        rule: &'static str,
        /// JSON pointer of the object at fault (empty for a syntax error).
        path: String,
        /// What is wrong.
        message: String,
    },
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum FormHint {
    /// An object of string values is a field map; anything else is JSON.
    Auto,
    /// Always JSON.
    Json,
    /// Always a field map.
    Fields,
}

/// What the command-line inputs expand to.
#[derive(Debug, Default)]
pub struct Expanded {
    /// Regular files to read (sorted within directories, each real file once), or `-`.
    pub files: Vec<PathBuf>,
    /// Input errors (exit 2): a missing path, a bad glob, a FIFO named on the command line,
    /// a directory without payload files (unless `--allow-empty`).
    pub errors: Vec<String>,
    /// What a walk skipped: links back to a directory already walked, FIFOs, sockets and
    /// devices named like payload files, entries that could not be read.
    pub warnings: Vec<String>,
}

/// The extensions a directory walk picks up.
fn is_payload_file(path: &Path) -> bool {
    has_extension(path, &["json", "ndjson", "jsonl"])
}

/// Whether the file name of `path` ends in `.` and one of `extensions`, as
/// `Path::extension` says (a name that is only `.json` has none), without parsing the
/// path into components: called for every file of a walk.
fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    extensions.iter().any(|ext| {
        let Some(stem) = bytes
            .strip_suffix(ext.as_bytes())
            .and_then(|b| b.strip_suffix(b"."))
        else {
            return false;
        };
        // Something before the dot, in the file name itself.
        stem.last()
            .is_some_and(|b| !std::path::is_separator(char::from(*b)))
    })
}

/// Expands the command-line inputs into files, or `-`.
///
/// Directories are walked recursively, following symbolic links, each real directory once
/// (a link back to an ancestor or to a directory already walked is skipped with a warning)
/// and each real file once. Only regular files are read: a FIFO, socket or device is never
/// opened (skipped with a warning in a walk, an error when named on the command line, since
/// reading it could block forever). An input that yields no file is an error unless
/// `allow_empty`.
pub fn expand(inputs: &[String], allow_empty: bool) -> Expanded {
    let mut walk = Walk::default();
    for input in inputs {
        if input == "-" {
            walk.out.files.push(PathBuf::from("-"));
            continue;
        }
        let path = Path::new(input);
        let before = walk.matched;
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk.dir(path),
            Ok(meta) if meta.is_file() => walk.file(path, &meta),
            Ok(meta) => walk.out.errors.push(format!(
                "{input}: {} is not a regular file: not read (it could block forever); \
                 to read a pipe, redirect it to stdin and pass `-`",
                walk::kind_of(&meta.file_type())
            )),
            Err(_) if input.contains(['*', '?', '[']) => match glob::glob(input) {
                Ok(paths) => {
                    for p in paths {
                        match p {
                            Ok(p) => match std::fs::metadata(&p) {
                                Ok(meta) if meta.is_dir() => walk.dir(&p),
                                Ok(meta) if meta.is_file() => walk.file(&p, &meta),
                                Ok(meta) => walk.out.warnings.push(format!(
                                    "{}: {} is not a regular file: skipped",
                                    p.display(),
                                    walk::kind_of(&meta.file_type())
                                )),
                                Err(e) => walk
                                    .out
                                    .warnings
                                    .push(format!("{}: {e}: skipped", p.display())),
                            },
                            Err(e) => walk.out.errors.push(format!("{input}: {e}")),
                        }
                    }
                    if walk.matched == before && !allow_empty {
                        walk.out
                            .errors
                            .push(format!("{input}: the pattern matches no file"));
                    }
                    continue;
                }
                Err(e) => walk
                    .out
                    .errors
                    .push(format!("{input}: bad glob pattern: {e}")),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => walk
                .out
                .errors
                .push(format!("{input}: no such file or directory")),
            Err(e) => walk.out.errors.push(format!("{input}: {e}")),
        }
        let found = walk.matched > before;
        if !found && !allow_empty && path.is_dir() {
            walk.out.errors.push(format!(
                "{input}: no payload files (*.json, *.ndjson, *.jsonl) in this directory \
                 (--allow-empty accepts that)"
            ));
        }
    }
    walk.out
}

/// One expansion: what it found, and the real files and directories already seen.
#[derive(Default)]
struct Walk {
    out: Expanded,
    /// Payload files found, counting those already found through another path.
    matched: usize,
    seen: walk::Walk,
}

impl Walk {
    fn file(&mut self, path: &Path, meta: &std::fs::Metadata) {
        self.matched += 1;
        if self.seen.file(path, meta) {
            self.out.files.push(path.to_path_buf());
        }
    }

    fn dir(&mut self, dir: &Path) {
        let (files, matched) = (&mut self.out.files, &mut self.matched);
        let walked = self.seen.dir(dir, is_payload_file, |found| {
            // A directory reached again was counted (and its emptiness reported) when it
            // was walked; a file reached again was read then.
            *matched += 1;
            if let Found::File {
                path,
                earlier: None,
            } = found
            {
                files.push(path.to_owned());
            }
        });
        if let Err(e) = walked {
            self.out.errors.push(format!("{}: {e}", dir.display()));
        }
        let skipped = std::mem::take(&mut self.seen.warnings);
        self.out
            .warnings
            .extend(skipped.into_iter().map(|s| s.to_string()));
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
                // A structured CloudEvent without data is all strings, and still JSON.
                (Value::Object(m), FormHint::Auto)
                    if !m.is_empty()
                        && m.values().all(Value::is_string)
                        && !m.contains_key("specversion") =>
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

/// Parses one document (a whole file or an NDJSON line) as the typed decoder reads JSON
/// (a duplicate key is an error) and [`classify`]s it; text that is not one document
/// becomes a [`Form::Broken`] payload.
pub fn parse_into(bytes: &[u8], source: &Arc<str>, at: At, hint: FormHint, out: &mut Vec<Payload>) {
    match crate::json::from_slice(bytes) {
        Ok(v) => classify(v, source, at, hint, out),
        Err(e) => out.push(broken(source, at, e)),
    }
}

/// Whether one JSON text (a whole file or an NDJSON line) is certainly one valid event:
/// a document that [`parse_into`] would hand on as JSON (an object, not a field map by
/// `hint`, not a structured CloudEvent, which the command maps first) and that `validator`
/// accepts on its quick path ([`crate::validate::Validator::accepts`]). `false` means "read
/// it with [`parse_into`] and validate it": nothing is known.
pub fn quick_valid(validator: &crate::validate::Validator, text: &[u8], hint: FormHint) -> bool {
    let Some(doc) = crate::tape::Doc::parse(text) else {
        return false;
    };
    let root = doc.root();
    let as_json = match hint {
        FormHint::Fields => false,
        FormHint::Json => root.is_object(),
        // An object of string values is a field map (see `classify`).
        FormHint::Auto => root.is_object() && root.members().any(|(_, v)| v.str().is_none()),
    };
    as_json && root.member("specversion").is_none() && validator.accepts_doc(doc)
}

/// The payload of a text that is not one JSON document: the rule it breaks, where, why.
pub fn broken(source: &Arc<str>, at: At, e: crate::json::ParseError) -> Payload {
    Payload {
        origin: Origin {
            source: source.clone(),
            at,
        },
        form: Form::Broken {
            rule: e.rule,
            path: e.path,
            message: e.message,
        },
    }
}

fn string_pairs(value: &Value) -> Vec<(String, String)> {
    crate::validate::json_to_fields(value)
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

/// Whether `line` is blank (whitespace only).
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Whether a text whose first non-blank line is `first` is NDJSON: that line is one
/// complete JSON value and more non-blank text follows it (`rest_follows`).
fn first_line_is_a_value(first: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(first).is_ok()
}

/// Whether an in-memory text is NDJSON (see [`sniff`]); `.ndjson`/`.jsonl` files always are.
pub fn is_ndjson(path: &Path, bytes: &[u8]) -> bool {
    if has_ndjson_extension(path) {
        return true;
    }
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = &bytes[start..end];
        if !is_blank(line) {
            // The cheap test first: a one-line document is not parsed twice.
            return bytes.get(end + 1..).is_some_and(|rest| !is_blank(rest))
                && first_line_is_a_value(line);
        }
        start = end + 1;
    }
    false
}

/// `.ndjson` and `.jsonl` files are NDJSON whatever their content.
pub fn has_ndjson_extension(path: &Path) -> bool {
    has_extension(path, &["ndjson", "jsonl"])
}

/// A source whose kind was sniffed: what was read of it so far, and the rest.
pub struct Sniffed {
    /// One document per line.
    pub ndjson: bool,
    /// The bytes read while sniffing (to be read again first).
    pub head: Vec<u8>,
    /// The rest of the source.
    pub reader: Box<dyn BufRead + Send>,
}

/// Reads the start of a source to tell NDJSON from one document: NDJSON when the first
/// non-blank line, read whole (however long, up to `max` bytes), is one complete JSON value
/// and more non-blank text follows. `.ndjson`/`.jsonl` files always are NDJSON. Never
/// reads more than about `max` bytes: a longer first line is left to the reader, which
/// reports it as too large.
pub fn sniff(
    path: &Path,
    mut reader: Box<dyn BufRead + Send>,
    max: usize,
) -> std::io::Result<Sniffed> {
    let mut head = Vec::new();
    if has_ndjson_extension(path) {
        return Ok(Sniffed {
            ndjson: true,
            head,
            reader,
        });
    }
    let whole = |head, reader| {
        Ok(Sniffed {
            ndjson: false,
            head,
            reader,
        })
    };
    // The first non-blank line.
    loop {
        let start = head.len();
        let ended = read_line_bounded(&mut reader, &mut head, max.saturating_add(1))?;
        if head.len() == start || head.len() > max {
            return whole(head, reader);
        }
        if !is_blank(&head[start..]) {
            if !ended || !first_line_is_a_value(&head[start..]) {
                return whole(head, reader);
            }
            break;
        }
    }
    // Anything non-blank after it?
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return whole(head, reader);
        }
        if let Some(i) = buf.iter().position(|b| !b.is_ascii_whitespace()) {
            head.extend_from_slice(&buf[..i]);
            reader.consume(i);
            return Ok(Sniffed {
                ndjson: true,
                head,
                reader,
            });
        }
        let n = buf.len();
        head.extend_from_slice(buf);
        reader.consume(n);
        if head.len() > max {
            return whole(head, reader);
        }
    }
}

/// Appends one line (with its newline) to `out`, reading at most `limit` bytes; whether the
/// line ended (a newline, or the end of the input after some bytes).
fn read_line_bounded(
    reader: &mut dyn BufRead,
    out: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<bool> {
    let mut taken = 0usize;
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(taken > 0);
        }
        let room = limit - taken;
        let (n, ended) = match buf.iter().take(room).position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len().min(room), false),
        };
        out.extend_from_slice(&buf[..n]);
        reader.consume(n);
        taken += n;
        if ended {
            return Ok(true);
        }
        if taken >= limit {
            return Ok(false);
        }
    }
}

/// Reads the rest of a (non-NDJSON) source into memory after `head`: `Ok(None)` when it is
/// larger than `max` bytes (nothing more than `max + 1` bytes is ever held).
pub fn read_all(reader: impl Read, head: Vec<u8>, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = head;
    if buf.len() > max {
        return Ok(None);
    }
    let room = (max - buf.len()) as u64 + 1;
    reader.take(room).read_to_end(&mut buf)?;
    Ok((buf.len() <= max).then_some(buf))
}

/// Reads a regular file whole: `Ok(None)` when it is larger than `max` bytes. A file that
/// fits the first buffer is read with one system call: a read of a regular file that
/// returns fewer bytes than asked for has reached its end (the second, empty read that
/// would confirm it is one system call per file saved, a tenth of a run over many small
/// files). Only for regular files: a pipe or a socket may return less before its end.
pub fn read_regular(mut file: std::fs::File, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = vec![0u8; max.saturating_add(1).min(4 << 10)];
    loop {
        match file.read(&mut buf) {
            Ok(n) if n < buf.len() => {
                buf.truncate(n);
                return Ok(Some(buf));
            }
            Ok(_) => return read_all(file, buf, max),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extensions_are_read_as_path_extension_reads_them() {
        for name in [
            "a.json",
            "dir/a.json",
            "a.ndjson",
            "a.jsonl",
            ".json",
            "dir/.json",
            "a.JSON",
            "json",
            "a.json.bak",
            "a..json",
            "dir.json/a",
            "/.json",
            "a/b.c.json",
            "",
        ] {
            let p = Path::new(name);
            let expected = matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "ndjson" | "jsonl")
            );
            assert_eq!(is_payload_file(p), expected, "{name:?}");
            let ndjson = matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("ndjson" | "jsonl")
            );
            assert_eq!(has_ndjson_extension(p), ndjson, "{name:?}");
        }
    }

    #[test]
    fn regular_files_are_read_whole_up_to_the_limit() {
        let dir = std::env::temp_dir().join(format!("events-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let read = |len: usize, max: usize| {
            let path = dir.join(format!("{len}.json"));
            let text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            std::fs::write(&path, &text).unwrap();
            let got = read_regular(std::fs::File::open(&path).unwrap(), max).unwrap();
            assert!(got.as_ref().is_none_or(|g| *g == text), "{len} bytes");
            got.map(|g| g.len())
        };
        assert_eq!(read(0, 100), Some(0));
        assert_eq!(read(300, 1000), Some(300));
        // The first buffer full, exactly, and more than it.
        assert_eq!(read(4 << 10, 1 << 20), Some(4 << 10));
        assert_eq!(read(100_000, 1 << 20), Some(100_000));
        // Over the limit, in the first buffer or after it.
        assert_eq!(read(101, 100), None);
        assert_eq!(read(100, 100), Some(100));
        assert_eq!(read(100_000, 50_000), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ndjson_is_two_documents_or_more_one_per_line() {
        let p = Path::new("x.json");
        assert!(!is_ndjson(p, b"{\"a\":1}\n"));
        assert!(!is_ndjson(p, b"\n  \n{\"a\":1}\n\n"));
        assert!(is_ndjson(p, b"\n{\"a\":1}\n{\"a\":2}"));
        assert!(is_ndjson(p, b"{}\n\n[]\n"));
        // A document over several lines is one document.
        assert!(!is_ndjson(p, b"{\n\"a\": 1\n}\n"));
        assert!(!is_ndjson(p, b""));
        assert!(is_ndjson(Path::new("x.ndjson"), b"{}"));
    }

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

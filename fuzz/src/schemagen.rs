//! Structure-aware schema sets for `schema_codegen`, driven by the fuzzer's bytes.
//!
//! Three ways to make a set from one input (its first byte chooses):
//! - `generated`: a whole set made up from the bytes: an envelope (flat or nested payload,
//!   a version field or none), shared `$defs`, 1-4 event files with properties, `$defs`,
//!   `$ref`s among them (loops included), enums, `const`, `oneOf` / `anyOf` / `allOf`,
//!   nullable types, maps, formats, `x-encoding`, odd names and descriptions;
//! - `mutated`: the repository's envelope, shared files and a few of its event files, with
//!   a few structural edits (a subschema replaced, a property renamed or added, a `$ref`
//!   re-pointed, a keyword removed);
//! - `raw`: the same subset with one file replaced by the input's raw bytes (the loader's
//!   JSON reading, duplicate keys, positions of errors).
//!
//! Sizes are bounded (depth, properties, files, node budget) so one input stays small.

use arbitrary::{Result, Unstructured};
use serde_json::{json, Map, Value};

/// Ordinary property, `$defs` and enum names.
pub const PLAIN: &[&str] = &[
    "id",
    "order_id",
    "items",
    "amount",
    "status",
    "note",
    "count",
    "price",
    "created_at",
    "user",
    "address",
    "lines",
    "Item",
    "Address",
    "Status",
    "pending",
    "done",
    "a",
    "b",
];

/// Odd names: Rust keywords and reserved words, names of generated items, non-XID
/// characters, case and separator collisions, JSON pointer and URI characters.
pub const NAMES: &[&str] = &[
    "orderId",
    "OrderId",
    "order-id",
    "order.id",
    "order id",
    "type",
    "version",
    "timestamp",
    "data",
    "metadata",
    "extra",
    "Event",
    "EventType",
    "Envelope",
    "self",
    "Self",
    "super",
    "crate",
    "_",
    "__",
    "",
    " ",
    "1st",
    "0",
    "-",
    "r#type",
    "fn",
    "match",
    "async",
    "gen",
    "try",
    "x²",
    "é",
    "ß",
    "İ",
    "ǅ",
    "Ⅻ",
    "a\u{301}",
    "💥",
    "\u{202e}bidi",
    "a\rb",
    "a\nb",
    "a/b",
    "a~b",
    "a%b",
    "a#b",
    "$ref",
    "default",
    "const",
    "enum",
    "examples",
    "properties",
    "Option",
    "String",
    "Vec",
    "Box",
    "std",
    "serde",
    "core",
    "Default",
    "new",
    "from_json",
    "None",
    "Some",
    "Ok",
    "Err",
    "Result",
    "OrderItem",
    "OrderConfirmedV1",
    "A",
    "B",
];

const EVENT_TYPES: &[&str] = &[
    "order.confirmed",
    "order.cancelled",
    "a.b",
    "a.b.c",
    "x_1.y_2",
    "event.type",
    "self.super",
    "type.version",
    "order.item",
    "order_item.x",
    "a.b_c",
    "a_b.c",
    "r.fn",
    "Order.Confirmed",
    "a..b",
    "a",
    "a.b.",
    "x².y",
    "1.2",
];

const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "ipv4",
    "ipv6",
    "uri",
    "uuid",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float",
    "double",
    "unix-time",
    "regex",
    "hostname",
    "bogus",
    "Int32",
    "",
];

const DESCRIPTIONS: &[&str] = &[
    "A plain description.",
    "Ends a comment */ here.",
    "A bare\rCR.",
    "A bidi \u{202e}override\u{202c}.",
    "```rust\nfn broken( {\n```",
    "\"Quoted\" and \\ backslash.",
    "#[doc = \"x\"]",
    "NUL \u{0} inside.",
    "Line\u{2028}separator.",
    "",
    "[link](x) and <b>html</b>",
    "Tab\tand trailing space ",
    "/// doc in doc",
];

const TYPES: &[&str] = &[
    "string", "integer", "number", "boolean", "null", "object", "array",
];

/// A made-up schema set: `(relative path, document)` pairs.
pub type Files = Vec<(String, Value)>;

struct Gen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    /// Nodes left to make.
    budget: u32,
    /// `$defs` names of the shared file.
    common: Vec<String>,
    /// `$defs` names of the file being made.
    local: Vec<String>,
    /// Whether the file being made is an event file (in `events/`) or at the root.
    in_event_dir: bool,
}

fn pick<'s>(u: &mut Unstructured<'_>, items: &[&'s str]) -> &'s str {
    items[u.choose_index(items.len()).unwrap_or(0)]
}

/// True once in `one_in` times; false when the bytes are used up (so that the plain
/// choice is the default one).
fn flip(u: &mut Unstructured<'_>, one_in: u8) -> bool {
    !u.is_empty() && u.ratio(1, one_in.max(1)).unwrap_or(false)
}

fn small(u: &mut Unstructured<'_>, max: usize) -> usize {
    u.int_in_range(0..=max).unwrap_or(0)
}

/// An arbitrary string of at most 24 characters.
fn free_string(u: &mut Unstructured<'_>) -> String {
    let s: String = u.arbitrary().unwrap_or_default();
    s.chars().take(24).collect()
}

fn name(u: &mut Unstructured<'_>) -> String {
    if flip(u, 10) {
        free_string(u)
    } else if flip(u, 4) {
        pick(u, NAMES).to_owned()
    } else {
        pick(u, PLAIN).to_owned()
    }
}

/// `name` as a JSON pointer token inside a URI fragment (escaped, or sometimes raw).
fn pointer_token(u: &mut Unstructured<'_>, name: &str) -> String {
    if flip(u, 8) {
        return name.to_owned();
    }
    let escaped = name.replace('~', "~0").replace('/', "~1");
    let mut out = String::new();
    for b in escaped.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Gen<'_, '_> {
    fn description(&mut self, map: &mut Map<String, Value>) {
        if !flip(self.u, 6) {
            let d = if flip(self.u, 3) {
                pick(self.u, DESCRIPTIONS).to_owned()
            } else {
                "A field.".to_owned()
            };
            map.insert("description".into(), Value::String(d));
        }
    }

    fn reference(&mut self) -> String {
        let local_dir = if self.in_event_dir { "../" } else { "" };
        match small(self.u, 9) {
            0..=3 if !self.local.is_empty() => {
                let n = self.local[self.u.choose_index(self.local.len()).unwrap_or(0)].clone();
                format!("#/$defs/{}", pointer_token(self.u, &n))
            }
            0..=6 if !self.common.is_empty() => {
                let n = self.common[self.u.choose_index(self.common.len()).unwrap_or(0)].clone();
                format!(
                    "{local_dir}common/defs.json#/$defs/{}",
                    pointer_token(self.u, &n)
                )
            }
            7 => "#".to_owned(),
            8 => format!("{local_dir}common/defs.json"),
            _ => {
                let bogus = [
                    "#/$defs/missing",
                    "nope.json",
                    "#/properties",
                    "#/properties/id",
                    "http://example.com/schema.json",
                    "../../outside.json",
                    "#/$defs/",
                    "#%ZZ",
                    "",
                    "envelope.json#/properties/type",
                ];
                pick(self.u, &bogus).to_owned()
            }
        }
    }

    fn enum_values(&mut self) -> Vec<Value> {
        let n = small(self.u, 6);
        let kind = small(self.u, 3);
        (0..n)
            .map(|_| match kind {
                0 | 1 => Value::String(name(self.u)),
                2 => json!(self.u.arbitrary::<i64>().unwrap_or(0)),
                _ => match small(self.u, 3) {
                    0 => Value::String(name(self.u)),
                    1 => json!(self.u.arbitrary::<i32>().unwrap_or(0)),
                    2 => Value::Null,
                    _ => json!(1.5),
                },
            })
            .collect()
    }

    fn primitive(&mut self) -> Value {
        let ty = pick(self.u, &TYPES[..5]);
        let mut m = Map::new();
        m.insert("type".into(), json!(ty));
        if flip(self.u, 3) {
            m.insert("format".into(), json!(pick(self.u, FORMATS)));
        }
        if ty == "string" && flip(self.u, 6) {
            m.insert(
                "pattern".into(),
                json!(pick(self.u, &["^[A-Z]{3}$", "(", "^.*$", "\\p{L}+"])),
            );
        }
        if (ty == "integer" || ty == "number") && flip(self.u, 6) {
            m.insert(
                "minimum".into(),
                json!(self.u.arbitrary::<i64>().unwrap_or(0)),
            );
        }
        self.description(&mut m);
        Value::Object(m)
    }

    fn object(&mut self, depth: u32) -> Value {
        let mut props = Map::new();
        let mut names = Vec::new();
        for _ in 0..small(self.u, 5) {
            let n = name(self.u);
            let s = self.schema(depth + 1);
            names.push(n.clone());
            props.insert(n, s);
        }
        let mut m = Map::new();
        m.insert("type".into(), json!("object"));
        m.insert("properties".into(), Value::Object(props));
        let mut required: Vec<Value> = names
            .iter()
            .filter(|_| flip(self.u, 2))
            .map(|n| json!(n))
            .collect();
        if flip(self.u, 10) {
            required.push(json!(name(self.u)));
        }
        if !required.is_empty() {
            m.insert("required".into(), Value::Array(required));
        }
        match small(self.u, 4) {
            0 => {
                m.insert("additionalProperties".into(), json!(false));
            }
            1 => {
                m.insert("additionalProperties".into(), json!(true));
            }
            2 => {
                let s = self.schema(depth + 1);
                m.insert("additionalProperties".into(), s);
            }
            _ => {}
        }
        self.description(&mut m);
        Value::Object(m)
    }

    fn schema(&mut self, depth: u32) -> Value {
        if self.budget == 0 || depth >= 5 {
            return self.primitive();
        }
        self.budget -= 1;
        let mut v = match small(self.u, 13) {
            0 | 1 => self.primitive(),
            2 | 3 => self.object(depth),
            4 => {
                let items = self.schema(depth + 1);
                let mut m = Map::new();
                m.insert("type".into(), json!("array"));
                m.insert("items".into(), items);
                if flip(self.u, 3) {
                    m.insert("x-encoding".into(), json!("json-string"));
                }
                Value::Object(m)
            }
            5 => {
                let mut m = Map::new();
                let values = self.enum_values();
                if flip(self.u, 2) {
                    m.insert("type".into(), json!("string"));
                }
                m.insert("enum".into(), Value::Array(values));
                Value::Object(m)
            }
            6 => {
                let c = self.enum_values().into_iter().next().unwrap_or(json!("x"));
                json!({ "const": c })
            }
            7 | 8 => {
                let r = self.reference();
                let mut m = Map::new();
                m.insert("$ref".into(), Value::String(r));
                Value::Object(m)
            }
            9 => {
                let key = pick(self.u, &["oneOf", "anyOf", "allOf"]);
                let parts: Vec<Value> = (0..1 + small(self.u, 3))
                    .map(|_| self.schema(depth + 1))
                    .collect();
                let mut m = Map::new();
                m.insert(key.into(), Value::Array(parts));
                if flip(self.u, 3) {
                    m.insert("type".into(), json!("object"));
                }
                Value::Object(m)
            }
            10 => {
                let ty = pick(self.u, &TYPES[..4]);
                json!({ "type": [ty, "null"] })
            }
            11 => {
                let values = self.schema(depth + 1);
                json!({ "type": "object", "additionalProperties": values })
            }
            12 => json!({}),
            _ => {
                // An unknown keyword, a near miss of a known one, or a vendor extension.
                let key = pick(
                    self.u,
                    &[
                        "x-go-type",
                        "tpye",
                        "requried",
                        "x-event",
                        "x-envelope",
                        "definitions",
                        "items",
                    ],
                );
                let mut p = self.primitive();
                if let Value::Object(m) = &mut p {
                    m.insert(key.into(), json!("x"));
                }
                p
            }
        };
        if let Value::Object(m) = &mut v {
            if !m.contains_key("description") {
                self.description(m);
            }
        }
        v
    }

    fn defs(&mut self, names: &[String]) -> Map<String, Value> {
        names.iter().map(|n| (n.clone(), self.schema(1))).collect()
    }
}

/// A whole schema set made from the bytes.
pub fn generated(u: &mut Unstructured<'_>) -> Result<Files> {
    let mut files = Files::new();
    let common: Vec<String> = (0..small(u, 4)).map(|_| name(u)).collect();
    let mut g = Gen {
        u,
        budget: 60,
        common: common.clone(),
        local: Vec::new(),
        in_event_dir: false,
    };

    // The envelope.
    let flat = !flip(g.u, 4);
    let type_field = if flip(g.u, 8) {
        name(g.u)
    } else {
        "type".to_owned()
    };
    let version_field = match small(g.u, 5) {
        0 => None,
        1 if !flat => Some("metadata.version".to_owned()),
        2 => Some(name(g.u)),
        _ => Some("version".to_owned()),
    };
    let mut props = Map::new();
    props.insert(
        type_field.clone(),
        json!({"type": "string", "description": "The type."}),
    );
    if let Some(v) = &version_field {
        if let Some((head, tail)) = v.split_once('.') {
            props.insert(
                head.to_owned(),
                json!({"type": "object", "description": "Header.", "properties": {
                    tail: {"type": "string", "description": "Version."}}}),
            );
        } else {
            props.insert(
                v.clone(),
                json!({"type": "string", "description": "Version."}),
            );
        }
    }
    if flip(g.u, 2) {
        props.insert(
            "timestamp".into(),
            json!({"type": "integer", "format": "unix-time", "description": "When."}),
        );
    }
    for _ in 0..small(g.u, 2) {
        let n = name(g.u);
        let s = g.schema(2);
        props.insert(n, s);
    }
    let payload = if flat {
        json!("flat")
    } else {
        props.insert(
            "data".into(),
            json!({"type": "object", "description": "Payload."}),
        );
        json!({"field": "data"})
    };
    let mut meta = Map::new();
    meta.insert("type_field".into(), json!(type_field));
    if let Some(v) = &version_field {
        meta.insert("version_field".into(), json!(v));
    }
    meta.insert("payload".into(), payload);
    let required: Vec<&str> = vec![type_field.as_str()];
    files.push((
        "envelope.json".to_owned(),
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "description": "Envelope.",
            "x-envelope": meta,
            "type": "object",
            "properties": props,
            "required": required,
        }),
    ));

    // Shared definitions.
    if !common.is_empty() {
        g.local = common.clone();
        let defs = g.defs(&common);
        files.push((
            "common/defs.json".to_owned(),
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "description": "Shared.",
                "$defs": defs,
            }),
        ));
    }

    // Events.
    g.in_event_dir = true;
    for _ in 0..1 + small(g.u, 3) {
        let event_type = if flip(g.u, 5) {
            free_string(g.u)
        } else {
            pick(g.u, EVENT_TYPES).to_owned()
        };
        let major = 1 + small(g.u, 2);
        let version = if flip(g.u, 12) {
            pick(g.u, &["1", "1.0.0", "x.y", "01.0", "99999999999.0", ""]).to_owned()
        } else {
            format!("{major}.{}", small(g.u, 3))
        };
        g.local = (0..small(g.u, 3)).map(|_| name(g.u)).collect();
        let local = g.local.clone();
        let defs = g.defs(&local);
        let mut body = g.object(0);
        let mut x_event = Map::new();
        x_event.insert("type".into(), json!(event_type));
        x_event.insert("version".into(), json!(version));
        let channel = if flip(g.u, 2) { "stream" } else { "topic" };
        x_event.insert(channel.into(), json!(format!("{event_type}:events")));
        x_event.insert("producer".into(), json!("fuzz"));
        x_event.insert("consumers".into(), json!(["a", "b"]));
        if flip(g.u, 6) {
            let mode = pick(
                g.u,
                &[
                    "backward",
                    "forward",
                    "full",
                    "none",
                    "full_transitive",
                    "sideways",
                ],
            );
            x_event.insert("compatibility".into(), json!(mode));
        }
        if flip(g.u, 16) {
            // A broken metadata field.
            let key = pick(g.u, &["type", "version", "producer", "consumers", "stream"]);
            x_event.insert(key.into(), json!(42));
        }
        if let Value::Object(m) = &mut body {
            m.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
            m.insert("x-event".into(), Value::Object(x_event));
            if !local.is_empty() {
                m.insert("$defs".into(), Value::Object(defs));
            }
            if !m.contains_key("description") {
                m.insert("description".into(), json!("An event."));
            }
        }
        let file_major = if flip(g.u, 16) { major + 1 } else { major };
        // A file name cannot hold `/` or NUL; the loader then reports the mismatch.
        let file_name: String = event_type
            .chars()
            .map(|c| if c == '/' || c == '\0' { '_' } else { c })
            .collect();
        files.push((format!("events/{file_name}.v{file_major}.json"), body));
    }
    Ok(files)
}

/// The repository's schema files, `(relative path, text)`, sorted; read once.
pub fn repository_files() -> &'static [(String, String)] {
    static FILES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let root = crate::schemas_dir();
        let mut out = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("schemas directory") {
                let path = entry.expect("schemas directory entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    let rel = path
                        .strip_prefix(&root)
                        .expect("inside schemas/")
                        .to_string_lossy()
                        .replace('\\', "/");
                    out.push((rel, std::fs::read_to_string(&path).expect("schema file")));
                }
            }
        }
        out.sort();
        out
    })
}

/// The envelope, the shared files and the event files `picked` (indices into
/// [`repository_files`]) of the repository's set, as text.
pub fn repository_subset(picked: &[usize]) -> Vec<(String, String)> {
    repository_files()
        .iter()
        .enumerate()
        .filter(|(i, (rel, _))| {
            rel == "envelope.json" || rel.starts_with("common/") || picked.contains(i)
        })
        .map(|(_, f)| f.clone())
        .collect()
}

/// Every JSON pointer to an object inside `v`.
fn object_pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            out.push(at.clone());
            for (k, c) in m {
                let token = k.replace('~', "~0").replace('/', "~1");
                object_pointers(c, format!("{at}/{token}"), out);
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                object_pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// A few of the repository's files with a few structural edits.
pub fn mutated(u: &mut Unstructured<'_>) -> Result<Files> {
    let all = repository_files();
    let picked: Vec<usize> = (0..1 + small(u, 2))
        .map(|_| u.choose_index(all.len()).unwrap_or(0))
        .collect();
    let mut files: Files = repository_subset(&picked)
        .into_iter()
        .map(|(rel, text)| {
            (
                rel,
                serde_json::from_str(&text).expect("repository schema is JSON"),
            )
        })
        .collect();
    let common: Vec<String> = files
        .iter()
        .filter(|(rel, _)| rel.starts_with("common/"))
        .flat_map(|(_, doc)| {
            doc.get("$defs")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    for _ in 0..1 + small(u, 3) {
        let f = u.choose_index(files.len()).unwrap_or(0);
        let mut pointers = Vec::new();
        object_pointers(&files[f].1, String::new(), &mut pointers);
        let at = pointers[u.choose_index(pointers.len()).unwrap_or(0)].clone();
        let in_event_dir = files[f].0.contains('/');
        let op = small(u, 6);
        let mut g = Gen {
            u,
            budget: 20,
            common: common.clone(),
            local: Vec::new(),
            in_event_dir,
        };
        let Some(Value::Object(target)) = files[f].1.pointer_mut(&at) else {
            continue;
        };
        match op {
            0 => {
                // Replace the object by a made-up schema (the document root stays an object).
                let s = g.schema(1);
                if let Value::Object(m) = s {
                    if at.is_empty() {
                        target.extend(m);
                    } else {
                        *target = m;
                    }
                }
            }
            1 => {
                // A new property with an odd name.
                let n = name(g.u);
                let s = g.schema(2);
                let props = target.entry("properties").or_insert_with(|| json!({}));
                if let Value::Object(p) = props {
                    p.insert(n, s);
                }
            }
            2 => {
                // Rename a key.
                let keys: Vec<String> = target.keys().cloned().collect();
                if !keys.is_empty() {
                    let k = &keys[g.u.choose_index(keys.len()).unwrap_or(0)];
                    let v = target.remove(k).unwrap_or(Value::Null);
                    target.insert(name(g.u), v);
                }
            }
            3 => {
                let r = g.reference();
                target.insert("$ref".into(), Value::String(r));
            }
            4 => {
                let keys: Vec<String> = target.keys().cloned().collect();
                if !keys.is_empty() {
                    let k = &keys[g.u.choose_index(keys.len()).unwrap_or(0)];
                    target.remove(k);
                }
            }
            5 => {
                let values = g.enum_values();
                target.insert("enum".into(), Value::Array(values));
            }
            _ => {
                let ty = pick(g.u, TYPES);
                target.insert("type".into(), json!(ty));
            }
        }
    }
    Ok(files)
}

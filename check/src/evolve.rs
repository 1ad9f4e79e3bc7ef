//! Contract evolution policy: compare an old and a new schema set event by event, decide
//! which version bump each event needs, and check the declared versions against it.

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::diff::{diff_event, needed_bump, Bump, Change, Effect, Mode};
use crate::sample::{instance, Mode as Sample};
use crate::validate::Validator;
use events_codegen::schema::SchemaSet;

/// A deliberate break, accepted by an entry in the repository's accepted-breaks file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedBreak {
    /// Event type.
    pub event: String,
    /// Major version.
    pub major: u32,
    /// Rule name (`property-removed-from-closed-content-model`, `major-removed`, …).
    pub rule: String,
    /// Schema path the entry is limited to; all paths when absent.
    #[serde(default)]
    pub path: Option<String>,
    /// Why the break is acceptable (required, for review).
    pub reason: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptedFile {
    accepted: Vec<AcceptedBreak>,
}

/// Why an accepted-breaks file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AcceptedBreaksError {
    /// The file exists but cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not `{"accepted": [...]}` with the expected fields.
    #[error("{}: line {line}, column {column}: {message}", path.display())]
    Malformed {
        /// The file.
        path: std::path::PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde found wrong.
        message: String,
    },
    /// An entry without a reason.
    #[error("{}: entry {index} ({event} v{major}): `reason` must say why the break is acceptable", path.display())]
    NoReason {
        /// The file.
        path: std::path::PathBuf,
        /// Index of the entry.
        index: usize,
        /// Its event type.
        event: String,
        /// Its major version.
        major: u32,
    },
    /// An entry naming a rule the diff engine does not have.
    #[error("{}: entry {index}: unknown rule {rule:?}{}", path.display(), nearest.map(|n| format!(" (did you mean {n:?}?)")).unwrap_or_default())]
    UnknownRule {
        /// The file.
        path: std::path::PathBuf,
        /// Index of the entry.
        index: usize,
        /// The rule as written.
        rule: String,
        /// The nearest rule name.
        nearest: Option<&'static str>,
    },
}

/// Reads an accepted-breaks file (`{"accepted": [{event, major, rule, path?, reason}]}`).
/// A missing file means no accepted breaks.
pub fn load_accepted(path: &Path) -> Result<Vec<AcceptedBreak>, AcceptedBreaksError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(AcceptedBreaksError::Read {
                path: path.to_owned(),
                source,
            })
        }
    };
    let file: AcceptedFile =
        serde_json::from_str(&text).map_err(|e| AcceptedBreaksError::Malformed {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    for (index, a) in file.accepted.iter().enumerate() {
        if a.reason.trim().is_empty() {
            return Err(AcceptedBreaksError::NoReason {
                path: path.to_owned(),
                index,
                event: a.event.clone(),
                major: a.major,
            });
        }
        if crate::diff::Rule::from_name(&a.rule).is_none()
            && !matches!(a.rule.as_str(), "major-removed")
        {
            let names: Vec<&'static str> =
                crate::diff::Rule::ALL.iter().map(|r| r.name()).collect();
            return Err(AcceptedBreaksError::UnknownRule {
                path: path.to_owned(),
                index,
                rule: a.rule.clone(),
                nearest: events_rt::nearest_of(&a.rule, &names),
            });
        }
    }
    Ok(file.accepted)
}

/// One change with its verdict.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The change.
    pub change: Change,
    /// Allowed by the event's mode.
    pub allowed: bool,
    /// The reason of the accepted-break entry that covers it, if any.
    pub accepted: Option<String>,
    /// A document that shows the break: `(accepted by, rejected by, document)`.
    pub example: Option<(&'static str, &'static str, Value)>,
}

/// The verdict for one event type and major version.
#[derive(Debug, Clone)]
pub struct EventCheck {
    /// Event type.
    pub event_type: String,
    /// Major version.
    pub major: u32,
    /// Schema file (relative to the new set).
    pub rel: String,
    /// Version before, if the event existed.
    pub old_version: Option<String>,
    /// Version now, if the event still exists.
    pub new_version: Option<String>,
    /// The mode it was checked under.
    pub mode: Mode,
    /// Every difference.
    pub findings: Vec<Finding>,
    /// The bump the differences need.
    pub needed: Bump,
    /// What is wrong (empty when the event passes).
    pub problems: Vec<String>,
}

/// Compares two sets. `mode_override` replaces every event's configured mode.
pub fn check(
    old: &SchemaSet,
    new: &SchemaSet,
    mode_override: Option<Mode>,
    accepted: &[AcceptedBreak],
) -> Vec<EventCheck> {
    // Compiled only when a refused change needs a counter-example: most checks refuse nothing.
    let validators = std::cell::OnceCell::new();
    let validators =
        || validators.get_or_init(|| (Validator::new(old).ok(), Validator::new(new).ok()));
    let mut out = Vec::new();
    for ne in &new.events {
        let mode = mode_override
            .or_else(|| ne.compatibility.as_deref().and_then(Mode::parse))
            .or_else(|| new.envelope.compatibility.as_deref().and_then(Mode::parse))
            .unwrap_or(Mode::Backward);
        let Some(oe) = old
            .events
            .iter()
            .find(|o| o.event_type == ne.event_type && o.major == ne.major)
        else {
            out.push(EventCheck {
                event_type: ne.event_type.clone(),
                major: ne.major,
                rel: ne.schema_ref(),
                old_version: None,
                new_version: Some(ne.version.clone()),
                mode,
                findings: Vec::new(),
                needed: Bump::None,
                problems: Vec::new(),
            });
            continue;
        };
        let changes = diff_event(old, &oe.schema_ref(), new, &ne.schema_ref(), &ne.event_type);
        let accepts = |c: &Change| {
            accepted.iter().find(|a| {
                a.event == ne.event_type
                    && a.major == ne.major
                    && a.rule == c.rule.name()
                    && a.path.as_ref().is_none_or(|p| *p == c.path)
            })
        };
        let needed = needed_bump(&changes, mode, |c| accepts(c).is_some());
        let findings: Vec<Finding> = changes
            .iter()
            .map(|c| {
                let allowed = mode.allows(c.rule.effect());
                let example = if allowed {
                    None
                } else {
                    match validators() {
                        (Some(ov), Some(nv)) => {
                            counter_example(ov, nv, &oe.event_type, oe.major, c, mode)
                        }
                        _ => None,
                    }
                };
                Finding {
                    change: c.clone(),
                    allowed,
                    accepted: accepts(c).map(|a| a.reason.clone()),
                    example,
                }
            })
            .collect();
        let mut problems = Vec::new();
        let next_major = format!("{}.v{}.json", ne.event_type, ne.major + 1);
        if ne.minor < oe.minor {
            problems.push(format!(
                "version went down from {} to {}",
                oe.version, ne.version
            ));
        }
        match needed {
            Bump::Major => problems.push(format!(
                "breaking under {} mode: add `{next_major}` (keep v{} until it is retired), or accept the break in the accepted-breaks file",
                mode.as_str(),
                ne.major
            )),
            Bump::Minor if ne.minor <= oe.minor => problems.push(format!(
                "the schema changed but its version did not: bump to {}.{}",
                ne.major,
                oe.minor + 1
            )),
            _ => {}
        }
        out.push(EventCheck {
            event_type: ne.event_type.clone(),
            major: ne.major,
            rel: ne.schema_ref(),
            old_version: Some(oe.version.clone()),
            new_version: Some(ne.version.clone()),
            mode,
            findings,
            needed,
            problems,
        });
    }
    for oe in &old.events {
        if new
            .events
            .iter()
            .any(|n| n.event_type == oe.event_type && n.major == oe.major)
        {
            continue;
        }
        let accepted_removal = accepted
            .iter()
            .any(|a| a.event == oe.event_type && a.major == oe.major && a.rule == "major-removed");
        let still_has_type = new.events.iter().any(|n| n.event_type == oe.event_type);
        let what = if still_has_type {
            "major version"
        } else {
            "event"
        };
        out.push(EventCheck {
            event_type: oe.event_type.clone(),
            major: oe.major,
            rel: oe.schema_ref(),
            old_version: Some(oe.version.clone()),
            new_version: None,
            mode: Mode::None,
            findings: Vec::new(),
            needed: Bump::None,
            problems: if accepted_removal {
                Vec::new()
            } else {
                vec![format!(
                    "{what} removed: `{}` is gone; consumers may still read it. Restore it, or retire it explicitly with an accepted-breaks entry (rule `major-removed`)",
                    oe.schema_ref()
                )]
            },
        });
    }
    out.sort_by(|a, b| (&a.event_type, a.major).cmp(&(&b.event_type, b.major)));
    out
}

/// A document one side accepts and the other rejects, found by probing sample documents
/// at the changed place, in the direction `mode` refuses only: a backward refusal is shown
/// by old data the new schema rejects, a forward one by new data the old schema rejects (a
/// document of the other direction proves nothing about the refusal).
fn counter_example(
    old: &Validator,
    new: &Validator,
    event_type: &str,
    major: u32,
    change: &Change,
    mode: Mode,
) -> Option<(&'static str, &'static str, Value)> {
    const BACKWARD: (bool, &str, &str) = (true, "old", "new");
    const FORWARD: (bool, &str, &str) = (false, "new", "old");
    let refused = |effect: Effect| !mode.allows(effect);
    let mut directions = Vec::new();
    if refused(Effect::Narrows) {
        directions.push(BACKWARD);
    }
    if refused(Effect::Widens) {
        directions.push(FORWARD);
    }
    // Within those, the direction the rule's effect breaks first.
    if change.rule.effect() == Effect::Widens {
        directions.reverse();
    }
    for (from_old, accepted_by, rejected_by) in directions {
        let (src, dst) = if from_old { (old, new) } else { (new, old) };
        let catalog = src.catalog();
        let event = catalog
            .events
            .iter()
            .find(|e| e.def.event_type == event_type && e.def.major == major)?;
        let bases = [
            instance(catalog, event, Sample::Full),
            instance(catalog, event, Sample::Minimal),
        ];
        let probes = probes(change);
        for base in &bases {
            if src.validate(base).is_valid() && !dst.validate(base).is_valid() {
                return Some((accepted_by, rejected_by, base.clone()));
            }
            let Some(ip) = &change.instance_path else {
                continue;
            };
            for probe in &probes {
                let mut doc = base.clone();
                if !set_at(&mut doc, ip, probe.clone()) {
                    continue;
                }
                if src.validate(&doc).is_valid() && !dst.validate(&doc).is_valid() {
                    return Some((accepted_by, rejected_by, doc));
                }
            }
        }
    }
    None
}

fn probes(change: &Change) -> Vec<Value> {
    let mut out = Vec::new();
    for v in [&change.old, &change.new].into_iter().flatten() {
        match v {
            Value::Array(items) => out.extend(items.iter().cloned()),
            Value::Number(n) => {
                if let Some(f) = n.as_f64() {
                    out.extend([json!(f), json!(f - 1.0), json!(f + 1.0)]);
                    if let Some(i) = n.as_i64() {
                        out.extend([
                            json!(i),
                            json!(i - 1),
                            json!(i + 1),
                            json!("x".repeat(i.clamp(0, 4096) as usize)),
                        ]);
                    }
                }
            }
            Value::String(s) => out.push(json!(s)),
            _ => {}
        }
    }
    out.extend([
        json!("x"),
        json!(""),
        json!(0),
        json!(1),
        json!(-1),
        json!(1.5),
        json!(true),
        Value::Null,
        json!({}),
        json!([]),
        json!("x".repeat(300)),
        json!(1e12),
    ]);
    out
}

/// Sets the value at a JSON pointer (`*` means the first element or key), creating objects
/// on the way. Returns false when the path cannot be made.
fn set_at(doc: &mut Value, pointer: &str, value: Value) -> bool {
    let segs: Vec<String> = events_codegen::schema::pointer_segments(pointer).collect();
    let Some((last, parents)) = segs.split_last() else {
        *doc = value;
        return true;
    };
    let mut cur = doc;
    for seg in parents {
        cur = match cur {
            Value::Object(m) => {
                let key = if seg == "*" {
                    m.keys().next().cloned().unwrap_or_else(|| "key".into())
                } else {
                    seg.clone()
                };
                m.entry(key).or_insert_with(|| Value::Object(Map::new()))
            }
            Value::Array(a) => {
                let i = if seg == "*" {
                    0
                } else {
                    seg.parse().unwrap_or(usize::MAX)
                };
                if a.is_empty() && i == 0 {
                    a.push(Value::Object(Map::new()));
                }
                match a.get_mut(i) {
                    Some(v) => v,
                    None => return false,
                }
            }
            _ => return false,
        };
    }
    match cur {
        Value::Object(m) => {
            let key = if last == "*" {
                "extra_key".to_owned()
            } else {
                last.clone()
            };
            m.insert(key, value);
            true
        }
        Value::Array(a) => {
            let i = if last == "*" {
                0
            } else {
                last.parse().unwrap_or(usize::MAX)
            };
            if i < a.len() {
                a[i] = value;
                true
            } else if i == a.len() {
                a.push(value);
                true
            } else {
                false
            }
        }
        _ => false,
    }
}

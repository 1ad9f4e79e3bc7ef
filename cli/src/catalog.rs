//! The catalog a command works on: the schema set loaded (its warnings on stderr), an
//! event, a stream or a topic found in it (or the nearest name, when it is not there).

use std::path::Path;

use events_codegen::ir::Catalog;
use events_codegen::schema::{ChannelKind, EventDef};
use events_codegen::SchemaSet;

use crate::error::CliError;
use crate::output;

/// Loads the schema set, printing its warnings on stderr.
pub fn load(schemas: &Path) -> Result<SchemaSet, CliError> {
    let set = SchemaSet::load(schemas).map_err(CliError::Schema)?;
    output::schema_warnings(set.warnings());
    Ok(set)
}

/// Loads the schema set with the checked model its loading built (built once), printing
/// its warnings on stderr.
pub fn load_with_ir(schemas: &Path) -> Result<(SchemaSet, Catalog), CliError> {
    let (set, ir) = events_codegen::load_with_catalog(schemas).map_err(CliError::Schema)?;
    output::schema_warnings(set.warnings());
    Ok((set, ir))
}

/// The event of a type (and major version, default the highest), or what is wrong with the
/// name, with the nearest known one.
pub fn find_event<'a>(
    set: &'a SchemaSet,
    event_type: &str,
    major: Option<u32>,
) -> Result<&'a EventDef, String> {
    let majors: Vec<u32> = set
        .events
        .iter()
        .filter(|e| e.event_type == event_type)
        .map(|e| e.major)
        .collect();
    if majors.is_empty() {
        let mut types: Vec<&str> = set.events.iter().map(|e| e.event_type.as_str()).collect();
        types.dedup();
        let hint = events_rt::nearest_of(event_type, &types)
            .map(|t| format!(" (did you mean {t:?}?)"))
            .unwrap_or_default();
        return Err(format!("no event {event_type:?}{hint}"));
    }
    set.events
        .iter()
        .rfind(|e| e.event_type == event_type && major.is_none_or(|m| e.major == m))
        .ok_or_else(|| {
            let list: Vec<String> = majors.iter().map(u32::to_string).collect();
            format!(
                "{event_type} has no major version {} (it has {})",
                major.unwrap_or_default(),
                list.join(", ")
            )
        })
}

/// The streams of the catalog (channels of kind stream), sorted, once each.
pub fn streams(set: &SchemaSet) -> Vec<&str> {
    let mut streams: Vec<&str> = set
        .events
        .iter()
        .filter(|e| e.channel_kind == ChannelKind::Stream)
        .map(|e| e.channel.as_str())
        .collect();
    streams.sort_unstable();
    streams.dedup();
    streams
}

/// `stream` if the catalog has it, else a usage error naming the nearest one.
pub fn resolve<'a>(stream: &str, known: &[&'a str]) -> Result<&'a str, CliError> {
    if let Some(s) = known.iter().find(|s| **s == stream) {
        return Ok(s);
    }
    let hint = events_rt::nearest_of(stream, known)
        .map(|s| format!(" (did you mean {s:?}?)"))
        .unwrap_or_default();
    Err(CliError::input(format!(
        "{stream:?} is not a stream of the catalog{hint}"
    )))
}

//! `events docs --html`: the catalog as a static site. A map of services, channels and
//! consumers (SVG drawn at build time), a page per service, per channel and per event
//! and major version, and a search box over a JSON index (a small script; the pages work
//! without it). Self-contained (no server, no network: it opens from `file://`) and
//! deterministic: the same catalog gives the same bytes.

mod history;
mod map;
mod pages;
mod wire;

use std::collections::BTreeMap;
use std::path::Path;

use events_codegen::cloudevents::CloudEventMapping;
use events_codegen::ir::{Catalog, Event};
use events_codegen::schema::ChannelKind;
use events_codegen::SchemaSet;
use serde_json::Value;

const STYLE: &str = include_str!("style.css");
const SEARCH: &str = include_str!("search.js");

/// What the pages are made from: the catalog grouped by channel and by service.
pub(crate) struct Site<'a> {
    set: &'a SchemaSet,
    catalog: &'a Catalog,
    /// Events by channel name.
    channels: BTreeMap<&'a str, Vec<&'a Event>>,
    /// Services by name: the events they produce and those they consume.
    services: BTreeMap<&'a str, Service<'a>>,
    /// Example documents by event type (samples beside the schemas).
    samples: BTreeMap<String, (String, Value)>,
    /// How the envelope maps to CloudEvent attributes; `None` without an envelope.
    cloudevents: Option<CloudEventMapping>,
    /// `--history REF`: the revision named and every event's versions found in git.
    history: Option<(String, history::History)>,
}

#[derive(Default)]
pub(crate) struct Service<'a> {
    produces: Vec<&'a Event>,
    consumes: Vec<&'a Event>,
}

/// Writes the site of `set` (loaded from `schemas`, a directory or a catalog rule file)
/// into `out`; with `history`, a git revision (or `all`), each event page lists the
/// versions of its schema file found in git.
pub fn write(
    set: &SchemaSet,
    schemas: &Path,
    out: &Path,
    samples_dir: &Path,
    history: Option<&str>,
) -> Result<(), String> {
    let history = match history {
        Some(rev) => Some((rev.to_owned(), history::read(set, schemas, rev)?)),
        None => None,
    };
    let validator = events_check::validate::Validator::new(set).map_err(|e| e.to_string())?;
    let catalog = validator.catalog();
    let mut samples = crate::docs::load_samples(samples_dir, &catalog.type_field);
    // A field-map sample (every value a string) is shown in its JSON form.
    for (_, doc) in samples.values_mut() {
        if doc
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string))
        {
            *doc = validator.fields_to_json(&events_check::validate::json_to_fields(doc));
        }
    }
    let mut channels: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    let mut services: BTreeMap<&str, Service> = BTreeMap::new();
    for e in &catalog.events {
        channels.entry(&e.def.channel).or_default().push(e);
        services
            .entry(&e.def.producer)
            .or_default()
            .produces
            .push(e);
        for c in &e.def.consumers {
            services.entry(c).or_default().consumes.push(e);
        }
    }
    let site = Site {
        set,
        catalog,
        channels,
        services,
        samples,
        cloudevents: CloudEventMapping::of(set),
        history,
    };
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let put = |name: &str, text: &str| {
        std::fs::write(out.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))
    };
    put("style.css", STYLE)?;
    put("search.js", SEARCH)?;
    put("search-index.js", &pages::search_index(&site))?;
    put("index.html", &pages::index(&site))?;
    for (name, events) in &site.channels {
        put(&channel_page(name), &pages::channel(&site, name, events))?;
    }
    for (name, service) in &site.services {
        put(&service_page(name), &pages::service(&site, name, service))?;
    }
    for e in &site.catalog.events {
        put(&event_page(e), &pages::event(&site, e))?;
        let schema = events_check::validate::bundle(set, &e.def.schema_ref(), &e.def.event_type);
        let text = format!(
            "{}\n",
            serde_json::to_string_pretty(&schema).unwrap_or_default()
        );
        put(&schema_file(e), &text)?;
    }
    Ok(())
}

/// HTML-escapes text for element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A name as a file name part: ASCII letters, digits, `-`, `.` and `_`, anything else `_`.
fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(crate) fn channel_page(name: &str) -> String {
    format!("channel-{}.html", slug(name))
}

pub(crate) fn service_page(name: &str) -> String {
    format!("service-{}.html", slug(name))
}

pub(crate) fn event_page(e: &Event) -> String {
    format!("event-{}.v{}.html", slug(&e.def.event_type), e.def.major)
}

pub(crate) fn schema_file(e: &Event) -> String {
    format!(
        "event-{}.v{}.schema.json",
        slug(&e.def.event_type),
        e.def.major
    )
}

pub(crate) fn kind_name(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Stream => "stream",
        ChannelKind::Topic => "topic",
        ChannelKind::Exchange => "exchange",
    }
}

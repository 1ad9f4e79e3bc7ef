//! The pages of the site, as HTML text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use events_check::sample::{instance, Mode};
use events_codegen::ir::{Event, Struct, Ty, TypeKind};
use events_codegen::schema::ChannelKind;
use serde_json::{json, Value};

use super::history::{self, Change, Version};
use super::map::{Graph, Kind};
use super::{channel_page, esc, event_page, kind_name, schema_file, service_page, Service, Site};
use crate::docs::{ordered_json, ty_name};

/// A whole page around its body: the header with the navigation and the search box.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t} · event catalog</title>\n<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n<header>\n<a class=\"brand\" href=\"index.html\">Event catalog</a>\n<nav><a href=\"index.html#map\">Map</a><a href=\"index.html#events\">Events</a><a href=\"index.html#channels\">Channels</a><a href=\"index.html#services\">Services</a></nav>\n<div class=\"search\" role=\"search\"><input id=\"search\" type=\"search\" placeholder=\"Search events, fields, descriptions\" aria-label=\"Search\" autocomplete=\"off\"><ul id=\"search-results\"></ul></div>\n</header>\n<main>\n{body}</main>\n<script src=\"search-index.js\"></script>\n<script src=\"search.js\"></script>\n</body>\n</html>\n",
        t = esc(title)
    )
}

fn link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", esc(href), esc(text))
}

fn service_link(name: &str) -> String {
    link(&service_page(name), name)
}

fn channel_link(name: &str) -> String {
    link(&channel_page(name), name)
}

fn event_link(e: &Event) -> String {
    format!(
        "<a href=\"{}\"><code>{}</code></a> v{}",
        esc(&event_page(e)),
        esc(&e.def.event_type),
        e.def.major
    )
}

fn links(names: &[String], f: fn(&str) -> String) -> String {
    if names.is_empty() {
        return "<span class=\"muted\">none</span>".to_owned();
    }
    names.iter().map(|n| f(n)).collect::<Vec<_>>().join(", ")
}

/// Markdown-ish text with `code` spans as HTML.
fn code_spans(s: &str) -> String {
    esc(s)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

fn first_sentence(s: &str) -> &str {
    let line = s.lines().next().unwrap_or("");
    match line.find(". ") {
        Some(i) => &line[..=i],
        None => line,
    }
}

fn sorted_unique<'a>(it: impl Iterator<Item = &'a str>) -> Vec<String> {
    it.map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The node of a service in a flow picture, in a role (`producer`, `consumer`, `service`:
/// the same service may appear once in each), linked to its page.
fn service_node(g: &mut Graph, role: &str, name: &str) -> usize {
    g.node(
        &format!("{role}-{name}"),
        vec![name.to_owned()],
        &service_page(name),
        Kind::Service,
    )
}

fn channel_lines(site: &Site, name: &str) -> Vec<String> {
    let events = &site.channels[name];
    let n = events.len();
    vec![
        name.to_owned(),
        format!(
            "{} · {n} event{}",
            kind_name(events[0].def.channel_kind),
            if n == 1 { "" } else { "s" }
        ),
    ]
}

/// The system a channel belongs to, by its name's first part: `wms` for
/// `wms:events:picking`, `pvz` for `pvz.events`, `order` for Kafka's `order.created`.
pub(crate) fn channel_group(name: &str) -> &str {
    name.split([':', '.', '/']).next().unwrap_or(name)
}

/// The overview: producers → channels → consumers, one node per service and role and one
/// per channel, the channels clustered by system ([`channel_group`]); each arrow's tooltip
/// names its events.
fn overview(site: &Site) -> Graph {
    let mut g = Graph::default();
    for (name, events) in &site.channels {
        let ch = g.node(
            &format!("channel-{name}"),
            channel_lines(site, name),
            &channel_page(name),
            Kind::Channel,
        );
        let group = channel_group(name);
        g.group(group, group, ch);
        for e in events {
            let p = service_node(&mut g, "producer", &e.def.producer);
            let label = format!("{} v{}", e.def.event_type, e.def.major);
            g.edge(p, ch, &label);
            for c in &e.def.consumers {
                let c = service_node(&mut g, "consumer", c);
                g.edge(ch, c, &label);
            }
        }
    }
    g
}

const LEGEND: &str = "<p class=\"legend\"><span class=\"service\">service</span><span class=\"channel\">stream, topic or exchange</span> Producers on the left, consumers on the right; hover an arrow for its events, click a box for its page.</p>\n";
const MAP_LEGEND: &str = "<p class=\"legend\"><span class=\"service\">service</span><span class=\"channel\">stream, topic or exchange</span><span class=\"cluster\">system</span> Producers on the left, consumers on the right, channels grouped by the first part of their name; hover an arrow for its events, click a box for its page.</p>\n";

/// `index.html`: the map and the lists of events, channels and services.
pub(crate) fn index(site: &Site) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>Event catalog</h1>\n<p class=\"lead\">{} events, {} channels, {} services. Generated by <code>events docs --html</code> from the contract schemas.</p>",
        site.catalog.events.len(),
        site.channels.len(),
        site.services.len()
    );
    let _ = writeln!(
        b,
        "<h2 id=\"map\">Map</h2>\n{MAP_LEGEND}<div class=\"figure\">{}</div>",
        overview(site).svg("Map of the catalog: producers, channels, consumers")
    );
    b.push_str("<h2 id=\"events\">Events</h2>\n<table>\n<tr><th>event</th><th>version</th><th>channel</th><th>producer</th><th>consumers</th><th>description</th></tr>\n");
    for e in &site.catalog.events {
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            event_link(e),
            esc(&e.def.version),
            channel_link(&e.def.channel),
            service_link(&e.def.producer),
            links(&e.def.consumers, service_link),
            esc(first_sentence(e.def.description.as_deref().unwrap_or("")))
        );
    }
    b.push_str("</table>\n<h2 id=\"channels\">Channels</h2>\n<table>\n<tr><th>channel</th><th>kind</th><th>events</th><th>producers</th><th>consumers</th></tr>\n");
    for (name, events) in &site.channels {
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            channel_link(name),
            kind_name(events[0].def.channel_kind),
            events.len(),
            links(
                &sorted_unique(events.iter().map(|e| e.def.producer.as_str())),
                service_link
            ),
            links(
                &sorted_unique(
                    events
                        .iter()
                        .flat_map(|e| e.def.consumers.iter().map(String::as_str))
                ),
                service_link
            ),
        );
    }
    b.push_str("</table>\n<h2 id=\"services\">Services</h2>\n<table>\n<tr><th>service</th><th>produces</th><th>consumes</th></tr>\n");
    for (name, s) in &site.services {
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{} events</td><td>{} events</td></tr>",
            service_link(name),
            s.produces.len(),
            s.consumes.len()
        );
    }
    b.push_str("</table>\n");
    page("Map", &b)
}

/// A service's page: what it produces and consumes, on which channels, and its flow.
pub(crate) fn service(site: &Site, name: &str, s: &Service) -> String {
    let mut g = Graph::default();
    let me = service_node(&mut g, "service", name);
    for e in &s.consumes {
        let ch = g.node(
            &format!("in-{}", e.def.channel),
            channel_lines(site, &e.def.channel),
            &channel_page(&e.def.channel),
            Kind::Channel,
        );
        let p = service_node(&mut g, "producer", &e.def.producer);
        let label = format!("{} v{}", e.def.event_type, e.def.major);
        g.edge(p, ch, &label);
        g.edge(ch, me, &label);
    }
    for e in &s.produces {
        let ch = g.node(
            &format!("out-{}", e.def.channel),
            channel_lines(site, &e.def.channel),
            &channel_page(&e.def.channel),
            Kind::Channel,
        );
        let label = format!("{} v{}", e.def.event_type, e.def.major);
        g.edge(me, ch, &label);
        for c in &e.def.consumers {
            let c = service_node(&mut g, "consumer", c);
            g.edge(ch, c, &label);
        }
    }
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>Service <code>{}</code></h1>\n<p class=\"lead\">Produces {} events, consumes {}.</p>\n<h2 id=\"flow\">Flow</h2>\n{LEGEND}<div class=\"figure\">{}</div>",
        esc(name),
        s.produces.len(),
        s.consumes.len(),
        g.svg(&format!("Flow of service {name}"))
    );
    b.push_str("<h2 id=\"produces\">Produces</h2>\n");
    event_rows(&mut b, &s.produces, true);
    b.push_str("<h2 id=\"consumes\">Consumes</h2>\n");
    event_rows(&mut b, &s.consumes, false);
    page(&format!("Service {name}"), &b)
}

fn event_rows(b: &mut String, events: &[&Event], produced: bool) {
    if events.is_empty() {
        b.push_str("<p class=\"muted\">Nothing.</p>\n");
        return;
    }
    let other = if produced { "consumers" } else { "producer" };
    let _ = writeln!(
        b,
        "<table>\n<tr><th>event</th><th>channel</th><th>routing key</th><th>{other}</th></tr>"
    );
    for e in events {
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{} ({})</td><td>{}</td><td>{}</td></tr>",
            event_link(e),
            channel_link(&e.def.channel),
            kind_name(e.def.channel_kind),
            e.def
                .routing_key
                .as_deref()
                .map(|k| format!("<code>{}</code>", esc(k)))
                .unwrap_or_default(),
            if produced {
                links(&e.def.consumers, service_link)
            } else {
                service_link(&e.def.producer)
            }
        );
    }
    b.push_str("</table>\n");
}

/// A channel's page: its settings, events, producers and consumers.
pub(crate) fn channel(site: &Site, name: &str, events: &[&Event]) -> String {
    let kind = events[0].def.channel_kind;
    let mut g = Graph::default();
    let ch = g.node(
        &format!("channel-{name}"),
        channel_lines(site, name),
        &channel_page(name),
        Kind::Channel,
    );
    for e in events {
        let label = format!("{} v{}", e.def.event_type, e.def.major);
        let p = service_node(&mut g, "producer", &e.def.producer);
        g.edge(p, ch, &label);
        for c in &e.def.consumers {
            let c = service_node(&mut g, "consumer", c);
            g.edge(ch, c, &label);
        }
    }
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>{} <code>{}</code></h1>",
        match kind {
            ChannelKind::Stream => "Redis stream",
            ChannelKind::Topic => "Kafka topic",
            ChannelKind::Exchange => "RabbitMQ exchange",
        },
        esc(name)
    );
    b.push_str("<h2 id=\"settings\">Settings</h2>\n<table>\n");
    let _ = writeln!(b, "<tr><th>kind</th><td>{}</td></tr>", kind_name(kind));
    if let Some(n) = events.iter().find_map(|e| e.def.max_len) {
        let _ = writeln!(
            b,
            "<tr><th>MAXLEN</th><td><code>MAXLEN ~ {n}</code> on publish (<code>x-event.max_len</code>)</td></tr>"
        );
    }
    let mut topic = events_rt::TopicSettings::default();
    for e in events {
        topic.fill_from(&e.def.topic);
    }
    if let Some(p) = topic.partitions {
        let _ = writeln!(b, "<tr><th>partitions</th><td>{p}</td></tr>");
    }
    if let Some(r) = topic.replication {
        let _ = writeln!(b, "<tr><th>replication</th><td>{r}</td></tr>");
    }
    if let Some(r) = topic.retention_ms {
        let _ = writeln!(b, "<tr><th>retention</th><td>{r} ms</td></tr>");
    }
    let keys = sorted_unique(events.iter().filter_map(|e| e.def.routing_key.as_deref()));
    if !keys.is_empty() {
        let _ = writeln!(
            b,
            "<tr><th>routing keys</th><td>{}</td></tr>",
            keys.iter()
                .map(|k| format!("<code>{}</code>", esc(k)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    b.push_str("</table>\n");
    let _ = writeln!(
        b,
        "<h2 id=\"flow\">Flow</h2>\n{LEGEND}<div class=\"figure\">{}</div>",
        g.svg(&format!("Flow of {name}"))
    );
    b.push_str("<h2 id=\"events\">Events</h2>\n<table>\n<tr><th>event</th><th>version</th><th>producer</th><th>consumers</th><th>key</th></tr>\n");
    for e in events {
        let key = match (&e.def.routing_key, kind) {
            (Some(k), _) => format!("routing key <code>{}</code>", esc(k)),
            (None, ChannelKind::Topic) => match &e.def.key {
                Some(k) => format!("message key <code>{}</code>", esc(k)),
                None => "no message key".to_owned(),
            },
            _ => String::new(),
        };
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{key}</td></tr>",
            event_link(e),
            esc(&e.def.version),
            service_link(&e.def.producer),
            links(&e.def.consumers, service_link)
        );
    }
    b.push_str("</table>\n");
    // Who reads: per consumer, the events (and for an exchange the routing keys it binds).
    let mut readers: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in events {
        for c in &e.def.consumers {
            readers.entry(c).or_default().push(e);
        }
    }
    let (title, what) = match kind {
        ChannelKind::Stream => (
            "Consumer groups",
            "one consumer group per service (the group name is the service's unless its code says otherwise)",
        ),
        ChannelKind::Topic => ("Consumer groups", "one consumer group per service"),
        ChannelKind::Exchange => (
            "Bindings",
            "each consuming service's queue, bound with the routing keys of the events it reads",
        ),
    };
    let _ = writeln!(
        b,
        "<h2 id=\"consumers\">{title}</h2>\n<p class=\"muted\">{what}.</p>\n<table>\n<tr><th>service</th><th>events</th></tr>"
    );
    for (c, evs) in &readers {
        let list: Vec<String> = evs
            .iter()
            .map(|e| match &e.def.routing_key {
                Some(k) => format!("{} (<code>{}</code>)", event_link(e), esc(k)),
                None => event_link(e),
            })
            .collect();
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td></tr>",
            service_link(c),
            list.join(", ")
        );
    }
    b.push_str("</table>\n");
    page(&format!("{} {name}", kind_name(kind)), &b)
}

/// The schema node of a property, looked up through `$ref`s (into the bundle's `$defs`)
/// and the subschemas of `allOf`, `anyOf` and `oneOf`.
fn property<'v>(root: &'v Value, node: &'v Value, name: &str, depth: usize) -> Option<&'v Value> {
    if depth > 8 {
        return None;
    }
    if let Some(p) = node.get("properties").and_then(|p| p.get(name)) {
        return Some(p);
    }
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        if let Some(target) = r.strip_prefix('#').and_then(|p| root.pointer(p)) {
            if let Some(found) = property(root, target, name, depth + 1) {
                return Some(found);
            }
        }
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        for sub in node.get(k).and_then(Value::as_array).into_iter().flatten() {
            if let Some(found) = property(root, sub, name, depth + 1) {
                return Some(found);
            }
        }
    }
    None
}

/// The schema node of an array's items (through `$ref`s).
fn items<'v>(root: &'v Value, node: &'v Value) -> Option<&'v Value> {
    if let Some(i) = node.get("items") {
        return Some(i);
    }
    let r = node.get("$ref").and_then(Value::as_str)?;
    items(root, r.strip_prefix('#').and_then(|p| root.pointer(p))?)
}

const CONSTRAINTS: &[&str] = &[
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "const",
];

fn constraints(root: &Value, node: Option<&Value>) -> String {
    let Some(mut node) = node else {
        return String::new();
    };
    let mut out = Vec::new();
    for _ in 0..4 {
        for k in CONSTRAINTS {
            if let Some(v) = node.get(*k) {
                out.push(format!("<code>{}: {}</code>", k, esc(&v.to_string())));
            }
        }
        match node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| root.pointer(p))
        {
            Some(next) => node = next,
            None => break,
        }
    }
    out.dedup();
    out.join(" ")
}

/// The named type inside a field's type (through arrays, options and embedded JSON text),
/// and whether an array is on the way.
fn named_inside(ty: &Ty, array: bool) -> Option<(&String, bool)> {
    match ty {
        Ty::Named(n) => Some((n, array)),
        Ty::Vec(t) => named_inside(t, true),
        Ty::Embedded(t) | Ty::Option(t) => named_inside(t, array),
        _ => None,
    }
}

struct FieldRows<'a> {
    site: &'a Site<'a>,
    bundle: &'a Value,
    out: String,
    /// Search terms: field paths and descriptions.
    terms: Vec<String>,
}

impl FieldRows<'_> {
    fn walk(&mut self, st: &Struct, node: Option<&Value>, prefix: &str, depth: usize) {
        let catalog = self.site.catalog;
        for f in &st.fields {
            let path = format!("{prefix}{}", f.json_name);
            let prop = node.and_then(|n| property(self.bundle, n, &f.json_name, 0));
            let mut ty = ty_name(catalog, &f.ty);
            if f.nullable {
                ty.push_str(" or null");
            }
            let inner = named_inside(&f.ty, false);
            let _ = writeln!(
                self.out,
                "<tr id=\"f-{}\"><td class=\"depth-{}\"><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&path),
                depth.min(3),
                esc(&path),
                code_spans(&ty),
                if f.required { "required" } else { "optional" },
                f.default
                    .as_ref()
                    .map(|d| format!("<code>{}</code>", esc(&d.to_string())))
                    .unwrap_or_default(),
                constraints(self.bundle, prop),
                code_spans(f.doc.as_deref().unwrap_or(""))
            );
            self.terms.push(path.clone());
            if let Some(d) = &f.doc {
                self.terms.push(d.clone());
            }
            if let (Some((n, array)), true) = (inner, depth < 3) {
                if let Some(TypeKind::Struct(inner)) = catalog.types.get(n).map(|d| &d.kind) {
                    let sub = match array {
                        true => prop.and_then(|p| items(self.bundle, p)),
                        false => prop,
                    };
                    let sep = if array { "[]." } else { "." };
                    self.walk(inner, sub, &format!("{path}{sep}"), depth + 1);
                }
            }
        }
    }
}

fn field_rows<'a>(site: &'a Site<'a>, e: &Event, bundle: &'a Value) -> FieldRows<'a> {
    let mut rows = FieldRows {
        site,
        bundle,
        out: String::new(),
        terms: Vec::new(),
    };
    if let Some(TypeKind::Struct(st)) = site.catalog.types.get(&e.struct_name).map(|t| &t.kind) {
        rows.walk(st, Some(bundle), "", 0);
    }
    rows
}

/// The example document of an event: its sample when there is one of its major version,
/// else one generated from the schema.
fn example(site: &Site, e: &Event) -> (String, Value) {
    if let Some((name, v)) = site.samples.get(&e.def.event_type) {
        let mut at = Some(v);
        for k in &site.catalog.version_path {
            at = at.and_then(|v| v.get(k));
        }
        let same_major = match at.and_then(Value::as_str) {
            Some(version) => version.split('.').next() == Some(&e.def.major.to_string()),
            None => true,
        };
        if same_major {
            return (format!("sample <code>{}</code>", esc(name)), v.clone());
        }
    }
    (
        "generated from the schema".to_owned(),
        instance(site.catalog, e, Mode::Full),
    )
}

/// An event's page: facts, fields, the example in its wire forms, the schema.
pub(crate) fn event(site: &Site, e: &Event) -> String {
    let d = &e.def;
    let bundle = events_check::validate::bundle(site.set, &d.schema_ref(), &d.event_type);
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>Event <code>{}</code> v{}</h1>",
        esc(&d.event_type),
        d.major
    );
    if let Some(desc) = &d.description {
        let _ = writeln!(b, "<p class=\"lead\">{}</p>", code_spans(desc));
    }
    let others: Vec<String> = site
        .catalog
        .events
        .iter()
        .filter(|o| o.def.event_type == d.event_type && o.def.major != d.major)
        .map(event_link)
        .collect();
    b.push_str("<table>\n");
    let _ = writeln!(b, "<tr><th>version</th><td>{}</td></tr>", esc(&d.version));
    if !others.is_empty() {
        let _ = writeln!(
            b,
            "<tr><th>other majors</th><td>{}</td></tr>",
            others.join(", ")
        );
    }
    let _ = writeln!(
        b,
        "<tr><th>{}</th><td>{}</td></tr>",
        kind_name(d.channel_kind),
        channel_link(&d.channel)
    );
    if let Some(k) = &d.routing_key {
        let _ = writeln!(
            b,
            "<tr><th>routing key</th><td><code>{}</code></td></tr>",
            esc(k)
        );
    }
    if d.channel_kind == ChannelKind::Topic {
        let _ = writeln!(
            b,
            "<tr><th>message key</th><td>{}</td></tr>",
            e.key_pointer
                .as_deref()
                .map(|k| format!("<code>{}</code>", esc(k)))
                .unwrap_or_else(|| "none".to_owned())
        );
    }
    let _ = writeln!(
        b,
        "<tr><th>producer</th><td>{}</td></tr>\n<tr><th>consumers</th><td>{}</td></tr>",
        service_link(&d.producer),
        links(&d.consumers, service_link)
    );
    if let Some(c) = &d.compatibility {
        let _ = writeln!(b, "<tr><th>compatibility</th><td>{}</td></tr>", esc(c));
    }
    let _ = writeln!(
        b,
        "<tr><th>schema</th><td><code>{}</code></td></tr>\n<tr><th>Rust type</th><td><code>{}</code></td></tr>\n</table>",
        esc(&d.schema_ref()),
        esc(&e.struct_name)
    );
    let rows = field_rows(site, e, &bundle);
    let _ = writeln!(
        b,
        "<h2 id=\"fields\">Fields</h2>\n<table class=\"fields\">\n<tr><th>field</th><th>type</th><th></th><th>default</th><th>constraints</th><th>description</th></tr>\n{}</table>",
        rows.out
    );
    let (origin, doc) = example(site, e);
    let order: Vec<&str> = match site.catalog.types.get(&e.struct_name).map(|t| &t.kind) {
        Some(TypeKind::Struct(st)) => st.fields.iter().map(|f| f.json_name.as_str()).collect(),
        _ => Vec::new(),
    };
    let position = |k: &str| order.iter().position(|f| *f == k).unwrap_or(usize::MAX);
    let _ = writeln!(
        b,
        "<h2 id=\"example\">Example</h2>\n<p class=\"muted\">From the {origin}.</p>\n<h3 id=\"example-json\">JSON</h3>\n<pre><code>{}</code></pre>",
        esc(&ordered_json(&doc, &position))
    );
    b.push_str(&super::wire::forms(site, e, &doc, &position));
    let _ = writeln!(
        b,
        "<h2 id=\"schema\">JSON Schema</h2>\n<p>The whole document's schema, self-contained (envelope and payload composed, references inlined): <a href=\"{}\" download>download</a>, or <code>events schema {} --major {}</code>.</p>\n<details><summary>Show the schema</summary>\n<pre><code>{}</code></pre>\n</details>",
        esc(&schema_file(e)),
        esc(&d.event_type),
        d.major,
        esc(&serde_json::to_string_pretty(&bundle).unwrap_or_default())
    );
    if let Some((rev, history)) = &site.history {
        b.push_str(&history_section(
            rev,
            &d.schema_ref(),
            history
                .get(&(d.event_type.clone(), d.major))
                .map_or(&[], Vec::as_slice),
        ));
    }
    page(&format!("{} v{}", d.event_type, d.major), &b)
}

/// The versions of an event's schema file found in git, newest first, each with the
/// `events check` findings against the version before it.
fn history_section(rev: &str, rel: &str, versions: &[Version]) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h2 id=\"history\">History</h2>\n<p class=\"muted\">Every version of <code>{}</code> in the git commits reachable from <code>{}</code>, newest first, each checked by <code>events check</code> against the one before it.</p>",
        esc(rel),
        esc(if rev == "all" { "HEAD" } else { rev })
    );
    if versions.is_empty() {
        b.push_str("<p class=\"muted\">No committed version of this file.</p>\n");
        return b;
    }
    b.push_str("<table class=\"history\">\n<tr><th>date</th><th>commit</th><th>subject</th><th>version</th><th>verdict</th><th>findings</th></tr>\n");
    for v in versions {
        let short = &v.commit[..v.commit.len().min(10)];
        let (class, verdict) = history::verdict(&v.change);
        let (version, findings) = match &v.change {
            Change::First(version) => (
                version.as_deref().map(esc).unwrap_or_default(),
                String::new(),
            ),
            Change::Removed => (String::new(), String::new()),
            Change::Unreadable(e) => (String::new(), esc(e)),
            Change::Checked(r) => {
                let version = match (&r.old_version, &r.new_version) {
                    (Some(a), Some(n)) if a != n => format!("{} → {}", esc(a), esc(n)),
                    (_, Some(n)) => esc(n),
                    (Some(a), None) => esc(a),
                    (None, None) => String::new(),
                };
                let mut items: Vec<String> = r
                    .findings
                    .iter()
                    .map(|f| {
                        let mark = match (&f.accepted, f.allowed) {
                            (Some(reason), _) => format!("accepted: {}", esc(reason)),
                            (None, true) => "compatible".to_owned(),
                            (None, false) => "<strong>breaking</strong>".to_owned(),
                        };
                        format!(
                            "<li><code>{}</code> {} at <code>{}</code> ({mark})</li>",
                            esc(f.change.rule.name()),
                            esc(f.change.rule.description()),
                            esc(&f.change.path)
                        )
                    })
                    .collect();
                items.extend(
                    r.problems
                        .iter()
                        .map(|p| format!("<li class=\"problem\">{}</li>", esc(p))),
                );
                let list = match items.is_empty() {
                    true => String::new(),
                    false => format!("<ul>{}</ul>", items.join("")),
                };
                (version, list)
            }
        };
        let _ = writeln!(
            b,
            "<tr id=\"v-{short}\" class=\"{class}\"><td>{}</td><td><code>{short}</code></td><td>{}</td><td>{version}</td><td class=\"verdict\">{verdict}</td><td>{findings}</td></tr>",
            esc(&v.date),
            esc(&v.subject)
        );
    }
    b.push_str("</table>\n");
    b
}

/// `search-index.js`: one entry per event page, channel and service.
pub(crate) fn search_index(site: &Site) -> String {
    let mut entries = Vec::new();
    for e in &site.catalog.events {
        let bundle =
            events_check::validate::bundle(site.set, &e.def.schema_ref(), &e.def.event_type);
        let rows = field_rows(site, e, &bundle);
        entries.push(json!({
            "t": format!("{} v{}", e.def.event_type, e.def.major),
            "u": event_page(e),
            "d": first_sentence(e.def.description.as_deref().unwrap_or("")),
            "f": rows.terms.join(" "),
        }));
    }
    for (name, events) in &site.channels {
        entries.push(json!({
            "t": format!("{} {name}", kind_name(events[0].def.channel_kind)),
            "u": channel_page(name),
            "d": format!("{} events", events.len()),
            "f": "",
        }));
    }
    for name in site.services.keys() {
        entries.push(json!({
            "t": format!("service {name}"),
            "u": service_page(name),
            "d": "",
            "f": "",
        }));
    }
    format!(
        "window.EVENTS_INDEX = {};\n",
        serde_json::to_string(&entries).unwrap_or_default()
    )
}

//! Flow pictures drawn at build time: nodes and arrows laid out left to right by
//! `layout-rs` (a dot-like layered layout), written as SVG with every node a link.

use std::fmt::Write as _;

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::esc;

/// What a node stands for (its colour in the stylesheet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A service.
    Service,
    /// A stream, topic or exchange.
    Channel,
}

impl Kind {
    fn class(self) -> &'static str {
        match self {
            Kind::Service => "service",
            Kind::Channel => "channel",
        }
    }
}

/// One box of a picture.
#[derive(Debug, Clone)]
pub struct Node {
    /// Unique in the picture (the `id` of its SVG group).
    pub id: String,
    /// Lines of text, the first one in bold.
    pub lines: Vec<String>,
    /// The page it links to.
    pub href: String,
    /// What it stands for.
    pub kind: Kind,
}

/// A cluster of nodes drawn as one labelled box (the channels of one system on the map).
#[derive(Debug, Clone)]
pub struct Group {
    /// Unique in the picture (the `id` of its SVG group is `group-` and this).
    pub id: String,
    /// The label over the box.
    pub label: String,
    /// Its nodes (indexes into `nodes`), top to bottom.
    pub members: Vec<usize>,
}

/// A picture: nodes and arrows between them (indexes into `nodes`, with a tooltip).
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The boxes, in the order they are given to the layout.
    pub nodes: Vec<Node>,
    /// Arrows: from, to, tooltip.
    pub edges: Vec<(usize, usize, String)>,
    /// Clusters; a node is in at most one.
    pub groups: Vec<Group>,
}

/// Inner margin of a cluster box, and the height of its label line.
const GROUP_PAD: f64 = 10.0;
const GROUP_LABEL: f64 = 18.0;
/// Vertical gap between the nodes of a cluster.
const GROUP_GAP: f64 = 10.0;

const FONT: f64 = 13.0;
const CHAR: f64 = 8.0;
const LINE: f64 = 17.0;

impl Graph {
    /// Adds a node unless one with the same id is there; its index either way.
    pub fn node(&mut self, id: &str, lines: Vec<String>, href: &str, kind: Kind) -> usize {
        if let Some(i) = self.nodes.iter().position(|n| n.id == id) {
            return i;
        }
        self.nodes.push(Node {
            id: id.to_owned(),
            lines,
            href: href.to_owned(),
            kind,
        });
        self.nodes.len() - 1
    }

    /// Puts node `node` in the cluster `id` (made with `label` the first time), below the
    /// nodes already there; a node already in a cluster stays where it is.
    pub fn group(&mut self, id: &str, label: &str, node: usize) {
        if self.groups.iter().any(|g| g.members.contains(&node)) {
            return;
        }
        match self.groups.iter_mut().find(|g| g.id == id) {
            Some(g) => g.members.push(node),
            None => self.groups.push(Group {
                id: id.to_owned(),
                label: label.to_owned(),
                members: vec![node],
            }),
        }
    }

    /// The size of a node's box: wide enough for its longest line in bold.
    fn size(n: &Node) -> Point {
        let width =
            n.lines.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64 * CHAR + 24.0;
        let height = n.lines.len().max(1) as f64 * LINE + 14.0;
        Point::new(width, height)
    }

    /// Adds an arrow (once per pair; a second one adds to the tooltip).
    pub fn edge(&mut self, from: usize, to: usize, title: &str) {
        if let Some(e) = self
            .edges
            .iter_mut()
            .find(|(f, t, _)| *f == from && *t == to)
        {
            e.2.push_str(", ");
            e.2.push_str(title);
            return;
        }
        self.edges.push((from, to, title.to_owned()));
    }

    /// The picture as an inline `<svg>` element.
    pub fn svg(&self, label: &str) -> String {
        if !self.groups.is_empty() {
            return self.svg_grouped(label);
        }
        let mut vg = VisualGraph::new(Orientation::LeftToRight);
        let handles: Vec<_> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                vg.add_node(Element::create_with_properties(
                    ShapeKind::new_box(""),
                    StyleAttr::simple(),
                    Orientation::LeftToRight,
                    Self::size(n),
                    i.to_string(),
                ))
            })
            .collect();
        for (i, (from, to, _)) in self.edges.iter().enumerate() {
            let mut arrow = Arrow::simple("");
            arrow.properties = Some(i.to_string());
            vg.add_edge(arrow, handles[*from], handles[*to]);
        }
        let mut canvas = Canvas::default();
        vg.do_it(false, false, false, &mut canvas);
        self.render(&canvas, label)
    }

    /// The picture with its clusters: `layout-rs` lays out the ungrouped nodes and one box
    /// per cluster, sized to hold its nodes stacked under its label (so a cluster's nodes
    /// stay together and arrows do not cross it to reach another); the nodes are then
    /// placed in their cluster's box, and each arrow drawn from the right side of its
    /// source to the left side of its target (the picture is left to right).
    fn svg_grouped(&self, label: &str) -> String {
        let mut owner: Vec<Option<usize>> = vec![None; self.nodes.len()];
        for (g, group) in self.groups.iter().enumerate() {
            for &m in &group.members {
                owner[m] = Some(g);
            }
        }
        let sizes: Vec<Point> = self.nodes.iter().map(Self::size).collect();
        let mut vg = VisualGraph::new(Orientation::LeftToRight);
        // Layout elements: `n<i>` an ungrouped node, `g<j>` a cluster.
        let mut element = vec![None; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            if owner[i].is_none() {
                element[i] = Some(vg.add_node(Element::create_with_properties(
                    ShapeKind::new_box(""),
                    StyleAttr::simple(),
                    Orientation::LeftToRight,
                    Self::size(n),
                    format!("n{i}"),
                )));
            }
        }
        let clusters: Vec<_> = self
            .groups
            .iter()
            .enumerate()
            .map(|(j, g)| {
                let width = g
                    .members
                    .iter()
                    .map(|&m| sizes[m].x)
                    .fold(g.label.chars().count() as f64 * CHAR, f64::max)
                    + 2.0 * GROUP_PAD;
                let height = g.members.iter().map(|&m| sizes[m].y).sum::<f64>()
                    + GROUP_GAP * (g.members.len().saturating_sub(1)) as f64
                    + GROUP_LABEL
                    + 2.0 * GROUP_PAD;
                vg.add_node(Element::create_with_properties(
                    ShapeKind::new_box(""),
                    StyleAttr::simple(),
                    Orientation::LeftToRight,
                    Point::new(width, height),
                    format!("g{j}"),
                ))
            })
            .collect();
        let handle = |i: usize| match owner[i] {
            Some(g) => clusters[g],
            None => element[i].unwrap_or(clusters[0]),
        };
        let mut pairs = Vec::new();
        for (from, to, _) in &self.edges {
            let pair = (handle(*from), handle(*to));
            if pair.0 != pair.1 && !pairs.contains(&pair) {
                pairs.push(pair);
                vg.add_edge(Arrow::simple(""), pair.0, pair.1);
            }
        }
        let mut canvas = Canvas::default();
        vg.do_it(false, false, false, &mut canvas);
        // Where each node and cluster is.
        let mut node_at: Vec<Option<(Point, Point)>> = vec![None; self.nodes.len()];
        let mut group_at: Vec<Option<(Point, Point)>> = vec![None; self.groups.len()];
        for (id, xy, size) in &canvas.boxes {
            if let Some(i) = id.strip_prefix('n').and_then(|i| i.parse::<usize>().ok()) {
                if let Some(slot) = node_at.get_mut(i) {
                    *slot = Some((*xy, *size));
                }
            } else if let Some(j) = id.strip_prefix('g').and_then(|j| j.parse::<usize>().ok()) {
                let Some(group) = self.groups.get(j) else {
                    continue;
                };
                group_at[j] = Some((*xy, *size));
                let mut y = xy.y + GROUP_PAD + GROUP_LABEL;
                for &m in &group.members {
                    let x = xy.x + (size.x - sizes[m].x) / 2.0;
                    node_at[m] = Some((Point::new(x, y), sizes[m]));
                    y += sizes[m].y + GROUP_GAP;
                }
            }
        }
        let mut boxes: Vec<(Point, Point)> = node_at.iter().flatten().copied().collect();
        boxes.extend(group_at.iter().flatten().copied());
        let (off, w, h) = frame(&boxes, &[]);
        let p = |q: Point| format!("{:.1} {:.1}", q.x + off.x, q.y + off.y);
        let mut s = svg_head(w, h, label);
        // The clusters' boxes first, under the arrows that reach the nodes inside them.
        for (j, g) in self.groups.iter().enumerate() {
            let Some((xy, size)) = group_at[j] else {
                continue;
            };
            let at = xy.add(off);
            let _ = writeln!(
                s,
                "<g class=\"group\" id=\"group-{}\"><rect class=\"cluster\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"8\"/><text class=\"cluster-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
                esc(&g.id),
                at.x,
                at.y,
                size.x,
                size.y,
                at.x + GROUP_PAD,
                at.y + GROUP_PAD + FONT,
                esc(&g.label)
            );
        }
        for (from, to, title) in &self.edges {
            let (Some((a, asz)), Some((b, bsz))) = (node_at[*from], node_at[*to]) else {
                continue;
            };
            let start = Point::new(a.x + asz.x, a.y + asz.y / 2.0);
            let end = Point::new(b.x, b.y + bsz.y / 2.0);
            let bend = ((end.x - start.x) / 2.0).max(20.0);
            let _ = writeln!(
                s,
                "<path class=\"edge\" d=\"M{} C{}, {}, {}\" marker-end=\"url(#arrow)\"><title>{}</title></path>",
                p(start),
                p(Point::new(start.x + bend, start.y)),
                p(Point::new(end.x - bend, end.y)),
                p(end),
                esc(title)
            );
        }
        for (i, n) in self.nodes.iter().enumerate() {
            if let (None, Some((xy, size))) = (owner[i], node_at[i]) {
                s.push_str(&node_svg(n, xy.add(off), size));
            }
        }
        // The nodes of each cluster, over the arrows.
        for g in &self.groups {
            let _ = writeln!(s, "<g class=\"members\" data-group=\"{}\">", esc(&g.id));
            for &m in &g.members {
                if let Some((xy, size)) = node_at[m] {
                    s.push_str(&node_svg(&self.nodes[m], xy.add(off), size));
                }
            }
            s.push_str("</g>\n");
        }
        s.push_str("</svg>");
        s
    }

    fn render(&self, canvas: &Canvas, label: &str) -> String {
        let boxes: Vec<(Point, Point)> =
            canvas.boxes.iter().map(|(_, xy, sz)| (*xy, *sz)).collect();
        let points: Vec<Point> = canvas
            .arrows
            .iter()
            .flat_map(|(_, path)| path.iter().flat_map(|(a, b)| [*a, *b]))
            .collect();
        let (off, w, h) = frame(&boxes, &points);
        let p = |q: Point| format!("{:.1} {:.1}", q.x + off.x, q.y + off.y);
        let mut s = svg_head(w, h, label);
        for (i, path) in &canvas.arrows {
            let Some((_, _, title)) = i.parse::<usize>().ok().and_then(|i| self.edges.get(i))
            else {
                continue;
            };
            if path.len() < 2 {
                continue;
            }
            let mut d = format!(
                "M{} C{}, {}, {}",
                p(path[0].0),
                p(path[0].1),
                p(path[1].0),
                p(path[1].1)
            );
            for seg in &path[2..] {
                let _ = write!(d, " S{}, {}", p(seg.0), p(seg.1));
            }
            let _ = writeln!(
                s,
                "<path class=\"edge\" d=\"{d}\" marker-end=\"url(#arrow)\"><title>{}</title></path>",
                esc(title)
            );
        }
        for (i, xy, size) in &canvas.boxes {
            let Some(n) = i.parse::<usize>().ok().and_then(|i| self.nodes.get(i)) else {
                continue;
            };
            s.push_str(&node_svg(n, xy.add(off), *size));
        }
        s.push_str("</svg>");
        s
    }
}

/// The offset that moves everything into view with a margin, and the picture's size.
fn frame(boxes: &[(Point, Point)], points: &[Point]) -> (Point, f64, f64) {
    let (mut min, mut max) = (
        Point::new(f64::MAX, f64::MAX),
        Point::new(f64::MIN, f64::MIN),
    );
    let mut grow = |p: Point| {
        min = Point::new(min.x.min(p.x), min.y.min(p.y));
        max = Point::new(max.x.max(p.x), max.y.max(p.y));
    };
    for (xy, size) in boxes {
        grow(*xy);
        grow(xy.add(*size));
    }
    for p in points {
        grow(*p);
    }
    if boxes.is_empty() {
        (min, max) = (Point::zero(), Point::new(10.0, 10.0));
    }
    let pad = 8.0;
    (
        Point::new(pad - min.x, pad - min.y),
        max.x - min.x + 2.0 * pad,
        max.y - min.y + 2.0 * pad,
    )
}

fn svg_head(w: f64, h: f64, label: &str) -> String {
    format!(
        "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" aria-label=\"{}\">\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\"/></marker></defs>\n",
        esc(label)
    )
}

/// One node: a linked box with its lines of text, the first in bold.
fn node_svg(n: &Node, at: Point, size: Point) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<a href=\"{}\" class=\"node {}\" id=\"node-{}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\"/>",
        esc(&n.href),
        n.kind.class(),
        esc(&n.id),
        at.x,
        at.y,
        size.x,
        size.y
    );
    let top = at.y + (size.y - n.lines.len() as f64 * LINE) / 2.0 + FONT;
    for (k, line) in n.lines.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\"{}>{}</text>",
            at.x + size.x / 2.0,
            top + k as f64 * LINE,
            if k == 0 { " class=\"title\"" } else { "" },
            esc(line)
        );
    }
    s.push_str("</a>\n");
    s
}

/// Collects what the layout draws: the boxes (by node index) and the arrows (by edge index).
#[derive(Default)]
struct Canvas {
    boxes: Vec<(String, Point, Point)>,
    arrows: Vec<(String, Vec<(Point, Point)>)>,
    clips: usize,
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        if let Some(id) = properties {
            self.boxes.push((id, xy, size));
        }
    }

    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        _head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if let Some(id) = properties {
            self.arrows.push((id, path.to_vec()));
        }
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        self.clips += 1;
        self.clips
    }
}

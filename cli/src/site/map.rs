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

/// A picture: nodes and arrows between them (indexes into `nodes`, with a tooltip).
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The boxes, in the order they are given to the layout.
    pub nodes: Vec<Node>,
    /// Arrows: from, to, tooltip.
    pub edges: Vec<(usize, usize, String)>,
}

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
        let mut vg = VisualGraph::new(Orientation::LeftToRight);
        let handles: Vec<_> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let width = n.lines.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64
                    * CHAR
                    + 24.0;
                let height = n.lines.len().max(1) as f64 * LINE + 14.0;
                let look = StyleAttr::simple();
                vg.add_node(Element::create_with_properties(
                    ShapeKind::new_box(""),
                    look,
                    Orientation::LeftToRight,
                    Point::new(width, height),
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

    fn render(&self, canvas: &Canvas, label: &str) -> String {
        let (mut min, mut max) = (
            Point::new(f64::MAX, f64::MAX),
            Point::new(f64::MIN, f64::MIN),
        );
        let mut grow = |p: Point| {
            min = Point::new(min.x.min(p.x), min.y.min(p.y));
            max = Point::new(max.x.max(p.x), max.y.max(p.y));
        };
        for (_, xy, size) in &canvas.boxes {
            grow(*xy);
            grow(xy.add(*size));
        }
        for (_, path) in &canvas.arrows {
            for (a, b) in path {
                grow(*a);
                grow(*b);
            }
        }
        if canvas.boxes.is_empty() {
            (min, max) = (Point::zero(), Point::new(10.0, 10.0));
        }
        let pad = 8.0;
        let (w, h) = (max.x - min.x + 2.0 * pad, max.y - min.y + 2.0 * pad);
        let off = Point::new(pad - min.x, pad - min.y);
        let p = |q: Point| format!("{:.1} {:.1}", q.x + off.x, q.y + off.y);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" aria-label=\"{}\">\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\"/></marker></defs>",
            esc(label)
        );
        for (i, path) in &canvas.arrows {
            let Some((_, _, title)) = self.edges.get(*i) else {
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
            let Some(n) = self.nodes.get(*i) else {
                continue;
            };
            let at = xy.add(off);
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
        }
        s.push_str("</svg>");
        s
    }
}

/// Collects what the layout draws: the boxes (by node index) and the arrows (by edge index).
#[derive(Default)]
struct Canvas {
    boxes: Vec<(usize, Point, Point)>,
    arrows: Vec<(usize, Vec<(Point, Point)>)>,
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
        if let Some(i) = properties.and_then(|p| p.parse().ok()) {
            self.boxes.push((i, xy, size));
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
        if let Some(i) = properties.and_then(|p| p.parse().ok()) {
            self.arrows.push((i, path.to_vec()));
        }
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        self.clips += 1;
        self.clips
    }
}

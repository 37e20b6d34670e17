//! The actor network as a static picture: relations (typed, directed) and the
//! `parent_actor_id` hierarchy, laid out at build time by `layout-rs` (a Sugiyama-style
//! layered layout, as Graphviz `dot` does) and drawn by the template as SVG.

use super::data::Tab;
use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use serde::Serialize;
use std::collections::BTreeMap;

/// Above this many drawn edges the layered layout gets slow (crossing reduction is
/// superlinear); the page then lists the edges without a picture.
pub const MAX_EDGES: usize = 600;

#[derive(Serialize)]
pub struct Network {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Relation types drawn, with their colour index, for the legend.
    pub legend: Vec<(String, usize)>,
    pub drawn: bool,
}

#[derive(Serialize)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub actor_type: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub from_name: String,
    pub to_name: String,
    /// A relation type, or "parent" for the hierarchy.
    pub kind: String,
    pub colour: usize,
    /// SVG path data; empty when not drawn.
    pub d: String,
    /// Evidence: the relation rows (or the child actor row) behind the edge.
    pub evidence: Vec<(String, String)>,
    pub href: String,
}

/// Collects what layout-rs draws: node boxes (with the actor id as property) and
/// edge paths (with the edge index as property).
#[derive(Default)]
struct Capture {
    boxes: BTreeMap<String, (Point, Point)>,
    paths: BTreeMap<usize, Vec<(Point, Point)>>,
}

impl RenderBackend for Capture {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _: &StyleAttr,
        properties: Option<String>,
        _: Option<ClipHandle>,
    ) {
        if let Some(p) = properties {
            self.boxes.insert(p, (xy, size));
        }
    }
    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}
    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _: bool,
        _: (bool, bool),
        _: &StyleAttr,
        properties: Option<String>,
        _: &str,
    ) {
        if let Some(i) = properties.and_then(|p| p.parse().ok()) {
            self.paths.insert(i, path.to_vec());
        }
    }
    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

pub fn build(actors: &Tab, relations: Option<&Tab>) -> Network {
    let name = |id: &str| {
        actors.by_key.get(id).map_or(id.to_string(), |&r| {
            actors.get(r, "name").unwrap_or(id).to_string()
        })
    };
    // Edges, merged by (from, kind, to), in key order.
    let mut merged: BTreeMap<(String, String, String), Vec<(String, String)>> = BTreeMap::new();
    if let Some(rel) = relations {
        for r in 0..rel.rows.len() {
            let (Some(s), Some(t), Some(o)) = (
                rel.get(r, "subject_actor_id"),
                rel.get(r, "relation_type"),
                rel.get(r, "object_actor_id"),
            ) else {
                continue;
            };
            merged
                .entry((s.into(), t.into(), o.into()))
                .or_default()
                .push((rel.home(r), rel.label(r)));
        }
    }
    for r in 0..actors.rows.len() {
        if let (Some(parent), Some(child)) =
            (actors.get(r, "parent_actor_id"), actors.get(r, "actor_id"))
        {
            merged
                .entry((parent.into(), "parent".into(), child.into()))
                .or_default()
                .push((
                    actors.home(r),
                    format!("{} is part of {}", name(child), name(parent)),
                ));
        }
    }
    let kinds: Vec<String> = {
        let mut k: Vec<String> = merged.keys().map(|k| k.1.clone()).collect();
        k.sort();
        k.dedup();
        k
    };
    // Twelve colours; the kinds after the first twelve are drawn dotted.
    let colour = |k: &str| kinds.iter().position(|x| x == k).unwrap_or(0);
    let mut ids: Vec<String> = merged
        .keys()
        .flat_map(|k| [k.0.clone(), k.2.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    let drawn = merged.len() <= MAX_EDGES;
    let mut cap = Capture::default();
    if drawn && !ids.is_empty() {
        let mut vg = VisualGraph::new(Orientation::LeftToRight);
        let handles: BTreeMap<&str, _> = ids
            .iter()
            .map(|id| {
                let label = name(id);
                let size = Point::new(label.chars().count().min(28) as f64 * 7.0 + 16.0, 26.0);
                let e = Element::create_with_properties(
                    ShapeKind::new_box(&label),
                    StyleAttr::simple(),
                    Orientation::LeftToRight,
                    size,
                    id.clone(),
                );
                (id.as_str(), vg.add_node(e))
            })
            .collect();
        for (i, (from, _, to)) in merged.keys().enumerate() {
            let mut a = Arrow::simple_with_properties("", i.to_string());
            a.end = LineEndKind::Arrow;
            vg.add_edge(a, handles[from.as_str()], handles[to.as_str()]);
        }
        vg.do_it(false, false, false, &mut cap);
    }
    // Shift everything to a 10 px margin.
    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (xy, size) in cap.boxes.values() {
        minx = minx.min(xy.x);
        miny = miny.min(xy.y);
        maxx = maxx.max(xy.x + size.x);
        maxy = maxy.max(xy.y + size.y);
    }
    for path in cap.paths.values() {
        for (p, c) in path {
            for q in [p, c] {
                minx = minx.min(q.x);
                miny = miny.min(q.y);
                maxx = maxx.max(q.x);
                maxy = maxy.max(q.y);
            }
        }
    }
    if minx > maxx {
        (minx, miny, maxx, maxy) = (0.0, 0.0, 0.0, 0.0);
    }
    let (dx, dy) = (10.0 - minx, 10.0 - miny);
    let r = |v: f64| (v * 10.0).round() / 10.0;
    let nodes = ids
        .iter()
        .map(|id| {
            let (xy, size) = cap
                .boxes
                .get(id)
                .copied()
                .unwrap_or((Point::new(0.0, 0.0), Point::new(0.0, 0.0)));
            let actor_type = actors
                .by_key
                .get(id)
                .and_then(|&r| actors.get(r, "actor_type"))
                .unwrap_or("")
                .to_string();
            Node {
                id: id.clone(),
                name: name(id),
                actor_type,
                x: r(xy.x + dx),
                y: r(xy.y + dy),
                w: r(size.x),
                h: r(size.y),
            }
        })
        .collect();
    let edges = merged
        .into_iter()
        .enumerate()
        .map(|(i, ((from, kind, to), evidence))| {
            let d = cap
                .paths
                .get(&i)
                .map_or(String::new(), |path| path_data(path, dx, dy));
            let href = evidence[0].0.clone();
            Edge {
                from_name: name(&from),
                to_name: name(&to),
                colour: colour(&kind),
                from,
                to,
                kind,
                d,
                evidence,
                href,
            }
        })
        .collect();
    let legend = kinds.iter().map(|k| (k.clone(), colour(k))).collect();
    Network {
        width: r(maxx - minx + 20.0),
        height: r(maxy - miny + 20.0),
        nodes,
        edges,
        legend,
        drawn,
    }
}

/// layout-rs gives a path as a chain of cubic Bézier points: the first pair is the start
/// and its exit control point, each next pair an entry control point and a point (the
/// convention its own SVG backend draws: `M p C c, c p S c p …`).
fn path_data(path: &[(Point, Point)], dx: f64, dy: f64) -> String {
    let p = |q: &Point| format!("{:.1} {:.1}", q.x + dx, q.y + dy);
    if path.len() < 2 {
        return String::new();
    }
    let mut d = format!(
        "M {} C {}, {}, {}",
        p(&path[0].0),
        p(&path[0].1),
        p(&path[1].0),
        p(&path[1].1)
    );
    for (c, q) in &path[2..] {
        d.push_str(&format!(" S {}, {}", p(c), p(q)));
    }
    d
}

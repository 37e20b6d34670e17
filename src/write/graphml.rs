//! The actor network as GraphML (read by networkx, Gephi, igraph, Cytoscape): actors are
//! nodes; relations are directed, typed edges; and each `actors.parent_actor_id` is an
//! edge of its own kind (`parent`) from the actor to its parent, so the hierarchy is in
//! the graph too. Every attribute is declared with its `attr.type`; nulls are left out.

use super::cells::{cell, col, find, Cell, TableRef};
use std::fmt::Write as _;

/// The file name in a version folder.
pub const FILE: &str = "actors.graphml";

/// (key id, attribute name = column of the source table, attr.type)
/// `label` repeats `name`: Gephi shows it as the node's label.
const NODE_KEYS: &[(&str, &str, &str)] = &[
    ("n_label", "label", "string"),
    ("n_name", "name", "string"),
    ("n_type", "actor_type", "string"),
    ("n_description", "description", "string"),
    ("n_page", "page", "int"),
];

const EDGE_KEYS: &[(&str, &str, &str)] = &[
    ("e_kind", "kind", "string"),
    ("e_relation_id", "relation_id", "string"),
    ("e_relation_type", "relation_type", "string"),
    ("e_date", "date", "string"),
    ("e_date_start", "date_start", "string"),
    ("e_date_end", "date_end", "string"),
    ("e_date_precision", "date_precision", "string"),
    ("e_certainty", "certainty", "string"),
    ("e_page", "page", "int"),
    ("e_quote", "quote", "string"),
];

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn data(out: &mut String, key: &str, c: &Cell<'_>) {
    if !c.is_null() {
        let _ = writeln!(
            out,
            "      <data key=\"{key}\">{}</data>",
            esc(&c.to_text())
        );
    }
}

/// The GraphML document of the `actors` and `relations` tables (empty graph if absent).
pub fn graphml(tables: &[TableRef<'_>]) -> Vec<u8> {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n");
    for (id, name, ty) in NODE_KEYS {
        let _ = writeln!(
            s,
            "  <key id=\"{id}\" for=\"node\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
        );
    }
    for (id, name, ty) in EDGE_KEYS {
        let _ = writeln!(
            s,
            "  <key id=\"{id}\" for=\"edge\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
        );
    }
    s.push_str("  <graph id=\"actors\" edgedefault=\"directed\">\n");
    if let Some(actors) = find(tables, "actors") {
        let id = col(actors, "actor_id");
        let parent = col(actors, "parent_actor_id");
        for r in 0..actors.1.num_rows() {
            let Some(node) = id.and_then(|c| cell(actors.1, r, c).as_str()) else {
                continue;
            };
            let _ = writeln!(s, "    <node id=\"{}\">", esc(node));
            for (key, name, _) in NODE_KEYS {
                let column = if *name == "label" { "name" } else { name };
                if let Some(c) = col(actors, column) {
                    data(&mut s, key, &cell(actors.1, r, c));
                }
            }
            s.push_str("    </node>\n");
        }
        for r in 0..actors.1.num_rows() {
            let (Some(node), Some(p)) = (
                id.and_then(|c| cell(actors.1, r, c).as_str()),
                parent.and_then(|c| cell(actors.1, r, c).as_str()),
            ) else {
                continue;
            };
            let _ = writeln!(
                s,
                "    <edge id=\"parent:{}\" source=\"{}\" target=\"{}\">",
                esc(node),
                esc(node),
                esc(p)
            );
            data(&mut s, "e_kind", &Cell::Text("parent"));
            if let Some(c) = col(actors, "page") {
                data(&mut s, "e_page", &cell(actors.1, r, c));
            }
            s.push_str("    </edge>\n");
        }
    }
    if let Some(rel) = find(tables, "relations") {
        let (Some(sub), Some(obj), Some(rid)) = (
            col(rel, "subject_actor_id"),
            col(rel, "object_actor_id"),
            col(rel, "relation_id"),
        ) else {
            s.push_str("  </graph>\n</graphml>\n");
            return s.into_bytes();
        };
        for r in 0..rel.1.num_rows() {
            let (a, b, id) = (
                cell(rel.1, r, sub),
                cell(rel.1, r, obj),
                cell(rel.1, r, rid),
            );
            let (Some(a), Some(b), Some(id)) = (a.as_str(), b.as_str(), id.as_str()) else {
                continue;
            };
            let _ = writeln!(
                s,
                "    <edge id=\"{}\" source=\"{}\" target=\"{}\">",
                esc(id),
                esc(a),
                esc(b)
            );
            data(&mut s, "e_kind", &Cell::Text("relation"));
            for (key, name, _) in EDGE_KEYS.iter().skip(1) {
                if let Some(c) = col(rel, name) {
                    data(&mut s, key, &cell(rel.1, r, c));
                }
            }
            s.push_str("    </edge>\n");
        }
    }
    s.push_str("  </graph>\n</graphml>\n");
    s.into_bytes()
}

//! Derived columns of one row: provenance (page, offsets, footnote), document facts
//! and the real dates behind EDTF strings.

use crate::diag::{Code, Diags};
use crate::edtf;
use crate::model::{row_key, Fixes, Laid, Origin, Span};
use crate::schema::{Derive, Schema};
use crate::text::collapsed;
use crate::value::{Cells, Text, Value};

/// What a row's derived columns come from besides the row itself.
pub struct Context<'a> {
    pub doc_id: &'a Value,
    /// The proved passage; None when the quote failed (reported already).
    pub span: Option<Span>,
    pub laid: Option<&'a Laid<'a>>,
    pub fixes: &'a Fixes,
    /// Where the row was written, for diagnostics.
    pub origin: &'a Origin,
}

/// Computes a row's derived columns; curated columns are kept as they are.
pub fn derive_row(schema: &Schema, values: Cells, cx: &Context, diags: &mut Diags) -> Cells {
    let Context {
        doc_id,
        span,
        laid,
        fixes,
        origin,
    } = *cx;
    let mut row = values;
    // Corrected columns first: dates may be derived from them.
    let mut key = None;
    for (i, f) in schema.fields.iter().enumerate() {
        if let Some(Derive::Corrected(from)) = &f.derive {
            let key = key.get_or_insert_with(|| row_key(schema, &row));
            let printed = schema.index(from).map_or(Value::NULL, |j| row[j].clone());
            row[i] = match (
                printed.as_str(),
                fixes.get(&(schema.name.clone(), key.clone(), from.clone())),
            ) {
                (Some(text), Some(list)) => Value::str(Text::from(
                    list.iter()
                        .fold(text.to_string(), |t, (p, c)| t.replace(p.as_str(), c)),
                )),
                _ => printed,
            };
        }
    }
    // Each EDTF column any rule reads is parsed once; a malformed one is reported here,
    // where the row's location is known, and its derived columns stay empty.
    let mut parsed: Vec<(&str, Option<edtf::Edtf>)> = Vec::new();
    for f in &schema.fields {
        let Some(from) = f.derive.as_ref().and_then(Derive::edtf_source) else {
            continue;
        };
        if !parsed.iter().any(|(p, _)| *p == from) {
            let text = schema.index(from).and_then(|i| row[i].as_str());
            let result = text.map(edtf::parse).transpose().unwrap_or_else(|e| {
                diags.push(origin.at(from), Code::Date, format!("'{from}': {e}"));
                None
            });
            parsed.push((from, result));
        }
    }
    let edtf_of = |from: &str| {
        parsed
            .iter()
            .find(|(f, _)| *f == from)
            .and_then(|(_, e)| e.clone())
    };
    for (i, f) in schema.fields.iter().enumerate() {
        let Some(d) = &f.derive else {
            if f.name == "quote" {
                if let Some(q) = row[i].as_str() {
                    if let std::borrow::Cow::Owned(c) = collapsed(q) {
                        row[i] = Value::str(Text::from(c));
                    }
                }
            }
            continue;
        };
        let int = |x: usize| Value::int(x as i64);
        row[i] = match (d, span, laid) {
            (Derive::DocId, _, _) => doc_id.clone(),
            (Derive::Page, Some(s), Some(l)) => {
                l.layout.page_of(s.start).map_or(Value::NULL, Value::int)
            }
            (Derive::CharStart, Some(s), _) => int(s.start),
            (Derive::CharEnd, Some(s), _) => int(s.end),
            (Derive::Footnote, Some(s), Some(l)) => {
                l.layout.footnote_for(s).map_or(Value::NULL, Value::int)
            }
            (Derive::MarkerStart | Derive::MarkerPage, Some(s), Some(l)) => match l
                .layout
                .notes
                .iter()
                .find(|n| n.span == s)
                .and_then(|n| n.marker)
            {
                Some(m) if matches!(d, Derive::MarkerStart) => int(m),
                Some(m) => l.layout.page_of(m).map_or(Value::NULL, Value::int),
                None => Value::NULL,
            },
            (Derive::SourcePath, _, Some(l)) => Value::str(Text::from(l.doc.source_rel.as_str())),
            (Derive::SourceBytes, _, Some(l)) => int(l.doc.bytes),
            (Derive::SourceChars, _, Some(l)) => int(l.doc.char_count),
            (Derive::EdtfStart(from), _, _) => edtf_of(from)
                .and_then(|e| e.start)
                .map_or(Value::NULL, |e| Value::date(edtf::days(e))),
            (Derive::EdtfApproximate(from), _, _) => {
                edtf_of(from).map_or(Value::NULL, |e| Value::bool(e.approximate))
            }
            (Derive::EdtfUncertain(from), _, _) => {
                edtf_of(from).map_or(Value::NULL, |e| Value::bool(e.uncertain))
            }
            (Derive::Corrected(_), _, _) => row[i].clone(),
            (Derive::EdtfEnd(from), _, _) => edtf_of(from)
                .and_then(|e| e.end)
                .map_or(Value::NULL, |e| Value::date(edtf::days(e))),
            (Derive::EdtfPrecision(from), _, _) => edtf_of(from)
                .and_then(|e| f.intern(e.precision))
                .map_or(Value::NULL, Value::str),
            _ => Value::NULL,
        };
    }
    row
}

//! `data_dictionary.csv`: every column of every table, for spreadsheet users, with one
//! row per allowed value (and its definition) for enum columns.

use super::cells::TableRef;
use std::io;

/// The data dictionary as CSV bytes (RFC 4180, CRLF, header row), tables in the order
/// given and columns in schema order.
pub fn data_dictionary(tables: &[TableRef<'_>]) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record([
        "table",
        "column",
        "type",
        "required",
        "description",
        "allowed_value",
        "definition",
    ])?;
    for (schema, _) in tables {
        for f in &schema.fields {
            let required = if f.required { "yes" } else { "no" };
            let base = [
                schema.name.as_str(),
                f.name.as_str(),
                f.ftype.name(),
                required,
                f.description.as_str(),
            ];
            match &f.vocabulary {
                None => w.write_record(base.iter().copied().chain(["", ""]))?,
                Some(voc) => {
                    for (value, definition) in voc {
                        w.write_record(
                            base.iter()
                                .copied()
                                .chain([value.as_str(), definition.as_str()]),
                        )?;
                    }
                }
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

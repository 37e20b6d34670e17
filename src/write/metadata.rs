//! Metadata written beside the tables: the Croissant JSON-LD descriptor (for ML tools)
//! and the human-readable codebook, both generated from the schemas and the data.

use crate::model::{DatasetMeta, Table};
use crate::schema::FieldType;
use serde_json::{json, Value as Json};
use std::fmt::Write as _;

const CROISSANT_CONTEXT: &str = r#"{
  "@language": "en",
  "@vocab": "https://schema.org/",
  "citeAs": "cr:citeAs",
  "column": "cr:column",
  "conformsTo": "dct:conformsTo",
  "cr": "http://mlcommons.org/croissant/",
  "rai": "http://mlcommons.org/croissant/RAI/",
  "data": {"@id": "cr:data", "@type": "@json"},
  "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
  "dct": "http://purl.org/dc/terms/",
  "equivalentProperty": "cr:equivalentProperty",
  "examples": {"@id": "cr:examples", "@type": "@json"},
  "extract": "cr:extract",
  "field": "cr:field",
  "fileProperty": "cr:fileProperty",
  "fileObject": "cr:fileObject",
  "fileSet": "cr:fileSet",
  "format": "cr:format",
  "includes": "cr:includes",
  "isLiveDataset": "cr:isLiveDataset",
  "jsonPath": "cr:jsonPath",
  "key": "cr:key",
  "md5": "cr:md5",
  "parentField": "cr:parentField",
  "path": "cr:path",
  "recordSet": "cr:recordSet",
  "references": "cr:references",
  "regex": "cr:regex",
  "repeated": "cr:repeated",
  "replace": "cr:replace",
  "samplingRate": "cr:samplingRate",
  "sc": "https://schema.org/",
  "separator": "cr:separator",
  "source": "cr:source",
  "subField": "cr:subField",
  "transform": "cr:transform"
}"#;

/// Croissant 1.0 metadata for the Parquet files: one FileObject and one RecordSet per
/// table, typed fields with descriptions, keys, and references for foreign keys.
pub fn croissant(
    m: &DatasetMeta,
    tables: &[Table],
    parquet_sha256: &dyn Fn(&str) -> String,
    cite_as: &str,
) -> Json {
    let mut distribution = Vec::new();
    let mut record_sets = Vec::new();
    for t in tables {
        let name = &t.schema.name;
        let file_id = format!("{name}.parquet");
        distribution.push(json!({
            "@type": "cr:FileObject",
            "@id": file_id,
            "name": file_id,
            "description": format!("{} (Parquet).", t.schema.title),
            "contentUrl": format!("parquet/{name}.parquet"),
            "encodingFormat": "application/x-parquet",
            "sha256": parquet_sha256(name),
        }));
        let fields: Vec<Json> = t
            .schema
            .fields
            .iter()
            .map(|f| {
                let mut field = json!({
                    "@type": "cr:Field",
                    "@id": format!("{name}/{}", f.name),
                    "name": f.name,
                    "description": f.description,
                    "dataType": match f.ftype {
                        FieldType::String => "sc:Text",
                        FieldType::Integer => "sc:Integer",
                        FieldType::Number => "sc:Float",
                        FieldType::Boolean => "sc:Boolean",
                        FieldType::Date => "sc:Date",
                    },
                    "source": {"fileObject": {"@id": file_id}, "extract": {"column": f.name}},
                });
                // References are joins to mlcroissant: it loads a record set through them. So
                // only required, single-column links are declared; a self-reference would be a
                // cycle, and nullable links or the ubiquitous doc_id make mlcroissant 1.1 drop or
                // repeat rows (checked by the load test). datapackage.json declares every key.
                let fk = t.schema.foreign_keys.iter().find(|k| {
                    k.fields.len() == 1
                        && t.schema.fields[k.fields[0]].name == f.name
                        && k.table != *name
                        && f.required
                        && f.name != "doc_id"
                });
                if let Some(fk) = fk {
                    field["references"] =
                        json!({"field": {"@id": format!("{}/{}", fk.table, fk.ref_fields[0])}});
                }
                field
            })
            .collect();
        let key: Vec<Json> = t
            .schema
            .primary_key
            .iter()
            .map(|&k| json!({"@id": format!("{name}/{}", t.schema.fields[k].name)}))
            .collect();
        record_sets.push(json!({
            "@type": "cr:RecordSet",
            "@id": name,
            "name": name,
            "description": t.schema.description,
            "key": key,
            "field": fields,
        }));
    }
    let mut out = json!({
        "@context": serde_json::from_str::<Json>(CROISSANT_CONTEXT).unwrap(),
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": m.title,
        "alternateName": m.name,
        "description": m.description,
        "version": m.version,
        "datePublished": m.published,
        "license": m.licenses.iter().map(|l| l.path.clone()).collect::<Vec<_>>(),
        "citeAs": cite_as,
        "keywords": m.keywords,
        "distribution": distribution,
        "recordSet": record_sets,
    });
    // No placeholder: the URL is left out until the dataset has a home page.
    if let Some(h) = &m.homepage {
        out["url"] = json!(h);
    }
    out
}

/// The codebook: per table, every column with type, description, allowed values with
/// their definitions, null count and an example value.
pub fn codebook(m: &DatasetMeta, tables: &[Table]) -> String {
    let mut s = format!(
        "# Codebook: {} {}\n\n{}\n\n{}\n\n",
        m.name, m.version, m.title, m.description
    );
    s.push_str("Generated from `schemas/` and the data by `kdata build`; do not edit.\n\n");
    s.push_str("Nulls are empty cells in CSV and nulls in Parquet. Offsets (`char_start`, `char_end`) count Unicode code points of the source text, 0-based, half-open.\n\n## Tables\n\n");
    for t in tables {
        let _ = writeln!(
            s,
            "- [`{}`](#{}) ({} rows): {}",
            t.schema.name, t.schema.name, t.stats.rows, t.schema.title
        );
    }
    for t in tables {
        let st = &t.stats;
        let sc = t.schema;
        let _ = write!(s, "\n## {}\n\n{}\n\n", sc.name, sc.description);
        let pk: Vec<&str> = sc
            .primary_key
            .iter()
            .map(|&i| sc.fields[i].name.as_str())
            .collect();
        let _ = writeln!(
            s,
            "- Rows: {}\n- Primary key: `{}`",
            st.rows,
            pk.join("`, `")
        );
        for fk in &sc.foreign_keys {
            let cols: Vec<&str> = fk
                .fields
                .iter()
                .map(|&i| sc.fields[i].name.as_str())
                .collect();
            let _ = writeln!(
                s,
                "- `{}` → `{}.{}`",
                cols.join("`, `"),
                fk.table,
                fk.ref_fields.join("`, `")
            );
        }
        s.push_str("\n| column | type | required | nulls | description | example |\n|---|---|---|---|---|---|\n");
        for (i, f) in sc.fields.iter().enumerate() {
            let nulls = st.nulls[i];
            let example = st.examples[i].as_ref().map_or(String::new(), |v| {
                let mut e: String = v.to_text().chars().take(60).collect();
                if v.as_str().is_some_and(|x| x.chars().count() > 60) {
                    e.push('…');
                }
                format!("`{}`", e.replace('|', "\\|").replace('`', "'"))
            });
            let ty = match (f.ftype, &f.vocabulary) {
                (_, Some(_)) => "enum",
                (FieldType::String, _) => "string",
                (FieldType::Integer, _) => "integer",
                (FieldType::Number, _) => "number",
                (FieldType::Boolean, _) => "boolean",
                (FieldType::Date, _) => "date",
            };
            let derived = if f.derive.is_some() {
                " (computed)"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "| `{}` | {ty} | {} | {nulls} | {}{derived} | {example} |",
                f.name,
                if f.required { "yes" } else { "no" },
                f.description.replace('|', "\\|")
            );
        }
        for f in sc.fields.iter().filter(|f| f.vocabulary.is_some()) {
            let _ = writeln!(s, "\nValues of `{}`:\n", f.name);
            let col = sc.index(&f.name).unwrap();
            for ((k, d), n) in f.vocabulary.as_ref().unwrap().iter().zip(&st.counts[col]) {
                let _ = writeln!(s, "- `{k}` ({n}): {d}");
            }
        }
    }
    s
}

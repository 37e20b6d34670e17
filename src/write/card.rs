//! The dataset card (`README.md` of a version folder): YAML front matter for the Hugging
//! Face hub (licence, language, tags, size, one `configs` entry per table with its
//! Parquet file and declared `features`), then what the data is, its tables with row
//! counts, how to load it in polars, pandas, DuckDB, R, `datasets`, SQLite and networkx,
//! how to cite it, and its limits. Generated from raw/dataset.toml, the schemas and the
//! data; the tests run its snippets as printed.

use super::cells::{cell, col, find, TableRef};
use super::citation::{self, yaml_str};
use crate::model::DatasetMeta;
use crate::schema::FieldType;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Hugging Face size category of a row count.
fn size_category(n: usize) -> &'static str {
    match n {
        0..1_000 => "n<1K",
        1_000..10_000 => "1K<n<10K",
        10_000..100_000 => "10K<n<100K",
        100_000..1_000_000 => "100K<n<1M",
        1_000_000..10_000_000 => "1M<n<10M",
        _ => "10M<n<100M",
    }
}

/// The `datasets` feature type of a column. Enum columns are dictionary-encoded in the
/// Parquet files; declared as `string`, `datasets` decodes them to their values.
fn feature_dtype(t: FieldType) -> &'static str {
    match t {
        FieldType::String => "string",
        FieldType::Integer => "int64",
        FieldType::Number => "float64",
        FieldType::Boolean => "bool",
        FieldType::Date => "date32",
    }
}

/// Distinct values of a text column, in order.
fn distinct(t: Option<TableRef<'_>>, column: &str) -> Vec<String> {
    let Some(t) = t else { return Vec::new() };
    let Some(c) = col(t, column) else {
        return Vec::new();
    };
    let set: BTreeSet<String> = (0..t.1.num_rows())
        .filter_map(|r| cell(t.1, r, c).as_str().map(str::to_string))
        .collect();
    set.into_iter().collect()
}

fn front_matter(meta: &DatasetMeta, tables: &[TableRef<'_>]) -> String {
    let mut s = String::from("---\n");
    if let Some(l) = meta.licenses.first() {
        let _ = writeln!(s, "license: {}", l.name.to_lowercase());
    }
    let languages = distinct(find(tables, "documents"), "language");
    if !languages.is_empty() {
        s.push_str("language:\n");
        for l in &languages {
            let _ = writeln!(s, "- {}", yaml_str(l));
        }
    }
    let _ = writeln!(s, "pretty_name: {}", yaml_str(&meta.title));
    s.push_str("tags:\n");
    for k in &meta.keywords {
        let _ = writeln!(s, "- {}", yaml_str(k));
    }
    let rows: usize = tables.iter().map(|(_, b)| b.num_rows()).sum();
    let _ = writeln!(s, "size_categories:\n- {}", size_category(rows));
    s.push_str("configs:\n");
    for (schema, _) in tables {
        let _ = writeln!(
            s,
            "- config_name: {}\n  data_files:\n  - split: train\n    path: parquet/{}.parquet",
            schema.name, schema.name
        );
    }
    s.push_str("dataset_info:\n");
    for (schema, _) in tables {
        let _ = writeln!(s, "- config_name: {}\n  features:", schema.name);
        for f in &schema.fields {
            let _ = writeln!(
                s,
                "  - name: {}\n    dtype: {}",
                f.name,
                feature_dtype(f.ftype)
            );
        }
    }
    s.push_str("---\n");
    s
}

/// The card's text (front matter included).
pub fn card(meta: &DatasetMeta, tables: &[TableRef<'_>]) -> String {
    let mut s = front_matter(meta, tables);
    let db = super::sqlite::file_name(meta);
    let top = super::archive::top_folder(meta);
    let _ = write!(
        s,
        "\n# {}\n\n`{}` version {}, published {}.\n\n{}\n\n",
        meta.title, meta.name, meta.version, meta.published, meta.description
    );
    s.push_str(
        "Every fact row carries its provenance: `doc_id`, the journal `page`, `char_start` and \
`char_end` (0-based, half-open, in Unicode code points of the source text), the `quote` \
(the passage with whitespace collapsed) and the `footnote` of the document that backs it.\n\n",
    );
    s.push_str("## Tables\n\n| table | rows | what |\n|---|---|---|\n");
    for (schema, batch) in tables {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} |",
            schema.name,
            batch.num_rows(),
            schema.title.replace('|', "\\|")
        );
    }
    s.push_str("\nColumn types, descriptions and allowed values: `codebook.md` and `data_dictionary.csv`.\n\n");
    s.push_str("## Files\n\n| file | what |\n|---|---|\n");
    for (f, what) in [
        ("parquet/<table>.parquet", "typed tables (enums dictionary-encoded, dates as dates, column descriptions in the field metadata)".to_string()),
        ("csv/<table>.csv", "the same tables as UTF-8 CSV (RFC 4180, CRLF, empty cell = null)".into()),
        (db.as_str(), format!("SQLite database: keys, foreign keys, indexes, full-text search (`search_index`); Datasette metadata in `{}`", super::sqlite::METADATA_FILE)),
        (super::graphml::FILE, "the actor network (relations and the `parent_actor_id` hierarchy) as GraphML".into()),
        ("datapackage.json", "Frictionless Data Package of the CSV tables (`frictionless validate datapackage.json`)".into()),
        ("croissant.json", "MLCommons Croissant 1.0 description of the Parquet tables".into()),
        ("codebook.md, data_dictionary.csv", "every column: type, description, allowed values with definitions".into()),
        ("DATASHEET.md", "motivation, composition, collection, uses and limits".into()),
        ("CITATION.cff, .zenodo.json, LICENSE", "citation, deposit metadata for a DOI, the licence's full text".into()),
        ("SHA256SUMS", "checksums of every file above (`sha256sum -c SHA256SUMS`)".into()),
        (&format!("{top}.tar.gz"), format!("the whole folder as one deterministic archive; its SHA-256 is in `{top}.tar.gz.sha256`")),
    ] {
        let _ = writeln!(s, "| `{f}` | {what} |");
    }
    s.push_str(
        "\n`datapackage.json` lists the CSV files only: the Frictionless tools read CSV fully and \
exactly (types, enums, keys, foreign keys, sizes and hashes), while their Parquet reader \
goes through pandas and misreads nullable integers. The Parquet files are described by \
`croissant.json` and this card.\n\n",
    );
    s.push_str("## Load the data\n\nThe snippets run in this folder, exactly as printed (the release tests run them).\n\n");
    s.push_str(
        "polars:\n\n```python
import polars as pl

actors = pl.read_parquet(\"parquet/actors.parquet\")
relations = pl.read_parquet(\"parquet/relations.parquet\")
print(
    relations.join(actors, left_on=\"subject_actor_id\", right_on=\"actor_id\")
    .select(\"relation_id\", \"name\", \"relation_type\", \"object_actor_id\", \"date_start\", \"page\")
)
```\n\n",
    );
    s.push_str(
        "pandas (`dtype_backend=\"pyarrow\"` keeps dates as dates, so `.dt` works, and \
integer columns with nulls as integers):\n\n```python
import pandas as pd

events = pd.read_parquet(\"parquet/events.parquet\", dtype_backend=\"pyarrow\")
print(events[\"date_start\"].dt.year.value_counts().sort_index())
```\n\n",
    );
    s.push_str(
        "DuckDB:\n\n```sql
SELECT r.relation_type, s.name AS subject, o.name AS object, r.date, r.page
FROM 'parquet/relations.parquet' r
JOIN 'parquet/actors.parquet' s ON s.actor_id = r.subject_actor_id
JOIN 'parquet/actors.parquet' o ON o.actor_id = r.object_actor_id
ORDER BY r.date_start NULLS LAST;
```\n\n",
    );
    s.push_str(
        "R (arrow):\n\n```r
library(arrow)
events <- read_parquet(\"parquet/events.parquet\")
table(format(events$date_start, \"%Y\"))
```\n\n",
    );
    s.push_str(
        "Hugging Face `datasets` (one config per table; give this folder's path, or the \
dataset's repository id on the hub):\n\n```python
from pathlib import Path

from datasets import load_dataset

events = load_dataset(str(Path.cwd()), \"events\", split=\"train\")
print(events.features[\"date_start\"], events.num_rows)
```\n\n",
    );
    let term = find(tables, "actors")
        .and_then(|a| {
            col(a, "name").and_then(|c| (a.1.num_rows() > 0).then(|| cell(a.1, 0, c).to_text()))
        })
        .unwrap_or_else(|| meta.name.clone());
    let term = term.replace('"', "");
    let _ = write!(
        s,
        "SQLite (full-text search over quotes, names, aliases and summaries; each hit names its \
table, key and column):\n\n```python
import sqlite3

con = sqlite3.connect(\"{db}\")
query = \"\"\"
SELECT s.source_table, s.source_key, s.source_column, s.page
FROM search_index_fts JOIN search_index s ON s.id = search_index_fts.rowid
WHERE search_index_fts MATCH ? ORDER BY rank LIMIT 5
\"\"\"
for row in con.execute(query, ['\"{term}\"']):
    print(row)
```\n\n\
Datasette serves it as a documented, searchable site:\n\n```sh
datasette {db} --metadata {}
```\n\n",
        super::sqlite::METADATA_FILE
    );
    let _ = write!(
        s,
        "networkx (nodes are actors; edges have `kind` `relation` or `parent`):\n\n```python
import networkx as nx

g = nx.read_graphml(\"{}\")
print(g.number_of_nodes(), g.number_of_edges())
```\n\n",
        super::graphml::FILE
    );
    let _ = write!(
        s,
        "## Cite\n\n{}\n\n```bibtex\n{}```\n\nPlease cite the source article as well.\n\n",
        citation::cite_text(meta, tables),
        citation::bibtex(meta, tables)
    );
    s.push_str("## Licence\n\n");
    for l in &meta.licenses {
        let _ = writeln!(
            s,
            "{}, {} ({}). The full text is in `LICENSE`.",
            l.name, l.title, l.path
        );
    }
    s.push_str("\n## Limits\n\n");
    let docs = find(tables, "documents");
    let n_docs = docs.map_or(0, |d| d.1.num_rows());
    let _ = writeln!(
        s,
        "- The dataset records what its {n_docs} source document{} say{}, with their hedges, \
attributions and uncertainty; it does not check claims against other sources, and \
absence from the tables is not evidence of absence.",
        if n_docs == 1 { "" } else { "s" },
        if n_docs == 1 { "s" } else { "" }
    );
    s.push_str(
        "- Errors of the source (typos, impossible dates, misspellings) are kept as printed; \
`errata` lists each with its correction.\n\
- `mentions` are found by exact alias matching and may include false matches of short aliases.\n\
- Dates carry their precision (`*_precision`); `*_start`/`*_end` bound an interval, \
they do not pin a day.\n",
    );
    for note in distinct(docs, "licence_note") {
        let _ = writeln!(s, "- Source text: {note}");
    }
    s
}

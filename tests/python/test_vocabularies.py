"""Enum columns keep their vocabulary: in every Parquet file, each enum column's
dictionary is the schema's whole vocabulary in schema order (also values no row uses),
marked ordered exactly where the schema says `x-ordered`, so pyarrow, pandas, polars and
DuckDB see the same levels in every version and partition, and the same values as the
CSV file, cell by cell."""
import csv
import subprocess

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import ROOT

BIN = ROOT / "target" / "release" / "kdata"


def csv_column(version, table, column, doc_id=None):
    """A CSV column as Python values (empty cell = None), of one document's rows if asked."""
    with open(version / "csv" / f"{table}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r[column] or None for r in rows if doc_id is None or r["doc_id"] == doc_id]


def check_file(path, version, schemas):
    """Checks every enum column of one Parquet file; returns how many it checked."""
    meta = pq.read_metadata(path).metadata
    table = meta[b"table"].decode()
    # A Hive partition (parquet-by-doc/<table>/doc_id=<id>/part-0.parquet) holds one document's rows.
    doc_id = path.parent.name.removeprefix("doc_id=") if path.parent.name.startswith("doc_id=") else None
    t = pq.read_table(path)
    frame = pd.read_parquet(path)
    polars = pl.read_parquet(path)
    con = duckdb.connect()
    checked = 0
    for f in schemas[table]["fields"]:
        vocabulary = f.get("constraints", {}).get("enum")
        if not vocabulary or f["name"] not in t.schema.names:
            continue
        c, ordered, where = f["name"], f.get("x-ordered", False), (path, f["name"])
        assert t.schema.field(c).type == pa.dictionary(pa.int32(), pa.string(), ordered=ordered), where
        for chunk in t.column(c).chunks:
            assert chunk.dictionary.to_pylist() == vocabulary, where
        values = t.column(c).to_pylist()
        assert frame[c].cat.categories.tolist() == vocabulary and frame[c].cat.ordered == ordered, where
        assert frame[c].astype(object).where(frame[c].notna(), None).tolist() == values, where
        assert polars[c].to_list() == values, where
        assert [r[0] for r in con.execute(f"SELECT \"{c}\" FROM read_parquet('{path}')").fetchall()] == values, where
        # Filters that DuckDB and pyarrow prune with the column's statistics count right.
        for v in vocabulary:
            assert con.execute(f"SELECT count(*) FROM read_parquet('{path}') WHERE \"{c}\" = ?", [v]).fetchone()[0] == values.count(v), (where, v)
            assert pq.read_table(path, columns=[c], filters=[(c, "==", v)]).num_rows == values.count(v), (where, v)
        assert values == csv_column(version, table, c, doc_id), where
        checked += 1
    return checked


def test_enum_dictionaries_are_the_schema_vocabularies(version_dir, schemas):
    files = sorted(version_dir.rglob("*.parquet"))
    assert len(files) >= len(schemas)
    assert sum(check_file(p, version_dir, schemas) for p in files) >= 20


def test_every_hive_partition_keeps_the_whole_vocabulary(tmp_path, schemas):
    """Partitions hold one document's rows each: most enum values are unused there."""
    out = subprocess.run([BIN, "--root", ROOT, "build", "--partition-by-doc", "--out", tmp_path], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    [version] = tmp_path.glob("*-*")
    files = sorted((version / "parquet-by-doc").rglob("*.parquet"))
    assert files
    assert sum(check_file(p, version, schemas) for p in files) >= 20

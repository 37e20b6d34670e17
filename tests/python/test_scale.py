"""Corpus scale, checked from outside: a synthetic corpus of 100 documents builds, its
Hive-partitioned Parquet reads as-is in DuckDB with the right row counts and keys, every
provenance row holds across documents, and parallel builds are byte-identical."""
import json
import subprocess

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import ROOT

BIN = ROOT / "target" / "release" / "kdata"


def kdata(*args, binary=BIN):
    out = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def synth(docs, out, seed=1):
    """The synthetic corpus generator (its own binary, not part of the pipeline)."""
    return kdata("--docs", docs, "--seed", seed, "--out", out, "--schemas", ROOT / "schemas", binary=BIN.parent / "kdata-synth")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "c100"
    synth(100, root)
    # The site (a page per row: ~47,000 files here) is not what this test is about.
    kdata("--root", root, "build", "--partition-by-doc", "--no-site")
    return root, root / "output" / "synthetic-0.0.1"


def test_hive_partitioned_parquet_reads_as_one_table_in_duckdb(corpus):
    _, version = corpus
    con = duckdb.connect()
    schemas = {r["name"]: r["schema"] for r in json.loads((version / "datapackage.json").read_text())["resources"] if r["format"] == "csv"}
    checked = 0
    for name, schema in schemas.items():
        if "doc_id" not in [f["name"] for f in schema["fields"]]:
            continue
        flat = pq.read_table(version / "parquet" / f"{name}.parquet")
        hive = f"read_parquet('{version}/parquet-by-doc/{name}/*/*.parquet', hive_partitioning = true)"
        if flat.num_rows == 0:
            assert not (version / "parquet-by-doc" / name).exists()
            continue
        n, docs = con.execute(f"SELECT count(*), count(DISTINCT doc_id) FROM {hive}").fetchone()
        assert n == flat.num_rows, name
        assert docs == len(set(flat.column("doc_id").to_pylist())), name
        pk = ", ".join(schema["primaryKey"])
        dup = con.execute(f"SELECT count(*) FROM (SELECT {pk} FROM {hive} GROUP BY {pk} HAVING count(*) > 1)").fetchone()[0]
        assert dup == 0, name
        checked += 1
    assert checked >= 10
    assert con.execute(f"SELECT count(DISTINCT doc_id) FROM read_parquet('{version}/parquet-by-doc/figures/*/*.parquet', hive_partitioning = true)").fetchone()[0] == 100


def test_every_quote_of_the_corpus_is_proved(corpus):
    root, version = corpus
    texts = {}
    for d in pq.read_table(version / "parquet" / "documents.parquet").to_pylist():
        texts[d["doc_id"]] = (root / "raw" / d["source_path"]).read_text(encoding="utf-8")
    assert len(texts) == 100
    n = 0
    for name in ["relations", "events", "figures", "citations", "errata", "actors"]:
        for r in pq.read_table(version / "parquet" / f"{name}.parquet").to_pylist():
            assert " ".join(texts[r["doc_id"]][r["char_start"]:r["char_end"]].split()) == r["quote"], (name, r)
            n += 1
    assert n > 50_000
    prefixed = pq.read_table(version / "parquet" / "errata.parquet").num_rows
    assert prefixed > 100, "the generator plants near-duplicate passages that need a prefix"


def test_synthetic_corpus_and_parallel_builds_are_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        synth(12, d, seed=7)
    generated = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(generated) > 12 * 8
    assert generated == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in generated:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    kdata("--root", a, "build", "--out", tmp_path / "o1")
    kdata("--root", a, "build", "--out", tmp_path / "o2")
    files = sorted(p.relative_to(tmp_path / "o1") for p in (tmp_path / "o1").rglob("*") if p.is_file() and p.name != ".lock")
    assert len(files) > 30
    for f in files:
        assert (tmp_path / "o1" / f).read_bytes() == (tmp_path / "o2" / f).read_bytes(), f

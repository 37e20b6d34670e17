"""Shared fixtures: the built dataset version named by raw/dataset.toml, read with
tools nobody in this project wrote (pyarrow, duckdb, frictionless)."""
import json
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def version_dir() -> Path:
    meta = tomllib.loads((ROOT / "raw" / "dataset.toml").read_text(encoding="utf-8"))
    d = ROOT / "output" / f"{meta['name']}-{meta['version']}"
    assert d.is_dir(), f"{d} is missing: run `make` first"
    return d


@pytest.fixture(scope="session")
def schemas() -> dict:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "schemas").glob("*.json"))}


@pytest.fixture(scope="session")
def sources(version_dir) -> dict:
    """doc_id -> source text, found through the documents table and checked by hash."""
    import hashlib
    import pyarrow.parquet as pq

    out = {}
    for row in pq.read_table(version_dir / "parquet" / "documents.parquet").to_pylist():
        raw = (ROOT / "raw" / row["source_path"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == row["sha256"]
        out[row["doc_id"]] = raw.decode("utf-8")
    return out

"""Publishing: the version in raw/dataset.toml (the latest release, or the unreleased
version being built) equals a fresh build, its metadata passes the standard validators
(frictionless, mlcroissant), its checksums and every release's verify, every Parquet
column loads with its type in pyarrow, polars, pandas and DuckDB, and the README's
loading snippets run exactly as printed."""
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tomllib

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT

BIN = ROOT / "target" / "release" / "kdata"


def released_versions():
    """Committed release folders (they hold CHANGES.md), oldest first."""
    key = lambda p: tuple(int(x) for x in p.name.rsplit("-", 1)[1].split("."))
    return sorted((p for p in (ROOT / "output").iterdir() if (p / "CHANGES.md").is_file()), key=key)


def test_committed_releases_verify_and_were_never_changed():
    releases = released_versions()
    assert releases, "no committed release"
    for r in releases:
        out = subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], cwd=r, capture_output=True, text=True)
        assert out.returncode == 0, (r.name, out.stdout + out.stderr)
        tracked = subprocess.run(["git", "status", "--porcelain", "--", str(r)], cwd=ROOT, capture_output=True, text=True)
        assert tracked.returncode != 0 or tracked.stdout == "", tracked.stdout


def test_version_is_byte_identical_to_a_fresh_build(version_dir, tmp_path):
    """The committed release (or, before release, `make`'s build) equals a fresh build,
    byte for byte, the SQLite database and the archive included."""
    import tarfile

    # kdata's own check: building into a copy of output/ compares with the release.
    shutil.copytree(version_dir.parent, tmp_path / "output", ignore=shutil.ignore_patterns(".lock", ".tmp-*"))
    out = subprocess.run([BIN, "--root", ROOT, "build", "--out", tmp_path / "output"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    # And independently: a build into an empty folder gives the same files; its archive
    # lacks only the release notes, which the committed archive holds.
    out = subprocess.run([BIN, "--root", ROOT, "build", "--out", tmp_path / "fresh"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    fresh = tmp_path / "fresh" / version_dir.name
    archive = {f"{version_dir.name}.tar.gz", f"{version_dir.name}.tar.gz.sha256"}
    kept = lambda p: p.is_file() and p.name != "CHANGES.md" and p.name not in archive
    files = sorted(p.relative_to(version_dir) for p in version_dir.rglob("*") if kept(p))
    assert files == sorted(p.relative_to(fresh) for p in fresh.rglob("*") if kept(p))
    for f in files:
        assert (version_dir / f).read_bytes() == (fresh / f).read_bytes(), f
    with tarfile.open(version_dir / f"{version_dir.name}.tar.gz") as tar:
        for m in tar.getmembers():
            if m.isfile():
                rel = m.name.split("/", 1)[1]
                assert tar.extractfile(m).read() == (version_dir / rel).read_bytes(), rel


def test_sha256sums_verify_with_sha256sum(version_dir):
    # The built version, and every committed release (which no later build may change).
    released = [d for d in version_dir.parent.glob(version_dir.name.rsplit("-", 1)[0] + "-*") if (d / "CHANGES.md").exists()]
    for d in {version_dir, *released}:
        out = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=d, capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
        listed = {l.split("  ", 1)[1] for l in (d / "SHA256SUMS").read_text().splitlines()}
        on_disk = {str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()}
        # The archive holds SHA256SUMS (and the release notes), so its own checksum is in
        # a file of its own; releases before 1.2.0 have no archive.
        archive = {f"{d.name}.tar.gz", f"{d.name}.tar.gz.sha256"} & on_disk
        assert on_disk - listed == {"SHA256SUMS"} | archive | ({"CHANGES.md"} & on_disk), d


def test_datapackage_describes_the_release(version_dir):
    pkg = json.loads((version_dir / "datapackage.json").read_text())
    meta = tomllib.loads((ROOT / "raw" / "dataset.toml").read_text())
    assert pkg["version"] == meta["version"] and pkg["name"] == meta["name"]
    for key in ["title", "description", "licenses", "sources", "contributors", "keywords"]:
        assert pkg[key], key
    # CSV only, so that the plain `frictionless validate datapackage.json` is VALID (its
    # Parquet reader misreads nullable integers); croissant.json describes the Parquet files.
    assert {r["format"] for r in pkg["resources"]} == {"csv"}
    assert len(pkg["resources"]) == len(list((ROOT / "schemas").glob("*.json")))
    import hashlib

    for r in pkg["resources"]:
        data = (version_dir / r["path"]).read_bytes()
        assert r["bytes"] == len(data) and r["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert r["schema"]["primaryKey"]


def test_mlcroissant_validates_and_loads_every_record_set(version_dir):
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "mlcroissant"), "validate", "--jsonld", "croissant.json"],
                         capture_output=True, text=True, cwd=version_dir)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "error" not in out.stderr.lower(), out.stderr[-2000:]
    import mlcroissant as mlc

    ds = mlc.Dataset(jsonld=str(version_dir / "croissant.json"))
    for rs in ds.metadata.record_sets:
        records = list(ds.records(record_set=rs.uuid))
        table = pq.read_table(version_dir / "parquet" / f"{rs.name}.parquet")
        assert len(records) == table.num_rows, rs.name
        key = table.schema.names[0]
        got = sorted(str(r[f"{rs.name}/{key}"], "utf-8") if isinstance(r[f"{rs.name}/{key}"], bytes) else str(r[f"{rs.name}/{key}"]) for r in records)
        assert got == sorted(str(v) for v in table.column(key).to_pylist()), rs.name


def test_types_in_polars_pandas_and_duckdb(version_dir, schemas):
    con = duckdb.connect()
    for name, schema in schemas.items():
        path = version_dir / "parquet" / f"{name}.parquet"
        pl_schema = pl.read_parquet(path).schema
        pd_frame = pd.read_parquet(path, dtype_backend="numpy_nullable")
        duck = {c[0]: c[1] for c in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}
        for f in schema["fields"]:
            col, enum = f["name"], "enum" in f.get("constraints", {})
            want_pl = {"integer": pl.Int64, "number": pl.Float64, "date": pl.Date, "boolean": pl.Boolean, "string": pl.String}[f["type"]]
            assert pl_schema[col] == (pl.Categorical if enum else want_pl), (name, col, pl_schema[col])
            want_duck = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN", "string": "VARCHAR"}[f["type"]]
            assert duck[col] == want_duck, (name, col, duck[col])
            series = pd_frame[col]
            if enum:
                assert isinstance(series.dtype, pd.CategoricalDtype), (name, col)
            elif f["type"] == "integer":
                assert str(series.dtype) == "Int64", (name, col, series.dtype)
            elif f["type"] == "date":
                assert all(isinstance(v, dt.date) for v in series.dropna()), (name, col)


def readme_blocks(lang):
    text = (ROOT / "README.md").read_text()
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_readme_python_snippets_run_as_printed():
    blocks = readme_blocks("python")
    assert len(blocks) >= 5
    for code in blocks:
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 0, code + out.stderr


def test_readme_duckdb_snippet_runs_as_printed():
    blocks = readme_blocks("sql")
    assert blocks
    con = duckdb.connect()
    for sql in blocks:
        for statement in [s for s in sql.split(";") if s.strip()]:
            rows = con.execute(statement).fetchall()
        assert rows

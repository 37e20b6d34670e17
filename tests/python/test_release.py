"""The release surface, checked as a user meets it, on the built version folder: the
plain `frictionless validate`, the dataset card (front matter, `datasets.load_dataset`
of every config offline, snippets as printed), SQLite (keys, foreign keys, FTS5, row
counts against Parquet) served by Datasette with its metadata, the GraphML network in
networkx, the citation and deposit metadata, the data dictionary, the licence and the
deterministic archive."""
import asyncio
import csv
import html
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import tomllib
from datetime import datetime, timezone

import pyarrow.parquet as pq
import pytest
import yaml

from conftest import ROOT

VENV_BIN = ROOT / ".venv" / "bin"


@pytest.fixture(scope="session")
def meta():
    return tomllib.loads((ROOT / "raw" / "dataset.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def card(version_dir):
    text = (version_dir / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(front), body


def parquet_rows(version_dir):
    return {p.stem: pq.read_metadata(p).num_rows for p in sorted((version_dir / "parquet").glob("*.parquet"))}


def test_frictionless_validate_as_shipped_is_valid(version_dir):
    out = subprocess.run([VENV_BIN / "frictionless", "validate", "datapackage.json"], cwd=version_dir, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "INVALID" not in out.stdout
    pkg = json.loads((version_dir / "datapackage.json").read_text())
    assert out.stdout.count("VALID") == len(pkg["resources"]) == len(parquet_rows(version_dir))


def test_archive_checksum_verifies_with_sha256sum(version_dir, meta):
    name = f"{meta['name']}-{meta['version']}.tar.gz"
    out = subprocess.run(["sha256sum", "--check", "--strict", f"{name}.sha256"], cwd=version_dir, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == f"{name}: OK"


def test_archive_is_the_whole_folder_with_fixed_order_times_and_owners(version_dir, meta):
    top = f"{meta['name']}-{meta['version']}"
    data = (version_dir / f"{top}.tar.gz").read_bytes()
    assert data[:4] == b"\x1f\x8b\x08\x00" and data[4:8] == b"\0\0\0\0", "gzip header without name or time"
    release = int(datetime.fromisoformat(meta["published"]).replace(tzinfo=timezone.utc).timestamp())
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
        # Paths in byte order, a folder as its path with a trailing "/".
        names = [m.name.rstrip("/") + ("/" if m.isdir() else "") for m in members]
        assert names == sorted(names) and names[0] == top + "/"
        for m in members:
            assert (m.uid, m.gid, m.uname, m.gname, m.mtime) == (0, 0, "", "", release), m.name
            assert m.mode == (0o755 if m.isdir() else 0o644), m.name
        files = {m.name[len(top) + 1:]: tar.extractfile(m).read() for m in members if m.isfile()}
    on_disk = {str(p.relative_to(version_dir)) for p in version_dir.rglob("*") if p.is_file()}
    # The release notes (CHANGES.md) of a released version are archived with it.
    not_archived = {f"{top}.tar.gz", f"{top}.tar.gz.sha256"}
    assert set(files) == on_disk - not_archived
    for rel, content in files.items():
        assert content == (version_dir / rel).read_bytes(), rel


def test_card_front_matter_has_one_config_per_table_with_its_features(card, version_dir, schemas, meta):
    front, _ = card
    assert front["license"] == meta["licenses"][0]["name"].lower()
    assert front["pretty_name"] == meta["title"]
    assert front["tags"] == meta["keywords"] and front["language"] == ["en"]
    assert [c["config_name"] for c in front["configs"]] == sorted(schemas)
    for c in front["configs"]:
        (split,) = c["data_files"]
        assert (version_dir / split["path"]).is_file() and split["split"] == "train"
    for info in front["dataset_info"]:
        assert [f["name"] for f in info["features"]] == [f["name"] for f in schemas[info["config_name"]]["fields"]]
    n = sum(parquet_rows(version_dir).values())
    assert front["size_categories"] == ["n<1K" if n < 1000 else "1K<n<10K" if n < 10_000 else "10K<n<100K"]


def test_card_lists_every_table_with_its_row_count(card, version_dir):
    _, body = card
    for table, rows in parquet_rows(version_dir).items():
        assert f"| `{table}` | {rows} |" in body, table


def test_datasets_load_dataset_reads_every_table_offline(version_dir, tmp_path, schemas):
    code = """
import json, sys
from datasets import load_dataset
out = {}
for name in sys.argv[2:]:
    d = load_dataset(sys.argv[1], name, split="train")
    out[name] = [d.num_rows, {k: str(v) for k, v in d.features.items()}]
print(json.dumps(out))
"""
    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    out = subprocess.run([sys.executable, "-c", code, str(version_dir), *schemas], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    rows = parquet_rows(version_dir)
    dtype = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool", "date": "date32"}
    for name, schema in schemas.items():
        n, features = loaded[name]
        assert n == rows[name], name
        for f in schema["fields"]:
            assert features[f["name"]] == f"Value('{dtype[f['type']]}')", (name, f["name"])


def card_blocks(version_dir, lang):
    return re.findall(rf"```{lang}\n(.*?)```", (version_dir / "README.md").read_text(encoding="utf-8"), re.S)


def test_card_python_snippets_run_as_printed(version_dir, tmp_path):
    blocks = card_blocks(version_dir, "python")
    assert len(blocks) >= 5
    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    for code in blocks:
        out = subprocess.run([sys.executable, "-c", code], cwd=version_dir, capture_output=True, text=True, env=env)
        assert out.returncode == 0, code + out.stderr[-3000:]
        assert out.stdout.strip(), code


def test_card_pandas_snippet_gives_real_dates(version_dir):
    import pandas as pd

    (code,) = [b for b in card_blocks(version_dir, "python") if "import pandas" in b]
    assert 'dtype_backend="pyarrow"' in code
    events = pd.read_parquet(version_dir / "parquet" / "events.parquet", dtype_backend="pyarrow")
    assert str(events["date_start"].dtype) == "date32[day][pyarrow]"
    assert events["date_start"].dt.year.dropna().min() > 1900


def test_card_sql_snippet_runs_as_printed(version_dir):
    (sql,) = card_blocks(version_dir, "sql")
    code = "import duckdb, sys\nprint(duckdb.connect().execute(sys.argv[1]).fetchall())"
    out = subprocess.run([sys.executable, "-c", code, sql], cwd=version_dir, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() not in ("", "[]")


@pytest.fixture(scope="session")
def db(version_dir, meta):
    con = sqlite3.connect(f"file:{version_dir / (meta['name'] + '.sqlite')}?mode=ro", uri=True)
    yield con
    con.close()


def test_sqlite_foreign_keys_hold_and_fts_finds_quotes(db):
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    hits = db.execute(
        "SELECT s.source_table, s.source_key, s.source_column FROM search_index_fts "
        "JOIN search_index s ON s.id = search_index_fts.rowid WHERE search_index_fts MATCH 'Kandahar'"
    ).fetchall()
    assert {t for t, _, _ in hits} >= {"events", "places"}
    assert {c for _, _, c in hits} >= {"quote", "name"}
    for table, key, column in hits:
        pk = [r[1] for r in sorted(db.execute(f"PRAGMA table_info({table})").fetchall(), key=lambda r: r[5]) if r[5]]
        where = " AND ".join(f'"{c}" = ?' for c in pk)
        (text,) = db.execute(f'SELECT "{column}" FROM "{table}" WHERE {where}', key.split("/")).fetchone()
        assert "kandahar" in text.lower()


def test_sqlite_has_every_table_typed_keyed_and_indexed(db, schemas, version_dir):
    rows = parquet_rows(version_dir)
    sqltype = {"string": "TEXT", "date": "TEXT", "integer": "INTEGER", "boolean": "INTEGER", "number": "REAL"}
    counts = {}
    for name, schema in schemas.items():
        info = db.execute(f'PRAGMA table_info("{name}")').fetchall()
        assert [(r[1], r[2]) for r in info] == [(f["name"], sqltype[f["type"]]) for f in schema["fields"]], name
        assert [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])] == schema["primaryKey"], name
        fks = {(r[3], r[2] or name) for r in db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall()}
        assert fks == {(fk["fields"][0], fk["reference"]["resource"] or name) for fk in schema.get("foreignKeys", [])}, name
        indexed = {db.execute(f'PRAGMA index_info("{i[1]}")').fetchone()[2] for i in db.execute(f'PRAGMA index_list("{name}")').fetchall()}
        for fk in schema.get("foreignKeys", []):
            assert fk["fields"][0] in indexed or fk["fields"][0] == schema["primaryKey"][0], (name, fk)
        counts[name] = db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
    assert counts == rows
    print("\nrows by table, SQLite = Parquet:", json.dumps(counts))


def test_sqlite_values_equal_parquet(db, schemas, version_dir):
    for name, schema in schemas.items():
        table = pq.read_table(version_dir / "parquet" / f"{name}.parquet")
        cols = ", ".join(f'"{f["name"]}"' for f in schema["fields"])
        order = ", ".join(f'"{k}"' for k in schema["primaryKey"])
        got = db.execute(f'SELECT {cols} FROM "{name}" ORDER BY {order}').fetchall()
        want = sorted(
            (tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in r.values()) for r in table.to_pylist()),
            key=lambda r: tuple(r[[f["name"] for f in schema["fields"]].index(k)] for k in schema["primaryKey"]),
        )
        assert got == want, name


def test_datasette_serves_the_documented_searchable_database(version_dir, meta):
    from datasette.app import Datasette

    db_name = meta["name"]
    metadata = json.loads((version_dir / "datasette-metadata.json").read_text())
    ds = Datasette([str(version_dir / f"{db_name}.sqlite")], metadata=metadata)

    async def fetch():
        home = await ds.client.get("/")
        page = await ds.client.get(f"/{db_name}/actors")
        rows = await ds.client.get(f"/{db_name}/actors.json?_shape=array&_size=max")
        search = await ds.client.get(f"/{db_name}/search_index.json?_search=Kandahar&_shape=array")
        search_page = await ds.client.get(f"/{db_name}/search_index?_search=Kandahar")
        return home, page, rows, search, search_page

    home, page, rows, search, search_page = asyncio.run(fetch())
    assert home.status_code == 200 and html.escape(meta["title"]) in home.text
    actors_meta = metadata["databases"][db_name]["tables"]["actors"]
    assert page.status_code == 200 and html.escape(actors_meta["title"]) in page.text
    assert html.escape(actors_meta["description"]) in page.text
    assert html.escape(actors_meta["columns"]["actor_type"]) in page.text
    assert "CC-BY-4.0" in page.text
    actors = rows.json()
    assert len(actors) == pq.read_metadata(version_dir / "parquet" / "actors.parquet").num_rows
    hits = search.json()
    assert search.status_code == 200 and hits and all("kandahar" in h["text"].lower() for h in hits)
    assert search_page.status_code == 200 and 'name="_search"' in search_page.text
    print(f"\nDatasette: GET /{db_name}/actors -> {page.status_code}, {len(actors)} rows in JSON; "
          f"GET /{db_name}/search_index.json?_search=Kandahar -> {search.status_code}, {len(hits)} hits, first: "
          f"{hits[0]['source_table']}/{hits[0]['source_key']} ({hits[0]['source_column']})")


def test_graphml_reads_in_networkx_with_relations_and_hierarchy(version_dir):
    import networkx as nx

    g = nx.read_graphml(version_dir / "actors.graphml")
    actors = pq.read_table(version_dir / "parquet" / "actors.parquet").to_pylist()
    relations = pq.read_table(version_dir / "parquet" / "relations.parquet").to_pylist()
    parents = [a for a in actors if a["parent_actor_id"]]
    assert g.is_directed() and g.number_of_nodes() == len(actors)
    assert g.number_of_edges() == len(relations) + len(parents)
    for a in actors:
        node = g.nodes[a["actor_id"]]
        assert node["name"] == node["label"] == a["name"] and node["actor_type"] == a["actor_type"]
    edges = {k: (u, v, d) for u, v, k, d in g.edges(keys=True, data=True)}
    for r in relations:
        u, v, d = edges[r["relation_id"]]
        assert (u, v, d["kind"], d["relation_type"], d["page"]) == (r["subject_actor_id"], r["object_actor_id"], "relation", r["relation_type"], r["page"])
        assert d.get("date_start") == (r["date_start"].isoformat() if r["date_start"] else None)
    for a in parents:
        u, v, d = edges[f"parent:{a['actor_id']}"]
        assert (u, v, d["kind"]) == (a["actor_id"], a["parent_actor_id"], "parent")


def test_one_title_description_and_keywords_everywhere(version_dir, meta, card):
    pkg = json.loads((version_dir / "datapackage.json").read_text())
    cr = json.loads((version_dir / "croissant.json").read_text())
    cff = yaml.safe_load((version_dir / "CITATION.cff").read_text())
    zen = json.loads((version_dir / ".zenodo.json").read_text())
    front, body = card
    for title, description, keywords in [
        (pkg["title"], pkg["description"], pkg["keywords"]),
        (cr["name"], cr["description"], cr["keywords"]),
        (cff["title"], cff["abstract"], cff["keywords"]),
        (zen["title"], zen["description"], zen["keywords"]),
        (front["pretty_name"], None, front["tags"]),
    ]:
        assert title == meta["title"] and keywords == meta["keywords"]
        assert description in (None, meta["description"])
    assert meta["title"] in body and meta["description"] in body
    assert f"```bibtex\n{cr['citeAs']}```" in body, "one citation: Croissant's citeAs is the card's BibTeX"
    assert cff["version"] == zen["version"] == cr["version"] == pkg["version"] == meta["version"]
    assert str(cff["date-released"]) == zen["publication_date"] == cr["datePublished"] == meta["published"]
    assert cff["license"] == meta["licenses"][0]["name"] and zen["license"] == meta["licenses"][0]["name"].lower()
    assert zen["upload_type"] == "dataset" and zen["creators"] and "related_identifiers" not in zen
    root_cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert (root_cff["title"], root_cff["version"], str(root_cff["date-released"])) == (meta["title"], meta["version"], meta["published"])


def test_no_placeholder_urls(version_dir):
    for p in version_dir.rglob("*"):
        if p.is_file() and p.suffix in {".json", ".md", ".cff", ".graphml", ".csv", ""}:
            text = p.read_text(encoding="utf-8", errors="replace")
            assert not re.search(r"example\.(invalid|com|org)|localhost|TODO|FIXME", text), p


def test_license_is_the_full_text_of_the_data_licence(version_dir, meta):
    text = (version_dir / "LICENSE").read_text(encoding="utf-8")
    assert text == (ROOT / "raw" / "licenses" / f"{meta['licenses'][0]['name']}.txt").read_text(encoding="utf-8")
    assert text.startswith("Creative Commons Attribution 4.0 International") and "Section 8" in text


def test_data_dictionary_has_every_column_and_every_allowed_value(version_dir, schemas):
    with open(version_dir / "data_dictionary.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["table", "column", "type", "required", "description", "allowed_value", "definition"]
    want = []
    for name, schema in schemas.items():
        for f in schema["fields"]:
            base = (name, f["name"], f["type"], "yes" if f.get("constraints", {}).get("required") else "no", f["description"])
            voc = f.get("x-vocabulary")
            want += [base + (k, d) for k, d in voc.items()] if voc else [base + ("", "")]
    assert [tuple(r.values()) for r in rows] == want


def test_datasette_command_line_serves_the_search_as_the_card_says(version_dir, meta):
    """`datasette <db> --metadata <file>`, as printed in the card, with `--get` instead of
    a server: the search answers through the configured FTS table."""
    db_name = meta["name"]
    assert f"datasette {db_name}.sqlite --metadata datasette-metadata.json" in (version_dir / "README.md").read_text()
    out = subprocess.run(
        [VENV_BIN / "datasette", f"{db_name}.sqlite", "--metadata", "datasette-metadata.json",
         "--get", f"/{db_name}/search_index.json?_search=Taliban&_shape=array&_size=max"],
        cwd=version_dir, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    hits = json.loads(out.stdout)
    assert hits and all("taliban" in h["text"].lower() for h in hits)
    assert {h["source_column"] for h in hits} >= {"name", "alias", "quote"}

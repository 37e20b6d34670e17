"""The curation's completeness audits (see audit.py): zero unexplained items, and the
coverage table the release ships is exactly the audit re-derived here."""
import pyarrow.parquet as pq

from audit import audit, unexplained, names, NUMBER_RE, CAPS_RE


def test_audit_patterns_find_what_they_should():
    assert [m.group() for m in NUMBER_RE.finditer("about 1,000 men, 50-100, ten men, USD 380, 2015")] == ["1,000", "50", "100", "ten", "380", "2015"]
    assert [m.group() for m in CAPS_RE.finditer("ISIL-K and AQ’s pro-IS USD Taliban")] == ["ISIL-K", "AQ", "IS", "USD"]
    got = [t for _, t in names("the Islamic State Khorasan. In November the\nAbu Bakr Al-Baghdadi")]
    assert got == ["Islamic State Khorasan", "Abu Bakr Al-Baghdadi"]


def test_no_unexplained_numbers_or_names(version_dir):
    items = unexplained(version_dir)
    listing = "\n".join(f"{k} {d}@{a}: {t}" for k, d, a, t, _ in items[:40])
    assert not items, f"{len(items)} unexplained (run `python tests/python/audit.py`):\n{listing}"


def test_shipped_coverage_table_is_the_audit(version_dir):
    shipped = pq.read_table(version_dir / "parquet" / "coverage.parquet").to_pylist()
    got = {(r["kind"], r["doc_id"], r["char_start"], r["char_end"], r["status"]) for r in shipped}
    want = {(k, d, s, e, st) for k, d, s, e, st, _ in audit(version_dir)}
    assert len(shipped) == len(got), "one row per token"
    assert got == want, f"only shipped: {sorted(got - want)[:10]}; only re-derived: {sorted(want - got)[:10]}"
    for r in shipped:
        assert (r["status"] == "covered") == (r["covered_by"] is not None)
        assert (r["status"] == "explained") == (r["note_id"] is not None)
    assert not [r for r in shipped if r["status"] == "uncovered"]

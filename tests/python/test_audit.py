"""The curation's completeness audits (see audit.py): zero unexplained items."""
from audit import unexplained, names, NUMBER_RE, CAPS_RE


def test_audit_patterns_find_what_they_should():
    assert [m.group() for m in NUMBER_RE.finditer("about 1,000 men, 50-100, ten men, USD 380, 2015")] == ["1,000", "50", "100", "ten", "380", "2015"]
    assert [m.group() for m in CAPS_RE.finditer("ISIL-K and AQ’s pro-IS USD Taliban")] == ["ISIL-K", "AQ", "IS", "USD"]
    got = [t for _, t in names("the Islamic State Khorasan. In November the\nAbu Bakr Al-Baghdadi")]
    assert got == ["Islamic State Khorasan", "Abu Bakr Al-Baghdadi"]


def test_no_unexplained_numbers_or_names(version_dir):
    items = unexplained(version_dir)
    listing = "\n".join(f"{k} {d}@{a}: {t}" for k, d, a, t, _ in items[:40])
    assert not items, f"{len(items)} unexplained (run `python tests/python/audit.py`):\n{listing}"

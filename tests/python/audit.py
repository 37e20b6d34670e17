"""Completeness audits of the curation, independent of the Rust code.

Numbers audit: every numeral and number word in the body text (not page furniture,
footnote text, footnote markers or URLs) lies inside the quote of a figure, of a dated
event or relation, or of an erratum; or inside the passage of an `audit_notes` row of
kind `number` with the reason it carries no fact.

Names audit: every all-capitals token and every capitalised multi-word name in the body
overlaps a generated mention of an actor or place alias, or lies inside the passage of
an `audit_notes` row of kind `name` with the reason it names no actor or place.

The release ships the same audit as its `coverage` table (generated in Rust); the tests
re-derive it here, with Python's regular expressions, and compare row by row.

Run `python tests/python/audit.py` to list what is unexplained, with context.
"""
import re
import sys
import tomllib
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]

NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion dozen dozens couple half twice once "
    "first second third fourth fifth firstly secondly thirdly single double"
).split()
NUMBER_RE = re.compile(r"\d+(?:[,.]\d+)*|\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
CAPS_RE = re.compile(r"(?<!\w)[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)*(?!\w)")
# Two or more capitalised words in a row (hyphenated parts and glued forms included).
NAME_RE = re.compile(r"(?<![\w’'])[A-Z][\w’'‘-]*(?:[ \n]+[A-Z][\w’'‘-]*)+")


# Capitalised function words that start sentences; they are not part of a name.
LEADING = set("""The A An In On At By For From Since When While During After Before As Again Both Neither
Nor This That These Those Some Other Its Their His Her Our According Recently However Moreover Even
Although Apart Looking Hence Note Finally Furthermore Below Because Then There What Why How If
So Any Whether Despite Cooperation Supporters Legend Books""".split())


def names(text):
    """Capitalised multi-word names, without a leading capitalised function word."""
    for m in NAME_RE.finditer(text):
        words = list(re.finditer(r"\S+", m.group()))
        while words and words[0].group() in LEADING:
            words.pop(0)
        if len(words) >= 2:
            yield m.start() + words[0].start(), m.group()[words[0].start():]


def collapse(s):
    return " ".join(s.split())


def load(version_dir):
    t = lambda n: pq.read_table(version_dir / "parquet" / f"{n}.parquet").to_pylist()
    return {n: t(n) for n in ["documents", "pages", "footnotes", "figures", "events", "relations", "errata", "mentions", "audit_notes"]}


def find_unique(text, quote, prefix=None):
    """Span of `quote` in `text` with whitespace collapsed (the pipeline's rule, re-done)."""
    pattern = r"\s+".join(re.escape(w) for w in quote.split())
    hits = [m for m in re.finditer(pattern, text)]
    if prefix:
        pre = collapse(prefix)
        hits = [m for m in hits if collapse(text[:m.start()]).endswith(pre)]
    if len(hits) != 1:
        raise AssertionError(f"audit quote found {len(hits)} times: {quote!r}")
    return hits[0].start(), hits[0].end()


def body_mask(text, doc, data):
    """True for code points of the running text."""
    body = [True] * len(text)
    for f in data["footnotes"]:
        if f["doc_id"] == doc:
            body[f["char_start"]:f["char_end"]] = [False] * (f["char_end"] - f["char_start"])
            n = len(str(f["number"]))
            body[f["marker_start"]:f["marker_start"] + n] = [False] * n
    # Furniture: lone number lines and running-header lines.
    headers = [collapse(h) for h in data["headers"].get(doc, [])]
    pos = 0
    for line in text.split("\n"):
        s = line.strip()
        if s.isdigit() or collapse(s) in headers:
            body[pos:pos + len(line)] = [False] * len(line)
        pos += len(line) + 1
    for m in re.finditer(r"(?:https?://|www\.)\S+", text):
        body[m.start():m.end()] = [False] * (m.end() - m.start())
    return body


def audit(version_dir):
    """Every token of the audit with its status: (kind, doc, start, end, status, text)."""
    data = load(version_dir)
    data["headers"] = {}
    out = []
    for d in data["documents"]:
        doc = d["doc_id"]
        folder = ROOT / "raw" / "documents" / doc
        record = tomllib.loads((folder / "document.toml").read_text(encoding="utf-8"))
        data["headers"][doc] = record.get("layout", {}).get("running_headers", [])
        text = (ROOT / "raw" / d["source_path"]).read_text(encoding="utf-8")
        body = body_mask(text, doc, data)

        def spans(rows, keep=lambda r: True):
            return [(r["char_start"], r["char_end"]) for r in rows if r["doc_id"] == doc and keep(r)]

        def noted(kind):
            notes = [n for n in data["audit_notes"] if n["doc_id"] == doc and n["kind"] == kind]
            assert all(n["reason"].strip() for n in notes), "every audit note needs a reason"
            return spans(notes)

        fact_spans = (spans(data["figures"]) + spans(data["errata"])
                      + spans(data["events"], lambda r: r["date"] is not None)
                      + spans(data["relations"], lambda r: r["date"] is not None))
        num_notes = noted("number")
        # Scan the running text only: markers glued to a number ("2014,5") fall away.
        body_text = "".join(c if b else " " for c, b in zip(text, body))
        for m in NUMBER_RE.finditer(body_text):
            covered = any(s <= m.start() and m.end() <= e for s, e in fact_spans)
            explained = any(s <= m.start() and m.end() <= e for s, e in num_notes)
            status = "covered" if covered else "explained" if explained else "uncovered"
            out.append(("number", doc, m.start(), m.end(), status, text))
        mention_spans = spans(data["mentions"])
        name_notes = noted("name")
        candidates = [("capitals", m.start(), m.group()) for m in CAPS_RE.finditer(text)]
        candidates += [("name", at, token) for at, token in names(text)]
        for kind, at, token in candidates:
            end = at + len(token)
            if not body[at]:
                continue
            overlaps = any(s < end and at < e for s, e in mention_spans)
            inside = any(s <= at and end <= e for s, e in name_notes)
            status = "covered" if overlaps else "explained" if inside else "uncovered"
            out.append((kind, doc, at, end, status, text))
    return out


def unexplained(version_dir):
    return [(kind, doc, at, collapse(text[at:end]), text) for kind, doc, at, end, status, text in audit(version_dir) if status == "uncovered"]


def version_dir():
    meta = tomllib.loads((ROOT / "raw" / "dataset.toml").read_text(encoding="utf-8"))
    return ROOT / "output" / f"{meta['name']}-{meta['version']}"


if __name__ == "__main__":
    items = unexplained(version_dir())
    for kind, doc, at, token, text in items:
        ctx = collapse(text[max(0, at - 50):at + len(token) + 30])
        print(f"{kind}\t{doc}\t{at}\t{token}\t…{ctx}…")
    print(f"{len(items)} unexplained", file=sys.stderr)
    sys.exit(1 if items else 0)

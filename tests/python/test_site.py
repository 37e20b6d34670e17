"""The static site of the built version, checked in a real browser (Debian's Chromium,
driven by playwright) and against the data read with pyarrow: pages load offline with
no console error and no request other than file://, screenshots are not blank, the
reader marks every provenance row exactly once and each mark covers its quote, every
internal link resolves, every entity has its page, the timeline draws each date's
extent, and two builds give the same bytes. Screenshots for the README go to docs/."""
import html.parser
import io
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pyarrow.parquet as pq
import pytest

from conftest import ROOT

BIN = ROOT / "target" / "release" / "kdata"
CHROMIUM = "/usr/bin/chromium"
ENTITIES = ["actors", "citations", "events", "figures", "places"]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def site(version_dir):
    d = version_dir / "site"
    assert (d / "index.html").is_file(), f"{d} has no site: run `make` first"
    return d


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        # A persistent context is how playwright takes a fresh --user-data-dir.
        ctx = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900}, service_workers="block")
        yield ctx
        ctx.close()


class Visit:
    """A page opened from file:// with every request and console message recorded."""

    def __init__(self, browser, path: Path):
        self.requests, self.console, self.errors = [], [], []
        self.page = browser.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri(), wait_until="load")

    def check_offline_and_clean(self):
        outside = [u for u in self.requests if not u.startswith("file://")]
        assert not outside, outside
        assert not self.errors, self.errors
        bad = [m for m in self.console if m[0] in ("error", "warning")]
        assert not bad, bad

    def close(self):
        self.page.close()


def not_blank(png: bytes) -> bool:
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    return len(img.getcolors(maxcolors=1 << 20) or [0, 0]) > 1


def provenance_tables(schemas):
    return [n for n, s in schemas.items()
            if s.get("x-scope") != "generated"
            and {"quote", "char_start", "char_end", "doc_id"} <= {f["name"] for f in s["fields"]}]


def key_of(schema, row):
    return "~".join(str(row[k]) for k in schema["primaryKey"])


def sample_pages(site):
    pages = [site / "index.html", site / "network.html", site / "timeline.html", site / "figures.html"]
    pages += sorted((site / "reader").glob("*.html"))
    for t in ENTITIES:
        files = sorted(p for p in (site / t).glob("*.html") if p.name != "index.html")
        pages += files[:2] + files[-1:] + [site / t / "index.html"]
    return pages


def test_pages_load_offline_with_no_console_error_and_are_not_blank(site, browser):
    for path in sample_pages(site):
        v = Visit(browser, path)
        v.check_offline_and_clean()
        assert v.page.title(), path
        assert not_blank(v.page.screenshot()), path
        v.close()


def test_search_finds_names_aliases_and_quotes_without_requests(site, browser):
    v = Visit(browser, site / "index.html")
    for term, expect in [("Khorasan", "Islamic State Khorasan"), ("ISIL-K", "Islamic State Khorasan"), ("1,000", None)]:
        v.page.fill("#q", term)
        results = v.page.locator("#search-results li")
        assert results.count() > 0, term
        if expect:
            assert expect in v.page.inner_text("#search-results"), term
    v.check_offline_and_clean()
    v.close()


def test_reader_marks_each_provenance_row_once_over_its_quote(site, browser, version_dir, schemas, sources):
    tables = provenance_tables(schemas)
    assert {"actors", "relations", "events", "figures", "citations", "errata", "footnotes"} <= set(tables)
    for doc_id, text in sources.items():
        expected = {}
        for t in tables:
            for r in pq.read_table(version_dir / "parquet" / f"{t}.parquet").to_pylist():
                if r["doc_id"] == doc_id and r["char_start"] is not None:
                    expected[f"{t}.{key_of(schemas[t], r)}"] = r["quote"]
        v = Visit(browser, site / "reader" / f"{doc_id}.html")
        marks = v.page.evaluate("""() => {
            const links = [...document.querySelectorAll('a.rowlink')].map(a => a.id);
            const text = {};
            for (const m of document.querySelectorAll('mark[data-rows]'))
                for (const id of m.dataset.rows.split(' ')) text[id] = (text[id] || '') + m.textContent;
            return {links, text};
        }""")
        # One highlight link per row, as many as the Parquet files have rows for the document.
        assert len(marks["links"]) == len(expected), (len(marks["links"]), len(expected))
        assert sorted(marks["links"]) == sorted(expected)
        for anchor, quote in expected.items():
            assert " ".join(marks["text"][anchor].split()) == quote, anchor
        # Every page of the document, in printed order, with the text as in the source.
        pages = pq.read_table(version_dir / "parquet" / "pages.parquet").to_pylist()
        numbers = [p["page"] for p in sorted(pages, key=lambda p: p["char_start"]) if p["doc_id"] == doc_id]
        shown = v.page.eval_on_selector_all("section.page", "s => s.map(x => x.id)")
        assert shown == [f"page-{n}" for n in numbers]
        body = v.page.eval_on_selector_all("section.page .text", """s => s.map(x => {
            const c = x.cloneNode(true);
            c.querySelectorAll('.corr').forEach(e => e.remove());
            return c.textContent; })""")
        assert "".join(body) == text
        # Footnote markers link to their footnotes; errata show their correction.
        notes = pq.read_table(version_dir / "parquet" / "footnotes.parquet").to_pylist()
        for n in (n for n in notes if n["doc_id"] == doc_id):
            assert v.page.locator(f'a.fnref[href="#fn-{n["number"]}"]').count() == 1
            assert v.page.locator(f'#fn-{n["number"]}').count() == 1
        errata = [r for r in pq.read_table(version_dir / "parquet" / "errata.parquet").to_pylist() if r["doc_id"] == doc_id]
        shown = v.page.eval_on_selector_all(".text .corr", "s => s.map(x => x.textContent)")
        assert sorted(shown) == sorted(f"→ {e['correction']}" for e in errata)
        v.check_offline_and_clean()
        shot = v.page.screenshot()
        assert not_blank(shot)
        if doc_id == sorted(sources)[0]:
            screenshot("site-reader.png", shot)
        v.close()


def screenshot(name, png):
    """The README's screenshots are refreshed on request (KDATA_SCREENSHOTS=1), not by every
    test run: pixels differ with the browser's version and fonts, and a test run must leave
    the working tree as it found it."""
    if os.environ.get("KDATA_SCREENSHOTS") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        (ROOT / "docs" / name).write_bytes(png)


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for k in ("href", "src"):
            if a.get(k):
                self.links.append(a[k])


def test_every_internal_link_resolves(site):
    parsed = {}

    def parse(p):
        if p not in parsed:
            x = Links()
            x.feed(p.read_text(encoding="utf-8"))
            parsed[p] = x
        return parsed[p]

    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 100
    checked = 0
    for page in pages:
        for link in parse(page).links:
            if re.match(r"^[a-z]+:", link):
                assert link.startswith(("https://", "http://")), (page, link)
                continue  # outside links (a citation's URL) are never loaded by the site
            path, frag = urldefrag(link)
            target = (page.parent / unquote(path)).resolve() if path else page
            assert target.is_file(), (page, link)
            if frag and target.suffix == ".html":
                assert unquote(frag) in parse(target).ids, (page, link)
            checked += 1
    assert checked > 1000


def test_every_entity_has_its_page(site, version_dir, schemas):
    for t in ENTITIES:
        rows = pq.read_table(version_dir / "parquet" / f"{t}.parquet").to_pylist()
        assert rows, t
        listing = (site / t / "index.html").read_text(encoding="utf-8")
        for r in rows:
            key = key_of(schemas[t], r)
            page = site / t / f"{key}.html"
            assert page.is_file(), (t, key)
            assert f"<code>{key}</code>" in page.read_text(encoding="utf-8")
            assert f'href="../{t}/{key}.html"' in listing


def test_timeline_draws_each_dated_event_over_its_dates(site, browser, version_dir):
    events = pq.read_table(version_dir / "parquet" / "events.parquet").to_pylist()
    v = Visit(browser, site / "timeline.html")
    bars = v.page.evaluate("""() => [...document.querySelectorAll('rect.bar')].map(r => {
        const svg = r.ownerSVGElement, b = r.getBBox();
        return {id: r.dataset.event, start: r.dataset.start, end: r.dataset.end, x: b.x, w: b.width,
                x0: svg.dataset.x0, x1: svg.dataset.x1, dpx: +svg.dataset.dayPx, left: +svg.dataset.left};
    })""")
    undated = v.page.eval_on_selector_all("h2:has-text('Undated') + ul a", "s => s.map(a => a.getAttribute('href'))")
    v.check_offline_and_clean()
    v.close()
    by_id = {b["id"]: b for b in bars}
    dated = [e for e in events if e["date_start"] is not None]
    assert len(bars) == len(dated) and set(by_id) == {e["event_id"] for e in dated}
    assert sorted(undated) == sorted(f"events/{e['event_id']}.html" for e in events if e["date_start"] is None)
    day = lambda s: date.fromisoformat(s).toordinal()
    for e in dated:
        b = by_id[e["event_id"]]
        assert b["start"] == e["date_start"].isoformat()
        x = b["left"] + (e["date_start"].toordinal() - day(b["x0"])) * b["dpx"]
        assert abs(b["x"] - x) < 0.01, e["event_id"]
        # date_end is the last day the date can mean: the bar covers it whole. An open
        # interval runs to the end of its panel.
        last = e["date_end"].toordinal() + 1 if e["date_end"] else day(b["x1"])
        assert b["end"] == (e["date_end"].isoformat() if e["date_end"] else "")
        assert abs(b["x"] + b["w"] - (b["left"] + (last - day(b["x0"])) * b["dpx"])) < 0.01, e["event_id"]
        if e["date_precision"] == "month":
            assert 28 * b["dpx"] - 0.01 <= b["w"] <= 31 * b["dpx"] + 0.01


def test_network_has_every_relation_and_parent_link_as_an_edge_with_evidence(site, browser, version_dir):
    relations = pq.read_table(version_dir / "parquet" / "relations.parquet").to_pylist()
    actors = pq.read_table(version_dir / "parquet" / "actors.parquet").to_pylist()
    v = Visit(browser, site / "network.html")
    edges = v.page.evaluate("""() => [...document.querySelectorAll('a.edge')].map(a => ({
        from: a.dataset.from, to: a.dataset.to, kind: a.dataset.kind, href: a.getAttribute('href'),
        d: a.querySelector('path').getAttribute('d')}))""")
    assert v.page.locator("svg.network > title").first.text_content()
    assert v.page.locator("svg.network").get_attribute("role") == "img"
    v.check_offline_and_clean()
    shot = v.page.screenshot()
    assert not_blank(shot)
    # For the README: the whole network scaled to the page width.
    v.page.add_style_tag(content="svg.network{width:1600px;height:auto}.scroll{max-height:none;overflow:visible}")
    v.page.set_viewport_size({"width": 1700, "height": 1000})
    screenshot("site-network.png", v.page.locator("svg.network").screenshot())
    v.close()
    drawn = {(e["from"], e["kind"], e["to"]) for e in edges}
    assert all(e["d"].startswith("M ") for e in edges)
    for r in relations:
        assert (r["subject_actor_id"], r["relation_type"], r["object_actor_id"]) in drawn, r["relation_id"]
    for a in actors:
        if a["parent_actor_id"]:
            assert (a["parent_actor_id"], "parent", a["actor_id"]) in drawn, a["actor_id"]
    assert len(drawn) == len(edges)


def test_site_is_byte_identical_between_two_builds(site, tmp_path):
    for out in ("a", "b"):
        r = subprocess.run([BIN, "--root", ROOT, "build", "--out", tmp_path / out], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    trees = []
    for d in (site, tmp_path / "a" / site.parent.name / "site", tmp_path / "b" / site.parent.name / "site"):
        trees.append({p.relative_to(d): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()})
    assert trees[0].keys() == trees[1].keys() == trees[2].keys()
    for k in trees[0]:
        assert trees[0][k] == trees[1][k] == trees[2][k], k
    shutil.rmtree(tmp_path)


def test_pages_declare_language_title_and_label_their_pictures(site):
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert text.startswith('<!doctype html>\n<html lang="en">'), page
        assert re.search(r"<title>[^<]+</title>", text), page
        assert 'href="#main"' in text and 'id="main"' in text, page  # skip link for keyboards
        for svg in re.findall(r"<svg [^>]*>", text):
            if 'aria-hidden="true"' in svg:
                continue
            assert 'role="img"' in svg and ("aria-label=" in svg or "aria-labelledby=" in svg), (page, svg)
        # Nothing is loaded from elsewhere: scripts, styles and images are the site's own.
        assert not re.search(r'(src|srcset)="(https?:)?//|<link[^>]*href="(https?:)?//|@import|url\((https?:)?//', text), page

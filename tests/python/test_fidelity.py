"""What the rows say matches how the article says it: possibilities and denials are
marked, inferred dates say so and name their passage, competing claims are linked,
every erratum points at the cell it affects, with the corrected value beside the
printed one."""
import pyarrow.parquet as pq


def table(version_dir, name):
    return pq.read_table(version_dir / "parquet" / f"{name}.parquet").to_pylist()


def by_id(rows, key):
    return {r[key]: r for r in rows}


def test_possibilities_and_denials_are_not_plain_facts(version_dir):
    rel = by_id(table(version_dir, "relations"), "relation_id")
    assert (rel["let-logistical-help-to-isk"]["modality"], rel["let-logistical-help-to-isk"]["polarity"]) == ("possible", "affirmed")
    assert rel["imu-taliban-not-close"]["polarity"] == "negated"
    assert rel["tnsm-no-pledge-to-al-baghdadi"]["polarity"] == "not_yet"
    for r in table(version_dir, "relations") + table(version_dir, "events"):
        assert r["polarity"] in ("affirmed", "negated", "not_yet") and r["modality"] in ("actual", "possible", "hypothetical", "expected")


def test_every_date_says_how_it_is_known(version_dir, sources):
    for name in ("relations", "events"):
        for r in table(version_dir, name):
            if r["date"] is None:
                assert r["date_basis"] is None
                continue
            assert r["date_basis"] in ("stated", "other_passage", "inferred"), r
            if r["date_basis"] == "stated":
                assert r["date_evidence"] is None, r
            else:
                evidence = " ".join(r["date_evidence"].split())
                assert evidence in " ".join(sources[r["doc_id"]].split()), r
            assert r["date_approximate"] == ("~" in r["date"] or "%" in r["date"])
            assert r["date_uncertain"] == ("?" in r["date"] or "%" in r["date"])
    radio = by_id(table(version_dir, "events"), "event_id")["voice-of-the-caliphate-closed"]
    assert (radio["date"], radio["date_basis"], radio["date_approximate"]) == ("2015-41~", "inferred", True)


def test_competing_estimates_of_al_qaeda_fighters_are_linked(version_dir):
    links = table(version_dir, "claim_links")
    pairs = {(l["from_id"], l["to_id"], l["link_type"]) for l in links}
    assert ("aq-warriors-kandahar-camp", "aq-warriors-afghanistan-us-estimate", "contradicts") in pairs
    ids = {name: set(by_id(table(version_dir, name), key)) for name, key in [("figures", "figure_id"), ("relations", "relation_id"), ("events", "event_id")]}
    for l in links:
        assert l["from_id"] in ids[l["from_table"]] and l["to_id"] in ids[l["to_table"]], l


def test_every_erratum_points_at_the_cell_it_affects(version_dir):
    keys = {"footnotes": "number", "event_actors": None}
    for e in table(version_dir, "errata"):
        rows = table(version_dir, e["table_name"])
        key = keys.get(e["table_name"]) or next(k for k in rows[0] if k.endswith("_id"))
        [row] = [r for r in rows if str(r[key]) == e["row_id"]]
        assert " ".join(e["printed"].split()) in " ".join(str(row[e["column_name"]]).split()), e
    cit = by_id(table(version_dir, "citations"), "citation_id")
    dated = [c for c in cit.values() if c["published"] and c["published"].startswith("1014")]
    assert dated, "the article prints the year 1014 for the Al-Furqan declaration"
    for c in dated:
        assert c["published_corrected"].startswith("2015") and c["published_start"].year == 2015
    glued = [c for c in cit.values() if c["url"] and c["url"] != c["url_corrected"]]
    assert len(glued) >= 6, "the URLs broken by glued words carry their corrected form"


def test_states_the_article_treats_as_actors_are_actors_linked_to_their_place(version_dir):
    actors = table(version_dir, "actors")
    places = by_id(table(version_dir, "places"), "place_id")
    states = [a for a in actors if a["actor_type"] == "state"]
    assert {"india-state", "iran-regime", "pakistani-state", "united-states"} <= {a["actor_id"] for a in states}
    for a in states:
        assert a["place_id"] in places and places[a["place_id"]]["place_kind"] == "country", a
    linked = {r["subject_actor_id"] for r in table(version_dir, "relations")} | {r["object_actor_id"] for r in table(version_dir, "relations")}
    assert {"india-state", "iran-regime"} <= linked, "the article's relations with India and Iran are recorded"

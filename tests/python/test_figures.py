"""The figures the user named, as the article states them."""
import pyarrow.parquet as pq


def figure(version_dir, value):
    rows = [r for r in pq.read_table(version_dir / "parquet" / "figures.parquet").to_pylist()
            if value in (r["value"], r["lower_bound"])]
    assert len(rows) >= 1, value
    return rows


def test_about_1000_men_linked_to_isk(version_dir):
    [r] = [r for r in figure(version_dir, 1000) if r["subject_actor_id"] == "isk"]
    assert (r["qualifier"], r["unit"], r["lower_bound"], r["upper_bound"]) == ("approximately", "person", None, None)
    assert (r["page"], r["footnote"], r["certainty"]) == (45, 14, "estimated")


def test_more_than_150_active_aq_fighters_in_the_kandahar_camp(version_dir):
    [r] = figure(version_dir, 150)
    assert (r["qualifier"], r["value"], r["lower_bound"], r["upper_bound"], r["unit"]) == ("more_than", 150, 150, None, "person")
    assert (r["subject_actor_id"], r["place_id"], r["page"], r["footnote"]) == ("al-qaeda", "kandahar", 46, 18)


def test_338_recorded_attacks_on_aq(version_dir):
    [r] = figure(version_dir, 338)
    assert (r["qualifier"], r["unit"], r["subject_actor_id"], r["period"]) == ("exact", "attack", "al-qaeda", "2007/2013")
    assert (r["page"], r["footnote"]) == (46, 19)
    assert r["period_start"].isoformat() == "2007-01-01" and r["period_end"].isoformat() == "2013-12-31"


def test_usd_380_monthly_wage(version_dir):
    [r] = [r for r in figure(version_dir, 380) if r["qualifier"] == "exact"]
    assert (r["unit"], r["per"], r["qualifier"], r["certainty"]) == ("usd", "month", "exact", "reported")
    assert (r["page"], r["footnote"]) == (41, 8)

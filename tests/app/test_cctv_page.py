"""The Mobile CCTV page on the 3-month sample (AppTest): its numbers are the library's for the same settings."""

from pathlib import Path

import pytest

from geo.store import Store
from hotspots.defaults import CCTV_DEFAULT_TYPES
from hotspots.tasks.cctv import site_cameras
from hotspots.tasks.did_it_work import evaluate_deployment
from geo.query import Selection
from tests.app.conftest import open_page as open_app_page
from geo.readers.points import read_points


def open_page(**query):
    return open_app_page("pages/cctv.py", **query)


def metric(at, label_start):
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def library_plan(env, area=None, harm=False, categories=CCTV_DEFAULT_TYPES, **kw):
    """The plan the page should show: with no crime types chosen in the sidebar, the CCTV planner's own default
    types (issue 15: street crime and ASB, no shoplifting)."""
    with Store(env["db"], create=False) as s:
        months = [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                              "WHERE source = 'police' ORDER BY 1").fetchall()]
        a = s.area(*area) if area else None
        cams = read_points(Path(env["sample"]) / "cctv" / "existing_cctv_synthetic.csv")
        sel = Selection(months[max(0, len(months) - 12)], months[-1], tuple(categories), area=a, harm=harm)
        return site_cameras(s, sel, existing=cams, **kw), months, a


@pytest.mark.slow
def test_page_numbers_are_the_librarys(app_env):
    at = open_page(area="district: Watford")
    plan, months, area = library_plan(app_env, ("district", "Watford"))
    sm = plan.summary
    # the unit moved into the label (issue 15: values were cut off in narrow columns)
    assert metric(at, "Incidents the cameras see") == f"{sm['covered']:,}"
    assert metric(at, "Coverage") == f"{sm['coverage_pct']:.1f}%"
    assert metric(at, "Greedy answer (incidents)") == f"{sm['greedy_covered']:,}"
    assert metric(at, "Solution") == "Optimal"
    sites = at.dataframe[0].value
    assert sites["rank"].tolist() == plan.sites["rank"].tolist()
    assert sites["covered_incidents"].tolist() == plan.sites["covered_incidents"].tolist()
    assert sites["added_incidents"].tolist() == plan.sites["added_incidents"].tolist()
    assert sm["existing_cameras"] >= 1   # the sample's Watford cameras see incidents
    captions = " ".join(c.value for c in at.caption)
    assert f"existing camera{'s' if sm['existing_cameras'] > 1 else ''} already see" in captions
    assert f" {sm['already_covered']:,} incident" in captions
    assert any("SYNTHETIC" in w.value for w in at.warning)
    # did it work: the plan's sites as if up for the months the page offers, against as many months before
    start = next(b for b in at.selectbox if b.label == "Cameras up from").value
    end = next(b for b in at.selectbox if b.label == "Cameras down after").value
    assert months.index(start) >= len([m for m in months if start <= m <= end])   # the before months are loaded
    with Store(app_env["db"], create=False) as s:
        dep = plan.sites.assign(site=[f"Site {r}" for r in plan.sites["rank"]], **{"from": start, "to": end})
        ev = evaluate_deployment(s, dep[["site", "easting", "northing", "from", "to"]],
                                 Selection(months[0], months[-1], area=area))
    table = at.dataframe[2].value
    want = ev.table
    for c in ("target_before", "target_after", "buffer_before", "buffer_after", "control_before", "control_after"):
        assert table[c].tolist() == want[c].tolist(), c
    total = want.iloc[-1]
    assert metric(at, "Target area (incidents)") == f"{total['target_before']:,.0f} → {total['target_after']:,.0f}"
    assert metric(at, "Control area (incidents)") == f"{total['control_before']:,.0f} → {total['control_after']:,.0f}"


@pytest.mark.slow
def test_changing_cameras_and_radius_resolves(app_env):
    at = open_page(area="district: Watford", harm="1")
    at.number_input[0].set_value(3).run()
    at.slider[0].set_value(150).run()
    assert not at.exception, at.exception
    plan, _, _ = library_plan(app_env, ("district", "Watford"), cameras=3, radius_m=150, harm=True)
    assert metric(at, "Harm the cameras see (days)") == f"{plan.summary['covered']:,.0f}"
    assert at.dataframe[0].value["covered_harm"].round(1).tolist() == plan.sites["covered_harm"].tolist()
    assert len(at.dataframe[0].value) == 3


# ------------------------------------------------------------------------------------ issue 15
ARTEFACT_NAMES = ("On or near Supermarket", "On or near Petrol Station", "On or near Police Station",
                  "On or near Hospital")


@pytest.mark.slow
def test_cctv_page_asks_for_a_district_then_plans_street_crime_without_artefacts(app_env):
    at = open_page()
    assert any("Choose a district to plan for" in m.value for m in at.markdown)
    assert not [m for m in at.metric if m.label == "Incidents the cameras see"]
    at.selectbox(key="cctv_district").set_value("Watford").run()
    assert not at.exception
    plan, _, _ = library_plan(app_env, ("district", "Watford"))
    assert metric(at, "Incidents the cameras see") == f"{plan.summary['covered']:,}"
    sites = at.dataframe[0].value
    assert "flag" in sites.columns and sites["flag"].tolist() == plan.sites["flag"].tolist()
    # no camera is sited for crimes recorded at a supermarket, petrol station, police station or hospital
    assert not sites["top_locations"].str.contains("|".join(ARTEFACT_NAMES)).any()
    captions = " ".join(c.value for c in at.caption)
    assert "this planner's default, street crime and anti\\-social behaviour" in captions
    assert plan.summary["types"] == list(CCTV_DEFAULT_TYPES) and "Shoplifting" not in plan.summary["types"]
    # on main the sample's own all-crime plan sited cameras at supermarkets: with every type and the artefacts
    # kept (both chosen), they come back, flagged
    kept, _, _ = library_plan(app_env, ("district", "Watford"), categories=(), include_artefacts=True)
    assert kept.sites["top_locations"].str.contains("|".join(ARTEFACT_NAMES)).any()
    assert kept.sites["flag"].str.contains(r"\(artefact\)").any()

"""The Mobile CCTV page on the 3-month sample (AppTest): its numbers are the library's for the same settings."""

from pathlib import Path

import pytest

from geo.store import Store
from hotspots.tasks.cctv import site_cameras
from hotspots.tasks.did_it_work import evaluate_deployment
from geo.query import Selection
from tests.app.conftest import open_page as open_app_page
from geo.readers.points import read_points


def open_page(**query):
    return open_app_page("pages/cctv.py", **query)


def metric(at, label_start):
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def library_plan(env, area=None, harm=False, **kw):
    with Store(env["db"], create=False) as s:
        months = [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                              "WHERE source = 'police' ORDER BY 1").fetchall()]
        a = s.area(*area) if area else None
        cams = read_points(Path(env["sample"]) / "cctv" / "existing_cctv_synthetic.csv")
        sel = Selection(months[max(0, len(months) - 12)], months[-1], area=a, harm=harm)
        return site_cameras(s, sel, existing=cams, **kw), months, a


@pytest.mark.slow
def test_page_numbers_are_the_librarys(app_env):
    at = open_page(area="district: Watford")
    plan, months, area = library_plan(app_env, ("district", "Watford"))
    sm = plan.summary
    assert metric(at, "Incidents the cameras see") == f"{sm['covered']:,} incidents"
    assert metric(at, "Coverage") == f"{sm['coverage_pct']:.1f}%"
    assert metric(at, "Greedy answer") == f"{sm['greedy_covered']:,} incidents"
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
    assert metric(at, "Target area") == f"{total['target_before']:,.0f} → {total['target_after']:,.0f} incidents"


@pytest.mark.slow
def test_changing_cameras_and_radius_resolves(app_env):
    at = open_page(area="district: Watford", harm="1")
    at.number_input[0].set_value(3).run()
    at.slider[0].set_value(150).run()
    assert not at.exception, at.exception
    plan, _, _ = library_plan(app_env, ("district", "Watford"), cameras=3, radius_m=150, harm=True)
    assert metric(at, "Harm the cameras see") == f"{plan.summary['covered']:,.0f} days of harm"
    assert at.dataframe[0].value["covered_harm"].round(1).tolist() == plan.sites["covered_harm"].tolist()
    assert len(at.dataframe[0].value) == 3

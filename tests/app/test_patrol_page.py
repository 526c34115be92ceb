"""The Patrol planner page on the 3-month sample (AppTest): its numbers are the library's."""

import pandas as pd
import pytest

from geo.store import Store
from hotspots.tasks.patrol import MONTH_ONLY_NOTE, plan_patrol
from geo.query import Selection
from tests.app.conftest import metric
from tests.app.conftest import open_page as open_app_page
from hotspots.outputs.patrol import plan_table


def open_page(**query):
    return open_app_page("pages/patrol.py", **query)


def library_plan(db, months, area=None, sources=("police",), **kw):
    with Store(db, create=False) as s:
        a = s.area("district", area) if area else None
        return plan_patrol(s, Selection(months[0], months[-1], (), sources, area=a), **kw)


def months_of(db, source="police"):
    with Store(db, create=False) as s:
        return [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                            "WHERE source = ? ORDER BY 1", [source]).fetchall()]


def test_patrol_page_numbers_are_the_librarys(app_env):
    months = months_of(app_env["db"])
    at = open_page(**{"from": months[0], "to": months[-1], "area": "district: Watford"})
    want = library_plan(app_env["db"], months, "Watford", budget_pct=1.5)
    sm = want.summary
    assert metric(at, "Patrol areas") == f"{sm['areas']:,} areas"
    assert metric(at, "Area to patrol") == f"{sm['area_km2']:.2f} km²"
    assert metric(at, "Expected share of crime") == f"{sm['expected_crime_pct']:.1f}%"
    assert metric(at, "Expected share of harm") == f"{sm['expected_harm_pct']:.1f}%"
    table = next(d.value for d in at.dataframe if "Patrol area" in d.value.columns and "Rank" in d.value.columns)
    pd.testing.assert_frame_equal(table.reset_index(drop=True), plan_table(want).reset_index(drop=True),
                                  check_dtype=False)
    assert any(MONTH_ONLY_NOTE in i.value for i in at.info)
    assert any("SYNTHETIC" in w.value for w in at.warning)
    sched = next(d.value for d in at.dataframe if "Round" in d.value.columns)
    assert sched["Minutes"].between(10, 15).all() and len(sched) == len(want.schedule)
    assert len(at.get("download_button")) == 4
    assert len(at.get("image")) == 1                             # the static map


def test_patrol_page_number_of_areas_and_force_records(app_env):
    months = months_of(app_env["db"], "rms")
    at = open_page(src="Force records (with times)", **{"from": months[0], "to": months[-1]})
    at.radio(key="patrol_mode").set_value("A number of patrol areas").run()
    at.number_input(key="patrol_n").set_value(4).run()
    at.selectbox(key="patrol_shift").set_value("Night (23:00-07:00)").run()
    assert not at.exception, at.exception
    want = library_plan(app_env["db"], months, sources=("rms",), n_areas=4, shift="night")
    assert metric(at, "Patrol areas") == "4 areas"
    hours = next(d.value for d in at.dataframe if "Hour" in d.value.columns)
    assert hours["Incidents (aoristic)"].tolist() == pytest.approx(want.times["incidents"].tolist())
    assert hours["Day"].tolist() == want.times["day"].tolist()
    assert not any(MONTH_ONLY_NOTE in i.value for i in at.info)


def test_patrol_page_bad_shift_is_a_sentence(app_env):
    at = open_page()
    at.selectbox(key="patrol_shift").set_value("Another shift (type it)").run()
    at.text_input(key="patrol_custom").set_value("teatime").run()
    assert not at.exception
    assert any("is not a shift" in e.value for e in at.error)


def test_patrol_page_without_a_harm_share_says_n_a(app_env):
    """Drugs alone with drugs and weapon possession given no harm: no share of harm exists (finding 5)."""
    months = months_of(app_env["db"])
    at = open_page(**{"from": months[0], "to": months[-1], "area": "district: Watford", "types": "Drugs",
                      "harm": "1", "nopg": "1"})
    want = library_plan(app_env["db"], months, "Watford", budget_pct=1.5)
    assert want.summary["expected_harm_pct"] is not None          # all types: a harm share
    with Store(app_env["db"], create=False) as s:
        plan = plan_patrol(s, Selection(months[0], months[-1], ("Drugs",), area=s.area("district", "Watford"),
                                        harm=True, exclude_police_generated=True), budget_pct=1.5)
    assert plan.summary["expected_harm_pct"] is None
    assert not at.exception and not at.error, at.error
    assert metric(at, "Expected share of harm") == "n/a"
    assert metric(at, "Patrol areas") == f"{plan.summary['areas']:,} areas"

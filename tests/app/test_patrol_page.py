"""The Patrol planner page on the 3-month sample (AppTest): its numbers are the library's."""

import pandas as pd
import pytest

from hotspots import defaults
from pages._ui.errors import md_escape

from geo.store import Store
from hotspots.tasks.patrol import MONTH_ONLY_NOTE, plan_patrol
from geo.query import Selection
from tests.app.conftest import metric
from tests.app.conftest import open_page as open_app_page
from hotspots.outputs.patrol import plan_table


def open_page(**query):
    return open_app_page("pages/patrol.py", **query)


def library_plan(db, months, area=None, sources=("police",), categories=defaults.PATROL_DEFAULT_TYPES, **kw):
    """The plan the page should show: with no crime types chosen in the sidebar, the planner's own default types
    (issue 15: all but drugs and weapon possession)."""
    with Store(db, create=False) as s:
        a = s.area("district", area) if area else None
        return plan_patrol(s, Selection(months[0], months[-1], tuple(categories), sources, area=a), **kw)


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
    at.checkbox(key="patrol_county").check().run()     # the whole store, chosen explicitly (issue 15)
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
    at = open_page(area="district: Watford")
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


# ------------------------------------------------------------------------------------ issue 15


def test_the_planner_asks_for_a_district_before_planning_the_county(app_env):
    """With the whole store in the sidebar and districts loaded, the page plans nothing: it asks for a district
    (setting the shared area) or an explicit "Plan the whole county anyway"."""
    months = months_of(app_env["db"])
    at = open_page(**{"from": months[0], "to": months[-1]})
    assert not at.exception
    assert any("Choose a district to plan for" in m.value for m in at.markdown)
    assert not [m for m in at.metric if m.label == "Patrol areas"]            # no county plan by default
    assert not at.get("image")
    picker = at.selectbox(key="patrol_district")
    with Store(app_env["db"], create=False) as s:
        districts = [n for layer, n in s.area_names() if layer == "district"]
    assert list(picker.options) == districts
    picker.set_value("Watford").run()
    assert not at.exception
    area_box = next(b for b in at.selectbox if b.label == "Area")
    assert area_box.value == "district: Watford"                               # the shared area, in the sidebar
    want = library_plan(app_env["db"], months, "Watford", budget_pct=1.5)
    assert metric(at, "Patrol areas") == f"{want.summary['areas']:,} area{'' if want.summary['areas'] == 1 else 's'}"
    assert metric(at, "Area to patrol") == f"{want.summary['area_km2']:.2f} km²"
    # the whole county, chosen explicitly
    at2 = open_page(**{"from": months[0], "to": months[-1]})
    at2.checkbox(key="patrol_county").check().run()
    whole = library_plan(app_env["db"], months, budget_pct=1.5)
    assert metric(at2, "Area to patrol") == f"{whole.summary['area_km2']:.2f} km²"


def test_patrol_page_says_its_types_caps_and_artefacts(app_env):
    months = months_of(app_env["db"])
    at = open_page(**{"from": months[0], "to": months[-1], "area": "district: Watford"})
    captions = " ".join(c.value for c in at.caption)
    assert "this planner's default, all crime types except drugs and possession of weapons" in captions
    want = library_plan(app_env["db"], months, "Watford", budget_pct=1.5)
    table = next(d.value for d in at.dataframe if "Patrol area" in d.value.columns)
    assert {"Walk (m)", "Outline (m)", "Flag"} <= set(table.columns)
    assert (table["Area (km²)"] <= 0.2).all() and (table["Walk (m)"] <= 1000).all()
    assert table["Flag"].tolist() == want.areas["flag"].tolist()
    # the plan's notes: the caps and the artefacts left out, counted by the library
    label = f"How this plan was made: {want.summary['artefact_incidents']:,} incidents at recording artefacts left out"
    assert any(e.label == label for e in at.expander), [e.label for e in at.expander]
    text = " ".join(m.value for m in at.markdown)
    assert want.notes and all(md_escape(n) in text for n in want.notes)        # shown as typed (escaped)
    assert want.notes[0].startswith("Each patrol area is at most 0.2 km²")
    assert any(n.startswith("Left out:") for n in want.notes)
    # crime types chosen in the sidebar replace the default, and the page says so
    at = open_page(**{"from": months[0], "to": months[-1], "area": "district: Watford", "types": "Robbery|Burglary"})
    assert "Crime types: Robbery, Burglary (chosen in the sidebar)." in " ".join(c.value for c in at.caption)
    robbery = library_plan(app_env["db"], months, "Watford", categories=("Robbery", "Burglary"), budget_pct=1.5)
    assert metric(at, "Area to patrol") == f"{robbery.summary['area_km2']:.2f} km²"
    # artefacts included on request
    at = open_page(**{"from": months[0], "to": months[-1], "area": "district: Watford"})
    at.checkbox(key="patrol_artefacts").check().run()
    kept = library_plan(app_env["db"], months, "Watford", budget_pct=1.5, include_artefacts=True)
    assert f"from {kept.summary['incidents']:,} incidents" in " ".join(c.value for c in at.caption)

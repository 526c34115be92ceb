"""The Knife-sweep page on the 3-month sample (AppTest): its numbers are the library's."""

import pandas as pd

from geo.query import Selection
from geo.store import Store
from hotspots.tasks.sweeps import plan_sweeps
from tests.app.conftest import metric
from tests.app.conftest import open_page as open_app_page
from hotspots.outputs.sweeps import sweep_table


def open_page(**query):
    return open_app_page("pages/sweeps.py", **query)


def months_of(db, source="police"):
    with Store(db, create=False) as s:
        return [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                            "WHERE source = ? ORDER BY 1", [source]).fetchall()]


def test_sweeps_page_numbers_are_the_librarys(app_env):
    months = months_of(app_env["db"])
    at = open_page(**{"from": months[0], "to": months[-1], "area": "district: Watford"})
    with Store(app_env["db"], create=False) as s:
        want = plan_sweeps(s, Selection(months[0], months[-1], sources=("police", "ae"), area=s.area("district", "Watford")))
    sm = want.summary
    assert metric(at, "Sweep areas") == f"{sm['areas']:,} areas"
    assert metric(at, "Walk between them") == f"{sm['walk_m'] / 1000:.1f} km"
    table = next(d.value for d in at.dataframe if "Sweep area" in d.value.columns)
    pd.testing.assert_frame_equal(table.reset_index(drop=True), sweep_table(want).reset_index(drop=True),
                                  check_dtype=False)
    assert any("SYNTHETIC" in w.value for w in at.warning)
    # the sample has A&E data: ranked silently, no score, no index, no A&E number on the page
    assert sm["ae_included"] and table["Rank"].tolist() == want.areas["rank"].iloc[want.order].tolist()
    assert not [c for c in table.columns if "Score" in c or "A&E" in c], list(table.columns)
    assert any("Ranked by the weapon\\-violence score, which includes A\\&E" in c.value for c in at.caption)
    assert len(at.get("download_button")) == 4
    assert len(at.get("image")) == 1                             # the static map


def test_sweeps_page_weights_and_areas(app_env):
    months = months_of(app_env["db"])
    at = open_page(**{"from": months[0], "to": months[-1]})
    at.checkbox(key="sweeps_county").check().run()     # the whole store, chosen explicitly (issue 15)
    at.slider(key="sweep_n").set_value(3).run()
    at.checkbox(key="sweep_ae").uncheck().run()
    assert not at.exception, at.exception
    with Store(app_env["db"], create=False) as s:
        want = plan_sweeps(s, Selection(months[0], months[-1], sources=("police",)), n_areas=3)
    table = next(d.value for d in at.dataframe if "Sweep area" in d.value.columns)
    assert table["Score"].tolist() == sweep_table(want)["Score"].tolist()
    assert "A&E knife/sharp assaults" not in table
    assert metric(at, "Sweep areas") == "3 areas"


def test_sweeps_page_asks_for_a_district_and_leaves_artefacts_out(app_env):
    months = months_of(app_env["db"])
    at = open_page(**{"from": months[0], "to": months[-1]})
    assert any("Choose a district to plan for" in m.value for m in at.markdown)
    assert not [m for m in at.metric if m.label == "Sweep areas"]
    at.selectbox(key="sweeps_district").set_value("Watford").run()
    assert not at.exception
    with Store(app_env["db"], create=False) as s:
        want = plan_sweeps(s, Selection(months[0], months[-1], sources=("police", "ae"),
                                        area=s.area("district", "Watford")))
    table = next(d.value for d in at.dataframe if "Sweep area" in d.value.columns)
    assert table["Flag"].tolist() == sweep_table(want)["Flag"].tolist()
    assert not table["Sweep area"].str.contains("Police Station|Hospital").any()
    assert "this planner's default, weapon violence" in " ".join(c.value for c in at.caption)

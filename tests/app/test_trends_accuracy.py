"""The Trends and Accuracy pages on the 3-month sample (AppTest): their numbers are the library's."""

import numpy as np
import pandas as pd
import pytest

from geo.store import Store
from hotspots.tasks.evaluate import RECOMMENDED_METHOD, accuracy_report
from hotspots.methods.harm import harm_of
from dataclasses import replace

from geo.query import Selection, select_incidents
from tests.app.conftest import open_page

POLICE = "police.uk street crime"
FORCE = "Force records (with times)"
TOTAL = "All selected types"


def months_of(db, source="police"):
    with Store(db, create=False) as s:
        return [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                            "WHERE source = ? ORDER BY 1", [source]).fetchall()]


def store_incidents(db, flt, area=None, columns=("month", "category")):
    with Store(db, create=False) as s:
        a = s.area(*area) if area else None
        return select_incidents(s, replace(flt, area=a), columns=columns)


def monthly_table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if TOTAL in d.value.columns)


def texts(at, kind) -> str:
    return " ".join(e.value for e in getattr(at, kind))


def assert_monthly_matches(table, inc, months, harm=False):
    value = harm_of(inc["category"].to_numpy()) if harm else np.ones(len(inc))
    want = (pd.DataFrame({"month": inc["month"], "type": inc["category"], "v": value})
            .pivot_table(index="month", columns="type", values="v", aggfunc="sum", fill_value=0))
    assert list(table.index) == months
    for t in want.columns:
        np.testing.assert_allclose(table[t].to_numpy(dtype=float),
                                   want[t].reindex(months, fill_value=0).to_numpy(dtype=float))
    np.testing.assert_allclose(table[TOTAL].to_numpy(dtype=float),
                               pd.Series(value).groupby(inc["month"].to_numpy()).sum().reindex(months).to_numpy())
    assert table[TOTAL].sum() == pytest.approx(value.sum())


# ------------------------------------------------------------------------------ trends


def test_trends_monthly_totals_equal_the_store_and_police_uk_has_no_times(app_env):
    at = open_page("pages/trends.py")
    months = months_of(app_env["db"])
    inc = store_incidents(app_env["db"], Selection(months[0], months[-1]))
    assert_monthly_matches(monthly_table(at), inc, months)
    # police.uk: the plain sentence and the offer, no grid
    assert "police.uk gives only the month of each crime" in texts(at, "info")
    assert [b.label for b in at.button] == ["Switch to force records"]
    assert not any(d.value.shape == (7, 24) for d in at.dataframe)
    # the emerging classes: every hexagon of the analysis counted once, incidents add up
    classes = next(d.value for d in at.dataframe if "Class" in d.value.columns)
    assert classes["Incidents"].sum() == len(inc)
    assert "intensifying" in texts(at, "markdown")


def test_switching_to_force_records_shows_the_aoristic_grid(app_env):
    at = open_page("pages/trends.py")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.caption[0].value.startswith(FORCE)
    assert "only the month" not in texts(at, "info")
    months = months_of(app_env["db"], "rms")
    inc = store_incidents(app_env["db"], Selection(months[0], months[-1], sources=("rms",)),
                          columns=("month", "category", "time_precision"))
    assert_monthly_matches(monthly_table(at), inc, months)
    grid = next(d.value for d in at.dataframe if d.value.shape == (7, 24))
    assert list(grid.index) == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    timed = int(inc["time_precision"].isin(["minute", "window"]).sum())
    assert timed > 0
    assert grid.to_numpy().sum() == pytest.approx(timed)
    assert f"{timed:,} incidents are in the grid" in texts(at, "caption")


def test_harm_and_an_area_are_honoured(app_env):
    at = open_page("pages/trends.py", area="district: Watford", harm="1")
    months = months_of(app_env["db"])
    inc = store_incidents(app_env["db"], Selection(months[0], months[-1]), area=("district", "Watford"))
    assert 0 < len(inc) < len(store_incidents(app_env["db"], Selection(months[0], months[-1])))
    assert_monthly_matches(monthly_table(at), inc, months, harm=True)


def monthly_spec(at) -> dict:
    """The Vega-Lite spec of the month-by-month chart (the first chart on the page)."""
    import json

    return json.loads(at.get("vega_lite_chart")[0].proto.spec)


def test_month_by_month_chart_is_readable_with_one_colour_per_type(app_env):
    from hotspots.outputs.legend import CATEGORY_COLOURS

    at = open_page("pages/trends.py")
    months = months_of(app_env["db"])
    inc = store_incidents(app_env["db"], Selection(months[0], months[-1]))
    busiest = inc["category"].value_counts().index[:5].tolist()   # counted from the store, not the page
    spec = monthly_spec(at)
    colour = spec["encoding"]["color"]
    # the five busiest types, each in its own colour from the one palette, the legend beside the plot
    assert colour["scale"]["domain"] == busiest
    assert colour["scale"]["range"] == [CATEGORY_COLOURS[t] for t in busiest]
    assert colour["legend"]["orient"] == "right"
    assert colour["legend"]["labelLimit"] == 0
    # the axis title whole (no truncation limit) and a plot tall enough to read
    assert spec["encoding"]["y"]["title"] == "Incidents a month"
    assert spec["encoding"]["y"]["axis"]["titleLimit"] == 0
    assert spec["height"] >= 250
    # the sidebar's types are drawn as chosen: anti-social behaviour and shoplifting in two different colours
    at = open_page("pages/trends.py", types="Anti-social behaviour|Shoplifting")
    scale = monthly_spec(at)["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"])) == {
        t: CATEGORY_COLOURS[t] for t in ("Anti-social behaviour", "Shoplifting")}
    assert len(set(scale["range"])) == 2
    # and any type picked for the chart keeps its colour
    at.multiselect[0].set_value(["Shoplifting"]).run()
    assert monthly_spec(at)["encoding"]["color"]["scale"]["range"] == [CATEGORY_COLOURS["Shoplifting"]]


def test_month_by_month_chart_of_harm_has_its_whole_title(app_env):
    spec = monthly_spec(open_page("pages/trends.py", harm="1"))
    assert spec["encoding"]["y"]["title"] == "Harm a month (days, approximate CCHI)"
    assert spec["height"] >= 250


def test_trends_with_fewer_than_three_months_says_so(app_env):
    months = months_of(app_env["db"])
    at = open_page("pages/trends.py", **{"from": months[-2], "to": months[-1]})
    assert "Emerging hot spots need at least 3 months; the selection has 2" in texts(at, "error")
    # the rest of the page still renders
    assert list(monthly_table(at).index) == months[-2:]
    assert "police.uk gives only the month of each crime" in texts(at, "info")


# ---------------------------------------------------------------------------- accuracy


def test_accuracy_table_has_the_recommended_method_and_the_library_numbers(app_env):
    at = open_page("pages/accuracy.py")
    months = months_of(app_env["db"])
    # three months loaded: two training months and one test month are the most possible
    assert at.slider(key="accuracy_train").value == 2
    table = next(d.value for d in at.dataframe if "Method" in d.value.columns)
    assert "Forecast (recommended)" in table["Method"].tolist()
    assert RECOMMENDED_METHOD in table["Name in the CLI"].tolist()
    with Store(app_env["db"], create=False) as s:
        want, _ = accuracy_report(s, months[-1], train_months=2)
    got = table.set_index("Name in the CLI")
    for _, row in want.iterrows():
        for sh in (1, 2, 5, 10):
            assert got.loc[row["method"], f"hit@{sh}"] == pytest.approx(100 * row[f"hit@{sh}"])
            assert got.loc[row["method"], f"pai@{sh}"] == pytest.approx(row[f"pai@{sh}"])
    rec = want.set_index("method").loc[RECOMMENDED_METHOD]
    md = texts(at, "markdown")
    assert f"The top 2 % of the area held {100 * rec['hit@2']:.1f} % of next month's crime" in md
    assert "Study area" in md and "We recommend the forecast" in md
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Hit rate, top 2 % of the area"] == f"{100 * rec['hit@2']:.1f} %"


def test_accuracy_with_too_many_training_months_says_so(app_env):
    at = open_page("pages/accuracy.py")
    at.slider(key="accuracy_train").set_value(3).run()
    assert not at.exception, at.exception
    assert "can be tested with 3 training months" in texts(at, "error")
    assert not at.dataframe


def test_accuracy_on_force_records_uses_force_records(app_env):
    at = open_page("pages/accuracy.py", src=FORCE)
    assert at.caption[-1].value.startswith(FORCE) or FORCE in texts(at, "caption")
    table = next(d.value for d in at.dataframe if "Method" in d.value.columns)
    assert RECOMMENDED_METHOD in table["Name in the CLI"].tolist()
    n_test = len(store_incidents(app_env["db"], Selection(months_of(app_env["db"], "rms")[-1],
                                                               months_of(app_env["db"], "rms")[-1],
                                                               sources=("rms",))))
    assert f"{n_test:,} incidents a test month" in texts(at, "markdown")


def test_accuracy_needs_two_months_and_shows_harm_when_asked(app_env):
    first = months_of(app_env["db"])[0]
    at = open_page("pages/accuracy.py", **{"from": first, "to": first})
    assert "needs at least 2 loaded months" in texts(at, "error")
    at = open_page("pages/accuracy.py", harm="1")
    table = next(d.value for d in at.dataframe if "Method" in d.value.columns)
    assert {"harm@2", "harm@5"} <= set(table.columns)
    assert ((table["harm@2"] >= 0) & (table["harm@2"] <= 100)).all()
    assert "of next month's harm" in texts(at, "markdown")


def test_area_names_are_escaped_in_page_text():
    from pages._ui import errors as _ui

    assert _ui.md_escape("[x](javascript:alert(1)) <b>") == r"\[x\]\(javascript\:alert\(1\)\) \<b\>"

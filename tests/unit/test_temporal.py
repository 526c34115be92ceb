"""Monthly series and the aoristic day x hour grid, on hand-computed frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import SettingError
from hotspots.methods.harm import harm_weights
from hotspots.methods.temporal import DAYS, MAX_WINDOW_DAYS, day_hour_grid, monthly_series

# 2021-06-04 is a Friday; 2021-06-07 a Monday.
FRI, MON = "2021-06-04", "2021-06-07"


def timed(rows):
    """rows: (occurred_at, occurred_until or None, precision[, category])."""
    out = pd.DataFrame({
        "occurred_at": pd.to_datetime([r[0] for r in rows]),
        "occurred_until": pd.to_datetime([r[1] for r in rows]),
        "time_precision": [r[2] for r in rows],
    })
    out["category"] = [r[3] if len(r) > 3 else "Burglary" for r in rows]
    return out


def expected(cells: dict) -> np.ndarray:
    g = np.zeros((7, 24))
    for (day, hour), v in cells.items():
        g[DAYS.index(day), hour] += v
    return g


# ------------------------------------------------------------------ monthly series


def test_monthly_series_fills_every_month_of_the_period_with_zeros():
    inc = pd.DataFrame({"month": ["2021-02", "2021-02", "2021-04"], "category": ["Robbery", "Burglary", "Robbery"]})
    t = monthly_series(inc, date_from="2021-01", date_to="2021-05")
    assert t.index.tolist() == ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05"]
    assert t.columns.tolist() == ["Burglary", "Robbery"]
    assert t["Robbery"].tolist() == [0, 1, 0, 1, 0]
    assert t["Burglary"].tolist() == [0, 1, 0, 0, 0]
    assert t.to_numpy().dtype.kind == "i"


def test_monthly_series_keeps_chosen_types_without_incidents_and_adds_up():
    rng = np.random.default_rng(3)
    inc = pd.DataFrame({"month": rng.choice(["2021-01", "2021-02", "2021-03"], 500),
                        "category": rng.choice(["Burglary", "Robbery", "Drugs"], 500)})
    t = monthly_series(inc, keys=("Shoplifting",))
    assert "Shoplifting" in t and t["Shoplifting"].sum() == 0
    assert t.to_numpy().sum() == len(inc)
    # shuffling rows changes nothing
    assert monthly_series(inc.sample(frac=1, random_state=1), keys=("Shoplifting",)).equals(t)


def test_monthly_series_never_drops_months_outside_the_period():
    inc = pd.DataFrame({"month": ["2020-12", "2021-02"], "category": ["Burglary", "Burglary"]})
    t = monthly_series(inc, date_from="2021-01", date_to="2021-03")
    assert t.index.tolist() == ["2020-12", "2021-01", "2021-02", "2021-03"]
    assert t.to_numpy().sum() == 2


def test_monthly_series_weighs_by_harm_and_honours_excluded_types():
    inc = pd.DataFrame({"month": ["2021-01", "2021-01", "2021-02"], "category": ["Burglary", "Drugs", "Drugs"]})
    t = monthly_series(inc, harm=True)
    assert t.loc["2021-01", "Burglary"] == 230.0 and t.loc["2021-02", "Drugs"] == 3.5
    t0 = monthly_series(inc, harm=True, weights=harm_weights(exclude_police_generated=True))
    assert t0["Drugs"].sum() == 0.0 and t0["Burglary"].sum() == 230.0


def test_monthly_series_total_and_dates():
    inc = pd.DataFrame({"month": pd.to_datetime(["2021-01-01", "2021-03-01"]), "category": ["A", "B"]})
    t = monthly_series(inc, by=None)
    assert t.columns.tolist() == ["All selected types"]
    assert t["All selected types"].tolist() == [1, 0, 1]


def test_monthly_series_empty_and_bad_input():
    empty = pd.DataFrame({"month": pd.Series([], dtype=object), "category": pd.Series([], dtype=object)})
    t = monthly_series(empty, date_from="2021-01", date_to="2021-02", keys=("Burglary",))
    assert t.shape == (2, 1) and t.to_numpy().sum() == 0
    assert monthly_series(empty).shape == (0, 0)
    with pytest.raises(SettingError, match="no 'category' column"):
        monthly_series(pd.DataFrame({"month": ["2021-01"]}))
    with pytest.raises(SettingError, match="'2021-13' is not a month"):
        monthly_series(empty, date_from="2021-13")


# ------------------------------------------------------------------ day x hour grid


def test_a_four_hour_window_puts_a_quarter_in_each_hour():
    g = day_hour_grid(timed([(f"{FRI} 22:00", "2021-06-05 02:00", "window")]))
    np.testing.assert_allclose(g.grid.to_numpy(), expected(
        {("Friday", 22): 0.25, ("Friday", 23): 0.25, ("Saturday", 0): 0.25, ("Saturday", 1): 0.25}))
    assert (g.exact, g.windows, g.capped, g.used) == (0, 1, 0, 1)


def test_an_exact_time_puts_one_in_its_hour():
    g = day_hour_grid(timed([(f"{MON} 00:00", None, "minute"), (f"{FRI} 23:59", None, "minute")]))
    np.testing.assert_allclose(g.grid.to_numpy(), expected({("Monday", 0): 1, ("Friday", 23): 1}))
    assert g.grid.shape == (7, 24)
    assert g.grid.index.tolist() == list(DAYS) and g.grid.columns.tolist() == list(range(24))


def test_partial_hours_get_their_share_of_the_window():
    # 22:30-23:30 is half in 22:00 and half in 23:00; 10:15-11:00 all in 10:00
    g = day_hour_grid(timed([(f"{FRI} 22:30", f"{FRI} 23:30", "window"), (f"{FRI} 10:15", f"{FRI} 11:00", "window")]))
    np.testing.assert_allclose(g.grid.to_numpy(), expected(
        {("Friday", 22): 0.5, ("Friday", 23): 0.5, ("Friday", 10): 1.0}))


def test_a_window_over_sunday_night_wraps_to_monday():
    g = day_hour_grid(timed([("2021-06-06 23:00", f"{MON} 01:00", "window")]))
    np.testing.assert_allclose(g.grid.to_numpy(), expected({("Sunday", 23): 0.5, ("Monday", 0): 0.5}))


def test_a_window_of_no_length_is_an_exact_time():
    g = day_hour_grid(timed([(f"{FRI} 13:20", f"{FRI} 13:20", "window")]))
    assert g.grid.loc["Friday", 13] == 1.0 and (g.exact, g.windows) == (1, 0)


def test_long_windows_are_cut_to_a_week_which_spreads_evenly():
    week = day_hour_grid(timed([(f"{FRI} 09:00", "2021-06-11 09:00", "window")]))
    np.testing.assert_allclose(week.grid.to_numpy(), np.full((7, 24), 1 / 168))
    assert week.capped == 0
    long = day_hour_grid(timed([(f"{FRI} 09:00", "2021-07-20 17:45", "window")]))
    np.testing.assert_allclose(long.grid.to_numpy(), np.full((7, 24), 1 / 168))
    assert long.capped == 1 and long.windows == 1
    assert any("longer than 7 days" in n for n in long.notes())
    # a shorter cap, 1 day: a window of 3 days starting Fri 06:00 covers Fri 06:00 - Sat 06:00
    short = day_hour_grid(timed([(f"{FRI} 06:00", f"{MON} 06:00", "window")]), max_window_days=1)
    assert short.capped == 1
    assert short.grid.loc["Friday", 6] == pytest.approx(1 / 24) and short.grid.loc["Sunday"].sum() == 0
    assert MAX_WINDOW_DAYS == 7


def test_untimed_rows_are_left_out_with_their_reason():
    inc = timed([(None, None, "month"), (None, None, "month"), (f"{FRI} 00:00", None, "day"),
                 (None, None, "minute"), (f"{FRI} 22:00", None, "window"), (f"{FRI} 22:00", None, "minute"),
                 (f"{FRI} 22:00", None, "weekly")])
    g = day_hour_grid(inc)
    assert g.used == 1 and g.total == 1.0
    assert g.left_out == {"month": 2, "day": 1, "no_time": 1, "no_end": 1, "unknown": 1}
    assert g.used + g.n_left_out == len(inc)
    notes = " ".join(g.notes())
    assert "only the month is known" in notes and "not the hour" in notes and "without its end" in notes


def test_totals_equal_the_timed_incidents_over_random_windows():
    rng = np.random.default_rng(11)
    n = 3000
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365 * 1440, n), unit="min")
    length = pd.to_timedelta(rng.choice([0, 15, 45, 60, 330, 1440, 5000, 20000], n), unit="min")
    prec = rng.choice(["minute", "window", "day", "month"], n)
    inc = pd.DataFrame({"occurred_at": start, "occurred_until": (start + length).where(prec == "window"),
                        "time_precision": prec, "category": "Burglary"})
    g = day_hour_grid(inc)
    assert g.used == int(np.isin(prec, ["minute", "window"]).sum())
    assert g.total == pytest.approx(g.used, rel=1e-9)
    assert (g.grid.to_numpy() >= 0).all()
    assert g.used + g.n_left_out == n
    # order does not matter
    g2 = day_hour_grid(inc.sample(frac=1, random_state=2))
    np.testing.assert_allclose(g2.grid.to_numpy(), g.grid.to_numpy(), atol=1e-9)


def test_harm_is_spread_like_the_count():
    g = day_hour_grid(timed([(f"{FRI} 22:00", "2021-06-05 02:00", "window", "Robbery"),
                             (f"{FRI} 22:10", None, "minute", "Burglary")]), harm=True)
    assert g.value == "harm"
    assert g.grid.loc["Friday", 22] == pytest.approx(365 / 4 + 230)
    assert g.total == pytest.approx(365 + 230)


def test_grid_to_long_and_empty_and_bad_input():
    g = day_hour_grid(timed([(f"{FRI} 22:10", None, "minute")]))
    long = g.to_long()
    assert len(long) == 168 and long["value"].sum() == 1.0
    assert long.loc[long["value"] == 1.0, ["day", "hour"]].values.tolist() == [["Friday", 22]]
    empty = day_hour_grid(timed([]))
    assert empty.used == 0 and empty.total == 0.0 and empty.grid.shape == (7, 24)
    with pytest.raises(SettingError, match="no 'time_precision' column"):
        day_hour_grid(pd.DataFrame({"occurred_at": []}))
    with pytest.raises(SettingError, match="positive number of days"):
        day_hour_grid(timed([]), max_window_days=0)

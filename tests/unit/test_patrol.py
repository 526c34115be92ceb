"""The patrol planner: budget never exceeded, areas contiguous, expected shares = the accuracy module's,
the Koper-curve timetable, month-only wording, and the exports (PDF opened and read)."""

from __future__ import annotations

import io
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import SettingError
from hotspots import defaults
from hotspots.tasks.evaluate import evaluate_cell_months
from geo.ingest.sample import ingest_sample
from geo.months import months_between
from geo.query import Selection, select_incidents
from geo.sample import write_sample
from geo.store import Store
from hotspots.cli import main
from hotspots.methods.forecast import FORECAST_BANDWIDTHS_M, RecencyBlendForecast, cell_months
from hotspots.methods.temporal import day_hour_grid
from hotspots.tasks.patrol import MONTH_ONLY_NOTE, backtest_months, plan_patrol
from hotspots.methods.metrics import accuracy_at_shares, rank_cells
from hotspots.methods.cellsets import cell_components, choose_prefix, split_large
from hotspots.methods.dosage import dosage_schedule, parse_shift
from hotspots.outputs.patrol import plan_csv, plan_geojson, plan_kml, plan_pdf, write_plan
from hotspots.methods.cells import analysis_window

CENTRE = h3.latlng_to_cell(51.656, -0.396, 9)
DISK = sorted(h3.grid_disk(CENTRE, 6))   # 127 cells


# ----------------------------------------------------------------------------- shifts


def test_parse_shift_named_custom_and_bad():
    assert parse_shift("18:00-02:00")[:2] == (18 * 60, 26 * 60)
    assert parse_shift("night")[:2] == (23 * 60, 31 * 60)
    assert parse_shift("EARLY")[:2] == (7 * 60, 15 * 60)
    for bad in ("evening", "25:00-03:00", "18:00-18:30", ""):
        with pytest.raises(SettingError):
            parse_shift(bad)


# ------------------------------------------------------------------ budget, contiguity


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), budget=st.floats(0.8, 10.0), n=st.integers(20, 127))
def test_budget_never_exceeded_and_prefix_is_longest(seed, budget, n):
    rng = np.random.default_rng(seed)
    cells = np.array(DISK[:n], dtype=object)
    area = np.array([h3.cell_area(c, "km^2") for c in cells])
    order = rng.permutation(n)
    limit = budget / 100 * area.sum()
    if area[order[0]] > limit:                                  # not even one hexagon fits
        with pytest.raises(SettingError, match="smaller than one hexagon"):
            choose_prefix(order, cells, area, budget_pct=budget)
        return
    k = choose_prefix(order, cells, area, budget_pct=budget)
    assert area[order[:k]].sum() <= limit * (1 + 1e-9)
    # one more cell would exceed it (or there is none)
    assert k == n or area[order[:k + 1]].sum() > limit


def test_budget_smaller_than_a_cell_is_refused():
    area = np.ones(10)
    with pytest.raises(SettingError, match="smaller than one hexagon"):
        choose_prefix(np.arange(10), DISK[:10], area, budget_pct=5)   # 0.5 of one cell
    with pytest.raises(SettingError):
        choose_prefix(np.arange(10), DISK[:10], area, budget_pct=50)  # above the maximum
    with pytest.raises(SettingError):
        choose_prefix(np.arange(10), DISK[:10], area)                 # neither


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_areas=st.integers(1, 6))
def test_n_areas_gives_exactly_n_connected_components(seed, n_areas):
    rng = np.random.default_rng(seed)
    cells = np.array(DISK, dtype=object)
    order = rng.permutation(len(cells))
    k = choose_prefix(order, cells, np.ones(len(cells)), n_areas=n_areas)
    comp = cell_components(cells[order[:k]])
    assert comp.max() + 1 == n_areas
    # the shortest such run: one cell fewer gives fewer areas
    if k > 1:
        assert cell_components(cells[order[:k - 1]]).max() + 1 != n_areas


def test_components_by_hand():
    a = CENTRE
    ring1 = sorted(h3.grid_ring(a, 1))
    far = sorted(h3.grid_ring(a, 4))[0]
    # a with two of its neighbours, plus a far cell, plus a cell next to the far one
    far_nb = sorted(h3.grid_ring(far, 1))[0]
    labels = cell_components([a, ring1[0], far, ring1[3], far_nb])
    assert labels.tolist() == [0, 0, 1, 0, 1]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), max_cells=st.integers(1, 9))
def test_split_pieces_are_contiguous_and_small(seed, max_cells):
    rng = np.random.default_rng(seed)
    cells = np.array(DISK, dtype=object)[rng.permutation(len(DISK))[:60]]
    comp = cell_components(cells)
    lab = split_large(cells, comp, np.ones(len(cells)), float(max_cells))
    for piece in np.unique(lab):
        members = cells[lab == piece]
        assert len(members) <= max_cells
        assert cell_components(members).max() == 0            # one connected piece
        assert len(set(comp[lab == piece])) == 1               # never across components


# ---------------------------------------------------------------------------- dosage


@pytest.mark.parametrize("n_areas,shift,visit", [(1, "late", 15), (3, "18:00-02:00", 12), (6, "night", 15),
                                                  (6, "early", 10), (14, "late", 15), (23, "18:00-06:00", 12),
                                                  (3, "18:00-19:30", 15)])
def test_dosage_schedule_koper_curve(n_areas, shift, visit):
    names = [f"Area {i}" for i in range(1, n_areas + 1)]
    rng = np.random.default_rng(n_areas)
    sch = dosage_schedule(names, shift, visit_min=visit, seed=7, x_m=rng.uniform(0, 5000, n_areas),
                          y_m=rng.uniform(0, 5000, n_areas))
    start, end, _ = parse_shift(shift)
    length = end - start
    assert set(sch["area"]) == set(names)                      # every area visited
    assert sch["minutes"].between(10, 15).all()                # 10-15 minute visits
    assert (sch["start_min"] >= 0).all() and (sch["start_min"] + sch["minutes"] <= length + 1e-9).all()
    for _, team in sch.groupby("team"):
        # one visit at a time per team, with time to get to the next area
        t = team.sort_values("start_min")["start_min"].to_numpy()
        assert (np.diff(t) >= visit + defaults.PATROL_TRAVEL_MIN - 1e-9).all()
        assert team["area"].nunique() <= 120 // (visit + defaults.PATROL_TRAVEL_MIN)
    for _, visits in sch.groupby("area"):
        t = visits.sort_values("start_min")["start_min"].to_numpy()
        assert len(t) == length // 120 or len(t) >= 1
        gaps = np.diff(t)
        # about every two hours: 120 +- 30 minutes
        assert ((gaps >= 90 - 1e-9) & (gaps <= 150 + 1e-9)).all(), gaps
        # every round visits it once
        assert visits["round"].is_unique


def test_dosage_order_is_random_but_seeded():
    names = [f"A{i}" for i in range(6)]
    a = dosage_schedule(names, "07:00-19:00", seed=1)
    b = dosage_schedule(names, "07:00-19:00", seed=1)
    assert a.equals(b)
    orders = {tuple(r["area"]) for _, r in a.groupby("round")}
    assert len(orders) > 1                                     # the order changes between rounds
    firsts = {tuple(dosage_schedule(names, "late", seed=s).query("round == 1")["area"]) for s in range(6)}
    assert len(firsts) > 1                                     # and between seeds


def test_dosage_refuses_long_visits_and_overfull_shifts():
    with pytest.raises(SettingError, match="Koper"):
        dosage_schedule(["A"], "late", visit_min=30)
    with pytest.raises(SettingError, match="too short"):
        dosage_schedule(list("ABCDEF"), "18:00-19:30")        # 6 visits of 15 + 5 minutes need 2 hours


def test_backtest_months():
    assert backtest_months(tuple(months_between("2021-01", "2021-12"))) == (3, ("2021-10", "2021-11", "2021-12"))
    assert backtest_months(tuple(months_between("2021-01", "2021-04"))) == (3, ("2021-04",))
    assert backtest_months(("2021-01", "2021-02")) == (1, ("2021-02",))


# ------------------------------------------------------------------ plans on the sample


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):

    root = tmp_path_factory.mktemp("patrol")
    write_sample(root / "sample", months=5)
    db = root / "s.duckdb"
    with Store(db) as s:
        ingest_sample(root / "sample", s)
    return str(db)


@pytest.fixture(scope="module")
def watford(sample_db):

    with Store(sample_db, read_only=True) as s:
        area = s.area("district", "Watford")
        # recording artefacts kept: these checks recount every selected incident (the artefact tests below
        # check what is left out by default)
        plan = plan_patrol(s, Selection(area=area), budget_pct=2.0, shift="18:00-02:00", seed=3,
                           include_artefacts=True)
        inc = select_incidents(s, Selection(area=area))
    return plan, inc, area


def test_plan_within_budget_and_contiguous(watford):
    plan, _, _ = watford
    s = plan.summary
    assert s["area_pct"] <= 2.0 + 1e-9
    assert s["area_km2"] <= 0.02 * s["study_area_km2"] + 1e-9
    assert plan.areas["area_km2"].sum() == pytest.approx(s["area_km2"])
    for r in plan.areas["rank"]:
        cells = plan.cells.loc[plan.cells["area"] == r, "cell"].tolist()
        assert cell_components(cells).max() == 0
        assert plan.geometry[r - 1].geom_type == "Polygon"      # one piece on the map too
        assert plan.areas.loc[r - 1, "area_km2"] <= defaults.PATROL_MAX_AREA_KM2 + 1e-9


@pytest.mark.parametrize("district", ["Watford", "Stevenage"])
def test_plans_never_exceed_the_budget_over_budgets_and_districts(sample_db, district):

    with Store(sample_db, read_only=True) as s:
        area = s.area("district", district)
        for budget in (0.75, 1.5, 3.0, 6.0, 10.0):
            plan = plan_patrol(s, Selection(area=area), budget_pct=budget)
            sm = plan.summary
            assert sm["area_km2"] <= budget / 100 * sm["study_area_km2"] * (1 + 1e-12), (district, budget)
            assert plan.areas["area_km2"].sum() == pytest.approx(sm["area_km2"])
            for r in plan.areas["rank"]:
                assert cell_components(plan.cells.loc[plan.cells["area"] == r, "cell"]).max() == 0
            if sm["expected_crime_pct"] is not None:
                assert 0 <= sm["expected_crime_pct"] <= 100


def test_plan_cells_are_the_top_of_the_forecast_ranking(watford):
    """Recomputed with the forecast and rank_cells directly: the plan holds the leading cells."""

    plan, inc, area = watford
    months = tuple(months_between(min(inc["month"]), max(inc["month"])))
    data = cell_months(inc, analysis_window(inc, 9, area), months, FORECAST_BANDWIDTHS_M)
    f = RecencyBlendForecast(train_months=3).fit(data)
    order = rank_cells(f.predict(), data.last(3), np.arange(data.n_cells))
    k = len(plan.cells)
    assert plan.cells.sort_values("rank")["cell"].tolist() == data.cells[order[:k]].tolist()
    # the next cell would break the budget
    assert data.area_km2[order[:k + 1]].sum() > 0.02 * data.area_km2.sum()


def test_expected_shares_equal_the_accuracy_modules(watford):
    plan, inc, area = watford
    months = tuple(months_between(min(inc["month"]), max(inc["month"])))
    data = cell_months(inc, analysis_window(inc, 9, area), months, FORECAST_BANDWIDTHS_M)
    share = plan.summary["area_pct"]
    tm, tests = backtest_months(months)
    ev = evaluate_cell_months(data, tests, train_months=tm, methods=["forecast"], shares_pct=[share])
    key = f"{float(share):g}"
    assert plan.summary["expected_crime_pct"] == pytest.approx(100 * ev.by_origin[f"hit@{key}"].mean(), abs=1e-9)
    assert plan.summary["expected_harm_pct"] == pytest.approx(100 * ev.by_origin[f"harm@{key}"].mean(), abs=1e-9)
    # and accuracy_at_shares, month by month, on the same cells and months

    for t, row in zip(tests, plan.backtest.itertuples()):
        j = data.index(t)
        hist = data.before(t)
        score = RecencyBlendForecast(train_months=tm).fit(hist).predict()
        acc = accuracy_at_shares(data.cells, score, data.counts[:, j], train_counts=hist.last(tm),
                                 test_harm=data.harm[:, j], cell_area_km2=data.area_km2, shares_pct=[share])
        assert row.hit == acc[f"hit@{key}"] and row.harm == acc[f"harm@{key}"]
    # the areas share the plan's expected share out, in proportion to their forecast
    assert plan.areas["expected_crime_pct"].sum() == pytest.approx(plan.summary["expected_crime_pct"])


def test_period_shares_match_a_direct_count(watford):
    plan, inc, _ = watford
    cell9 = [h3.cell_to_parent(format(int(c), "x"), 9) for c in inc["h3_11"]]
    counts = pd.Series(cell9).value_counts()
    for r, row in plan.areas.iterrows():
        cells = plan.cells.loc[plan.cells["area"] == row["rank"], "cell"]
        n = int(counts.reindex(cells).fillna(0).sum())
        assert row["period_incidents"] == n
        assert row["period_crime_pct"] == pytest.approx(100 * n / len(inc))


def test_month_only_police_data_says_so(watford):
    plan, _, _ = watford
    assert plan.summary["month_only"] and plan.times.empty
    assert plan.time_notes == [MONTH_ONLY_NOTE]


def test_force_records_give_best_hours(sample_db):

    with Store(sample_db, read_only=True) as s:
        plan = plan_patrol(s, Selection(sources=("rms",)), n_areas=3, shift="late")
        inc = select_incidents(s, Selection(sources=("rms",)),
                               columns=("h3_11", "occurred_at", "occurred_until", "time_precision"))
    assert not plan.summary["month_only"] and len(plan.times) == defaults.PATROL_BEST_HOURS
    cells = set(plan.cells["cell"])
    inside = inc[[h3.cell_to_parent(format(int(c), "x"), 9) in cells for c in inc["h3_11"]]]
    grid = day_hour_grid(inside).grid
    top = plan.times.iloc[0]
    assert top["incidents"] == pytest.approx(grid.to_numpy().max())
    assert grid.loc[top["day"], top["hour"]] == pytest.approx(top["incidents"])
    assert len(plan.areas) == 3


@pytest.mark.parametrize("shift", ["early", "late", "night"])
def test_shift_shares_and_the_busier_shift_hint(sample_db, shift):
    """Each named shift's share of the plan areas' dated incidents, counted here from the raw times."""

    with Store(sample_db, read_only=True) as s:
        plan = plan_patrol(s, Selection(sources=("rms",)), n_areas=3, shift=shift)
        inc = select_incidents(s, Selection(sources=("rms",)),
                               columns=("h3_11", "occurred_at", "occurred_until", "time_precision"))
    cells = set(plan.cells["cell"])
    inside = inc[[h3.cell_to_parent(format(int(c), "x"), 9) in cells for c in inc["h3_11"]]]
    # by clock hour, by hand: an exact time weighs 1 in its hour; a from-to window (none over 7 days in the
    # sample) shares its 1 over the hours it covers in proportion to the minutes in each (Ratcliffe 2000)
    by_hour = np.zeros(24)
    prec = inside["time_precision"].astype(str)
    assert set(prec) <= {"minute", "window"}
    for t in pd.to_datetime(inside.loc[prec == "minute", "occurred_at"]):
        by_hour[t.hour] += 1
    for a, b in zip(pd.to_datetime(inside.loc[prec == "window", "occurred_at"]),
                    pd.to_datetime(inside.loc[prec == "window", "occurred_until"])):
        assert b - a <= pd.Timedelta(days=7)
        if b <= a:
            by_hour[a.hour] += 1
            continue
        t = a
        while t < b:
            nxt = min(t.floor("h") + pd.Timedelta(hours=1), b)
            by_hour[t.hour] += (nxt - t) / (b - a)
            t = nxt
    spans = {"early": range(7, 15), "late": range(15, 23), "night": [23, 0, 1, 2, 3, 4, 5, 6]}
    got = plan.summary["shift_shares_pct"]
    assert set(got) == set(spans)
    for name, hrs in spans.items():
        assert got[name] == pytest.approx(100 * by_hour[list(hrs)].sum() / by_hour.sum())
    assert sum(got.values()) == pytest.approx(100.0)  # the three named shifts tile the day
    assert plan.summary["shift_pct"] == pytest.approx(got[shift])
    best = max(got, key=got.get)
    hinted = got[best] - got[shift] >= defaults.PATROL_SHIFT_HINT_PP
    assert plan.summary["busier_shift"] == (best if hinted else None)
    assert any(f"The {best} shift" in n for n in plan.time_notes) == hinted
    assert hinted == (shift != "late")  # the sample's violence peaks in the evening (shares in the docstring)


def test_a_short_custom_shift_is_not_told_to_take_a_longer_one(sample_db):
    # 18:00-22:00 holds fewer incidents than the 8-hour late shift only because it is half as long

    with Store(sample_db, read_only=True) as s:
        plan = plan_patrol(s, Selection(sources=("rms",)), n_areas=3, shift="18:00-22:00")
    assert plan.summary["shift_pct"] < plan.summary["shift_shares_pct"]["late"]
    assert plan.summary["busier_shift"] is None
    assert not any("consider planning it" in n for n in plan.time_notes)


def test_harm_ranking_and_errors(sample_db):

    with Store(sample_db, read_only=True) as s:
        plan = plan_patrol(s, Selection(categories=("Burglary", "Robbery"), harm=True), n_areas=2)
        assert plan.summary["value"] == "harm" and len(plan.areas) == 2
        with pytest.raises(SettingError, match="No incidents"):
            plan_patrol(s, Selection("2030-01", "2030-02"))
        with pytest.raises(SettingError, match="shift"):
            plan_patrol(s, Selection(), shift="whenever")


# --------------------------------------------------------------------------- exports


def test_exports(watford, tmp_path):
    plan, _, _ = watford
    gj = json.loads(plan_geojson(plan))
    assert len(gj["features"]) == len(plan.areas)
    f0 = gj["features"][0]
    assert f0["geometry"]["type"] == "Polygon" and f0["properties"]["rank"] == 1
    assert f0["properties"]["data_note"].startswith("SYNTHETIC")
    lon, lat = np.array(f0["geometry"]["coordinates"][0]).T
    assert -0.6 < lon.mean() < -0.2 and 51.5 < lat.mean() < 51.8
    root = ET.fromstring(plan_kml(plan))                      # well-formed XML
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert len(root.findall(".//k:Placemark", ns)) == len(plan.areas)
    assert "SYNTHETIC" in root.find("k:Document/k:name", ns).text
    csv = pd.read_csv(io.BytesIO(plan_csv(plan)), encoding="utf-8-sig")
    assert csv["rank"].tolist() == plan.areas["rank"].tolist()
    assert (csv["data_note"] == "SYNTHETIC sample data, not real crime").all()


def test_hostile_location_text_is_escaped(watford):
    plan, _, _ = watford
    evil = plan.areas.copy()
    evil.loc[0, "top_streets"] = '<script>alert(1)</script> & "=cmd"'
    evil.loc[0, "name"] = "=HYPERLINK(\"x\")"
    from dataclasses import replace

    p2 = replace(plan, areas=evil)
    kml = plan_kml(p2).decode()
    assert "<script>" not in kml and "&amp;lt;script&amp;gt;" in kml
    ET.fromstring(kml)
    csv = plan_csv(p2).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv


def test_pdf_opened_text_and_images(watford, tmp_path):
    from pypdf import PdfReader


    plan, _, _ = watford
    path = write_plan(plan, tmp_path / "patrol.pdf")
    reader = PdfReader(str(path))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Patrol sheet" in text and "SYNTHETIC" in text
    assert MONTH_ONLY_NOTE.split(":")[0] in text
    assert "Visiting timetable" in text and "18:00" in text and "Koper" in text
    assert plan.areas["name"].iloc[0].split(":")[0] in text
    assert f"{plan.summary['expected_crime_pct']:.1f}%" in text
    images = sum(len(p.images) for p in reader.pages)
    assert images >= 1
    # rendered as people see it: pdftoppm pages are PNGs with ink on them
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(reader.pages)
    from PIL import Image

    first = np.asarray(Image.open(pngs[0]).convert("L"))
    assert (first < 128).mean() > 0.005                          # text and a map, not a blank page
    colours = np.asarray(Image.open(pngs[0]).convert("RGB")).reshape(-1, 3)
    red = ((colours[:, 0] > 180) & (colours[:, 1] < 80) & (colours[:, 2] < 80)).sum()
    assert red > 20                                               # area 1 is drawn in red on the map
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"   # for people to look at (not committed)
    artifacts.mkdir(exist_ok=True)
    for i, png in enumerate(pngs, start=1):
        (artifacts / f"patrol-sheet-page{i}.png").write_bytes(png.read_bytes())


def test_cli_json_and_outputs(sample_db, tmp_path, capsys):

    assert main(["patrol", "--db", sample_db, "--district", "Watford", "--areas", "3", "--shift", "night",
                 "--json", "--out", str(tmp_path / "p.kml")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["areas"] == 3 and len(out["areas"]) == 3
    assert out["summary"]["shift"] == "night (23:00-07:00)"
    assert out["time_notes"] == [MONTH_ONLY_NOTE]
    assert (tmp_path / "p.kml").read_bytes().startswith(b"<?xml")
    assert main(["patrol", "--db", sample_db, "--budget-pct", "50"]) == 2
    assert "budget" in capsys.readouterr().err
    assert main(["patrol", "--db", sample_db, "--district", "Nowhere"]) == 2


def test_ae_is_refused(sample_db, tmp_path, capsys):
    """Patrol planning has no small-number suppression: A&E data is refused, in the library and the CLI
    (before anything is written), with the overlay named as the place for it."""

    with Store(sample_db, read_only=True) as s:
        with pytest.raises(SettingError, match="Patrol planning does not use A&E data"):
            plan_patrol(s, Selection(sources=("police", "ae")))
    out = tmp_path / "p.csv"
    assert main(["patrol", "--db", sample_db, "--sources", "ae", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "does not use A&E data" in err and "overlay" in err and "Traceback" not in err
    assert not out.exists()


def test_no_harm_share_says_n_a(sample_db, tmp_path, capsys):
    """Drugs with police-generated offences given no harm: every harm share is 0/0. The CLI, its --out PDF
    and the page say "n/a" instead of a traceback (review finding 5)."""
    from pypdf import PdfReader


    with Store(sample_db, read_only=True) as s:
        plan = plan_patrol(s, Selection(categories=("Drugs",), area=s.area("district", "Watford"),
                                     exclude_police_generated=True))
    assert plan.summary["expected_harm_pct"] is None and plan.summary["expected_crime_pct"] is not None
    pdf = tmp_path / "p.pdf"
    assert main(["patrol", "--db", sample_db, "--types", "Drugs", "--exclude-police-generated", "--district",
                 "Watford", "--out", str(pdf)]) == 0
    text = capsys.readouterr().out
    assert "(harm n/a, no harm in the test months)" in text
    assert "Expected share of next month's crime in the plan: " in text
    read = " ".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "harm: n/a" in read
    assert plan_pdf(plan).startswith(b"%PDF")


# ------------------------------------------------- areas small enough for one visit (issue 15)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), max_cells=st.integers(1, 4), walk=st.sampled_from([300.0, 700.0, 1500.0]),
       n_areas=st.one_of(st.none(), st.integers(1, 8)))
def test_walkable_areas_respect_both_caps_and_stay_contiguous(seed, max_cells, walk, n_areas):
    """Each area within the area cap and the walk cap (recomputed here from its points), H3-connected, formed
    from the top of the ranking; a budget never exceeded; N areas exactly."""
    from hotspots.methods.cellsets import walkable_areas
    from hotspots.methods.routing import walk_through

    rng = np.random.default_rng(seed)
    cells = np.array(DISK, dtype=object)
    order = rng.permutation(len(cells))
    area = np.full(len(cells), 0.1)
    # 1-4 points per cell, around its centre (metres on a local grid from h3's own centres)
    lat, lng = np.array([h3.cell_to_latlng(c) for c in cells]).T
    cx, cy = (lng - lng.mean()) * 69_000, (lat - lat.mean()) * 111_000
    pc = np.repeat(np.arange(len(cells)), rng.integers(1, 5, len(cells)))
    px, py = cx[pc] + rng.normal(0, 60, pc.size), cy[pc] + rng.normal(0, 60, pc.size)
    pw = rng.integers(1, 20, pc.size).astype(float)
    kw = {"n_areas": n_areas} if n_areas else {"budget_pct": 8.0}
    try:
        cut = walkable_areas(order, cells, area, pc, px, py, pw, max_area_km2=0.1 * max_cells + 1e-9,
                             max_walk_m=walk, **kw)
    except SettingError as err:
        assert n_areas and "do not form" in err.message or "No hexagon fits" in err.message
        return
    labels = sorted(set(cut.label[cut.label >= 0]))
    assert labels == list(range(len(labels)))
    if n_areas:
        assert len(labels) == n_areas
    else:
        assert area[cut.label >= 0].sum() <= 0.08 * area.sum() + 1e-9
    left = {i for i, _ in cut.left_out}
    taken = order[:cut.taken]
    assert set(np.flatnonzero(cut.label >= 0)) | left == set(taken)      # the top of the ranking, nothing skipped
    for lab in labels:
        members = np.flatnonzero(cut.label == lab)
        assert len(members) <= max_cells
        assert cell_components(cells[members]).max() == 0
        pts = np.isin(pc, members)
        _, length = walk_through(px[pts], py[pts], pw[pts])
        assert length <= walk + 1e-6 and cut.walk_m[lab] == pytest.approx(length)
    for i, why in cut.left_out:       # left out only when over a cap on its own
        _, own = walk_through(px[pc == i], py[pc == i], pw[pc == i])
        assert why == "walk" and own > walk


def test_sample_plans_are_walkable_and_say_how_the_caps_were_applied(sample_db):
    with Store(sample_db, read_only=True) as s:
        area = s.area("district", "Watford")
        for kw in ({"budget_pct": 3.0}, {"n_areas": 6}):
            plan = plan_patrol(s, Selection(area=area), **kw)
            a = plan.areas
            assert (a["area_km2"] <= defaults.PATROL_MAX_AREA_KM2 + 1e-9).all()
            assert (a["walk_m"] <= defaults.PATROL_MAX_WALK_M + 1e-9).all()
            # the zones split, counted here: H3-connected groups of the plan's cells holding more than one area
            zones = cell_components(plan.cells["cell"])
            split = pd.Series(plan.cells["area"].to_numpy()).groupby(zones).nunique()
            assert plan.summary["zones_split"] == int((split > 1).sum())
            assert plan.notes[0].startswith("Each patrol area is at most 0.2 km² with a walk of at most 1,000 m")
            if (split > 1).any():
                n, m = int((split > 1).sum()), int(split[split > 1].sum())
                assert any(f"split into {m} areas" in note and note.startswith(f"{n} hot zone") for note in plan.notes)
        # a tighter cap: more, smaller areas, each within it
        small = plan_patrol(s, Selection(area=area), budget_pct=3.0, max_walk_m=400.0)
        assert (small.areas["walk_m"] <= 400 + 1e-9).all()
        # res 8 hexagons (0.74 km²) cannot be patrol areas of 0.2 km²: the plan says it used res 9
        coarse = plan_patrol(s, Selection(area=area), n_areas=3, res=8)
        assert coarse.summary["res"] == 9 and coarse.summary["res_asked"] == 8
        assert all(h3.get_resolution(c) == 9 for c in coarse.cells["cell"])
        assert any("Hexagons of res 8 are larger than 0.2 km², so the plan uses res 9." == n for n in coarse.notes)
        with pytest.raises(SettingError, match="max_walk_m"):
            plan_patrol(s, Selection(area=area), max_walk_m=50.0)


def test_recording_artefacts_are_left_out_by_default_and_counted(sample_db):
    """The sample puts crimes at 'On or near Supermarket' (and the other named places): counted here from the
    stored rows, they are what the plan leaves out; with include_artefacts they stay and are flagged."""
    with Store(sample_db, read_only=True) as s:
        area = s.area("district", "Watford")
        inc = select_incidents(s, Selection(area=area), columns=("location", "h3_11"))
        plan = plan_patrol(s, Selection(area=area), budget_pct=3.0)
        kept = plan_patrol(s, Selection(area=area), budget_pct=3.0, include_artefacts=True)
    named = inc["location"].isin([f"On or near {p}" for p in defaults.ARTEFACT_PLACES])
    by_name = {r["location"]: 0 for r in plan.summary["artefacts"] if r["rule"] == "name"}
    for r in plan.summary["artefacts"]:
        if r["rule"] == "name":
            by_name[r["location"]] += r["incidents"]
    assert by_name == inc.loc[named, "location"].value_counts().to_dict()
    assert plan.summary["incidents"] == len(inc) - plan.summary["artefact_incidents"]
    assert kept.summary["incidents"] == len(inc)
    supermarkets = int((inc["location"] == "On or near Supermarket").sum())
    assert supermarkets > 0
    assert any(n.startswith(f"Left out: {supermarkets:,} crimes at ") and "'On or near Supermarket'" in n
               for n in plan.notes)
    assert any(n.startswith("Kept, although recording artefacts:") for n in kept.notes)
    # an area holding a flagged point says so in its Flag, and its top streets never name an artefact
    for r in plan.areas.itertuples():
        assert not any(p in r.top_streets.split(" (")[0] for p in ("Supermarket", "Police Station", "Hospital",
                                                                 "Petrol Station"))
    assert kept.areas["flag"].str.contains(r"\(artefact\)").any() or not kept.summary["artefacts"]


def test_cli_caps_artefacts_and_default_types(sample_db, capsys):
    """The CLI's new options (--max-area-km2, --max-walk-m, --include-artefacts), its default crime types (all but
    drugs and weapon possession; "--types all" for every type) and the plan's notes in --json."""
    assert main(["patrol", "--db", sample_db, "--district", "Watford", "--budget-pct", "3", "--max-walk-m", "500",
                 "--max-area-km2", "0.1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(a["walk_m"] <= 500 and a["area_km2"] <= 0.1 for a in out["areas"])
    assert (out["summary"]["max_walk_m"], out["summary"]["max_area_km2"]) == (500.0, 0.1)
    assert out["summary"]["types"] == list(defaults.PATROL_DEFAULT_TYPES)
    assert out["notes"][0].startswith("Each patrol area is at most 0.1 km² with a walk of at most 500 m")
    assert any(n.startswith("Left out: ") for n in out["notes"])
    for key in ("rank", "name", "cells", "area_km2", "perimeter_m", "expected_crime_pct", "period_incidents",
                "top_streets", "walk_m", "flag"):
        assert key in out["areas"][0], key
    assert main(["patrol", "--db", sample_db, "--district", "Watford", "--types", "all", "--include-artefacts",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["types"] == "all" and out["summary"]["include_artefacts"] is True
    assert any(n.startswith("Kept, although recording artefacts:") for n in out["notes"])
    assert main(["patrol", "--db", sample_db, "--max-walk-m", "50"]) == 2
    assert "max-walk-m" in capsys.readouterr().err

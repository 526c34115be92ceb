"""Hit rate, PAI and RRI by hand on tiny grids; invariants; the forecast never reads the test month."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from geo.crs import bng_to_lonlat
from geo.errors import SettingError
from geo.grid import lonlat_to_cells
from geo.ingest.police import ingest_police
from geo.months import months_between
from geo.store import Store
from hotspots.cli import evaluate as evaluate_command
from hotspots.tasks.evaluate import (DEFAULT_GROUPS, DEFAULT_METHODS, RECOMMENDED_METHOD, accuracy_report,
                                     evaluate_cell_months, method_score, parse_test_months)
from hotspots.methods.forecast import RecencyBlendForecast, cell_months
from tests.conftest import street_csv, street_row
from hotspots.methods.metrics import accuracy_at_shares, capture_at_shares, hit_rate_curve, rank_cells
from hotspots.methods.cells import analysis_window

TEN = list("abcdefghij")


# ------------------------------------------------------------------ by hand


def test_hit_rate_pai_rri_by_hand_on_ten_equal_cells():
    # 10 cells of 1 km2. Map: a > b > c > rest. Test month: a 3, b 1, c 1, d 5 (10 in all).
    # Training: a 6, b 2, c 1, e 1 (10 in all).
    score = [9, 8, 7, 0, 0, 0, 0, 0, 0, 0]
    test = [3, 1, 1, 5, 0, 0, 0, 0, 0, 0]
    train = [6, 2, 1, 0, 1, 0, 0, 0, 0, 0]
    acc = accuracy_at_shares(TEN, score, test, train_counts=train, cell_area_km2=[1] * 10,
                             shares_pct=[10, 20, 30, 40])
    # 10 %: cell a: 3 of 10 test incidents; PAI 0.3 / 0.1 = 3; RRI (3/6) / (10/10) = 0.5
    assert acc["hit@10"] == pytest.approx(0.3)
    assert acc["pai@10"] == pytest.approx(3.0)
    assert acc["rri@10"] == pytest.approx(0.5)
    # 20 %: a, b: 4/10; PAI 2; RRI (4/8) / 1 = 0.5
    assert (acc["hit@20"], acc["pai@20"], acc["rri@20"]) == pytest.approx((0.4, 2.0, 0.5))
    # 30 %: a, b, c: 5/10; RRI (5/9)
    assert (acc["hit@30"], acc["rri@30"]) == pytest.approx((0.5, 5 / 9))
    # 40 %: the fourth cell is a tie at score 0: training count first (e has 1), so e, not d
    assert acc["hit@40"] == pytest.approx(0.5)
    assert acc["rri@40"] == pytest.approx(5 / 10)


def test_rri_uses_the_change_in_the_overall_count():
    # Training 3 months with 20 incidents, test month 5: N_test / N_train = 1/4.
    # Flagged cell: 8 in training, 4 in the test month: (4/8) / (5/20) = 2.
    acc = accuracy_at_shares(["a", "b"], [1, 0], [4, 1], train_counts=[8, 12], cell_area_km2=[1, 1],
                             shares_pct=[50])
    assert acc["rri@50"] == pytest.approx(2.0)
    assert acc["hit@50"] == pytest.approx(0.8)


def test_rri_is_undefined_where_the_flagged_cells_had_no_training_incidents():
    acc = accuracy_at_shares(["a", "b"], [1, 0], [2, 2], train_counts=[0, 5], cell_area_km2=[1, 1],
                             shares_pct=[50])
    assert np.isnan(acc["rri@50"]) and acc["hit@50"] == 0.5


def test_crossing_cell_counts_pro_rata_by_area():
    # Areas 2, 1, 1 km2 (total 4); order b (1 km2), a (2 km2), c. 50 % = 2 km2 = b + half of a.
    acc = accuracy_at_shares(["a", "b", "c"], [5, 9, 0], [4, 2, 6], cell_area_km2=[2, 1, 1],
                             shares_pct=[25, 50, 75, 100])
    assert acc["hit@25"] == pytest.approx(2 / 12)                 # b alone
    assert acc["hit@50"] == pytest.approx((2 + 0.5 * 4) / 12)     # b + half of a
    assert acc["hit@75"] == pytest.approx(6 / 12)                 # b + a
    assert acc["hit@100"] == pytest.approx(1.0)
    assert acc["pai@50"] == pytest.approx((4 / 12) / 0.5)


def test_capture_by_hand_and_the_curve():
    # cell 1 (1 km2, 2 incidents) first, then cell 0 (3 km2, 8 incidents); 4 km2 in all.
    # 50 % = 2 km2 = cell 1 and a third of cell 0.
    assert capture_at_shares([1, 0], [3.0, 1.0], [[8.0, 2.0]], [25, 50, 100]).tolist() == [[2.0, 2 + 8 / 3, 10.0]]
    curve = hit_rate_curve([1, 0], [3.0, 1.0], [8.0, 2.0], [0, 25, 100])
    assert curve["hit_rate"].tolist() == pytest.approx([0.0, 0.2, 1.0])


def test_harm_weighted_hit_rate():
    acc = accuracy_at_shares(["a", "b"], [1, 0], [1, 3], test_harm=[365, 3], cell_area_km2=[1, 1],
                             shares_pct=[50])
    assert acc["hit@50"] == pytest.approx(0.25)
    assert acc["harm@50"] == pytest.approx(365 / 368)


def test_ties_are_broken_by_training_count_then_cell_id():
    assert rank_cells([1, 1, 1, 2], [0, 5, 5, 0], ["d", "c", "b", "a"]).tolist() == [3, 2, 1, 0]
    # NaN scores go last, whatever their training count
    assert rank_cells([np.nan, 0.0], [99, 0], ["a", "b"]).tolist() == [1, 0]


def test_h3_cell_areas_are_used_when_none_are_given():
    import h3

    cells = sorted(h3.grid_disk(h3.latlng_to_cell(51.656, -0.396, 9), 2))
    areas = np.array([h3.cell_area(c, "km^2") for c in cells])
    rng = np.random.default_rng(1)
    score, test = rng.random(len(cells)), rng.integers(0, 5, len(cells))
    a = accuracy_at_shares(cells, score, test, shares_pct=[10, 30])
    b = accuracy_at_shares(cells, score, test, cell_area_km2=areas, shares_pct=[10, 30])
    assert a == pytest.approx(b, nan_ok=True)
    assert areas.std() > 0  # really unequal areas


# ------------------------------------------------------------------ invariants


@pytest.mark.parametrize("seed", range(8))
def test_hit_rate_rises_with_area_share_and_never_exceeds_one(seed):
    rng = np.random.default_rng(seed)
    n = 200
    area = rng.uniform(0.09, 0.11, n)
    test = rng.poisson(rng.gamma(0.3, 3.0, n))
    score = rng.integers(0, 4, n).astype(float)          # many ties
    shares = np.linspace(0.5, 100, 200)
    order = rank_cells(score, rng.integers(0, 3, n), np.arange(n))
    hits = capture_at_shares(order, area, test[None, :], shares)[0] / test.sum()
    assert (np.diff(hits) >= -1e-12).all()
    assert hits.max() <= 1 + 1e-12 and hits.min() >= 0
    assert hits[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(8))
def test_oracle_reaches_the_maximum_possible_hit_rate(seed):
    """Scoring the test incidents per km2 catches the most any selection of that area can:
    the optimum of the linear programme max sum(t x) s.t. sum(a x) <= budget, 0 <= x <= 1
    (solved by scipy, independently), which bounds every whole-cell selection too."""
    rng = np.random.default_rng(seed)
    n = 60
    area = rng.uniform(0.08, 0.12, n)
    test = rng.poisson(rng.gamma(0.5, 2.0, n)).astype(float)
    for share in (1, 2, 5, 10, 37):
        oracle = capture_at_shares(rank_cells(test / area, np.zeros(n), np.arange(n)), area, test[None, :],
                                   [share])[0, 0]
        lp = linprog(-test, A_ub=area[None, :], b_ub=[share / 100 * area.sum()], bounds=[(0, 1)] * n)
        assert oracle == pytest.approx(-lp.fun, rel=1e-9, abs=1e-9)
        for _ in range(20):  # and no other map beats it
            other = capture_at_shares(rank_cells(rng.random(n), np.zeros(n), np.arange(n)), area,
                                      test[None, :], [share])[0, 0]
            assert other <= oracle + 1e-9


def test_oracle_on_equal_cells_catches_the_top_k_test_counts():
    test = np.array([0, 7, 3, 3, 9, 1, 0, 2, 5, 4], dtype=float)
    acc = accuracy_at_shares(TEN, test, test, cell_area_km2=[1] * 10, shares_pct=[10, 20, 30])
    assert [acc["hit@10"], acc["hit@20"], acc["hit@30"]] == pytest.approx(np.array([9, 16, 21]) / test.sum())


@pytest.mark.parametrize("seed", range(5))
def test_shuffling_cells_changes_nothing(seed):
    rng = np.random.default_rng(seed)
    n = 120
    cells = np.array([f"c{i:03d}" for i in range(n)], dtype=object)
    area = rng.uniform(0.09, 0.11, n)
    score = rng.integers(0, 3, n).astype(float)
    test, train, harm = rng.poisson(1.0, n), rng.integers(0, 2, n), rng.uniform(0, 50, n)
    kw = dict(shares_pct=[1, 2, 5, 10, 50])
    base = accuracy_at_shares(cells, score, test, train_counts=train, test_harm=harm, cell_area_km2=area, **kw)
    p = rng.permutation(n)
    shuf = accuracy_at_shares(cells[p], score[p], test[p], train_counts=train[p], test_harm=harm[p],
                              cell_area_km2=area[p], **kw)
    assert shuf == pytest.approx(base, nan_ok=True)


@pytest.mark.parametrize("seed", range(5))
def test_partial_ranking_is_the_start_of_the_full_one(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    area = rng.uniform(0.09, 0.11, n)
    score = rng.integers(0, 6, n).astype(float) * rng.integers(0, 2, n)   # heavy ties at 0
    train = rng.integers(0, 3, n)
    full = rank_cells(score, train, np.arange(n))
    part = rank_cells(score, train, np.arange(n), area_km2=area, top_share_pct=5)
    assert part.size < n
    assert (full[:part.size] == part).all()
    assert area[part].sum() >= 0.05 * area.sum()
    vals = rng.poisson(1.0, n)[None, :]
    assert capture_at_shares(part, area, vals, [1, 5]) == pytest.approx(capture_at_shares(full, area, vals, [1, 5]))


# ------------------------------------------------------------------ synthetic incidents

MONTHS = tuple(months_between("2021-01", "2021-09"))


def synthetic_incidents(seed: int = 0, months=MONTHS) -> pd.DataFrame:
    """Persistent hot points around Watford plus background, a few hundred incidents a month."""
    rng = np.random.default_rng(seed)
    hot = np.column_stack([rng.uniform(508000, 514000, 12), rng.uniform(194000, 200000, 12)])
    rows = []
    for m in months:
        k = rng.poisson(25, hot.shape[0])
        pts = np.repeat(hot, k, axis=0) + rng.normal(0, 120, (k.sum(), 2))
        bg = np.column_stack([rng.uniform(506000, 516000, 150), rng.uniform(192000, 202000, 150)])
        xy = np.vstack([pts, bg])
        cats = rng.choice(["Burglary", "Anti-social behaviour", "Violence and sexual offences"], xy.shape[0])
        rows.append(pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "category": cats, "month": m}))
    inc = pd.concat(rows, ignore_index=True)
    lon, lat = bng_to_lonlat(inc["easting"], inc["northing"])
    inc["h3_11"] = lonlat_to_cells(lon, lat, 11)
    return inc


def build(inc, months=MONTHS, window=None):
    window = analysis_window(inc, 9) if window is None else window
    return cell_months(inc, window, months, bandwidths_m=(150.0, 300.0, 600.0, 1000.0)), window


@pytest.fixture(scope="module")
def synth():
    inc = synthetic_incidents()
    data, window = build(inc)
    return inc, data, window


def test_cell_months_adds_up_and_ignores_row_order(synth):
    inc, data, window = synth
    assert data.counts.sum() == len(inc)
    assert data.counts.sum(axis=0).tolist() == inc.groupby("month").size().reindex(MONTHS).tolist()
    shuffled, _ = build(inc.sample(frac=1.0, random_state=3), window=window)
    np.testing.assert_array_equal(shuffled.counts, data.counts)
    np.testing.assert_allclose(shuffled.harm, data.harm)
    for bw in data.density:
        np.testing.assert_allclose(shuffled.density[bw], data.density[bw], rtol=1e-9, atol=1e-12)


def test_before_holds_only_earlier_months(synth):
    _, data, _ = synth
    h = data.before("2021-05")
    assert h.months == MONTHS[:4]
    assert h.counts.shape == (data.n_cells, 4) and all(d.shape[1] == 4 for d in h.density.values())


def test_forecast_never_reads_the_test_month(synth):
    """Mutating the test month and every later month (moving all their incidents elsewhere and
    tripling them) leaves the fitted parameters, the validation table and the scores unchanged."""
    inc, data, window = synth
    test = "2021-08"
    mutated = inc.copy()
    late = mutated["month"] >= test
    rng = np.random.default_rng(99)
    mutated.loc[late, "easting"] = rng.uniform(506000, 516000, late.sum())
    mutated.loc[late, "northing"] = rng.uniform(192000, 202000, late.sum())
    lon, lat = bng_to_lonlat(mutated["easting"], mutated["northing"])
    mutated["h3_11"] = lonlat_to_cells(lon, lat, 11)
    mutated = pd.concat([mutated, mutated[late], mutated[late]], ignore_index=True)
    data2, _ = build(mutated, window=window)
    assert not np.array_equal(data2.counts, data.counts)  # the mutation is real
    f1 = RecencyBlendForecast().fit(data.before(test))
    f2 = RecencyBlendForecast().fit(data2.before(test))
    assert (f1.half_life_months_, f1.prior_strength_) == (f2.half_life_months_, f2.prior_strength_)
    assert f1.validation_months_ == f2.validation_months_ == ("2021-04", "2021-05", "2021-06", "2021-07")
    pd.testing.assert_frame_equal(f1.validation_, f2.validation_)
    np.testing.assert_array_equal(f1.predict(), f2.predict())
    # every method's map of the test month is unchanged too
    for method in DEFAULT_METHODS:
        s1, _ = method_score(method, data.before(test), 3)
        s2, _ = method_score(method, data2.before(test), 3)
        np.testing.assert_array_equal(s1, s2, err_msg=method)
    # and so are the evaluation's results for the earlier test months
    e1 = evaluate_cell_months(data, "2021-05..2021-07")
    e2 = evaluate_cell_months(data2, "2021-05..2021-07")
    pd.testing.assert_frame_equal(e1.by_origin, e2.by_origin)
    pd.testing.assert_frame_equal(e1.forecast_params, e2.forecast_params)


def test_forecast_fit_picks_the_best_validated_candidate(synth):
    _, data, _ = synth
    f = RecencyBlendForecast(half_lives_months=(1.0, np.inf), prior_strengths=(0.0, 1.0)).fit(data.before("2021-09"))
    v = f.validation_
    best = v.loc[v["score"].idxmax()]
    assert (f.half_life_months_, f.prior_strength_) == (best["half_life_months"], best["prior_strength"])
    assert (v["n_origins"] == 5).all()


def test_forecast_rejects_bad_parameters(synth):
    _, data, _ = synth
    with pytest.raises(SettingError, match="'train_months' parameter"):
        RecencyBlendForecast(train_months=0).fit(data)
    with pytest.raises(SettingError, match="'prior_strengths' parameter"):
        RecencyBlendForecast(prior_strengths=(-1.0,)).fit(data)
    with pytest.raises(SettingError, match="no density at 2000 m"):
        RecencyBlendForecast(bandwidths_m=(2000.0,)).fit(data)
    with pytest.raises(SettingError, match="not fitted"):
        RecencyBlendForecast().predict()


def test_evaluation_invariants_on_synthetic_data(synth):
    _, data, _ = synth
    ev = evaluate_cell_months(data, "2021-06..2021-09", methods=list(DEFAULT_METHODS) + ["oracle", "kde-1000"])
    bo = ev.by_origin
    assert len(bo) == 4 * 10
    hits = bo[[f"hit@{s}" for s in (1, 2, 5, 10)]].to_numpy()
    assert (np.diff(hits, axis=1) >= -1e-12).all() and (hits <= 1).all() and (hits >= 0).all()
    oracle = bo[bo["method"] == "oracle"].set_index("test_month")
    for _, r in bo.iterrows():
        for s in (1, 2, 5, 10):
            assert r[f"hit@{s}"] <= oracle.loc[r["test_month"], f"hit@{s}"] + 1e-12
    summ = ev.summary()
    assert list(summ.index) == list(DEFAULT_METHODS) + ["oracle", "kde-1000"]
    assert (summ["origins"] == 4).all()
    # persistent hot points: every map is far better than random
    assert (summ.loc[list(DEFAULT_METHODS), "pai@2"] > 3).all()
    curves = ev.mean_curves()
    assert set(curves["method"]) == set(summ.index)


def test_evaluation_refuses_too_little_history(synth):
    _, data, _ = synth
    with pytest.raises(SettingError, match="only 2 month"):
        evaluate_cell_months(data, "2021-03")
    with pytest.raises(SettingError, match="not in the data"):
        evaluate_cell_months(data, "2022-03")
    with pytest.raises(SettingError, match="Did you mean 'gistar'"):
        evaluate_cell_months(data, "2021-06", methods="gistr")


def test_parse_test_months():
    assert parse_test_months("2021-12..2022-02") == ("2021-12", "2022-01", "2022-02")
    assert parse_test_months("2021-12") == ("2021-12",)
    with pytest.raises(SettingError, match="YYYY-MM..YYYY-MM"):
        parse_test_months("2021-12:2022-02")
    with pytest.raises(SettingError, match="backwards"):
        parse_test_months("2022-02..2021-12")


# ------------------------------------------------------------------ the CLI-facing function


@pytest.fixture
def small_db(tmp_path):
    """Five months of hand-made police.uk rows on a few Watford points, loaded into a store."""
    pts = [(-0.3960, 51.6560), (-0.3990, 51.6580), (-0.4010, 51.6540), (-0.3940, 51.6600), (-0.4200, 51.6700)]
    types = ["Burglary", "Violence and sexual offences", "Anti-social behaviour", "Robbery", "Possession of weapons"]
    folder = tmp_path / "police"
    folder.mkdir()
    for mi, month in enumerate(months_between("2021-01", "2021-05")):
        rows = []
        for i in range(40):
            lon, lat = pts[(i * (mi + 1)) % 3] if i % 4 else pts[3 + i % 2]
            rows.append(street_row(crime_id=f"{month}-{i:04d}", month=month, lon=f"{lon:.6f}", lat=f"{lat:.6f}",
                                   crime_type=types[i % len(types)]))
        (folder / f"{month}-hertfordshire-street.csv").write_text(street_csv(rows))
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        ingest_police([folder], s)
    return str(db)


def run_cli(capsys, *argv):
    parser = argparse.ArgumentParser(prog="python -m hotspots")
    evaluate_command.add_parser(parser.add_subparsers(dest="command", required=True))
    code = evaluate_command.run(parser.parse_args(["evaluate", *argv]))
    return code, capsys.readouterr().out


def test_cli_json_keys(small_db, capsys):
    code, out = run_cli(capsys, "--train-months", "3", "--test", "2021-04..2021-05", "--db", small_db, "--json")
    d = json.loads(out)
    assert code == 0
    assert set(d) == set(DEFAULT_METHODS) | {"split", "recommended"}
    assert d["recommended"] == RECOMMENDED_METHOD
    for method in DEFAULT_METHODS:
        for s in (1, 2, 5, 10):
            for m in ("hit", "pai", "rri", "harm"):
                assert f"{m}@{s}" in d[method] and f"{m}@{s}_sd" in d[method]
        assert 0 <= d[method]["hit@1"] <= d[method]["hit@10"] <= 1
    sp = d["split"]
    assert sp["train_months"] == 3 and sp["test_months"] == ["2021-04", "2021-05"]
    assert sp["types"] == "all" and sp["history_from"] == "2021-01"
    assert [o["train"] for o in sp["origins"]] == [["2021-01", "2021-03"], ["2021-02", "2021-04"]]


def test_cli_json_with_types_and_methods(small_db, capsys):
    code, out = run_cli(capsys, "--test", "2021-05", "--types", "robbery, Possession of weapons",
                        "--methods", "naive,kde-300,forecast", "--db", small_db, "--json")
    d = json.loads(out)
    assert set(d) == {"naive", "kde-300", "forecast", "split", "recommended"}
    assert d["split"]["types"] == ["Robbery", "Possession of weapons"]


def test_cli_text_has_a_table_for_each_default_group(small_db, capsys):
    code, out = run_cli(capsys, "--test", "2021-05", "--db", small_db)
    assert code == 0
    for label in DEFAULT_GROUPS:
        assert f"{label}:" in out
    assert "forecast *" in out and "PAI 2%" in out


def test_accuracy_report_gives_the_table_and_the_curves(small_db):
    with Store(small_db, read_only=True) as store:
        table, curves = accuracy_report(store, "2021-04..2021-05", methods="naive,kde-300,forecast")
    assert table["method"].tolist() == ["naive", "kde-300", "forecast"]
    assert table["recommended"].tolist() == [False, False, True]
    assert {"hit@2", "hit@2_sd", "pai@5", "rri@1", "harm@10", "origins"} <= set(table.columns)
    for _, c in curves.groupby("method"):
        h = c.sort_values("area_pct")["hit_rate"].to_numpy()
        assert h[0] == 0 and (np.diff(h) >= -1e-12).all() and h[-1] == pytest.approx(1.0)


def test_cli_errors_are_sentences(small_db, capsys):
    with pytest.raises(SettingError, match="needs data for"):
        run_cli(capsys, "--test", "2021-02", "--db", small_db)
    with pytest.raises(SettingError, match="not a crime type"):
        run_cli(capsys, "--test", "2021-05", "--types", "Burglry", "--db", small_db)

"""Values that must be refused (or read right), not stored: infinite coordinates, months out of range,
two-digit years, repeated Crime IDs, text that looks like a null, boundaries that are not places."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo.months import current_month, shift_month
from geo.query import Selection, select_incidents
from geo.store import Store
from hotspots.methods.cells import count_by_cell
from tests.conftest import street_csv, street_row, watford_rows
from tests.hostile import (RMS_MAPPING, assert_balanced, ingest_json, listed, rms_csv, rms_row, run_cli,
                           stored)


# -- coordinates ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["inf", "Infinity", "-inf", "1e999", "NaN", "-Infinity"])
def test_non_finite_coordinates_are_refused_at_the_reader(tmp_path, capsys, bad):
    rows = watford_rows(4) + [street_row(crime_id="x1", lon=bad), street_row(crime_id="x2", lat=bad)]
    p = tmp_path / "2021-06-hertfordshire-street.csv"
    p.write_text(street_csv(rows))
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [p], db)
    assert code == 0
    assert_balanced(rep, 6)
    assert rep["rows_stored"] == 4 and rep["rejected_by_reason"] == {"bad_coordinates": 2}
    assert {(r[1], r[2]) for r in listed(db)} == {(6, "bad_coordinates"), (7, "bad_coordinates")}
    assert stored(db, "SELECT count(*) FROM incidents WHERE h3_11 = 0 OR NOT isfinite(lon)")[0][0] == 0
    # every analysis still runs for everyone afterwards
    code, out, _ = run_cli(capsys, "detect", "--method", "count", "--db", db, "--json")
    assert code == 0 and json.loads(out)["incidents"] == 4


def test_non_finite_eastings_in_force_records_are_refused(tmp_path, capsys):
    p = tmp_path / "export.csv"
    p.write_text(rms_csv([rms_row("1"), rms_row("2", e="inf"), rms_row("3", n="1e999"), rms_row("4", e="-Infinity")]))
    (tmp_path / "m.toml").write_text(RMS_MAPPING)
    code, rep = ingest_json(capsys, "rms", [p], tmp_path / "s.duckdb", "--mapping", tmp_path / "m.toml")
    assert rep["rows_stored"] == 1 and rep["rejected_by_reason"] == {"bad_coordinates": 3}


def test_the_store_refuses_a_row_without_a_cell_or_with_infinite_coordinates(tmp_path):
    import duckdb

    with Store(tmp_path / "s.duckdb") as s:
        cols = ("id, source, force, category, month, time_precision, lon, lat, easting, northing, h3_11, "
                "source_file, source_row, load_id")
        for lon, cell in (("0.1", "0"), ("'inf'", "123")):
            with pytest.raises(duckdb.ConstraintException, match="CHECK constraint"):
                s.con.execute(f"INSERT INTO incidents ({cols}) VALUES ('a', 'police', 'f', 'Burglary', "
                              f"DATE '2021-01-01', 'month', {lon}, 51.6, 510000, 196000, {cell}, 'f.csv', 2, 1)")
        with pytest.raises(duckdb.ConstraintException, match="CHECK constraint"):
            s.con.execute(f"INSERT INTO incidents ({cols}) VALUES ('a', 'police', 'f', 'Burglary', "
                          "DATE '9999-12-01', 'month', -0.39, 51.6, 510000, 196000, 123, 'f.csv', 2, 1)")


# -- months -----------------------------------------------------------------------------------------------
FUTURE = shift_month(current_month(), 1)


@pytest.mark.parametrize("month", ["0001-01", "1677-09", "2010-11", "2099-12", "9999-12", FUTURE])
def test_police_months_outside_police_uk_s_range_are_refused(tmp_path, capsys, month):
    rows = watford_rows(3, month="2021-06") + [street_row(crime_id="late", month=month)]
    p = tmp_path / "f-street.csv"
    p.write_text(street_csv(rows))
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [p], db)
    assert rep["rows_stored"] == 3 and rep["rejected_by_reason"] == {"month_out_of_range": 1}
    assert rep["months"] == ["2021-06"]
    rej = stored(db, 'SELECT "column", value, month FROM rejections')
    assert rej == [("Month", month, None)]  # no month of year 9999 anywhere in the store
    # the default period is the data's, not 8,000 years
    code, out, _ = run_cli(capsys, "status", "--db", db, "--json")
    assert [p["month"] for p in json.loads(out)["partitions"]] == ["2021-06"]


def test_first_police_month_and_the_current_month_are_accepted(tmp_path, capsys):
    rows = [street_row(crime_id="a", month="2010-12"), street_row(crime_id="b", month=current_month())]
    p = tmp_path / "f-street.csv"
    p.write_text(street_csv(rows))
    code, rep = ingest_json(capsys, "police", [p], tmp_path / "s.duckdb")
    assert rep["rows_stored"] == 2 and rep["rejected_by_reason"] == {}


def test_two_digit_year_months_are_read_as_20xx(tmp_path, capsys):
    p = tmp_path / "f-street.csv"
    p.write_text(street_csv([street_row(crime_id="a", month="21-06"), street_row(crime_id="b", month="2021-07")]))
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [p], db)
    assert rep["months"] == ["2021-06", "2021-07"]
    assert stored(db, "SELECT min(year(month)) FROM incidents")[0][0] == 2021


@pytest.mark.parametrize("when, reason", [
    ("01/06/21 22:15", None), ("01/06/21", None), ("01/06/0021 22:15", "date_out_of_range"),
    ("01/06/1999 10:00", "date_out_of_range"), ("01/12/9999 10:00", "date_out_of_range"),
    (f"01/{FUTURE[5:]}/{FUTURE[:4]} 10:00", "date_out_of_range"),
])
def test_force_records_dates_out_of_range_and_two_digit_years(tmp_path, capsys, when, reason):
    p = tmp_path / "export.csv"
    p.write_text(rms_csv([rms_row("1"), rms_row("2", when=when)]))
    (tmp_path / "m.toml").write_text(RMS_MAPPING)
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "rms", [p], db, "--mapping", tmp_path / "m.toml")
    assert_balanced(rep, 2)
    if reason is None:
        assert rep["rows_stored"] == 2
        assert stored(db, "SELECT strftime(occurred_at, '%Y-%m-%d') FROM incidents WHERE id = '2'")[0][0] == "2021-06-01"
    else:
        assert rep["rows_stored"] == 1 and rep["rejected_by_reason"] == {reason: 1}
        assert stored(db, "SELECT month FROM rejections")[0][0] is None


def test_first_year_is_configurable(tmp_path, capsys):
    p = tmp_path / "export.csv"
    p.write_text(rms_csv([rms_row("1", when="01/06/1995 10:00")]))
    (tmp_path / "m.toml").write_text(RMS_MAPPING)
    code, rep = ingest_json(capsys, "rms", [p], tmp_path / "a.duckdb", "--mapping", tmp_path / "m.toml")
    assert rep["rows_stored"] == 0
    code, rep = ingest_json(capsys, "rms", [p], tmp_path / "b.duckdb", "--mapping", tmp_path / "m.toml",
                            "--first-year", "1990")
    assert rep["rows_stored"] == 1


@pytest.mark.parametrize("assault, start, end, reason", [
    ("2099-01-10 22:15", "2023-01-01", "2023-01-31", "date_out_of_range"),
    ("1999-01-10 22:15", "2023-01-01", "2023-01-31", "date_out_of_range"),
    ("10/01/23 22:15", "2023-01-01", "2023-01-31", None),
    ("2023-01-10 22:15", "0001-01-01", "9999-12-31", "date_out_of_range"),
])
def test_ae_dates_and_reporting_periods_out_of_range(tmp_path, capsys, assault, start, end, reason):
    from tests.unit.test_ae_reader import istv_csv, rec

    p = tmp_path / "istv.csv"
    p.write_bytes(istv_csv([rec(assault=assault, arrival=""), rec()], start=start, end=end))
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "ae", [p], db)
    assert_balanced(rep, 2)
    if reason is None:
        assert rep["rows_stored"] == 2
    else:
        assert rep["rejected_by_reason"].get(reason, 0) >= 1
        # no month outside the data's range is stored or listed (the period must not span millennia)
        months = stored(db, "SELECT DISTINCT year(month) FROM rejections WHERE month IS NOT NULL "
                            "UNION SELECT DISTINCT year(month) FROM incidents")
        assert all(2000 <= y <= int(current_month()[:4]) for (y,) in months)


def test_an_analysis_spans_the_months_that_hold_data_not_the_period(tmp_path, capsys):
    """A period of 190 months with data in one: the analyses bound their memory by the data."""
    p = tmp_path / "f-street.csv"
    p.write_text(street_csv(watford_rows(30, month="2021-06")))
    db = tmp_path / "s.duckdb"
    ingest_json(capsys, "police", [p], db)
    code, out, _ = run_cli(capsys, "detect", "--method", "emerging", "--from", "2010-12", "--to", current_month(),
                           "--db", db, "--json")
    assert code in (0, 2)  # emerging needs several months: a sentence, never 8,000 years of zeros
    code, out, _ = run_cli(capsys, "patrol", "--from", "2010-12", "--to", current_month(), "--db", db, "--json")
    assert code in (0, 2)


# -- repeated identifiers ---------------------------------------------------------------------------------
def test_a_crime_id_ten_times_is_kept_noted_and_counted_once(tmp_path, capsys):
    rows = watford_rows(5) + [street_row(crime_id="REPEATED", lon="-0.3960", lat="51.6560")] * 10
    p = tmp_path / "2021-06-hertfordshire-street.csv"
    p.write_text(street_csv(rows))
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [p], db)
    assert_balanced(rep, 15)
    assert rep["rows_stored"] == 15  # every row kept
    note = " ".join(rep["file_report"][0]["notes"])
    assert "9 row(s) repeat a Crime ID" in note
    assert stored(db, "SELECT count(*) FROM incidents WHERE duplicate_id")[0][0] == 9
    code, out, _ = run_cli(capsys, "detect", "--method", "count", "--res", "11", "--db", db, "--json")
    assert json.loads(out)["incidents"] == 6  # 5 + the repeated crime once
    with Store(db, read_only=True) as s:
        counts = count_by_cell(select_incidents(s, Selection()), 11)
    assert counts["count"].sum() == 6


def test_the_real_files_repeated_crime_ids_are_counted_once(shared_data, tmp_path, capsys):
    """police.uk's 2021-12 Hertfordshire file publishes three Crime IDs twice (counted in the test)."""
    import csv

    f = shared_data / "police" / "hertfordshire_2021" / "street" / "2021-12-hertfordshire-street.csv"
    with open(f, encoding="utf-8-sig", newline="") as fh:
        ids = [r["Crime ID"] for r in csv.DictReader(fh) if r["Crime ID"]]
    repeats = len(ids) - len(set(ids))
    assert repeats == 3
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [f], db)
    assert_balanced(rep, len(list(csv.DictReader(open(f, encoding="utf-8-sig", newline="")))))
    # each repeat's other row has no location ("No Location") or lies far away: listed, not stored, so the
    # crime is stored, and counted, once; no Crime ID is counted twice
    assert stored(db, "SELECT count(*) - count(DISTINCT id) FROM incidents WHERE NOT duplicate_id")[0][0] == 0
    counted = stored(db, "SELECT count(*) FROM incidents WHERE NOT duplicate_id")[0][0]
    assert counted == stored(db, "SELECT count(DISTINCT id) FROM incidents")[0][0] == rep["rows_stored"]


# -- text that looks like a null ----------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["NA", "null", "N/A", "NULL", "None", "nan", "-"])
def test_null_looking_text_is_kept_as_text(tmp_path, capsys, text):
    p = tmp_path / "f-street.csv"
    p.write_text(street_csv([street_row(crime_id=text, location=text), street_row(crime_id="b")]))
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [p], db)
    assert rep["rows_stored"] == 2
    assert stored(db, "SELECT id, location FROM incidents WHERE source_row = 2")[0] == (text, text)


# -- boundaries ---------------------------------------------------------------------------------------------
def _geojson(features, crs=None) -> str:
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc)


def _square(x0, y0, d, name="Area") -> dict:
    ring = [[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]
    return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


WATFORD = _square(-0.42, 51.64, 0.04, "Watford")


@pytest.mark.parametrize("features, crs, words", [
    ([WATFORD, _square(-0.40, 51.70, 0.02, "")], None, "has no name"),
    ([WATFORD, _square(-0.40, 51.70, 0.02, "   ")], None, "has no name"),
    ([_square(-180, -90, 360)], None, "does not overlap Great Britain"),
    ([_square(-179.9, -89.9, 359.8)], None, "km²"),
    ([_square(100, -40, 0.5)], None, "does not overlap Great Britain"),
    ([_square(-0.42, 51.64, 0.04)], "EPSG:27700", "does not overlap Great Britain"),
], ids=["empty name", "blank name", "world", "world km2", "lon 100 lat -40", "degrees labelled 27700"])
def test_boundaries_that_are_not_places_are_refused(tmp_path, capsys, features, crs, words):
    p = tmp_path / "areas.geojson"
    p.write_text(_geojson(features, crs))
    db = tmp_path / "s.duckdb"
    Store(db).close()
    code, out, err = run_cli(capsys, "ingest", "boundaries", p, "--db", db)
    assert code == 2 and words in err and "Fix:" in err
    assert stored(db, "SELECT count(*) FROM areas")[0][0] == 0
    if "overlap" in words:
        assert "km²" in err
    # the same file as a study area is refused with the same sentence
    code, out, err = run_cli(capsys, "detect", "--method", "count", "--area", p, "--db", db)
    assert code == 2 and "Traceback" not in err


def test_a_real_district_boundary_is_accepted(tmp_path, capsys):
    p = tmp_path / "areas.geojson"
    p.write_text(_geojson([WATFORD, _square(-0.30, 51.70, 0.05, "Hatfield")]))
    db = tmp_path / "s.duckdb"
    code, out, err = run_cli(capsys, "ingest", "boundaries", p, "--db", db, "--json")
    assert code == 0
    km2 = json.loads(out)["areas"]
    # 0.04 degrees square at 51.66 N: 4.45 km x 2.76 km = about 12.3 km²
    assert 11.5 < km2["Watford"] < 13.0


def test_the_store_upgrade_moves_bad_rows_to_the_rejections(tmp_path):
    """A store an older version wrote (layout 1, an infinite row and a 9999-12 row) is upgraded on open."""
    import duckdb

    from geo.schema import INCIDENT_COLUMNS

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    cols = [c for c in INCIDENT_COLUMNS if c.name != "duplicate_id"]
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("CREATE TABLE incidents (" + ", ".join(f"{c.name} {c.sql_type}" for c in cols) + ")")
    from geo.schema import REJECTION_COLUMNS

    con.execute("CREATE TABLE rejections (" + ", ".join(f'"{c.name}" {c.sql_type}' for c in REJECTION_COLUMNS)
                + ", kind VARCHAR, file_key VARCHAR, load_id INTEGER)")
    names = ", ".join(c.name for c in cols)
    base = "'police', 'Herts', 'Burglary', NULL, {m}, NULL, NULL, 'month', {lon}, 51.6, 510000, 196000, {cell}, " \
           "'x', NULL, NULL, NULL, NULL, 'f.csv', {row}, 1"
    for i, (m, lon, cell) in enumerate([("DATE '2021-06-01'", "-0.39", "631210968848744447"),
                                        ("DATE '2021-06-01'", "'inf'", "0"),
                                        ("DATE '9999-12-01'", "-0.39", "631210968848744447")]):
        con.execute(f"INSERT INTO incidents ({names}) VALUES ('id{i}', " + base.format(m=m, lon=lon, cell=cell, row=i + 2) + ")")
    con.close()
    with Store(db) as s:
        assert s.count() == 1
        rej = s.con.execute('SELECT "row", reason FROM rejections ORDER BY "row"').fetchall()
        assert rej == [(3, "bad_coordinates"), (4, "month_out_of_range")]
        assert s.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0] == "2"
    assert np.isfinite(stored(db, "SELECT lon FROM incidents")[0][0])


def test_a_store_from_a_newer_version_is_refused(tmp_path, capsys):
    db = tmp_path / "new.duckdb"
    with Store(db) as s:
        s.con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    code, out, err = run_cli(capsys, "status", "--db", db)
    assert code == 2 and "newer version of Hotspots" in err

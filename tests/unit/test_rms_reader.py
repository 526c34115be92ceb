"""Force records exports through a column mapping: CSV, XLSX, windows, upserts, bad mappings."""

from __future__ import annotations

import pytest

from geo.errors import SettingError
from geo.ingest.rms import ingest_rms
from geo.readers.rms import read_mapping
from geo.store import Store

MAPPING = {
    "source": {"force": "Test Force"},
    "columns": {"id": "Crime Reference", "category": "Crime Type", "subcategory": "Offence",
                "occurred_from": "From", "occurred_to": "To", "easting": "Easting", "northing": "Northing",
                "location": "Location", "weapon": "Weapon"},
    "weapon": {"true_values": ["Y"]},
    "categories": {"Violence": "Violence and sexual offences", "Burglary": "Burglary", "Robbery": "Robbery"},
}
HEADER = "Crime Reference,Crime Type,Offence,From,To,Easting,Northing,Location,Weapon"
ROWS = [
    "41/1,Violence,Assault ABH,05/01/2023 22:15,05/01/2023 22:15,510500,196800,High Street,Y",
    "41/2,Burglary,Burglary dwelling,06/01/2023 08:00,06/01/2023 18:00,510900,197100,Some Road,N",
    "41/3,Robbery,Robbery personal,2023-01-07 23:00,,511000,197000,Market St,",
    "41/4,Violence,Assault,2023-02-03,,511000,197000,Park,",
]


def write_csv(path, rows, header=HEADER, above=()):
    path.write_text("\n".join(list(above) + [header] + list(rows)) + "\n")
    return path


def rows_of(store):
    return {r[0]: r[1:] for r in store.con.execute(
        "SELECT id, category, strftime(occurred_at, '%Y-%m-%d %H:%M'), strftime(occurred_until, '%Y-%m-%d %H:%M'), "
        "time_precision, weapon, strftime(month, '%Y-%m') FROM incidents").fetchall()}


def test_times_windows_and_weapon_flags(tmp_path, store):
    rep = ingest_rms([write_csv(tmp_path / "e.csv", ROWS)], store, MAPPING)
    assert (rep.rows_read, rep.rows_stored, rep.rows_rejected) == (4, 4, 0)
    got = rows_of(store)
    assert got["41/1"] == ("Violence and sexual offences", "2023-01-05 22:15", None, "minute", True, "2023-01")
    assert got["41/2"] == ("Burglary", "2023-01-06 08:00", "2023-01-06 18:00", "window", False, "2023-01")
    assert got["41/3"][1:5] == ("2023-01-07 23:00", None, "minute", None)
    assert got["41/4"][3] == "day" and got["41/4"][5] == "2023-02"


def test_bad_rows_each_get_their_reason(tmp_path, store):
    bad = ["41/5,Violence,x,not a date,,511000,197000,X,",
           "41/6,Burglary,x,09/01/2023 18:00,09/01/2023 08:00,511000,197000,X,",
           "41/1,Violence,repeat,05/01/2023 22:15,,511000,197000,X,",
           "41/7,Fraud,x,05/01/2023,,511000,197000,X,",
           "41/8,Robbery,x,05/01/2023,,,,X,"]
    rep = ingest_rms([write_csv(tmp_path / "e.csv", ROWS + bad)], store, MAPPING)
    assert rep.rows_stored == 4
    assert rep.rejected_by_reason == {"bad_datetime": 1, "duplicate_id": 1, "no_coordinates": 1,
                                      "unknown_category": 1, "window_reversed": 1}
    rej = store.rejections().set_index("reason")
    assert rej.loc["bad_datetime", "column"] == "From" and rej.loc["bad_datetime", "value"] == "not a date"
    assert rej.loc["unknown_category", "value"] == "Fraud"
    assert rej.loc["duplicate_id", "row"] == 8


def test_a_re_export_upserts_by_crime_reference(tmp_path, store):
    ingest_rms([write_csv(tmp_path / "jan.csv", ROWS)], store, MAPPING)
    newer = ["41/2,Burglary,Burglary dwelling (amended),06/01/2023 09:00,06/01/2023 17:00,510900,197100,Some Road,N",
             "41/9,Robbery,Robbery personal,2023-02-07 23:00,,511000,197000,Market St,Y"]
    ingest_rms([write_csv(tmp_path / "feb.csv", newer)], store, MAPPING)
    got = rows_of(store)
    assert len(got) == 5 and got["41/2"][1] == "2023-01-06 09:00"
    ingest_rms([write_csv(tmp_path / "feb.csv", newer)], store, MAPPING)
    assert rows_of(store) == got


def test_without_an_id_column_reloading_is_still_idempotent(tmp_path, store):
    m = {**MAPPING, "columns": {k: v for k, v in MAPPING["columns"].items() if k != "id"}}
    f = write_csv(tmp_path / "e.csv", ROWS + [ROWS[0].replace("41/1", "41/1b")])
    ingest_rms([f], store, m)
    ingest_rms([f], store, m)
    assert store.count() == 5


def test_xlsx_with_title_rows_above_the_table(tmp_path, store):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Violence export"])
    ws.append([])
    ws.append(HEADER.split(","))
    for r in ROWS:
        ws.append([int(v) if v.isdigit() else (v or None) for v in r.split(",")])
    wb.save(tmp_path / "e.xlsx")
    rep = ingest_rms([tmp_path / "e.xlsx"], store, MAPPING)
    assert rep.rows_stored == 4
    assert sorted(r[0] for r in store.con.execute("SELECT source_row FROM incidents").fetchall()) == [4, 5, 6, 7]


def test_latitude_longitude_mapping_and_swapped_columns(tmp_path, store):
    m = {**MAPPING, "columns": {**{k: v for k, v in MAPPING["columns"].items() if k not in ("easting", "northing")},
                                "longitude": "Lon", "latitude": "Lat"}}
    header = HEADER.replace("Easting,Northing", "Lon,Lat")
    good = [r.replace("510500,196800", "-0.396,51.656").replace("510900,197100", "-0.39,51.66")
            .replace("511000,197000", "-0.40,51.65") for r in ROWS]
    assert ingest_rms([write_csv(tmp_path / "ll.csv", good, header)], store, m).rows_stored == 4
    swapped = [r.replace("-0.396,51.656", "51.656,-0.396").replace("-0.39,51.66", "51.66,-0.39")
               .replace("-0.40,51.65", "51.65,-0.40") for r in good]
    rep = ingest_rms([write_csv(tmp_path / "sw.csv", swapped, header)], store, m)
    assert rep.rows_stored == 0 and "swapped" in rep.failed[0]["error"]


def test_bng_mapped_as_longitude_latitude_is_refused(tmp_path, store):
    m = {**MAPPING, "columns": {**{k: v for k, v in MAPPING["columns"].items() if k not in ("easting", "northing")},
                                "longitude": "Easting", "latitude": "Northing"}}
    rep = ingest_rms([write_csv(tmp_path / "e.csv", ROWS)], store, m)
    assert rep.rows_stored == 0 and rep.rows_rejected == 4
    assert "map these columns as easting and northing" in rep.failed[0]["error"].lower()


def test_missing_mapped_column_is_named(tmp_path, store):
    rep = ingest_rms([write_csv(tmp_path / "e.csv", [r + ",x" for r in ROWS], HEADER.replace("Offence", "Offense") + ",Extra")],
                     store, MAPPING)
    assert "'Offence'" in rep.failed[0]["error"] and "Did you mean 'Offense'?" in rep.failed[0]["error"]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["source"].pop("force"), "which force"),
    (lambda d: d["columns"].pop("category"), "no category column"),
    (lambda d: d["columns"].update(colour="Red"), "unknown field"),
    (lambda d: d["categories"].update(Fraud="Fraud"), "not a police.uk crime type"),
    (lambda d: [d["columns"].pop(k) for k in ("occurred_from", "occurred_to")], "no date-time column"),
])
def test_bad_mappings_say_what_to_change(change, message):
    import copy

    d = copy.deepcopy(MAPPING)
    change(d)
    with pytest.raises(SettingError, match=message):
        read_mapping(d)


def test_mapping_file_errors(tmp_path):
    with pytest.raises(SettingError, match="does not exist"):
        read_mapping(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_text("[columns\n")
    with pytest.raises(SettingError, match="not valid TOML"):
        read_mapping(tmp_path / "bad.toml")


def test_two_overlapping_exports_loaded_together(tmp_path, store):
    a = write_csv(tmp_path / "a.csv", ROWS)
    b = write_csv(tmp_path / "b.csv", [ROWS[1], ROWS[2]])  # repeats two crimes of a
    rep = ingest_rms([a, b], store, MAPPING)
    assert rep.rejected_by_reason == {} and store.count() == 4  # no false duplicates across files
    m = {**MAPPING, "columns": {k: v for k, v in MAPPING["columns"].items() if k != "id"}}
    with Store(tmp_path / "noid.duckdb") as s2:
        ingest_rms([a, b], s2, m)
        together = s2.count()
    with Store(tmp_path / "noid2.duckdb") as s3:
        ingest_rms([a], s3, m)
        ingest_rms([b], s3, m)
        assert together == s3.count() == 4


def test_a_clean_export_keeps_an_earlier_exports_rejected_rows(tmp_path, store):
    ingest_rms([write_csv(tmp_path / "a.csv", ROWS + ["41/9,Fraud,x,2023-01-09,,511000,197000,X,"])], store, MAPPING)
    assert len(store.rejections()) == 1
    ingest_rms([write_csv(tmp_path / "b.csv", [ROWS[0]])], store, MAPPING)  # January again, all clean
    assert store.rejections()["value"].tolist() == ["Fraud"]


def test_xlsx_date_only_cells_are_days_not_midnight(tmp_path, store):
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["41/1", "Violence", "x", dt.datetime(2023, 1, 5), None, 510500, 196800, "High St", "Y"])
    ws.append(["41/2", "Violence", "x", dt.datetime(2023, 1, 5, 22, 15), None, 510500, 196800, "High St", "Y"])
    wb.save(tmp_path / "d.xlsx")
    ingest_rms([tmp_path / "d.xlsx"], store, MAPPING)
    assert dict(store.con.execute("SELECT id, time_precision FROM incidents").fetchall()) == {"41/1": "day",
                                                                                             "41/2": "minute"}

"""police.uk readers on hand-made files: every bad input gets a reason and loses nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from geo.ingest.police import ingest_police
from tests.conftest import STREET_HEADER, street_csv, street_row, watford_rows


def load(tmp_path, store, files: dict[str, bytes | str], **kw):
    paths = []
    for name, content in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        paths.append(p)
    return ingest_police(paths, store, **kw)


def test_clean_file_is_stored_whole(tmp_path, store):
    rep = load(tmp_path, store, {"2021-06-hertfordshire-street.csv": street_csv(watford_rows(12))})
    assert (rep.rows_read, rep.rows_stored, rep.rows_rejected) == (12, 12, 0)
    assert store.count() == 12
    row = store.con.execute("SELECT force, category, month, time_precision, source_row, h3_11 > 0, "
                            "round(easting), round(northing) FROM incidents ORDER BY source_row LIMIT 1").fetchall()[0]
    assert row[:5] == ("Hertfordshire Constabulary", "Burglary", __import__("datetime").date(2021, 6, 1), "month", 2)
    assert row[5] is True
    # Watford High Street is about (511080, 196400) on the National Grid
    assert abs(row[6] - 511080) < 500 and abs(row[7] - 196400) < 500


def test_rows_without_coordinates_and_bad_values_are_listed(tmp_path, store):
    rows = watford_rows(3) + [
        street_row(crime_id="nocoord", lon="", lat=""),
        street_row(crime_id="text", lon="west", lat="51.6"),
        street_row(crime_id="month", month="June 2021"),
        street_row(crime_id="typo", crime_type="Burglry"),
    ]
    rep = load(tmp_path, store, {"f-street.csv": street_csv(rows)})
    assert rep.rows_read == 7 and rep.rows_stored == 3 and rep.rows_rejected == 4
    assert rep.rejected_by_reason == {"bad_coordinates": 1, "bad_month": 1, "no_coordinates": 1, "unknown_category": 1}
    rej = store.rejections().set_index("row")
    # rows as a spreadsheet numbers them: header is row 1, first data row is 2
    assert rej.loc[5, "reason"] == "no_coordinates"
    assert rej.loc[6, "column"] == "Longitude" and rej.loc[6, "value"] == "west"
    assert rej.loc[7, "column"] == "Month" and rej.loc[7, "value"] == "June 2021"
    assert "did you mean 'Burglary'?" in rej.loc[8, "message"]
    assert rej["fix"].str.len().min() > 10


def test_empty_file_is_refused_with_a_sentence(tmp_path, store):
    rep = load(tmp_path, store, {"empty.csv": "", "good-street.csv": street_csv(watford_rows(2))})
    failed = rep.failed
    assert len(failed) == 1 and "empty" in failed[0]["error"]
    assert rep.rows_stored == 2  # the other file still loads


def test_missing_column_names_it_and_lists_every_row(tmp_path, store):
    header = [("Crime category" if h == "Crime type" else h) for h in STREET_HEADER]
    rep = load(tmp_path, store, {"bad-street.csv": street_csv(watford_rows(5), header=header)})
    assert rep.rows_read == 5 and rep.rows_stored == 0 and rep.rows_rejected == 5
    err = rep.failed[0]["error"]
    assert "'Crime type'" in err and "Did you mean 'Crime category'?" in err
    assert set(store.rejections()["reason"]) == {"file_rejected"}


def test_renamed_columns_differing_in_case_and_underscores_are_accepted(tmp_path, store):
    header = [h.upper().replace(" ", "_") for h in STREET_HEADER]
    rep = load(tmp_path, store, {"x-street.csv": street_csv(watford_rows(4), header=header)})
    assert rep.rows_stored == 4


def test_utf8_bom_is_ignored(tmp_path, store):
    rep = load(tmp_path, store, {"bom-street.csv": "\ufeff" + street_csv(watford_rows(3))})
    assert rep.rows_stored == 3 and not rep.failed


def test_cp1252_text_is_read_not_mangled(tmp_path, store):
    rows = watford_rows(2)
    rows[0][6] = "On or near Café Rouge £5 – “quoted”"
    data = street_csv(rows).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rep = load(tmp_path, store, {"cp-street.csv": data})
    assert rep.rows_stored == 2
    assert any("cp1252" in n for n in rep.files[0]["notes"])
    locs = {r[0] for r in store.con.execute("SELECT location FROM incidents").fetchall()}
    assert "On or near Café Rouge £5 – “quoted”" in locs


def test_excel_export_with_lines_above_the_header(tmp_path, store):
    text = street_csv(watford_rows(3), above=["Hertfordshire crime export", "Run on 01/07/2021,,", ""])
    rep = load(tmp_path, store, {"excel-street.csv": text})
    assert rep.rows_stored == 3
    # the header is on line 4 (a blank line counts), so data rows are 5, 6, 7
    assert [r[0] for r in store.con.execute("SELECT source_row FROM incidents ORDER BY 1").fetchall()] == [5, 6, 7]


def test_swapped_latitude_longitude_refuses_the_file(tmp_path, store):
    rows = [street_row(crime_id=str(i), lon="51.656", lat="-0.396") for i in range(5)]
    rep = load(tmp_path, store, {"sw-street.csv": street_csv(rows)})
    assert rep.rows_stored == 0 and rep.rows_rejected == 5
    assert "swapped" in rep.failed[0]["error"] and "Swap the two columns" in rep.failed[0]["error"]


def test_a_few_swapped_rows_are_rejected_row_by_row(tmp_path, store):
    rows = watford_rows(6) + [street_row(crime_id="sw", lon="51.656", lat="-0.396")]
    rep = load(tmp_path, store, {"sw-street.csv": street_csv(rows)})
    assert rep.rows_stored == 6 and rep.rejected_by_reason == {"coordinates_swapped": 1}


def test_bng_in_longitude_latitude_columns_refuses_the_file(tmp_path, store):
    rows = [street_row(crime_id=str(i), lon="510900", lat="196500") for i in range(4)]
    rep = load(tmp_path, store, {"bng-street.csv": street_csv(rows)})
    assert rep.rows_stored == 0
    assert "British National Grid" in rep.failed[0]["error"] and "easting" in rep.failed[0]["error"]


def test_ragged_row_is_reported_not_lost(tmp_path, store):
    text = street_csv(watford_rows(3))
    lines = text.split("\r\n")
    lines.insert(2, "only,three,cells")
    rep = load(tmp_path, store, {"r-street.csv": "\r\n".join(lines)})
    assert rep.rows_read == 4 and rep.rows_stored == 3 and rep.rejected_by_reason == {"bad_row": 1}
    assert store.rejections()["row"].tolist() == [3]
    assert sorted(r[0] for r in store.con.execute("SELECT source_row FROM incidents").fetchall()) == [2, 4, 5]


def test_html_in_location_is_stored_as_plain_text(tmp_path, store):
    rows = watford_rows(2)
    rows[0][6] = "<img src=x onerror=alert(1)>"
    load(tmp_path, store, {"h-street.csv": street_csv(rows)})
    assert store.con.execute("SELECT count(*) FROM incidents WHERE location = '<img src=x onerror=alert(1)>'").fetchall()[0][0] == 1


def test_file_that_is_not_police_data_is_refused(tmp_path, store):
    rep = load(tmp_path, store, {"other.csv": "name,value\na,1\nb,2\n"})
    assert rep.failed and "no header row" in rep.failed[0]["error"]


def test_asb_rows_get_stable_ids_from_file_and_row(tmp_path, store):
    rows = [street_row(crime_type="Anti-social behaviour") for _ in range(3)]
    load(tmp_path, store, {"2021-06-hertfordshire-street.csv": street_csv(rows)})
    ids = [r[0] for r in store.con.execute("SELECT id FROM incidents ORDER BY source_row").fetchall()]
    assert ids == [f"row:2021-06-hertfordshire-street.csv:{r}" for r in (2, 3, 4)]


def test_zip_of_monthly_folders_loads_like_loose_files(tmp_path):
    from geo.store import Store

    files = {f"2021-0{m}/2021-0{m}-hertfordshire-street.csv": street_csv(watford_rows(5, month=f"2021-0{m}"))
             for m in (1, 2, 3)}
    loose = tmp_path / "loose"
    for name, text in files.items():
        (loose / name).parent.mkdir(parents=True, exist_ok=True)
        (loose / name).write_text(text)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    (tmp_path / "bulk.zip").write_bytes(buf.getvalue())
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        ra = ingest_police([loose], a)
        rb = ingest_police([tmp_path / "bulk.zip"], b)
        assert ra.rows_stored == rb.rows_stored == 15
        assert a.status().equals(b.status())
        assert rb.files[0]["file"].endswith("bulk.zip!2021-01/2021-01-hertfordshire-street.csv")


def test_a_named_path_is_stored_and_reported_under_its_name(tmp_path, store):
    """An upload's temporary copy (file, folder or zip) is named as the user knows it, and the load
    log keeps the SHA-256 of the exact bytes read (checked against hashlib on the same bytes)."""
    import hashlib

    from geo.readers.common import NamedPath, discover

    text = street_csv(watford_rows(4))
    tmp = tmp_path / "hotspots-upload-x1"
    (tmp / "sub").mkdir(parents=True)
    (tmp / "2021-06-hertfordshire-street.csv").write_text(text)
    (tmp / "sub" / "2021-07-hertfordshire-street.csv").write_text(street_csv(watford_rows(2, month="2021-07")))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("2021-08/2021-08-hertfordshire-street.csv", street_csv(watford_rows(3, month="2021-08")))
    (tmp / "b.zip").write_bytes(buf.getvalue())
    assert [f.name for f in discover([NamedPath(tmp / "2021-06-hertfordshire-street.csv", "june.csv"),
                                      NamedPath(tmp / "sub", "my folder"), NamedPath(tmp / "b.zip", "bulk.zip")])] == [
        "june.csv", "my folder/2021-07-hertfordshire-street.csv", "bulk.zip!2021-08/2021-08-hertfordshire-street.csv"]
    # a plain path keeps its path
    assert discover([tmp / "b.zip"])[0].name == f"{tmp / 'b.zip'}!2021-08/2021-08-hertfordshire-street.csv"

    rep = ingest_police([NamedPath(tmp / "2021-06-hertfordshire-street.csv", "2021-06-hertfordshire-street.csv")],
                        store)
    assert rep.files[0]["file"] == "2021-06-hertfordshire-street.csv"
    got = store.con.execute("SELECT DISTINCT source_file FROM incidents").fetchall()
    assert got == [("2021-06-hertfordshire-street.csv",)]
    assert store.con.execute("SELECT file, sha256 FROM loads").fetchall() == [
        ("2021-06-hertfordshire-street.csv", hashlib.sha256(text.encode()).hexdigest())]


def test_named_paths_copy_pickle_sort_and_refused_files_keep_their_hash(tmp_path, store):
    import copy
    import hashlib
    import pickle

    from geo.readers.common import NamedPath

    a, b = NamedPath(tmp_path / "b.csv", "b.csv"), NamedPath(tmp_path / "a.csv", "z.csv")
    for c in (copy.copy(a), copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
        assert c == a and c.display_name == "b.csv" and c.path == a.path
    assert sorted([a, b]) == [b, a] and len({a, copy.copy(a), b}) == 2
    # a file refused before its table is read (empty; no header) still has its bytes' SHA-256 in the load log
    empty = tmp_path / "2021-03-hertfordshire-street.csv"
    empty.write_bytes(b"")
    headless = tmp_path / "2021-04-hertfordshire-street.csv"
    headless.write_bytes(b"just,some\nother,file\n")
    rep = ingest_police([empty, headless], store)
    assert [f["status"] for f in rep.files] == ["failed", "failed"]
    got = dict(store.con.execute("SELECT file_key, sha256 FROM loads").fetchall())
    assert got == {empty.name: hashlib.sha256(b"").hexdigest(),
                   headless.name: hashlib.sha256(b"just,some\nother,file\n").hexdigest()}


def test_stop_and_search_is_its_own_source(tmp_path, store):
    text = ("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,"
            "Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,"
            "Outcome linked to object of search,Removal of more than just outer clothing\r\n"
            "Person search,2016-07-01T00:54:00+00:00,,,51.766877,-0.321526,Male,18-24,,White,"
            "Police and Criminal Evidence Act 1984 (section 1),Offensive weapons,Arrest,True,\r\n"
            "Person search,2016-07-01T01:45:00+00:00,,,,,Male,over 34,,White,PACE,Controlled drugs,"
            "Nothing found - no further action,False,\r\n")
    rep = load(tmp_path, store, {"2016-07-hertfordshire-stop-and-search.csv": text})
    assert (rep.rows_stored, rep.rejected_by_reason) == (1, {"no_coordinates": 1})
    row = store.con.execute("SELECT source, force, category, subcategory, occurred_at, time_precision "
                            "FROM incidents").fetchall()[0]
    assert row[:4] == ("stop_search", "Hertfordshire Constabulary", "Stop and search", "Offensive weapons")
    # 00:54 UTC on 1 July is 01:54 British Summer Time
    assert str(row[4]) == "2016-07-01 01:54:00" and row[5] == "minute"


def test_stop_and_search_late_evening_row_stays_in_its_files_month(tmp_path, store):
    head = ("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,"
            "Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,"
            "Outcome linked to object of search,Removal of more than just outer clothing\r\n")

    def row(date):
        return f"Person search,{date},,,51.766877,-0.321526,Male,18-24,,White,PACE,Offensive weapons,Arrest,True,\r\n"

    july = head + "".join(row(f"2021-07-{d:02d}T12:00:00+00:00") for d in range(1, 8))
    # 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time
    june = head + "".join(row(f"2021-06-{d:02d}T12:00:00+00:00") for d in range(1, 6)) + row("2021-06-30T23:30:00+00:00")
    for order in (("july", "june"), ("june", "july")):
        for name in order:
            load(tmp_path / name, store, {f"2021-{'07' if name == 'july' else '06'}-hertfordshire-stop-and-search.csv":
                                          july if name == "july" else june})
        months = dict(store.con.execute("SELECT strftime(month, '%Y-%m'), count(*) FROM incidents "
                                        "WHERE source = 'stop_search' GROUP BY 1").fetchall())
        assert months == {"2021-06": 6, "2021-07": 7}, order
        late = store.con.execute("SELECT strftime(occurred_at, '%Y-%m-%d %H:%M') FROM incidents "
                                 "WHERE source = 'stop_search' ORDER BY occurred_at DESC LIMIT 1 OFFSET 7").fetchall()
        assert late == [("2021-07-01 00:30",)]  # local time kept for time-of-day analysis

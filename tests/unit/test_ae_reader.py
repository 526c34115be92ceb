"""The ISTV (A&E) reader and loader: columns, header blocks, bad rows, codes, reloads, the records table.

Located rows use full postcodes, whose Code-Point Open coordinates are known (AL1 1AG: 515487, 206498;
SG1 2AD: 523104, 224196; WD17 1AA: 510867, 196557), so every count below is worked out by hand.
"""

import csv
import io
import json

import pytest

from geo.ingest.ae import ingest_ae, save_fix, sync_incidents, unmatched
from geo.errors import SettingError
from geo.readers.ae import DEFAULT_CODES_TOML, read_codes
from geo.store import Store

COLUMNS = ["Reporting Period Start Date", "Reporting Period End Date", "Site Code", "Arrival Date and Time",
           "Assault Date and Time", "Assault Method", "Assault Method Other Description", "Assault Location Type",
           "Assault Location Description"]
RECORD_COLUMNS = COLUMNS[3:]


def rec(assault="2023-01-10 22:15", arrival="2023-01-10 23:00", method="01", other="", loc_type="01",
        desc="AL1 1AG"):
    return [arrival, assault, method, other, loc_type, desc]


def istv_csv(records, site="RWH01", start="2023-01-01", end="2023-01-31", bom=False, block=False) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if block:  # the header fields as a block of lines above the table
        w.writerow(["ISTV submission"])
        w.writerow(["Site Code", site])
        w.writerow(["Reporting Period Start Date: " + start])
        w.writerow(["Reporting Period End Date", end])
        w.writerow([])
        w.writerow(RECORD_COLUMNS)
        w.writerows(records)
    else:
        w.writerow(COLUMNS)
        w.writerows([[start, end, site, *r] for r in records])
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def ae_rows(store, what="count(*)", tail=""):
    return store.con.execute(f"SELECT {what} FROM incidents WHERE source = 'ae' {tail}").fetchall()


def test_a_good_file_is_stored_with_the_contract_columns(tmp_path, store):
    p = write(tmp_path, "jan.csv", istv_csv([
        rec(method="03", desc="AL1 1AG"),
        rec(method="01", desc="near SG1 2AD", assault="2023-01-11 01:05", arrival="2023-01-11 02:00"),
        rec(method="99", desc="at home"),
        rec(method="06", other="struck with a chair", desc="wd171aa", loc_type="02"),
    ]))
    out = ingest_ae([p], store).to_dict()
    assert (out["rows_read"], out["rows_stored"], out["rows_rejected"]) == (4, 3, 1)
    assert out["located"] == 3 and out["not_located"] == 1 and out["rejected_by_reason"] == {"not_located": 1}
    assert out["by_precision"] == {"postcode": 3, "venue": 0, "street": 0, "area": 0}
    rows = store.con.execute("""SELECT force, category, subcategory, weapon, strftime(month, '%Y-%m'),
        strftime(occurred_at, '%Y-%m-%d %H:%M'), time_precision, easting, northing, location, source_file, source_row
        FROM incidents WHERE source = 'ae' ORDER BY source_row""").fetchall()
    assert rows == [
        ("RWH01", "A&E assault", "knife/sharp", True, "2023-01", "2023-01-10 22:15", "minute", 515487.0, 206498.0,
         None, str(p), 2),
        ("RWH01", "A&E assault", "body", False, "2023-01", "2023-01-11 01:05", "minute", 523104.0, 224196.0,
         None, str(p), 3),
        ("RWH01", "A&E assault", "other", True, "2023-01", "2023-01-10 22:15", "minute", 510867.0, 196557.0,
         None, str(p), 5),
    ]
    r = store.con.execute("""SELECT source_row, method, weapon_class, method_other, location_type, description,
        precision, confidence, matched, located, strftime(month, '%Y-%m') FROM ae_records ORDER BY source_row""").fetchall()
    assert r[2] == (4, "Unknown", "unknown", None, "Street or public place", "at home", None, None, None, False, "2023-01")
    assert r[3] == (5, "Other", "other", "struck with a chair", "Licensed premises (pub, bar, club)", "wd171aa",
                    "postcode", 1.0, "WD17 1AA", True, "2023-01")
    assert r[1][6:9] == ("postcode", 0.9, "SG1 2AD")
    rej = store.rejections("jan.csv")
    assert rej[["row", "column", "value", "reason"]].values.tolist() == [
        [4, "Assault Location Description", "at home", "not_located"]]


def test_bad_rows_are_listed_with_their_column_value_and_reason(tmp_path, store):
    p = write(tmp_path, "bad.csv", istv_csv([
        rec(),                                        # good
        rec(assault="2023-13-45 25:00"),              # bad date-time
        rec(assault=""),                              # mandatory, blank
        rec(arrival="yesterday"),                     # arrival given but unreadable
        rec(method="42"),                             # not a method code
        rec(loc_type="X"),                            # not a location type
        rec(method=""),                               # mandatory, blank
        rec(assault="10/01/2023 22:15", method="3"),  # a UK date and a code without its zero: fine
        rec(method="Knife or sharp object"),          # the label instead of the code: fine
    ]))
    out = ingest_ae([p], store).to_dict()
    assert out["rows_read"] == 9 == out["rows_stored"] + out["rows_rejected"]
    assert out["rows_stored"] == 3
    rej = store.rejections("bad.csv")[["row", "column", "value", "reason"]].fillna("").values.tolist()
    assert rej == [
        [3, "Assault Date and Time", "2023-13-45 25:00", "bad_datetime"],
        [4, "Assault Date and Time", "", "missing_value"],
        [5, "Arrival Date and Time", "yesterday", "bad_datetime"],
        [6, "Assault Method", "42", "bad_code"],
        [7, "Assault Location Type", "X", "bad_code"],
        [8, "Assault Method", "", "missing_value"],
    ]
    msg = store.rejections("bad.csv").set_index("row").loc[6, "message"]
    assert msg.startswith("'42' is not in the code list")
    assert ae_rows(store, "count(*) FILTER (WHERE subcategory = 'knife/sharp')") == [(2,)]


def test_a_missing_column_refuses_the_file_naming_it(tmp_path, store):
    text = istv_csv([rec()]).decode().replace("Assault Method,", "Assault Weapon,", 1)
    p = write(tmp_path, "cols.csv", text.encode())
    out = ingest_ae([p], store).to_dict()
    assert out["files_failed"] == 1 and out["rows_stored"] == 0
    err = out["file_report"][0]["error"]
    assert "column 'Assault Method'" in err and "Did you mean 'Assault Weapon'?" in err
    assert "Rename the column" in err


def test_a_header_block_above_the_table_and_a_bom_are_read(tmp_path, store):
    p = write(tmp_path, "block.csv", istv_csv([rec(), rec(desc="SG1 2AD")], site="RWG02", block=True, bom=True))
    out = ingest_ae([p], store).to_dict()
    assert out["rows_stored"] == 2 and out["files_failed"] == 0
    assert ae_rows(store, "DISTINCT force") == [("RWG02",)]
    assert out["file_report"][0]["notes"][0].startswith("5 line(s) above the header")
    assert out["file_report"][0]["rows_read"] == 2 and store.rejections("block.csv").empty


def test_an_xlsx_with_rows_above_the_header(tmp_path, store):
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Information Sharing to Tackle Violence"])
    ws.append(["Site Code", "RWH01"])
    ws.append(["Reporting Period Start Date", dt.datetime(2023, 1, 1)])
    ws.append(["Reporting Period End Date", dt.datetime(2023, 1, 31)])
    ws.append(RECORD_COLUMNS)
    ws.append([dt.datetime(2023, 1, 10, 23, 0), dt.datetime(2023, 1, 10, 22, 15), 3, None, 1, "AL1 1AG"])
    ws.append([dt.datetime(2023, 1, 12, 1, 0), dt.datetime(2023, 1, 12, 0, 30), 1, None, 2, "at a party"])
    p = tmp_path / "sub.xlsx"
    wb.save(p)
    out = ingest_ae([p], store).to_dict()
    assert (out["rows_read"], out["rows_stored"], out["rows_rejected"]) == (2, 1, 1)
    assert store.rejections("sub.xlsx")["row"].tolist() == [7]  # as the spreadsheet numbers it
    assert ae_rows(store, "subcategory, strftime(occurred_at, '%H:%M')") == [("knife/sharp", "22:15")]


def test_a_file_without_a_site_code_is_refused(tmp_path, store):
    buf = io.StringIO()
    csv.writer(buf).writerows([RECORD_COLUMNS, rec()])
    p = write(tmp_path, "nosite.csv", buf.getvalue().encode())
    out = ingest_ae([p], store).to_dict()
    assert out["files_failed"] == 1 and "no treatment site" in out["file_report"][0]["error"]


def test_arrival_before_assault_is_kept_with_a_note(tmp_path, store):
    p = write(tmp_path, "swap.csv", istv_csv([rec(assault="2023-01-10 23:00", arrival="2023-01-10 22:15"), rec()]))
    out = ingest_ae([p], store).to_dict()
    assert out["rows_stored"] == 2
    assert any(n.startswith("1 record(s) arrive at A&E before the assault") for n in out["file_report"][0]["notes"])


def test_reloading_changes_nothing_and_a_corrected_period_replaces(tmp_path, store):
    recs = [rec(desc="AL1 1AG"), rec(desc="AL1 1AG"), rec(desc="SG1 2AD", method="02"), rec(desc="at home")]
    p = write(tmp_path, "jan.csv", istv_csv(recs))
    ingest_ae([p], store)
    snapshot = lambda: (ae_rows(store, "id, easting, subcategory", "ORDER BY id"),  # noqa: E731
                        store.con.execute("SELECT count(*) FROM ae_records").fetchall(),
                        store.con.execute("SELECT count(*) FROM rejections").fetchall())
    first = snapshot()
    assert len(first[0]) == 3 and len({i for i, _, _ in first[0]}) == 3  # two identical rows: two ids
    ingest_ae([p], store)
    assert snapshot() == first
    # a corrected submission for the same site and period, under another name, with one record fewer
    q = write(tmp_path, "jan-corrected.csv", istv_csv(recs[1:]))
    ingest_ae([q], store)
    assert len(ae_rows(store, "id")) == 2
    assert store.con.execute("SELECT count(*) FROM ae_records").fetchall() == [(3,)]
    assert store.con.execute("SELECT count(*) FROM rejections").fetchall() == [(1,)]
    # another site's month is left alone
    r = write(tmp_path, "other.csv", istv_csv([rec()], site="RWG02"))
    ingest_ae([r], store)
    assert ae_rows(store, "force, count(*)", "GROUP BY force ORDER BY force") == [("RWG02", 1), ("RWH01", 2)]


def test_an_assault_reported_in_the_next_period_survives_reloads_in_any_order(tmp_path, store):
    jan = write(tmp_path, "jan.csv", istv_csv([rec(assault="2023-01-15 22:00", arrival="2023-01-15 23:00")]))
    feb = write(tmp_path, "feb.csv", istv_csv(
        [rec(assault="2023-01-31 23:50", arrival="2023-02-01 00:30", desc="SG1 2AD"),
         rec(assault="2023-02-03 21:00", arrival="2023-02-03 21:30", desc="WD17 1AA")],
        start="2023-02-01", end="2023-02-28"))
    for order in ([jan, feb], [feb, jan], [jan], [feb], [jan, feb, jan]):
        for f in order:
            ingest_ae([f], store)
        got = ae_rows(store, "strftime(month, '%Y-%m'), easting", "ORDER BY easting")
        assert got == [("2023-02", 510867.0), ("2023-01", 515487.0), ("2023-01", 523104.0)], order
    # the Feb record of a January assault is reported in February (the partition its period replaces)
    assert store.con.execute("SELECT strftime(month, '%Y-%m') FROM ae_records WHERE easting = 523104").fetchall() \
        == [("2023-02",)]
    assert sync_incidents(store) == 0


def test_a_fix_moves_the_records_and_is_remembered(tmp_path, store):
    p = write(tmp_path, "jan.csv", istv_csv([rec(desc="The Old Mill, Pond Lane"), rec(desc="the old mill, pond lane."),
                                             rec(desc="at home")]))
    ingest_ae([p], store)
    assert ae_rows(store) == [(0,)]
    un = unmatched(store)
    assert un[["key", "records"]].values.tolist() == [["the old mill, pond lane", 2], ["at home", 1]]
    with pytest.raises(SettingError, match="not in OS Code-Point Open"):
        save_fix(store, "The Old Mill, Pond Lane", postcode="AL1 0ZZ")
    with pytest.raises(SettingError, match="one answer"):
        save_fix(store, "The Old Mill, Pond Lane", postcode="AL1 1AG", easting=1, northing=2)
    result = save_fix(store, "The Old Mill, Pond Lane", postcode="al11ag")
    assert result == {"key": "the old mill, pond lane", "label": "AL1 1AG", "precision": "postcode",
                      "records": 2, "moved": 2}
    assert ae_rows(store, "easting, northing") == [(515487.0, 206498.0)] * 2
    assert store.rejections("jan.csv")["value"].tolist() == ["at home"]
    # a later load of the same description uses the fix
    q = write(tmp_path, "feb.csv", istv_csv([rec(assault="2023-02-02 20:00", arrival="2023-02-02 21:00",
                                                 desc="THE OLD MILL, POND LANE")], start="2023-02-01", end="2023-02-28"))
    out = ingest_ae([q], store).to_dict()
    assert out["located"] == 1 and ae_rows(store) == [(3,)]
    # coordinates by hand
    save_fix(store, "at home", easting=520000, northing=210000)
    assert ae_rows(store, "count(*) FILTER (WHERE easting = 520000)") == [(1,)]
    with pytest.raises(SettingError, match="not in Great Britain"):
        save_fix(store, "at home", easting=900000, northing=210000)


def test_codes_files_are_checked_and_accept_the_samples_class_names(tmp_path):
    import tomllib

    doc = tomllib.loads(DEFAULT_CODES_TOML)
    doc["assault_method_weapon_class"].update({"01": "none", "03": "knife", "04": "glass", "02": "blunt"})
    c = read_codes(doc)
    assert c.weapon_class == read_codes().weapon_class
    del doc["assault_method_weapon_class"]["05"]
    with pytest.raises(SettingError, match="Method code '05' has no weapon class"):
        read_codes(doc)
    with pytest.raises(SettingError, match="does not exist"):
        read_codes(tmp_path / "nope.toml")


def test_the_cli_prints_the_located_share(tmp_path, capsys):
    from hotspots.cli import main

    p = write(tmp_path, "jan.csv", istv_csv([rec(), rec(desc="near SG1 2"), rec(desc="at home")]))
    db = str(tmp_path / "cli.duckdb")
    assert main(["ingest", "ae", str(p), "--db", db, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"rows_read", "rows_stored", "rows_rejected", "rejected_by_reason", "files", "months"} <= set(out)
    assert (out["located"], out["not_located"]) == (2, 1)
    assert out["by_precision"] == {"postcode": 1, "venue": 0, "street": 0, "area": 1}
    assert main(["ingest", "ae", str(p), "--db", db]) == 0
    text = capsys.readouterr().out
    assert "Located: 2 of 3 records (66.7 %)" in text and "at home" not in text  # no free text printed


def test_removing_the_ae_source_removes_its_records_and_free_text(tmp_path, store):
    p = write(tmp_path, "jan.csv", istv_csv([rec(desc="AL1 1AG"), rec(desc="at home")]))
    ingest_ae([p], store)
    assert store.con.execute("SELECT count(*) FROM ae_records").fetchall()[0][0] == 2
    assert store.remove("ae", force="RWH01") == 1
    assert ae_rows(store) == [(0,)]
    # nothing of the file is left: no records (with their free text), no rejections
    assert store.con.execute("SELECT count(*) FROM ae_records").fetchall()[0][0] == 0
    assert len(store.rejections("jan.csv")) == 0
    assert unmatched(store).empty
    # and a later load of the same file brings back exactly its rows, once
    ingest_ae([p], store)
    assert ae_rows(store) == [(1,)]
    assert store.con.execute("SELECT count(*) FROM ae_records").fetchall()[0][0] == 2


def test_a_crash_right_after_a_files_commit_leaves_no_assault_missing(tmp_path, store, monkeypatch):
    # the Feb file reports a January assault (SG1 2AD); reloading January deletes January's incidents, so the
    # one the Feb file brought must be put back inside January's own transaction, not in a later one
    jan = write(tmp_path, "jan.csv", istv_csv([rec(assault="2023-01-15 22:00", arrival="2023-01-15 23:00")]))
    feb = write(tmp_path, "feb.csv", istv_csv(
        [rec(assault="2023-01-31 23:50", arrival="2023-02-01 00:30", desc="SG1 2AD"),
         rec(assault="2023-02-03 21:00", arrival="2023-02-03 21:30", desc="WD17 1AA")],
        start="2023-02-01", end="2023-02-28"))
    ingest_ae([jan, feb], store)
    expected = [("2023-02", 510867.0), ("2023-01", 515487.0), ("2023-01", 523104.0)]
    assert ae_rows(store, "strftime(month, '%Y-%m'), easting", "ORDER BY easting") == expected
    original = Store.write

    def write_then_die(self, unit):
        original(self, unit)
        raise KeyboardInterrupt("killed just after the file's commit")

    monkeypatch.setattr(Store, "write", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        ingest_ae([jan], store)
    monkeypatch.undo()
    assert ae_rows(store, "strftime(month, '%Y-%m'), easting", "ORDER BY easting") == expected
    # and a failure inside the file's transaction (after the rows and the sync) leaves the store as it was
    monkeypatch.setattr(Store, "_before_commit", lambda self: (_ for _ in ()).throw(RuntimeError("disk full")))
    q = write(tmp_path, "jan-corrected.csv", istv_csv([rec(assault="2023-01-15 22:00", arrival="2023-01-15 23:00",
                                                           desc="WD17 1AA")]))
    with pytest.raises(RuntimeError):
        ingest_ae([q], store)
    assert ae_rows(store, "strftime(month, '%Y-%m'), easting", "ORDER BY easting") == expected


def test_a_fix_of_a_description_longer_than_the_listed_value_clears_its_listing(tmp_path, store):
    long = ("behind the old garages where the lane bends " * 15).strip()  # 659 characters; listings keep 500
    p = write(tmp_path, "jan.csv", istv_csv([rec(desc=long), rec(desc=long), rec(desc="at home")]))
    ingest_ae([p], store)
    listed = store.rejections("jan.csv")
    assert sorted(listed["value"].str.len()) == [7, 500, 500]
    assert store.con.execute("SELECT max(length(description)) FROM ae_records").fetchall() == [(len(long),)]
    result = save_fix(store, long, postcode="SG1 2AD")
    assert (result["records"], result["moved"]) == (2, 2)
    assert ae_rows(store, "easting, northing") == [(523104.0, 224196.0)] * 2
    # once placed, the long description is no longer listed as not stored; "at home" still is
    assert store.rejections("jan.csv")["value"].tolist() == ["at home"]
    status = store.status()
    assert (int(status["rows"].sum()), int(status["rejected"].sum())) == (2, 1)


def test_forgetting_the_fixes_after_removing_the_ae_source(tmp_path, store):
    from geo.ingest.ae import drop_fixes, fixes

    p = write(tmp_path, "jan.csv", istv_csv([rec(desc="The Old Mill, Pond Lane"), rec(desc="at home")]))
    ingest_ae([p], store)
    save_fix(store, "The Old Mill, Pond Lane", postcode="AL1 1AG")
    save_fix(store, "at home", easting=520000, northing=210000)
    store.remove("ae")
    assert len(fixes(store)) == 2  # removing the records alone keeps the answers (for a reload)
    assert drop_fixes(store) == 2
    assert len(fixes(store)) == 0 and store.con.execute("SELECT count(*) FROM ae_fixes").fetchall() == [(0,)]
    # the descriptions' text is gone with them: a reload places neither, and lists both to fix again
    out = ingest_ae([p], store).to_dict()
    assert (out["located"], out["not_located"]) == (0, 2)
    assert sorted(unmatched(store)["key"]) == ["at home", "the old mill, pond lane"]
    assert drop_fixes(store) == 0


def test_the_gazetteer_in_the_same_folder_is_not_read_as_an_istv_file(tmp_path, store):
    folder = tmp_path / "ae"
    folder.mkdir()
    write(folder, "jan.csv", istv_csv([rec(desc="AL1 1AG")]))
    (folder / "venues.csv").write_text("name,town,postcode\nThe Crown,St Albans,AL1 1AG\n")
    out = ingest_ae([folder], store, gazetteer=folder / "venues.csv").to_dict()
    assert (out["files"], out["files_failed"], out["rows_read"], out["located"]) == (1, 0, 1, 1)


def test_an_uploaded_codes_file_is_named_as_uploaded(tmp_path):
    """Errors about a codes file the app staged name it as the user uploaded it, not its temporary copy."""
    from geo.errors import SettingError
    from geo.readers.ae import read_codes
    from geo.readers.common import NamedPath

    tmp = tmp_path / "hotspots-upload-x1"
    tmp.mkdir()
    (tmp / "codes.toml").write_text("not = [valid")
    (tmp / "empty.toml").write_text("[assault_method]\n")
    for name in ("codes.toml", "empty.toml"):
        with pytest.raises(SettingError) as e:
            read_codes(NamedPath(tmp / name, name))
        assert name in str(e.value) and "hotspots-upload-" not in str(e.value)

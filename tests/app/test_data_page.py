"""The Data page (AppTest, no browser): the store's grid, loads and their reports, mappings, removal.

AppTest in streamlit 1.67 can upload files (``file_uploader(...).set_value``) and switch
pages, so loads are driven through the page itself. Tests that write use a copy of the
session's sample store.

After ``switch_page`` AppTest runs ``pages/data.py`` without ``app.py``: AppTest resets
``PagesManager.uses_pages_directory`` on every run, so Streamlit's wrapper for a
``pages/`` folder (the old multipage mode) serves the page file itself. The page does
not depend on the sidebar, so this still tests it; what the sidebar shows is checked on a
fresh run of ``app.py``.
"""

import csv
import hashlib
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.store import Store
from pages._ui import data_forms as data
from tests.conftest import POLICE_STREET_DIR, SHARED_REASON, street_csv, street_row, watford_rows

APP = str(Path(__file__).resolve().parents[2] / "app.py")
CSV = "text/csv"


def data_page(timeout: int = 90) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout).run()  # a first run registers the pages
    assert not at.exception, at.exception
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def writable(app_env, tmp_path, monkeypatch):
    """A copy of the sample store the page may write to (and uploads staged under tmp_path)."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    db = tmp_path / "copy.duckdb"
    shutil.copy(app_env["db"], db)
    if Path(app_env["db"] + ".wal").exists():
        shutil.copy(app_env["db"] + ".wal", str(db) + ".wal")
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    return {**app_env, "db": str(db)}


def counts(db: str) -> dict:
    with Store(db, read_only=True) as s:
        by_source = dict(s.con.execute("SELECT source, count(*) FROM incidents GROUP BY ALL").fetchall())
        return {"total": s.count(), **by_source}


def stored_grid(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if d.value.index.name == "Month")


#: The page's tabs, in order.
POLICE_TAB, RMS_TAB, BOUNDARY_TAB, CONTENTS_TAB, REMOVE_TAB = range(5)


def metric(at: AppTest, label: str, tab: int) -> str:
    return {m.label: m.value for m in at.tabs[tab].metric}[label]


def number(text: str) -> int:
    return int(text.split()[0].replace(",", ""))


def data_rows(text: str) -> int:
    """Rows under the header, as a spreadsheet shows them (blank lines are not rows)."""
    rows = list(csv.reader(io.StringIO(text)))
    return sum(1 for r in rows[1:] if any(c.strip() for c in r))


def test_the_page_renders_and_its_grid_totals_the_store(app_env):
    at = data_page()
    n = counts(app_env["db"])
    grid = stored_grid(at)
    assert int(grid.to_numpy().sum()) == n["total"]
    assert int(grid["police.uk street crime"].sum()) == n["police"]
    assert int(grid["Force records"].sum()) == n["rms"]
    assert metric(at, "Incidents stored", CONTENTS_TAB) == f"{n['total']:,} incidents"
    forces = next(d.value for d in at.dataframe if "Force" in d.value.columns)
    assert int(forces["Rows stored"].sum()) == n["total"]
    # police forces only (the A&E hospital sites are rows of the table, not forces), and the outcomes
    with Store(app_env["db"], read_only=True) as s:
        n_forces = s.con.execute("SELECT count(DISTINCT force) FROM incidents WHERE source <> 'ae'").fetchall()[0][0]
        n_sites = s.con.execute("SELECT count(DISTINCT force) FROM incidents WHERE source = 'ae'").fetchall()[0][0]
        n_outcomes = s.outcome_count()
    assert n_sites >= 1 and metric(at, "Police forces", CONTENTS_TAB) == f"{n_forces:,} force" + "s" * (n_forces != 1)
    assert metric(at, "Outcomes stored", CONTENTS_TAB) == f"{n_outcomes:,} outcomes"
    assert not at.error


def test_removing_a_source_empties_it_and_the_caches_see_it(writable):
    before = counts(writable["db"])
    at = data_page()
    at.selectbox(key=data.REMOVE_SOURCE).set_value("police").run()
    assert at.button(key="data_remove").disabled  # nothing happens without the tick
    confirm(at).check().run()
    at.button(key="data_remove").click().run()
    assert not at.exception, at.exception
    after = counts(writable["db"])
    assert "police" not in after and after["total"] == before["total"] - before["police"]
    # the grid (cached on the store's version) was read again
    grid = stored_grid(at)
    assert "police.uk street crime" not in grid.columns
    assert int(grid.to_numpy().sum()) == after["total"]
    assert any(f"Removed {before['police']:,} incidents" in s.value for s in at.success)
    assert not confirm(at).value  # a fresh, unticked confirmation


def confirm(at: AppTest):
    return next(c for c in at.checkbox if c.label == "Yes, remove them")


def rms_form(at: AppTest, text: str, name: str = "export.csv") -> AppTest:
    at.file_uploader(key=data.RMS_FILES).set_value((name, text.encode(), CSV)).run()
    assert not at.exception, at.exception
    return at


def test_a_bad_mapping_is_a_sentence_not_an_exception(writable):
    before = counts(writable["db"])
    text = "Ref,Type,When,East,North\nA1,Burglary,05/06/2021 22:15,510000,196000\n"
    at = rms_form(data_page(), text)
    at.selectbox(key=data.col_key("category")).set_value("Type")
    at.selectbox(key=data.col_key("occurred_at")).set_value("When")
    at.text_input(key=data.RMS_FORCE).input("Test force")
    at.run()
    at.button(key="data_rms_load").click().run()  # no coordinates mapped
    assert not at.exception, at.exception
    # e.value is the Markdown source: compare what is shown (escapes removed)
    assert any("The mapping names no coordinates." in e.value.replace("\\", "") for e in at.error)
    assert counts(writable["db"]) == before


def test_a_saved_mapping_fills_the_form_and_reloading_changes_nothing(writable):
    sample = Path(writable["sample"]) / "rms"
    export = (sample / "herts_rms_synthetic.csv").read_text(encoding="utf-8")
    with Store(writable["db"]) as s:
        s.save_mapping("Synthetic RMS", (sample / "mapping.toml").read_text(encoding="utf-8"))
    before = counts(writable["db"])
    at = rms_form(data_page(), export, "herts_rms_synthetic.csv")
    at.selectbox(key=data.RMS_SAVED).set_value("Synthetic RMS").run()
    assert not at.exception, at.exception
    assert at.selectbox(key=data.col_key("easting")).value == "Easting"
    assert at.text_input(key=data.RMS_FORCE).value == "Hertfordshire (SYNTHETIC)"
    cats = at.data_editor[0].value.set_index("Value in the file")["police.uk type"]
    assert cats["Violence"] == "Violence and sexual offences" and cats["ASB"] == "Anti-social behaviour"
    at.button(key="data_rms_load").click().run()
    assert not at.exception, at.exception
    rows = data_rows(export)
    read, stored, rejected = (number(metric(at, k, RMS_TAB)) for k in ("Rows read", "Rows stored", "Rows not stored"))
    assert read == rows and stored + rejected == rows
    assert counts(writable["db"]) == before  # upserted by crime reference: the same rows again


def test_the_saved_mapping_round_trips(writable):
    at = rms_form(data_page(), "Ref,Type,When,Lon,Lat\nA1,Burglary,2021-06-05 22:15,-0.39,51.65\n")
    for field, col in (("id", "Ref"), ("category", "Type"), ("occurred_at", "When"), ("longitude", "Lon"),
                       ("latitude", "Lat")):
        at.selectbox(key=data.col_key(field)).set_value(col)
    at.text_input(key=data.RMS_FORCE).input('Force "A" = x')
    at.text_input(key=data.RMS_NAME).input("Mine")
    at.run()
    at.button(key="data_rms_save").click().run()
    assert not at.exception, at.exception
    assert any("Mapping saved" in s.value for s in at.success)
    from geo.readers.rms import read_mapping
    import tomllib

    with Store(writable["db"]) as s:
        m = read_mapping(tomllib.loads(s.mappings()["Mine"]))
    assert m.force == 'Force "A" = x' and m.columns["longitude"] == "Lon" and not m.is_bng


def test_loading_a_real_police_csv_reports_every_row(writable):
    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    path = POLICE_STREET_DIR / "2021-01-hertfordshire-street.csv"
    raw = data_rows(path.read_text(encoding="utf-8-sig"))
    before = counts(writable["db"])
    at = data_page()
    at.file_uploader(key=data.POLICE_FILES).set_value((path.name, path.read_bytes(), CSV)).run()
    at.button(key="data_police_load").click().run()
    assert not at.exception, at.exception
    assert metric(at, "Rows read", POLICE_TAB) == f"{raw:,} rows"
    stored = number(metric(at, "Rows stored", POLICE_TAB))
    rejected = number(metric(at, "Rows not stored", POLICE_TAB))
    assert stored + rejected == raw and rejected > 0  # ~1.5 % have no coordinates
    assert counts(writable["db"])["total"] == before["total"] + stored
    reasons = next(d.value for d in at.tabs[POLICE_TAB].dataframe if "Reason" in d.value.columns)
    assert int(reasons["Rows"].sum()) == rejected
    assert set(reasons["What was wrong"]) >= {data.REASONS["no_coordinates"].message}
    files = next(d.value for d in at.tabs[POLICE_TAB].dataframe if "File" in d.value.columns)
    assert files["File"].tolist() == [path.name] and files["Status"].tolist() == ["Loaded"]
    assert any("replaces it" in c.value for c in at.caption)
    # the download holds exactly the rows not stored
    body = data.rejected_csv(writable["db"], (path.name,)).decode("utf-8-sig")
    assert data_rows(body) == rejected
    # loading the same file again changes nothing
    after = counts(writable["db"])
    at.button(key="data_police_load").click().run()
    assert metric(at, "Rows stored", POLICE_TAB) == f"{stored:,} rows"
    assert metric(at, "Rows not stored", POLICE_TAB) == f"{rejected:,} rows"
    assert counts(writable["db"]) == after


def test_a_hand_made_file_is_reported_and_its_download_is_safe(writable):
    rows = watford_rows(5) + [
        street_row(crime_id="x1", lon="", lat=""),                                   # no coordinates
        street_row(crime_id="x2", crime_type="=HYPERLINK(\"http://x\")"),           # a formula
        street_row(crime_id="x3", crime_type="<script>alert(1)</script>"),            # markup
    ]
    text = street_csv(rows)
    name = "2021-06-hertfordshire-street.csv"
    at = data_page()
    at.file_uploader(key=data.POLICE_FILES).set_value([(name, text.encode(), CSV),
                                                      ("notes.csv", b"just,some\nother,file\n", CSV)]).run()
    at.button(key="data_police_load").click().run()
    assert not at.exception, at.exception
    assert metric(at, "Rows read", POLICE_TAB) == "8 rows"  # the refused file's header was never found: no rows read
    files = next(d.value for d in at.tabs[POLICE_TAB].dataframe if "File" in d.value.columns).set_index("File")
    assert files.loc[name, "Status"] == "Loaded" and files.loc[name, "Rows read"] == 8
    assert files.loc[name, "Rows stored"] == 5 and files.loc[name, "Rows not stored"] == 3
    assert files.loc["notes.csv", "Status"] == "Refused"
    assert "no header row" in files.loc["notes.csv", "Problem or note"]
    assert "hotspots-upload-" not in " ".join(files["Problem or note"].astype(str))
    assert metric(at, "Files refused", POLICE_TAB) == "1 of 2 files"
    # the refused file's sentence in full, beside the table that cuts it short
    # (e.value is the Markdown source: compare what is shown, escapes removed)
    refused = [w.value.replace("\\", "") for w in at.tabs[POLICE_TAB].warning if "notes" in w.value]
    assert len(refused) == 1 and "notes.csv" in refused[0] and "no header row" in refused[0]
    assert "hotspots-upload-" not in refused[0]
    # each reason's sentence and fix in full
    fix = data.REASONS["no_coordinates"].fix[:40]
    assert any(fix in m.value.replace("\\", "") for m in at.tabs[POLICE_TAB].markdown)
    body = data.rejected_csv(writable["db"], (name,)).decode("utf-8-sig")
    got = pd.read_csv(io.StringIO(body), dtype=str)
    assert len(got) == 3 and set(got["file"]) == {name}  # not the temporary folder's path
    assert set(got["month"]) == {"2021-06"}  # as police.uk writes months
    # the store itself names the upload as the user knows it (not only the page's display)
    with Store(writable["db"], read_only=True) as s:
        assert {r[0] for r in s.con.execute("SELECT DISTINCT source_file FROM incidents WHERE load_id IN "
                                            "(SELECT load_id FROM loads WHERE file_key = ?)", [name]).fetchall()} == {name}
        assert {r[0] for r in s.con.execute("SELECT DISTINCT file FROM rejections WHERE file_key = ?", [name]).fetchall()} == {name}
        logged = s.con.execute("SELECT file, sha256 FROM loads WHERE file_key = ? ORDER BY load_id DESC LIMIT 1",
                               [name]).fetchall()[0]
    assert logged == (name, hashlib.sha256(text.encode()).hexdigest())
    assert "'=HYPERLINK(\"http://x\")" in set(got["value"]) and "<script>alert(1)</script>" in set(got["value"])
    assert not got.apply(lambda c: c.str.match(r"^[=+\-@]").fillna(False)).any().any()
    # no text from the file reached a Markdown element
    assert not any("<script>" in m.value or "HYPERLINK" in m.value for m in at.markdown)


def test_a_boundary_file_adds_named_areas(writable):
    path = Path(writable["sample"]) / "boundary" / "districts_synthetic.geojson"
    at = data_page()
    at.file_uploader(key=data.BOUNDARY_FILE).set_value((path.name, path.read_bytes(), "application/geo+json")).run()
    at.text_input(key=data.BOUNDARY_LAYER).input("csp").run()
    at.button(key="data_boundary_add").click().run()
    assert not at.exception, at.exception
    with Store(writable["db"], read_only=True) as s:
        names = [n for layer, n in s.area_names() if layer == "csp"]
    assert len(names) == 10
    added = next(d.value for d in at.tabs[BOUNDARY_TAB].dataframe if "Area" in d.value.columns)
    assert sorted(added["Area"]) == sorted(names)
    # the sidebar's cached store summary is read again (a fresh run: see the module docstring)
    fresh = AppTest.from_file(APP, default_timeout=90).run()
    area = next(sb for sb in fresh.sidebar.selectbox if sb.label == "Area")
    assert f"csp: {names[0]}" in area.options


def test_a_bad_boundary_file_is_a_sentence(writable):
    at = data_page()
    at.file_uploader(key=data.BOUNDARY_FILE).set_value(("wards.geojson", b"not a boundary", "application/json")).run()
    at.button(key="data_boundary_add").click().run()
    assert not at.exception, at.exception
    assert any("cannot be read" in e.value for e in at.error)
    assert not any("hotspots-upload-" in e.value for e in at.error)


def test_the_store_version_moves_with_every_write(writable, monkeypatch):
    from geo.boundaries import read_areas
    from pages._ui import db as _ui

    v0 = _ui.store_version()
    with Store(writable["db"], create=False) as s:
        s.remove("rms")
        _ui.after_write(s)
    v1 = _ui.store_version()
    with Store(writable["db"], create=False) as s:
        s.save_areas(read_areas(Path(writable["sample"]) / "boundary" / "county_synthetic.geojson"), "x")
        _ui.after_write(s)
    assert v0 < v1 < _ui.store_version()


def test_an_excel_export_with_a_title_line_loads_through_the_translation_table(writable):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Crimes export, produced 2024-02-01"])  # a title line above the header
    ws.append([])
    ws.append(["Ref", "Offence", "Committed", "X", "Y", "Street"])
    for i in range(6):
        ws.append([f"T/{i}", "THEFT OF MV" if i % 2 else "burglary", f"0{i + 1}/02/2024 10:30",
                   510000 + 10 * i, 196000 + 10 * i, "=cmd|' /C calc'!A0"])
    buf = io.BytesIO()
    wb.save(buf)
    before = counts(writable["db"])
    at = data_page()
    at.file_uploader(key=data.RMS_FILES).set_value(
        ("export.xlsx", buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert not at.exception, at.exception
    assert any("header is on row 3" in c.value for c in at.caption)
    for field, col in (("id", "Ref"), ("category", "Offence"), ("occurred_at", "Committed"), ("easting", "X"),
                       ("northing", "Y"), ("location", "Street")):
        at.selectbox(key=data.col_key(field)).set_value(col)
    at.text_input(key=data.RMS_FORCE).input("Test Constabulary")
    at.run()
    editor = at.data_editor[0]
    table = editor.value
    types = dict(zip(table["Value in the file"], table["police.uk type"]))
    assert types["burglary"] == "Burglary" and pd.isna(types["THEFT OF MV"]) and len(types) == 2
    row = table.index[table["Value in the file"] == "THEFT OF MV"][0]
    at.session_state[editor.key] = {"edited_rows": {int(row): {"police.uk type": "Vehicle crime"}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="data_rms_load").click().run()
    assert not at.exception, at.exception
    assert metric(at, "Rows read", RMS_TAB) == "6 rows" and metric(at, "Rows stored", RMS_TAB) == "6 rows"
    after = counts(writable["db"])
    assert after["total"] == before["total"] + 6
    with Store(writable["db"], read_only=True) as s:
        got = dict(s.con.execute("SELECT category, count(*) FROM incidents WHERE force = 'Test Constabulary' "
                                 "GROUP BY ALL").fetchall())
    assert got == {"Vehicle crime": 3, "Burglary": 3}


AE_TAB = 5
HIDDEN = "A&E details are hidden in presentation mode"


def presented_data_page(timeout: int = 90) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(present="1")
    at.run()
    assert not at.exception, at.exception
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def texts(block) -> str:
    return " ".join(x.value for kind in ("markdown", "caption", "info") for x in getattr(block, kind))


def test_presentation_mode_shows_no_ae_count_outside_the_suppressed_grid(app_env):
    from hotspots.methods.suppress import assert_no_small_counts

    with Store(app_env["db"], read_only=True) as s:
        status = s.status()
    is_ae = status["source"] == "ae"
    assert is_ae.any() and int(status.loc[is_ae, "rejected"].sum()) > 0  # the sample has A&E to hide
    police_rows, police_rejected = int(status.loc[~is_ae, "rows"].sum()), int(status.loc[~is_ae, "rejected"].sum())
    at = presented_data_page()
    assert at.session_state["settings"].presentation is True
    contents = at.tabs[CONTENTS_TAB]
    # the metrics leave A&E out, so that no A&E total can be had by subtraction from the grid
    assert metric(at, "Incidents stored", CONTENTS_TAB) == f"{police_rows:,} incidents"
    assert metric(at, "Rows not stored", CONTENTS_TAB) == f"{police_rejected:,} rows"
    grid = stored_grid(at)
    assert_no_small_counts(list(grid["A&E assaults"]), what="stored grid")
    # issue 16: the projected months are the published (perturbed) ones, as on the overview
    from tests.app.test_overview import published_months_by_hand

    with Store(app_env["db"], read_only=True) as s:
        want = published_months_by_hand(s)
    shown = {m: int(str(v).replace(",", "")) for m, v in grid["A&E assaults"].items() if str(v)[0].isdigit()}
    assert shown and shown == {m: want[m] for m in shown}
    assert "slightly adjusted to protect patients" in texts(contents)
    assert int(grid.drop(columns="A&E assaults").to_numpy().sum()) == police_rows
    # no A&E in the rejected grid, nor a site's rows in the forces table
    grids = [d.value for d in contents.dataframe if d.value.index.name == "Month"]  # stored, then not stored
    assert len(grids) == 2
    rejected = grids[1]
    assert "A&E assaults" not in rejected.columns and int(rejected.to_numpy().sum()) == police_rejected
    forces = next(d.value for d in contents.dataframe if "Force" in d.value.columns)
    assert "A&E assaults" not in set(forces["Source"]) and int(forces["Rows stored"].sum()) == police_rows
    assert HIDDEN in texts(contents)
    # removal: A&E is not offered (its count would show)
    assert "ae" not in at.selectbox(key=data.REMOVE_SOURCE).options
    assert "A&E assaults" not in at.selectbox(key=data.REMOVE_SOURCE).options
    assert HIDDEN in texts(at.tabs[REMOVE_TAB])
    # the A&E tab: a sentence only, no table, no metric, no free text
    ae = at.tabs[AE_TAB]
    assert HIDDEN in texts(ae) and not ae.dataframe and not ae.metric
    assert not any(d.value.astype(str).apply(lambda c: c.str.contains("at home")).to_numpy().any()
                   for d in at.dataframe)
    assert not at.error


def test_out_of_presentation_mode_the_page_shows_ae_in_full(app_env):
    with Store(app_env["db"], read_only=True) as s:
        status = s.status()
    at = data_page()
    assert metric(at, "Rows not stored", CONTENTS_TAB) == f"{int(status['rejected'].sum()):,} rows"
    forces = next(d.value for d in at.tabs[CONTENTS_TAB].dataframe if "Force" in d.value.columns)
    assert "A&E assaults" in set(forces["Source"])
    assert at.tabs[AE_TAB].metric and HIDDEN not in texts(at.tabs[AE_TAB])

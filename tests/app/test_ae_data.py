"""The Data page's A&E tab (AppTest): match rate, the descriptions not located, the fix form, a load.

The session's sample store (tests/app/conftest.py) holds the sample's A&E files, loaded by ``ingest_sample``;
tests that write use a copy of it.
"""

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.store import Store
from pages._ui import ae_forms as ae

APP = str(Path(__file__).resolve().parents[2] / "app.py")
AE_TAB = 5


def data_page(timeout: int = 90) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    assert not at.exception, at.exception
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def writable(app_env, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    db = tmp_path / "copy.duckdb"
    shutil.copy(app_env["db"], db)
    if Path(app_env["db"] + ".wal").exists():
        shutil.copy(app_env["db"] + ".wal", str(db) + ".wal")
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    return {**app_env, "db": str(db)}


def query(db: str, sql: str, params=()):
    with Store(db, read_only=True) as s:
        return s.con.execute(sql, list(params)).fetchall()


def tab(at: AppTest):
    return at.tabs[AE_TAB]


def test_the_tab_shows_the_match_rate_and_the_descriptions_not_located(app_env):
    at = data_page()
    t = tab(at)
    (records, located), = query(app_env["db"], "SELECT count(*), count(*) FILTER (WHERE located) FROM ae_records")
    metrics = {m.label: m.value for m in t.metric}
    assert metrics["A&E records"] == f"{records:,} records"
    assert metrics["Placed on the map"] == f"{100.0 * located / records:.1f} %"
    assert metrics["Not located"] == f"{records - located:,} records"
    rate = next(d.value for d in t.dataframe if "Site" in d.value.columns)
    # the sample's sites are marked synthetic, as its police force is
    assert sorted(rate["Site"]) == ["SYN-LISTER (SYNTHETIC)", "SYN-WATFORD (SYNTHETIC)"]
    assert int(rate["Records"].sum()) == records
    by_site = dict(query(app_env["db"], "SELECT force, round(100.0 * count(*) FILTER (WHERE precision = 'street') "
                                        "/ count(*), 1) FROM ae_records GROUP BY force"))
    assert dict(zip(rate["Site"], rate["Street and town (%)"])) == pytest.approx(by_site)
    un = next(d.value for d in t.dataframe if "Description" in d.value.columns and "Sites" in d.value.columns)
    assert int(un["Records"].sum()) == records - located
    assert "at home" in set(un["Description"])
    assert not at.error


def test_a_fix_moves_records_into_incidents_and_is_remembered(writable):
    db = writable["db"]
    before = query(db, "SELECT count(*) FROM incidents WHERE source = 'ae'")[0][0]
    n = query(db, "SELECT count(*) FROM ae_records WHERE description = 'at a party' AND NOT located")[0][0]
    assert n > 0
    at = data_page()
    at.selectbox(key=ae.FIX_DESCRIPTION).set_value("at a party").run()
    at.radio(key=ae.FIX_HOW).set_value(ae.HOW[0]).run()
    at.text_input(key=ae.FIX_POSTCODE).input("sg1 2ad").run()
    at.button(key="data_ae_fix_save").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert query(db, "SELECT count(*) FROM incidents WHERE source = 'ae'")[0][0] == before + n
    assert query(db, "SELECT DISTINCT easting, northing, precision FROM ae_records WHERE description = 'at a party'") \
        == [(523104.0, 224196.0, "postcode")]
    assert query(db, "SELECT key, label FROM ae_fixes") == [("at a party", "SG1 2AD")]
    assert any(f"{n:,} records with that description now placed at SG1 2AD" in s.value for s in at.success)
    un = next(d.value for d in tab(at).dataframe if "Sites" in d.value.columns)
    assert "at a party" not in set(un["Description"])  # the page read the store again
    saved = next(d.value for d in tab(at).dataframe if "Placed at" in d.value.columns)
    assert saved["Description"].tolist() == ["at a party"]

    # remembered: a new file with that description, loaded through the page, is placed by the fix
    text = ("Reporting Period Start Date,Reporting Period End Date,Site Code,Arrival Date and Time,"
            "Assault Date and Time,Assault Method,Assault Method Other Description,Assault Location Type,"
            "Assault Location Description\n"
            "2023-03-01,2023-03-31,SYN-NEW,2023-03-04 23:30,2023-03-04 22:10,03,,03,At a party\n"
            "2023-03-01,2023-03-31,SYN-NEW,2023-03-05 01:30,2023-03-05 01:10,01,,01,<b>somewhere</b>\n")
    at.file_uploader(key=ae.AE_FILES).set_value(("new.csv", text.encode(), "text/csv")).run()
    at.button(key="data_ae_load").click().run()
    assert not at.exception, at.exception
    assert query(db, "SELECT easting, subcategory FROM incidents WHERE force = 'SYN-NEW'") == [(523104.0, "knife/sharp")]
    metrics = {m.label: m.value for m in tab(at).metric}
    assert metrics["Records placed on the map"] == "1 record" and metrics["Records not located"] == "1 record"
    # free text reached no Markdown element
    assert not any("<b>" in m.value for m in at.markdown)


def test_a_bad_answer_is_a_sentence(writable):
    at = data_page()
    at.selectbox(key=ae.FIX_DESCRIPTION).set_value("at home").run()
    at.radio(key=ae.FIX_HOW).set_value(ae.HOW[2]).run()
    at.button(key="data_ae_fix_save").click().run()
    assert not at.exception, at.exception
    assert any("Give one answer" in e.value for e in at.error)
    assert query(writable["db"], "SELECT count(*) FROM ae_fixes") == [(0,)]


def test_removing_ae_offers_to_forget_the_saved_places(writable):
    from geo.ingest.ae import save_fix
    from pages._ui import data_forms as data

    db = writable["db"]
    with Store(db) as s:
        save_fix(s, "at a party", postcode="SG1 2AD")
        save_fix(s, "at home", easting=520000, northing=210000)
    at = data_page()
    at.selectbox(key=data.REMOVE_SOURCE).set_value("ae").run()
    forget = next(c for c in at.checkbox if c.label.startswith("Also forget"))
    assert forget.label == "Also forget the 2 saved places of A&E descriptions" and not forget.value
    forget.check()
    next(c for c in at.checkbox if c.label == "Yes, remove them").check().run()
    at.button(key="data_remove").click().run()
    assert not at.exception, at.exception
    assert query(db, "SELECT count(*) FROM incidents WHERE source = 'ae'") == [(0,)]
    assert query(db, "SELECT count(*) FROM ae_records") == [(0,)]
    assert query(db, "SELECT count(*) FROM ae_fixes") == [(0,)]
    assert any("forgot 2 saved places of A&E descriptions" in s.value for s in at.success)
    # nothing A&E is left to offer
    assert "ae" not in at.selectbox(key=data.REMOVE_SOURCE).options


def test_removing_one_site_keeps_the_saved_places_unless_asked(writable):
    from geo.ingest.ae import save_fix
    from pages._ui import data_forms as data

    db = writable["db"]
    with Store(db) as s:
        save_fix(s, "at a party", postcode="SG1 2AD")
    (site, n), = query(db, "SELECT force, count(*) FROM incidents WHERE source = 'ae' GROUP BY force "
                           "ORDER BY force LIMIT 1")
    at = data_page()
    at.selectbox(key=data.REMOVE_SOURCE).set_value("ae").run()
    at.selectbox(key=data.REMOVE_FORCE).set_value(site).run()
    assert f"This removes **{n:,} incidents**" in " ".join(m.value for m in at.markdown)
    next(c for c in at.checkbox if c.label == "Yes, remove them").check().run()
    at.button(key="data_remove").click().run()
    assert not at.exception, at.exception
    assert query(db, "SELECT count(*) FROM incidents WHERE source = 'ae' AND force = ?", [site]) == [(0,)]
    assert query(db, "SELECT key FROM ae_fixes") == [("at a party",)]


def test_the_tab_is_one_sentence_in_presentation_mode(app_env):
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(present="1")
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    t = tab(at)
    assert not t.dataframe and not t.metric and not t.button and not t.selectbox
    assert any("A&E details are hidden in presentation mode" in i.value for i in t.info)

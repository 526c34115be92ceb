"""The app starts on the sample and shows the store's incident count (AppTest, no browser)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.store import Store

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_overview_shows_the_store_count_and_synthetic_label(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    with Store(app_env["db"], read_only=True) as s:
        expected = s.con.execute("SELECT count(*) FROM incidents WHERE source <> 'ae'").fetchall()[0][0]
        months = s.con.execute("SELECT count(DISTINCT month) FROM incidents").fetchall()[0][0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Incidents stored"] == f"{expected:,} incidents"
    assert metrics["Months covered"] == f"{months} months"
    assert any("SYNTHETIC DATA" in w.value for w in at.warning)


def test_first_run_writes_and_loads_the_sample(tmp_path, monkeypatch, sample_store):
    # an empty store and no sample yet: the app writes and loads it, with a progress bar
    monkeypatch.setenv("HOTSPOTS_DB", str(tmp_path / "fresh.duckdb"))
    monkeypatch.setenv("HOTSPOTS_SAMPLE_DIR", sample_store["sample"])  # already written: only the load runs
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    at.switch_page("pages/overview.py").run()
    with Store(tmp_path / "fresh.duckdb", read_only=True) as s:
        n = s.con.execute("SELECT count(*) FROM incidents WHERE source <> 'ae'").fetchall()[0][0]
    assert n > 10_000
    assert {m.label: m.value for m in at.metric}["Incidents stored"] == f"{n:,} incidents"


def test_overview_never_shows_small_ae_counts(app_env):
    from hotspots.methods.suppress import assert_no_small_counts

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert "A&E assaults" in table.columns, "the sample store holds A&E assaults"
    with Store(app_env["db"], read_only=True) as s:
        raw = s.con.execute("SELECT strftime(month, '%Y-%m'), count(*) FROM incidents WHERE source = 'ae' "
                            "GROUP BY 1").fetchall()
    shown = table["A&E assaults"].tolist()
    assert_no_small_counts(shown)  # no total is shown beside them
    assert len(raw) == sum(1 for v in shown if v != 0)


def test_a_sample_load_cut_short_is_finished_on_the_next_start(tmp_path, monkeypatch, sample_store):
    # the app was stopped after the police files: the next start loads the rest, and only the rest
    from geo.ingest.police import ingest_police

    db = tmp_path / "partial.duckdb"
    with Store(db) as s:
        ingest_police([Path(sample_store["sample"]) / "police"], s)
    with Store(sample_store["db"], read_only=True) as full:
        expected = dict(full.con.execute("SELECT source, count(*) FROM incidents GROUP BY 1").fetchall())
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    monkeypatch.setenv("HOTSPOTS_SAMPLE_DIR", sample_store["sample"])
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    with Store(db, read_only=True) as s:
        got = dict(s.con.execute("SELECT source, count(*) FROM incidents GROUP BY 1").fetchall())
    assert got == expected and set(got) == {"police", "rms", "ae"}


def test_real_data_loaded_leaves_the_sample_out_of_the_overview(tmp_path, monkeypatch, sample_store):
    """As on every other page: once a real force's data is in, the overview counts only it, and says the
    synthetic sample is still in the store (the walkthrough found 27 months where 3 were real)."""
    import shutil

    from geo.ingest.police import ingest_police
    from tests.conftest import street_csv, watford_rows

    db = tmp_path / "mixed.duckdb"
    shutil.copy(sample_store["db"], db)
    f = tmp_path / "2021-06-hertfordshire-street.csv"
    from tests.conftest import street_row

    f.write_text(street_csv(watford_rows(9) + [street_row(crime_id=f"x{i}", lon="", lat="") for i in range(2)]))
    with Store(db) as s:
        ingest_police([f], s)
        sample_rows = s.con.execute("SELECT count(*) FROM incidents WHERE force LIKE '%SYNTHETIC%'").fetchall()[0][0]
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    monkeypatch.setenv("HOTSPOTS_SAMPLE_DIR", sample_store["sample"])
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Incidents stored"] == "9 incidents"
    assert metrics["Months covered"] == "1 month"
    assert metrics["Rows not used"] == "2 rows"
    assert not any("SYNTHETIC DATA" in w.value for w in at.warning)
    assert any(f"synthetic sample ({sample_rows:,} rows)" in c.value for c in at.caption)
    assert at.dataframe[0].value.index.tolist() == ["2021-06"]

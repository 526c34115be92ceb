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
    from hotspots.suppress import assert_no_small_counts

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
    from geo.ingest import ingest_police

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

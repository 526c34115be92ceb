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
        expected = s.count()
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
        n = s.count()
    assert n > 10_000
    assert {m.label: m.value for m in at.metric}["Incidents stored"] == f"{n:,} incidents"

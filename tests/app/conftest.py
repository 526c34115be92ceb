"""A small synthetic sample loaded into a store the app reads (HOTSPOTS_DB), and how tests open a page."""

from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(page: str, timeout_s: int = 120, **query):
    """The page, with the shared settings given as a link's query string (src, from, to, area, harm, ...).

    Settings come from the URL rather than the sidebar's widgets: with a ``pages/``
    folder beside app.py, AppTest (streamlit 1.67) runs a switched-to page on its
    own, without app.py's sidebar, so the sidebar cannot be driven after the first run.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout_s)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def metric(at, label: str) -> str:
    """The value of the metric with this label."""
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory):
    from geo.ingest.sample import ingest_sample
    from geo.sample import write_sample
    from geo.store import Store

    root = tmp_path_factory.mktemp("app")
    write_sample(root / "sample", months=3)
    db = root / "sample.duckdb"
    with Store(db) as s:
        ingest_sample(root / "sample", s)
    return {"db": str(db), "sample": str(root / "sample")}


@pytest.fixture
def app_env(sample_store, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_DB", sample_store["db"])
    monkeypatch.setenv("HOTSPOTS_SAMPLE_DIR", sample_store["sample"])
    return sample_store


@pytest.fixture
def real_app_env(real_db, monkeypatch, tmp_path):
    """The app on the real Hertfordshire 2021 store (tests/real.py); the sample folder is an empty one, so
    the app never writes the synthetic sample beside the real data."""
    monkeypatch.setenv("HOTSPOTS_DB", real_db)
    monkeypatch.setenv("HOTSPOTS_SAMPLE_DIR", str(tmp_path / "no-sample"))
    return {"db": real_db}

"""A small synthetic sample loaded into a store the app reads (HOTSPOTS_DB)."""

import pytest


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory):
    from geo.ingest import ingest_sample
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

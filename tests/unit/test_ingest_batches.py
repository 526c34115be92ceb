"""A load prepared in batches (the next batch read while one is written) stores exactly what one batch does."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest

import geo.ingest.police as ingest
from geo.ingest.police import ingest_police
from geo.readers.common import discover
from geo.store import Store
from tests.conftest import street_csv, street_row, watford_rows

OUTCOMES_HEADER = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\r\n"


def files() -> dict[str, str]:
    """Five files in load order; the last re-publishes June with one row fewer."""
    june = watford_rows(20) + [street_row(crime_id="nocoord", lon="", lat=""),
                               street_row(crime_id="typo", crime_type="Burglry"),
                               street_row(crime_id="paris", lon="2.35", lat="48.85")]  # outside Great Britain
    july = watford_rows(10, month="2021-07")
    outcomes = (OUTCOMES_HEADER
                + f"{june[0][0]},2021-07,Hertfordshire Constabulary,Hertfordshire Constabulary,,,,,,Suspect charged\r\n"
                + ",2021-07,Hertfordshire Constabulary,Hertfordshire Constabulary,,,,,,Orphan\r\n")
    return {
        "2021-06/2021-06-hertfordshire-street.csv": street_csv(june),
        "2021-07/2021-07-hertfordshire-outcomes.csv": outcomes,
        "2021-07/2021-07-hertfordshire-street.csv": street_csv(july),
        "2021-08/empty.csv": "",
        "2021-09/2021-06-republished-street.csv": street_csv(june[1:]),
    }


def write_folder(root: Path) -> Path:
    for name, text in files().items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def write_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files().items():
            zf.writestr(name, text)
    return path


def contents(store: Store):
    """Everything a load leaves behind, except when it happened."""
    c = store.con
    return (
        c.execute("SELECT * EXCLUDE (source_file) FROM incidents ORDER BY id").fetchall(),
        c.execute("SELECT * EXCLUDE (file) FROM rejections ORDER BY file_key, \"row\"").fetchall(),
        c.execute("SELECT * EXCLUDE (crime_id, source_file) FROM outcomes ORDER BY crime_id").fetchall(),
        c.execute("SELECT load_id, file_key, kind, status, rows_read, rows_stored, rows_rejected FROM loads "
                  "ORDER BY load_id").fetchall(),
    )


@pytest.mark.parametrize("layout", ["folder", "zip"])
def test_one_file_per_batch_stores_the_same_as_one_batch(tmp_path, monkeypatch, layout):
    src = write_folder(tmp_path / "in") if layout == "folder" else write_zip(tmp_path / "in.zip")
    with Store(tmp_path / "one.duckdb") as s:
        rep_one = ingest_police([src], s)
        one = contents(s)
    monkeypatch.setattr(ingest, "BATCH_BYTES", 1)
    assert len(ingest._batches(discover([src]))) == 5  # every file its own batch
    with Store(tmp_path / "many.duckdb") as s:
        rep_many = ingest_police([src], s)
        many = contents(s)
        stored = s.count()
        june = s.con.execute("SELECT count(*) FROM incidents WHERE month = DATE '2021-06-01'").fetchall()[0][0]
        outcome = s.con.execute("SELECT outcome FROM incidents WHERE id = '2021-06-Bur-000000'").fetchall()
    assert many == one
    assert rep_many.to_dict() | {"file_report": None} == rep_one.to_dict() | {"file_report": None}
    # known by hand: June re-published without its first row (19 placed Watford rows,
    # "nocoord", "typo", "paris" rejected again); July's 10 rows; the first June row and
    # its outcome gone with it
    assert june == 19 and stored == 29 and outcome == []
    assert rep_many.rejected_by_reason == {"no_coordinates": 2, "unknown_category": 2,
                                           "outside_great_britain": 2, "missing_id": 1}
    assert [f["status"] for f in rep_many.files] == ["loaded", "loaded", "loaded", "failed", "loaded"]


def test_progress_is_reported_from_the_calling_thread_only(tmp_path, monkeypatch):
    src = write_folder(tmp_path / "in")
    monkeypatch.setattr(ingest, "BATCH_BYTES", 1)
    calls = []
    with Store(tmp_path / "p.duckdb") as s:
        ingest_police([src], s, progress=lambda f, m: calls.append((f, threading.current_thread())))
    assert calls and {t for _, t in calls} == {threading.current_thread()}
    fractions = [f for f, _ in calls]
    assert fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)


def test_batches_keep_the_order_and_split_by_size(tmp_path, monkeypatch):
    for i, size in enumerate([10, 10, 25, 5, 5]):
        (tmp_path / f"{i}.csv").write_bytes(b"x" * size)
    monkeypatch.setattr(ingest, "BATCH_BYTES", 20)
    batches = ingest._batches(discover([tmp_path]))
    assert [[Path(s.name).name for s in b] for b in batches] == [["0.csv", "1.csv"], ["2.csv"], ["3.csv", "4.csv"]]

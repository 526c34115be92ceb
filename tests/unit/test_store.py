"""The store's promises: snapshots replace, re-loads change nothing, a killed load leaves no trace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from geo.ingest.police import ingest_police
from geo.store import Store
from tests.conftest import ROOT, street_csv, street_row, watford_rows

OUTCOMES_HEADER = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\r\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def snapshot(store: Store):
    return (store.status().to_dict(orient="records"),
            store.con.execute("SELECT id, source_row, outcome FROM incidents ORDER BY id").fetchall(),
            store.con.execute("SELECT file, row, reason FROM rejections ORDER BY file, row").fetchall())


def test_loading_the_same_file_twice_changes_nothing(tmp_path, store):
    rows = watford_rows(20) + [street_row(crime_id="x", lon="", lat="")]
    f = write(tmp_path / "2021-06-hertfordshire-street.csv", street_csv(rows))
    ingest_police([f], store)
    before = snapshot(store)
    ingest_police([f], store)
    assert snapshot(store) == before
    assert store.count() == 20 and len(store.rejections()) == 1


def test_a_month_loaded_again_replaces_it(tmp_path, store):
    june = watford_rows(30)
    f = write(tmp_path / "a" / "2021-06-hertfordshire-street.csv", street_csv(june))
    g = write(tmp_path / "a" / "2021-07-hertfordshire-street.csv", street_csv(watford_rows(10, month="2021-07")))
    ingest_police([f, g], store)
    assert store.count() == 40
    # police.uk re-publishes June with one row fewer, under another file name
    f2 = write(tmp_path / "b" / "june-republished.csv", street_csv(june[:7] + june[8:]))
    ingest_police([f2], store)
    assert store.count() == 39
    assert store.con.execute("SELECT count(*) FROM incidents WHERE id = ?", [june[7][0]]).fetchall()[0][0] == 0
    st = store.status().set_index("month")["rows"].to_dict()
    assert st == {"2021-06": 29, "2021-07": 10}


def test_other_forces_and_sources_are_untouched_by_a_replace(tmp_path, store):
    other = [street_row(crime_id=f"b{i}", force="Bedfordshire Police", lon="-0.46", lat="52.13") for i in range(3)]
    ingest_police([write(tmp_path / "beds-street.csv", street_csv(other))], store)
    ingest_police([write(tmp_path / "herts-street.csv", street_csv(watford_rows(4)))], store)
    ingest_police([write(tmp_path / "herts2-street.csv", street_csv(watford_rows(2)))], store)
    counts = dict(store.con.execute("SELECT force, count(*) FROM incidents GROUP BY 1").fetchall())
    assert counts == {"Bedfordshire Police": 3, "Hertfordshire Constabulary": 2}


def test_outcomes_join_on_crime_id_and_the_latest_wins(tmp_path, store):
    rows = watford_rows(3)
    ids = [r[0] for r in rows]
    ingest_police([write(tmp_path / "2021-06-hertfordshire-street.csv", street_csv(rows))], store)
    write(tmp_path / "2021-07-hertfordshire-outcomes.csv", OUTCOMES_HEADER
          + f"{ids[0]},2021-07,Hertfordshire Constabulary,Hertfordshire Constabulary,,,No location,,,Suspect charged\r\n"
          + f"{ids[1]},2021-07,Hertfordshire Constabulary,Hertfordshire Constabulary,,,No location,,,Unable to prosecute suspect\r\n"
          + ",2021-07,Hertfordshire Constabulary,Hertfordshire Constabulary,,,No location,,,Orphan\r\n")
    write(tmp_path / "2021-08-hertfordshire-outcomes.csv", OUTCOMES_HEADER
          + f"{ids[0]},2021-08,Hertfordshire Constabulary,Hertfordshire Constabulary,,,No location,,,Offender sent to prison\r\n")
    rep = ingest_police([tmp_path / "2021-07-hertfordshire-outcomes.csv", tmp_path / "2021-08-hertfordshire-outcomes.csv"], store)
    assert rep.rows_read == 4 and rep.rows_stored == 3 and rep.rejected_by_reason == {"missing_id": 1}
    out = dict(store.con.execute("SELECT id, outcome FROM incidents").fetchall())
    assert out == {ids[0]: "Offender sent to prison", ids[1]: "Unable to prosecute suspect",
                   ids[2]: "Under investigation"}
    # the street file loaded again keeps the joined outcomes
    ingest_police([tmp_path / "2021-06-hertfordshire-street.csv"], store)
    assert dict(store.con.execute("SELECT id, outcome FROM incidents").fetchall()) == out
    # August's outcomes re-published without the crime: July's outcome is the latest again
    write(tmp_path / "2021-08-hertfordshire-outcomes.csv", OUTCOMES_HEADER
          + f"{ids[2]},2021-08,Hertfordshire Constabulary,Hertfordshire Constabulary,,,No location,,,Local resolution\r\n")
    ingest_police([tmp_path / "2021-08-hertfordshire-outcomes.csv"], store)
    out = dict(store.con.execute("SELECT id, outcome FROM incidents").fetchall())
    assert out[ids[0]] == "Suspect charged" and out[ids[2]] == "Local resolution"
    assert store.outcome_count() == 3


@pytest.mark.parametrize("res", [7, 8, 9, 10])
def test_parent_counts_equal_the_sum_of_their_children(tmp_path, store, res):
    rows = []
    for k, (lon, lat) in enumerate([(-0.40, 51.65), (-0.20, 51.90), (-0.34, 51.75), (0.10, 51.95)]):
        for j in range(25):
            rows.append(street_row(crime_id=f"{k}-{j}", lon=f"{lon + j * 0.0007:.6f}", lat=f"{lat + j * 0.0005:.6f}"))
    ingest_police([write(tmp_path / "s-street.csv", street_csv(rows))], store)
    parent = dict(store.con.execute(f"SELECT h3_{res}, count(*) FROM incidents_h3 GROUP BY 1").fetchall())
    child = store.con.execute(f"SELECT h3_{res + 1}, count(*) FROM incidents_h3 GROUP BY 1").fetchall()
    summed: dict[str, int] = {}
    import h3
    for cell, n in child:
        p = h3.cell_to_parent(cell, res)  # the reference library, not our bit arithmetic
        summed[p] = summed.get(p, 0) + n
    assert summed == parent and sum(parent.values()) == 100


def test_remove_a_source(tmp_path, store):
    ingest_police([write(tmp_path / "s-street.csv", street_csv(watford_rows(5)))], store)
    assert store.remove("police") == 5 and store.count() == 0


KILLER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from geo.store import Store
    from geo.ingest.police import ingest_police

    class Paused(Store):
        def _before_commit(self):
            Path(sys.argv[2]).write_text("inside")
            time.sleep(60)

    with Paused(sys.argv[1]) as s:
        ingest_police([sys.argv[3]], s)
""")


def test_a_killed_load_leaves_the_store_as_it_was(tmp_path):
    db = tmp_path / "k.duckdb"
    first = write(tmp_path / "2021-06-hertfordshire-street.csv", street_csv(watford_rows(10)))
    with Store(db) as s:
        ingest_police([first], s)
        before = snapshot(s)
    # the same month again with other rows, killed inside its transaction
    second = write(tmp_path / "again" / "2021-06-hertfordshire-street.csv", street_csv(watford_rows(4, start=500)))
    flag = tmp_path / "inside.flag"
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(script), str(db), str(flag), str(second)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert proc.poll() is None, "the load ended before reaching its commit"
            assert time.monotonic() < deadline, "the load never reached its commit"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with Store(db) as s:
        assert snapshot(s) == before
        assert s.count() == 10


def test_side_tables_are_written_and_replaced_in_the_files_transaction():
    import datetime

    import pyarrow as pa

    from geo.ingest.pipeline import empty_rejections
    from geo.store import LoadUnit, Store

    s = Store(":memory:")
    s.ensure_side_table("t_side", "CREATE TABLE IF NOT EXISTS t_side (file_key VARCHAR, force VARCHAR, "
                                  "month DATE, v INTEGER, load_id INTEGER)")
    m = datetime.date(2023, 1, 1)
    parts = pa.table({"source": ["ae"], "force": ["X"], "month": [m]})

    def unit(values, key="f.csv"):
        n = len(values)
        return LoadUnit(file=key, file_key=key, kind="ae", source="ae", mode="replace", rows_read=n,
                        rejections=empty_rejections(), partitions=parts,
                        side_tables={"t_side": pa.table({"file_key": [key] * n, "force": ["X"] * n,
                                                         "month": [m] * n, "v": values})})
    s.write(unit([1, 2]))
    s.write(unit([1, 2]))            # the same file again: nothing doubles
    assert s.con.sql("SELECT count(*) FROM t_side").fetchall()[0][0] == 2
    s.write(unit([7], key="g.csv"))  # another file for the same (force, month) replaces it
    assert s.con.sql("SELECT v, load_id FROM t_side").fetchall() == [(7, 3)]

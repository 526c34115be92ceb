"""The app and the command line share one store: a load waits (bounded, with a message) for a program
holding the store instead of failing at once, pages wait for a load, a read-only store opens and says what
needs write access, and commands that only read refuse a missing store instead of creating one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from geo.store import Store
from tests.hostile import month_csv, run_cli, run_subprocess


def _holder(db, seconds: float) -> subprocess.Popen:
    """Another program holding the store for writing (as the app does while it loads) for ``seconds``."""
    code = ("import duckdb, sys, time\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "print('holding', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\n"
            "con.close()\n")
    p = subprocess.Popen([sys.executable, "-c", code, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "holding"
    return p


@pytest.fixture
def street_files(tmp_path):
    out = []
    for m in ("2021-01", "2021-02"):
        p = tmp_path / f"{m}-hertfordshire-street.csv"
        p.write_text(month_csv(m, 20))
        out.append(p)
    return out


def test_a_load_waits_for_the_program_holding_the_store(tmp_path, street_files):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    holder = _holder(db, 10)  # longer than the command's start-up (it imports every command's modules)
    t0 = time.monotonic()
    p, _ = run_subprocess(["ingest", "police", *street_files, "--db", db, "--json"],
                          env={"HOTSPOTS_LOCK_WAIT_S": "60"})
    waited = time.monotonic() - t0
    holder.wait()
    assert p.returncode == 0, p.stderr
    assert "in use by another program" in p.stderr and "waiting up to 60 s" in p.stderr
    assert json.loads(p.stdout)["rows_stored"] == 40
    assert waited > 2  # it waited for the holder rather than failing at once


def test_a_load_that_cannot_get_the_store_in_time_says_so(tmp_path, street_files):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    holder = _holder(db, 15)  # longer than the command's start-up plus its 1 s wait
    try:
        p, _ = run_subprocess(["ingest", "police", *street_files, "--db", db], env={"HOTSPOTS_LOCK_WAIT_S": "1"})
    finally:
        holder.wait()
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "is in use by another program" in p.stderr and "Fix:" in p.stderr
    with Store(db, read_only=True) as s:
        assert s.count() == 0


def test_the_app_keeps_no_connection_open_between_runs(tmp_path, street_files, monkeypatch):
    """After a page has run, a load from the command line gets the store at once (no wait allowed)."""
    from tests.app.conftest import open_page

    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        from geo.ingest.police import ingest_police

        ingest_police(street_files[:1], s)
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    at = open_page("pages/map.py")
    assert not at.exception
    p, _ = run_subprocess(["ingest", "police", street_files[1], "--db", db, "--json"],
                          env={"HOTSPOTS_LOCK_WAIT_S": "0"})
    assert p.returncode == 0, p.stderr
    at.run()  # and the page reads the new month after the load
    assert not at.exception


def test_a_page_waits_while_a_load_holds_the_store(tmp_path, street_files, monkeypatch):
    from tests.app.conftest import open_page

    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        from geo.ingest.police import ingest_police

        ingest_police(street_files, s)
    monkeypatch.setenv("HOTSPOTS_DB", str(db))
    at = open_page("pages/overview.py")
    holder = _holder(db, 3)
    try:
        at.run()  # the page's reads wait for the store instead of failing
    finally:
        holder.wait()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


# -- a read-only store ----------------------------------------------------------------------------------------
@pytest.fixture
def read_only_store(tmp_path, street_files):
    """A store file this process cannot write: a read-only mount where root may mount one, else file modes."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "s.duckdb"
    with Store(db) as s:
        from geo.ingest.police import ingest_police

        ingest_police(street_files, s)
    mounted = False
    if os.geteuid() == 0:
        src = tmp_path / "ro-src"
        shutil.copytree(folder, src)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], capture_output=True)
        if r.returncode == 0:
            shutil.copy2(src / "s.duckdb", db)
            mounted = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True).returncode == 0
            if not mounted:
                subprocess.run(["umount", str(folder)], check=False)
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("root without a read-only mount cannot be refused a write (file modes do not bind root)")
        db.chmod(0o444)
        folder.chmod(0o555)
    yield db
    if mounted:
        subprocess.run(["umount", str(folder)], check=False)
    else:
        folder.chmod(0o755)
        db.chmod(0o644)


def test_a_read_only_store_opens_for_everything_that_only_reads(read_only_store, capsys, street_files):
    db = read_only_store
    code, out, err = run_cli(capsys, "status", "--db", db, "--json")
    assert code == 0 and json.loads(out)["rows"] == 40
    code, out, err = run_cli(capsys, "detect", "--method", "count", "--db", db, "--json")
    assert code == 0 and json.loads(out)["incidents"] == 40
    code, out, err = run_cli(capsys, "ingest", "police", street_files[0], "--db", db)
    assert code == 2 and "read-only" in err and "Cannot load data" in err
    assert "Close other programs" not in err


def test_the_app_on_a_read_only_store_says_what_needs_write_access(read_only_store, monkeypatch):
    from tests.app.conftest import open_page

    monkeypatch.setenv("HOTSPOTS_DB", str(read_only_store))
    at = open_page("pages/data.py")
    assert not at.exception and not at.error, [e.value for e in at.error]
    note = " ".join(i.value for i in at.info)
    assert "The store is read-only" in note and "loading files" in note and "need write access" in note
    assert at.button(key="data_police_load").disabled
    assert at.button(key="data_boundary_add").disabled
    at2 = open_page("pages/map.py")
    assert not at2.exception and not at2.error


@pytest.mark.parametrize("command", [["status"], ["detect", "--method", "count"], ["patrol"], ["overlay", "--out", "o.csv"],
                                     ["brief", "--out", "x.pdf"], ["evaluate", "--test", "2021-06"],
                                     ["cctv"], ["sweeps"]])
def test_commands_that_only_read_refuse_a_missing_store(tmp_path, capsys, command):
    db = tmp_path / "typo.duckdb"
    code, out, err = run_cli(capsys, *command, "--db", db)
    assert code == 2 and "There is no store at" in err
    assert not db.exists()

"""Helpers for the hostile-input tests: files built in the test (never committed binaries), the command
line run as a person runs it, and counts made independently of the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from hotspots.cli import main
from tests.conftest import ROOT, STREET_HEADER, street_csv, watford_rows

#: A force records mapping for the hand-made exports (British National Grid, one date-time column).
RMS_MAPPING = """
[source]
force = "Test Force"

[columns]
id = "Crime Reference"
category = "Crime Type"
occurred_at = "Committed"
easting = "Easting"
northing = "Northing"
location = "Location"

[categories]
"Violence" = "Violence and sexual offences"
"Burglary" = "Burglary"
"""
RMS_HEADER = ["Crime Reference", "Crime Type", "Committed", "Easting", "Northing", "Location"]


def rms_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(RMS_HEADER)
    w.writerows(rows)
    return buf.getvalue()


def rms_row(ref: str, when: str = "05/01/2021 22:15", category: str = "Violence", e: str = "510500",
            n: str = "196800", location: str = "High Street") -> list[str]:
    return [ref, category, when, e, n, location]


def month_csv(month: str, n: int, start: int = 0) -> str:
    """A police.uk street file of ``n`` Watford rows in ``month`` (distinct Crime IDs)."""
    return street_csv(watford_rows(n, month=month, start=start))


def data_rows(text: str) -> int:
    """Data rows of a CSV counted with the csv module (independently of the readers): lines after the header."""
    return sum(1 for row in list(csv.reader(io.StringIO(text, newline="")))[1:] if any(c.strip() for c in row))


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """``python -m hotspots ARGS`` in this process: exit code, standard output, standard error."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def ingest_json(capsys, kind: str, paths, db, *extra) -> tuple[int, dict]:
    code, out, err = run_cli(capsys, "ingest", kind, *paths, "--db", db, "--json", *extra)
    assert out.strip(), err
    return code, json.loads(out)


def assert_balanced(report: dict, expected_rows: int) -> None:
    """Every row read is stored or listed: rows_read = stored + rejected, against a count made in the test."""
    assert report["rows_read"] == expected_rows, (report["rows_read"], expected_rows)
    assert report["rows_read"] == report["rows_stored"] + report["rows_rejected"]
    assert sum(report["rejected_by_reason"].values()) == report["rows_rejected"]
    for f in report["file_report"]:
        assert f["rows_read"] == f["rows_stored"] + f["rows_rejected"], f


def stored(db, sql: str = "SELECT count(*) FROM incidents", params=()):
    from geo.store import Store

    with Store(db, read_only=True) as s:
        return s.con.execute(sql, list(params)).fetchall()


def listed(db) -> list[tuple]:
    """(file, row, reason) of every row the store lists as not stored."""
    return [tuple(r) for r in stored(db, 'SELECT file, "row", reason FROM rejections ORDER BY file, "row"')]


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def run_subprocess(args: list[str], *, memory_limit: int | None = None, env: dict | None = None,
                   timeout: float = 600, preexec=None) -> tuple[subprocess.CompletedProcess, dict]:
    """``python -m hotspots ARGS`` in a new process (optionally under an address-space limit); returns the
    process and its peak memory (``VmHWM``, resident, and ``VmPeak``, virtual, in bytes)."""
    code = ("import resource, sys\n"
            "from hotspots.cli import main\n"
            "rc = main(sys.argv[1:])\n"
            "peak = {}\n"
            "for line in open('/proc/self/status'):\n"
            "    if line.startswith(('VmHWM', 'VmPeak')):\n"
            "        k, v = line.split(':'); peak[k] = int(v.split()[0]) * 1024\n"
            "import json; print('PEAK', json.dumps(peak), file=sys.stderr)\n"
            "sys.exit(rc)\n")

    def limits():
        if memory_limit is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        if preexec is not None:
            preexec()

    full_env = {**os.environ, **(env or {})}
    p = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                       env=full_env, timeout=timeout, preexec_fn=limits)
    peak = {}
    for line in p.stderr.splitlines():
        if line.startswith("PEAK "):
            peak = json.loads(line[5:])
    return p, peak


__all__ = ["RMS_HEADER", "RMS_MAPPING", "STREET_HEADER", "assert_balanced", "data_rows", "ingest_json", "listed",
           "month_csv", "rms_csv", "rms_row", "run_cli", "run_subprocess", "stored", "zip_bytes", "Path"]

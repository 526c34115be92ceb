"""A throwaway PostgreSQL cluster for the tests (issue 17): initdb in a temporary folder, a free loopback port,
PostGIS, stopped at the end whatever happens.

    python tests/pgcluster.py start FOLDER     # prints the URL (postgresql://hotspots@127.0.0.1:PORT/hotspots)
    python tests/pgcluster.py stop FOLDER

``.ci/run`` starts one with ``CI=true`` and exports ``HOTSPOTS_TEST_PG``; without it, the ``pg_url`` fixture
(tests/conftest.py) starts its own the same way when the server binaries are on the machine (Debian's
``postgresql-15`` and ``postgresql-15-postgis-3``), so ``python -m pytest -m postgres`` is the one command a
developer runs. PostgreSQL refuses to run as root: as root the cluster runs as ``nobody`` (the folder is
given to it). Only the loopback interface listens, with ``trust`` for local connections: a test cluster, never
a deployment (README, "Shared deployment", for that).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["ClusterError", "find_bin", "start", "stop"]

DB = "hotspots"
USER = "hotspots"


class ClusterError(RuntimeError):
    """No cluster could be started (the sentence says why)."""


def find_bin(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name),
                         reverse=True):
        if os.access(os.path.join(folder, name), os.X_OK):
            return os.path.join(folder, name)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str]) -> list[str]:
    """Run as ``nobody`` when we are root (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if not runuser:
            raise ClusterError("PostgreSQL cannot run as root and `runuser` is missing to run it as nobody.")
        return [runuser, "-u", "nobody", "--", *cmd]
    return cmd


def start(folder: str | os.PathLike) -> str:
    """Create and start a cluster in ``folder`` (made if missing); returns its URL. PostGIS is created."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise ClusterError("The PostgreSQL server programs (initdb, pg_ctl) are not installed: on Debian, "
                           "apt-get install postgresql-15 postgresql-15-postgis-3.")
    root = Path(folder).resolve()
    data, sock = root / "data", root / "socket"
    root.mkdir(parents=True, exist_ok=True)
    sock.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(root, "nobody")
        shutil.chown(sock, "nobody")
    port = _free_port()
    run = lambda cmd, **kw: subprocess.run(_as_owner(cmd), capture_output=True, text=True, cwd="/", **kw)  # noqa: E731
    r = run([initdb, "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
    if r.returncode:
        raise ClusterError(f"initdb failed: {r.stderr.strip()[-400:]}")
    opts = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sock} -c fsync=off"
    r = run([pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "server.log"), "-w", "-t", "60", "start"])
    if r.returncode:
        log = (root / "server.log").read_text(errors="replace")[-400:] if (root / "server.log").exists() else ""
        raise ClusterError(f"the server did not start: {r.stderr.strip()[-300:]} {log}")
    (root / "port").write_text(str(port))
    psql = find_bin("psql") or "psql"
    for sql, db in ((f"CREATE DATABASE {DB}", "postgres"), ("CREATE EXTENSION IF NOT EXISTS postgis", DB)):
        r = subprocess.run([psql, "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-d", db, "-v", "ON_ERROR_STOP=1",
                            "-c", sql], capture_output=True, text=True)
        if r.returncode:
            stop(root)
            raise ClusterError(f"{sql} failed: {r.stderr.strip()[-300:]} (is postgresql-15-postgis-3 installed?)")
    return url(root)


def url(folder) -> str:
    port = (Path(folder) / "port").read_text().strip()
    return f"postgresql://{USER}@127.0.0.1:{port}/{DB}"


def stop(folder: str | os.PathLike) -> None:
    """Stop the cluster in ``folder`` (fast shutdown; nothing if it is not running)."""
    pg_ctl = find_bin("pg_ctl")
    data = Path(folder).resolve() / "data"
    if pg_ctl and (data / "postmaster.pid").exists():
        subprocess.run(_as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop"]),
                       capture_output=True, text=True, cwd="/")
        for _ in range(50):
            if not (data / "postmaster.pid").exists():
                break
            time.sleep(0.1)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python tests/pgcluster.py start|stop FOLDER", file=sys.stderr)
        return 2
    try:
        if argv[0] == "start":
            print(start(argv[1]))
        else:
            stop(argv[1])
    except ClusterError as err:
        print(f"Could not start a PostgreSQL cluster: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Ingest speed: the project's pipeline against the plain geopandas route, same files, same process.

Builds >= 1,000,000 police.uk street rows in a temporary folder from the real
Hertfordshire files in ``../shared/data`` (each month file copied N times, every copy
moved back by whole runs of 13 months so that every (force, month) is distinct, nothing
is replaced, and every month lies between police.uk's first (2010-12) and today, as the
readers require), then times:

* the pipeline: ``read_area`` + ``ingest_police`` into a fresh DuckDB file, with the
  county boundary and without it (far-outside rule), best of 3;
* the plain route: ``pandas.read_csv`` of every file, concat, drop rows without
  coordinates, ``GeoDataFrame(points_from_xy)`` in EPSG:4326, ``to_crs(27700)``,
  ``h3.latlng_to_cell`` row by row, ``geopandas.sjoin(predicate="within")`` with the
  county polygon; best of 3 unless one run is slow (then 1, and the table says so);

and prints rows/s (and CPU seconds) of each, the ratio of the two, the goals
(>= 1,000,000 rows/s end to end, >= 20x the plain route) as met / not met, a
correctness check (rows inside the area and distinct H3 cells agree between the two
routes), where the pipeline's time goes, phase by phase, measured by running its own
steps one at a time (``ingest_police`` overlaps them, so they add up to more than its
end-to-end time), and the floor the store's contract sets: the same rows written with
nothing but one durable transaction per file, against one bulk INSERT, the fsync of a
one-row commit and the disk's write rate.

Usage::

    python bench/ingest.py [--copies N] [--keep] [--runs R] [--what-if]

Nothing is written to the repository; ``--keep`` leaves the temporary folder (its path
is printed) for inspection.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
STREET_DIR = DATA / "police" / "hertfordshire_2021" / "street"
BOUNDARY = DATA / "boundaries" / "herts_county_cty17_E10000015.geojson"

#: The goals of the ingest-speed issue.
GOAL_ROWS_PER_S = 1_000_000
GOAL_RATIO = 20.0
#: Rows the generated data set must reach.
MIN_ROWS = 1_000_000
#: A plain-route run slower than this is not repeated (best of 1, said in the table).
PLAIN_REPEAT_LIMIT_S = 60.0

if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

_MONTH_RE = re.compile(r"^([^,\r\n]*),(\d{4})-(\d{2}),", re.M)
_NAME_RE = re.compile(r"^(\d{4})-(\d{2})-(.+)$")


# -- data ---------------------------------------------------------------------------
def build_copies(out: Path, copies: int) -> tuple[int, int]:
    """Write ``copies`` copies of every month file under ``out/YYYY-MM/``; return (files, rows).

    Copy ``k`` moves each month back by ``k * span`` months, where ``span`` is the number of
    months the real files cover (2021-01 .. 2022-01 is 13), so no two files share a (force,
    month) and none is earlier than police.uk's first month (10 copies reach back to 2011-04).
    The Month column (the second field; the first, Crime ID, is hex or blank, never quoted)
    and the file name are both shifted.
    """
    from geo.months import FIRST_POLICE_MONTH, month_index, shift_month

    files = sorted(STREET_DIR.glob("*-street.csv"))
    if not files:
        sys.exit(f"No street files in {STREET_DIR}.")
    months = [f"{_NAME_RE.match(f.name).group(1)}-{_NAME_RE.match(f.name).group(2)}" for f in files]
    span = month_index(max(months)) - month_index(min(months)) + 1
    if month_index(shift_month(min(months), -(copies - 1) * span)) < month_index(FIRST_POLICE_MONTH):
        sys.exit(f"{copies} copies of {span} months reach back before {FIRST_POLICE_MONTH}; use fewer copies.")
    n_files = rows = 0
    for f in files:
        text = f.read_text(encoding="utf-8")
        y, m, rest = _NAME_RE.match(f.name).groups()
        for k in range(copies):
            shift = -k * span
            # the header line does not match (its Month is a word, not a date): n_sub is the data rows
            new, n_sub = _MONTH_RE.subn(
                lambda mo: f"{mo.group(1)},{shift_month(f'{mo.group(2)}-{mo.group(3)}', shift)},", text)
            month = shift_month(f"{y}-{m}", shift)
            folder = out / month
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{month}-{rest}").write_text(new, encoding="utf-8")
            n_files += 1
            rows += n_sub
    return n_files, rows


# -- timing -----------------------------------------------------------------------------
#: CPU seconds (all threads of this process) of the fastest run of the last ``best_of``.
LAST_CPU_S = [0.0]


def best_of(fn, runs: int, slow_limit_s: float | None = None) -> tuple[float, object, int]:
    """Run ``fn`` up to ``runs`` times; return (best seconds, last result, runs done).

    The fastest run's CPU time (``time.process_time``: every thread of this process) is
    left in ``LAST_CPU_S[0]``: unlike wall time it hardly changes with the machine's load.
    """
    best, result, done = float("inf"), None, 0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        dt = time.perf_counter() - t0
        if dt < best:
            best, LAST_CPU_S[0] = dt, time.process_time() - c0
        done += 1
        if slow_limit_s is not None and dt > slow_limit_s:
            break
    return best, result, done


def run_pipeline(folder: Path, db: Path, with_area: bool):
    """The project's route, end to end: boundary read, ingest into a fresh DuckDB file."""
    from geo.boundaries import read_area
    from geo.ingest.police import ingest_police
    from geo.store import Store

    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    area = read_area(BOUNDARY) if with_area else None
    with Store(db) as store:
        report = ingest_police([folder], store, area=area)
    return report


def run_plain(folder: Path):
    """The plain route: pandas + geopandas + h3 per row + sjoin."""
    import geopandas as gpd
    import h3
    import pandas as pd

    files = sorted(folder.rglob("*-street.csv"))
    df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    df = df.dropna(subset=["Longitude", "Latitude"])
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["Longitude"], df["Latitude"]), crs="EPSG:4326")
    gdf = gdf.to_crs(27700)
    gdf["h3_11"] = [h3.latlng_to_cell(lat, lon, 11) for lat, lon in zip(gdf["Latitude"], gdf["Longitude"])]
    county = gpd.read_file(BOUNDARY).to_crs(27700)[["geometry"]]
    return gpd.sjoin(gdf, county, predicate="within")


def plain_breakdown(folder: Path) -> list[tuple[str, float]]:
    """The plain route's steps, timed one at a time (one run)."""
    import geopandas as gpd
    import h3
    import pandas as pd

    t = []
    t0 = time.perf_counter()
    files = sorted(folder.rglob("*-street.csv"))
    df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    t.append(("read_csv x files + concat", time.perf_counter() - t0))
    t0 = time.perf_counter()
    df = df.dropna(subset=["Longitude", "Latitude"])
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["Longitude"], df["Latitude"]), crs="EPSG:4326")
    t.append(("dropna + points_from_xy", time.perf_counter() - t0))
    t0 = time.perf_counter()
    gdf = gdf.to_crs(27700)
    t.append(("to_crs(27700)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    gdf["h3_11"] = [h3.latlng_to_cell(lat, lon, 11) for lat, lon in zip(gdf["Latitude"], gdf["Longitude"])]
    t.append(("h3.latlng_to_cell per row", time.perf_counter() - t0))
    t0 = time.perf_counter()
    county = gpd.read_file(BOUNDARY).to_crs(27700)[["geometry"]]
    gpd.sjoin(gdf, county, predicate="within")
    t.append(("read boundary + sjoin within", time.perf_counter() - t0))
    return t


class _OneTransaction:
    """A connection on which Store.write's own BEGIN/COMMIT (and the load's CHECKPOINT) do nothing:
    the caller holds one transaction and checkpoints after it."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql, *args, **kwargs):
        if sql.strip() in ("BEGIN TRANSACTION", "COMMIT", "CHECKPOINT"):
            return self._con
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def build_units(folder: Path):
    """The per-file LoadUnits of the street files (county boundary), built once."""
    import duckdb

    import geo.ingest.pipeline as ing
    import geo.ingest.police as pol
    from geo.boundaries import read_area
    from geo.constants import SOURCE_POLICE
    from geo.readers import police
    from geo.readers.common import discover

    area = read_area(BOUNDARY)
    raws = [raw for _, raw, _, _ in pol.read_files(discover([folder]), None)]
    con = duckdb.connect()
    staged = pol.stage(con, police.KINDS[police.STREET], raws)
    con.close()
    return ing.incident_units(staged, raws, police.STREET, area, source=SOURCE_POLICE, repeats_kept=True)


def store_variants(units, db: Path, runs: int) -> list[tuple[str, float]]:
    """What-if: the same per-file LoadUnits written three ways; best seconds of each.

    * as shipped: ``ingest_units``, one transaction per file;
    * one transaction around the same per-file statements (Store.write's BEGIN/COMMIT
      made no-ops by a connection wrapper);
    * all files merged into one LoadUnit: one ``Store.write``, one statement per table.
    """
    import pyarrow as pa

    import geo.ingest.pipeline as ing
    from geo.readers import police
    from geo.store import LoadUnit, Store

    def fresh() -> Path:
        for p in (db, Path(str(db) + ".wal")):
            p.unlink(missing_ok=True)
        return db

    def per_file():
        with Store(fresh()) as store:
            ing.ingest_units(units, store)

    def one_transaction():
        with Store(fresh()) as store:
            real = store.con
            real.execute("BEGIN TRANSACTION")
            store.con = _OneTransaction(real)
            try:
                ing.ingest_units(units, store)
            finally:
                store.con = real
            real.execute("COMMIT")
            real.execute("CHECKPOINT")

    def merged():
        unit = LoadUnit(file="all", file_key="all", kind=police.STREET, source=units[0].source, mode="replace",
                        rows_read=sum(u.rows_read for u in units),
                        rejections=pa.concat_tables([u.rejections for u in units]),
                        partitions=pa.concat_tables([u.partitions for u in units]),
                        incidents=pa.concat_tables([u.incidents for u in units]))
        with Store(fresh()) as store:
            store.write(unit)

    return [(name, best_of(fn, runs)[0]) for name, fn in (
        (f"one transaction per file, {len(units)} files (as shipped)", per_file),
        ("one transaction, the same per-file statements", one_transaction),
        ("one merged LoadUnit: one statement per table", merged))]


def durable_floor(units, db: Path) -> dict:
    """What the store's contract costs by itself, whatever the rest of the pipeline does.

    Writes the same incident rows (already read, checked and placed) with nothing but
    what one durable transaction per file needs: per file ``BEGIN``, one ``INSERT`` of its
    rows, ``COMMIT`` (its write-ahead-log record written and fsynced); then the one
    ``CHECKPOINT`` that merges the log into the database file. Against that: the same
    rows in one ``INSERT`` (one transaction; DuckDB then writes compressed blocks
    straight to the file and logs only their addresses), a one-row commit (the fsync
    alone), and the disk's sequential write rate with fsync.
    """
    import duckdb
    import pyarrow as pa

    from geo.schema import INCIDENT_COLUMNS
    from geo.store import incident_ddl

    cols = [c.name for c in INCIDENT_COLUMNS if c.name not in ("outcome", "load_id")]
    names = ", ".join(cols)
    wal = Path(str(db) + ".wal")

    def fresh():
        for p in (db, wal):
            p.unlink(missing_ok=True)
        con = duckdb.connect(str(db))
        con.execute("SET checkpoint_threshold = '64GB'")
        con.execute(incident_ddl())
        return con

    out: dict = {"files": len(units), "rows": sum(u.incidents.num_rows for u in units)}
    con = fresh()
    t_ins = t_commit = 0.0
    c0 = time.process_time()
    for u in units:
        con.register("u", u.incidents)
        con.execute("BEGIN TRANSACTION")
        t0 = time.perf_counter()
        con.execute(f"INSERT INTO incidents ({names}, load_id) SELECT {names}, 1 FROM u")
        t1 = time.perf_counter()
        con.execute("COMMIT")
        t_commit += time.perf_counter() - t1
        t_ins += t1 - t0
        con.unregister("u")
    out["wal_mb"] = wal.stat().st_size / 1e6 if wal.exists() else 0.0
    t0 = time.perf_counter()
    con.execute("CHECKPOINT")
    out.update(insert_s=t_ins, commit_s=t_commit, checkpoint_s=time.perf_counter() - t0,
               cpu_s=time.process_time() - c0, db_mb=db.stat().st_size / 1e6)
    con.close()

    # the cheapest bulk write found: without insertion order DuckDB's threads need not hand
    # rows over in sequence (about 0.4 CPU s less here); best of 2, like the parse's best of
    everything = pa.concat_tables([u.incidents for u in units])
    out["bulk_s"] = out["bulk_cpu_s"] = float("inf")
    for _ in range(2):
        con = fresh()
        con.execute("SET preserve_insertion_order = false")
        con.register("u", everything)
        t0, c0 = time.perf_counter(), time.process_time()
        con.execute(f"INSERT INTO incidents ({names}, load_id) SELECT {names}, 1 FROM u")
        con.execute("CHECKPOINT")
        out["bulk_s"] = min(out["bulk_s"], time.perf_counter() - t0)
        out["bulk_cpu_s"] = min(out["bulk_cpu_s"], time.process_time() - c0)
        con.close()

    con = fresh()
    con.execute("CREATE TABLE t (i INTEGER)")
    t0 = time.perf_counter()
    for i in range(100):
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO t VALUES (?)", [i])
        con.execute("COMMIT")
    out["tiny_commit_ms"] = (time.perf_counter() - t0) * 10
    con.close()

    path = db.with_suffix(".fsync")
    block = os.urandom(4 << 20)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        t0 = time.perf_counter()
        for _ in range(64):  # 256 MB, fsynced every 4 MB (about one file's log record)
            os.write(fd, block)
            os.fsync(fd)
        out["disk_mb_s"] = 256 * 1.048576 / (time.perf_counter() - t0)
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    for p in (db, wal):
        p.unlink(missing_ok=True)
    return out


def parse_floor(folder: Path, runs: int) -> dict:
    """The cheapest parse of the CSV text: pyarrow's reader, every file, two threads.

    Nothing is checked, placed or stored: only the bytes turned into columns. Any route
    that reads these files pays at least this (DuckDB's own reader measured the same
    here). Best of ``runs``; returns wall and CPU seconds and the bytes parsed.
    """
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.csv as pacsv

    files = sorted(folder.rglob("*-street.csv"))
    opts = pacsv.ReadOptions(use_threads=False)  # one file a thread: the two threads share the files

    def parse():
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            return sum(t.num_rows for t in pool.map(lambda f: pacsv.read_csv(f, read_options=opts), files))

    wall, rows, _ = best_of(parse, runs)
    return {"wall_s": wall, "cpu_s": LAST_CPU_S[0], "rows": rows,
            "mb": sum(f.stat().st_size for f in files) / 1e6, "files": len(files)}


def any_route_floor(n_rows: int, parse: dict, fl: dict, plain_s: float, cores: int) -> list[str]:
    """The floor any route meets on this machine, from the cheapest ways measured, against the goals.

    A route must at least parse the files and write the stored rows into the DuckDB
    store. The cheapest measured parse (``parse_floor``) and the cheapest measured write
    (one INSERT of every placed row, one transaction, then CHECKPOINT; not even the
    store's one-transaction-per-file contract) together need ``cpu`` CPU seconds, which
    ``cores`` cores cannot do in less than ``cpu / cores`` seconds, however the work is
    overlapped; nor in less than either step's own wall time. The floor is as good as the cheapest
    parse and write measured here: a cheaper way found later would lower it (the README lists the
    variants tried), so it is an estimate from measurements, not a proof.
    """
    cpu = parse["cpu_s"] + fl["bulk_cpu_s"]
    floor_s = max(cpu / cores, parse["wall_s"], fl["bulk_s"])
    need_rate_s = n_rows / GOAL_ROWS_PER_S
    need_ratio_s = plain_s / GOAL_RATIO
    return [
        f"  parse only (pyarrow, {parse['files']} files, {parse['mb']:.0f} MB, {cores} threads): "
        f"{parse['wall_s']:.2f} s, {parse['cpu_s']:.2f} CPU s ({parse['rows']:,} rows)",
        f"  store only, the cheapest way found (one INSERT of every placed row, one transaction, no insertion "
        f"order, CHECKPOINT): "
        f"{fl['bulk_s']:.2f} s, {fl['bulk_cpu_s']:.2f} CPU s",
        f"  together {cpu:.2f} CPU s: on {cores} cores at least {floor_s:.2f} s however they overlap -> "
        f"at most {n_rows / floor_s:,.0f} rows/s for a route that parses these files into a DuckDB table "
        "the cheapest ways measured",
        f"  goal {GOAL_ROWS_PER_S:,} rows/s needs the whole load in {need_rate_s:.2f} s: "
        f"{'within' if floor_s <= need_rate_s else 'below'} that floor -> "
        f"{'reachable in principle' if floor_s <= need_rate_s else 'out of reach on this machine'}",
        f"  goal {GOAL_RATIO:.0f}x the plain route ({plain_s:.2f} s) needs the whole load in {need_ratio_s:.2f} s: "
        f"{'within' if floor_s <= need_ratio_s else 'below'} that floor -> "
        f"{'reachable in principle' if floor_s <= need_ratio_s else 'out of reach on this machine'}",
        "  (the floor leaves out everything that makes a load correct: checking each value, projecting, H3, the "
        "area test, the rejection report, one transaction per file)",
    ]


# -- phases -------------------------------------------------------------------------------
class TimedConnection:
    """A DuckDB connection that adds up the time of each kind of statement.

    ``totals[key]`` is the summed seconds, ``calls[key]`` each call's seconds in order
    (so growth from the first file to the last shows).
    """

    def __init__(self, con, totals: dict, calls: dict | None = None):
        self._con, self._totals = con, totals
        self._calls = calls if calls is not None else defaultdict(list)

    def execute(self, sql, *args, **kwargs):
        key = "store: " + " ".join(sql.split()[:3])[:40]
        t0 = time.perf_counter()
        try:
            return self._con.execute(sql, *args, **kwargs)
        finally:
            dt = time.perf_counter() - t0
            self._totals[key] += dt
            self._calls[key].append(dt)

    def __getattr__(self, name):
        return getattr(self._con, name)


@contextmanager
def _timed_locate(totals: dict):
    """Time geo.ingest.pipeline.locate (the name incident_units calls) while inside the block."""
    import geo.ingest.pipeline as ing

    real = ing.locate

    def timed(*a, **k):
        t0 = time.perf_counter()
        try:
            return real(*a, **k)
        finally:
            totals["locate (check, project, H3, area test)"] += time.perf_counter() - t0

    ing.locate = timed
    try:
        yield
    finally:
        ing.locate = real


def phase_breakdown(folder: Path, db: Path, with_area: bool) -> tuple[list[tuple[str, float]], dict, float]:
    """The steps of ``ingest_police`` (street files only), run and timed one at a time.

    All files as one batch and nothing overlapped (``ingest_police`` prepares the next
    batch while one is written), so the phases add up to more than its end-to-end time.

    Mirrors geo.ingest.pipeline.ingest_police for a folder of street files; the totals must match
    the real run's (checked by the caller). Returns (rows of (phase, seconds), facts, total).
    """
    import duckdb
    import numpy as np
    import pandas as pd

    import geo.ingest.pipeline as ing
    import geo.ingest.police as pol
    from geo.boundaries import read_area
    from geo.constants import SOURCE_POLICE
    from geo.readers import police
    from geo.readers.common import discover
    from geo.store import Store

    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    t: dict[str, float] = defaultdict(float)
    calls: dict[str, list[float]] = defaultdict(list)
    facts: dict = {"calls": calls}
    t_all = time.perf_counter()

    t0 = time.perf_counter()
    area = read_area(BOUNDARY) if with_area else None
    t["read boundary (read_area)"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    sources = discover([folder])
    read = pol.read_files(sources, None)
    t["read CSVs (read_table x files, 2 threads)"] += time.perf_counter() - t0
    raws = [raw for _, raw, kind, err in read if err is None and kind == police.STREET]
    if len(raws) != len(sources):
        raise RuntimeError("phase breakdown expects street files only; some file was refused or of another kind")

    con = duckdb.connect()
    t0 = time.perf_counter()
    staged = pol.stage(con, police.KINDS[police.STREET], raws)
    con.close()
    t["stage (DuckDB SQL: validate, parse)"] += time.perf_counter() - t0
    facts["staged_chunks"] = staged.column("x").num_chunks

    x = staged.column("x").to_numpy(zero_copy_only=False)
    y = staged.column("y").to_numpy(zero_copy_only=False)
    ok = np.isfinite(x) & np.isfinite(y)
    facts["rows_with_coordinates"] = int(ok.sum())
    facts["distinct_points"] = int(pd.unique(x[ok] + 1j * y[ok]).size)

    t0 = time.perf_counter()
    with _timed_locate(t):
        units = ing.incident_units(staged, raws, police.STREET, area, source=SOURCE_POLICE, repeats_kept=True)
    t["cut into per-file units (incident_units minus locate)"] += (
        time.perf_counter() - t0 - t["locate (check, project, H3, area test)"])

    t0 = time.perf_counter()
    units.sort(key=lambda u: {s.name: i for i, s in enumerate(sources)}.get(u.file, 0))
    with Store(db) as store:
        real_con = store.con
        store.con = TimedConnection(real_con, t, calls)
        try:
            report = ing.ingest_units(units, store)
        finally:
            store.con = real_con
    t_store = time.perf_counter() - t0
    store_sql = sum(v for k, v in t.items() if k.startswith("store: "))
    t["store: other (register, report, Python)"] += t_store - store_sql
    total = time.perf_counter() - t_all
    facts["rows_stored"] = report.rows_stored
    facts["files"] = len(sources)
    return sorted(t.items(), key=lambda kv: -kv[1]), facts, total


# -- report --------------------------------------------------------------------------------
def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover - not on this platform
        return "unknown"


def _fmt_row(cells, widths):
    return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=10, help="copies of each month file (default 10: 1,084,650 rows)")
    ap.add_argument("--runs", type=int, default=3, help="runs per route, best taken (default 3)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    ap.add_argument("--what-if", action="store_true",
                    help="also time the same per-file units written three ways (per file, one transaction, merged)")
    args = ap.parse_args(argv)

    if not STREET_DIR.is_dir() or not BOUNDARY.is_file():
        sys.exit(f"The real police.uk files are not here: {DATA} (expected {STREET_DIR.relative_to(DATA)} and "
                 f"{BOUNDARY.relative_to(DATA)}). This benchmark needs the shared data folder beside the repository.")
    if args.copies < 1 or args.runs < 1:
        sys.exit("--copies and --runs must be at least 1.")

    import duckdb
    import geopandas
    import h3
    import pyarrow
    import shapely

    print(f"bench/ingest.py  {time.strftime('%Y-%m-%d')}  {os.cpu_count()} cores  Python {platform.python_version()}  "
          f"duckdb {duckdb.__version__}  pyarrow {pyarrow.__version__}  shapely {shapely.__version__}  "
          f"geopandas {geopandas.__version__}  h3 {h3.__version__}")
    print(f"load average before: {_load()} (other processes on the machine slow every route; ratios are the steadier number)")

    tmp = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    try:
        data = tmp / "street"
        t0 = time.perf_counter()
        n_files, n_rows = build_copies(data, args.copies)
        print(f"data: {n_files} files, {n_rows:,} rows ({args.copies} copies of {n_files // args.copies} months), "
              f"built in {time.perf_counter() - t0:.1f} s in {data}")
        if n_rows < MIN_ROWS:
            print(f"  note: fewer than {MIN_ROWS:,} rows; use --copies 10 or more for the issue's measurement")

        rows = []  # (route, rows, seconds, runs)
        db = tmp / "bench.duckdb"

        s_area, rep_area, k = best_of(lambda: run_pipeline(data, db, True), args.runs)
        if rep_area.rows_read != n_rows:
            print(f"  WARNING: pipeline read {rep_area.rows_read:,} rows, the files hold {n_rows:,}")
        with duckdb.connect(str(db), read_only=True) as con:
            pipe_inside, pipe_cells = con.execute(
                "SELECT count(*), count(DISTINCT h3_11) FROM incidents").fetchall()[0]
            pipe_cell_set = {int(c) for (c,) in con.execute("SELECT DISTINCT h3_11 FROM incidents").fetchall()}
        rows.append(("pipeline, county boundary", n_rows, s_area, k, LAST_CPU_S[0]))

        s_noarea, rep_noarea, k = best_of(lambda: run_pipeline(data, db, False), args.runs)
        rows.append(("pipeline, no boundary (far-outside rule)", n_rows, s_noarea, k, LAST_CPU_S[0]))

        s_plain, joined, k = best_of(lambda: run_plain(data), args.runs, PLAIN_REPEAT_LIMIT_S)
        plain_label = "plain pandas/geopandas/h3/sjoin" + ("" if k == args.runs else f" (best of {k}: slow)")
        rows.append((plain_label, n_rows, s_plain, k, LAST_CPU_S[0]))
        plain_inside = len(joined)
        plain_cell_set = {int(c, 16) for c in joined["h3_11"].unique()}
        del joined

        plain_rate = n_rows / s_plain
        widths = [42, 10, 8, 12, 8, 5, 8]
        print()
        print(_fmt_row(["route", "rows", "seconds", "rows/s", "ratio", "runs", "CPU s"], widths))
        for name, n, s, k, cpu in rows:
            rate = n / s
            print(_fmt_row([name, f"{n:,}", f"{s:.2f}", f"{rate:,.0f}", f"{rate / plain_rate:.1f}x", k, f"{cpu:.2f}"],
                           widths))
        print("(ratio: rows/s over the plain route's rows/s; rows = every row in the files, read by both routes;\n"
              " CPU s: CPU time of the fastest run, every thread of the process)")

        area_rate = n_rows / s_area
        print()
        print("goals (pipeline with the county boundary, end to end):")
        print(f"  >= {GOAL_ROWS_PER_S:,} rows/s on this {os.cpu_count()}-core machine: {area_rate:,.0f} rows/s -> "
              f"{'met' if area_rate >= GOAL_ROWS_PER_S else 'not met'}")
        print(f"  >= {GOAL_RATIO:.0f}x the plain route: {area_rate / plain_rate:.1f}x -> "
              f"{'met' if area_rate / plain_rate >= GOAL_RATIO else 'not met'}")

        print()
        print("correctness (rows inside the county boundary):")
        print(f"  pipeline stored {pipe_inside:,}  (rows_read {rep_area.rows_read:,}, rows_rejected "
              f"{rep_area.rows_rejected:,}: {rep_area.rejected_by_reason})")
        print(f"  plain sjoin     {plain_inside:,}")
        print(f"  counts {'agree' if pipe_inside == plain_inside else 'DISAGREE by ' + format(pipe_inside - plain_inside, ',')}; "
              f"distinct H3 res-11 cells: pipeline {pipe_cells:,}, plain {len(plain_cell_set):,}, "
              f"sets {'identical' if pipe_cell_set == plain_cell_set else 'DIFFER'}")
        print(f"  without a boundary the pipeline stored {rep_noarea.rows_stored:,} "
              f"(rejected {rep_noarea.rejected_by_reason})")

        print()
        print("where the pipeline's time goes (its steps run one at a time, county boundary, one run):")
        phases, facts, total = phase_breakdown(data, db, True)
        for name, s in phases:
            print(f"  {name:<58} {s:7.2f} s  {100 * s / total:5.1f}%")
        print(f"  {'total':<58} {total:7.2f} s  (end-to-end best above: {s_area:.2f} s)")
        grow = [(k, v) for k, v in facts["calls"].items() if len(v) >= 20]
        if grow:
            print("  per-file store statements, mean ms over the first 10 files -> the last 10 (growth = cost rising with the table):")
            for k, v in sorted(grow, key=lambda kv: -sum(kv[1])):
                first, last = 1000 * sum(v[:10]) / 10, 1000 * sum(v[-10:]) / 10
                if first + last >= 2:
                    print(f"    {k[7:]:<40} {first:6.1f} -> {last:6.1f} ms")
        print(f"  {facts['files']} files, {facts['rows_with_coordinates']:,} rows with coordinates on "
              f"{facts['distinct_points']:,} distinct points; DuckDB staged result in {facts['staged_chunks']} chunks; "
              f"rows stored {facts['rows_stored']:,} ({'same as' if facts['rows_stored'] == pipe_inside else 'DIFFERS from'} "
              f"ingest_police)")

        print()
        print("where the plain route's time goes (one run):")
        pb = plain_breakdown(data)
        ptotal = sum(v for _, v in pb)
        for name, v in pb:
            print(f"  {name:<58} {v:7.2f} s  {100 * v / ptotal:5.1f}%")
        print(f"  {'total':<58} {ptotal:7.2f} s")

        print()
        print("the floor set by the store's contract (one durable transaction per file), the same rows already read, "
              "checked and placed:")
        units = build_units(data)
        fl = durable_floor(units, db)
        per_file = fl["insert_s"] + fl["commit_s"] + fl["checkpoint_s"]
        print(f"  {fl['files']} files x (BEGIN, one INSERT, COMMIT): INSERT {fl['insert_s']:.2f} s + COMMIT "
              f"{fl['commit_s']:.2f} s ({1000 * fl['commit_s'] / fl['files']:.1f} ms a file); write-ahead log "
              f"{fl['wal_mb']:.0f} MB ({1e6 * fl['wal_mb'] / fl['rows']:.0f} bytes a row)")
        print(f"  then one CHECKPOINT {fl['checkpoint_s']:.2f} s (database file {fl['db_mb']:.0f} MB); total "
              f"{per_file:.2f} s, {fl['cpu_s']:.2f} CPU s -> at most {n_rows / per_file:,.0f} rows/s end to end "
              f"even if reading, checking and placing took no time")
        print(f"  the same rows in one INSERT + CHECKPOINT (one transaction for the whole load, not the contract; "
              f"insertion order off): "
              f"{fl['bulk_s']:.2f} s, {fl['bulk_cpu_s']:.2f} CPU s -> at most {n_rows / fl['bulk_s']:,.0f} rows/s")
        print(f"  a one-row commit (fsync alone) {fl['tiny_commit_ms']:.2f} ms, so {fl['files']} commits' fsyncs "
              f"are {fl['files'] * fl['tiny_commit_ms'] / 1000:.2f} s; disk write + fsync {fl['disk_mb_s']:.0f} MB/s, "
              f"so the log alone is {fl['wal_mb'] / fl['disk_mb_s']:.2f} s")

        print()
        print("the floor for any route here, from the cheapest parse and write measured, against the goals:")
        parse = parse_floor(data, args.runs)
        for line in any_route_floor(n_rows, parse, fl, s_plain, os.cpu_count() or 2):
            print(line)

        if args.what_if:
            print()
            print(f"what-if: store writes alone, the same {n_rows:,} rows already cut into per-file units "
                  f"(includes opening the store), best of {args.runs}:")
            for name, sec in store_variants(units, db, args.runs):
                print(f"    {name:<52} {sec:6.2f} s")
        print(f"\nload average after: {_load()}")
        return 0
    finally:
        if args.keep:
            print(f"\nkept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

"""Issue 16's adversary: every A&E number the tool publishes about one district, combined, by subtraction and
by linear programming, recovers no hexagon-month count of 1 to 7 exactly.

What is published (on the synthetic sample's year, for three seeds of the generator, each store with its own
secret), as a person could ask for it:

* the Police and A&E overlay of Watford for **every period** within the year (all 78 runs of months, so every
  pair of nested periods), at **res 8, 9 and 10**: every hexagon's A&E count, the total, the 168 hours of the
  week and the "no time" cell, the weapon mix, and each hexagon's class (which bounds its count);
* the overlay of **Watford minus a 60 m circle** round each place that has an A&E record, for the year, at
  res 8, 9 and 10;
* ``status --json`` **before and after a small load** (5 A&E records from a new site in Watford, December):
  each site-month partition and the A&E total.

The adversary knows the method and its perturbation table (``hotspots.methods.ckm``: a published count ``v``
comes from an exact count in ``max(8, v - 3) .. v + 3``; "1 to 7" from 1..10; "suppressed" from 8 or more) and
where the district's A&E places are (the circles are drawn round them). Its unknowns are one count per
(place, month, site), 0 or more, and, for ``status``, one per (site, month) outside the district; which are
empty it learns from what is published (a hexagon published as 0, or not listed). The day x hour grid and the
weapon mix are left out of the LP: tying them to places would take an unknown per place, month, site, hour
and weapon (they are published through the same function, and checked in ``test_overlay.py``).

For every hexagon-month of Watford with an exact count of 1 to 7, at res 8, 9 and 10 (each record's
hexagon-month count), the test then tries

* **subtraction**: every published number whose records hold the target's, minus the published number of the
  rest of them (if published), and the target's own number; and
* **the LP over all published numbers together**: the smallest and largest the target's count can be, subject
  to every interval above (HiGHS, through highspy); an integer range of one value is a recovery. A target for
  which a feasible whole-number point with another value is found at once (the truth with one unknown moved
  by one) needs no LP: its range holds two values. (Run with the LP for every target, the three seeds took 7
  minutes and pinned none; the shortcut makes it 2.)

Neither may pin a count. The true count must always lie in the range (the adversary's model is right), and
``test_the_attack_pins_what_the_first_version_published`` shows the attack pinning counts where it should.
The three seeds' stores and overlays are made in two worker processes (a minute of overlays each).
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import h3
import numpy as np
import pytest
import shapely
from scipy.sparse import csr_matrix

from geo.boundaries import Area
from geo.ingest.ae import ingest_ae
from geo.query import Selection
from geo.sample import write_sample
from geo.store import Store
from hotspots.cli import main
from hotspots.methods.ckm import MAX_MOVE
from hotspots.methods.suppress import SECONDARY_LABEL
from hotspots.tasks.overlay import overlay
from tests.ae_rows import sample_year_store
from tests.unit.test_ae_reader import istv_csv, rec

T = 7
LAB = f"1 to {T}"
SEEDS = (2024, 7, 31)
RESOLUTIONS = (8, 9, 10)
DISTRICT = "Watford"
CIRCLE_M = 60.0
NEW_SITE = "RWG01"
INF = np.inf


def interval(value, tiny: bool = False) -> tuple[float, float]:
    """What a published A&E value says of the exact count behind it (the adversary's reading)."""
    if tiny:  # an overlay too small for any breakdown: every A&E number there is "suppressed", 0 included
        return (0.0, INF) if value != LAB else (1.0, float(T + MAX_MOVE))
    if value == LAB:  # 1 to 7, or a larger count moved to 7 or below
        return 1.0, float(T + MAX_MOVE)
    if value == SECONDARY_LABEL:
        return float(T + 1), INF
    v = int(value)
    return (0.0, 0.0) if v == 0 else (float(max(T + 1, v - MAX_MOVE)), float(v + MAX_MOVE))


class Records:
    """The ground truth of the district's A&E records and the adversary's unknowns.

    The unknowns are what the published numbers can tell apart: one count per (place, month, site) for every
    place in the district that has any A&E record in the year (a reader may know the places: the pubs and
    streets where assaults happen; the circles are drawn round them), every month and every site, 0 or more
    each; and, for ``status``, one count per (site, month) of the records outside the district. Which of them
    are empty the reader learns only from what is published (a hexagon published as 0, or not listed).
    """

    def __init__(self, store: Store, district: Area):
        rows = store.con.execute(
            "SELECT force, easting, northing, strftime(month, '%Y-%m'), h3_11 FROM incidents "
            "WHERE source = 'ae'").fetchall()
        pts = shapely.points([r[1] for r in rows], [r[2] for r in rows])
        inside = shapely.covers(district.geometry, pts)
        self.rest = defaultdict(int)              # (site, month) -> records outside the district
        found: dict[tuple, int] = defaultdict(int)
        h11_of = {}
        for (force, e, n, month, h11), ins in zip(rows, inside):
            if not ins:
                self.rest[(force, month)] += 1
                continue
            h11_of[(e, n)] = int(h11)
            found[(e, n, month, force)] += 1
        months = sorted({r[3] for r in rows})
        sites = sorted({k[3] for k in found})
        places = sorted(h11_of)
        self.keys = [(e, n, m, site) for (e, n) in places for m in months for site in sites]
        self.counts = np.array([found.get(k, 0) for k in self.keys], dtype=float)
        self.rest_keys = sorted(self.rest)
        self.rest_index = {k: len(self.keys) + i for i, k in enumerate(self.rest_keys)}
        self.points = shapely.points([k[0] for k in self.keys], [k[1] for k in self.keys])
        # each hexagon as the library's grid makes it: the parent of the place's res-11 cell (h3-py here)
        h11 = [h3.int_to_str(h11_of[(k[0], k[1])]) for k in self.keys]
        self.cell = {res: [h3.cell_to_parent(c, res) for c in h11] for res in RESOLUTIONS}

    @property
    def n_vars(self) -> int:
        return len(self.keys) + len(self.rest_keys)

    def truth(self) -> np.ndarray:
        return np.concatenate([self.counts, np.array([self.rest[k] for k in self.rest_keys], dtype=float)])


class Published:
    """Every published number as (set of unknowns, interval); the same set seen twice keeps the tighter reading
    (the same records always give the same published number, so both readings hold)."""

    def __init__(self):
        self.by_set: dict[frozenset, tuple[float, float]] = {}

    def add(self, members, lo_hi) -> None:
        s = frozenset(members)
        if not s:
            assert lo_hi[0] <= 0.0, "a published number over no records must allow 0"
            return
        lo, hi = lo_hi
        if s in self.by_set:
            lo0, hi0 = self.by_set[s]
            lo, hi = max(lo, lo0), min(hi, hi0)
        self.by_set[s] = (lo, hi)


def publish_overlay(pub, recs: Records, inside: np.ndarray, months: set[str], res: int, out: Published) -> None:
    """Read one published overlay's hexagons and total into intervals over the unknowns (``inside``: those in
    its area). A hexagon not listed holds no A&E assault (except in an overlay too small for any breakdown,
    which lists only hexagons with police violence)."""
    tiny = not isinstance(pub.totals["ae_assaults"], (int, np.integer))
    sel = [i for i, k in enumerate(recs.keys) if inside[i] and k[2] in months]
    out.add(sel, interval(pub.totals["ae_assaults"], tiny=False))
    by_cell = defaultdict(list)
    for i in sel:
        by_cell[recs.cell[res][i]].append(i)
    cut = pub.cuts["ae_high"]
    cells = pub.cells.set_index("cell")
    for cell, members in by_cell.items():
        if cell not in cells.index:
            if not tiny:
                out.add(members, (0.0, 0.0))
            continue
        v = cells.at[cell, "ae_assaults"]
        lo, hi = interval(v, tiny)
        if not tiny and cut is not None and v == SECONDARY_LABEL:  # what the class says of a hidden count
            high = cells.at[cell, "class"] in ("Both high", "A&E only")
            lo, hi = (max(lo, cut - MAX_MOVE), hi) if high else (lo, min(hi, cut - 1 + MAX_MOVE))
        out.add(members, (lo, hi))


def publish_status(status: dict, recs: Records, out: Published) -> None:
    """Read ``status --json``: each A&E partition (site, month) and the A&E total. (Before the small load its
    site has no partition, so its records are in no number of that status.)"""
    every = []
    for p in status["partitions"]:
        if p["source"] != "ae":
            continue
        members = [i for i, k in enumerate(recs.keys) if (k[3], k[2]) == (p["force"], p["month"])]
        if (p["force"], p["month"]) in recs.rest_index:
            members.append(recs.rest_index[(p["force"], p["month"])])
        out.add(members, interval(p["rows"]))
        every += members
    out.add(every, interval(status["ae"]["rows"]))


def seed_world(seed: int, root: Path) -> tuple[Records, Published]:
    """One seed's store (the sample's year, a fixed secret, then a 5-record load) and everything published
    about its district, read into intervals. Run in a worker process."""
    write_sample(root / "sample", months=12, seed=seed)
    db = sample_year_store(root / "sample", root / "store.duckdb", f"adversary seed {seed}".encode())
    with Store(db, read_only=True) as s:
        district = s.area("district", DISTRICT)
        # the small load: 5 assaults at places already in the district, in December, from a new site
        descs = [d for d, e, n in s.con.execute(
            "SELECT description, easting, northing FROM ae_records WHERE located AND precision = 'postcode' "
            "ORDER BY description").fetchall() if district.contains([e], [n])[0]]
    descs = list(dict.fromkeys(descs))[:5]
    assert len(descs) == 5

    def status_json():
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["status", "--db", str(db), "--json"]) == 0
        return json.loads(buf.getvalue())

    status = [status_json()]
    small = root / "istv-rwg01-2023-12.csv"
    small.write_bytes(istv_csv([rec(assault=f"2023-12-{10 + i} {19 + i}:15", arrival=f"2023-12-{10 + i} 23:40",
                                    desc=d) for i, d in enumerate(descs)], site=NEW_SITE,
                               start="2023-12-01", end="2023-12-31"))
    with Store(db) as s:
        ingest_ae([small], s)
        assert s.con.execute("SELECT count(*) FROM incidents WHERE force = ?", [NEW_SITE]).fetchall()[0][0] == 5
    status.append(status_json())

    out = Published()
    with Store(db, read_only=True) as s:
        district = s.area("district", DISTRICT)
        recs = Records(s, district)
        months = sorted({k[2] for k in recs.keys})
        assert len(months) == 12
        everywhere = np.ones(len(recs.keys), dtype=bool)
        for a in range(12):                                     # every run of months: all nested pairs
            for b in range(a, 12):
                period = set(months[a:b + 1])
                for res in RESOLUTIONS:
                    pub = overlay(s, Selection(months[a], months[b], area=district), res=res)
                    publish_overlay(pub, recs, everywhere, period, res, out)
        places = sorted({(k[0], k[1]) for k in recs.keys})
        for e, n in places:                                     # the district minus a circle round each place
            minus = Area(f"{DISTRICT} minus a circle",
                         district.geometry.difference(shapely.Point(e, n).buffer(CIRCLE_M)))
            inside = shapely.covers(minus.geometry, recs.points)
            for res in RESOLUTIONS:
                pub = overlay(s, Selection(months[0], months[-1], area=minus), res=res)
                publish_overlay(pub, recs, inside, set(months), res, out)
    publish_status(status[0], recs, out=out)
    publish_status(status[1], recs, out=out)
    return recs, out


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    """Every seed's world, made two at a time in worker processes (each is about a minute of overlays)."""
    roots = {seed: tmp_path_factory.mktemp(f"adversary{seed}") for seed in SEEDS}
    ctx = multiprocessing.get_context("spawn")  # not fork: other tests may hold DuckDB connections and threads
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1), mp_context=ctx) as pool:
        futures = {seed: pool.submit(seed_world, seed, roots[seed]) for seed in SEEDS}
        return {seed: f.result() for seed, f in futures.items()}


@pytest.mark.parametrize("seed", SEEDS)
def test_no_hexagon_month_count_is_recovered_from_everything_published(worlds, seed):
    recs, out = worlds[seed]
    truth = recs.truth()
    sets = list(out.by_set)
    for s_, (lo, hi) in out.by_set.items():                   # the model is right: the truth meets every reading
        total = truth[list(s_)].sum()
        assert lo <= total <= hi, (sorted(s_)[:5], lo, hi, total)

    # targets: each hexagon-month of the district with 1 to 7 records, at each resolution
    targets = {}
    for res in RESOLUTIONS:
        groups = defaultdict(list)
        for i, k in enumerate(recs.keys):
            groups[(recs.cell[res][i], k[2])].append(i)
        for key, members in groups.items():
            n = truth[members].sum()
            if 1 <= n <= T:
                targets[(res, *key)] = frozenset(members)
    assert len(targets) >= 300, len(targets)

    # subtraction: a published set holding the target, minus the published rest of it
    containing = defaultdict(list)
    for s_ in sets:
        for m in s_:
            containing[m].append(s_)
    attempts = 0
    sub_pinned = []
    for key, tset in targets.items():
        lo, hi = out.by_set.get(tset, (1.0, float(T)))
        first = min(tset)
        for s_ in containing[first]:
            if s_ == tset or not tset <= s_:
                continue
            rest = s_ - tset
            if rest not in out.by_set:
                continue
            attempts += 1
            (a_lo, a_hi), (b_lo, b_hi) = out.by_set[s_], out.by_set[rest]
            lo, hi = max(lo, a_lo - b_hi), min(hi, a_hi - b_lo)
        n = truth[list(tset)].sum()
        assert lo <= n <= hi
        if np.floor(hi) <= np.ceil(lo):
            sub_pinned.append((key, lo, hi, n))
    assert attempts >= 200, attempts                            # the attack had pairs to work on
    assert not sub_pinned, f"subtraction pins {len(sub_pinned)} of {len(targets)} counts, e.g. {sub_pinned[:5]}"

    # the LP over all published numbers together
    pinned, solved = pinned_counts(out.by_set, truth, targets)
    assert not pinned, f"the LP pins {len(pinned)} of {len(targets)} counts, e.g. {pinned[:5]}"
    print(f"seed {seed}: {len(targets)} hexagon-month counts of 1 to 7, {len(out.by_set):,} published numbers, "
          f"{solved} needed the LP")


def pinned_counts(by_set: dict, truth: np.ndarray, targets: dict, shortcut: bool = True) -> tuple[list, int]:
    """The targets whose count the published readings pin to one value, and how many LPs that took.

    Unknowns in a number published as 0 are 0 (presolved away). A count is not pinned if another value of it is
    feasible too: the truth with one unknown of the target moved by one is tried first (a feasible integer
    point, so the LP's range holds two values as well), and the LP (the smallest and largest the target can
    be) is solved only where no such point is found, or for every target without ``shortcut``.
    """
    zero = set().union(*[s_ for s_, (lo, hi) in by_set.items() if hi == 0])
    live = [v for v in range(len(truth)) if v not in zero]
    col = {v: j for j, v in enumerate(live)}
    rows, lo_b, hi_b = [], [], []
    for s_, (lo, hi) in by_set.items():
        cols = sorted(col[v] for v in s_ if v in col)
        if cols:
            rows.append(cols)
            lo_b.append(lo)
            hi_b.append(hi)
    data, ri, ci = [], [], []
    for r, cols in enumerate(rows):
        ri += [r] * len(cols)
        ci += cols
        data += [1.0] * len(cols)
    A = csr_matrix((data, (ri, ci)), shape=(len(rows), len(live)))
    lo_b, hi_b = np.array(lo_b, dtype=float), np.array(hi_b, dtype=float)
    x = truth[live]
    ax = A @ x
    by_col = A.tocsc()
    lp = None
    pinned, solved = [], 0
    for key, tset in targets.items():
        cols = [col[v] for v in tset if v in col]
        if shortcut and any(_moved_is_feasible(by_col, ax, lo_b, hi_b, x, c, step) for c in cols for step in (1, -1)):
            continue
        lp = lp or RangeLP(A, lo_b, hi_b)
        solved += 1
        lo_v, hi_v = lp.range_of(cols)
        n = truth[list(tset)].sum()
        assert lo_v - 1e-6 <= n <= hi_v + 1e-6, (key, lo_v, hi_v, n)
        if np.ceil(lo_v - 1e-6) >= np.floor(hi_v + 1e-6):
            pinned.append((key, lo_v, hi_v, n))
    return pinned, solved


def test_the_attack_pins_what_the_first_version_published():
    """The adversary can succeed: read as the first version published them (moves of at most 2 known for
    certain, "1 to 7" meaning exactly 1 to 7), seven hexagon-months each listed (at least one assault) under one
    "1 to 7" are all pinned to 1, by the LP and without it; a shown 12 minus a shown 9 (each within 2) with the
    difference's two hexagon-months listed pins nothing, and read as now ("1 to 7" is 1 to 10) neither does the
    first case."""
    truth = np.ones(7)
    targets = {("month", i): frozenset([i]) for i in range(7)}
    first = {frozenset(range(7)): (1.0, 7.0), **{frozenset([i]): (1.0, 7.0) for i in range(7)}}
    for shortcut in (True, False):
        pinned, solved = pinned_counts(first, truth, targets, shortcut=shortcut)
        assert len(pinned) == 7 and solved == 7 and all(p[1] == p[2] == 1 for p in pinned)
    now = {frozenset(range(7)): (1.0, 10.0), **{frozenset([i]): (1.0, 10.0) for i in range(7)}}
    assert pinned_counts(now, truth, targets, shortcut=False)[0] == []
    assert pinned_counts(now, truth, targets)[0] == []
    # subtraction with moves known to be within 2: 12 - 9 leaves the two hexagon-months 1..5 together
    truth2 = np.array([5.0, 5.0, 1.0, 1.0])
    pair = {frozenset(range(4)): (10.0, 14.0), frozenset([0, 1]): (8.0, 12.0), frozenset([2]): (1.0, 7.0),
            frozenset([3]): (1.0, 7.0)}
    assert pinned_counts(pair, truth2, {("m", 2): frozenset([2])}, shortcut=False)[0] == []


def _moved_is_feasible(by_col, ax, lo, hi, x, c: int, step: int) -> bool:
    """Whether the point ``x`` with unknown ``c`` moved by ``step`` still meets every published reading."""
    if x[c] + step < 0:
        return False
    start, end = by_col.indptr[c], by_col.indptr[c + 1]
    rows = by_col.indices[start:end]
    new = ax[rows] + step * by_col.data[start:end]
    return bool(np.all(new >= lo[rows] - 1e-9) and np.all(new <= hi[rows] + 1e-9))


class RangeLP:
    """The smallest and largest value of a sum of unknowns subject to ``lo <= A x <= hi``, ``x >= 0`` (HiGHS,
    through highspy: one model, only the objective changes between solves, so each starts from the last basis)."""

    def __init__(self, A: csr_matrix, lo: np.ndarray, hi: np.ndarray):
        import highspy

        self.hs = highspy
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
        lp.col_cost_ = np.zeros(A.shape[1])
        lp.col_lower_ = np.zeros(A.shape[1])
        lp.col_upper_ = np.full(A.shape[1], highspy.kHighsInf)
        lp.row_lower_ = np.where(np.isfinite(lo), lo, -highspy.kHighsInf)
        lp.row_upper_ = np.where(np.isfinite(hi), hi, highspy.kHighsInf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data.astype(float)
        self.h.passModel(lp)
        self.cols: list[int] = []

    def _solve(self, sense) -> float:
        self.h.changeObjectiveSense(sense)
        self.h.run()
        status = self.h.getModelStatus()
        if status == self.hs.HighsModelStatus.kUnbounded:
            return INF if sense == self.hs.ObjSense.kMaximize else -INF
        assert status == self.hs.HighsModelStatus.kOptimal, self.h.modelStatusToString(status)
        return float(self.h.getInfo().objective_function_value)

    def range_of(self, cols: list[int]) -> tuple[float, float]:
        if self.cols:
            self.h.changeColsCost(len(self.cols), np.array(self.cols, dtype=np.int32), np.zeros(len(self.cols)))
        self.cols = list(cols)
        self.h.changeColsCost(len(cols), np.array(cols, dtype=np.int32), np.ones(len(cols)))
        return self._solve(self.hs.ObjSense.kMinimize), self._solve(self.hs.ObjSense.kMaximize)

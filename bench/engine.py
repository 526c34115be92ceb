"""Engine speed: each hotspot method against its reference library, same input, same process.

Two inputs:

(A) the real Hertfordshire county-year: the police.uk street files in ``../shared/data``
    (2021-01 .. 2022-01), all crime types, loaded into a temporary DuckDB store and
    selected with ``select_incidents``; H3 resolution 9.
(B) ``--points`` (1,000,000) synthetic incidents: rows of (A) drawn with replacement
    (seeded), ``JITTER_SHARE`` of them moved uniformly within ``JITTER_M`` of their snap
    point (and re-binned to H3), which gives about 100,000 distinct locations.

For each input and method it prints our time, the reference route's time on the same
input and the ratio reference / ours (above 1: ours is faster):

* Gi* (k=1): ``GetisOrdGiStar.fit`` with the k-ring weights built (cache cleared) and
  with them cached, and with 999 permutations, against ``esda.G_Local(y, w, star=True,
  transform='B')`` with 0 and 999 permutations on the same window values and a libpysal
  ``W`` made from the same neighbour lists (only the ``G_Local`` call is timed);
* KDE (h = 300 m): ``QuarticKDE.fit(...).density_at_cells(window)`` against scikit-learn's
  ``KernelDensity(kernel='epanechnikov', algorithm='kd_tree', rtol=0)`` fit on the raw
  points and ``score_samples`` at the same cell centres. scikit-learn has no quartic
  kernel; Epanechnikov is the nearest exact kernel sum with the same compact support
  (radius h) and the same tree cost. On (B) scikit-learn scores a seeded subsample of
  the cell centres and the time is extrapolated;
* DBSCAN (eps 150 m, min_samples 10) and HDBSCAN (min_cluster_size 20): ours against
  scikit-learn on the raw points, with peak memory. On (B) scikit-learn is not run:
  DBSCAN's neighbour lists are estimated exactly from the data (weighted pair count)
  and HDBSCAN's time is extrapolated from (A) (its Prim tree is quadratic);
* ``detect()`` end to end (selection from DuckDB included) for count, kde, gistar and
  dbscan on (A).

Timing: ``time.perf_counter``, ``gc.collect()`` before each run, best of ``--runs`` (3);
a case whose first run exceeds ``SLOW_S`` runs once (the table says so). Peak memory:
a fresh subprocess per case loads the arrays, imports what it needs, resets the kernel's
peak-RSS mark (``/proc/self/clear_refs``), runs the case once and reports the peak
resident size (VmHWM) above the resident size just before the call.

Usage::

    python bench/engine.py            # (A) and (B), every reference (about 2 minutes on 2 cores)
    python bench/engine.py --quick    # (A) only (~35 s), without esda's permutations or scikit-learn's HDBSCAN

Nothing is written to the repository; the store and the subprocess inputs live in a
temporary folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
STREET_DIR = DATA / "police" / "hertfordshire_2021" / "street"

if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

#: The goals of the engine-speed issue, county-year at res 9, seconds.
GOALS_S = {"KDE": 0.1, "Gi*": 0.05, "DBSCAN": 1.0}

RES = 9
GISTAR_K = 1
PERMUTATIONS = 999
BANDWIDTH_M = 300.0
EPS_M = 150.0
MIN_SAMPLES = 10
MIN_CLUSTER_SIZE = 20

#: Synthetic set (B): share of the drawn rows moved off their snap point, and how far
#: (uniform in a disc). 9 % of 1,000,000 plus the ~12,500 real snap points gives ~100k
#: distinct locations.
N_SYNTHETIC = 1_000_000
JITTER_SHARE = 0.09
JITTER_M = 50.0
SEED = 20261121

#: Cell centres scikit-learn's KernelDensity scores on (B); its time is scaled up to the
#: whole window (a uniform random subsample: the expected cost per query is the mean).
KDE_QUERY_SUBSAMPLE = 2_000
#: A case whose first run takes longer than this is not repeated.
SLOW_S = 20.0
#: scikit-learn's HDBSCAN on (A) is given this long (it took ~39 s when measured).
HDBSCAN_TIMEOUT_S = 600.0
#: Bytes scikit-learn's DBSCAN holds per neighbour index (intp) and per point (one
#: ndarray object of ~112 bytes plus its pointer in the object array).
BYTES_PER_NEIGHBOUR = 8
BYTES_PER_POINT = 120


# -- timing --------------------------------------------------------------------------------
def best_of(fn, runs: int, slow_s: float = SLOW_S):
    """(best seconds, result of the last run, runs made); one run if the first is slow."""
    best, result, made = float("inf"), None, 0
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        best, made = min(best, dt), made + 1
        if dt > slow_s:
            break
    return best, result, made


def _status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


# -- subprocess cases (peak memory) ---------------------------------------------------------
def _case(name: str, data):
    """The function a memory subprocess runs once, imports done before it is returned."""
    x, y = data["x"], data["y"]
    if name in ("dbscan_ours", "hdbscan_ours"):
        # scikit-learn's clustering is imported by the methods' loader on first use: import it here, before the
        # measured call, as every other import is
        from hotspots.methods.heavy import sklearn_cluster, sklearn_neighbors
        sklearn_cluster(), sklearn_neighbors()
    if name == "dbscan_ours":
        from hotspots.methods.clusters import WeightedDBSCAN
        return lambda: WeightedDBSCAN(eps_m=EPS_M, min_samples=MIN_SAMPLES).fit(x, y).labels_
    if name == "hdbscan_ours":
        from hotspots.methods.clusters import WeightedHDBSCAN
        return lambda: WeightedHDBSCAN(min_cluster_size=MIN_CLUSTER_SIZE).fit(x, y).labels_
    if name == "kde_ours":
        from hotspots.methods.density import QuarticKDE
        window = data["window"]
        return lambda: QuarticKDE(bandwidth_m=BANDWIDTH_M).fit(x, y).density_at_cells(window)
    X = np.column_stack([x, y])
    if name == "dbscan_sklearn":
        from sklearn.cluster import DBSCAN
        return lambda: DBSCAN(eps=EPS_M, min_samples=MIN_SAMPLES).fit(X).labels_
    if name == "hdbscan_sklearn":
        from sklearn.cluster import HDBSCAN
        return lambda: HDBSCAN(min_cluster_size=MIN_CLUSTER_SIZE).fit(X).labels_
    raise SystemExit(f"unknown case {name!r}")


def worker(name: str, npz: str, out: str) -> int:
    data = dict(np.load(npz))
    fn = _case(name, data)
    gc.collect()
    reset = _reset_peak()
    before = _status_kb("VmRSS") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    peak = _status_kb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if isinstance(result, np.ndarray):
        np.save(out + ".labels.npy", result)
    with open(out, "w") as fh:
        json.dump({"seconds": seconds, "peak_mb": max(peak - before, 0) / 1024.0,
                   "how": "VmHWM" if reset else "ru_maxrss (lower bound)"}, fh)
    return 0


def in_subprocess(name: str, npz: Path, tmp: Path, timeout: float | None = None) -> dict:
    """Run one case in a fresh interpreter: {'seconds', 'peak_mb', 'how', 'labels'} or {'error'}."""
    out = tmp / f"{name}-{npz.stem}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--npz", str(npz), "--out", str(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    res = json.loads(out.read_text())
    lab = Path(str(out) + ".labels.npy")
    if lab.exists():
        res["labels"] = np.load(lab)
    return res


# -- data ---------------------------------------------------------------------------------
def load_real(tmp: Path):
    from geo.ingest.police import ingest_police
    from geo.store import Store
    from geo.query import Selection, select_incidents

    store = Store(tmp / "engine.duckdb")
    ingest_police([STREET_DIR], store)
    t, inc, _ = best_of(lambda: select_incidents(store, Selection()), 3)
    return store, inc, t


def synthetic(inc, n: int, seed: int):
    """(B): rows of (A) drawn with replacement; JITTER_SHARE moved within JITTER_M."""
    import pandas as pd

    from geo.crs import bng_to_lonlat
    from geo.grid import lonlat_to_cells

    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(inc), n)
    x = inc["easting"].to_numpy()[pick].copy()
    y = inc["northing"].to_numpy()[pick].copy()
    h3_11 = inc["h3_11"].to_numpy(dtype=np.uint64)[pick].copy()
    moved = np.flatnonzero(rng.random(n) < JITTER_SHARE)
    r = JITTER_M * np.sqrt(rng.random(moved.size))
    a = 2.0 * np.pi * rng.random(moved.size)
    x[moved] += r * np.cos(a)
    y[moved] += r * np.sin(a)
    lon, lat = bng_to_lonlat(x[moved], y[moved])
    h3_11[moved] = lonlat_to_cells(lon, lat, 11)
    return pd.DataFrame({"easting": x, "northing": y, "h3_11": h3_11,
                         "category": inc["category"].to_numpy()[pick]})


def distinct_locations(x, y):
    import pandas as pd

    codes, uniq = pd.factorize(x + 1j * y)
    return np.asarray(uniq.real), np.asarray(uniq.imag), np.bincount(codes).astype(float)


# -- the table ------------------------------------------------------------------------------
@dataclass
class Row:
    dataset: str
    method: str
    ours: float | None
    ref: float | None = None
    ref_name: str = ""
    mem_ours: float | None = None
    mem_ref: float | None = None
    note: str = ""

    def ratio(self) -> str:
        if self.ours is None or self.ref is None or self.ours <= 0:
            return "-"
        return f"{self.ref / self.ours:.1f}x"


def _s(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def _mb(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"


def print_table(rows: list[Row]) -> None:
    head = ["data", "method", "ours (s)", "reference", "ref (s)", "ref/ours", "MB ours", "MB ref"]
    rows = sorted(rows, key=lambda r: r.dataset)  # (A) first, detect() rows with it
    cells = [[r.dataset, r.method, _s(r.ours), r.ref_name or "-", _s(r.ref), r.ratio(), _mb(r.mem_ours),
              _mb(r.mem_ref)] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]
    fmt = lambda cs: "  ".join(c.ljust(w) if i in (0, 1, 3) else c.rjust(w)  # noqa: E731
                               for i, (c, w) in enumerate(zip(cs, widths)))
    print(fmt(head))
    print(fmt(["-" * w for w in widths]))
    for r, c in zip(rows, cells):
        print(fmt(c))
    notes = [(i + 1, r) for i, r in enumerate(rows) if r.note]
    if notes:
        print()
        for i, r in notes:
            print(f"  [{r.dataset} {r.method}] {r.note}")


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover
        return "unknown"


# -- the methods ------------------------------------------------------------------------------
def bench_gistar(tag, inc, runs, full, checks, rows):
    import esda
    import libpysal

    import hotspots.methods.gistar as gistar
    import hotspots.methods.lattice as lattice
    from hotspots.methods.cells import analysis_window, count_by_cell

    t_prep, (counts, window), _ = best_of(lambda: (count_by_cell(inc, RES), analysis_window(inc, RES)), runs)
    rows.append(Row(tag, "prep: count_by_cell + analysis_window", t_prep,
                    note=f"{len(counts):,} occupied cells, window {len(window):,} cells (not in the Gi* rows below)"))
    cells, values = counts["cell"].to_numpy(), counts["count"].to_numpy(dtype=float)

    def cold():
        lattice.cached_kring_weights.cache_clear()
        return gistar.GetisOrdGiStar(k=GISTAR_K).fit(cells, values, window)

    t_cold, gi, _ = best_of(cold, runs)
    t_warm, gi, _ = best_of(lambda: gistar.GetisOrdGiStar(k=GISTAR_K).fit(cells, values, window), runs)
    lattice.cached_kring_weights.cache_clear()
    t_w, w, _ = best_of(lambda: (lattice.cached_kring_weights.cache_clear(), gistar.kring_weights(window, GISTAR_K))[1], runs)

    # the reference: the same window values and the same neighbour lists (self included)
    y = gi.values_
    t0 = time.perf_counter()
    nb = {i: w.indices[w.indptr[i]:w.indptr[i + 1]].tolist() for i in range(w.shape[0])}
    W = libpysal.weights.W(nb, silence_warnings=True)
    t_W = time.perf_counter() - t0

    def esda_g(perms):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return esda.G_Local(y, W, transform="B", star=True, permutations=perms, seed=SEED, n_jobs=1,
                                    keep_simulations=False)
        return run

    t_e0, lg, _ = best_of(esda_g(0), runs)
    dz = float(np.nanmax(np.abs(gi.z_ - lg.Zs)))
    checks.append(f"{tag} Gi*: {w.shape[0]:,} cells, {w.nnz:,} weights; max |z ours - esda Zs| = {dz:.1e}; "
                  f"kring_weights alone {t_w:.3f} s; libpysal W from the lists {t_W:.2f} s (not timed as esda's)")
    rows.append(Row(tag, "Gi* weights + fit (cold cache)", t_cold, t_e0, "esda G_Local p=0"))
    rows.append(Row(tag, "Gi* fit (weights cached)", t_warm, t_e0, "esda G_Local p=0"))
    if full:
        t_p, gp, n_p = best_of(lambda: gistar.GetisOrdGiStar(k=GISTAR_K, permutations=PERMUTATIONS, seed=SEED)
                               .fit(cells, values, window), runs)
        t_ep, lgp, n_ep = best_of(esda_g(PERMUTATIONS), 1)
        both = np.isfinite(gp.p_sim_) & np.isfinite(lgp.p_sim)
        agree = float(np.mean((gp.p_sim_[both] <= 0.05) == (lgp.p_sim[both] <= 0.05)))
        checks.append(f"{tag} Gi* p_sim (999, different random draws): mean |ours - esda| = "
                      f"{np.mean(np.abs(gp.p_sim_[both] - lgp.p_sim[both])):.4f}, "
                      f"same side of 0.05 for {100 * agree:.2f} % of cells")
        rows.append(Row(tag, f"Gi* fit, {PERMUTATIONS} permutations", t_p, t_ep, f"esda G_Local p={PERMUTATIONS}",
                        note=f"esda n_jobs=1, keep_simulations=False, 1 run; ours best of {n_p}"))
    return counts, window, t_cold, t_warm, t_prep


def bench_kde(tag, inc, window, runs, full, subsample, checks, rows, mem):
    from scipy.spatial import cKDTree
    from sklearn.neighbors import KernelDensity

    from geo.grid import cells_to_bng
    from hotspots.methods.density import QuarticKDE

    x, y = inc["easting"].to_numpy(), inc["northing"].to_numpy()
    t_ours, dens, _ = best_of(lambda: QuarticKDE(bandwidth_m=BANDWIDTH_M).fit(x, y).density_at_cells(window), runs)
    ours = dens["density"].to_numpy()
    _, qx, qy = cells_to_bng(window)
    Q = np.column_stack([qx, qy])
    X = np.column_stack([x, y])
    kd = lambda: KernelDensity(kernel="epanechnikov", bandwidth=BANDWIDTH_M, algorithm="kd_tree", rtol=0)  # noqa
    if subsample is None:
        t_ref, logd, _ = best_of(lambda: kd().fit(X).score_samples(Q), runs)
        sub = np.arange(Q.shape[0])
        note = "sklearn: Epanechnikov (no quartic in sklearn; same support h, exact sum), all cell centres"
    else:
        sub = np.sort(np.random.default_rng(SEED).choice(Q.shape[0], size=min(subsample, Q.shape[0]),
                                                         replace=False))
        t_fit, model, _ = best_of(lambda: kd().fit(X), runs)
        t_q, logd, n_q = best_of(lambda: model.score_samples(Q[sub]), runs)
        t_ref = t_fit + t_q * Q.shape[0] / sub.size
        note = (f"sklearn: Epanechnikov (no quartic in sklearn), ESTIMATED: fit {t_fit:.2f} s + score_samples on "
                f"{sub.size:,} random cell centres {t_q:.2f} s x {Q.shape[0] / sub.size:.1f}")
    # support: both kernels are zero from distance h on, so both densities should be > 0
    # exactly where some incident lies within h
    tree = cKDTree(X if X.shape[0] <= 200_000 else np.column_stack(distinct_locations(x, y)[:2]))
    reach = tree.query_ball_point(Q[sub], BANDWIDTH_M * (1 - 1e-9), return_length=True) > 0
    sk_pos = np.isfinite(logd)
    extra = sk_pos & ~reach
    checks.append(
        f"{tag} KDE: {reach.sum():,} of {sub.size:,} scored cells have an incident within {BANDWIDTH_M:g} m; ours > 0 "
        f"at exactly those: {bool(np.array_equal(ours[sub] > 0, reach))}; sklearn > 0 at "
        f"{int(sk_pos.sum()):,} ({int(extra.sum()):,} beyond every incident's reach"
        + (f", log density {logd[extra].max():.0f} at most: a kd-tree bound artefact, ~0 in value)"
           if extra.any() else ")"))
    m = mem("kde_ours")
    rows.append(Row(tag, f"KDE h={BANDWIDTH_M:g} m fit + density_at_cells", t_ours, t_ref,
                    "sklearn KernelDensity" + (" (est.)" if subsample else ""), m.get("peak_mb"), note=note))
    if full and subsample is not None:
        t_ex, dex, _ = best_of(lambda: QuarticKDE(bandwidth_m=BANDWIDTH_M, method="exact").fit(x, y)
                               .density_at_cells(window), runs)
        e = dex["density"].to_numpy()
        floor = 0.01 * e.max()
        big = e >= floor
        rel = np.abs(ours[big] - e[big]) / e[big]
        probe = QuarticKDE(bandwidth_m=BANDWIDTH_M).fit(x, y)
        probe.density_at_cells(window)
        path = "the FFT grid" if probe._last_refined is not None else "the exact sum"
        checks.append(f"{tag} KDE: method='auto' took {path}; its max relative error against method='exact' is "
                      f"{rel.max():.1e} on cells above 1 % of the maximum; 'exact' alone {t_ex:.3f} s")
    return t_ours


def bench_dbscan(tag, inc, runs, run_ref, checks, rows, mem, scale=None):
    from scipy.spatial import cKDTree
    from sklearn.cluster import DBSCAN
    from sklearn.metrics import adjusted_rand_score

    from hotspots.methods.clusters import WeightedDBSCAN

    x, y = inc["easting"].to_numpy(), inc["northing"].to_numpy()
    t_ours, lab, _ = best_of(lambda: WeightedDBSCAN(eps_m=EPS_M, min_samples=MIN_SAMPLES).fit(x, y).labels_, runs)
    m_ours = mem("dbscan_ours")
    # scikit-learn's neighbour lists: sum over raw points of their raw neighbours within
    # eps (self included) = sum over location pairs within eps of w_a * w_b
    lx, ly, lw = distinct_locations(x, y)
    tree = cKDTree(np.column_stack([lx, ly]))
    t0 = time.perf_counter()
    pairs = float(tree.count_neighbors(tree, EPS_M, weights=(lw, lw)))
    t_pairs = time.perf_counter() - t0
    est_mb = (BYTES_PER_NEIGHBOUR * pairs + BYTES_PER_POINT * x.size) / 2**20
    if run_ref:
        X = np.column_stack([x, y])
        t_ref, sk, _ = best_of(lambda: DBSCAN(eps=EPS_M, min_samples=MIN_SAMPLES).fit(X).labels_, runs)
        m_ref = mem("dbscan_sklearn")
        ari = adjusted_rand_score(sk, lab)
        checks.append(f"{tag} DBSCAN: {int(lab.max()) + 1:,} clusters ours, {int(sk.max()) + 1:,} sklearn; adjusted "
                      f"Rand index {ari:.4f} (border points may go either way); noise ours "
                      f"{int((lab < 0).sum()):,}, sklearn {int((sk < 0).sum()):,}")
        rows.append(Row(tag, f"DBSCAN eps={EPS_M:g} m min_samples={MIN_SAMPLES}", t_ours, t_ref,
                        "sklearn DBSCAN raw points", m_ours.get("peak_mb"), m_ref.get("peak_mb"),
                        note=f"sklearn's neighbour lists hold {pairs:.3g} indices: estimated {est_mb:.0f} MB "
                             f"(8 B each + {BYTES_PER_POINT} B a point) vs {_mb(m_ref.get('peak_mb'))} MB measured"))
        if m_ref.get("peak_mb"):
            scale = m_ref["peak_mb"] / est_mb
    else:
        rows.append(Row(tag, f"DBSCAN eps={EPS_M:g} m min_samples={MIN_SAMPLES}", t_ours, None,
                        "sklearn not run (memory)", m_ours.get("peak_mb"), est_mb,
                        note=f"sklearn DBSCAN on the {x.size:,} raw points would hold {pairs:.3g} neighbour indices "
                             f"(counted exactly with a weighted cKDTree.count_neighbors over the {lx.size:,} "
                             f"locations in {t_pairs:.1f} s): ~{est_mb / 1024:.1f} GB before clustering"
                             + (f" (x{scale:.2f} as measured against the same formula on (A): "
                                f"~{scale * est_mb / 1024:.1f} GB)" if scale else "")
                             + "; 'MB ref' is the formula's estimate, not a measurement"))
    checks.append(f"{tag} DBSCAN: {x.size:,} incidents on {lx.size:,} distinct locations; "
                  f"sklearn neighbour indices {pairs:.3g} ({pairs / x.size:,.0f} per incident)")
    return t_ours, scale


def bench_hdbscan(tag, inc, runs, run_ref, est_from, checks, rows, mem, quick=False):
    from sklearn.metrics import adjusted_rand_score

    from hotspots.methods.clusters import WeightedHDBSCAN

    x, y = inc["easting"].to_numpy(), inc["northing"].to_numpy()
    t_ours, lab, n_o = best_of(lambda: WeightedHDBSCAN(min_cluster_size=MIN_CLUSTER_SIZE).fit(x, y).labels_, runs)
    m_ours = mem("hdbscan_ours")
    name = f"HDBSCAN min_cluster_size={MIN_CLUSTER_SIZE}"
    if run_ref:
        r = mem("hdbscan_sklearn", timeout=HDBSCAN_TIMEOUT_S)
        if "error" in r:
            rows.append(Row(tag, name, t_ours, None, "sklearn HDBSCAN raw points", m_ours.get("peak_mb"),
                            note=f"sklearn {r['error']}"))
            return t_ours, None
        ari = adjusted_rand_score(r["labels"], lab)
        checks.append(f"{tag} HDBSCAN: {int(lab.max()) + 1:,} clusters ours, {int(r['labels'].max()) + 1:,} sklearn; "
                      f"adjusted Rand index {ari:.3f} (sklearn breaks distance ties in sort order; ours treats a tie "
                      "as one multi-way split, see hotspots/clusters.py)")
        rows.append(Row(tag, name, t_ours, r["seconds"], "sklearn HDBSCAN raw points", m_ours.get("peak_mb"),
                        r["peak_mb"], note="sklearn: 1 run in a fresh subprocess (time and memory)"))
        return t_ours, (r["seconds"], x.size)
    if est_from is not None:
        t_a, n_a = est_from
        est = t_a * (x.size / n_a) ** 2
        note = (f"sklearn not run: its Prim tree over the raw points is O(n^2) in time; scaled from (A) "
                f"{t_a:.0f} s x ({x.size:,} / {n_a:,})^2 = ~{est / 60:.0f} min")
    else:
        note = ("sklearn not run (--quick; it takes 25-40 s here)" if quick
                else "sklearn not run (time: O(n^2) Prim tree over the raw points)")
    rows.append(Row(tag, name, t_ours, None, "sklearn not run (time)", m_ours.get("peak_mb"), note=note))
    return t_ours, None


def bench_detect(store, runs, rows):
    import hotspots.methods.lattice as lattice
    from hotspots.tasks.detect import detect
    from geo.query import Selection

    out = {}
    for method in ("count", "kde", "gistar", "dbscan"):
        def run():
            lattice.cached_kring_weights.cache_clear()  # every run builds its k-ring weights, as a first call does
            return detect(store, method, Selection(), res=RES)
        t, det, _ = best_of(run, runs)
        out[method] = t
        rows.append(Row("A", f"detect('{method}') end to end", t,
                        note=f"{det.summary.get('incidents', 0):,} incidents -> {len(det.table):,} rows; includes "
                             "select_incidents" + (" and summarise_clusters" if method == "dbscan" else "")
                             + ("; k-ring cache cleared before each run" if method == "gistar" else "")))
    return out


# -- main -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="(A) only, without esda's permutations and scikit-learn's HDBSCAN")
    ap.add_argument("--runs", type=int, default=3, help="runs per case, best taken (default 3)")
    ap.add_argument("--points", type=int, default=N_SYNTHETIC, help="incidents in the synthetic set (B)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--npz", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.npz, args.out)

    if not STREET_DIR.is_dir() or not any(STREET_DIR.glob("*.csv")):
        sys.exit(f"The real police.uk files are not here: {STREET_DIR}. This benchmark needs the shared data "
                 "folder beside the repository (../shared/data/police/hertfordshire_2021/street/*.csv).")
    if args.runs < 1 or args.points < 1000:
        sys.exit("--runs must be at least 1 and --points at least 1000.")
    full = not args.quick

    import esda
    import libpysal
    import scipy
    import sklearn

    try:
        import numba
        numba_note = f"numba {numba.__version__}"
    except ImportError:
        numba_note = "numba NOT installed (esda's permutations run without its JIT)"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"bench/engine.py{' --quick' if args.quick else ''}  {time.strftime('%Y-%m-%d %H:%M')}  {cores} cores  "
          f"Python {platform.python_version()}  numpy {np.__version__}  scipy {scipy.__version__}  "
          f"scikit-learn {sklearn.__version__}  esda {esda.__version__}  libpysal {libpysal.__version__}  "
          f"{numba_note}")
    print(f"load average before: {_load()} (other processes slow every route alike; the ratios are steadier)")
    rows: list[Row] = []
    checks: list[str] = []
    goals: dict[str, float] = {}
    t_start = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmpname:
        tmp = Path(tmpname)
        store, inc_a, t_sel = load_real(tmp)
        try:
            datasets = [("A", inc_a)]
            if full:
                inc_b = synthetic(inc_a, args.points, SEED)
                datasets.append(("B", inc_b))
            hd_a = db_scale = None
            for tag, inc in datasets:
                lx, _, _ = distinct_locations(inc["easting"].to_numpy(), inc["northing"].to_numpy())
                label = ("real county-year, all crime types" if tag == "A" else
                         f"synthetic: (A) resampled (seed {SEED}), {100 * JITTER_SHARE:g} % moved <= {JITTER_M:g} m")
                print(f"({tag}) {label}: {len(inc):,} incidents on {lx.size:,} distinct locations, res {RES}")
                if tag == "A":
                    rows.append(Row("A", "prep: select_incidents (DuckDB)", t_sel,
                                    note="selection from the store; not part of any statistic row"))
                counts, window, t_cold, t_warm, t_prep = bench_gistar(tag, inc, args.runs, full, checks, rows)

                npz = tmp / f"{tag}.npz"
                np.savez(npz, x=inc["easting"].to_numpy(), y=inc["northing"].to_numpy(),
                         window=np.asarray(window, dtype="U16"))
                mem = lambda case, timeout=None, npz=npz: in_subprocess(case, npz, tmp, timeout)  # noqa: E731

                t_kde = bench_kde(tag, inc, window, args.runs, full, None if tag == "A" else KDE_QUERY_SUBSAMPLE,
                                  checks, rows, mem)
                t_db, db_scale = bench_dbscan(tag, inc, args.runs, tag == "A", checks, rows, mem,
                                              None if tag == "A" else db_scale)
                t_hd, hd = bench_hdbscan(tag, inc, args.runs, full and tag == "A", hd_a, checks, rows, mem,
                                         quick=not full)
                if tag == "A":
                    hd_a = hd
                    goals = {"KDE": t_kde, "Gi*": t_cold, "DBSCAN": t_db, "_gi_warm": t_warm, "_prep": t_prep}
            det = bench_detect(store, args.runs, rows)
        finally:
            store.close()

    print()
    print_table(rows)
    print()
    print("Checks (the fast answers are the same answers):")
    for c in checks:
        print("  " + c)
    print()
    print(f"Goals, county-year (A) at res {RES}. Each goal is for the statistic after data selection: the "
          "estimator's own work on the selected incidents (select_incidents "
          f"{t_sel:.3f} s, and for Gi* count_by_cell + analysis_window {goals['_prep']:.3f} s, are not in it):")
    verdict = lambda t, g: "met" if t < g else "NOT met"  # noqa: E731
    print(f"  KDE    < {GOALS_S['KDE']:g} s: fit + density_at_cells(window) {goals['KDE']:.3f} s -> "
          f"{verdict(goals['KDE'], GOALS_S['KDE'])}   (detect('kde') end to end {det['kde']:.3f} s)")
    gi_all = goals["Gi*"] + goals["_prep"]
    print(f"  Gi*    < {GOALS_S['Gi*']:g} s: k-ring weights + fit {goals['Gi*']:.3f} s -> "
          f"{verdict(goals['Gi*'], GOALS_S['Gi*'])}   (fit with cached weights {goals['_gi_warm']:.3f} s; with "
          f"count_by_cell + analysis_window {gi_all:.3f} s -> {verdict(gi_all, GOALS_S['Gi*'])}; "
          f"detect('gistar') end to end {det['gistar']:.3f} s)")
    print(f"  DBSCAN < {GOALS_S['DBSCAN']:g} s: WeightedDBSCAN.fit {goals['DBSCAN']:.3f} s -> "
          f"{verdict(goals['DBSCAN'], GOALS_S['DBSCAN'])}   (detect('dbscan') end to end with cluster summaries "
          f"{det['dbscan']:.3f} s)")
    print()
    print(f"load average after: {_load()}; total {time.perf_counter() - t_start:.0f} s. ref/ours above 1: ours "
          "faster. 'MB' is the peak resident size above the loaded data, one run in a fresh subprocess.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

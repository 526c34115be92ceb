"""Cell-key perturbation of A&E counts: the same records always give the same published number.

Suppression within one table cannot stop a reader who subtracts two tables they chose (two periods, two
areas, two resolutions). Flexible table builders therefore publish *perturbed* counts (ONS, 2021 Census
"create a custom dataset"; ABS TableBuilder):

1. every record carries a fixed random **record key**, a whole number ``0..AE_RECORD_KEY_MAX`` (255),
   assigned once at load (``geo.store.ae``: HMAC-SHA256 of the store's secret and the record's identity);
2. a published cell's **cell key** is the sum of its records' keys modulo 256 (computed in the store, so
   record keys never leave it);
3. the published value is the count plus a small **perturbation** read from a perturbation table
   (*ptable*) at row (count, cell key); counts above 750 reuse the rows 501 to 750.

The same records give the same cell key, so the same number every time (a query repeated, a file
reloaded); two overlapping selections differ by records whose keys change the cell key, so the
difference of two published numbers no longer says how many records lie between them.

This module follows the ONS package ``cell-key-perturbation`` (PyPI, version 3.1.0,
``create_perturbed_table``: cell key = record-key sum modulo ``max(ckey) + 1``, ``pcv = ((n - 1) % 250) +
501`` above 750, perturbation joined on ``(pcv, ckey)``) and its ptable format (columns ``pcv, ckey,
pvalue``); ``tests/unit/test_ckm.py`` checks it against that package's output on the same records. It does
not call the package at run time: the package tabulates a pandas frame of records carrying their keys,
whereas here the store sums the keys in SQL and only (count, cell key) pairs come up.

The ptable here (``ptable``): counts ``1..threshold`` are hidden anyway ("1 to 7", exact counts,
``hotspots.methods.suppress``) and get 0; every larger count moves by -2 to +2 with shares 10 %, 20 %,
40 %, 20 %, 10 % of the 256 cell keys (26, 51, 102, 51, 26 keys), never below ``threshold + 1`` (a move
that would publish a small number is cut to the smallest allowed, so 8 and 9 are slightly biased
upwards: mean +0.4 and +0.1). Which keys get which move is shuffled per count by SHA-256 (fixed, so the
table is the same on every machine). Zero is published as 0 (no records, no key).

References
----------
Office for National Statistics (2023). *Cell key perturbation* package, ``cell-key-perturbation``
    3.1.0 on PyPI (ONS Statistical Disclosure Control); "Protecting personal data in Census 2021 results".
Fraser, B. and Wooton, J. (2005). A proposed method for confidentialising tabular output to protect
    against differencing. UNECE Work Session on Statistical Data Confidentiality (the ABS method).

Examples
--------
>>> import numpy as np
>>> perturb([0, 3, 8, 40, 40], [0, 17, 200, 5, 6], threshold=7).tolist()[:2]   # 0 and hidden counts unmoved
[0, 3]
>>> bool(np.all(perturb(np.arange(8, 800), np.arange(792) % 256) >= 8))          # never a small number
True
>>> perturb([40], [5]).tolist() == perturb([40], [5]).tolist()                    # same key, same number
True
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
import pandas as pd

from geo.constants import AE_RECORD_KEY_MAX
from hotspots.defaults import AE_SUPPRESS_MAX

__all__ = ["KEY_MODULUS", "MAX_MOVE", "MAX_PCV", "PERTURBATION_KEYS", "cell_key", "perturb", "ptable", "ptable_frame"]

#: Cell keys are record-key sums modulo this (256: keys 0..255, the ONS package's ptable range).
KEY_MODULUS = AE_RECORD_KEY_MAX + 1
#: The ptable's last count row; larger counts reuse rows 501..750 (the ONS package's rule).
MAX_PCV = 750
#: Perturbation -> how many of the 256 cell keys take it (10 %, 20 %, 40 %, 20 %, 10 %).
PERTURBATION_KEYS: dict[int, int] = {-2: 26, -1: 51, 0: 102, 1: 51, 2: 26}
#: The largest move of a published count (what a reader who knows the ptable knows of it).
MAX_MOVE = max(abs(k) for k in PERTURBATION_KEYS)


def cell_key(record_keys) -> int:
    """The cell key of a group of records: the sum of their keys modulo 256.

    >>> cell_key([200, 100, 3])
    47
    """
    return int(np.sum(np.asarray(record_keys, dtype=np.int64)) % KEY_MODULUS)


def _check(threshold) -> int:
    t = int(threshold)
    if t != threshold or t < 0 or t >= MAX_PCV:
        raise ValueError(f"threshold must be a whole number from 0 to {MAX_PCV - 1}; got {threshold!r}")
    return t


@lru_cache(maxsize=8)
def _ptable_array(threshold: int) -> np.ndarray:
    """``[pcv, ckey] -> pvalue`` for pcv 0..MAX_PCV (row 0 and rows 1..threshold are all 0)."""
    t = _check(threshold)
    moves = np.repeat(np.array(list(PERTURBATION_KEYS), dtype=np.int64),
                      np.array(list(PERTURBATION_KEYS.values())))
    out = np.zeros((MAX_PCV + 1, KEY_MODULUS), dtype=np.int64)
    for pcv in range(t + 1, MAX_PCV + 1):
        order = sorted(range(KEY_MODULUS),
                       key=lambda k: hashlib.sha256(f"hotspots ptable {pcv} {k}".encode()).digest())
        out[pcv, order] = np.maximum(moves, (t + 1) - pcv)
    out.setflags(write=False)
    return out


def ptable(threshold: int = AE_SUPPRESS_MAX) -> np.ndarray:
    """The perturbation table as an array ``[count row, cell key] -> perturbation`` (read-only).

    >>> p = ptable(7)
    >>> p.shape, int(p[5].min()), int(p[5].max()), int(p[40].min()), int(p[40].max()), int(p[8].min())
    ((751, 256), 0, 0, -2, 2, 0)
    >>> sorted(int((p[40] == v).sum()) for v in (-2, -1, 0, 1, 2))
    [26, 26, 51, 51, 102]
    """
    return _ptable_array(_check(threshold))


def ptable_frame(threshold: int = AE_SUPPRESS_MAX) -> pd.DataFrame:
    """The same table in the ONS package's format: ``pcv`` (1..750), ``ckey`` (0..255), ``pvalue``."""
    arr = ptable(threshold)
    pcv, ckey = np.meshgrid(np.arange(1, MAX_PCV + 1), np.arange(KEY_MODULUS), indexing="ij")
    return pd.DataFrame({"pcv": pcv.ravel(), "ckey": ckey.ravel(), "pvalue": arr[1:].ravel()})


def perturb(counts, cell_keys, threshold: int = AE_SUPPRESS_MAX) -> np.ndarray:
    """Counts plus their perturbation: ``n + ptable[pcv(n), key]`` (0 and ``1..threshold`` unchanged).

    Parameters
    ----------
    counts : array of int
        Exact counts (0 or more).
    cell_keys : array of int
        Each count's cell key (its records' key sum; taken modulo 256).
    threshold : int
        Counts up to it are hidden by the caller and left as they are here.

    Returns
    -------
    ndarray of int
        Never in ``1..threshold`` for a count above it.
    """
    n = np.asarray(counts, dtype=np.int64)
    k = np.asarray(cell_keys, dtype=np.int64) % KEY_MODULUS
    if n.shape != k.shape:
        raise ValueError("counts and cell_keys must have the same length")
    if n.size and n.min() < 0:
        raise ValueError("counts must be 0 or more")
    pcv = np.where(n <= MAX_PCV, n, ((n - 1) % 250) + 501)
    return n + ptable(threshold)[pcv, k]

"""Cell-key perturbation of A&E counts: the same records always give the same published number.

Suppression within one table cannot stop a reader who subtracts two tables they chose (two periods, two
areas, two resolutions). Flexible table builders therefore publish *perturbed* counts (ONS, 2021 Census
"create a custom dataset"; ABS TableBuilder):

1. every record carries a fixed random **record key**, a whole number ``0..AE_RECORD_KEY_MAX`` (65,535),
   assigned once at load (``geo.store.ae``: HMAC-SHA256 of the store's secret and the record's identity);
2. a published cell's **cell key** is the sum of its records' keys modulo 65,536 (computed in the store, so
   record keys never leave it);
3. the published value is the count plus a small **perturbation** read from a perturbation table
   (*ptable*) at row (count, cell key); counts above 750 reuse the rows 501 to 750.

The same records give the same cell key, so the same number every time (a query repeated, a file
reloaded); two overlapping selections differ by records whose keys change the cell key, so the
difference of two published numbers no longer says how many records lie between them.

The ptable
----------
Counts ``1..threshold`` are hidden ("1 to 7", ``hotspots.methods.suppress``) and get 0; zero is published
as 0 (no records, no key). Every larger count moves by -2 to +2 for all but two of the 65,536 cell keys
(shares 10 %, 20 %, 40 %, 20 %, 10 %), and by -3 and +3 for one key each (a chance of 1 in 65,536 each).
A count that lands at ``threshold`` or below is hidden like a small one (the ONS package hides a perturbed
count below its threshold): an 8 is shown as "1 to 7" three times in ten, a 9 once in ten.

Why so. A reader who knows the table can only be *certain* that a published ``v`` came from
``v - 3 .. v + 3`` and that "1 to 7" came from ``1 .. 10``, while in fact it almost always came from
``v - 2 .. v + 2`` and ``1 .. 9``: every upper bound a reader can be sure of is at least one above the
truth, so no combination of published numbers (subtraction, or a linear programme over all of them) can
pin a count from above, unless one of the numbers in it took its one-in-65,536 move (issue 16's
adversary, ``tests/unit/test_ae_adversary.py``). The lower bounds a reader has can be exact (a hexagon
listed has at least one assault); a pin needs both. What failed before, measured on Watford: moves of at
most 2 that a reader knew for certain, and a floor that kept every shown count at 8 or more with
"1 to 7" meaning exactly 1..7, let subtraction pin 3 to 13 hexagon-month counts per sample seed (the larger
of two nested numbers took -2 and the smaller +2), and a linear programme pin 51 (a "1 to 7" over seven
hexagon-months each known to hold at least one: all seven are 1).

Which keys take which move differs per count row (a bijection of the 16-bit key, seeded per row by
SHA-256, so the table is the same on every machine and every row has exactly the shares above).

This module follows the ONS package ``cell-key-perturbation`` (PyPI, version 3.1.0,
``create_perturbed_table``: cell key = record-key sum modulo ``max(ckey) + 1``, ``pcv = ((n - 1) % 250) +
501`` above 750, perturbation joined on ``(pcv, ckey)``) and its ptable format (columns ``pcv, ckey,
pvalue``; :func:`ptable_frame`); ``tests/unit/test_ckm.py`` checks it against that package's output on the
same records. It does not call the package at run time: the package tabulates a pandas frame of records
carrying their keys, whereas here the store sums the keys in SQL and only (count, cell key) pairs come up;
and its full ptable at 65,536 keys would be 49 million rows, where the rows are computed here as needed.

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
>>> bool(np.all(np.abs(perturb(np.arange(8, 800), np.arange(792) * 83 % 65536) - np.arange(8, 800)) <= 3))
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

__all__ = ["KEY_MODULUS", "MAX_MOVE", "MAX_PCV", "PERTURBATION_KEYS", "cell_key", "moves", "perturb", "ptable",
           "ptable_frame", "support"]

#: Cell keys are record-key sums modulo this (65,536: keys 0..65,535).
KEY_MODULUS = AE_RECORD_KEY_MAX + 1
#: The ptable's last count row; larger counts reuse rows 501..750 (the ONS package's rule).
MAX_PCV = 750
#: Perturbation -> how many of the 65,536 cell keys take it, in the order keys are dealt out.
PERTURBATION_KEYS: dict[int, int] = {-3: 1, 3: 1, -2: 6553, -1: 13107, 0: 26214, 1: 13107, 2: 6553}
#: The largest move of a published count: what a reader who knows the ptable can be certain of.
MAX_MOVE = max(abs(k) for k in PERTURBATION_KEYS)

_MOVES = np.array(list(PERTURBATION_KEYS), dtype=np.int64)
_EDGES = np.cumsum(list(PERTURBATION_KEYS.values()))
assert _EDGES[-1] == KEY_MODULUS


def cell_key(record_keys) -> int:
    """The cell key of a group of records: the sum of their keys modulo 65,536.

    >>> cell_key([65000, 1000, 3])
    467
    """
    return int(np.sum(np.asarray(record_keys, dtype=np.int64)) % KEY_MODULUS)


def _check(threshold) -> int:
    t = int(threshold)
    if t != threshold or t < 0 or t >= MAX_PCV:
        raise ValueError(f"threshold must be a whole number from 0 to {MAX_PCV - 1}; got {threshold!r}")
    return t


@lru_cache(maxsize=1)
def _row_seeds() -> np.ndarray:
    """Per ptable row, two 16-bit numbers from SHA-256 (fixed: the same table on every machine)."""
    out = np.zeros((MAX_PCV + 1, 2), dtype=np.uint64)
    for pcv in range(MAX_PCV + 1):
        d = hashlib.sha256(f"hotspots ptable {pcv}".encode()).digest()
        out[pcv] = (int.from_bytes(d[:2], "big"), int.from_bytes(d[2:4], "big") | 1)
    return out


def _dealt(pcv: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Each key's place in its row's deal: a bijection of 0..65,535 for every row (xor, odd multiply, xorshift)."""
    seeds = _row_seeds()[pcv]
    x = (key.astype(np.uint64) ^ seeds[:, 0]) & np.uint64(0xFFFF)
    x = (x * seeds[:, 1]) & np.uint64(0xFFFF)
    x ^= x >> np.uint64(7)
    x = (x * np.uint64(0x9E37)) & np.uint64(0xFFFF)
    x ^= x >> np.uint64(9)
    return x.astype(np.int64)


def _pcv(n: np.ndarray) -> np.ndarray:
    return np.where(n <= MAX_PCV, n, ((n - 1) % 250) + 501)


def moves(pcv, keys, threshold: int = AE_SUPPRESS_MAX) -> np.ndarray:
    """The ptable's entries: the perturbation at each (count row, cell key).

    >>> m = moves(np.full(65536, 40), np.arange(65536))
    >>> [int((m == v).sum()) for v in (-3, -2, -1, 0, 1, 2, 3)]
    [1, 6553, 13107, 26214, 13107, 6553, 1]
    >>> int(moves([5], [9])[0]), int(moves(np.full(65536, 8), np.arange(65536)).min())
    (0, -3)
    """
    t = _check(threshold)
    p = np.asarray(pcv, dtype=np.int64)
    k = np.asarray(keys, dtype=np.int64) % KEY_MODULUS
    move = _MOVES[np.searchsorted(_EDGES, _dealt(np.clip(p, 0, MAX_PCV), k), side="right")]
    return np.where(p > t, move, 0)


def support(count: int, threshold: int = AE_SUPPRESS_MAX) -> set[int]:
    """Every move the ptable can give a count (what a reader who knows the table knows of it).

    >>> sorted(support(40)), sorted(support(3))
    ([-3, -2, -1, 0, 1, 2, 3], [0])
    """
    n = int(count)
    t = _check(threshold)
    if n <= t:
        return {0}
    return set(PERTURBATION_KEYS)


def ptable(threshold: int = AE_SUPPRESS_MAX, rows=None) -> np.ndarray:
    """Rows of the perturbation table as an array ``[row, cell key] -> perturbation``.

    Parameters
    ----------
    rows : sequence of int, optional
        The count rows (``pcv``) wanted (default: all, 0..750: about 49 million entries).
    """
    r = np.arange(MAX_PCV + 1) if rows is None else np.asarray(rows, dtype=np.int64)
    pcv = np.repeat(r, KEY_MODULUS)
    return moves(pcv, np.tile(np.arange(KEY_MODULUS), len(r)), threshold).reshape(len(r), KEY_MODULUS)


def ptable_frame(threshold: int = AE_SUPPRESS_MAX, rows=None) -> pd.DataFrame:
    """Rows of the table in the ONS package's format: ``pcv`` (default 1..750), ``ckey`` (0..65,535), ``pvalue``."""
    r = np.arange(1, MAX_PCV + 1) if rows is None else np.asarray(rows, dtype=np.int64)
    arr = ptable(threshold, r)
    return pd.DataFrame({"pcv": np.repeat(r, KEY_MODULUS), "ckey": np.tile(np.arange(KEY_MODULUS), len(r)),
                         "pvalue": arr.ravel()})


def perturb(counts, cell_keys, threshold: int = AE_SUPPRESS_MAX) -> np.ndarray:
    """Counts plus their perturbation: ``n + ptable[pcv(n), key]`` (0 and ``1..threshold`` unchanged).

    Parameters
    ----------
    counts : array of int
        Exact counts (0 or more).
    cell_keys : array of int
        Each count's cell key (its records' key sum; taken modulo 65,536).
    threshold : int
        Counts up to it are hidden by the caller and left as they are here.

    Returns
    -------
    ndarray of int
        A count above the threshold may come out at ``threshold`` or below: it is then hidden like a small
        one (``hotspots.methods.suppress.publish_counts``), as the ONS package hides a perturbed count below
        its threshold.
    """
    n = np.asarray(counts, dtype=np.int64)
    k = np.asarray(cell_keys, dtype=np.int64) % KEY_MODULUS
    if n.shape != k.shape:
        raise ValueError("counts and cell_keys must have the same length")
    if n.size and n.min() < 0:
        raise ValueError("counts must be 0 or more")
    return n + moves(_pcv(n), k, threshold)

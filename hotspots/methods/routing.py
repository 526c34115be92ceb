"""A short visiting order over points: nearest neighbour, improved by 2-opt and or-opt (exact for a few).

References
----------
Croes, G. A. (1958). A method for solving traveling-salesman problems. Operations Research 6(6), 791-812 (2-opt).
"""

from __future__ import annotations

import itertools

import numpy as np

from geo.errors import SettingError

__all__ = ["brute_force_order", "nearest_neighbour_order", "or_opt", "path_length", "two_opt", "visiting_order",
           "walk_through"]


def path_length(order, x, y) -> float:
    """Length (m) of the open walk visiting points in ``order``."""
    o = np.asarray(order, dtype=np.intp)
    if o.size < 2:
        return 0.0
    return float(np.hypot(np.diff(np.asarray(x, float)[o]), np.diff(np.asarray(y, float)[o])).sum())


def nearest_neighbour_order(x, y, start: int = 0) -> np.ndarray:
    """The walk that always goes to the nearest unvisited point (ties: lowest index).

    >>> nearest_neighbour_order([0, 10, 1, 11], [0, 0, 0, 0]).tolist()
    [0, 2, 1, 3]
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = x.size
    if n == 0:
        return np.empty(0, dtype=np.intp)
    seen = np.zeros(n, dtype=bool)
    order = [int(start)]
    seen[start] = True
    for _ in range(n - 1):
        c = order[-1]
        d = np.hypot(x - x[c], y - y[c])
        d[seen] = np.inf
        nxt = int(np.argmin(d))
        order.append(nxt)
        seen[nxt] = True
    return np.asarray(order, dtype=np.intp)


def _distances(x, y) -> np.ndarray:
    x, y = np.asarray(x, float), np.asarray(y, float)
    return np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])


def _until_no_gain(one_pass, order, x, y, dist) -> np.ndarray:
    """Run ``one_pass(walk, distances)`` (it changes the walk in place, and says whether it shortened it) until
    a pass shortens nothing."""
    o = list(np.asarray(order, dtype=np.intp))
    d = _distances(x, y) if dist is None else dist
    while one_pass(o, d):
        pass
    return np.asarray(o, dtype=np.intp)


def _two_opt_pass(o: list, d: np.ndarray) -> bool:
    n = len(o)
    improved = False
    for i in range(1, n - 1):
        for j in range(i + 1, n):
            nxt = o[j + 1] if j + 1 < n else None
            before = d[o[i - 1], o[i]] + (d[o[j], nxt] if nxt is not None else 0.0)
            after = d[o[i - 1], o[j]] + (d[o[i], nxt] if nxt is not None else 0.0)
            if after < before - 1e-9:
                o[i:j + 1] = o[i:j + 1][::-1]
                improved = True
    return improved


def _or_opt_pass(o: list, d: np.ndarray) -> bool:
    n = len(o)
    improved = False
    for seg in (1, 2, 3):
        i = 1
        while i + seg <= n:
            part = o[i:i + seg]
            prev, nxt = o[i - 1], (o[i + seg] if i + seg < n else None)
            gain = d[prev, part[0]] + (d[part[-1], nxt] - d[prev, nxt] if nxt is not None else 0.0)
            rest = o[:i] + o[i + seg:]
            best, where = 1e-9, None
            for k in range(1, len(rest) + 1):   # insert between rest[k-1] and rest[k]
                if k == i:
                    continue
                a, b = rest[k - 1], (rest[k] if k < len(rest) else None)
                for rev in (False, True):
                    p0, p1 = (part[-1], part[0]) if rev else (part[0], part[-1])
                    cost = d[a, p0] + (d[p1, b] - d[a, b] if b is not None else 0.0)
                    if gain - cost > best:
                        best, where = gain - cost, (k, rev)
            if where is not None:
                k, rev = where
                o[:] = rest[:k] + (part[::-1] if rev else part) + rest[k:]
                improved = True
            i += 1
    return improved


def two_opt(order, x, y, dist=None) -> np.ndarray:
    """Improve an open walk (first point fixed) by reversing stretches while that shortens it."""
    return _until_no_gain(_two_opt_pass, order, x, y, dist)


def or_opt(order, x, y, dist=None) -> np.ndarray:
    """Improve an open walk (first point fixed) by moving stretches of 1-3 points elsewhere
    (either way round) while that shortens it (Or 1976)."""
    return _until_no_gain(_or_opt_pass, order, x, y, dist)


def visiting_order(x, y, start: int = 0) -> tuple[np.ndarray, float]:
    """A short open walk over points from ``start``: nearest neighbour, then 2-opt and Or-opt
    moves until neither shortens it.

    Returns
    -------
    order : numpy.ndarray of int
    length_m : float

    Examples
    --------
    >>> order, length = visiting_order([0, 100, 0, 100], [0, 0, 100, 100])
    >>> order.tolist(), length
    ([0, 1, 3, 2], 300.0)
    """
    nn = nearest_neighbour_order(x, y, start)
    d = _distances(x, y)
    o = two_opt(nn, x, y, d)
    while True:
        length = path_length(o, x, y)
        o = two_opt(or_opt(o, x, y, d), x, y, d)
        if path_length(o, x, y) >= length - 1e-9:
            break
    return o, path_length(o, x, y)


def walk_through(x, y, weights=None) -> tuple[np.ndarray, float]:
    """A short open walk past every point, starting at the busiest (largest weight; ties: the first).

    A patrol area's walk (``hotspots.tasks.patrol``): past every place its crimes are recorded, as the crow
    flies, from the place with most.

    Examples
    --------
    >>> order, length = walk_through([0, 100, 0, 100], [0, 0, 100, 100], weights=[1, 1, 1, 5])
    >>> order.tolist(), length
    ([3, 1, 0, 2], 300.0)
    >>> walk_through([5.0], [5.0])[1], walk_through([], [])[1]
    (0.0, 0.0)
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size == 0:
        return np.empty(0, dtype=np.intp), 0.0
    start = int(np.argmax(np.asarray(weights, float))) if weights is not None else 0
    return visiting_order(x, y, start)


def brute_force_order(x, y, start: int = 0) -> tuple[np.ndarray, float]:
    """The shortest open walk from ``start`` by trying every order (small instances only)."""
    n = len(x)
    if n > 9:
        raise SettingError("Trying every order is only for 9 points or fewer.", "Use visiting_order.")
    rest = [i for i in range(n) if i != start]
    best, best_len = None, np.inf
    for perm in itertools.permutations(rest):
        o = (start, *perm)
        length = path_length(o, x, y)
        if length < best_len - 1e-9:
            best, best_len = o, length
    return np.asarray(best, dtype=np.intp), float(best_len)

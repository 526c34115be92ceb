"""Cell-key perturbation (issue 16): the ONS package's output, the ptable's rules, record keys, determinism.

- ``hotspots.methods.ckm`` against the ONS package ``cell-key-perturbation`` (3.1.0,
  ``create_perturbed_table``) on the same records, keys and ptable: same cell keys, same published counts,
  and the same cells hidden (the package hides a perturbed count below its threshold, as
  ``publish_counts`` does: 1..7 are hidden, and so is a larger count moved to 7 or below).
- Record keys: HMAC-SHA256 of the store's secret and the record's site and id, 0..65,535; a reload of the same
  file, or of the file with its rows in another order, keeps them; a store made before keys gets them.
- The same query twice, and after a reload, publishes the same numbers.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from geo.errors import StoreError
from geo.ingest.ae import ingest_ae
from geo.store import Store
from hotspots.methods.ckm import (KEY_MODULUS, MAX_MOVE, MAX_PCV, PERTURBATION_KEYS, cell_key, moves, perturb,
                                  ptable, ptable_frame)
from hotspots.methods.suppress import publish_counts
from hotspots.tasks.overlay import overlay
from tests.unit.test_ae_reader import istv_csv, rec


# -- the method against the ONS package ----------------------------------------------------------------------
def test_matches_the_ons_package():
    from cell_key_perturbation.create_perturbed_table import create_perturbed_table

    rng = np.random.default_rng(16)
    sizes = [1, 2, 5, 7, 8, 9, 10, 11, 12, 15, 20, 33, 50, 99, 250, 500, 749, 750, 751, 800, 1001, 1600]
    sizes += rng.integers(1, 60, size=60).tolist()
    cells = np.repeat([f"c{i:03d}" for i in range(len(sizes))], sizes)
    micro = pd.DataFrame({"cell": cells, "record_key": rng.integers(0, KEY_MODULUS, size=len(cells))})
    # the package joins on (pcv, ckey): the rows these counts use (the whole table is 49 million rows)
    pcvs = sorted({n if n <= MAX_PCV else ((n - 1) % 250) + 501 for n in sizes})
    frame = ptable_frame(7, rows=pcvs)
    assert frame["ckey"].max() + 1 == KEY_MODULUS                          # the package's modulus is ours
    got = create_perturbed_table(data=micro, ptable=frame, geog=[], tab_vars=["cell"],
                                 record_key="record_key", threshold=8).set_index("cell")
    by_cell = micro.groupby("cell")["record_key"]
    n = by_cell.size()
    keys = by_cell.apply(cell_key)
    assert (got.loc[n.index, "ckey"] == keys).all()                       # cell key = key sum mod 65,536
    ours = pd.Series(perturb(n.to_numpy(), keys.to_numpy(), 7), index=n.index)
    pkg = got.loc[n.index, "count"]
    published = pd.Series(publish_counts(n.to_numpy(), keys.to_numpy()), index=n.index, dtype=object)
    shown = published.map(lambda v: isinstance(v, int))
    assert (pkg[shown].astype(int) == ours[shown]).all()                  # the same published counts
    assert (published[shown] == ours[shown]).all()
    assert pkg[~shown].isna().all()                                       # the same cells hidden: 1..7,
    assert pkg[shown].notna().all()                                       # and larger ones moved below 8
    big = n > 7
    assert (ours[big] != n[big]).any()                                    # and some were moved


def test_ptable_rules():
    rows = [0, 1, 5, 7, 8, 9, 10, 11, 12, 40, 333, 500, 501, 750]
    p = ptable(7, rows)
    assert p.shape == (len(rows), KEY_MODULUS)
    assert (p[:4] == 0).all()                                              # 0 and 1..7: never moved
    n = np.array(rows)[:, None]
    assert (np.abs(p) <= MAX_MOVE).all()                                   # small moves
    for row in p[4:]:                                                      # exact shares, every row above 7
        assert {v: int((row == v).sum()) for v in range(-3, 4)} == PERTURBATION_KEYS
    assert MAX_MOVE == 3 and PERTURBATION_KEYS[-3] == PERTURBATION_KEYS[3] == 1
    # an 8 lands at 7 or below (and is then hidden as "1 to 7") for 30 % of keys, a 9 for 10 %, a 10 for 1 key
    assert [int(((n[i] + p[i]) <= 7).sum()) for i in (4, 5, 6, 7)] == [6553 + 13107 + 1, 6553 + 1, 1, 0]
    assert (p == ptable(7, rows)).all()                                    # fixed
    # rows differ: which keys take which move is dealt afresh per row
    assert (p[-1] != p[-2]).mean() > 0.5
    # counts above 750 reuse rows 501..750 (the ONS package's rule)
    assert perturb([751], [3]).tolist() == [751 + int(moves([501], [3])[0])]
    assert perturb([1000], [3]).tolist() == [1000 + int(moves([((1000 - 1) % 250) + 501], [3])[0])]
    with pytest.raises(ValueError):
        perturb([-1], [0])


def test_publish_counts_hides_small_and_moves_the_rest():
    counts = [0, 1, 7, 8, 40, 40]
    keys = [0, 5, 5, 200, 5, 5]
    out = publish_counts(counts, keys, hidden=[False, False, False, False, False, True])
    assert out[:3] == [0, "1 to 7", "1 to 7"] and out[5] == "suppressed"
    assert out[3] == 8 + int(moves([8], [200])[0]) and out[4] == 40 + int(moves([40], [5])[0])
    assert publish_counts(counts, keys) == publish_counts(counts, keys)


# -- record keys in the store ---------------------------------------------------------------------------------
def _records(n, month="01", end="31"):
    """n distinct records (minutes apart) at one postcode, in 2023-``month``."""
    return [rec(assault=f"2023-{month}-{1 + i // 60:02d} {22 - (i // 1440)}:{i % 60:02d}",
                arrival=f"2023-{month}-{1 + i // 60:02d} 23:{i % 60:02d}") for i in range(n)]


def _keys(store) -> pd.DataFrame:
    return store.con.execute("SELECT force, id, record_key FROM ae_records ORDER BY force, id").df()


def test_record_keys_are_hmacs_that_a_reload_keeps(tmp_path):
    recs = _records(40)
    f = tmp_path / "istv-2023-01.csv"
    f.write_bytes(istv_csv(recs))
    with Store(tmp_path / "a.duckdb") as s:
        ingest_ae([f], s)
        first = _keys(s)
        secret = bytes(s.con.execute("SELECT secret FROM ae_secret").fetchall()[0][0])
        assert len(first) == 40 and first["record_key"].between(0, 65535).all()
        assert s.con.execute("SELECT count(*) FROM ae_secret").fetchall()[0][0] == 1 and len(secret) == 32
        # HMAC-SHA256(secret, site and id), first 8 bytes modulo 65,536: worked out here apart from the store
        for force, rid, key in first.itertuples(index=False):
            mac = hmac.new(secret, f"{force}\x1f{rid}".encode(), hashlib.sha256).digest()
            assert key == int.from_bytes(mac[:8], "big") % 65536
        assert first["record_key"].nunique() > 20                       # spread over 0..65,535
        assert first["record_key"].max() > 255                          # not the old range
        # the same file again, and the file with its rows reversed: the same keys (never row order)
        ingest_ae([f], s)
        pd.testing.assert_frame_equal(_keys(s), first)
        f.write_bytes(istv_csv(recs[::-1]))
        ingest_ae([f], s)
        pd.testing.assert_frame_equal(_keys(s), first)
        assert s.con.execute("SELECT count(*) FROM ae_secret").fetchall()[0][0] == 1
    # another store has another secret, so other keys
    with Store(tmp_path / "b.duckdb") as s:
        ingest_ae([f], s)
        assert (_keys(s)["record_key"] != first["record_key"]).any()


@pytest.mark.parametrize("older", ["no key column", "keys of the old range"])
def test_a_store_keyed_by_an_older_version_gets_its_keys(tmp_path, older):
    # as an older version left it: no key column (before keys), or keys 0..255 (this project's first version
    # of record keys). Read-only it is refused with the fix; writable its keys are drawn (again) from the same
    # secret, so they are what a new load gives, and the published numbers are the same
    f = tmp_path / "istv-2023-01.csv"
    f.write_bytes(istv_csv(_records(30)))
    db = tmp_path / "old.duckdb"
    with Store(db) as s:
        ingest_ae([f], s)
        first = _keys(s)
        pub = overlay(s).cells["ae_assaults"].tolist()
        if older == "no key column":
            s.con.execute("ALTER TABLE ae_records DROP COLUMN record_key")
        else:
            s.con.execute("UPDATE ae_records SET record_key = record_key % 256")
            s.set_meta("ae_record_key_range", "256")
    with Store(db, read_only=True) as s:
        with pytest.raises(StoreError, match="no record keys of this version yet"):
            overlay(s)
    with Store(db) as s:                                              # writable: migrated on opening
        pd.testing.assert_frame_equal(_keys(s), first)
        assert overlay(s).cells["ae_assaults"].tolist() == pub
        assert s.meta("ae_record_key_range") == "65536"
        s.con.execute("UPDATE ae_records SET record_key = NULL")      # rows without keys
    with Store(db) as s:
        pd.testing.assert_frame_equal(_keys(s), first)


def test_same_query_twice_and_after_a_reload_gives_the_same_numbers(tmp_path):
    files = []
    for month, end, n in (("01", "31", 30), ("02", "28", 12), ("03", "31", 9)):
        f = tmp_path / f"istv-2023-{month}.csv"
        f.write_bytes(istv_csv(_records(n, month), start=f"2023-{month}-01", end=f"2023-{month}-{end}"))
        files.append(f)
    with Store(tmp_path / "s.duckdb") as s:
        ingest_ae(files, s)
        first = overlay(s)
        again = overlay(s)
        ingest_ae(files, s)                                          # reload the same files
        reloaded = overlay(s)
    for pub in (again, reloaded):
        pd.testing.assert_frame_equal(pub.cells, first.cells)
        assert pub.totals == first.totals
    # one hexagon (one postcode) with 51 assaults, published as the publication function gives it
    assert len(first.cells) == 1 and abs(first.totals["ae_assaults"] - 51) <= MAX_MOVE
    assert isinstance(first.cells["ae_assaults"].iat[0], int) and abs(first.cells["ae_assaults"].iat[0] - 51) <= 2

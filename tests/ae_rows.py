"""Hand-made police violence and A&E rows for the overlay and suppression tests.

A&E rows follow the ISTV reader's contract: ``incidents`` rows with source ``ae``, force =
hospital site code, category ``A&E assault``, subcategory = weapon class, ``weapon``,
``occurred_at`` to the minute, ``location`` NULL. They are written with
``Store.write(LoadUnit(...))`` as a reader would.

The layout (``LAYOUT``): ten res-9 hexagons in Watford with the counts below, so the
classes, cuts, excess and suppression can be worked out by hand (tests/unit/test_overlay.py).
"""

from __future__ import annotations

import datetime as dt

import h3
import numpy as np
import pyarrow as pa

from geo.constants import AE_CATEGORY, SYNTHETIC_MARK
from geo.crs import lonlat_to_bng
from geo.schema import INCIDENT_COLUMNS

#: Ten res-9 cells, in a row east of Watford town centre (about 350 m apart).
ORIGIN = (51.6560, -0.3960)
#: Police violence and A&E assaults per cell (index = cell number).
POLICE = [20, 15, 3, 2, 1, 1, 0, 0, 0, 0]
AE = [12, 0, 9, 2, 0, 1, 10, 3, 1, 1]
#: A&E weapon classes: 25 body, 10 knife/sharp, 3 glass/bottle, 1 firearm (39 in all).
WEAPONS = ["body"] * 25 + ["knife/sharp"] * 10 + ["glass/bottle"] * 3 + ["firearm"]
SITE = "RWH01"
MONTH = "2021-06"


def layout_cells(res: int = 9) -> list[str]:
    """The ten cells: the origin's cell and the next nine going east, two rings apart."""
    c = h3.latlng_to_cell(*ORIGIN, res)
    out = [c]
    lat, lng = h3.cell_to_latlng(c)
    step = 0.0
    while len(out) < len(POLICE):
        step += 0.0005
        cand = h3.latlng_to_cell(lat, lng + step, res)
        if cand not in out and all(h3.grid_distance(cand, o) >= 2 for o in out):
            out.append(cand)
    return out


def _centre11(cell: str) -> tuple[float, float, int]:
    lat, lng = h3.cell_to_latlng(cell)
    return lat, lng, h3.str_to_int(h3.latlng_to_cell(lat, lng, 11))


def incident_table(rows: list[dict]) -> pa.Table:
    """Canonical incident columns (all but ``outcome`` and ``load_id``) from dicts."""
    types = {"VARCHAR": pa.string(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"), "DOUBLE": pa.float64(),
             "UBIGINT": pa.uint64(), "INTEGER": pa.int32(), "BOOLEAN": pa.bool_()}
    cols = [c for c in INCIDENT_COLUMNS if c.name not in ("outcome", "load_id")]
    return pa.table({c.name: pa.array([r.get(c.name) for r in rows], type=types[c.sql_type]) for c in cols})


def row(*, source, force, category, cell, i, month=MONTH, subcategory=None, occurred_at=None, location=None,
        weapon=None, file="test.csv"):
    lat, lng, c11 = _centre11(cell)
    e, n = lonlat_to_bng(np.array([lng]), np.array([lat]))
    y, m = map(int, month.split("-"))
    return {"id": f"{source}-{i}", "source": source, "force": force, "category": category, "subcategory": subcategory,
            "month": dt.date(y, m, 1), "occurred_at": occurred_at, "occurred_until": None,
            "time_precision": "minute" if occurred_at else "month", "lon": lng, "lat": lat,
            "easting": float(e[0]), "northing": float(n[0]), "h3_11": c11, "location": location,
            "lsoa_code": None, "outcome_given": None, "weapon": weapon, "source_file": file, "source_row": i + 2}


def unit(rows: list[dict], source: str, force: str, file: str, months=(MONTH,)):
    from geo.ingest.pipeline import empty_rejections
    from geo.store import LoadUnit

    parts = pa.table({"source": [source] * len(months), "force": [force] * len(months),
                      "month": [dt.date(int(m[:4]), int(m[5:]), 1) for m in months]})
    return LoadUnit(file=file, file_key=file, kind="ae" if source == "ae" else "street", source=source,
                    mode="replace", rows_read=len(rows), rejections=empty_rejections(), partitions=parts,
                    incidents=incident_table(rows), after_write=_ae_records_of(rows) if source == "ae" else None)


def _ae_records_of(rows: list[dict]):
    """As the ISTV loader does: every A&E incident has its located ``ae_records`` row, with its record key
    (cell-key perturbation; ``geo.store.ae``), written in the file's transaction."""
    records = pa.table({"file_key": pa.array([r["source_file"] for r in rows], pa.string()),
                        "force": pa.array([r["force"] for r in rows], pa.string()),
                        "month": pa.array([r["month"] for r in rows], pa.date32()),
                        "id": pa.array([r["id"] for r in rows], pa.string()),
                        "source_row": pa.array([r["source_row"] for r in rows], pa.int32())})

    def after_write(store) -> int:
        store.ensure_ae_tables()
        with store.registered("u_test_records", records):
            store.con.execute("INSERT INTO ae_records (file_key, force, month, id, source_row, located) "
                              "SELECT file_key, force, month, id, source_row, TRUE FROM u_test_records r "
                              "WHERE NOT EXISTS (SELECT 1 FROM ae_records a WHERE a.force = r.force AND a.id = r.id)")
        return store.fill_ae_record_keys()

    return after_write


def police_rows(cells, counts=POLICE, force="Hertfordshire Constabulary", month=MONTH, start=0):
    rows, i = [], start
    for k, (cell, n) in enumerate(zip(cells, counts)):
        for _ in range(n):
            rows.append(row(source="police", force=force, category="Violence and sexual offences", cell=cell, i=i,
                            month=month, location=f"On or near Street {k}"))
            i += 1
    return rows


def ae_rows(cells, counts=AE, weapons=WEAPONS, site=SITE, month=MONTH):
    """A&E rows: the first 30 on Saturday 5 June 2021 23:xx, the rest on Friday 4 June 22:xx."""
    rows, i = [], 0
    for cell, n in zip(cells, counts):
        for _ in range(n):
            when = (dt.datetime(2021, 6, 5, 23, i % 60) if i < 30 else dt.datetime(2021, 6, 4, 22, i % 60))
            w = weapons[i % len(weapons)]
            rows.append(row(source="ae", force=site, category=AE_CATEGORY, cell=cell, i=i, month=month,
                            subcategory=w, occurred_at=when, weapon=w not in ("body", "unknown")))
            i += 1
    return rows


def write_layout(store, res: int = 9, with_ae: bool = True, with_other_police: bool = True):
    """Write the layout's police violence (and A&E) rows, plus a burglary far east (orientation only)."""
    cells = layout_cells(res)
    p = police_rows(cells)
    if with_other_police:
        far = h3.latlng_to_cell(ORIGIN[0] + 0.03, ORIGIN[1], res)
        b = row(source="police", force="Hertfordshire Constabulary", category="Burglary", cell=far, i=len(p),
                location="On or near Far Lane")
        p.append(b)
    store.write(unit(p, "police", "Hertfordshire Constabulary", "2021-06-hertfordshire-street.csv"))
    if with_ae:
        store.write(unit(ae_rows(cells), "ae", SITE, "istv_test.csv"))
    return cells


#: The sample generator's weapon classes -> the ISTV reader's (the contract's names).
SAMPLE_WEAPON = {"none": "body", "blunt": "blunt object", "knife": "knife/sharp", "glass": "glass/bottle",
                 "firearm": "firearm", "other": "other", "unknown": "unknown"}


def sample_ae_units(sample_dir, located_share: float = 1.0):
    """A&E rows from the sample's ISTV files placed at the generator's true locations (ground truth).

    Stands in for the ISTV reader and geocoder (which place most, not all, records) so the
    overlay can be tested on realistic volumes before they exist. One LoadUnit per file.
    """
    from pathlib import Path

    import pandas as pd

    from geo.sample import ISTV_METHODS

    folder = Path(sample_dir) / "ae"
    truth = pd.read_csv(folder / "ground_truth_synthetic.csv")
    units = []
    for f in sorted(folder.glob("istv_*_synthetic.csv")):
        raw = pd.read_csv(f, dtype=str, keep_default_na=False)
        t = truth.loc[truth["file"] == f.name].set_index("row_index")
        rows = []
        for i, r in raw.iterrows():
            if i not in t.index:
                continue
            g = t.loc[i]
            when = dt.datetime.strptime(r["Assault Date and Time"], "%Y-%m-%d %H:%M")
            w = SAMPLE_WEAPON[ISTV_METHODS.get(r["Assault Method"], ("", "unknown", 0))[1]]
            lat, lng = float(g["true_latitude"]), float(g["true_longitude"])
            # marked like the sample's police force, so the app treats it as the sample (never mixed with real data)
            site = f"{r['Site Code']} ({SYNTHETIC_MARK})"
            rows.append({"id": f"{f.stem}-{i}", "source": "ae", "force": site, "category": AE_CATEGORY,
                         "subcategory": w, "month": dt.date(when.year, when.month, 1), "occurred_at": when,
                         "occurred_until": None, "time_precision": "minute", "lon": lng, "lat": lat,
                         "easting": float(g["true_easting"]), "northing": float(g["true_northing"]),
                         "h3_11": h3.str_to_int(h3.latlng_to_cell(lat, lng, 11)), "location": None,
                         "lsoa_code": None, "outcome_given": None, "weapon": w not in ("body", "unknown"),
                         "source_file": f.name, "source_row": int(i) + 2})
        months = sorted({f"{r['month']:%Y-%m}" for r in rows})
        units.append(unit(rows, "ae", rows[0]["force"] if rows else raw["Site Code"].iat[0], f.name, months=months))
    return units


def use_secret(store, secret: bytes) -> None:
    """Give a new store a fixed secret before any A&E record is keyed (so its published A&E numbers are the
    same on every run); keys drawn from it are what a store with that secret would draw."""
    from geo.store.ae import AE_SECRET_DDL

    store.con.execute(AE_SECRET_DDL)
    assert not store.con.execute("SELECT count(*) FROM ae_secret").fetchall()[0][0], "the store has a secret"
    store.con.execute("INSERT INTO ae_secret VALUES (?)", [bytes(secret).ljust(32, b".")])


def sample_year_store(sample_dir, db, secret: bytes):
    """A store of the synthetic sample already written in ``sample_dir``, keyed with a fixed ``secret``."""
    from geo.ingest.sample import ingest_sample
    from geo.store import Store

    with Store(db) as s:
        use_secret(s, secret)
        ingest_sample(sample_dir, s)
    return db

"""A&E assault data into the store: read (``geo.readers.ae``), geocode (``geo.geocode``), write, fix.

Tables
------
``incidents``
    Located records only: ``source = 'ae'``, ``force`` = the treatment site code, ``category`` = "A&E
    assault", ``subcategory`` = the weapon class, ``weapon`` (True for a weapon, False for body, NULL for
    unknown), ``occurred_at`` = the assault, ``time_precision = 'minute'``, ``month`` = the assault's month,
    the geocoded point, and ``location`` NULL: free text never goes into ``incidents``.
``ae_records`` (``AE_RECORDS_DDL``)
    One row per valid record, located or not, with the free text, the codes and their labels, and how it was
    placed (``precision``, ``confidence`` 0..1, ``matched``), and its ``record_key`` (0..255, for cell-key
    perturbation: HMAC of the store's secret and the record's site and id; ``geo.store.ae``). ``month`` here is the month the record was
    *reported* in (its arrival month, kept inside the reporting period): the partition a reload of that
    period replaces.
``rejections``
    Records that could not be located (``not_located``, column "Assault Location Description", the text as
    value) and bad rows (``missing_value``, ``bad_datetime``, ``bad_code``, ``bad_row``).
``ae_fixes`` (``AE_FIXES_DDL``)
    A person's answer for a description that could not be placed (or was placed wrongly): used by every later
    load, and applied at once to the stored records with that description.
``ae_venues``
    The last venue gazetteer loaded (a load without ``--gazetteer`` uses it).

Reloads. Each file is one transaction that replaces the (site, month) partitions its reporting period
covers. An assault can fall in an earlier month than the period that reports it (an assault at 23:50 on
31 January, seen at 00:30 on 1 February); inside each file's transaction, after its rows are written (the
store's ``LoadUnit.after_write``), the A&E incidents are made exactly the located ``ae_records`` (one per
site and id; ``sync_incidents``), so reloading any file, in any order, changes nothing, and a load killed
between two files leaves no assault missing.

Removing the A&E source (``Store.remove``) removes its incidents, records and listings; the saved fixes,
whose keys are descriptions (free text), stay for a reload unless ``drop_fixes`` forgets them too (the
Data page offers it).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.constants import AE_CATEGORY, SOURCE_AE, SYNTHETIC_MARK
from geo.crs import in_gb_bng
from geo.errors import HotspotsError, SettingError
from geo.geocode import (
    PRECISIONS,
    Geocoder,
    PostcodeIndex,
    StreetIndex,
    description_key,
    normalise_postcode,
    read_gazetteer,
)
from geo.ingest.pipeline import (
    append_ragged,
    failed_unit,
    ingest_units,
    unexpected_error,
)
from geo.locate import locate
from geo.months import FIRST_RECORD_YEAR
from geo.readers.ae import KIND, WEAPON_CLASSES, Codes, read_codes, read_istv
from geo.schema import REASONS
from geo.store import LoadUnit, Store
from geo.readers.inputs import Inputs

__all__ = ["PRECISIONS", "AeIngestReport", "drop_fixes", "ensure_tables", "fixes", "ingest_ae",
           "match_rate", "save_fix", "stored_venues", "sync_incidents", "unmatched"]

Progress = Callable[[float, str], None]

#: The column the not-located rejections name.
DESCRIPTION_COLUMN = "Assault Location Description"
#: A rejection lists at most this many characters of the value (the records keep the whole description).
LISTED_VALUE_MAX_CHARS = 500

_RECORD_COLUMNS = ("file_key", "force", "month", "id", "source_file", "source_row", "assault_at", "arrival_at",
                   "method_code", "method", "weapon_class", "method_other", "location_type_code", "location_type",
                   "description", "precision", "confidence", "matched", "easting", "northing", "located")


def ensure_tables(store: Store) -> None:
    """Create the A&E companion tables (once)."""
    store.ensure_ae_tables()


# -- the report ---------------------------------------------------------------------------------------------------
class AeIngestReport:
    """``IngestReport`` plus how many records were located, and how exactly (``to_dict`` adds the keys
    ``located``, ``not_located``, ``by_precision``, ``located_share_pct``)."""

    def __init__(self, report):
        self._report = report

    def __getattr__(self, name):
        return getattr(self._report, name)

    @property
    def files(self) -> list[dict]:
        return self._report.files

    def to_dict(self) -> dict:
        d = self._report.to_dict()
        by = Counter()
        for f in self.files:
            by.update(f.get("by_precision", {}))
        located = sum(f.get("located", 0) for f in self.files)
        not_located = sum(f.get("not_located", 0) for f in self.files)
        d["located"] = located
        d["not_located"] = not_located
        d["by_precision"] = {p: int(by.get(p, 0)) for p in PRECISIONS}
        d["located_share_pct"] = round(100.0 * located / (located + not_located), 1) if located + not_located else None
        return d


# -- loading ------------------------------------------------------------------------------------------------------
def load_fixes(store: Store) -> dict:
    """Saved fixes as the geocoder takes them: key -> (easting, northing, precision, label)."""
    f = store.ae_fixes()
    return {k: (e, n, p, lab) for k, e, n, p, lab in zip(f["key"], f["easting"], f["northing"], f["precision"],
                                                           f["label"])}


def stored_venues(store: Store) -> pd.DataFrame:
    """The venue gazetteer kept in the store (``name, town, postcode, easting, northing``)."""
    return store.ae_venues()


def make_geocoder(store: Store, gazetteer: str | Path | pd.DataFrame | None = None,
                  postcodes: PostcodeIndex | None = None) -> Geocoder:
    """A geocoder with the store's streets, saved fixes and venues (a given gazetteer replaces the stored one)."""
    ensure_tables(store)
    postcodes = postcodes or PostcodeIndex()
    if gazetteer is not None:
        venues = read_gazetteer(gazetteer, postcodes)
        store.replace_ae_venues(venues, "" if isinstance(gazetteer, pd.DataFrame) else Path(gazetteer).name)
    else:
        venues = stored_venues(store)
    return Geocoder(postcodes=postcodes, venues=venues, streets=StreetIndex.from_store(store),
                    fixes=load_fixes(store))


def ingest_ae(paths: Iterable[str | Path], store: Store, gazetteer: str | Path | pd.DataFrame | None = None,
              codes: str | Path | Codes | dict | None = None, progress: Progress | None = None,
              synthetic: bool | None = None, first_year: int = FIRST_RECORD_YEAR) -> AeIngestReport:
    """Load ISTV files (CSV/XLSX): read, check, geocode, write one transaction per file.

    Parameters
    ----------
    paths : iterable of str or Path
        Files, folders or zips.
    store : Store
    gazetteer : path or DataFrame, optional
        Venues (``name, town, postcode`` or ``easting, northing``); kept in the store for later loads.
    codes : path, dict or Codes, optional
        Method and location-type code lists (default: ``geo.readers.ae.DEFAULT_CODES_TOML``).
    progress : callable, optional
        ``progress(fraction, message)``.
    synthetic : bool, optional
        Mark the sites as synthetic data: ``force`` = ``"<site code> (SYNTHETIC)"``, as the sample's police
        force is marked, so that every view labels it and never mixes it with real data. Default: for files
        whose name says ``synthetic`` (as every file of the sample generator does).
    first_year : int
        Records (and reporting periods) dated before this year are refused, as are dates after the
        current month.

    Returns
    -------
    AeIngestReport
        ``rows_read == rows_stored + rows_rejected``; not-located records are rejected rows (reason
        ``not_located``) and are also in ``ae_records``.
    """
    c = codes if isinstance(codes, Codes) else read_codes(codes)
    store.require_write("load data")
    with Inputs(paths) as inputs:
        sources = inputs.sources
        if isinstance(gazetteer, (str, os.PathLike)):
            # a folder holding the gazetteer beside the ISTV files: the gazetteer is not an ISTV file
            gz = Path(gazetteer).resolve()
            sources = [src for src in sources if src.member or src.problem or src.path.resolve() != gz]
        geocoder = make_geocoder(store, gazetteer)
        units, extra = [], []
        for i, src in enumerate(sources):
            raw = None
            try:
                f = read_istv(src, c, first_year=first_year)
                raw = f.raw
                if synthetic or (synthetic is None and SYNTHETIC_MARK.lower() in src.basename.lower()):
                    _mark_synthetic(f)
                unit, info = _unit(f, geocoder)
                unit.rejections = append_ragged(unit.rejections, raw, SOURCE_AE)
                units.append(unit)
                extra.append(info)
            except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
                err = exc if isinstance(exc, HotspotsError) else unexpected_error(src, exc)
                units.append(failed_unit(src, KIND, SOURCE_AE, err, raw))
                extra.append({"located": 0, "not_located": 0, "by_precision": {p: 0 for p in PRECISIONS}})
            if progress:
                progress(0.5 * (i + 1) / max(len(sources), 1), f"Read and placed {src.name}")
    report = ingest_units(units, store, progress)
    report.skipped = [s.to_dict() for s in inputs.skipped]
    for entry, info in zip(report.files, extra):
        entry.update(info)
    return AeIngestReport(report)


def _mark_synthetic(f) -> None:
    mark = lambda site: site if not isinstance(site, str) or SYNTHETIC_MARK in site else f"{site} ({SYNTHETIC_MARK})"  # noqa: E731
    f.rows["site"] = f.rows["site"].map(mark)
    f.period_months = sorted({(mark(site), m) for site, m in f.period_months})


def _unit(f, geocoder: Geocoder) -> tuple[LoadUnit, dict]:
    """One file's rows as a LoadUnit: located records, the records table, rejections."""
    rows = f.rows.copy()
    good = rows["reason"].isna().to_numpy()
    n = len(rows)
    e, nn = np.full(n, np.nan), np.full(n, np.nan)
    prec, conf, matched = np.full(n, None, dtype=object), np.full(n, np.nan), np.full(n, None, dtype=object)
    if good.any():
        g = geocoder.geocode(rows.loc[good, "description"].tolist())
        e[good], nn[good], prec[good], conf[good], matched[good] = (g.easting, g.northing, g.precision,
                                                                    g.confidence, g.matched)
    located = good & np.isfinite(e)
    if located.any():  # a place outside Great Britain (a venue or fix with wrong coordinates) is not located
        outside = locate(e[located], nn[located], is_bng=True, far_rule=False).reason != 0
        located[np.flatnonzero(located)[outside]] = False
    not_located = good & ~located
    rows["reason"] = rows["reason"].where(~not_located, "not_located")
    rows.loc[not_located, "reason_column"] = DESCRIPTION_COLUMN
    rows.loc[not_located, "reason_value"] = rows.loc[not_located, "description"]
    file_name, file_key = f.raw.source.name, f.raw.source.basename

    # incidents: located records
    loc = locate(e[located], nn[located], is_bng=True, far_rule=False)
    r = rows[located]
    weapon = r["weapon_class"].map(WEAPON_CLASSES)
    incidents = pa.table({
        "id": pa.array(r["id"].tolist(), pa.string()),
        "source": pa.array([SOURCE_AE] * len(r), pa.string()),
        "force": pa.array(r["site"].tolist(), pa.string()),
        "category": pa.array([AE_CATEGORY] * len(r), pa.string()),
        "subcategory": pa.array(r["weapon_class"].tolist(), pa.string()),
        "month": pa.array(r["month"].dt.date.tolist(), pa.date32()),
        "occurred_at": pa.array(r["assault_at"].tolist(), pa.timestamp("us")),
        "occurred_until": pa.nulls(len(r), pa.timestamp("us")),
        "time_precision": pa.array(["minute"] * len(r), pa.string()),
        "lon": pa.array(loc.lon), "lat": pa.array(loc.lat),
        "easting": pa.array(loc.easting), "northing": pa.array(loc.northing),
        "h3_11": pa.array(loc.h3_11, pa.uint64()),
        "location": pa.nulls(len(r), pa.string()), "lsoa_code": pa.nulls(len(r), pa.string()),
        "outcome_given": pa.nulls(len(r), pa.string()),
        "weapon": pa.array([None if pd.isna(w) else bool(w) for w in weapon], pa.bool_()),
        "source_row": pa.array(r["source_row"].tolist(), pa.int32()),
        "source_file": pa.array([file_name] * len(r), pa.string()),
    })

    # the records table: every valid record, located or not
    v = rows[good]
    rec = pd.DataFrame({
        "file_key": file_key, "force": v["site"], "month": v["period_month"].dt.date, "id": v["id"],
        "source_file": file_name, "source_row": v["source_row"].astype("int32"),
        "assault_at": v["assault_at"], "arrival_at": v["arrival_at"],
        "method_code": v["method_code"], "method": v["method"], "weapon_class": v["weapon_class"],
        "method_other": v["method_other"], "location_type_code": v["location_type_code"],
        "location_type": v["location_type"], "description": v["description"],
        "precision": prec[good], "confidence": conf[good], "matched": matched[good],
        "easting": e[good], "northing": nn[good], "located": located[good],
    }, columns=list(_RECORD_COLUMNS))
    records = _arrow(rec)

    # rejections: bad rows and records not located
    bad = rows[rows["reason"].notna()]
    rej = pa.table({
        "source": pa.array([SOURCE_AE] * len(bad), pa.string()),
        "force": pa.array(bad["site"].tolist(), pa.string()),
        "month": pa.array([None if pd.isna(m) else m.date() for m in bad["period_month"]], pa.date32()),
        "file": pa.array([file_name] * len(bad), pa.string()),
        "row": pa.array(bad["source_row"].tolist(), pa.int32()),
        "column": pa.array(bad["reason_column"].tolist(), pa.string()),
        "value": pa.array([None if x is None or pd.isna(x) else str(x)[:LISTED_VALUE_MAX_CHARS]
                           for x in bad["reason_value"]], pa.string()),
        "reason": pa.array(bad["reason"].tolist(), pa.string()),
        "message": pa.array([_message(code, val) for code, val in zip(bad["reason"], bad["reason_value"])],
                            pa.string()),
        "fix": pa.array([REASONS[code].fix for code in bad["reason"]], pa.string()),
    })
    parts = pa.table({"source": pa.array([SOURCE_AE] * len(f.period_months), pa.string()),
                      "force": pa.array([s for s, _ in f.period_months], pa.string()),
                      "month": pa.array([m.date() for _, m in f.period_months], pa.date32())})
    by_precision = {p: int(np.sum(prec[located] == p)) for p in PRECISIONS}
    info = {"located": int(located.sum()), "not_located": int(not_located.sum()), "by_precision": by_precision}
    notes = list(f.notes)
    unit = LoadUnit(file=file_name, file_key=file_key, kind=KIND, source=SOURCE_AE, mode="replace",
                    rows_read=f.raw.table.num_rows + len(f.raw.ragged), rejections=rej, partitions=parts,
                    incidents=incidents, notes=notes, side_tables={"ae_records": records},
                    after_write=_partition_sync(f.period_months), sha256=f.raw.sha256)
    return unit, info


def _partition_sync(period_months) -> Callable:
    """The file's ``after_write``: the A&E incidents of the (site, assault month)s the file replaces."""
    keys = sorted({f"{site}|{pd.Timestamp(m):%Y-%m}" for site, m in period_months})

    def after_write(store: Store) -> int:
        store.fill_ae_record_keys()  # the new records' keys, in the file's transaction
        return store.sync_ae_incidents(place_records, partitions=keys) if keys else 0

    return after_write


def _message(code: str, value) -> str:
    msg = REASONS[code].message
    if code == "bad_code" and value is not None and not pd.isna(value):
        return f"'{value}' is not in the code list. {msg}"
    return msg


def _arrow(rec: pd.DataFrame) -> pa.Table:
    types = {"file_key": pa.string(), "force": pa.string(), "month": pa.date32(), "id": pa.string(),
             "source_file": pa.string(), "source_row": pa.int32(), "assault_at": pa.timestamp("us"),
             "arrival_at": pa.timestamp("us"), "confidence": pa.float64(), "easting": pa.float64(),
             "northing": pa.float64(), "located": pa.bool_()}
    cols = {}
    for name in _RECORD_COLUMNS:
        s = rec[name]
        t = types.get(name, pa.string())
        if t == pa.timestamp("us"):
            cols[name] = pa.array([None if pd.isna(x) else x.to_pydatetime() for x in s], t)
        elif t == pa.date32():
            cols[name] = pa.array([None if x is None or pd.isna(x) else x for x in s], t)
        elif t == pa.string():
            cols[name] = pa.array([None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)
                                   for x in s], t)
        else:
            cols[name] = pa.array(s.to_numpy(), t, from_pandas=True)
    return pa.table(cols)


# -- keeping incidents in step with the records -----------------------------------------------------------------
def place_records(missing: pd.DataFrame) -> pa.Table:
    """The incident rows of located A&E records (``geo.store.ae.Placer``): each on the grid, its weapon flag.

    A fix or venue outside Great Britain has no place on the grid: its record is left out.
    """
    loc = locate(missing["easting"].to_numpy(float), missing["northing"].to_numpy(float), is_bng=True,
                 far_rule=False)
    placed = loc.reason == 0
    if not placed.all():
        missing = missing.loc[placed].reset_index(drop=True)
        loc = locate(missing["easting"].to_numpy(float), missing["northing"].to_numpy(float), is_bng=True,
                     far_rule=False)
    weapon = missing["weapon_class"].map(WEAPON_CLASSES)
    return pa.table({
        "id": pa.array(missing["id"].tolist(), pa.string()), "force": pa.array(missing["force"].tolist(), pa.string()),
        "subcategory": pa.array(missing["weapon_class"].tolist(), pa.string()),
        "occurred_at": pa.array([x.to_pydatetime() for x in missing["assault_at"]], pa.timestamp("us")),
        "lon": pa.array(loc.lon), "lat": pa.array(loc.lat), "easting": pa.array(loc.easting),
        "northing": pa.array(loc.northing), "h3_11": pa.array(loc.h3_11, pa.uint64()),
        "weapon": pa.array([None if pd.isna(w) else bool(w) for w in weapon], pa.bool_()),
        "source_file": pa.array(missing["source_file"].tolist(), pa.string()),
        "source_row": pa.array(missing["source_row"].tolist(), pa.int32()),
        "load_id": pa.array(missing["load_id"].tolist(), pa.int32()),
    })


def sync_incidents(store: Store, partitions: list[tuple[str, object]] | None = None) -> int:
    """Make the A&E incidents the located ``ae_records``, in one transaction; returns rows added.

    Each file's load already does this inside its own transaction; this is for a store written some other
    way (or to check one: it returns 0 when nothing was missing).

    Parameters
    ----------
    partitions : list of (site, month), optional
        Add missing incidents only for records whose (site, assault month) is one of these (a load's
        partitions); default: every record.
    """
    keys = None if partitions is None else sorted({f"{site}|{pd.Timestamp(m):%Y-%m}" for site, m in partitions})
    return store.sync_ae_incidents(place_records, partitions=keys)


# -- fixes --------------------------------------------------------------------------------------------------------
def _venue_label(name: str, town: str | None) -> str:
    return f"{name}, {town}" if town else str(name)


def save_fix(store: Store, description: str, *, postcode: str | None = None, venue: str | None = None,
             easting: float | None = None, northing: float | None = None,
             postcodes: PostcodeIndex | None = None) -> dict:
    """Remember where a description is, and move the stored records with it (one transaction).

    Give exactly one of ``postcode``, ``venue`` (``"name, town"`` as ``stored_venues`` lists it) or
    ``easting`` and ``northing`` (British National Grid metres).

    Returns
    -------
    dict
        ``key, label, precision, records`` (records with the description), ``moved`` (records now located
        that were not).

    Raises
    ------
    SettingError
        Nothing or more than one answer given, a postcode not in Code-Point Open, an unknown venue, or
        coordinates outside Great Britain.
    """
    ensure_tables(store)
    key = description_key(description)
    if not key:
        raise SettingError("A blank description cannot be fixed.", "Pick one of the descriptions listed.")
    given = sum(x is not None and str(x).strip() != "" for x in (postcode, venue)) + (easting is not None or northing is not None)
    if given != 1:
        raise SettingError("Give one answer: a postcode, a venue, or an easting and northing.",
                           "Fill in exactly one of them.")
    pc_norm = None
    if postcode is not None and str(postcode).strip():
        pc_norm = normalise_postcode(postcode)
        if pc_norm is None:
            raise SettingError(f"'{postcode}' is not a full postcode.", "Write it as e.g. SG1 2AD.")
        pt = (postcodes or PostcodeIndex()).postcode(pc_norm)
        if pt is None:
            raise SettingError(f"The postcode {pc_norm} is not in OS Code-Point Open.",
                               "Check it (a terminated postcode is not listed), or give a venue or coordinates.")
        e, n, precision, label = pt[0], pt[1], "postcode", pc_norm
    elif venue is not None and str(venue).strip():
        v = stored_venues(store)
        labels = [_venue_label(a, b) for a, b in zip(v["name"], v["town"])]
        if venue not in labels:
            raise SettingError(f"There is no venue '{venue}' in the gazetteer.",
                               "Pick a venue from the list, or load a gazetteer that has it.")
        row = v.iloc[labels.index(venue)]
        e, n, precision, label = float(row["easting"]), float(row["northing"]), "venue", venue
    else:
        try:
            e, n = float(easting), float(northing)
        except (TypeError, ValueError):
            raise SettingError("The easting and northing must both be numbers (metres).",
                               "e.g. easting 523500, northing 224300 (British National Grid).") from None
        if not bool(in_gb_bng(np.array([e]), np.array([n]))[0]):
            raise SettingError(f"The point {e:.0f}, {n:.0f} is not in Great Britain.",
                               "Give British National Grid metres: easting 0-700,000, northing 0-1,300,000.")
        precision, label = "venue", f"{e:.0f}, {n:.0f} (given by hand)"
    descriptions = [d for d in store.ae_descriptions() if description_key(d) == key]
    records, moved = store.save_ae_fix(key, postcode=pc_norm, venue=venue if precision == "venue" and venue else None,
                                       easting=e, northing=n, precision=precision, label=label,
                                       descriptions=descriptions, placer=place_records)
    return {"key": key, "label": label, "precision": precision, "records": records, "moved": moved}


def drop_fixes(store: Store) -> int:
    """Forget every saved fix (their keys are A&E descriptions: free text); returns how many.

    For when the A&E source is removed: ``Store.remove('ae')`` removes the records, their incidents and
    listings but keeps the fixes, so that a reload of the same files is placed as before.
    """
    return store.drop_ae_fixes()


def fixes(store: Store) -> pd.DataFrame:
    """The saved fixes, newest first."""
    return store.ae_fixes()[["key", "label", "precision", "easting", "northing", "saved_at"]]


# -- what the data page shows -------------------------------------------------------------------------------------
def match_rate(store: Store) -> pd.DataFrame:
    """Records per site, and the share located by each precision.

    Columns: ``site, records, located, not_located, located_pct`` and ``<precision>`` counts and
    ``<precision>_pct`` for each of ``PRECISIONS`` (percent of the site's records).
    """
    df = store.ae_match_rate(PRECISIONS)
    if df.empty:
        return df
    for col in ("located", *PRECISIONS):
        df[f"{col}_pct"] = (100.0 * df[col] / df["records"]).round(1)
    return df


def unmatched(store: Store, limit: int | None = None) -> pd.DataFrame:
    """Descriptions of records not located, grouped as the geocoder matches them, most records first.

    Columns: ``key`` (the matching form), ``description`` (its most common spelling), ``records``,
    ``sites``. Blank descriptions are one line (``key`` empty): they cannot be fixed.
    """
    df = store.ae_unlocated()
    if df.empty:
        return pd.DataFrame(columns=["key", "description", "records", "sites"])
    df["key"] = df["description"].map(description_key)
    spelled = df.groupby(["key", "description"], as_index=False)["n"].sum().sort_values(
        ["key", "n", "description"], ascending=[True, False, True]).drop_duplicates("key")
    out = df.groupby("key", as_index=False).agg(records=("n", "sum"),
                                                sites=("force", lambda s: ", ".join(sorted(set(s)))))
    out = out.merge(spelled[["key", "description"]], on="key")
    out = out.sort_values(["records", "key"], ascending=[False, True], kind="stable")[
        ["key", "description", "records", "sites"]].reset_index(drop=True)
    return out.head(limit) if limit else out

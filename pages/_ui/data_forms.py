"""The Data page's forms: uploads, loads, load reports, mappings, boundaries, the store's contents.

The session-state keys the Data page needs live here, so the page itself stays a layout. Every write
ends with ``db.after_write`` (a CHECKPOINT), and every cached read is keyed on ``db.store_version()`` (the
store file's and its WAL's modification time), so a write is seen by every page on the next run.

Text that comes from a file (names, columns, values, locations, error sentences
that quote them) is only ever shown through ``st.dataframe``, ``st.text`` or as a
widget's options, which render it as text, never as Markdown or HTML.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import tomllib
import zlib
from dataclasses import replace
from pathlib import Path

import time
from functools import partial

import pandas as pd
import streamlit as st

from geo.constants import POLICE_CATEGORIES, SOURCE_AE, SOURCE_POLICE, SOURCE_RMS, SOURCE_STOP_SEARCH
from geo.errors import SettingError
from geo.boundaries import read_areas
from geo.ingest.ae import drop_fixes
from geo.ingest.police import ingest_police
from geo.ingest.rms import ingest_rms
from geo.readers.common import NamedPath, normalise_name
from geo.readers.rms import DEFAULT_TRUE_VALUES, FIELDS, read_mapping
from geo.schema import REASONS
from geo.store import Store
from hotspots.methods.words import count_text
from hotspots.methods.words import plural  # noqa: F401 (the pages' name for it: ae_forms, data)
from hotspots.outputs.files import incidents_csv
from pages._ui import cache
from pages._ui.db import after_write, db_path, open_store
from pages._ui.errors import UPLOAD_PREFIX, display_name, md_escape, show_error
from pages._ui.state import settings

log = logging.getLogger("hotspots.app")

# -- session-state and widget keys ---------------------------------------------------------
POLICE_FILES, POLICE_AREA = "data_police_files", "data_police_area"
RMS_FILES, RMS_AREA, RMS_STAGED = "data_rms_files", "data_rms_area", "data_rms_staged"
RMS_SAVED, RMS_FORCE, RMS_NAME = "data_rms_saved", "data_rms_force", "data_rms_name"
RMS_FORMAT, RMS_TRUES, RMS_CAT_PREFILL, RMS_EDITOR_GEN = ("data_rms_format", "data_rms_trues",
                                                         "data_rms_cat_prefill", "data_rms_editor_gen")
RMS_MISSING = "data_rms_missing"
BOUNDARY_FILE, BOUNDARY_LAYER, BOUNDARY_FIELD = "data_boundary_file", "data_boundary_layer", "data_boundary_field"
REMOVE_SOURCE, REMOVE_FORCE, REMOVE_GEN = "data_remove_source", "data_remove_force", "data_remove_gen"
REMOVE_FIXES = "data_remove_fixes"
REPORTS = {"police": "data_report_police", "rms": "data_report_rms"}
ADDED_AREAS = "data_added_areas"
NOTICE = "data_notice"

NO_AREA = "No boundary: reject only points far from the rest"
NO_COLUMN = "(not in this file)"
NEW_MAPPING = "A new mapping"
ALL_FORCES = "All forces"

#: Said wherever presentation mode leaves A&E out (A&E counts 1 to 7 are never projected, DOMAIN.md section 4).
AE_HIDDEN = ("A&E details are hidden in presentation mode (small A&E counts are never projected): leave "
             "presentation mode to see them.")

#: Plain names of the stored sources.
SOURCE_LABELS = {SOURCE_POLICE: "police.uk street crime", SOURCE_STOP_SEARCH: "Stop and search",
                 SOURCE_RMS: "Force records", SOURCE_AE: "A&E assaults"}

#: Each mapping field in plain words (the key in brackets is the mapping file's name for it).
FIELD_LABELS = {
    "id": "Crime reference (id)", "category": "Crime type (category)",
    "subcategory": "Offence description (subcategory)", "occurred_at": "Date and time (occurred_at)",
    "occurred_from": "From date and time (occurred_from)", "occurred_to": "To date and time (occurred_to)",
    "easting": "Easting, metres (easting)", "northing": "Northing, metres (northing)",
    "longitude": "Longitude, degrees (longitude)", "latitude": "Latitude, degrees (latitude)",
    "location": "Location text (location)", "lsoa_code": "LSOA code (lsoa_code)", "outcome": "Outcome (outcome)",
    "weapon": "Weapon flag (weapon)",
}
#: The mapping form's groups, in the order shown.
FIELD_GROUPS = {
    "What": ("id", "category", "subcategory", "outcome", "weapon"),
    "When: one date-time column, or a from-to window": ("occurred_at", "occurred_from", "occurred_to"),
    "Where: easting and northing, or longitude and latitude": ("easting", "northing", "longitude", "latitude",
                                                               "location", "lsoa_code"),
}

#: The most distinct values of a crime-type column offered for translation.
MAX_CATEGORY_VALUES = 300
#: A force-records header row has at least this many filled cells (title lines above it have one).
MIN_HEADER_CELLS = 3

def col_key(field: str) -> str:
    return f"data_rms_col_{field}"


# -- uploads ---------------------------------------------------------------------------------
def save_uploads(files) -> tuple[Path, list[Path]]:
    """Write uploaded files (anything with ``.name`` and ``.getvalue()``) to a new temp folder.

    Their names are kept (the police.uk reader reads the force and month from them);
    a name seen twice goes into a numbered subfolder so neither file is lost. Each path
    is a ``NamedPath`` under the uploaded name, so the store and the reports name the
    file as the user knows it, not as its temporary copy.
    """
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))
    paths = []
    for i, f in enumerate(files):
        name = Path(str(f.name).replace("\\", "/")).name or f"upload-{i + 1}"
        target = folder / name
        if target.exists():
            target = folder / str(i + 1) / name
            target.parent.mkdir()
        target.write_bytes(f.getvalue())
        paths.append(NamedPath(target, name))
    return folder, paths


#: Staged uploads older than this are deleted when new ones are staged (a session that
#: ends leaves its files behind: Streamlit has no end-of-session hook).
STAGED_MAX_AGE_S = 24 * 3600


def _sweep_old_uploads() -> None:
    cutoff = time.time() - STAGED_MAX_AGE_S
    for old in Path(tempfile.gettempdir()).glob(UPLOAD_PREFIX + "*"):
        try:
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:  # another session removed it first
            pass


def staged_uploads(files, slot: str) -> list[Path]:
    """Uploads kept on disk across reruns (the mapping form reads them many times)."""
    ids = tuple((getattr(f, "file_id", ""), f.name, f.size) for f in files)
    held = st.session_state.get(slot)
    if held and held["ids"] == ids and all(Path(p).exists() for p in held["paths"]):
        names = held.get("names") or [Path(p).name for p in held["paths"]]  # a session staged before names were kept
        return [NamedPath(p, n) for p, n in zip(held["paths"], names)]
    if held:
        shutil.rmtree(held["folder"], ignore_errors=True)
    _sweep_old_uploads()
    folder, paths = save_uploads(files)
    st.session_state[slot] = {"ids": ids, "folder": str(folder), "paths": [os.fspath(p) for p in paths],
                              "names": [p.display_name for p in paths]}
    return paths


def progress_bar(text: str):
    bar = st.progress(0.0, text=text)

    def update(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=display_name(message)[-100:])

    return bar, update


def area_options(info: dict) -> list[str]:
    return [NO_AREA] + [f"{layer}: {name}" for layer, name in info["areas"]]


# -- loading and the load report ---------------------------------------------------------------
def report_view(report, kind: str) -> dict:
    """What the page keeps of an ``IngestReport``: totals, reasons, files, the files' keys."""
    d = report.to_dict()
    files = [{**f, "file": display_name(f["file"]), "error": display_name(f["error"]) if f["error"] else None}
             for f in d["file_report"]]
    keys = sorted({Path(f["file"].split("!")[-1]).name for f in d["file_report"]})
    skipped = [{"file": display_name(s["file"]), "reason": s["reason"]} for s in d.get("skipped", [])]
    return {"kind": kind, "files": files, "file_keys": keys, "rows_read": d["rows_read"],
            "rows_stored": d["rows_stored"], "rows_rejected": d["rows_rejected"],
            "by_reason": d["rejected_by_reason"], "months": d["months"], "files_failed": d["files_failed"],
            "skipped": skipped}


def load_police(files, area_choice: str | None) -> dict:
    """Save the uploads, load them with ``geo.ingest.pipeline.ingest_police``, keep the report."""
    folder, paths = save_uploads(files)
    bar, update = progress_bar("Reading the files...")
    try:
        area = None if area_choice == NO_AREA else cache.area_choice(area_choice)
        with open_store() as store:
            report = ingest_police(paths, store, area=area, progress=update)
            after_write(store)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        bar.empty()  # also when the load stops with a sentence (a zip that cannot be opened)
    view = report_view(report, "police")
    st.session_state[REPORTS["police"]] = view
    return view


def load_rms(paths: list[Path], doc: dict, area_choice: str | None) -> dict | None:
    """Check the mapping, then load force records with ``geo.ingest.rms.ingest_rms``.

    A mapping that does not make sense is shown as its sentence (and None returned).
    """
    try:
        mapping = read_mapping(doc)
    except SettingError as err:
        show_error(err)
        return None
    bar, update = progress_bar("Reading the export...")
    try:
        area = None if area_choice == NO_AREA else cache.area_choice(area_choice)
        with open_store() as store:
            report = ingest_rms(paths, store, mapping=mapping, area=area, progress=update)
            after_write(store)
    finally:
        bar.empty()
    view = report_view(report, "rms")
    st.session_state[REPORTS["rms"]] = view
    return view


def reasons_table(view: dict) -> pd.DataFrame:
    """Rows not stored, by reason, with the reason's sentence and what to do."""
    rows = [{"Reason": code, "Rows": n, "What was wrong": REASONS[code].message if code in REASONS else code,
             "What to do": REASONS[code].fix if code in REASONS else ""}
            for code, n in view["by_reason"].items()]
    return pd.DataFrame(rows, columns=["Reason", "Rows", "What was wrong", "What to do"])


def files_table(view: dict) -> pd.DataFrame:
    """One line per file: loaded or refused, its rows, and a refused file's sentence."""
    rows = [{"File": f["file"], "Kind": f["kind"].replace("_", " "),
             "Status": "Refused" if f["status"] == "failed" else "Loaded",
             "Months": ", ".join(f["months"]), "Rows read": f["rows_read"], "Rows stored": f["rows_stored"],
             "Rows not stored": f["rows_rejected"],
             "Problem or note": f["error"] or "; ".join(f["notes"])} for f in view["files"]]
    return pd.DataFrame(rows, columns=["File", "Kind", "Status", "Months", "Rows read", "Rows stored",
                                       "Rows not stored", "Problem or note"])


def rejected_rows(db: str, file_keys: tuple[str, ...]) -> pd.DataFrame:
    """The stored rejection rows of the given files (by base name), as the store has them now."""
    with Store(db, create=False) as store:
        parts = [store.rejections(k) for k in file_keys]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["file", "row", "reason"])
    out = pd.concat(parts, ignore_index=True)
    out["file"] = out["file"].map(display_name)
    # months as police.uk writes them (2021-06), not as dates
    out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m").astype(object).where(out["month"].notna(), None)
    return out


def rejected_csv(db: str, file_keys: tuple[str, ...]) -> bytes:
    """The rejected rows as a CSV safe to open in a spreadsheet (formulas neutralised)."""
    return incidents_csv(rejected_rows(db, file_keys))


_COUNT = {"Rows": st.column_config.NumberColumn("Rows", format="localized", help="rows")}


def show_report(kind: str) -> None:
    """The last load's report (kept in session state, so it survives reruns)."""
    view = st.session_state.get(REPORTS[kind])
    if not view:
        return
    st.subheader("What the last load did")
    n_files = len(view["files"])
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows read", plural(view['rows_read'], "row"))
    c2.metric("Rows stored", plural(view['rows_stored'], "row"))
    c3.metric("Rows not stored", plural(view['rows_rejected'], "row"),
              help="Every row not stored is listed with its reason; download them below.")
    c4.metric("Files refused", f"{view['files_failed']:,} of {plural(n_files, 'file')}")
    if kind == "police":
        st.caption("Loading a month again replaces it: loading the same files again changes nothing.")
    else:
        st.caption("Force records are matched by crime reference: loading an export again replaces the "
                   "crimes it repeats and adds the rest, so the same file twice changes nothing.")
    if view["by_reason"]:
        st.markdown("**Rows not stored, by reason**")
        reasons = reasons_table(view)
        st.dataframe(reasons, hide_index=True, width="stretch", column_config=_COUNT)
        # the sentences in full (a table cell cuts them short, most of all on a projector)
        st.markdown("\n".join(f"- **{md_escape(r['Reason'])}** ({plural(r['Rows'], 'row')}): "
                               f"{md_escape(r['What was wrong'])} *What to do:* {md_escape(r['What to do'])}"
                               for r in reasons.to_dict("records")))
    st.markdown("**Files**")
    counts = {c: st.column_config.NumberColumn(c, format="localized", help="rows")
              for c in ("Rows read", "Rows stored", "Rows not stored")}
    st.dataframe(files_table(view), hide_index=True, width="stretch", column_config=counts)
    for f in view["files"]:
        if f["status"] == "failed":  # a refused file's sentence and fix in full, not in a clipped cell
            st.warning(f"**{md_escape(f['file'])}** was refused: {md_escape(f['error'])}",
                       icon=":material/block:")
    notes = [(f["file"], n) for f in view["files"] if f["status"] != "failed" for n in f["notes"]]
    if notes:  # how a file was read (encoding, delimiter, line endings, repeated ids): in full, as text
        st.caption("\n".join(f"- {md_escape(name)}: {md_escape(note)}" for name, note in notes[:50])
                   + (f"\n- ... and {len(notes) - 50:,} more in the table above" if len(notes) > 50 else ""))
    if view.get("skipped"):
        st.markdown(f"**Not read: {plural(len(view['skipped']), 'file')} in the uploads are not tables**")
        st.dataframe(pd.DataFrame(view["skipped"]).rename(columns={"file": "File", "reason": "Why not read"}),
                     hide_index=True, width="stretch")
    if view["rows_rejected"]:
        st.download_button(f"Download the {plural(view['rows_rejected'], 'row')} not stored (CSV)",
                           data=partial(rejected_csv, db_path(), tuple(view["file_keys"])),
                           file_name=f"rows-not-stored-{kind}.csv", mime="text/csv",
                           icon=":material/download:", key=f"data_download_{kind}")


# -- force records: the column mapping ----------------------------------------------------------
def category_table(path: Path, column: str) -> tuple[pd.DataFrame, int]:
    """The crime-type column's values, each with its police.uk type (prefilled), and how many there are.

    The prefill comes from a saved mapping chosen above, else the value itself when it
    already is a police.uk type (any case); other values are left for the user.
    """
    values = cache.column_values(path, column)
    n = len(values)
    values = values.head(MAX_CATEGORY_VALUES).copy()
    known = {c.lower(): c for c in POLICE_CATEGORIES}
    prefill = {k.strip().lower(): v for k, v in (st.session_state.get(RMS_CAT_PREFILL) or {}).items()}
    values["police.uk type"] = [prefill.get(v.strip().lower(), known.get(v.strip().lower()))
                                for v in values["Value in the file"]]
    return values, n


def editor_key(path: Path, column: str) -> str:
    """The translation editor's key: new when the file, the column or the saved mapping changes."""
    tag = zlib.crc32(f"{path}\n{column}".encode())
    return f"data_rms_cats_{tag:08x}_{st.session_state.get(RMS_EDITOR_GEN, 0)}"


def tidy_mapping_state(columns: list[str]) -> None:
    """Before the form is drawn: each column selectbox holds a column of this file, or none."""
    st.session_state.setdefault(RMS_TRUES, ", ".join(DEFAULT_TRUE_VALUES))
    for field in FIELDS:
        key = col_key(field)
        if st.session_state.get(key) not in ([NO_COLUMN] + list(columns)):
            st.session_state[key] = NO_COLUMN


def apply_saved_mapping(columns: list[str]) -> None:
    """on_change of the saved-mapping selectbox: fill the form from the chosen mapping."""
    name = st.session_state.get(RMS_SAVED)
    st.session_state[RMS_EDITOR_GEN] = st.session_state.get(RMS_EDITOR_GEN, 0) + 1
    st.session_state[RMS_MISSING] = []
    if not name or name == NEW_MAPPING:
        st.session_state[RMS_CAT_PREFILL] = {}
        return
    text = cache.saved_mappings().get(name)
    if text is None:
        return
    doc = tomllib.loads(text)
    by_norm = {normalise_name(c): c for c in columns}
    missing = []
    for field in FIELDS:
        wanted = (doc.get("columns") or {}).get(field)
        actual = by_norm.get(normalise_name(wanted)) if wanted else None
        if wanted and actual is None:
            missing.append(wanted)
        st.session_state[col_key(field)] = actual or NO_COLUMN
    src = doc.get("source") or {}
    st.session_state[RMS_FORCE] = str(src.get("force", ""))
    st.session_state[RMS_NAME] = name
    fmt = (doc.get("datetime") or {}).get("format") or ""
    st.session_state[RMS_FORMAT] = " | ".join(fmt) if isinstance(fmt, list) else str(fmt)
    trues = (doc.get("weapon") or {}).get("true_values", DEFAULT_TRUE_VALUES)
    st.session_state[RMS_TRUES] = ", ".join(str(v) for v in trues)
    st.session_state[RMS_CAT_PREFILL] = dict(doc.get("categories") or {})
    st.session_state[RMS_MISSING] = missing


def mapping_doc(columns: dict[str, str], force: str, name: str, datetime_format: str, true_values: str,
                categories: pd.DataFrame | None) -> dict:
    """The form's answers as a mapping document (the TOML file's structure).

    >>> d = mapping_doc({"category": "Type", "easting": "E", "id": NO_COLUMN}, " Herts ", "", "", "Y, yes", None)
    >>> d["columns"], d["source"], d["weapon"]
    ({'category': 'Type', 'easting': 'E'}, {'force': 'Herts'}, {'true_values': ['Y', 'yes']})
    """
    mapped = {k: v for k, v in columns.items() if v and v != NO_COLUMN}
    doc: dict = {"source": {"force": force.strip()}, "columns": mapped}
    if name.strip():
        doc["source"]["name"] = name.strip()
    formats = [f.strip() for f in datetime_format.split("|") if f.strip()]
    if formats:
        doc["datetime"] = {"format": formats[0] if len(formats) == 1 else formats}
    trues = [t.strip() for t in true_values.split(",") if t.strip()]
    if trues:
        doc["weapon"] = {"true_values": trues}
    if categories is not None and len(categories):
        cats = {str(v): str(t) for v, t in zip(categories["Value in the file"], categories["police.uk type"])
                if isinstance(t, str) and t and str(v) != t}
        if cats:
            doc["categories"] = cats
    return doc


def _toml_str(s: str) -> str:
    # a JSON string is a valid TOML basic string (the same escapes, \\uXXXX for control characters)
    return json.dumps(str(s), ensure_ascii=False)


def mapping_toml(doc: dict) -> str:
    """A mapping document as TOML text, the format ``read_mapping`` reads.

    >>> import tomllib
    >>> doc = {"source": {"force": 'Herts "A"'}, "columns": {"category": "Type"},
    ...        "weapon": {"true_values": ["Y"]}, "categories": {"VIOL = x": "Robbery"}}
    >>> tomllib.loads(mapping_toml(doc)) == doc
    True
    """
    lines = ["# Column mapping for a force records export (saved on the Data page)."]
    for table in ("source", "columns", "datetime", "weapon", "categories"):
        if table not in doc:
            continue
        lines += ["", f"[{table}]"]
        for k, v in doc[table].items():
            value = "[" + ", ".join(_toml_str(x) for x in v) + "]" if isinstance(v, (list, tuple)) else _toml_str(v)
            lines.append(f"{_toml_str(k)} = {value}")
    return "\n".join(lines) + "\n"


def save_mapping(name: str, doc: dict) -> bool:
    """Check the mapping and keep it in the store under its name; a problem is shown as its sentence."""
    try:
        if not name.strip():
            raise SettingError("The mapping has no name to save it under.",
                               "Type a name in 'Name of this mapping', e.g. the force and the export.")
        read_mapping(doc)
    except SettingError as err:
        show_error(err)
        return False
    with open_store() as store:
        store.save_mapping(name.strip(), mapping_toml(doc))
        after_write(store)
    return True


# -- boundaries --------------------------------------------------------------------------------------
def add_boundaries(file, layer: str, name_field: str) -> list[dict]:
    """Read an uploaded boundary file into named areas and save them under a layer."""
    layer = layer.strip()
    if not layer or ":" in layer:
        raise SettingError("The layer name must be a short word without a colon.",
                           "Use e.g. 'ward', 'beat' or 'boundary'; areas are listed as 'layer: name'.")
    folder, (path,) = save_uploads([file])
    try:
        areas = read_areas(path, name_field.strip() or None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    areas = [replace(a, source=path.name) for a in areas]  # not the temp folder's path
    with open_store() as store:
        store.save_areas(areas, layer)
        after_write(store)
    added = [{"Layer": layer, "Area": a.name, "Size (km²)": round(a.area_km2, 2)} for a in areas]
    st.session_state[ADDED_AREAS] = added
    return added


# -- the store's contents ---------------------------------------------------------------------------
def grid(status: pd.DataFrame, value: str = "rows") -> pd.DataFrame:
    """Month x source table of stored (``rows``) or rejected (``rejected``) rows."""
    if not len(status):
        return pd.DataFrame()
    table = status.pivot_table(index="month", columns="source", values=value, aggfunc="sum", fill_value=0)
    table = table.rename(columns=lambda c: SOURCE_LABELS.get(c, c)).astype("int64")
    table.index.name, table.columns.name = "Month", None
    ae = SOURCE_LABELS[SOURCE_AE]
    if value == "rows" and ae in table.columns and settings().presentation:
        # projected: A&E counts leave through the publication function (1 to 7 hidden, the rest perturbed by
        # their records' cell keys, hotspots.tasks.ae_status), as text ("1,234", "1 to 7"): a column mixing
        # numbers and words cannot be sent as Arrow
        by_month = cache.ae_published(status).by_month.set_index("month")["rows"]
        table[ae] = pd.Series([count_text(by_month.get(m, 0)) for m in table.index], index=table.index,
                              dtype=object)
    return table


def presented() -> bool:
    """Whether the page is shown in presentation mode (projected: A&E counts must not show)."""
    return bool(settings().presentation)


def shown_status(status: pd.DataFrame) -> pd.DataFrame:
    """The status rows the page may show as numbers: in presentation mode, all but A&E's.

    Used for the metrics, the rows-not-stored grid, the forces table and the removal choices, so that no
    A&E count, nor a total an A&E count could be had from by subtraction, is projected. (The stored grid
    keeps an A&E column, suppressed: see ``grid``.)
    """
    if not len(status) or not presented():
        return status
    return status.loc[status["source"] != SOURCE_AE].reset_index(drop=True)


def has_ae(status: pd.DataFrame) -> bool:
    return bool(len(status)) and bool((status["source"] == SOURCE_AE).any())


def forces_table(status: pd.DataFrame) -> pd.DataFrame:
    """One line per source and force: months covered, rows stored and not stored."""
    if not len(status):
        return pd.DataFrame()
    g = status.groupby(["source", "force"], as_index=False).agg(
        first=("month", "min"), last=("month", "max"), months=("month", "nunique"),
        rows=("rows", "sum"), rejected=("rejected", "sum"))
    g["source"] = g["source"].map(lambda s: SOURCE_LABELS.get(s, s))
    return g.rename(columns={"source": "Source", "force": "Force", "first": "First month", "last": "Last month",
                             "months": "Months", "rows": "Rows stored", "rejected": "Rows not stored"})


def count_columns(df: pd.DataFrame, unit: str = "rows") -> dict:
    numbers = {c: st.column_config.NumberColumn(c, format="localized", help=unit)
               for c in df.columns if pd.api.types.is_integer_dtype(df[c])}
    # published A&E counts as text ("1 to 7" beside "1,234"): right-aligned, as the numbers are
    texts = {c: st.column_config.TextColumn(c, alignment="right", help=unit)
             for c in df.columns if c == SOURCE_LABELS[SOURCE_AE] and df[c].dtype == object}
    return numbers | texts


def rows_to_remove(status: pd.DataFrame, source: str, force: str | None) -> int:
    sel = status["source"] == source
    if force:
        sel &= status["force"] == force
    return int(status.loc[sel, "rows"].sum())


def confirm_key() -> str:
    """The removal's confirm checkbox: a new one (unticked) after each removal."""
    return f"data_remove_confirm_{st.session_state.get(REMOVE_GEN, 0)}"


def fixes_key() -> str:
    """The removal's "also forget the saved places" checkbox: a new one (unticked) after each removal."""
    return f"{REMOVE_FIXES}_{st.session_state.get(REMOVE_GEN, 0)}"


def remove(source: str, force: str | None, forget_fixes: bool = False) -> int:
    """Delete a source's incidents (one force, or all), checkpoint, and say so on the next run.

    With ``forget_fixes`` (A&E only), the saved places of A&E descriptions go too (``geo.ingest.ae.drop_fixes``):
    their keys are the descriptions' free text.
    """
    forgot = 0
    with open_store() as store:
        n = store.remove(source, force)
        if forget_fixes and source == SOURCE_AE:
            forgot = drop_fixes(store)
        after_write(store)
    st.session_state[REMOVE_GEN] = st.session_state.get(REMOVE_GEN, 0) + 1
    st.session_state[NOTICE] = (f"Removed {plural(n, 'incident')} of {SOURCE_LABELS.get(source, source)}"
                                + (" for the chosen force" if force else " (all forces)")
                                + (f", and forgot {plural(forgot, 'saved place')} of A&E descriptions."
                                   if forget_fixes and source == SOURCE_AE else "."))
    return n


def show_notice() -> None:
    """A message left by the last write (shown once, after the rerun that refreshes the page)."""
    text = st.session_state.pop(NOTICE, None)
    if text:
        st.success(text, icon=":material/check_circle:")

"""The Data page's A&E section: load ISTV files, see how many records were placed, fix the rest.

This is the ONLY place in the app where A&E free text (the assault location descriptions) is shown
(DOMAIN.md section 4). It is shown only through ``st.dataframe``, ``st.text`` and widget options, which
render it as text, or through ``md_escape`` inside Markdown.
"""

from __future__ import annotations

import shutil

import pandas as pd
import streamlit as st

from geo.errors import SettingError
from geo.ingest.ae import PRECISIONS, ingest_ae, save_fix
from pages._ui import cache
from pages._ui.data_forms import (AE_HIDDEN, files_table, plural, presented, progress_bar, reasons_table,
                                  report_view, save_uploads)
from pages._ui.db import after_write, open_store
from pages._ui.errors import guarded, md_escape, show_error

# -- widget and session-state keys ----------------------------------------------------------
AE_FILES, AE_GAZETTEER, AE_CODES = "data_ae_files", "data_ae_gazetteer", "data_ae_codes"
AE_REPORT = "data_report_ae"
FIX_DESCRIPTION, FIX_HOW = "data_ae_fix_description", "data_ae_fix_how"
FIX_POSTCODE, FIX_VENUE, FIX_EASTING, FIX_NORTHING = ("data_ae_fix_postcode", "data_ae_fix_venue",
                                                      "data_ae_fix_easting", "data_ae_fix_northing")
FIX_NOTICE = "data_ae_fix_notice"

HOW = ("A postcode", "A venue from the gazetteer", "Coordinates (easting, northing)")
PRECISION_LABELS = {"postcode": "Full postcode", "venue": "Venue", "street": "Street and town",
                    "area": "Area (sector, district, town centre)"}
#: Unmatched descriptions offered in the fix form (the commonest first).
MAX_FIX_CHOICES = 500


def fix_count() -> int:
    """How many places for descriptions are saved (offered for removal with the A&E source)."""
    t = guarded(cache.ae_tables)
    return 0 if t is None else len(t["fixes"])


def rate_table(rate: pd.DataFrame) -> pd.DataFrame:
    """Per site: records, and the percent located by each precision (plain-English column names)."""
    out = pd.DataFrame({"Site": rate["site"], "Records": rate["records"],
                        "Located (%)": rate["located_pct"]})
    for p in PRECISIONS:
        out[f"{PRECISION_LABELS[p]} (%)"] = rate[f"{p}_pct"]
    out["Not located (%)"] = (100.0 - rate["located_pct"]).round(1)
    return out


def load_ae(files, gazetteer, codes) -> dict:
    """Save the uploads and load them with ``geo.ingest.ae.ingest_ae``; keep the report for the next runs."""
    folder, paths = save_uploads(list(files) + [f for f in (gazetteer, codes) if f is not None])
    n = len(files)
    gaz = paths[n] if gazetteer is not None else None
    cod = paths[n + (gazetteer is not None)] if codes is not None else None
    bar, update = progress_bar("Reading and placing the records...")
    try:
        with open_store() as store:
            report = ingest_ae(paths[:n], store, gazetteer=gaz, codes=cod, progress=update)
            after_write(store)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        bar.empty()
    view = report_view(report, "ae")
    d = report.to_dict()
    view.update(located=d["located"], not_located=d["not_located"], by_precision=d["by_precision"])
    st.session_state[AE_REPORT] = view
    return view


def show_report() -> None:
    view = st.session_state.get(AE_REPORT)
    if not view:
        return
    st.subheader("What the last load did")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows read", plural(view['rows_read'], "row"))
    c2.metric("Records placed on the map", plural(view["located"], "record"))
    c3.metric("Records not located", plural(view["not_located"], "record"),
              help="Listed below: give each description a place and it is remembered.")
    c4.metric("Other rows not stored", plural(view['rows_rejected'] - view['not_located'], "row"),
              help="Bad date-times, unknown codes, blank mandatory fields.")
    st.caption("Loading a reporting period again replaces it: the same file twice changes nothing.")
    if view["by_reason"]:
        st.dataframe(reasons_table(view), hide_index=True, width="stretch",
                     column_config={"Rows": st.column_config.NumberColumn("Rows", format="localized", help="rows")})
    st.dataframe(files_table(view), hide_index=True, width="stretch")


def save(description: str, how: str, postcode: str, venue: str | None, easting, northing) -> dict | None:
    """Save a fix from the form's answers; a problem is shown as its sentence (None returned)."""
    kwargs: dict = {}
    if how == HOW[0]:
        kwargs["postcode"] = postcode
    elif how == HOW[1]:
        kwargs["venue"] = venue
    else:
        kwargs["easting"], kwargs["northing"] = easting, northing
    try:
        with open_store() as store:
            result = save_fix(store, description, **kwargs)
            after_write(store)
    except SettingError as err:
        show_error(err)
        return None
    st.session_state[FIX_NOTICE] = (f"Saved: {plural(result['records'], 'record')} with that description "
                                    f"now placed at {result['label']}, {result['moved']:,} of them newly on the "
                                    "map. Later loads use it too.")
    return result


def section(info: dict) -> None:
    """The A&E tab (in presentation mode: one sentence; its counts and free text are never projected)."""
    if presented():
        st.info(AE_HIDDEN, icon=":material/visibility_off:")
        return
    st.markdown("A&E assault records (the ISTV minimum data set) from emergency departments, CSV or Excel. "
                "Each record's location description is placed offline: full postcodes and postcode sectors "
                "(OS Code-Point Open), venue names from a gazetteer, streets with a town (from the police "
                "data's own street names). **The descriptions are health data: they are shown only here.**")
    files = st.file_uploader("ISTV files (CSV or XLSX)", type=["csv", "xlsx"], accept_multiple_files=True,
                             key=AE_FILES)
    c1, c2 = st.columns(2)
    gazetteer = c1.file_uploader("Venue gazetteer (optional CSV: name, town, postcode or easting, northing)",
                                 type=["csv"], key=AE_GAZETTEER,
                                 help="Kept in the store: later loads use it until another is given.")
    codes = c2.file_uploader("Code lists (optional TOML)", type=["toml"], key=AE_CODES,
                             help="Assault method (with weapon class) and location-type codes; without one, the "
                                  "sample's placeholder lists are used.")
    if st.button("Load A&E files", type="primary", disabled=not files, key="data_ae_load", icon=":material/upload:"):
        if guarded(load_ae, files, gazetteer, codes) is not None:
            st.rerun()
    show_report()

    t = guarded(cache.ae_tables)
    if t is None:
        return
    rate = t["rate"]
    if rate is None or rate.empty:
        st.info("No A&E records are stored yet.")
        return
    st.subheader("How many records were placed")
    total, located = int(rate["records"].sum()), int(rate["located"].sum())
    m1, m2, m3 = st.columns(3)
    m1.metric("A&E records", plural(total, "record"))
    m2.metric("Placed on the map", f"{100.0 * located / total:.1f} %" if total else "0 %",
              help="Share of records located, at any precision.")
    m3.metric("Not located", plural(total - located, "record"))
    pct = {c: st.column_config.NumberColumn(c, format="%.1f %%") for c in rate_table(rate).columns if "(%)" in c}
    st.dataframe(rate_table(rate), hide_index=True, width="stretch",
                 column_config={**pct, "Records": st.column_config.NumberColumn("Records", format="localized",
                                                                                 help="records")})
    st.caption("Precision: a full postcode is within about 100 m, a venue is the gazetteer's point, a street is "
               "the police data's points of that street in the named town, an area is a postcode sector's, a "
               "district's or a town's centre (often 1 km or more out).")

    notice = st.session_state.pop(FIX_NOTICE, None)
    if notice:
        st.success(md_escape(notice), icon=":material/check_circle:")
    un = t["unmatched"]
    st.subheader("Descriptions not located")
    if un.empty:
        st.info("Every record is located.")
    else:
        shown = un.rename(columns={"description": "Description", "records": "Records", "sites": "Sites"})
        shown.loc[shown["key"] == "", "Description"] = "(blank: nothing written, cannot be placed)"
        st.dataframe(shown[["Description", "Records", "Sites"]], hide_index=True, width="stretch",
                     column_config={"Records": st.column_config.NumberColumn("Records", format="localized",
                                                                            help="records")})
        fixable = un[un["key"] != ""].head(MAX_FIX_CHOICES)
        st.markdown("**Place a description**: the answer is applied at once to every stored record with it, "
                    "and remembered for later loads.")
        if fixable.empty:
            st.caption("Only blank descriptions are left: they cannot be placed.")
        else:
            counts = dict(zip(fixable["description"], fixable["records"]))
            description = st.selectbox("Description", list(counts), key=FIX_DESCRIPTION,
                                       format_func=lambda d: f"{d}  ({plural(counts[d], 'record')})")
            how = st.radio("Where is it?", HOW, key=FIX_HOW, horizontal=True)
            postcode = venue = easting = northing = None
            if how == HOW[0]:
                postcode = st.text_input("Postcode", key=FIX_POSTCODE, placeholder="SG1 2AD")
            elif how == HOW[1]:
                v = t["venues"]
                labels = [f"{a}, {b}" if b else str(a) for a, b in zip(v["name"], v["town"])]
                if not labels:
                    st.caption("No gazetteer is loaded: load one with the A&E files above.")
                venue = st.selectbox("Venue", labels, key=FIX_VENUE, index=None, placeholder="Choose a venue")
            else:
                c1, c2 = st.columns(2)
                easting = c1.number_input("Easting (metres)", min_value=0.0, max_value=700000.0, value=None,
                                          step=1.0, key=FIX_EASTING, help="British National Grid")
                northing = c2.number_input("Northing (metres)", min_value=0.0, max_value=1300000.0, value=None,
                                           step=1.0, key=FIX_NORTHING, help="British National Grid")
            if st.button("Save this place", key="data_ae_fix_save", icon=":material/save:"):
                if guarded(save, description, how, postcode or "", venue, easting, northing) is not None:
                    st.rerun()
    fx = t["fixes"]
    if len(fx):
        st.markdown("**Saved places**")
        st.dataframe(fx.rename(columns={"key": "Description", "label": "Placed at", "precision": "Precision",
                                        "saved_at": "Saved"})[["Description", "Placed at", "Precision", "Saved"]],
                     hide_index=True, width="stretch")

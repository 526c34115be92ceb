"""Data: load police.uk files, force records and boundaries; see and remove what the store holds."""

import streamlit as st

from geo.constants import POLICE_CATEGORIES, SOURCE_AE
from hotspots.tasks.overlay import PROTECTION_NOTE
from geo.readers.inputs import shown_name
from hotspots.methods.words import plural
from pages._ui import ae_forms as _ae
from pages._ui import basemap_forms as _maps
from pages._ui import cache
from pages._ui import data_forms as _data
from pages._ui.errors import guarded, read_only_banner, synthetic_banner
from pages._ui.setup import page_setup

page_setup()
st.title("Data")
st.caption("Load files into the store, check what each load did, and remove what is no longer wanted. "
           "Every row read is either stored or listed with the reason it was not.")
info = cache.summary()
synthetic_banner(info["synthetic"])
read_only_banner(info)
read_only = bool(info.get("read_only"))
_data.show_notice()

police, rms, boundaries, contents, removal, ae_tab, maps_tab = st.tabs(
    ["police.uk files", "Force records", "Boundaries", "What the store holds", "Remove data", "A&E assaults",
     "Map backgrounds"])

# -- police.uk ---------------------------------------------------------------------------------
with police:
    st.markdown("Street-level, outcomes and stop-and-search CSVs from data.police.uk, or the bulk-download "
                "zip as it comes (`YYYY-MM/YYYY-MM-<force>-street.csv` inside).")
    files = st.file_uploader("police.uk CSV files or the bulk zip", type=["csv", "gz", "tsv", "txt", "zip"],
                             accept_multiple_files=True, key=_data.POLICE_FILES)
    area = st.selectbox("Keep only points inside", _data.area_options(info), key=_data.POLICE_AREA,
                        help="With a boundary, points outside it are listed as not stored. Without one, only "
                             "points far from the bulk of each file's points are (recorded by the force, "
                             "located elsewhere).")
    if st.button("Load", type="primary", disabled=not files or read_only, key="data_police_load",
                 icon=":material/upload:"):
        if guarded(_data.load_police, files, area) is not None:
            st.rerun()
    _data.show_report("police")

# -- force records -----------------------------------------------------------------------------
with rms:
    st.markdown("An export from the force's records system (CSV or Excel) with exact times. Column names vary "
                "by force, so say which column holds what; save the mapping to reuse it next time.")
    rms_files = st.file_uploader("Force records export (CSV or XLSX)", type=["csv", "gz", "tsv", "txt", "xlsx", "xlsm"],
                                 accept_multiple_files=True, key=_data.RMS_FILES,
                                 help="Several files are read with one mapping, so they must share a layout.")
    head = None
    if rms_files:
        paths = _data.staged_uploads(rms_files, _data.RMS_STAGED)
        head = cache.export_header(paths[0], shown_name(paths[0]))
    if head:
        st.caption(f"{plural(head['rows'], 'row')} in the first file; its header is on row {head['header_row']:,}. "
                   "The first rows:")
        st.dataframe(head["preview"], hide_index=True, width="stretch")
        columns = head["columns"]
        saved = cache.saved_mappings()
        st.selectbox("Start from a saved mapping", [_data.NEW_MAPPING, *saved], key=_data.RMS_SAVED,
                     on_change=_data.apply_saved_mapping, args=(columns,))
        missing = st.session_state.get(_data.RMS_MISSING)
        if missing:
            st.warning("The saved mapping names columns this file does not have; choose them again:",
                       icon=":material/warning:")
            st.text(", ".join(missing))
        _data.tidy_mapping_state(columns)
        chosen = {}
        for group, fields in _data.FIELD_GROUPS.items():
            st.markdown(f"**{group}**")
            cells = st.columns(3)
            for i, field in enumerate(fields):
                chosen[field] = cells[i % 3].selectbox(_data.FIELD_LABELS[field], [_data.NO_COLUMN, *columns],
                                                       key=_data.col_key(field))
        c1, c2 = st.columns(2)
        force = c1.text_input("Force", key=_data.RMS_FORCE, placeholder="Hertfordshire Constabulary",
                              help="Stored in the force column of every row.")
        name = c2.text_input("Name of this mapping", key=_data.RMS_NAME, placeholder="Athena export",
                             help="Saved mappings are listed under this name.")
        fmt = c1.text_input("Date-time format (optional)", key=_data.RMS_FORMAT, placeholder="%d/%m/%Y %H:%M",
                            help="Python strptime codes. Left empty, ISO 8601 and day-first UK dates are read.")
        trues = c2.text_input("Weapon flag values meaning yes", key=_data.RMS_TRUES,
                              help="Separated by commas; compared ignoring case.")
        cats = None
        if chosen["category"] != _data.NO_COLUMN:
            table, n_values = _data.category_table(paths[0], chosen["category"])
            st.markdown("**Crime types**: the police.uk type of each value in the file")
            if n_values > len(table):
                st.caption(f"The {len(table):,} most common of {n_values:,} values are shown; rows with other "
                           "values are listed as not stored.")
            cats = st.data_editor(
                table, key=_data.editor_key(paths[0], chosen["category"]), hide_index=True, width="stretch",
                disabled=["Value in the file", "Rows"],
                column_config={
                    "Rows": st.column_config.NumberColumn("Rows", format="localized", help="rows"),
                    "police.uk type": st.column_config.SelectboxColumn(
                        "police.uk type", options=list(POLICE_CATEGORIES),
                        help="Rows whose value has no type are listed as not stored.")})
        doc = _data.mapping_doc(chosen, force, name, fmt, trues, cats)
        rms_area = st.selectbox("Keep only points inside", _data.area_options(info), key=_data.RMS_AREA)
        b1, b2 = st.columns([1, 4])
        if b1.button("Save mapping", key="data_rms_save", icon=":material/save:"):
            if _data.save_mapping(name, doc):
                st.success("Mapping saved: choose it under 'Start from a saved mapping' next time.")
        if b2.button("Load force records", type="primary", key="data_rms_load", icon=":material/upload:",
                     disabled=read_only):
            if guarded(_data.load_rms, paths, doc, rms_area) is not None:
                st.rerun()
    _data.show_report("rms")

# -- boundaries ----------------------------------------------------------------------------------
with boundaries:
    st.markdown("Area outlines (wards, beats, neighbourhoods, a patrol zone): GeoJSON, GeoPackage, KML or a "
                "zipped Shapefile. Each feature becomes an area you can pick in the sidebar.")
    bfile = st.file_uploader("Boundary file", type=["geojson", "json", "gpkg", "kml", "zip"], key=_data.BOUNDARY_FILE)
    c1, c2 = st.columns(2)
    layer = c1.text_input("Layer name", value="boundary", key=_data.BOUNDARY_LAYER,
                          help="Areas are listed as 'layer: name'; an area of the same name in the layer is replaced.")
    field = c2.text_input("Property holding each area's name (optional)", key=_data.BOUNDARY_FIELD,
                          placeholder="LAD23NM", help="Left empty, the usual ONS name properties are tried.")
    if st.button("Add areas", type="primary", disabled=bfile is None or read_only, key="data_boundary_add",
                 icon=":material/add:"):
        if guarded(_data.add_boundaries, bfile, layer, field) is not None:
            st.rerun()
    added = st.session_state.get(_data.ADDED_AREAS)
    if added:
        st.markdown(f"**Added {plural(len(added), 'area')}**")
        st.dataframe(added, hide_index=True, width="stretch")

# -- the store's contents ----------------------------------------------------------------------------
with contents:
    status = info["status"]
    shown = _data.shown_status(status)  # in presentation mode: without A&E (its counts are never projected)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Incidents stored", plural(int(shown['rows'].sum()) if len(shown) else 0, "incident"))
    c2.metric("Rows not stored", plural(int(shown['rejected'].sum()) if len(shown) else 0, "row"),
              help="Rows with a month that were not stored; files refused whole are in their load's report.")
    police_forces = shown.loc[shown["source"] != SOURCE_AE, "force"].nunique() if len(shown) else 0
    c3.metric("Police forces", _data.plural(police_forces, "force"),
              help="Forces of the police.uk, stop-and-search and force-records data (A&E data comes from "
                   "hospital sites, listed in the table below out of presentation mode).")
    c4.metric("Outcomes stored", plural(info['outcomes'], "outcome"),
              help="police.uk outcomes-file rows: each crime shows its latest outcome.")
    if len(status):
        st.markdown("**Incidents stored, by month and source**")
        stored = _data.grid(status, "rows")  # A&E counts suppressed in presentation mode
        st.dataframe(stored, width="stretch", column_config=_data.count_columns(stored, "incidents"))
        rejected = _data.grid(shown, "rejected")
        if len(rejected) and int(rejected.to_numpy().sum()):
            st.markdown("**Rows not stored, by month and source**")
            st.dataframe(rejected, width="stretch", column_config=_data.count_columns(rejected))
        st.markdown("**Forces**")
        forces = _data.forces_table(shown)
        st.dataframe(forces, hide_index=True, width="stretch", column_config=_data.count_columns(forces))
        if len(shown) < len(status):
            st.caption(_data.AE_HIDDEN + " The grid above shows A&E counts 1 to 7 as \"1 to 7\". "
                       + PROTECTION_NOTE)
    else:
        st.info("The store is empty: load police.uk files in the first tab.")

# -- remove -------------------------------------------------------------------------------------------------
with removal:
    status = info["status"]
    shown = _data.shown_status(status)
    if len(shown) < len(status):
        st.caption(_data.AE_HIDDEN)
    sources = sorted(shown.loc[shown["rows"] > 0, "source"].unique()) if len(shown) else []
    if not sources:
        st.info("Nothing is stored.")
    else:
        src = st.selectbox("Source", sources, key=_data.REMOVE_SOURCE,
                           format_func=lambda s: _data.SOURCE_LABELS.get(s, s))
        forces = sorted(shown.loc[(shown["source"] == src) & (shown["rows"] > 0), "force"].unique())
        force = st.selectbox("Force", [_data.ALL_FORCES, *forces], key=_data.REMOVE_FORCE)
        force = None if force == _data.ALL_FORCES else force
        n = _data.rows_to_remove(shown, src, force)
        st.markdown(f"This removes **{plural(n, 'incident')}** and their rejected rows. It cannot be undone: to get "
                    "them back, load the files again.")
        if n >= info["rows"]:
            st.caption("That is everything: an empty store is refilled with the synthetic sample on the next run.")
        forget = False
        if src == SOURCE_AE:
            n_fixes = _ae.fix_count()
            if n_fixes:
                forget = st.checkbox(
                    f"Also forget the {_data.plural(n_fixes, 'saved place')} of A&E descriptions",
                    key=_data.fixes_key(),
                    help="The places you gave descriptions that could not be placed, kept for later loads. "
                         "Their keys are the descriptions' free text (health data); without them a reload "
                         "lists those descriptions to place again.")
        sure = st.checkbox("Yes, remove them", key=_data.confirm_key())
        if st.button("Remove", type="primary", disabled=not sure or read_only, key="data_remove",
                     icon=":material/delete:"):
            if guarded(_data.remove, src, force, forget) is not None:
                st.rerun()

# -- A&E (the only place A&E free text is shown) -------------------------------------------------------
with ae_tab:
    _ae.section(info)

# -- map backgrounds: the partnership's tile servers and tile files ---------------------------------------
with maps_tab:
    _maps.section(read_only)

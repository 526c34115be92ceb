"""Hotspot map: where crime (or harm) concentrates, what happens in each hexagon or cluster, and the method's
whole result as a ranked table (a row selects its place on the map) and as files."""

import functools
import math

import pandas as pd
import streamlit as st

from hotspots.outputs.files import incidents_csv, incidents_geojson, incidents_kml, neutralise_formulas
from hotspots.methods.words import plural
from hotspots.outputs.hotspot_table import PLACES
from hotspots.tasks.registry import METHODS
from pages._ui import cache
from pages._ui.errors import synthetic_banner
from pages._ui.maps import SELECTED_CLUSTER, follow_table, selected_cluster, show_map
from pages._ui.setup import page_setup
from pages._ui.widgets import spec_widget

#: The registered methods that draw a map, by their label (the registry's order: counts first).
MAP_METHODS = {m.label: name for name, m in METHODS.items() if m.map is not None}
PAGE_ROWS = 50
#: The downloads of the whole result: label, file ending, MIME type.
DOWNLOADS = (("CSV", ".csv", "text/csv"), ("GeoJSON", ".geojson", "application/geo+json"),
             ("GeoPackage", ".gpkg", "application/geopackage+sqlite3"),
             ("KML", ".kml", "application/vnd.google-earth.kml+xml"))


def show_details(prof, heading: str, caption: str, name: str) -> None:
    """A drill-down: what happens in a hexagon or a cluster, with its incidents and their files."""
    st.subheader(heading)
    st.caption(caption)
    if prof.total == 0:
        st.write("No incidents of the selected types here in this period.")
        return
    st.metric("Incidents here", plural(prof.total, "incident"))
    st.metric("Harm here", plural(prof.by_type['harm'].sum(), "day", fmt=",.0f"),
              help="Approximate Cambridge Crime Harm Index: days of imprisonment by police.uk category.")
    st.markdown("**By crime type** (incidents)")
    st.bar_chart(prof.by_type.set_index("category")["count"], horizontal=True, height=220,
                 x_label="incidents", y_label="")
    st.markdown("**Month by month** (incidents)")
    st.line_chart(prof.by_month.set_index("month")["count"], height=180, x_label="month", y_label="incidents")
    st.markdown("**Busiest locations**")
    st.dataframe(prof.top_locations, hide_index=True, width="stretch",
                 column_config={"location": st.column_config.TextColumn("location"),
                                "count": st.column_config.NumberColumn("incidents", format="%d")})
    st.markdown("**Incidents**")
    pages = max(1, math.ceil(prof.total / PAGE_ROWS))
    page_no = st.number_input(f"Page (of {pages}, {PAGE_ROWS} a page)", 1, pages, 1) if pages > 1 else 1
    shown = prof.incidents.iloc[(page_no - 1) * PAGE_ROWS: page_no * PAGE_ROWS]
    # neutralised: the table's own download button writes CSV straight from it
    st.dataframe(neutralise_formulas(shown[["month", "category", "location", "outcome", "source"]]),
                 hide_index=True, width="stretch")
    d1, d2, d3 = st.columns(3)
    d1.download_button("CSV", incidents_csv(prof.incidents), f"{name}.csv", "text/csv")
    d2.download_button("GeoJSON", incidents_geojson(prof.incidents), f"{name}.geojson", "application/geo+json")
    d3.download_button("KML", incidents_kml(prof.incidents, name), f"{name}.kml",
                       "application/vnd.google-earth.kml+xml")


def column_config(table) -> dict:
    """Each column of the hotspot table with its number format and the sentence behind its header."""
    out = {}
    for col in table.frame.columns:
        fmt, help_ = table.formats.get(col), table.help.get(col)
        if fmt or pd.api.types.is_integer_dtype(table.frame[col]):
            out[col] = st.column_config.NumberColumn(col, format=fmt or "localized", help=help_)
        else:
            out[col] = st.column_config.TextColumn(col, help=help_, width=460 if col == PLACES else None)
    return out

s = page_setup()
info = cache.summary()
st.title("Hotspot map")
st.caption(s.describe())
synthetic_banner(info["synthetic"])

label = st.radio("Method", list(MAP_METHODS), horizontal=True, label_visibility="collapsed")
method = MAP_METHODS[label]
spec = METHODS[method]
params: dict = {}
with st.expander("Settings of the method", expanded=False):
    offered = spec.page_settings()
    for name in offered:
        params[name] = spec_widget(name, key=f"map_{method}_{name}")
    if method == "forecast":
        st.write("The forecast fits its two settings (how fast old months fade, how much neighbours count) on "
                 "the months of the period before each one, then scores every hexagon for the month after.")
    elif not offered:
        st.write("Counts need no settings: each hexagon shows the incidents (or harm) inside it."
                 if method == "count" else "This method needs no settings.")
st.info(spec.meaning, icon=":material/info:")

det = cache.detection(s, method, **params)
table = cache.ranked(s, method, **params)
table_key = follow_table(table, method)  # before the map: a row just chosen is outlined on this very run
sm = det.summary
clustering = spec.map.kind == "clusters"
cluster_id = selected_cluster(method) if clustering else None
if cluster_id is not None and cluster_id not in set(det.table["cluster"].astype(int)):
    st.session_state.pop(SELECTED_CLUSTER, None)  # the clusters changed with the settings
    cluster_id = None
c1, c2, c3 = st.columns(3)
c1.metric("Incidents selected", plural(sm['incidents'], "incident"))
if spec.map.kind == "clusters":
    c2.metric("Clusters found", plural(sm.get('clusters', 0), "cluster"))
    c3.metric("Incidents in clusters", f"{sm.get('clustered_pct', 0):.0f}%")
elif "cum_area_pct" in det.table:  # a ranking of the whole area (the forecast)
    top2 = det.table.loc[det.table["cum_area_pct"] <= 2.0]
    c2.metric("Forecast for", sm.get("forecast_month", "the next month"))
    c3.metric("Top 2 % of the area", plural(len(top2), "hexagon"),
              help="The hexagons to patrol first: those with the highest forecast, covering 2 % of the study area.")
elif spec.map.kind == "classes":
    classes = sm.get("classes", {})
    hot = sum(v for k, v in classes.items() if k.lower().startswith("hot") or k.endswith("hot spot"))
    c2.metric("Hot-spot hexagons", plural(hot, "hexagon"), help="Significant at 90 % or more after FDR correction.")
    c3.metric("Hexagons analysed", plural(sm.get('window_cells', len(det.table)), "hexagon"),
              help="Every hexagon of the area, empty ones as zeros.")
else:
    c2.metric("Hexagons with incidents", plural(int((det.table['count'] > 0).sum()), "hexagon"))
    top = det.table.iloc[0] if len(det.table) else None
    if top is not None and "density" in det.table:
        c3.metric("Peak density", f"{top['density']:,.0f} per km²")
    elif top is not None:
        c3.metric("Busiest hexagon", plural(int(top['count']), "incident"))

# beside the map on a desk (scrolling in a box as tall as the map, so the table follows close under both);
# below it, full width, on a projector
MAP_PX = 760 if s.presentation else 620
if s.presentation:
    map_col, side = st.container(), st.container()
else:
    map_col, side_col = st.columns([3, 2])
    side = side_col.container(height=MAP_PX + 110, border=False)
with map_col:
    cell = show_map(det, s, key=f"map-{method}", height_px=MAP_PX)

with side:
    if cluster_id is not None:
        prof = cache.cluster(s, method, cluster_id, **params)
        show_details(prof, f"Cluster {prof.number}: {plural(prof.total, 'incident')}",
                     f"{spec.label}: the incidents the clustering put in this cluster; its outline "
                     f"({prof.area_km2:,.2f} km²) is drawn in black on the map.",
                     f"hotspots-{method}-cluster-{prof.number}")
    elif cell:
        show_details(cache.profile(s, cell), "This hexagon", f"H3 cell {cell} (resolution {s.res})",
                     f"hotspots-{cell}")
    elif clustering:
        st.subheader("Click a cluster")
        st.write("Click a cluster's outline on the map, or its row in the table under it, to see its incidents: "
                 "crime types, the monthly trend and the busiest locations. A click between clusters opens "
                 "the hexagon there.")
    else:
        st.subheader("Click a hexagon")
        st.write("Click any hexagon on the map, or a row of the table under it, to see what happens there: crime "
                 "types, the monthly trend, the busiest locations and the incidents themselves.")

# the whole result, ranked, under the map: a row selects its place on the map and opens its details
st.subheader("Every cluster, ranked" if table.kind == "clusters" else "Every hexagon, ranked")
st.caption(f"{table.title}. Click a row to outline it on the map and open its details; hover over a "
           "column's header for what it means.")
st.dataframe(table.frame, key=table_key, on_select="rerun", selection_mode="single-row", hide_index=True,
             width="stretch", height=min(38 + 35 * len(table), 420), column_config=column_config(table))
st.markdown(f"**Download all {plural(len(table), 'row')}**")
for col, (label, ending, mime) in zip(st.columns(len(DOWNLOADS)), DOWNLOADS):
    # written when clicked (a county's Gi* is 32,000 hexagons: seconds per file), then cached
    col.download_button(label, functools.partial(cache.detection_file, s, method, ending, **params),
                        f"hotspots-{method}{ending}", mime, key=f"download-{method}{ending}",
                        icon=":material/download:", on_click="ignore")

"""Hotspot map: where crime (or harm) concentrates, and what happens in each hexagon."""

import math

import streamlit as st

from hotspots.outputs.files import incidents_csv, incidents_geojson, incidents_kml, neutralise_formulas
from hotspots.tasks.registry import METHODS
from pages._ui import cache
from pages._ui.errors import synthetic_banner
from pages._ui.maps import show_map
from pages._ui.setup import page_setup
from pages._ui.widgets import spec_widget

#: The registered methods that draw a map, by their label (the registry's order: counts first).
MAP_METHODS = {m.label: name for name, m in METHODS.items() if m.map is not None}
PAGE_ROWS = 50

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
sm = det.summary
c1, c2, c3 = st.columns(3)
c1.metric("Incidents selected", f"{sm['incidents']:,} incidents")
if spec.map.kind == "clusters":
    c2.metric("Clusters found", f"{sm.get('clusters', 0):,} clusters")
    c3.metric("Incidents in clusters", f"{sm.get('clustered_pct', 0):.0f}%")
elif "cum_area_pct" in det.table:  # a ranking of the whole area (the forecast)
    top2 = det.table.loc[det.table["cum_area_pct"] <= 2.0]
    c2.metric("Forecast for", sm.get("forecast_month", "the next month"))
    c3.metric("Top 2 % of the area", f"{len(top2):,} hexagons",
              help="The hexagons to patrol first: those with the highest forecast, covering 2 % of the study area.")
elif spec.map.kind == "classes":
    classes = sm.get("classes", {})
    hot = sum(v for k, v in classes.items() if k.lower().startswith("hot") or k.endswith("hot spot"))
    c2.metric("Hot-spot hexagons", f"{hot:,} hexagons", help="Significant at 90 % or more after FDR correction.")
    c3.metric("Hexagons analysed", f"{sm.get('window_cells', len(det.table)):,} hexagons",
              help="Every hexagon of the area, empty ones as zeros.")
else:
    c2.metric("Hexagons with incidents", f"{int((det.table['count'] > 0).sum()):,} hexagons")
    top = det.table.iloc[0] if len(det.table) else None
    if top is not None and "density" in det.table:
        c3.metric("Peak density", f"{top['density']:,.0f} per km²")
    elif top is not None:
        c3.metric("Busiest hexagon", f"{int(top['count']):,} incidents")

# beside the map on a desk; below it, full width, on a projector
if s.presentation:
    map_col, side = st.container(), st.container()
else:
    map_col, side = st.columns([3, 2])
with map_col:
    cell = show_map(det, s, key=f"map-{method}", height_px=760 if s.presentation else 620)

with side:
    if not cell:
        st.subheader("Click a hexagon")
        st.write("Click any hexagon on the map to see what happens there: crime types, the monthly trend, the "
                 "busiest locations and the incidents themselves.")
    else:
        prof = cache.profile(s, cell)
        st.subheader("This hexagon")
        st.caption(f"H3 cell {cell} (resolution {s.res})")
        if prof.total == 0:
            st.write("No incidents of the selected types here in this period.")
        else:
            st.metric("Incidents here", f"{prof.total:,} incident{'s' if prof.total != 1 else ''}")
            st.metric("Harm here", f"{prof.by_type['harm'].sum():,.0f} days",
                      help="Approximate Cambridge Crime Harm Index: days of imprisonment by police.uk category.")
            st.markdown("**By crime type** (incidents)")
            st.bar_chart(prof.by_type.set_index("category")["count"], horizontal=True, height=220,
                         x_label="incidents", y_label="")
            st.markdown("**Month by month** (incidents)")
            st.line_chart(prof.by_month.set_index("month")["count"], height=180, x_label="month",
                          y_label="incidents")
            st.markdown("**Busiest locations**")
            st.dataframe(prof.top_locations, hide_index=True, width="stretch",
                         column_config={"count": st.column_config.NumberColumn("incidents", format="%d")})
            st.markdown("**Incidents**")
            pages = max(1, math.ceil(prof.total / PAGE_ROWS))
            page_no = st.number_input(f"Page (of {pages}, {PAGE_ROWS} a page)", 1, pages, 1) if pages > 1 else 1
            shown = prof.incidents.iloc[(page_no - 1) * PAGE_ROWS: page_no * PAGE_ROWS]
            # neutralised: the table's own download button writes CSV straight from it
            st.dataframe(neutralise_formulas(shown[["month", "category", "location", "outcome", "source"]]),
                         hide_index=True, width="stretch")
            d1, d2, d3 = st.columns(3)
            name = f"hotspots-{cell}"
            d1.download_button("CSV", incidents_csv(prof.incidents), f"{name}.csv", "text/csv")
            d2.download_button("GeoJSON", incidents_geojson(prof.incidents), f"{name}.geojson", "application/geo+json")
            d3.download_button("KML", incidents_kml(prof.incidents, name), f"{name}.kml",
                               "application/vnd.google-earth.kml+xml")

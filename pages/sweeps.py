"""Knife-sweep areas: where weapon violence concentrates, how green it is, and the order to search them."""

import pandas as pd
import streamlit as st

from hotspots import defaults
from hotspots.methods.words import plural
from hotspots.outputs.sweeps import sweep_csv, sweep_geojson, sweep_kml, sweep_table
from pages._ui import cache
from pages._ui.errors import md_escape, synthetic_banner
from pages._ui.planners import artefacts_checkbox, district_prompt, map_and_side, show_notes
from pages._ui.setup import page_setup
from pages._ui.state import WHOLE_STORE, SweepSettings, upload
from pages._ui.widgets import spec_widget

s = page_setup()
info = cache.summary()
st.title("Knife-sweep areas")
st.caption(f"{md_escape(s.dataset)}, {s.date_from} to {s.date_to}, "
           f"{md_escape(s.area) if s.area != WHOLE_STORE else 'the whole store'}. "
           "The sidebar's harm setting is not used here: the score has its own weights.")
synthetic_banner(info["synthetic"])
st.write("Small areas where weapon violence concentrates, for a search of hedges, bushes and verges. Each "
         "incident scores its weight below; the top street-level hexagons are joined into areas and put in a "
         "short walking order.")
ready = district_prompt(s, info, "sweeps")

c1, c2 = st.columns([3, 2])
with c1:
    st.markdown("**Weights** (edit them)")
    table = pd.DataFrame({"Counts as": list(defaults.SWEEP_WEIGHTS), "Weight": list(defaults.SWEEP_WEIGHTS.values())})
    edited = st.data_editor(table, hide_index=True, disabled=["Counts as"], key="sweep_weights", width="stretch",
                            column_config={"Weight": st.column_config.NumberColumn(min_value=0.0, step=0.5)})
    flag = spec_widget("flag_extra", key="sweep_flag", label="Added when the record flags a weapon (force records)",
                       box=True)
with c2:
    n_areas = spec_widget("sweep_areas", key="sweep_n", label="Sweep areas")
    has_ae = cache.ae_loaded()
    with_ae = st.checkbox("Include A&E knife/sharp assaults", value=has_ae, disabled=not has_ae, key="sweep_ae",
                          help="A&E attendances for assaults with a knife or sharp object, where loaded. With them the "
                               "areas are ranked without a score and no A&E number is shown, so no small "
                               "count can be worked out.")
    green_file = st.file_uploader("Green space or vegetation (GeoJSON, GeoPackage, KML polygons), e.g. an "
                              "OpenStreetMap extract", type=["geojson", "json", "gpkg", "kml"], key="sweep_green")
    with_artefacts = artefacts_checkbox("sweeps")

weights = tuple((str(k), float(v) if pd.notna(v) else 0.0) for k, v in zip(edited["Counts as"], edited["Weight"]))
# the sidebar's crime types narrow the weighted types (the planner's own default: all three of them)
chosen = [k for k in defaults.SWEEP_DEFAULT_TYPES if k in s.categories]
if s.categories and chosen:
    weights = tuple((k, v if k in chosen or k not in defaults.SWEEP_DEFAULT_TYPES else 0.0) for k, v in weights)
    st.caption(f"Crime types: {md_escape(', '.join(chosen))} (chosen in the sidebar), with the weights above.")
else:
    st.caption(f"Crime types: this planner's default, {md_escape(defaults.SWEEP_TYPES_WHY)}"
               + ("; the sidebar's crime types hold none of them." if s.categories else ".")
               + " Set a weight to 0 to leave a type out.")
if not ready:
    st.stop()
green = upload(green_file)
settings = SweepSettings(weights=weights, flag_extra=float(flag), n_areas=int(n_areas),
                            with_ae=bool(with_ae and has_ae), green=green, include_artefacts=with_artefacts)
plan = cache.plan("sweeps", s, settings)
sm = plan.summary

m1, m2, m3 = st.columns(3)
m1.metric("Sweep areas", plural(sm['areas'], "area"))
m2.metric("Area to search", f"{sm['area_km2'] * 1e6:,.0f} m²", help=f"{sm['area_pct']:.2f}% of the study area.")
m3.metric("Walk between them", f"{sm['walk_m'] / 1000:.1f} km",
          help=f"Straight lines between area centres in the suggested order (nearest neighbour alone: "
               f"{sm['nearest_neighbour_walk_m'] / 1000:.1f} km).")
st.caption(md_escape(sm["score_note"]) + "."
           + (" The rank is the order of the score; the visiting order is the walk." if sm["ae_included"] else ""))
show_notes(plan.notes, plan.summary)

map_col, side = map_and_side(s)
with map_col:
    st.image(cache.static_map("sweeps", s, settings), caption="Sweep areas numbered in visiting order"
             + (", green space shaded" if sm["green_layer"] else "") + ". Drawn on the sidebar's basemap, as printed.",
             width="stretch")
with side:
    st.subheader("Areas in visiting order")
    st.dataframe(sweep_table(plan), hide_index=True, width="stretch")
    if not sm["green_layer"]:
        st.caption("Load a green-space layer to see how much of each area is hedges, grass and scrub.")

d1, d2, d3, d4 = st.columns(4)
d1.download_button("Sweep sheet (PDF)", cache.sheet("sweeps", s, settings), "sweep-sheet.pdf", "application/pdf",
                   help="Map, areas in order and how to sweep, ready to print.")
d2.download_button("GeoJSON", sweep_geojson(plan), "sweep-areas.geojson", "application/geo+json")
d3.download_button("KML (handheld)", sweep_kml(plan), "sweep-areas.kml", "application/vnd.google-earth.kml+xml")
d4.download_button("CSV", sweep_csv(plan), "sweep-areas.csv", "text/csv")

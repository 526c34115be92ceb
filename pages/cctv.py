"""Mobile CCTV: where to put the cameras (maximal covering, proven optimal), and did a deployment work (WDQ)."""

import pandas as pd
import streamlit as st

from hotspots.defaults import CCTV_DEFAULT_TYPES, CCTV_MAX_MONTHS_PER_SITE, CCTV_TYPES_WHY
from hotspots.methods.wdq import WDQ_MEANING
from hotspots.methods.words import plural, verb
from hotspots.outputs.cctv import existing_words, plan_csv, plan_geojson, plan_kml, plan_layers
from hotspots.outputs.did_it_work import evaluation_csv
from hotspots.outputs.files import neutralise_formulas
from pages._ui import cache
from pages._ui.errors import md_escape, run_safely, synthetic_banner
from pages._ui.maps import show_layers
from pages._ui.planners import (artefacts_checkbox, district_prompt, map_and_side, planner_types, show_notes,
                                types_caption)
from pages._ui.setup import page_setup
from pages._ui.state import CctvSettings, upload
from pages._ui.widgets import spec_widget

s = page_setup()
info = cache.summary()
st.title("Mobile CCTV")
s_all = s                      # the sidebar's own types: "Did it work?" below compares what the user chose
s, default_types = planner_types(s, CCTV_DEFAULT_TYPES)
st.caption(s.describe())
synthetic_banner(info["synthetic"])
st.write(f"Choose where the partnership's mobile cameras see the most {'harm' if s.harm else 'crime'}: each site "
         "covers the incidents within its radius, and the sites are chosen together, so two cameras never "
         "waste their view on the same street. The answer is proven optimal.")
ready = district_prompt(s, info, "cctv")

with st.expander("Cameras and sites", expanded=True):
    c1, c2, c3 = st.columns(3)
    cameras = int(spec_widget("cameras", where=c1, key="cctv_cameras", label="Cameras to place", box=True,
                              help="Hertsmere's partnership runs 8 mobile cameras."))
    radius = float(spec_widget("radius_m", where=c2, key="cctv_radius", label="Coverage radius (metres)",
                               help="About 50-100 m to identify people, 150-250 m to observe."))
    spacing = float(spec_widget("min_spacing_m", where=c3, key="cctv_spacing", label="Minimum distance between cameras (metres; 0 = no rule)",
                                box=True))
    sample_cams = cache.sample_cameras() if info["synthetic"] else None
    u1, u2, u3 = st.columns(3)
    use_sample = sample_cams is not None and u1.checkbox(
        "Use the sample's existing cameras", value=True,
        help="The sample's 20 invented static cameras: what they see counts as covered already.")
    existing_file = u1.file_uploader("Existing static cameras (CSV with easting/northing or longitude/latitude, "
                                     "or GeoJSON points)", type=["csv", "geojson", "json", "gpkg", "kml"])
    candidates_file = u2.file_uploader("Candidate sites, e.g. lamp columns (default: the centre of every street-level "
                                       "hexagon with an incident)", type=["csv", "geojson", "json", "gpkg", "kml"])
    exclude_file = u3.file_uploader("Zones where no camera may go (polygons)",
                                    type=["geojson", "json", "gpkg", "kml", "zip"])
    with_artefacts = artefacts_checkbox("cctv")
st.caption(types_caption(s, default_types, CCTV_TYPES_WHY))
existing = upload(existing_file) or (sample_cams if use_sample else None)
settings = CctvSettings(cameras, radius, spacing, existing, upload(candidates_file), upload(exclude_file),
                        include_artefacts=with_artefacts)
plan = cache.cctv(s, settings) if ready else None
unit = "days of harm" if s.harm else "incidents"
if plan is not None:  # no plan until a district (or the whole county) is chosen: Did it work? still works
    sm = plan.summary

    m1, m2, m3, m4 = st.columns(4)
    # units in the labels, numbers alone in the values: a value is cut, not wrapped, when its column is narrow
    m1.metric("Harm the cameras see (days)" if s.harm else "Incidents the cameras see", f"{sm['covered']:,.0f}",
              help=f"Of {sm['total']:,.0f} {unit} selected, within {radius:,.0f} m of a new camera.")
    m2.metric("Coverage", f"{sm['coverage_pct']:.1f}%",
              help="Share of the selected incidents (or harm) the new cameras see.")
    m3.metric(f"Greedy answer ({unit})", f"{sm['greedy_covered']:,.0f}",
              delta=f"{-sm['gap_pct']:.2f}% against the optimum" if sm["gap_pct"] else "same as the optimum",
              delta_color="off",
              help="Adding the best camera one at a time. It can never beat the optimum; the gap is how much it misses.")
    m4.metric("Solution", "Optimal" if sm["optimal"] else "Best found",
              help=("Proven optimal: no choice of sites sees more (HiGHS, gap 0). " if sm["optimal"] else
                    f"Stopped at the time limit; the optimum is at most {sm['bound']:,.0f} {unit}. ")
                   + f"HiGHS solved it in {sm['solve_s']:.2f} s: {plural(sm['sizes']['demand_points'], 'point')} with incidents, "
                   f"{sm['sizes']['candidates']:,} candidate sites ({sm['candidate_source']}).")
    if sm["existing_cameras"]:
        st.caption(md_escape(existing_words(sm)))
    if sm["sites_used"] < sm["cameras"]:
        st.info(f"Only {plural(sm['sites_used'], 'site')} {verb(sm['sites_used'], 'adds', 'add')} anything: every "
                "incident in reach of a candidate site is covered.",
                icon=":material/info:")
    show_notes(plan.notes, plan.summary)

    map_col, side = map_and_side(s)
    with map_col:
        layers = run_safely(plan_layers, plan)
        layers["note"] = f"Circles: what each camera sees ({radius:,.0f} m), numbered by rank. {layers['note']}"
        show_layers(layers, s, res=10, key="cctv-map", height_px=760 if s.presentation else 620)
    with side:
        st.subheader("The sites, best first")
        shown = plan.sites[["rank", "covered_incidents", "added_incidents", "covered_harm", "cumulative_pct",
                            "top_locations", "flag", "easting", "northing"]]
        # neutralised: the table's own download button writes CSV straight from it
        st.dataframe(neutralise_formulas(shown), hide_index=True, width="stretch", column_config={
            "rank": st.column_config.NumberColumn("Site", format="%d"),
            "covered_incidents": st.column_config.NumberColumn("Incidents seen", format="%d"),
            "added_incidents": st.column_config.NumberColumn("Incidents added", format="%d",
                                                             help="What the site adds to the sites above it."),
            "covered_harm": st.column_config.NumberColumn("Harm seen (days)", format="%.0f"),
            "cumulative_pct": st.column_config.NumberColumn(f"Cumulative {'harm' if s.harm else 'incidents'} (%)",
                                                            format="%.1f"),
            "top_locations": st.column_config.TextColumn("Busiest locations nearby"),
            "flag": st.column_config.TextColumn("Flag", help="Recording artefacts within the camera's radius (police "
                                                "station, hospital, supermarket, petrol station, or a place holding "
                                                "most of the crime around it)."),
            "easting": st.column_config.NumberColumn("Easting (m)", format="%.0f"),
            "northing": st.column_config.NumberColumn("Northing (m)", format="%.0f")})
        st.markdown(f"**Before a camera goes up:** consult the residents and businesses nearby. A camera stays up to "
                    f"{CCTV_MAX_MONTHS_PER_SITE} months at a site. Walk each site: walls and trees block views that a "
                    "circle on a map does not show.")
        name = "cctv-sites"
        d1, d2 = st.columns(2)  # two by two: four in a row cut "GeoJSON" in the side column at 1280 px
        d3, d4 = st.columns(2)
        d1.download_button("CSV", plan_csv(plan), f"{name}.csv", "text/csv")
        d2.download_button("GeoJSON", plan_geojson(plan), f"{name}.geojson", "application/geo+json")
        d3.download_button("KML", plan_kml(plan), f"{name}.kml", "application/vnd.google-earth.kml+xml")
        d4.download_button("PDF", cache.cctv_sheet(s, settings), f"{name}.pdf", "application/pdf",
                           help="A printable plan: map, table and notes.")

    with st.expander("The greedy answer, camera by camera"):
        g = plan.greedy_sites[["rank", "added_incidents", "added_harm", "cumulative_pct", "top_locations"]]
        st.dataframe(neutralise_formulas(g), hide_index=True, width="stretch", column_config={
            "rank": st.column_config.NumberColumn("Order added", format="%d"),
            "added_incidents": st.column_config.NumberColumn("Incidents added", format="%d"),
            "added_harm": st.column_config.NumberColumn("Harm added (days)", format="%.0f"),
            "cumulative_pct": st.column_config.NumberColumn("Cumulative (%)", format="%.1f"),
            "top_locations": st.column_config.TextColumn("Busiest locations nearby")})
        st.caption(f"Greedy: {sm['greedy_covered']:,.0f} {unit}; optimum: {sm['covered']:,.0f} {unit}; "
                   f"gap {sm['gap_pct']:.2f}% of the optimum.")


# ------------------------------------------------------------------------------------ did it work
st.header("Did it work?")
st.write("Compare the months a camera was up with the same number of months just before, in three places: "
         "the **target** (within the camera's radius), a **buffer** ring around it (where crime might move), "
         "and a **control** area (what happened anyway). The Weighted Displacement Quotient (Bowers & Johnson "
         "2003) says whether crime moved to the buffer or the benefit spread into it.")
e1, e2 = st.columns(2)
dep_file = e1.file_uploader("A past deployment (CSV: site, easting/northing or longitude/latitude, from, to as "
                            "YYYY-MM)", type=["csv"])
control_file = e2.file_uploader("Control area (polygon; default: the rest of the area minus target and buffer)",
                                type=["geojson", "json", "gpkg", "kml", "zip"])
buffer_m = float(spec_widget("buffer_m", where=e2, key="cctv_buffer", label="Buffer ring width (metres)"))
months = sorted({m for src in s.sources for m in info["months_by_source"].get(src, [])})
kw: dict = {"radius_m": radius, "buffer_m": buffer_m, "control": upload(control_file)}
if dep_file is not None:
    kw["deployment"] = upload(dep_file)
elif plan is not None and len(months) >= 2 and len(plan.sites):
    half = len(months) // 2
    choices = months[1:]
    e1.caption("No file: try it with the sites above, as if the cameras had been up for these months.")
    start = e1.selectbox("Cameras up from", choices, index=max(0, len(choices) - min(3, half)))
    ends = [m for m in months if m >= start]
    span = months.index(start)  # months before the start: the before period needs as many
    ends = ends[: max(1, span)]
    end = e1.selectbox("Cameras down after", ends, index=len(ends) - 1)
    kw["sites"] = tuple((f"Site {r}", float(e), float(n)) for r, e, n in
                        zip(plan.sites["rank"], plan.sites["easting"], plan.sites["northing"]))
    kw["months"] = (start, end)
elif plan is None:
    st.info("Give a past deployment (a CSV file above), or choose a district to try it with planned sites.",
            icon=":material/info:")
    st.stop()
else:
    st.info("Load at least two months to compare before and after.", icon=":material/info:")
    st.stop()
ev = cache.deployment(s_all, **kw)   # the sidebar's crime types (all when none is chosen), as the CLI's --evaluate
t = ev.table
total = t.iloc[-1]
w1, w2, w3 = st.columns(3)
# units in the labels, numbers alone in the values: "2,152 → 1,876 incidents" was cut off in a third of the page
when = (f"Before ({total['before_from']} to {total['before_to']}) → after ({total['from']} to {total['to']}), "
        "all sites.")
w1.metric(f"Target area ({unit})", f"{total['target_before']:,.0f} → {total['target_after']:,.0f}",
          help=f"{when} Within {radius:,.0f} m of a camera.")
w2.metric(f"Control area ({unit})", f"{total['control_before']:,.0f} → {total['control_after']:,.0f}",
          help=f"{when} {md_escape(ev.summary['control'])}.")
w3.metric("Weighted Displacement Quotient", "n/a" if pd.isna(total["wdq"]) else f"{total['wdq']:.2f}")
st.markdown(f"**All sites:** {md_escape(total['interpretation'])}")
st.dataframe(neutralise_formulas(t.drop(columns=["meaning"])), hide_index=True, width="stretch", column_config={
    "site": "Site", "from": "Up from", "to": "Down after", "before_from": "Before: from", "before_to": "Before: to",
    "target_before": st.column_config.NumberColumn("Target before", format="%.0f"),
    "target_after": st.column_config.NumberColumn("Target after", format="%.0f"),
    "buffer_before": st.column_config.NumberColumn("Buffer before", format="%.0f"),
    "buffer_after": st.column_config.NumberColumn("Buffer after", format="%.0f"),
    "control_before": st.column_config.NumberColumn("Control before", format="%.0f"),
    "control_after": st.column_config.NumberColumn("Control after", format="%.0f"),
    "target_change_pct": st.column_config.NumberColumn("Target change (%)", format="%.1f"),
    "buffer_change_pct": st.column_config.NumberColumn("Buffer change (%)", format="%.1f"),
    "control_change_pct": st.column_config.NumberColumn("Control change (%)", format="%.1f"),
    "success_measure": st.column_config.NumberColumn("Success measure", format="%.4f",
                                                     help="Below 0: the target improved against the control."),
    "buffer_measure": st.column_config.NumberColumn("Buffer measure", format="%.4f",
                                                    help="Above 0: possible displacement; below 0: possible "
                                                         "diffusion of benefits."),
    "wdq": st.column_config.NumberColumn("WDQ", format="%.2f"),
    "tne": st.column_config.NumberColumn(f"Net {unit} prevented (TNE)", format="%.1f"),
    "interpretation": st.column_config.TextColumn("What it means")})
st.download_button("Download the comparison (CSV)", evaluation_csv(ev), "cctv-did-it-work.csv", "text/csv")
st.caption(f"{md_escape(ev.summary['note'])} Control: {md_escape(ev.summary['control'])}.")
with st.expander("How to read the WDQ"):
    st.dataframe(pd.DataFrame({"Result": list(WDQ_MEANING.values())}), hide_index=True, width="stretch")

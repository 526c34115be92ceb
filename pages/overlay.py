"""Police and A&E: where violence treated in hospital never reaches the police (Cardiff Model)."""

import streamlit as st

from pages._ui import cache
from pages._ui import overlay as ov
from pages._ui.errors import synthetic_banner
from pages._ui.setup import page_setup
from hotspots.outputs.overlay import overlay_csv, overlay_geojson

s = page_setup()
st.title("Police violence and A&E assaults")
st.caption(ov.describe(s) + " The sidebar's data and crime-type choices do not apply here: this page always "
           "compares police.uk violence with A&E assaults.")
synthetic_banner(cache.summary()["synthetic"])

if not cache.ae_loaded():
    st.info("**No A&E assault data is loaded.** This page compares police-recorded violence with assaults treated "
            "in emergency departments (ISTV data, shared with the partnership at least monthly). Load the "
            "departments' ISTV files (CSV or Excel) on the Data page, or from the command line: "
            "`python -m hotspots ingest ae FILES`. The synthetic sample's are in `sample_data/ae/`.",
            icon=":material/local_hospital:")
    st.stop()

pub = ov.overlay(s)
sm = pub.summary()
c1, c2, c3, c4 = st.columns(4)
c1.metric("Police violence", f"{pub.totals['police_violence']:,} crimes")
total = pub.totals["ae_assaults"]
c2.metric("A&E assaults", f"{total:,} assaults" if isinstance(total, int) else f"{total} assaults")
c3.metric("A&E only hexagons", f"{pub.class_counts['A&E only']:,} hexagons",
          help="Many A&E assaults, little police violence: the places to look at first.")
c4.metric("Both high", f"{pub.class_counts['Both high']:,} hexagons")
st.caption(" ".join(pub.notes) + " A&E data is health data: its free text never leaves the Data page.")

if pub.cells.empty:
    st.info("Neither police violence nor A&E assaults in this period and area. Widen the period or choose another "
            "area in the sidebar.", icon=":material/info:")
    st.stop()

st.subheader("Where each is high")
ov.show_map(pub, s, height_px=760 if s.presentation else 600)
st.caption("Each hexagon is coloured by whether police violence and A&E assaults are high there. Red: many A&E "
           "assaults the police data does not show. Hover a hexagon for its numbers.")

st.subheader("Violence unknown to police")
st.markdown("Hexagons with more A&E assaults than police violence predicts: if A&E assaults followed the police "
            "figures, a hexagon with a share of the area's police violence would have the same share of its A&E "
            "assaults (**expected**). **Excess** is A&E assaults minus expected. The nearest police.uk locations "
            "are given to find the place. Only hexagons whose A&E count is shown are ranked: a hidden count's "
            "place in the list would give it away. Hexagons with hidden counts are on the map and in the "
            "downloads.")
if pub.ranked.empty and not isinstance(total, int):
    st.info("Too few A&E assaults in this period and area to rank places without giving small numbers away. "
            "Widen the period or the area.", icon=":material/visibility_off:")
elif pub.ranked.empty:
    st.info("No hexagon with a shown A&E count has more A&E assaults than police violence predicts. Hexagons "
            f"with {pub.hidden_label} assaults (or a hidden larger count) are not ranked, so on sparse data the "
            "list is often empty: choose larger hexagons in the sidebar or a longer period.",
            icon=":material/info:")
else:
    st.dataframe(ov.table_view(pub.ranked.rename(columns={
        "rank": "Rank", "cell": "Hexagon (H3)", "ae_assaults": "A&E assaults", "police_violence": "Police violence",
        "expected_ae": "Expected A&E", "excess": "Excess A&E", "class": "Class",
        "near": "Nearest police.uk locations"})),
        hide_index=True, width="stretch")

if len(pub.unseen):
    st.markdown(f"**A&E assaults where police recorded no violence** ({len(pub.unseen):,} hexagons, counts hidden, "
                "in order of the nearest location's name): places the hospital knows of and the police data does not, even where "
                "numbers are too small to rank.")
    st.dataframe(ov.table_view(pub.unseen.rename(columns={
        "cell": "Hexagon (H3)", "ae_assaults": "A&E assaults", "near": "Nearest police.uk locations"})),
        hide_index=True, width="stretch")

left, right = (st.container(), st.container()) if s.presentation else st.columns(2)
shown = isinstance(total, int) and total > 0
with left:
    st.subheader("A&E assaults by day and hour")
    if total == 0:
        st.info("No A&E assaults in this period and area.", icon=":material/info:")
    elif not shown:
        st.info("Too few A&E assaults in this period and area to show when they happened without giving small "
                "numbers away. Widen the period or the area.", icon=":material/visibility_off:")
    else:
        st.altair_chart(ov.day_hour_chart(pub), width="stretch",
                        alt="Heat map of A&E assaults by day of the week and hour; the numbers are in the table below.")
        st.caption(f"Grey: {pub.hidden_label} assaults (or a larger count hidden to protect one), not shown. "
                   f"Assaults without a recorded time: {pub.ae_no_time}. Times are the assault times on the records.")
        with st.expander("The numbers: A&E assaults by day and hour"):
            st.dataframe(ov.table_view(pub.ae_grid.rename(columns=lambda h: f"{h:02d}:00")), width="stretch")
    if pub.rms_grid is not None and pub.rms_grid.used:
        st.markdown("**Force records: violence by day and hour** (incidents, aoristic; police data, not suppressed)")
        g = pub.rms_grid
        st.altair_chart(ov.rms_chart(g), width="stretch",
                        alt="Heat map of force-recorded violence by day and hour; the numbers are in the table below.")
        st.caption(" ".join(g.notes()))
        with st.expander("The numbers: force-recorded violence by day and hour"):
            st.dataframe(g.grid.round(1).rename(columns=lambda h: f"{h:02d}:00"), width="stretch")
with right:
    st.subheader("Weapons")
    if shown:
        st.altair_chart(ov.weapon_chart(pub), width="stretch",
                        alt="Bar chart of A&E assaults by weapon; the numbers are in the table below.")
    st.dataframe(ov.table_view(pub.weapons.drop(columns=["assaults_suppressed"]).rename(columns={
        "weapon": "Weapon", "assaults": "A&E assaults", "share_pct": "Share (%)"})), hide_index=True, width="stretch")
    st.caption("Weapon as recorded by the emergency department (the ISTV assault method). Shares of a hidden count "
               "are hidden too.")

st.subheader("Download")
d1, d2 = st.columns(2)
d1.download_button("Hexagons (CSV)", overlay_csv(pub), "police-ae-overlay.csv", "text/csv", icon=":material/download:")
d2.download_button("Hexagons (GeoJSON)", overlay_geojson(pub), "police-ae-overlay.geojson", "application/geo+json",
                   icon=":material/download:")
st.caption("One row per hexagon with police violence or A&E assaults: police violence, A&E assaults (1 to "
           f"{pub.threshold} shown as \"{pub.hidden_label}\"), class, expected and excess A&E assaults.")

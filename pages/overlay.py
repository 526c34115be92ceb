"""Police and A&E: where violence treated in hospital never reaches the police (Cardiff Model)."""

import streamlit as st

from hotspots.defaults import FDR_ALPHA
from hotspots.methods.words import plural
from hotspots.tasks.overlay import PROTECTION_NOTE
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
# two rows of two: four side by side cut "29,471 crimes" to "29,471 cri..." at 1280 px
c1, c2 = st.columns(2)
c3, c4 = st.columns(2)
c1.metric("Police violence", plural(pub.totals['police_violence'], "crime"))
total = pub.totals["ae_assaults"]
c2.metric("A&E assaults", plural(total, "assault"),
          help="A rounded figure: A&E numbers are slightly adjusted, the same way each time, so that none can be "
               "worked out by subtracting one view from another.")
c3.metric("A&E only hexagons", plural(pub.class_counts['A&E only'], "hexagon"),
          help="Many A&E assaults, little police violence: the places to look at first.")
c4.metric("Both high", plural(pub.class_counts['Both high'], "hexagon"))
st.caption(PROTECTION_NOTE)
st.caption(" ".join(n for n in pub.notes if n != PROTECTION_NOTE)
           + " A&E data is health data: its free text never leaves the Data page.")

if pub.cells.empty:
    st.info("Neither police violence nor A&E assaults in this period and area. Widen the period or choose another "
            "area in the sidebar.", icon=":material/info:")
    st.stop()

st.subheader("Where each is high")
ov.show_map(pub, s, height_px=760 if s.presentation else 600)
st.caption("Each hexagon is coloured by whether police violence and A&E assaults are high there. Red: many A&E "
           "assaults the police data does not show. Hover a hexagon for its numbers.")

st.subheader("Violence unknown to police: more A&E assaults than police figures predict")
n_unknown = sm["unknown_to_police"]
st.markdown(f"**{plural(n_unknown, 'hexagon')}** with more A&E assaults than police violence predicts, beyond "
            "chance: where hospitals treat more assaults than the police figures account for. Largest excess first.")
st.caption("**Expected**: the A&E assaults a hexagon would have if they followed the police figures (its share of "
           "the area's police violence); **excess**: A&E assaults minus expected. A busy hexagon has some excess by "
           "chance alone, so a hexagon is listed only when an exact test (its A&E assaults against its police "
           "violence, given the area's totals) puts it beyond chance at a "
           f"{FDR_ALPHA:.0%} false discovery rate over the hexagons tested (**p (FDR)**). The map's classes compare "
           "volumes and this list compares A&E with police violence, so a \"Both high\" hexagon can be on it. Only "
           "hexagons whose A&E count is shown are tested: a hidden count's place in the list would give it away; "
           "they are on the map and in the downloads.")
if pub.ranked.empty and not isinstance(total, int):
    st.info("Too few A&E assaults in this period and area to rank places without giving small numbers away. "
            "Widen the period or the area.", icon=":material/visibility_off:")
elif pub.ranked.empty:
    st.info("No hexagon with a shown A&E count has more A&E assaults than police violence predicts beyond chance. "
            f"Hexagons with {pub.hidden_label} assaults (or a hidden larger count) are not ranked, so on sparse "
            "data the list is often empty: choose larger hexagons in the sidebar or a longer period.",
            icon=":material/info:")
else:
    ranked = pub.ranked.assign(ae_assaults=pub.ranked["ae_assaults"].astype(int),
                               expected_ae=pub.ranked["expected_ae"].astype(float),
                               excess=pub.ranked["excess"].astype(float),
                               p_fdr=[ov.p_text(v) for v in pub.ranked["p_fdr"]]).drop(columns=["p"])
    ranked.insert(ranked.columns.get_loc("excess") + 1, "times", [ov.times_text(a, e) for a, e in zip(
        ranked["ae_assaults"], ranked["expected_ae"])])
    ranked = ranked[["rank", "cell", "ae_assaults", "police_violence", "expected_ae", "excess", "times", "p_fdr",
                     "class", "near"]]
    st.dataframe(ranked.rename(columns={
        "rank": "Rank", "cell": "Hexagon (H3)", "ae_assaults": "A&E assaults", "police_violence": "Police violence",
        "expected_ae": "Expected A&E", "excess": "Excess A&E", "class": "Class",
        "near": "Nearest police.uk locations", "p_fdr": "p (FDR)", "times": "A&E ÷ expected"}),
        hide_index=True, width="stretch", column_config={
            "A&E assaults": st.column_config.NumberColumn("A&E assaults", format="localized"),
            "Police violence": st.column_config.NumberColumn("Police violence", format="localized"),
            "Expected A&E": st.column_config.NumberColumn("Expected A&E", format="%.1f",
                                                          help="A&E assaults if they followed police violence"),
            "Excess A&E": st.column_config.NumberColumn("Excess A&E", format="%.1f",
                                                        help="A&E assaults minus expected"),
            "A&E ÷ expected": st.column_config.TextColumn("A&E ÷ expected", alignment="right",
                                                          help="How many times the expected A&E assaults"),
            "p (FDR)": st.column_config.TextColumn("p (FDR)", alignment="right",
                                                   help="Chance of so many A&E assaults if they followed police "
                                                        "violence, corrected for testing many hexagons "
                                                        "(Benjamini-Hochberg)"),
            "Nearest police.uk locations": st.column_config.TextColumn("Nearest police.uk locations")})
    if n_unknown > len(pub.ranked):
        st.caption(f"The first {len(pub.ranked):,} of {plural(n_unknown, 'hexagon')}; all are marked in the "
                   "downloads (column unknown_to_police).")

if len(pub.unseen):
    st.markdown(f"**A&E assaults where police recorded no violence** ({plural(len(pub.unseen), 'hexagon')}, counts hidden, "
                "in order of the nearest location's name): places the hospital knows of and the police data does not, even where "
                "numbers are too small to rank.")
    unseen = ov.table_view(pub.unseen.rename(columns={
        "cell": "Hexagon (H3)", "ae_assaults": "A&E assaults", "near": "Nearest police.uk locations"}))
    st.dataframe(unseen, hide_index=True, width="stretch", column_config=ov.right_aligned(unseen))

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
            grid = ov.table_view(pub.ae_grid.rename(columns=lambda h: f"{h:02d}:00"))
            st.dataframe(grid, width="stretch", column_config=ov.right_aligned(grid))
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
    weapons = ov.table_view(pub.weapons.drop(columns=["assaults_suppressed"]).rename(columns={
        "weapon": "Weapon", "assaults": "A&E assaults", "share_pct": "Share (%)"}))
    st.dataframe(weapons, hide_index=True, width="stretch", column_config=ov.right_aligned(weapons))
    st.caption("Weapon as recorded by the emergency department (the ISTV assault method). Shares of a hidden count "
               "are hidden too.")

st.subheader("Download")
d1, d2 = st.columns(2)
d1.download_button("Hexagons (CSV)", overlay_csv(pub), "police-ae-overlay.csv", "text/csv", icon=":material/download:")
d2.download_button("Hexagons (GeoJSON)", overlay_geojson(pub), "police-ae-overlay.geojson", "application/geo+json",
                   icon=":material/download:")
st.caption("One row per hexagon with police violence or A&E assaults: police violence, A&E assaults (1 to "
           f"{pub.threshold} shown as \"{pub.hidden_label}\"), class, expected and excess A&E assaults, the test's "
           "p-values (p, and p_fdr corrected for testing many hexagons) and unknown_to_police (listed above).")

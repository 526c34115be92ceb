"""Patrol planner: where to patrol, when, and how long each visit (the Koper curve)."""

import streamlit as st

from hotspots import defaults
from hotspots.methods.words import plural
from hotspots.outputs.patrol import WALK_NOTE, plan_csv, plan_geojson, plan_kml, plan_table
from hotspots.tasks.patrol import MONTH_ONLY_NOTE
from pages._ui import cache
from pages._ui.errors import md_escape, synthetic_banner
from pages._ui.planners import (artefacts_checkbox, district_prompt, map_and_side, planner_types, show_notes,
                                types_caption)
from pages._ui.setup import page_setup
from pages._ui.state import DATASETS, PatrolSettings, use_dataset
from pages._ui.widgets import spec_widget

SHIFTS = {f"{k.capitalize()} ({v})": k for k, v in defaults.PATROL_SHIFTS.items()}
CUSTOM = "Another shift (type it)"

s = page_setup()
info = cache.summary()
st.title("Patrol planner")
s, default_types = planner_types(s, defaults.PATROL_DEFAULT_TYPES)
st.caption(s.describe())
synthetic_banner(info["synthetic"])
st.write("The places to patrol next month, ranked by the recommended forecast (the method that best predicted "
         "next month's crime on the Accuracy page), cut into patrol areas small enough for one 15-minute visit, "
         "with a timetable of short visits in random order.")
ready = district_prompt(s, info, "patrol")

c1, c2, c3 = st.columns(3)
mode = c1.radio("Patrol budget", ["A share of the area", "A number of patrol areas"], key="patrol_mode")
if mode == "A share of the area":
    budget = spec_widget("budget_pct", where=c1, key="patrol_budget", label="Share of the study area to patrol (%)",
                         help="The plan never covers more than this. Hot-spot patrols usually cover 1-2 % of a "
                              "district.")
    n_areas = None
else:
    budget = None
    n_areas = int(spec_widget("n_areas", where=c1, value=6, key="patrol_n", label="Number of patrol areas", box=True))
labels = list(SHIFTS) + [CUSTOM]
default_shift = next(k for k, v in SHIFTS.items() if v == defaults.PATROL_DEFAULT_SHIFT)
shift_label = c2.selectbox("Shift", labels, index=labels.index(default_shift), key="patrol_shift")
shift = SHIFTS.get(shift_label) or c2.text_input("Shift (HH:MM-HH:MM)", "18:00-02:00", key="patrol_custom")
visit = spec_widget("visit_min", where=c3, key="patrol_visit")
seed = int(spec_widget("seed", where=c3, value=0, key="patrol_seed", label="Random order: seed",
                       help="Change it for a different random visiting order."))
with st.expander("Size of a patrol area, recording artefacts"):
    a1, a2, a3 = st.columns(3)
    max_area = spec_widget("max_area_km2", where=a1, key="patrol_max_area", label="Largest patrol area (km²)")
    max_walk = spec_widget("max_walk_m", where=a2, key="patrol_max_walk",
                           label="Longest walk in one area (metres)")
    with_artefacts = artefacts_checkbox("patrol", where=a3)
st.caption(types_caption(s, default_types, defaults.PATROL_TYPES_WHY))
if not ready:
    st.stop()

settings = PatrolSettings(budget_pct=budget, n_areas=n_areas, shift=shift, visit_min=float(visit), seed=seed,
                          max_area_km2=float(max_area), max_walk_m=float(max_walk), include_artefacts=with_artefacts)
plan = cache.plan("patrol", s, settings)
sm = plan.summary

m1, m2, m3, m4 = st.columns(4)
m1.metric("Patrol areas", plural(sm['areas'], "area"))
m2.metric("Area to patrol", f"{sm['area_km2']:.2f} km²", help=f"{sm['area_pct']:.2f}% of the study area "
          f"({sm['study_area_km2']:,.1f} km²).")
if sm["expected_crime_pct"] is not None:
    m3.metric("Expected share of crime", f"{sm['expected_crime_pct']:.1f}%",
              help="The share of next month's crime a plan of this size caught when the forecast was tested on "
                   f"{', '.join(sm['backtest_months'])}, each forecast from the months before it only "
                   "(the Accuracy page's hit rate).")
    if sm["expected_harm_pct"] is not None:
        m4.metric("Expected share of harm", f"{sm['expected_harm_pct']:.1f}%",
                  help="The same, with each crime weighted by its harm (approximate CCHI days).")
    else:
        m4.metric("Expected share of harm", "n/a", help="The crimes in the test months carry no harm (e.g. drugs "
                  "alone, with drugs and weapon possession left out of harm), so there is no share of it.")
else:
    m3.metric("Expected share of crime", "n/a", help="The period is too short to test the forecast.")
st.caption(f"Forecast for {sm['forecast_month']} from {plural(sm['incidents'], 'incident')}, {sm['months'][0]} to "
           f"{sm['months'][-1]}; each area's expected share is the plan's, shared out by its forecast.")
show_notes(plan.notes, plan.summary)

map_col, side = map_and_side(s)
with map_col:
    st.image(cache.static_map("patrol", s, settings), caption="Patrol areas: the number is the rank. Drawn on the sidebar's basemap, as "
             "printed on the patrol sheet.", width="stretch")
with side:
    st.subheader("When")
    if plan.times.empty:
        st.info(MONTH_ONLY_NOTE, icon=":material/schedule:")
        if "rms" in info["months_by_source"] and s.sources != ("rms",):
            st.button("Use force records (with times)", on_click=use_dataset,
                      args=(next(d for d, src in DATASETS.items() if src == ("rms",)),))
    else:
        t = plan.times.copy()
        t["hour"] = [f"{h:02d}:00-{(h + 1) % 24:02d}:00" for h in t["hour"]]
        st.dataframe(t.rename(columns={"day": "Day", "hour": "Hour", "incidents": "Incidents (aoristic)"}),
                     hide_index=True, width="stretch",
                     column_config={"Incidents (aoristic)": st.column_config.NumberColumn(format="%.1f")})
        for note in plan.time_notes:
            st.caption(md_escape(note))

st.subheader("Patrol areas, best first")
st.dataframe(plan_table(plan), hide_index=True, width="stretch")
st.caption(WALK_NOTE)

st.subheader(f"Visiting timetable: {md_escape(sm['shift'])}")
st.write(f"Spend {plural(sm['visit_min'], 'minute', fmt='g')} in each area on each visit, and come back about "
         f"every {plural(sm['revisit_min'] / 60, 'hour', fmt='g')}. The order changes every round so nobody can "
         "predict it; each team holds at most "
         f"{plural(int(sm['revisit_min'] // (sm['visit_min'] + defaults.PATROL_TRAVEL_MIN)), 'area')}, with "
         f"at least {plural(defaults.PATROL_TRAVEL_MIN, 'minute', fmt='g')} to get from one to the next.")
st.dataframe(plan.schedule.drop(columns=["start_min"]).rename(columns={
    "team": "Team", "round": "Round", "start": "Start", "end": "End", "area": "Patrol area", "minutes": "Minutes"}),
    hide_index=True, width="stretch")

d1, d2, d3, d4 = st.columns(4)
d1.download_button("Patrol sheet (PDF)", cache.sheet("patrol", s, settings), "patrol-sheet.pdf", "application/pdf",
                   help="Map, areas, times and the timetable, ready to print.")
d2.download_button("GeoJSON", plan_geojson(plan), "patrol-areas.geojson", "application/geo+json")
d3.download_button("KML (in-car, handheld)", plan_kml(plan), "patrol-areas.kml",
                   "application/vnd.google-earth.kml+xml")
d4.download_button("CSV", plan_csv(plan), "patrol-areas.csv", "text/csv")

"""Trends: month by month, emerging hot spots, and the day-of-week x hour pattern."""

import altair as alt
import streamlit as st

from hotspots.methods.temporal import DAYS, MAX_WINDOW_DAYS
from hotspots.methods.words import plural
from hotspots.outputs.legend import CATEGORY_COLOURS, EMERGING_EXPLAINED
from pages._ui import analysis as extra
from pages._ui import cache
from pages._ui.errors import synthetic_banner
from pages._ui.maps import show_map
from pages._ui.setup import page_setup

#: Lines drawn when no crime type is chosen in the sidebar (the busiest first), and at most when types are chosen.
CHART_TYPES = 5
CHART_MAX_TYPES = 8
#: The plot's height: the legend sits beside it, so this is all plot.
CHART_HEIGHT_PX = 380

s = page_setup()
st.title("Trends")
st.caption(f"{s.dataset}, {extra.period_words(s)}. Area and crime types are listed under each chart.")
synthetic_banner(cache.summary()["synthetic"])
unit = extra.value_label(s)

# -- (a) month by month -------------------------------------------------------------------
st.subheader("Month by month")
ser = extra.monthly(s)
st.caption(f"Area: {extra.area_words(s)}. Crime types: {extra.types_words(s)}."
           + (" Harm is the approximate Cambridge Crime Harm Index (days of imprisonment) of each crime's "
              "police.uk category." if s.harm else ""))
if ser.total == 0:
    st.info("No incidents match the period, area and crime types. Widen the period or choose other crime types "
            "in the sidebar.", icon=":material/info:")
else:
    totals = ser.long.groupby("type")["value"].sum().sort_values(ascending=False, kind="stable")
    with_data = [t for t in totals.index if totals[t] > 0]
    # the chosen types, else the busiest few: 14 lines on one chart are a tangle (the table has them all)
    default = with_data if s.categories and len(with_data) <= CHART_MAX_TYPES else with_data[:CHART_TYPES]
    shown = st.multiselect("Crime types on the chart", with_data, default=default, key="trends_chart_types",
                           help="The busiest types first; every type is in the table under the chart.")
    if not shown:
        st.info("Choose one or more crime types above to draw their lines.", icon=":material/info:")
    else:
        long = ser.long.loc[ser.long["type"].isin(shown)]
        y_title = ser.y_title[:1].upper() + ser.y_title[1:]
        pick = alt.selection_point(fields=["type"], bind="legend")
        chart = alt.Chart(long).mark_line(point=True, strokeWidth=2.5).encode(
            x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(titleLimit=0, format=",.0f")),
            # one fixed colour per type on every page (hotspots.outputs.legend.CATEGORY_COLOURS)
            color=alt.Color("type:N", title="Crime type", sort=shown,
                            scale=alt.Scale(domain=shown, range=[CATEGORY_COLOURS.get(t, "#555555") for t in shown]),
                            legend=alt.Legend(orient="right", labelLimit=0, titleLimit=0, symbolStrokeWidth=3,
                                              labelFontSize=13, titleFontSize=13)),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
            tooltip=[alt.Tooltip("month:O", title="Month"), alt.Tooltip("type:N", title="Crime type"),
                     alt.Tooltip("value:Q", title=y_title, format=",.0f")],
        ).add_params(pick).properties(height=CHART_HEIGHT_PX)
        st.altair_chart(chart, width="stretch", alt=f"Line chart of {ser.y_title} for {len(shown)} crime types; the "
                                                    "numbers are in the table below.")
        st.caption("Click a crime type in the legend to pick out its line. Each type has the same colour on every "
                   "page.")
    with st.expander(f"The numbers: {unit} a month"):
        st.dataframe(ser.table, width="stretch", column_config={
            c: st.column_config.NumberColumn(c, format="localized", help=ser.y_title) for c in ser.table.columns})

# -- (b) emerging hot spots ------------------------------------------------------------------
st.subheader("Emerging hot spots")
if ser.total == 0:
    st.info("No incidents to analyse.", icon=":material/info:")
elif ser.months_with_data < 3:
    st.error(f"Emerging hot spots need at least 3 months; the selection has {ser.months_with_data}.\n\n"
             "**How to fix it:** choose a longer period in the sidebar (a year or more is best).",
             icon=":material/error:")
else:
    det = cache.detection(s, "emerging")
    show_map(det, s, key="emerging_map")
    st.markdown(EMERGING_EXPLAINED)
    st.dataframe(extra.emerging_classes(det, s.harm), width="stretch", hide_index=True, column_config={
        "Hexagons": st.column_config.NumberColumn("Hexagons", format="localized", help="hexagons in the class"),
        "Incidents": st.column_config.NumberColumn("Incidents", format="localized",
                                                   help="incidents in those hexagons over the period"),
        "Harm (days)": st.column_config.NumberColumn("Harm (days)", format="localized",
                                                     help="approximate CCHI days in those hexagons"),
    })
    st.caption(f"{plural(len(det.summary.get('periods', [])), 'monthly step')}, "
               f"{plural(det.summary.get('cells', 0), 'hexagon')} analysed, empty ones included.")

# -- (c) day of week x hour ---------------------------------------------------------------------
st.subheader("Day of the week and hour")
if extra.month_only(s):
    st.info("**police.uk gives only the month of each crime**: no day, no time. So there is no day-of-week or "
            "hour pattern to show. Force records (exports from the force's records system) carry the date and "
            "time of each crime, or the from-to window it happened in.", icon=":material/schedule:")
    if extra.timed_data_loaded():
        st.button("Switch to force records", on_click=extra.use_timed_dataset, icon=":material/swap_horiz:",
                  help="Shows force records on every page (the Data choice in the sidebar).")
    else:
        st.caption("No force records are loaded yet: load an export on the Data page.")
else:
    grid = cache.day_hour(s)
    if grid.used == 0 and grid.n_left_out == 0:
        st.info("No incidents match the period, area and crime types.", icon=":material/schedule:")
    elif grid.used == 0:
        st.info("None of the selected incidents has a time of day, so there is no pattern to show.\n\n"
                + "\n".join(f"- {n}" for n in grid.notes()[1:]), icon=":material/schedule:")
    else:
        legend = "harm (aoristic, days)" if s.harm else "incidents (aoristic)"
        heat = alt.Chart(grid.to_long()).mark_rect().encode(
            x=alt.X("hour:O", title="Hour of the day (starting at)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("day:O", title=None, sort=list(DAYS)),
            color=alt.Color("value:Q", title=legend, scale=alt.Scale(scheme="orangered")),
            tooltip=[alt.Tooltip("day:O", title="Day"), alt.Tooltip("hour:O", title="Hour starting"),
                     alt.Tooltip("value:Q", title=legend, format=",.1f")],
        )
        st.altair_chart(heat, width="stretch", alt=f"Heat map of {legend} by day of the week and hour; the "
                                                   "numbers are in the table below.")
        st.caption(" ".join(grid.notes()) + " Aoristic weighting (Ratcliffe 2000): an incident known to have "
                   "happened between two times adds the share of its window that falls in each hour, so a "
                   f"22:00-02:00 window adds a quarter to each of four hours. Windows over {MAX_WINDOW_DAYS} "
                   "days are cut to their first week. Times are clock times as recorded.")
        with st.expander(f"The numbers: {unit} by day and hour"):
            st.dataframe(grid.grid, width="stretch", column_config={
                h: st.column_config.NumberColumn(f"{h:02d}:00", format="%.1f", help=legend) for h in range(24)})

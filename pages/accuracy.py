"""Accuracy: how well each hotspot map predicts next month's crime (hit rate, PAI, RRI)."""

import altair as alt
import streamlit as st

from pages._ui import analysis as extra
from pages._ui import cache
from pages._ui.errors import synthetic_banner
from pages._ui.setup import page_setup
from pages._ui.widgets import spec_widget

s = page_setup()
st.title("Accuracy")
st.caption("A hotspot map is a forecast: it says where next month's crime will be. Here each method draws its map "
           "from earlier months and is judged on a month it did not see.")
synthetic_banner(cache.summary()["synthetic"])

loaded = extra.loaded_months(s)
if len(loaded) < 2:
    st.error(f"Testing a map needs at least 2 loaded months of {s.dataset} up to "
             f"{s.date_to or 'the last month'}: one to draw it from, the next to test it on; there "
             f"{'is' if len(loaded) == 1 else 'are'} {len(loaded)}.\n\n"
             "**How to fix it:** load more months on the Data page, or move the end of the period later.",
             icon=":material/error:")
    st.stop()

c1, c2 = st.columns(2)
train = int(spec_widget("train_months", where=c1, key="accuracy_train", value=extra.default_train_months(s),
                       label="Training months: months before each test month that a simple map counts",
                       help="The forecast and 'every earlier month' use all the months before; the other "
                            "methods the training months."))
choices = extra.possible_test_months(s, train)
if not choices:
    st.error(f"No month at the end of the period ({s.date_to or loaded[-1]}) has {train} loaded months before "
             f"it, so no map can be tested with {train} training months. Loaded months: "
             f"{extra.months_words(loaded)}.\n\n**How to fix it:** choose fewer training months, end the period "
             "later, or load earlier months.", icon=":material/error:")
    st.stop()
if len(choices) > 1:
    n_test = c2.slider("Test months: the last months of the period, each forecast from the months before it",
                       min_value=1, max_value=min(12, len(choices)), value=min(6, len(choices)))
else:
    n_test = 1
    c2.caption(f"Test month: {choices[-1]} (the only one possible with {train} training months).")
tests = tuple(choices[-int(n_test):])

acc = extra.accuracy(s, tests, train)
if not acc.split["n_test_mean"] > 0:
    st.info(f"There are no incidents of {extra.types_words(s)} in {extra.area_words(s)} in the test months "
            f"({', '.join(tests)}), so there is nothing to test the maps on. Choose other crime types or a "
            "larger area.", icon=":material/info:")
    st.stop()
words = extra.accuracy_words(acc, s)
st.caption(f"{s.dataset}; area: {extra.area_words(s)}; crime types: {extra.types_words(s)}; test months "
           f"{extra.months_words(list(tests))}; {train} training months.")

st.markdown(words["headline"])
for col, (label, value, why) in zip(st.columns(3), extra.accuracy_metrics(acc)):
    col.metric(label, value, help=why)

st.subheader("Every method on the same test months")
st.dataframe(acc.table, width="stretch", hide_index=True, column_config=extra.accuracy_column_config(acc))
st.caption("Means over the test months. Each map flags the same area at each share: hexagons in its order until "
           "their area reaches the share, the last one counted in part. Hit rate and harm caught in per cent of "
           "next month's incidents (harm); PAI and RRI are ratios.")

st.subheader("Hit rate against the share of the area flagged")
chart = alt.Chart(acc.curves).mark_line().encode(
    x=alt.X("area_pct:Q", title="Share of the area flagged (%)", scale=alt.Scale(domain=[0, extra.CURVE_MAX_PCT])),
    y=alt.Y("hit_pct:Q", title="Next month's incidents inside (%)", scale=alt.Scale(domain=[0, 100])),
    color=alt.Color("Method:N", title="Method",
                    legend=alt.Legend(orient="bottom", columns=2, labelLimit=320, symbolLimit=0)),
    strokeWidth=alt.condition("datum.recommended", alt.value(4), alt.value(1.5)),
    tooltip=[alt.Tooltip("Method:N"), alt.Tooltip("area_pct:Q", title="Area flagged (%)", format=".2f"),
             alt.Tooltip("hit_pct:Q", title="Incidents inside (%)", format=".1f")],
)
st.altair_chart(chart.properties(height=380), width="stretch",
                alt="Line chart: for each method, the share of next month's incidents inside the top hexagons as "
                    "the share of the area flagged grows; the numbers at 1, 2, 5 and 10 % are in the table above.")
st.caption(f"Up to {extra.CURVE_MAX_PCT:g} % of the area; the recommended forecast is the thick line.")

st.subheader("Which map to use, and why")
st.markdown(words["why"])
if words["here"]:
    st.markdown(words["here"])
st.markdown(words["study"])

"""Overview: what the store holds."""

import streamlit as st

from pages import _ui

_ui.page_setup()
st.title("Hotspots")
st.caption("Crime and harm hotspots for community safety partnerships in England and Wales.")
s = _ui.summary()
_ui.synthetic_banner(s["synthetic"])

c1, c2, c3 = st.columns(3)
c1.metric("Incidents stored", f"{s['rows']:,} incidents")
c2.metric("Months covered", f"{len(s['months'])} months",
          help=f"{s['months'][0]} to {s['months'][-1]}" if s["months"] else None)
c3.metric("Rows not used", f"{s['rejected']:,} rows", help="Rows without a usable location or value; "
          "each is listed with its reason on the Data page.")

if s["rows"]:
    st.subheader("Incidents by source and month")
    table = s["status"].pivot_table(index="month", columns="source", values="rows", aggfunc="sum", fill_value=0)
    table.columns = [{"police": "police.uk street crime", "rms": "Force records", "stop_search": "Stop and search",
                      "ae": "A&E assaults"}.get(c, c) for c in table.columns]
    st.dataframe(table, width="stretch", column_config={
        c: st.column_config.NumberColumn(c, format="localized", help="incidents") for c in table.columns})
else:
    st.info("The store is empty. Load police.uk files with `python -m hotspots ingest police FOLDER`.")

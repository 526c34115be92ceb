"""Overview: what the store holds."""

import pandas as pd
import streamlit as st

from pages import _ui

_ui.page_setup()
st.title("Hotspots")
st.caption("Crime and harm hotspots for community safety partnerships in England and Wales.")
s = _ui.summary()
_ui.synthetic_banner(s["synthetic"])

status = s["status"]
ae_rows = status.loc[status["source"] == "ae", "rows"] if len(status) else status.get("rows", [])
police_rows = s["rows"] - int(sum(ae_rows))
c1, c2, c3 = st.columns(3)
# A&E assaults are counted apart: their small counts are suppressed outside the Data page
c1.metric("Incidents stored", f"{police_rows:,} incidents", help="police.uk, stop and search and force records; "
          "A&E assaults are counted in their own column below.")
c2.metric("Months covered", f"{len(s['months'])} months",
          help=f"{s['months'][0]} to {s['months'][-1]}" if s["months"] else None)
c3.metric("Rows not used", f"{s['rejected']:,} rows", help="Rows without a usable location or value; "
          "each is listed with its reason on the Data page.")

if s["rows"]:
    st.subheader("Incidents by source and month")
    table = s["status"].pivot_table(index="month", columns="source", values="rows", aggfunc="sum", fill_value=0)
    if "ae" in table.columns:
        # A&E counts 1 to 7 are never shown outside the Data page (DOMAIN.md section 4); the
        # column total is not shown either, so nothing can be recovered by subtraction
        from hotspots.suppress import suppress_counts

        table["ae"] = pd.Series(suppress_counts(table["ae"].to_numpy(), with_total=False).labels(),
                                index=table.index, dtype=object)
    table.columns = [{"police": "police.uk street crime", "rms": "Force records", "stop_search": "Stop and search",
                      "ae": "A&E assaults"}.get(c, c) for c in table.columns]
    st.dataframe(table, width="stretch", column_config={
        c: st.column_config.NumberColumn(c, format="localized", help="incidents") for c in table.columns
        if c != "A&E assaults"})
    if "A&E assaults" in table.columns:
        st.caption("A&E assaults: counts from 1 to 7 are shown as \"1 to 7\" (NHS small-number practice).")
else:
    st.info("The store is empty. Load police.uk files with `python -m hotspots ingest police FOLDER`.")

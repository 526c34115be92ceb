"""Overview: what the store holds."""

import pandas as pd
import streamlit as st

from geo.constants import SOURCE_AE
from hotspots.tasks.overlay import PROTECTION_NOTE
from hotspots.methods.words import count_text, plural
from pages._ui import cache
from pages._ui.errors import synthetic_banner
from pages._ui.setup import page_setup

page_setup()
st.title("Store overview")
st.caption("Crime and harm hotspots for community safety partnerships in England and Wales.")
s = cache.summary()
synthetic_banner(s["synthetic"])

status = cache.shown_data(s)  # once real data is loaded, the synthetic sample is left out, as on every page
left_out = int(s["status"]["rows"].sum()) - int(status["rows"].sum()) if len(status) else 0
not_ae = status.loc[status["source"] != SOURCE_AE] if len(status) else status
months = sorted(status.loc[status["rows"] > 0, "month"].unique()) if len(status) else []
c1, c2, c3 = st.columns(3)
# A&E assaults are counted apart: their small counts are suppressed outside the Data page, and so are
# totals that hold them (the rows not used here are police.uk's, stop and search's and force records')
c1.metric("Incidents stored", plural(int(not_ae['rows'].sum()) if len(not_ae) else 0, "incident"),
          help="police.uk, stop and search and force records; A&E assaults are counted in their own column below.")
c2.metric("Months covered", plural(len(months), "month"),
          help=f"{months[0]} to {months[-1]}" if months else None)
c3.metric("Rows not used", plural(int(not_ae['rejected'].sum()) if len(not_ae) else 0, "row"),
          help="police.uk, stop-and-search and force-records rows without a usable location or value; each is "
               "listed with its reason on the Data page (A&E records not placed are listed on its A&E tab).")
if left_out:
    st.caption(f"The synthetic sample ({plural(left_out, 'row')}) is also in the store and is left out here and on every "
               "page now that real data is loaded; remove it on the Data page.")

if len(status) and int(status["rows"].sum()):
    st.subheader("Incidents by source and month")
    table = status.pivot_table(index="month", columns="source", values="rows", aggfunc="sum", fill_value=0)
    if "ae" in table.columns:
        # A&E counts leave through the one publication function (hotspots.tasks.ae_status): 1 to 7 hidden,
        # the rest perturbed by their records' cell keys; no column total, so nothing is subtracted from one.
        # The column is text ("1,234", "1 to 7"): one type, right-aligned as the number columns beside it
        ae_month = cache.ae_published(status).by_month.set_index("month")["rows"]
        table["ae"] = pd.Series([count_text(ae_month.get(m, 0)) for m in table.index], index=table.index,
                                dtype=object)
    table.columns = [{"police": "police.uk street crime", "rms": "Force records", "stop_search": "Stop and search",
                      "ae": "A&E assaults"}.get(c, c) for c in table.columns]
    table.index.name = "Month"
    st.dataframe(table, width="stretch", column_config={
        c: (st.column_config.TextColumn(c, alignment="right", help="A&E assaults (1 to 7 not shown)")
            if c == "A&E assaults" else st.column_config.NumberColumn(c, format="localized", help="incidents"))
        for c in table.columns})
    if "A&E assaults" in table.columns:
        st.caption("A&E assaults: counts from 1 to 7 are shown as \"1 to 7\" (NHS small-number practice). "
                   + PROTECTION_NOTE)
else:
    st.info("The store is empty. Load police.uk files with `python -m hotspots ingest police FOLDER`.")

"""JAG briefing: what changed this month and what the partnership could do, ready to project.

Presentation mode is the user's choice (the sidebar's "Presentation mode (projector)", or the
button here): large type, no sidebar, each section one 16:9 screen. The PDF and the PowerPoint
deck are made from the same content.
"""

import streamlit as st

from hotspots.defaults import AE_SUPPRESS_MAX
from pages._ui import briefing as bu
from pages._ui import cache
from pages._ui.errors import md_escape, synthetic_banner
from pages._ui.setup import page_setup

s = page_setup()
st.markdown(bu.page_css(s.presentation), unsafe_allow_html=True)  # our own constant CSS, no data in it
st.title("JAG briefing")
synthetic_banner(cache.summary()["synthetic"])
if not s.presentation:
    st.button("Present on a projector (large type, no sidebar)", on_click=bu.present, icon=":material/slideshow:")
area, month = bu.choices(s)
if month is None:
    st.info("No police.uk months are loaded yet: load police.uk files on the Data page.", icon=":material/info:")
    st.stop()

b = bu.briefing(area, month)
name = b.title.removeprefix("JAG briefing: ")
st.subheader(md_escape(name[:1].upper() + name[1:]))
st.caption(md_escape(b.subtitle))
stem = bu.file_stem(b)
c1, c2 = st.columns(2)
c1.download_button("Download the PDF", bu.briefing_file("pdf", area, month), file_name=f"{stem}.pdf", mime="application/pdf",
                   icon=":material/picture_as_pdf:", width="stretch")
c2.download_button("Download the PowerPoint deck", bu.briefing_file("pptx", area, month), file_name=f"{stem}.pptx",
                   mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                   icon=":material/slideshow:", width="stretch")
st.caption("Both files hold the same sections as this page, one page or slide each; the PDF's data notes "
           f"list the commands that reproduce each section. A&E counts from 1 to {AE_SUPPRESS_MAX} are never shown.")
for sec in b.sections:
    bu.show_section(sec, s.presentation)
if not s.presentation:  # for analysts at their desk, never on the projected screen
    with st.expander("Commands that reproduce this briefing (for analysts)"):
        st.code("\n".join([f"python -m hotspots brief --month {b.month} --out briefing.pdf"] + bu.commands(b)),
                language="bash")

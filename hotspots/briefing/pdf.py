"""The briefing as a PDF: a title page, then one page per section, in projector type."""

from __future__ import annotations

from hotspots.briefing.model import Briefing
from hotspots.briefing.words import page_words, reproduce_lines
from hotspots.outputs.sheets import Sheet

__all__ = ["briefing_pdf"]


# --------------------------------------------------------------------------- #
# The PDF                                                                      #
# --------------------------------------------------------------------------- #
#: Body type of the PDF (points). Sheet's projector type is 20 pt; at 20 pt a ten-row table of
#: six columns does not fit one A4 landscape page, so the briefing scales it to 16 pt
#: (table text 14.4 pt): still readable projected, one page per section.
PDF_BODY_PT = 16.0


#: Type beside a map (points): the table and notes of an action share the page with its map.
PDF_BESIDE_PT = 12.0


def _briefing_sheet(*args, **kwargs):
    """A Sheet with projector type at ``PDF_BODY_PT``."""
    return Sheet(*args, body_pt=PDF_BODY_PT, **kwargs)


def briefing_pdf(b: Briefing) -> bytes:
    """The briefing as a PDF: a title page, then one page per section, projector type.

    A section with a map prints it large: across the page when it has no table, beside
    its table otherwise. Each section is kept to its page (shrunk a little if it would
    overflow). The commands that reproduce each section are listed in the data notes.
    """
    doc = _briefing_sheet(b.title, subtitle=b.subtitle, synthetic=b.synthetic, large=True, fit_pages=True)
    for label, value, note in b.section("headline").metrics[:1]:
        doc.text(f"{label}: {value}")
    doc.text("Sections: " + "; ".join(s.heading + (" (not available)" if s.missing else "") for s in b.sections)
             + ".")
    commands = reproduce_lines(b)
    for s in b.sections:
        doc.page_break()
        doc.heading(s.heading)
        if s.missing:
            doc.text(s.missing)
        beside = s.image is not None and s.table is not None
        # beside a map the text is set smaller so the section keeps to its page
        small = PDF_BESIDE_PT if beside else None
        if beside:
            doc.columns(0.52)
            doc.image(s.image, height_frac=0.86)
            if s.image_caption:
                doc.text(s.image_caption, small)
            doc.next_column()
        for label, value, note in s.metrics:
            doc.text(f"{label}: {value}" + (f" ({note})" if note else ""), small)
        if s.image is not None and not beside:
            doc.image(s.image, height_frac=0.78)
            if s.image_caption:
                doc.text(s.image_caption)
        if s.table is not None:
            doc.table(s.table, size_pt=small)
            if s.table_note:
                doc.text(s.table_note, small)
        if s.text:
            doc.bullets(s.text, small)
        if page_words(s):
            doc.text(page_words(s), small)
        if s.key == "notes" and commands:
            doc.text("For analysts, the commands that reproduce each section:", PDF_BODY_PT * 0.75)
            doc.bullets(commands, PDF_BODY_PT * 0.7)
        if beside:
            doc.end_columns()
    return doc.to_pdf()

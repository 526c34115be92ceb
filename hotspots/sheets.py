"""Printable sheets: PDF documents of headings, text, maps and tables (reportlab).

Patrol sheets, camera plans, sweep sheets and the JAG briefing are built from the same
few blocks. The document is A4 landscape; ``large=True`` sets projector type (readable
from the back of a room). Every piece of text is escaped before reportlab's paragraph
markup sees it, so a location called ``<b>x</b>`` prints as those characters. Sample
data says "SYNTHETIC" on every page.

The font is DejaVu Sans, which matplotlib ships, so characters such as "km²", "≥" and
"£" print on any machine without a font download.

Examples
--------
>>> import pandas as pd
>>> doc = Sheet("Patrol sheet", subtitle="Watford, 2021-12", synthetic=True)
>>> doc.heading("Areas")
>>> doc.text("Visit each area for 10-15 minutes, <in random order>.")
>>> doc.table(pd.DataFrame({"Area": [1, 2], "Share of crime (%)": [3.5, 2.25]}))
>>> pdf = doc.to_pdf()
>>> pdf[:5]
b'%PDF-'
"""

from __future__ import annotations

import datetime as _dt
import io
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

__all__ = ["Sheet", "register_fonts"]

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
_REGISTERED = False


def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (from matplotlib's data folder) with reportlab, once.

    Falls back to Helvetica if the files are missing (then only Latin-1 text prints).
    """
    global _REGISTERED, FONT, FONT_BOLD
    if _REGISTERED:
        return FONT, FONT_BOLD
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        import matplotlib

        ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(ttf / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(ttf / "DejaVuSans-Bold.ttf")))
        from reportlab.lib.fonts import addMapping

        addMapping("DejaVuSans", 0, 0, "DejaVuSans")
        addMapping("DejaVuSans", 1, 0, "DejaVuSans-Bold")
    except Exception:  # pragma: no cover - matplotlib always ships these
        FONT, FONT_BOLD = "Helvetica", "Helvetica-Bold"
    _REGISTERED = True
    return FONT, FONT_BOLD


def _cell_text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, (float, np.floating)):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1e15 else f"{v:.3g}"
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return f"{int(v):,}"
    return str(v)


def _column_text(col: pd.Series) -> list[str]:
    """A column as printed text: floats with the same number of decimals (0-2) down the column.

    >>> _column_text(pd.Series([3.25, 2.0, None]))
    ['3.25', '2.00', '']
    >>> _column_text(pd.Series([1200.0, 3.0]))
    ['1,200', '3']
    """
    if pd.api.types.is_float_dtype(col):
        v = col.to_numpy(dtype=float)
        ok = v[np.isfinite(v)]
        decimals = 0
        for d in (0, 1, 2):
            decimals = d
            if np.allclose(np.round(ok, d), ok, atol=1e-9):
                break
        return ["" if not np.isfinite(x) else f"{x:,.{decimals}f}" for x in v]
    return [_cell_text(v) for v in col]


class Sheet:
    """A PDF document built block by block.

    Parameters
    ----------
    title, subtitle : str
        Printed at the top of the first page (and the title in every footer).
    synthetic : bool
        Mark every page "SYNTHETIC sample data, not real crime".
    large : bool
        Projector type: 20 pt body text instead of 10 pt.
    body_pt : float, optional
        The body type size in points, overriding ``large`` (headings and tables scale with it).
    landscape : bool
        A4 landscape (default) or portrait.
    """

    def __init__(self, title: str, subtitle: str = "", synthetic: bool = False, large: bool = False,
                 landscape: bool = True, body_pt: float | None = None):
        self.title, self.subtitle = str(title), str(subtitle)
        self.body_pt = float(body_pt) if body_pt else (20.0 if large else 10.0)
        self.synthetic, self.large, self.landscape = bool(synthetic), bool(large), bool(landscape)
        self._blocks: list[tuple[str, object]] = []
        self.generated = _dt.datetime.now().strftime("%d %B %Y, %H:%M")

    # -- blocks --------------------------------------------------------------------
    def heading(self, text: str) -> None:
        self._blocks.append(("heading", str(text)))

    def text(self, text: str) -> None:
        self._blocks.append(("text", str(text)))

    def bullets(self, items) -> None:
        self._blocks.append(("bullets", [str(i) for i in items]))

    def image(self, png: bytes, height_frac: float = 0.7) -> None:
        """A PNG image, scaled to fit the page width and ``height_frac`` of the page's text height."""
        self._blocks.append(("image", (bytes(png), float(height_frac))))

    def table(self, df: pd.DataFrame, max_rows: int | None = None) -> None:
        """A table with a header row; long text wraps; numbers are right-aligned with thousands separators."""
        self._blocks.append(("table", (df.copy(), max_rows)))

    def page_break(self) -> None:
        self._blocks.append(("break", None))

    # -- output ----------------------------------------------------------------------
    def _styles(self):
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        font, bold = register_fonts()
        body = self.body_pt
        return {
            "title": ParagraphStyle("title", fontName=bold, fontSize=body * 2.0, leading=body * 2.4,
                                    spaceAfter=body * 0.3, textColor=colors.black),
            "subtitle": ParagraphStyle("subtitle", fontName=font, fontSize=body * 1.2, leading=body * 1.5,
                                       spaceAfter=body * 0.8, textColor=colors.HexColor("#333333")),
            "heading": ParagraphStyle("heading", fontName=bold, fontSize=body * 1.45, leading=body * 1.8,
                                      spaceBefore=body * 0.8, spaceAfter=body * 0.4),
            "body": ParagraphStyle("body", fontName=font, fontSize=body, leading=body * 1.3, spaceAfter=body * 0.4),
            "cell": ParagraphStyle("cell", fontName=font, fontSize=body * 0.9, leading=body * 1.1),
            "head": ParagraphStyle("head", fontName=bold, fontSize=body * 0.9, leading=body * 1.1,
                                   textColor=colors.white),
            "body_size": body,
        }

    def _para(self, text: str, style):
        from reportlab.platypus import Paragraph

        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    def _table(self, df: pd.DataFrame, max_rows: int | None, width: float, st):
        from reportlab.lib import colors
        from reportlab.platypus import LongTable, TableStyle

        shown = df if max_rows is None else df.head(max_rows)
        numeric = [pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
                   for c in shown.columns]
        header = [self._para(str(c), st["head"]) for c in shown.columns]
        rows = [header]
        text = pd.DataFrame({c: _column_text(shown[c]) for c in shown.columns}, index=shown.index)
        for rec in text.itertuples(index=False):
            rows.append([self._para(v, st["cell"]) for v in rec])
        # column widths: proportional to content length, within limits
        lengths = np.array([max([len(str(c))] + [len(v) for v in text[c].head(50)])
                            for c in shown.columns], dtype=float)
        lengths = np.clip(lengths, 7, 40)  # short headers ("Site", "Rank") must not wrap
        widths = list(width * lengths / lengths.sum()) if len(lengths) else []
        t = LongTable(rows, colWidths=widths, repeatRows=1)
        style = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f3b5a")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                 ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f0f0f0")])]
        for j, is_num in enumerate(numeric):
            if is_num:
                for i in range(1, len(rows)):
                    rows[i][j].style = rows[i][j].style.clone(f"num{j}", alignment=2)
        t.setStyle(TableStyle(style))
        out = [t]
        if max_rows is not None and len(df) > max_rows:
            out.append(self._para(f"The first {max_rows:,} of {len(df):,} rows are shown.", st["body"]))
        return out

    def to_pdf(self) -> bytes:
        """The document as PDF bytes."""
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.units import mm
        from reportlab.platypus import Image, KeepTogether, ListFlowable, ListItem, PageBreak, SimpleDocTemplate, Spacer

        st = self._styles()
        size = landscape(A4) if self.landscape else A4
        margin = 12 * mm
        buf = io.BytesIO()
        font, bold = register_fonts()
        title, synthetic, generated = self.title, self.synthetic, self.generated

        def decorate(canvas, doc):
            canvas.saveState()
            canvas.setFont(font, 8)
            canvas.setFillColor(colors.HexColor("#333333"))
            canvas.drawString(margin, 6 * mm, f"{title}  |  generated {generated}")
            canvas.drawRightString(size[0] - margin, 6 * mm, f"Page {doc.page}")
            if synthetic:
                canvas.setFont(bold, 10)
                canvas.setFillColor(colors.HexColor("#c00000"))
                canvas.drawRightString(size[0] - margin, size[1] - 7 * mm, "SYNTHETIC sample data, not real crime")
            canvas.restoreState()

        doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin,
                                bottomMargin=margin, title=self.title, author="Hotspots",
                                subject=self.subtitle)
        width, height = doc.width, doc.height
        story: list = [self._para(self.title, st["title"])]
        if self.subtitle:
            story.append(self._para(self.subtitle, st["subtitle"]))
        if synthetic:
            story.append(self._para("SYNTHETIC sample data, not real crime: for training and testing only.",
                                    st["subtitle"]))
        for kind, value in self._blocks:
            if kind == "heading":
                story.append(self._para(value, st["heading"]))
            elif kind == "text":
                story.append(self._para(value, st["body"]))
            elif kind == "bullets":
                items = [ListItem(self._para(v, st["body"]), leftIndent=st["body_size"]) for v in value]
                story.append(ListFlowable(items, bulletType="bullet", start="•", bulletFontName=font,
                                          bulletFontSize=st["body_size"]))
            elif kind == "image":
                png, frac = value
                from reportlab.lib.utils import ImageReader

                iw, ih = ImageReader(io.BytesIO(png)).getSize()
                scale = min(width / iw, frac * height / ih)
                story.append(KeepTogether([Image(io.BytesIO(png), width=iw * scale, height=ih * scale),
                                           Spacer(1, 3 * mm)]))
            elif kind == "table":
                df, max_rows = value
                story.extend(self._table(df, max_rows, width, st))
                story.append(Spacer(1, 3 * mm))
            elif kind == "break":
                story.append(PageBreak())
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
        return buf.getvalue()

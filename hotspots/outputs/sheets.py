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

__all__ = ["Sheet", "column_widths", "register_fonts"]

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


def column_text(col: pd.Series) -> list[str]:
    """A column as printed text: floats with the same number of decimals (0-2) down the column.

    >>> column_text(pd.Series([3.25, 2.0, None]))
    ['3.25', '2.00', '']
    >>> column_text(pd.Series([1200.0, 3.0]))
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


#: Points added to every column's minimum width: reportlab measures a word character by character, and the
#: float sum can exceed ``stringWidth`` of the whole word by 1e-14, which was enough to break "Visit" into
#: "Visi t" and "13,393" into "13,39 / 3" in a column exactly as wide as the word.
WIDTH_SLACK_PT = 1.0

#: A number column's header wraps to at most this many lines (between words) before the column widens.
HEADER_MAX_LINES = 3


def _wrapped_lines(text: str, width: float, font: str, size: float) -> int:
    """How many lines ``text`` takes when wrapped between words at ``width`` points (a word never splits)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    space = stringWidth(" ", font, size)
    lines, used = 1, 0.0
    for word in str(text).split():
        w = stringWidth(word, font, size)
        if used and used + space + w > width:
            lines, used = lines + 1, w
        else:
            used = used + space + w if used else w
    return lines


def column_widths(headers, columns, width: float, font: str, bold: str, size: float,
                  pad: float = 12.0) -> tuple[list[float], float]:
    """Table column widths (points), sized from their content, that never break a word or a number.

    A column whose cells are single words (numbers, times, codes) is exactly as wide as its widest
    cell, or as its header needs to fit in at most three lines (whole words), whichever is wider: such
    a column never wraps. A text column (cells with spaces) is at least as wide as its longest word and
    shares the rest of the width in proportion to its longest cell, wrapping between words. When even
    the minimum widths do not fit, the type must shrink: the returned factor (< 1) says by how much, and
    the widths are those the smaller type needs (the padding does not shrink).

    Returns
    -------
    (widths, scale)

    Examples
    --------
    >>> w, k = column_widths(["Visit", "Area"], [["1", "2"], ["Market Place", "High Street"]], 300,
    ...                      "Helvetica", "Helvetica-Bold", 10)
    >>> round(sum(w)), k
    (300, 1.0)
    >>> from reportlab.pdfbase.pdfmetrics import stringWidth
    >>> bool(w[0] >= stringWidth("Visit", "Helvetica-Bold", 10) + 12)
    True
    >>> w, k = column_widths(["Area (m²)", "Streets"], [["13,393"], ["Bell Lane; Church Lane"]], 200,
    ...                      "Helvetica", "Helvetica-Bold", 10)
    >>> bool(w[0] > stringWidth("13,393", "Helvetica", 10) + 12), k
    (True, 1.0)
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    n = len(headers)
    if n == 0:
        return [], 1.0
    pad = float(pad) + WIDTH_SLACK_PT
    word_w, fixed_w, text_w, is_text = [], [], [], []
    for h, col in zip(headers, columns):
        vals = [str(v) for v in list(col)[:500]]
        h = str(h)
        words = [stringWidth(w, bold, size) for w in h.split()] + \
                [stringWidth(w, font, size) for v in vals for w in v.split()]
        longest_word = max(words + [size])
        text = any(len(v.split()) > 1 for v in vals)
        full = max([stringWidth(v, font, size) for v in vals] + [0.0])
        # the narrowest width at which the header takes at most HEADER_MAX_LINES lines
        head_w = max(longest_word, stringWidth(h, bold, size) / HEADER_MAX_LINES)
        while _wrapped_lines(h, head_w, bold, size) > HEADER_MAX_LINES:
            head_w += size * 0.5
        word_w.append(longest_word)
        fixed_w.append(max(full, head_w, longest_word))
        text_w.append(max(full, stringWidth(h, bold, size) / HEADER_MAX_LINES, longest_word))
        is_text.append(text)
    word_a = np.array(word_w)
    is_text_a = np.array(is_text)
    # the content widths (without padding): fixed columns at their natural width, text columns at their longest word
    need = np.where(is_text_a, word_a, np.array(fixed_w))
    room = width - n * pad
    if need.sum() > room:
        # shrink the type: first let the fixed columns wrap their headers too (down to the longest word)
        if word_a.sum() >= room or room <= 0:
            k = max(room, 1.0) / word_a.sum()
            return [float(v) for v in word_a * k + pad], float(min(k, 1.0))
        need = word_a.copy()
        give = (width - n * pad) - need.sum()
        want = np.where(is_text_a, 0.0, np.array(fixed_w) - word_a)
        if want.sum() > 0:
            need = need + want * min(1.0, give / want.sum())
        return [float(v) for v in need + pad], 1.0
    # the room left goes to the text columns, in proportion to their longest cell (up to it, then beyond)
    spare = room - need.sum()
    w = need.copy()
    if is_text_a.any():
        pref = np.where(is_text_a, np.minimum(np.array(text_w), 40 * size), 0.0)
        for _ in range(20):
            short = is_text_a & (w < pref - 1e-9)
            if spare <= 1e-9 or not short.any():
                break
            gap = np.where(short, pref - w, 0.0)
            add = np.minimum(gap, spare * gap / gap.sum())
            w, spare = w + add, spare - add.sum()
        if spare > 1e-9:
            share = np.where(is_text_a, np.maximum(np.array(text_w), 1.0), 0.0)
            w = w + spare * share / share.sum()
    else:
        w = w + spare * np.array(fixed_w) / max(np.array(fixed_w).sum(), 1e-9)
    return [float(v) for v in w + pad], 1.0


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
    fit_pages : bool
        Keep each page's blocks (between page breaks) on that page, shrinking them a little
        when they would overflow, instead of spilling onto a near-empty page (slides, briefings).
    """

    def __init__(self, title: str, subtitle: str = "", synthetic: bool = False, large: bool = False,
                 landscape: bool = True, body_pt: float | None = None, fit_pages: bool = False):
        self.title, self.subtitle = str(title), str(subtitle)
        self.body_pt = float(body_pt) if body_pt else (20.0 if large else 10.0)
        self.synthetic, self.large, self.landscape = bool(synthetic), bool(large), bool(landscape)
        self._blocks: list[tuple[str, object]] = []
        self.fit_pages = bool(fit_pages)
        self.generated = _dt.datetime.now().strftime("%d %B %Y, %H:%M")

    # -- blocks --------------------------------------------------------------------
    def heading(self, text: str) -> None:
        self._blocks.append(("heading", str(text)))

    def text(self, text: str, size_pt: float | None = None) -> None:
        """A paragraph; ``size_pt`` overrides the body type size (e.g. smaller beside a map)."""
        self._blocks.append(("text", (str(text), size_pt)))

    def bullets(self, items, size_pt: float | None = None) -> None:
        self._blocks.append(("bullets", ([str(i) for i in items], size_pt)))

    def image(self, png: bytes, height_frac: float = 0.7) -> None:
        """A PNG image, scaled to fit the page width and ``height_frac`` of the page's text height."""
        self._blocks.append(("image", (bytes(png), float(height_frac))))

    def table(self, df: pd.DataFrame, max_rows: int | None = None, size_pt: float | None = None) -> None:
        """A table with a header row; long text wraps between words (never inside a word or number);
        numbers are right-aligned with thousands separators. ``size_pt``: the table's type size."""
        self._blocks.append(("table", (df.copy(), max_rows, size_pt)))

    def page_break(self) -> None:
        self._blocks.append(("break", None))

    def columns(self, left_frac: float = 0.58) -> None:
        """Start two columns: the blocks that follow go in the left column (``left_frac`` of
        the width) until :meth:`next_column`, then in the right one until :meth:`end_columns`.
        Use it to print a map beside its table."""
        self._blocks.append(("columns", float(left_frac)))

    def next_column(self) -> None:
        self._blocks.append(("next_column", None))

    def end_columns(self) -> None:
        self._blocks.append(("end_columns", None))

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
                                      spaceBefore=body * 0.8, spaceAfter=body * 0.4, keepWithNext=1),
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
        text = pd.DataFrame({c: column_text(shown[c]) for c in shown.columns}, index=shown.index)
        for rec in text.itertuples(index=False):
            rows.append([self._para(v, st["cell"]) for v in rec])
        widths, scale = column_widths([str(c) for c in shown.columns], [list(text[c]) for c in shown.columns],
                                      width, st["cell"].fontName, st["head"].fontName, st["cell"].fontSize)
        if scale < 1.0:  # even the longest words do not fit side by side: smaller type, never broken words
            cell = st["cell"].clone("cell_small", fontSize=st["cell"].fontSize * scale,
                                    leading=st["cell"].leading * scale)
            head = st["head"].clone("head_small", fontSize=st["head"].fontSize * scale,
                                    leading=st["head"].leading * scale)
            rows = [[self._para(str(c), head) for c in shown.columns]]
            for rec in text.itertuples(index=False):
                rows.append([self._para(v, cell) for v in rec])
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

    @staticmethod
    def _sized(style, pt: float | None):
        if not pt:
            return style
        k = float(pt) / style.fontSize
        return style.clone(f"{style.name}_{pt:g}", fontSize=float(pt), leading=style.leading * k,
                           spaceAfter=style.spaceAfter * k, spaceBefore=style.spaceBefore * k)

    @staticmethod
    def _two_columns(cols, width: float, flow):
        from reportlab.platypus import Table, TableStyle

        gap = 8.0
        lw = width * cols[0] - gap / 2
        rw = width - lw - gap
        left = [f for k, v in cols[1] for f in flow(k, v, lw)]
        right = [f for k, v in cols[2] for f in flow(k, v, rw)]
        t = Table([[left or "", right or ""]], colWidths=[lw + gap / 2, rw + gap / 2])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (0, 0), gap / 2), ("LEFTPADDING", (1, 0), (1, 0), gap / 2),
                               ("RIGHTPADDING", (1, 0), (1, 0), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
        return t

    def to_pdf(self) -> bytes:
        """The document as PDF bytes."""
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.units import mm
        from reportlab.platypus import Image, KeepTogether, ListFlowable, ListItem, PageBreak, SimpleDocTemplate

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
        # the frame's own padding (6 pt a side) narrows what a flowable may use
        width, height = doc.width - 12, doc.height
        story: list = [self._para(self.title, st["title"])]
        if self.subtitle:
            story.append(self._para(self.subtitle, st["subtitle"]))
        if synthetic:
            story.append(self._para("SYNTHETIC sample data, not real crime: for training and testing only.",
                                    st["subtitle"]))

        def flow(kind, value, w):
            if kind == "heading":
                return [self._para(value, st["heading"])]
            if kind == "text":
                text, pt = value
                return [self._para(text, self._sized(st["body"], pt))]
            if kind == "bullets":
                items, pt = value
                body = self._sized(st["body"], pt)
                # the bullet on the text's margin (under a heading's first letter), the text indented after it
                lis = [ListItem(self._para(v, body), leftIndent=body.fontSize * 1.2) for v in items]
                return [ListFlowable(lis, bulletType="bullet", start="•", bulletFontName=font,
                                     bulletFontSize=body.fontSize, leftIndent=body.fontSize * 1.2,
                                     bulletDedent=body.fontSize * 1.2)]
            if kind == "image":
                png, frac = value
                from reportlab.lib.utils import ImageReader

                iw, ih = ImageReader(io.BytesIO(png)).getSize()
                scale = min(w / iw, frac * height / ih)
                img = Image(io.BytesIO(png), width=iw * scale, height=ih * scale)
                # space after, not a Spacer: a Spacer that does not fit starts a page holding nothing else
                img.spaceAfter = 3 * mm
                # table cells and KeepInFrame cannot hold a KeepTogether
                return [img] if (w < width or self.fit_pages) else [KeepTogether([img])]
            if kind == "table":
                df, max_rows, pt = value
                tst = dict(st)
                if pt:
                    tst["cell"] = self._sized(st["cell"], pt)
                    tst["head"] = self._sized(st["head"], pt)
                    tst["body"] = self._sized(st["body"], pt)
                out = self._table(df, max_rows, w, tst)
                out[-1].spaceAfter = max(getattr(out[-1], "spaceAfter", 0) or 0, 3 * mm)
                return out
            if kind == "break":
                return [PageBreak()]
            return []

        cols = None  # [left_frac, left blocks, right blocks, which]
        for kind, value in self._blocks:
            if kind == "columns":
                cols = [value, [], [], 1]
            elif kind == "next_column" and cols is not None:
                cols[3] = 2
            elif kind == "end_columns" and cols is not None:
                story.append(self._two_columns(cols, width, flow))
                cols = None
            elif cols is not None:
                cols[cols[3]].append((kind, value))
            else:
                story.extend(flow(kind, value, width))
        if cols is not None:
            story.append(self._two_columns(cols, width, flow))
        if self.fit_pages:
            from reportlab.platypus import KeepInFrame

            pages, current = [], []
            for f in story:
                if isinstance(f, PageBreak):
                    pages.append(current)
                    current = []
                else:
                    current.append(f)
            pages.append(current)
            story = []
            for i, content in enumerate(pages):
                if i:
                    story.append(PageBreak())
                # a hair under the frame: the frame's own padding must not push it over
                story.append(KeepInFrame(width - 0.5, height - 13, content, mode="shrink"))
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
        return buf.getvalue()

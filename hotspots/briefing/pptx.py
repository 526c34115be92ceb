"""The JAG briefing as a PowerPoint deck (python-pptx): one slide per section.

The deck is laid out from the same :class:`hotspots.briefing.model.Briefing` as the PDF and
the app page, so all three say the same. Slides are 16:9, black on white, with large
type (body 18-20 pt, headings 30 pt, big numbers 36 pt) for projection; maps are the
briefing's static PNG images (no tiles, no network). python-pptx writes text as plain
text runs, so text from data files cannot become markup. Sample data says
"SYNTHETIC" on every slide.

Examples
--------
>>> from hotspots.briefing.model import Briefing, Section
>>> import pandas as pd
>>> b = Briefing("JAG briefing: Test, June 2021", "subtitle", "Test", "2021-06", "2021-05", "2020-06", True,
...              [Section("headline", "a", "Headline", metrics=[("Crimes", "12", "")],
...                       table=pd.DataFrame({"Crime type": ["All crime"], "Jun 2021": [12]}))], {})
>>> data = briefing_pptx(b)
>>> data[:2]
b'PK'
"""

from __future__ import annotations

import io
import math

import pandas as pd
from hotspots.outputs.sheets import column_text, column_widths, register_fonts
from hotspots.briefing.words import page_words, reproduce_lines

__all__ = ["briefing_pptx"]

#: Slide size: 16:9 widescreen, inches.
SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5
#: Type sizes (points): readable from the back of a meeting room.
TITLE_PT, BODY_PT, TABLE_PT, BIG_PT, SMALL_PT = 28, 18, 16, 34, 13
BLACK, GREY, RED, HEAD_FILL, ROW_FILL = "000000", "333333", "C00000", "1F3B5A", "F0F0F0"


def _rgb(hex_: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_)


def _lines(text: str, width_in: float, pt: float) -> int:
    """Estimated wrapped lines of text in a box (average width ~0.58 em a character, generous)."""
    per_line = max(8, int(width_in * 72 / (0.58 * pt)))
    return max(1, sum(math.ceil(max(1, len(part)) / per_line) for part in str(text).split("\n")))


def _textbox(slide, left, top, width, height, paragraphs, pt=BODY_PT, bold=False, colour=BLACK, bullets=False):
    """A text box with one paragraph per item; returns the box. Text is plain (no markup)."""
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    tf = box.text_frame
    tf.word_wrap = True
    for i, item in enumerate(paragraphs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = ("• " if bullets else "") + str(item)
        run.font.size = Pt(pt)
        run.font.bold = bold
        run.font.color.rgb = _rgb(colour)
        p.space_after = Pt(pt * 0.35)
    return box


def _frame(prs, b, heading: str, page: int):
    """A blank slide with its heading, the footer and (on sample data) the SYNTHETIC stamp."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _textbox(slide, 0.45, 0.25, SLIDE_W_IN - 0.9 - (2.6 if b.synthetic else 0), 0.8, [heading], pt=TITLE_PT,
             bold=True)
    if b.synthetic:
        _textbox(slide, SLIDE_W_IN - 2.95, 0.15, 2.6, 0.7, ["SYNTHETIC sample data, not real crime"], pt=SMALL_PT,
                 bold=True, colour=RED)
    _textbox(slide, 0.45, SLIDE_H_IN - 0.45, SLIDE_W_IN - 0.9, 0.35, [f"{b.title}  |  slide {page}"],
             pt=SMALL_PT - 2, colour=GREY)
    return slide


def _table(slide, df: pd.DataFrame, left, top, width, pt=TABLE_PT) -> float:
    """A table (header row dark, white text); returns its estimated height in inches."""
    from pptx.util import Inches, Pt

    text = pd.DataFrame({c: column_text(df[c]) for c in df.columns}, index=df.index)
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]

    # no word or number is broken across lines ("Visi t"): each column at least its longest word
    font, bold = register_fonts()
    widths_pt, scale = column_widths([str(c) for c in df.columns], [list(text[c]) for c in df.columns], width * 72,
                                     font, bold, pt, pad=0.12 * 72 + 4)
    widths = [w / 72 for w in widths_pt]
    pt = pt * scale if scale < 1 else pt
    rows = len(df) + 1
    heights = []
    for i in range(rows):
        cells = [str(c) for c in df.columns] if i == 0 else list(text.iloc[i - 1])
        heights.append(max(_lines(v, w - 0.15, pt) for v, w in zip(cells, widths)) * pt * 1.25 / 72 + 0.12)
    shape = slide.shapes.add_table(rows, len(df.columns), Inches(left), Inches(top), Inches(width),
                                   Inches(sum(heights)))
    table = shape.table
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)
    for i in range(rows):
        table.rows[i].height = Inches(heights[i])
        for j in range(len(df.columns)):
            cell = table.cell(i, j)
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            value = str(df.columns[j]) if i == 0 else text.iloc[i - 1, j]
            tf = cell.text_frame
            tf.word_wrap = True
            p = tf.paragraphs[0]
            run = p.add_run()
            run.text = value
            run.font.size = Pt(pt)
            run.font.bold = i == 0
            run.font.color.rgb = _rgb("FFFFFF" if i == 0 else BLACK)
            if numeric[j] and i > 0:
                from pptx.enum.text import PP_ALIGN

                p.alignment = PP_ALIGN.RIGHT
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(HEAD_FILL if i == 0 else ("FFFFFF" if i % 2 else ROW_FILL))
    return sum(heights)


def _picture(slide, png: bytes, left, top, max_w, max_h) -> tuple[float, float]:
    from PIL import Image
    from pptx.util import Inches

    w_px, h_px = Image.open(io.BytesIO(png)).size
    scale = min(max_w / w_px, max_h / h_px)
    w, h = w_px * scale, h_px * scale
    slide.shapes.add_picture(io.BytesIO(png), Inches(left), Inches(top), Inches(w), Inches(h))
    return w, h


def _metrics(slide, metrics, left, top, width) -> float:
    """Big numbers side by side (label above, note below); returns the height used."""
    if not metrics:
        return 0.0
    n = len(metrics)
    w = width / n
    tallest = 0.0
    for i, (label, value, note) in enumerate(metrics):
        x = left + i * w
        lab_h = _lines(label, w - 0.2, BODY_PT - 2) * (BODY_PT - 2) * 1.3 / 72
        _textbox(slide, x, top, w - 0.1, lab_h + 0.05, [label], pt=BODY_PT - 2, colour=GREY)
        big_pt = BIG_PT if len(str(value)) <= 14 else 24
        val_h = _lines(value, w - 0.2, big_pt) * big_pt * 1.25 / 72
        _textbox(slide, x, top + lab_h, w - 0.1, val_h + 0.05, [value], pt=big_pt, bold=True)
        note_h = (_lines(note, w - 0.2, SMALL_PT) * SMALL_PT * 1.3 / 72) if note else 0.0
        if note:
            _textbox(slide, x, top + lab_h + val_h + 0.05, w - 0.1, note_h, [note], pt=SMALL_PT, colour=GREY)
        tallest = max(tallest, lab_h + val_h + note_h + 0.2)
    return tallest


def _text_height(items, width, pt) -> float:
    return sum(_lines(t, width - 0.3, pt) * pt * 1.25 / 72 + pt * 0.35 / 72 for t in items) + 0.15


def briefing_pptx(b) -> bytes:
    """The briefing as a .pptx deck: a title slide, then one slide per section.

    Parameters
    ----------
    b : hotspots.briefing.model.Briefing

    Returns
    -------
    bytes
        The .pptx file.
    """
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
    page = 1
    slide = _frame(prs, b, b.title, page)
    y = 1.4
    _textbox(slide, 0.45, y, SLIDE_W_IN - 0.9, 1.0, [b.subtitle], pt=BODY_PT + 2, colour=GREY)
    y += 1.1
    if b.synthetic:
        _textbox(slide, 0.45, y, SLIDE_W_IN - 0.9, 0.5,
                 ["SYNTHETIC sample data, not real crime: for training and testing only."], pt=BODY_PT, bold=True,
                 colour=RED)
        y += 0.6
    items = [s.heading + (" (not available)" if s.missing else "") for s in b.sections]
    _textbox(slide, 0.45, y, SLIDE_W_IN - 0.9, SLIDE_H_IN - y - 0.6, items, pt=BODY_PT, bullets=True)
    full_w = SLIDE_W_IN - 0.9
    for s in b.sections:
        page += 1
        slide = _frame(prs, b, s.heading, page)
        y = 1.15
        bottom = SLIDE_H_IN - 0.55

        # the meeting sees where to plan it; the commands are for analysts (data notes slide)
        links = [page_words(s)] if page_words(s) else []
        if s.key == "notes":
            links = ["For analysts, the commands that reproduce each section:"] + reproduce_lines(b)
        lpt = SMALL_PT if s.key != "notes" else SMALL_PT - 3
        links_h = _text_height(links, full_w, lpt) if links else 0.0
        if s.missing:
            _textbox(slide, 0.45, y, full_w, 2.0, [s.missing], pt=BODY_PT + 2)
            y += _text_height([s.missing], full_w, BODY_PT + 2) + 0.2
        if s.image is not None and s.table is not None:
            # the map on the left, as tall as the slide allows; numbers, table and text on the right
            w, h = _picture(slide, s.image, 0.45, y, 6.7, bottom - y - links_h)
            x = 0.45 + w + 0.25
            col_w = SLIDE_W_IN - 0.45 - x
            yy = y + _metrics(slide, s.metrics, x, y, col_w)
            yy += _table(slide, s.table, x, yy, col_w, pt=TABLE_PT - 3) + 0.1
            if s.table_note:
                _textbox(slide, x, yy, col_w, 0.4, [s.table_note], pt=SMALL_PT, colour=GREY)
                yy += _text_height([s.table_note], col_w, SMALL_PT)
            if s.text:
                room = bottom - yy - links_h
                pt = next((p for p in (BODY_PT - 2, BODY_PT - 4, SMALL_PT, SMALL_PT - 2)
                           if _text_height(s.text, col_w, p) <= room), SMALL_PT - 3)
                _textbox(slide, x, yy, col_w, max(0.4, room), s.text, pt=pt, bullets=True)
        elif s.image is not None:
            # a map alone: across the slide, its text underneath
            text_h = _text_height(s.text, full_w, BODY_PT - 2) if s.text else 0.0
            yy = y + _metrics(slide, s.metrics, 0.45, y, full_w)
            w, h = _picture(slide, s.image, 0.45, yy, full_w, bottom - yy - links_h - text_h)
            # centred
            pic = slide.shapes[-1]
            from pptx.util import Inches

            pic.left = Inches(0.45 + (full_w - w) / 2)
            if s.text:
                _textbox(slide, 0.45, yy + h + 0.05, full_w, text_h, s.text, pt=BODY_PT - 2, bullets=True)
        else:
            y += _metrics(slide, s.metrics, 0.45, y, full_w)
            if s.table is not None:
                y += _table(slide, s.table, 0.45, y, full_w) + 0.15
                if s.table_note:
                    _textbox(slide, 0.45, y, full_w, 0.4, [s.table_note], pt=SMALL_PT, colour=GREY)
                    y += 0.4
            if s.text:
                room = bottom - y - links_h - 0.1
                pt = next((p for p in (BODY_PT, BODY_PT - 2, BODY_PT - 4, SMALL_PT - 1)
                           if _text_height(s.text, full_w, p) <= room), SMALL_PT - 2)
                _textbox(slide, 0.45, y, full_w, max(0.5, room), s.text, pt=pt, bullets=True)
                y += _text_height(s.text, full_w, pt)
        if links:
            _textbox(slide, 0.45, bottom - links_h, full_w, links_h, links, pt=lpt, colour=GREY)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()

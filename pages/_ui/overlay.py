"""The Police and A&E page's pieces: the bivariate map's layers, charts, and tables of the *published*
overlay (``hotspots.tasks.overlay.overlay``): every A&E count has already been through small-number
suppression, so nothing on this page can show one.
"""

from __future__ import annotations

import re

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from geo.constants import SOURCE_POLICE
from hotspots.tasks.overlay import CLASS_COLOURS, CLASSES, POLICE_VIOLENCE
from hotspots.methods.temporal import DAYS
from hotspots.methods.words import count_text, plural
from hotspots.outputs.legend import Legend
from pages._ui import cache
from pages._ui.errors import md_escape
from pages._ui.maps import show_layers
from pages._ui.state import RESOLUTIONS, Settings

#: The colour of a hidden A&E count in charts (a grey no data value would also be).
HIDDEN_COLOUR = "#9e9e9e"


def police_forces(s: Settings) -> tuple[str, ...]:
    """The real police forces the settings show (``Settings.forces`` also lists A&E site codes)."""
    status = cache.summary()["status"]
    police = set(status.loc[status["source"] == SOURCE_POLICE, "force"]) if len(status) else set()
    return tuple(f for f in s.forces if f in police)


def overlay(s: Settings):
    """The published overlay for the sidebar's period, area and grid (cached)."""
    return cache.overlay(s, police_forces(s))


def describe(s: Settings) -> str:
    """The settings the page uses, for Markdown (area names escaped)."""
    key = s.area_key()
    area = md_escape(f"{key[1]} ({key[0]})") if key else "the whole store"
    period = f"{s.date_from} to {s.date_to}" if s.date_from != s.date_to else str(s.date_from)
    return (f"Police violence ({', '.join(POLICE_VIOLENCE)}, police.uk) and A&E assaults, {period}, {area}, "
            f"{RESOLUTIONS.get(s.res, f'res {s.res}')} hexagons.")


def legend_rows(pub) -> list[tuple[str, str]]:
    pc, ac = pub.cuts["police_high"], pub.cuts["ae_high"]
    p = f"{pc:,}+ police violence crimes" if pc else "no police violence"
    a = f"{ac:,}+ A&E assaults" if ac else "no A&E assaults"
    words = {"Both high": f"Both high ({p} and {a})", "Police only": f"Police only ({p})",
             "A&E only": f"A&E only ({a})", "Low": "Low (neither)"}
    return [(CLASS_COLOURS[c], f"{words[c]}: {plural(pub.class_counts[c], 'hexagon')}") for c in CLASSES]


def map_layers(pub) -> dict:
    """The bivariate map's layers (``hotspots.outputs.webmap.map_layers``' keys): plain-text labels."""
    cells = pub.cells
    colours = [CLASS_COLOURS[c] for c in cells["class"]]
    labels = [f"{k}: {plural(p, 'police violence crime')}, A&E assaults: {count_text(a)}"
              for k, p, a in zip(cells["class"], cells["police_violence"], cells["ae_assaults"])]
    legend = Legend("Police violence and A&E assaults", legend_rows(pub),
                    note="High: among the busiest 20 % of hexagons with any (for A&E never a cut between 2 and "
                         f"{pub.threshold}). A&E counts 1 to {pub.threshold} are not shown.")
    return {"cells": cells, "colours": colours, "labels": labels, "legend": legend, "overlays": [], "note": ""}


def show_map(pub, s: Settings, height_px: int = 620) -> None:
    show_layers(map_layers(pub), s, res=pub.res, key="overlay_map", height_px=height_px)


def _shown(v) -> str:
    return v if isinstance(v, str) else f"{int(v):,}"


def day_hour_chart(pub) -> alt.Chart:
    """A&E assaults by day and hour: numbers coloured, hidden counts grey with their label."""
    long = pub.ae_grid.stack().rename("label").reset_index()
    long.columns = ["day", "hour", "label"]
    long["value"] = pub.ae_grid_values.stack().to_numpy()
    long["label"] = [_shown(v) for v in long["label"]]
    base = alt.Chart(long).encode(
        x=alt.X("hour:O", title="Hour of the day (starting at)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("day:O", title=None, sort=list(DAYS)),
        tooltip=[alt.Tooltip("day:O", title="Day"), alt.Tooltip("hour:O", title="Hour starting"),
                 alt.Tooltip("label:N", title="A&E assaults")])
    shown = base.transform_filter("isValid(datum.value)").mark_rect().encode(
        # from 0 (lightest) up: a grid whose shown counts are all 0 must not paint them red
        color=alt.Color("value:Q", title="A&E assaults",
                        scale=alt.Scale(scheme="reds", domain=[0, max(float(np.nanmax(long["value"].to_numpy(
                            dtype=float), initial=0.0)), pub.threshold + 1.0)]),
                        legend=alt.Legend(format=",.0f", tickMinStep=1)))
    hidden = base.transform_filter("!isValid(datum.value)").mark_rect(color=HIDDEN_COLOUR)
    return alt.layer(shown, hidden).properties(height=260)


def rms_chart(grid) -> alt.Chart:
    """Force-recorded violence by day and hour (aoristic incidents): police data, shown as it is."""
    return alt.Chart(grid.to_long()).mark_rect().encode(
        x=alt.X("hour:O", title="Hour of the day (starting at)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("day:O", title=None, sort=list(DAYS)),
        color=alt.Color("value:Q", title="incidents (aoristic)", scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip("day:O", title="Day"), alt.Tooltip("hour:O", title="Hour starting"),
                 alt.Tooltip("value:Q", title="incidents (aoristic)", format=",.1f")]).properties(height=260)


def weapon_chart(pub) -> alt.Chart:
    # numbers (NaN where hidden) and labels: two columns of one type each (a column mixing "1 to 7" and numbers
    # cannot be sent as Arrow)
    w = pd.DataFrame({"weapon": pub.weapons["weapon"],
                      "value": [np.nan if isinstance(v, str) else float(v) for v in pub.weapons["assaults"]],
                      "label": [_shown(v) for v in pub.weapons["assaults"]]})
    base = alt.Chart(w).encode(y=alt.Y("weapon:N", title=None, sort=list(w["weapon"])),
                               tooltip=[alt.Tooltip("weapon:N", title="Weapon"),
                                        alt.Tooltip("label:N", title="A&E assaults")])
    bars = base.mark_bar(color="#c85a5a").encode(x=alt.X("value:Q", title="A&E assaults"))
    text = base.mark_text(align="left", dx=4).encode(x=alt.X("value:Q"), text="label:N")
    hidden = base.transform_filter("!isValid(datum.value)").mark_text(align="left", color="#333").encode(
        x=alt.value(4), text="label:N")
    return alt.layer(bars, text.transform_filter("isValid(datum.value)"), hidden).properties(height=220)


def table_view(df: pd.DataFrame) -> pd.DataFrame:
    """A published table for st.dataframe: a column holding counts and labels becomes text ("1,234", "1 to 7",
    "suppressed"), so no column mixes numbers and words; a value hidden with its count (excess, share) reads
    "hidden". Show it with :func:`right_aligned` so the counts line up as numbers do."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = [count_text(v) for v in out[col]]
    return out


def right_aligned(view: pd.DataFrame, help: dict | None = None) -> dict:
    """Column settings for a :func:`table_view`: its text columns of counts right-aligned, like numbers."""
    helps = help or {}
    return {c: st.column_config.TextColumn(str(c), alignment="right", help=helps.get(c))
            for c in view.columns if pd.api.types.is_string_dtype(view[c]) and _counts_like(view[c])}


def _counts_like(col: pd.Series) -> bool:
    """Text of published counts: numbers with separators, suppression labels, "hidden"."""
    return all(bool(re.fullmatch(r"-?[\d,]+(?:\.\d+)?|hidden|suppressed|\d+ to \d+", str(v))) for v in col)


def times_text(ae, expected) -> str:
    """A&E assaults as a multiple of the expected: "3.1 x"; "no police violence" where none was expected."""
    return "no police violence" if not expected else f"{float(ae) / float(expected):,.1f} ×"


def p_text(p) -> str:
    """A p-value for a table: "< 0.001" or three decimals; "not tested" where there is none."""
    if p is None or (isinstance(p, float) and np.isnan(p)):
        return "not tested"
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3f}"

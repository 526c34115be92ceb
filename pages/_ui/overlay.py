"""The Police and A&E page's pieces: the bivariate map's layers, charts, and tables of the *published*
overlay (``hotspots.tasks.overlay.overlay``): every A&E count has already been through small-number
suppression, so nothing on this page can show one.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from geo.constants import SOURCE_POLICE
from hotspots.tasks.overlay import CLASS_COLOURS, CLASSES, POLICE_VIOLENCE
from hotspots.methods.temporal import DAYS
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
    return [(CLASS_COLOURS[c], f"{words[c]}: {pub.class_counts[c]:,} hexagons") for c in CLASSES]


def map_layers(pub) -> dict:
    """The bivariate map's layers (``hotspots.outputs.webmap.map_layers``' keys): plain-text labels."""
    cells = pub.cells
    colours = [CLASS_COLOURS[c] for c in cells["class"]]
    labels = [f"{k}: {p:,} police violence crimes, A&E assaults: {a if isinstance(a, str) else f'{a:,}'}"
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
    w = pub.weapons.copy()
    w["value"] = [np.nan if isinstance(v, str) else float(v) for v in w["assaults"]]
    w["label"] = [_shown(v) for v in w["assaults"]]
    base = alt.Chart(w).encode(y=alt.Y("weapon:N", title=None, sort=list(w["weapon"])),
                               tooltip=[alt.Tooltip("weapon:N", title="Weapon"),
                                        alt.Tooltip("label:N", title="A&E assaults")])
    bars = base.mark_bar(color="#c85a5a").encode(x=alt.X("value:Q", title="A&E assaults"))
    text = base.mark_text(align="left", dx=4).encode(x=alt.X("value:Q"), text="label:N")
    hidden = base.transform_filter("!isValid(datum.value)").mark_text(align="left", color="#333").encode(
        x=alt.value(4), text="label:N")
    return alt.layer(bars, text.transform_filter("isValid(datum.value)"), hidden).properties(height=220)


def table_view(df: pd.DataFrame) -> pd.DataFrame:
    """A published table for st.dataframe: counts and labels as text, so "1 to 7" sits beside numbers;
    a value hidden with its count (excess, share) reads "hidden"."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = ["hidden" if v is None or (isinstance(v, float) and np.isnan(v))
                        else v if isinstance(v, str) else f"{v:,}" if isinstance(v, (int, np.integer))
                        else f"{v:,.2f}" for v in out[col]]
    return out

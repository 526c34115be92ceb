"""Downloads in the formats people use: CSV, GeoJSON, KML. Safe to open.

CSV text that a spreadsheet would run as a formula (leading ``= + - @``, tab or
carriage return) is prefixed with ``'`` (OWASP "CSV injection"); KML text is XML-escaped.
Synthetic data says so in every file.
"""

from __future__ import annotations

import html
import json
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from geo.constants import SYNTHETIC_MARK

__all__ = ["SYNTHETIC_NOTE", "incidents_csv", "incidents_geojson", "incidents_kml", "is_synthetic",
           "neutralise_formulas"]

SYNTHETIC_NOTE = "SYNTHETIC sample data, not real crime"


def is_synthetic(df: pd.DataFrame) -> bool:
    """True when any row's force marks it as the synthetic sample."""
    return "force" in df and df["force"].astype(str).str.contains(SYNTHETIC_MARK, regex=False).any()


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells starting with = + - @ (or tab/CR) with ' so spreadsheets show text.

    >>> neutralise_formulas(pd.DataFrame({"a": ["=1+1", "ok", "-2"], "n": [1, 2, 3]}))["a"].tolist()
    ["'=1+1", 'ok', "'-2"]
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            s = out[col].astype("string")
            risky = s.str.match(r"^[=+\-@\t\r]").fillna(False)
            out[col] = s.where(~risky, "'" + s)
    return out


def _with_note(df: pd.DataFrame) -> pd.DataFrame:
    if is_synthetic(df):
        df = df.copy()
        df.insert(0, "data_note", SYNTHETIC_NOTE)
    return df


def safe_csv(df: pd.DataFrame) -> bytes:
    """CSV bytes safe to open in a spreadsheet: formulas neutralised, UTF-8 with a BOM
    (so Excel reads accents and pound signs)."""
    return neutralise_formulas(df).to_csv(index=False).encode("utf-8-sig")


def incidents_csv(df: pd.DataFrame) -> bytes:
    """Incidents as safe CSV bytes, labelled when synthetic."""
    return safe_csv(_with_note(df))


def _props(row: dict) -> dict:
    out = {}
    for k, v in row.items():
        if k in ("lon", "lat"):
            continue
        if isinstance(v, (np.integer,)):
            v = int(v)
        elif isinstance(v, (np.floating, float)):
            v = None if np.isnan(v) else float(v)
        elif v is not None and not isinstance(v, (str, bool, int)):
            v = str(v)
        out[k] = v
    return out


def incidents_geojson(df: pd.DataFrame) -> bytes:
    """GeoJSON points (WGS84) with every other column as a property."""
    d = _with_note(df)
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(r["lon"], 6), round(r["lat"], 6)]},
              "properties": _props(r)} for r in d.to_dict(orient="records")]
    return json.dumps({"type": "FeatureCollection", "features": feats}, default=str).encode("utf-8")


def incidents_kml(df: pd.DataFrame, name: str = "Hotspots selection") -> bytes:
    """KML placemarks for in-car and handheld devices; every text XML-escaped.

    >>> b = incidents_kml(pd.DataFrame({"lon": [-0.39], "lat": [51.65], "category": ["Robbery"],
    ...                                 "location": ["<b>x</b> & y"]}))
    >>> b"&amp;lt;b&amp;gt;x&amp;lt;/b&amp;gt; &amp;amp; y" in b and b"<coordinates>-0.390000,51.650000</coordinates>" in b
    True
    """
    d = _with_note(df)
    title = f"{name} ({SYNTHETIC_NOTE})" if "data_note" in d else name
    marks = []
    for r in d.to_dict(orient="records"):
        label = r.get("category") or "Incident"
        # a KML description is HTML: escape each value as HTML, then the whole as XML
        desc = "<br/>".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in r.items()
                            if k not in ("lon", "lat") and v is not None)
        marks.append(f"<Placemark><name>{escape(str(label))}</name><description>{escape(desc)}</description>"
                     f"<Point><coordinates>{r['lon']:.6f},{r['lat']:.6f}</coordinates></Point></Placemark>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<name>{escape(title)}</name>{''.join(marks)}</Document></kml>").encode("utf-8")

"""Downloads in the formats people use: CSV, GeoJSON, KML. Safe to open.

CSV text that a spreadsheet would run as a formula is neutralised on every line of every field (a line
starting ``= + - @``, tab or carriage return is prefixed with ``'``: OWASP "CSV injection"), and every
field holding a line break (CR or LF) is quoted, so a spreadsheet never splits a row. KML text is HTML-
escaped and then XML-escaped (``kml_text``): Google Earth renders HTML in names and descriptions.
Synthetic data says so in every file.
"""

from __future__ import annotations

import html
import json
import re
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from geo.errors import SettingError
from geo.schema import is_synthetic

__all__ = ["SYNTHETIC_NOTE", "check_suffix", "incidents_csv", "incidents_geojson", "incidents_kml",
           "kml_text", "neutralise_formulas", "neutralise_text", "round_for_csv", "write_by_suffix"]

SYNTHETIC_NOTE = "SYNTHETIC sample data, not real crime"


#: A line start a spreadsheet may read as a formula: the start of the text, or after a CR or LF.
_FORMULA_AT_LINE_START = re.compile(r"(^|[\r\n])(?=[=+\-@\t\r])")


def neutralise_text(text: str) -> str:
    r"""Text with a ``'`` before every line that a spreadsheet would run as a formula.

    >>> neutralise_text("=1+1"), neutralise_text("ok\r=HYPERLINK(1)"), neutralise_text("a-b")
    ("'=1+1", "ok\r'=HYPERLINK(1)", 'a-b')
    """
    return _FORMULA_AT_LINE_START.sub(lambda m: m.group(1) + "'", text)


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    r"""Prefix every line of every text cell that starts with = + - @ (or tab/CR) with ' so spreadsheets show text.

    >>> neutralise_formulas(pd.DataFrame({"a": ["=1+1", "ok", "-2", "x\n@SUM(1)"], "n": [1, 2, 3, 4]}))["a"].tolist()
    ["'=1+1", 'ok', "'-2", "x\n'@SUM(1)"]
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            s = out[col].astype("string")
            risky = s.str.contains(r"(?:^|[\r\n])[=+\-@\t\r]", regex=True).fillna(False)
            if risky.any():
                out[col] = s.where(~risky, s[risky].map(neutralise_text))
            else:
                out[col] = s
    return out


def _with_note(df: pd.DataFrame) -> pd.DataFrame:
    if is_synthetic(df):
        df = df.copy()
        df.insert(0, "data_note", SYNTHETIC_NOTE)
    return df


def safe_csv(df: pd.DataFrame) -> bytes:
    r"""CSV bytes safe to open in a spreadsheet: formulas neutralised on every line of every field, every
    field with a CR or LF quoted (rows end in CRLF, RFC 4180), UTF-8 with a BOM (so Excel reads accents
    and pound signs).

    >>> safe_csv(pd.DataFrame({"a": ["x\r=1+1"]}))
    b'\xef\xbb\xbfa\r\n"x\r\'=1+1"\r\n'
    """
    return neutralise_formulas(round_for_csv(df)).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


#: Decimals a CSV download keeps, by column name (the first rule that matches): coordinates to 6 decimals
#: (about 0.1 m), metres whole, km² to 3 decimals (1,000 m²), z-scores to 2, shares in % to 1, harm days to 1
#: (CCHI weights have halves). p-values keep 3 significant figures (1.55e-16 stays readable); any other decimal
#: column keeps 2 decimals and at least 3 significant figures.
CSV_DECIMALS: tuple[tuple[str, int | None], ...] = (
    (r"(?:^|_)(?:lon|lat|longitude|latitude)$", 6),
    (r"(?:^|_)(?:easting|northing)$|_m$", 0),
    (r"_km2$", 3),
    (r"(?:^|_)z$", 2),
    (r"_pct$|(?:^|_)share$", 1),
    (r"(?:^|_)harm$", 1),
    (r"(?:^|_)p(?:_fdr)?$", None),
)


def _csv_decimals(column) -> int | None | str:
    """The decimals a column keeps (None: 3 significant figures; "default": 2 decimals, 3 significant)."""
    name = str(column).lower()
    return next((d for pattern, d in CSV_DECIMALS if re.search(pattern, name)), "default")


def _round_value(v: float, decimals) -> float:
    if not np.isfinite(v) or v == 0:
        return v
    if decimals is None:
        return float(f"{v:.3g}")
    if decimals == "default":
        return round(v, 2) if abs(v) >= 1 else float(f"{v:.3g}")
    return round(v, decimals)


def round_for_csv(df: pd.DataFrame) -> pd.DataFrame:
    """Decimal columns rounded for people (``CSV_DECIMALS``); whole metres become whole numbers.

    >>> t = round_for_csv(pd.DataFrame({"lon": [-0.3961234567], "walk_m": [739.15394], "area_km2": [0.0943112169],
    ...                                 "z": [8.252314], "share_pct": [4.7182175], "p": [1.5535543e-16],
    ...                                 "density": [951.464239], "tiny": [0.000123456]}))
    >>> print(t.to_csv(index=False).splitlines()[1])
    -0.396123,739,0.094,8.25,4.7,1.55e-16,951.46,0.000123
    """
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col]):
            continue
        decimals = _csv_decimals(col)
        values = out[col].to_numpy(dtype=float)
        rounded = np.array([_round_value(float(v), decimals) for v in values], dtype=float)
        missing = np.isnan(rounded)
        if decimals == 0 and np.isfinite(rounded[~missing]).all():  # whole metres: 739, not 739.0
            out[col] = pd.array(np.where(missing, 0, rounded).astype(np.int64), dtype="Int64")
            out[col] = out[col].mask(missing)
        else:
            out[col] = rounded
    return out


def kml_text(value) -> str:
    """Text for a KML element: HTML-escaped (Google Earth renders HTML in names and descriptions), then
    XML-escaped.

    >>> kml_text("<b>Bar</b> & grill")
    '&amp;lt;b&amp;gt;Bar&amp;lt;/b&amp;gt; &amp;amp; grill'
    """
    return escape(html.escape(str(value)))


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
        marks.append(f"<Placemark><name>{kml_text(label)}</name><description>{escape(desc)}</description>"
                     f"<Point><coordinates>{r['lon']:.6f},{r['lat']:.6f}</coordinates></Point></Placemark>")
    return kml_document(title, marks)


def kml_document(title: str, placemarks: list[str]) -> bytes:
    """A KML document of ready-made placemarks under a title (escaped here)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<name>{kml_text(title)}</name>{''.join(placemarks)}</Document></kml>").encode("utf-8")


def _kinds(writers: dict) -> str:
    names = [k for k in writers if k != ".json"]  # .json is accepted as GeoJSON, not offered
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def check_suffix(path, writers: dict, what: str = "the output", example: str = "out.csv"):
    """The writer for ``path``'s ending, or a ``SettingError`` naming the endings ``writers`` accepts.

    >>> check_suffix("plan.PDF", {".pdf": len, ".csv": str}) is len
    True
    >>> check_suffix("plan.xlsx", {".pdf": len, ".csv": str}, example="patrol.pdf")
    Traceback (most recent call last):
    ...
    geo.errors.SettingError: Cannot write 'plan.xlsx': the output must end in .pdf or .csv. Fix: Name the output e.g. patrol.pdf.
    """
    from pathlib import Path

    p = Path(path)
    fn = writers.get(p.suffix.lower())
    if fn is None:
        raise SettingError(f"Cannot write '{p.name}': {what} must end in {_kinds(writers)}.",
                           f"Name the output e.g. {example}.")
    return fn


def write_by_suffix(obj, path, writers: dict, what: str = "the output", example: str = "out.csv"):
    """Write ``writers[ending](obj)`` (bytes) to ``path``, making its folder; returns the Path."""
    from pathlib import Path

    fn = check_suffix(path, writers, what, example)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(fn(obj))
    return p

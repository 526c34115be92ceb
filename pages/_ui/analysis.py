"""The Trends and Accuracy pages' pieces: the tables and charts they show, and their sentences.

Data strings (area names, crime types) reach the page only through ``st.dataframe``, Altair, or
``md_escape`` (Markdown-escaped); never as HTML.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from geo.constants import SOURCE_POLICE, SOURCE_RMS
from geo.months import months_between, shift_month
from hotspots.tasks.evaluate import DEFAULT_TRAIN_MONTHS
from hotspots.methods.words import plural
from pages._ui import cache
from pages._ui.errors import md_escape
from pages._ui.state import DATASETS, Settings, use_dataset
from hotspots.outputs.legend import EMERGING_MEANING

#: The dataset the day-and-hour grid needs (a key of ``DATASETS``).
TIMED_DATASET = next(name for name, src in DATASETS.items() if src == (SOURCE_RMS,))

#: Shares of the area (%) the accuracy page's words quote.
HEADLINE_SHARE_PCT = 2
COMPARE_SHARES_PCT = (2, 5)
#: The curves chart stops here: a patrol plan flags a few per cent of the area.
CURVE_MAX_PCT = 20.0

#: What the evaluation on a year of real data found (bench/accuracy.md, Summary).
BENCH_FINDING = (
    "On a year of real Hertfordshire police.uk data (test months 2021-08 to 2022-01, bench/accuracy.md), it was "
    "ahead of counting the last three months and of 300 m kernel density at 2 % and 5 % of the area for all five "
    "crime groups, winning 118 of 120 month-by-month comparisons; at 5 % of the area it caught 43 % of next "
    "month's burglaries, against 32 % (last three months) and 37 % (kernel density). Most of the gain comes from "
    "using the whole history; for dense groups such as all crime its edge over simply counting every earlier "
    "month is under one percentage point.")

# -- small helpers -------------------------------------------------------------------


def value_label(s: Settings) -> str:
    return "days of harm" if s.harm else "incidents"


def area_words(s: Settings) -> str:
    """The chosen area for Markdown text (the name comes from a loaded file: escaped)."""
    key = s.area_key()
    return md_escape(f"{key[1]} ({key[0]})") if key else "the whole store"


def types_words(s: Settings) -> str:
    return ", ".join(s.categories) if s.categories else "all crime types"


def period_words(s: Settings) -> str:
    if s.date_from and s.date_to:
        return f"{s.date_from} to {s.date_to}" if s.date_from != s.date_to else s.date_from
    return "every month loaded"


# -- trends: month by month ------------------------------------------------------------
@dataclass(frozen=True)
class Monthly:
    """The monthly series of the page: a wide table (with a total), and a long one for the chart."""

    table: pd.DataFrame   # month x type (+ "All selected types"), counts or harm
    long: pd.DataFrame    # month, type, value
    total: float
    months_with_data: int
    y_title: str


def monthly(s: Settings) -> Monthly:
    """Incidents (or harm) a month by crime type for the current settings (the counting is cached)."""
    wide = cache.monthly(s)
    long = wide.reset_index().melt(id_vars="month", var_name="type", value_name="value")
    table = wide.copy()
    table.columns = list(table.columns)
    table["All selected types"] = wide.sum(axis=1)
    y_title = "harm a month (days, approximate CCHI)" if s.harm else "incidents a month"
    return Monthly(table, long, float(wide.to_numpy().sum()), int((wide.sum(axis=1) > 0).sum()), y_title)


# -- trends: emerging hot spots ----------------------------------------------------------
def emerging_classes(det, harm: bool) -> pd.DataFrame:
    """Hexagons and incidents per emerging class, hot first, with what the class means."""
    t = det.table
    g = t.groupby("class", sort=False).agg(hexagons=("cell", "size"), incidents=("count", "sum"),
                                           harm=("harm", "sum"))
    order = [c for c in EMERGING_MEANING if c in g.index] + [c for c in g.index if c not in EMERGING_MEANING]
    g = g.loc[order].reset_index().rename(columns={"class": "Class", "hexagons": "Hexagons",
                                                   "incidents": "Incidents", "harm": "Harm (days)"})
    g["What it means"] = [EMERGING_MEANING.get(c, "") for c in g["Class"]]
    return g if harm else g.drop(columns="Harm (days)")


# -- trends: day of week x hour -------------------------------------------------------------
def month_only(s: Settings) -> bool:
    """The chosen data set gives only the month of each crime (police.uk)."""
    return SOURCE_POLICE in s.sources


def timed_data_loaded() -> bool:
    return SOURCE_RMS in cache.summary()["months_by_source"]


def use_timed_dataset() -> None:
    """Button callback: switch the shared settings to force records (times of day)."""
    use_dataset(TIMED_DATASET)


# -- accuracy ----------------------------------------------------------------------------------
def loaded_months(s: Settings) -> list[str]:
    """Months the store holds for the chosen data set, up to the end of the period."""
    by_source = cache.summary()["months_by_source"]
    months = sorted({m for src in s.sources for m in by_source.get(src, [])})
    return [m for m in months if s.date_to is None or m <= s.date_to]


def possible_test_months(s: Settings, train_months: int) -> list[str]:
    """The test months possible at the end of the period, latest last.

    A test month needs itself and the ``train_months`` months before it loaded; the
    test months are the last months of the period, consecutive, so this is the
    unbroken run of such months ending at the period's last month.
    """
    loaded = set(loaded_months(s))
    end = s.date_to or max(loaded, default=None)
    if end not in loaded:
        return []
    out, m = [], end
    while m in loaded and (s.date_from is None or m >= s.date_from):
        if not all(shift_month(m, -k) in loaded for k in range(1, train_months + 1)):
            break
        out.append(m)
        m = shift_month(m, -1)
    return out[::-1]


def default_train_months(s: Settings) -> int:
    """The split's training months: the evaluation's default (3), fewer when the data cannot give it."""
    return next((n for n in range(DEFAULT_TRAIN_MONTHS, 0, -1) if possible_test_months(s, n)),
                DEFAULT_TRAIN_MONTHS)


def months_words(months: list[str]) -> str:
    """A list of months in few words: all of them when short, else the range (and whether it has gaps)."""
    if len(months) <= 6:
        return ", ".join(months) or "none"
    whole = list(months_between(months[0], months[-1])) == list(months)
    return f"{months[0]} to {months[-1]}" + ("" if whole else " (with gaps)")


def method_labels(train_months: int) -> dict[str, str]:
    n = plural(train_months, "month")
    return {"naive": f"Counts of the last {n}", "naive-all": "Counts of every earlier month",
            "gistar": f"Gi* hot spots of the last {n}", "harm": f"Harm of the last {n}",
            "forecast": "Forecast (recommended)", "oracle": "Ceiling: next month's own crime (not a forecast)"}


def method_label(method: str, train_months: int) -> str:
    m = re.match(r"^kde-(\d+(?:\.\d+)?)$", method)
    if m:
        return f"Kernel density, {float(m.group(1)):g} m, last {plural(train_months, 'month')}"
    return method_labels(train_months).get(method, method)


@dataclass(frozen=True)
class Accuracy:
    """What the accuracy page shows."""

    table: pd.DataFrame           # one row per method, display columns
    curves: pd.DataFrame          # method label, area_pct, hit_pct, recommended
    raw: pd.DataFrame             # accuracy_report's table (means and sds, fractions)
    split: dict
    wins: pd.DataFrame
    recommended: str
    shares: tuple = ()
    labels: dict = field(default_factory=dict)


def accuracy(s: Settings, test_months: tuple[str, ...], train_months: int) -> Accuracy:
    """Hit rate, PAI and RRI of every method on the chosen split (the evaluation is cached)."""
    ev = cache.evaluation(s, tuple(test_months), int(train_months), types_words(s))
    # the table and curves as hotspots.tasks.evaluate.accuracy_report makes them, with the page's labels
    raw = ev.summary().reset_index().rename(columns={"index": "method"})
    raw.insert(1, "recommended", raw["method"] == ev.recommended)
    curves = ev.mean_curves()
    shares = tuple(ev.split["shares_pct"])
    labels = {m: method_label(m, train_months) for m in raw["method"]}
    table = pd.DataFrame({"Method": [labels[m] for m in raw["method"]], "Name in the CLI": raw["method"]})
    for metric, scale in (("hit", 100.0), ("pai", 1.0), ("rri", 1.0)) + ((("harm", 100.0),) if s.harm else ()):
        for sh in shares:
            table[f"{metric}@{sh:g}"] = raw[f"{metric}@{sh:g}"].to_numpy() * scale
    cur = curves.loc[curves["area_pct"] <= CURVE_MAX_PCT].copy()
    cur["hit_pct"] = 100.0 * cur["hit_rate"]
    cur["Method"] = [labels.get(m, m) for m in cur["method"]]
    cur["recommended"] = cur["method"] == ev.recommended
    wins = ev.wins(over=("naive", "kde-300", "naive-all"), shares=COMPARE_SHARES_PCT)
    return Accuracy(table, cur[["Method", "area_pct", "hit_pct", "recommended"]], raw, dict(ev.split), wins,
                    ev.recommended, shares, labels)


def accuracy_column_config(acc: Accuracy) -> dict:
    """Units and plain-English headers for the accuracy table."""
    cc = st.column_config
    cfg = {"Method": cc.TextColumn("Method", help="How the map ranks hexagons", pinned=True),
           "Name in the CLI": cc.TextColumn("CLI name", help="`python -m hotspots evaluate --methods ...`")}
    for sh in acc.shares:
        cfg[f"hit@{sh:g}"] = cc.NumberColumn(f"Hit rate, top {sh:g} %", format="%.1f %%",
                                             help=f"Share of next month's incidents inside the top {sh:g} % of "
                                                  "the area this map flags (Chainey et al. 2008).")
        cfg[f"pai@{sh:g}"] = cc.NumberColumn(f"PAI, top {sh:g} %", format="%.1f ×",
                                             help="Predictive accuracy index: hit rate ÷ share of the area. "
                                                  "1 × is what flagging at random gives.")
        cfg[f"rri@{sh:g}"] = cc.NumberColumn(f"RRI, top {sh:g} %", format="%.2f",
                                             help="Recapture rate index (Levine 2008), a ratio: 1 means the "
                                                  "flagged hexagons kept their share of crime from the training "
                                                  "months; blank where they had none.")
        cfg[f"harm@{sh:g}"] = cc.NumberColumn(f"Harm caught, top {sh:g} %", format="%.1f %%",
                                              help="Share of next month's harm (approximate CCHI days, full "
                                                   "weights) inside the flagged area.")
    return cfg


def accuracy_metrics(acc: Accuracy) -> list[tuple[str, str, str]]:
    """(label, value with its unit, help) for the recommended method's headline numbers."""
    sh = HEADLINE_SHARE_PCT
    row = acc.raw.set_index("method").loc[acc.recommended]
    tests = acc.split["test_months"]
    return [
        (f"Hit rate, top {sh} % of the area", _pct(row[f"hit@{sh}"]),
         "Share of next month's incidents inside the flagged hexagons (recommended forecast)."),
        (f"PAI, top {sh} %", f"{row[f'pai@{sh}']:.1f} ×", "Hit rate ÷ share of the area; 1 × is a map drawn at "
                                                        "random."),
        ("Test months", plural(len(tests), "month"), ", ".join(tests)),
    ]


def _pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f} %"


def accuracy_words(acc: Accuracy, s: Settings) -> dict[str, str]:
    """The page's sentences (Markdown, data strings escaped)."""
    sp, rec = acc.split, acc.recommended
    row = acc.raw.set_index("method").loc[rec]
    sh = HEADLINE_SHARE_PCT
    km2 = sp["area_km2"] * sh / 100
    cells = sp["cells"] * sh / 100
    tests = sp["test_months"]
    n_tests = len(tests)
    when = tests[0] if n_tests == 1 else f"{tests[0]} to {tests[-1]}"
    crime = "crime" if not s.categories else md_escape(types_words(s))
    headline = (f"**The top {sh} % of the area held {_pct(row[f'hit@{sh}'])} of next month's {crime}** with "
                f"the recommended forecast: {km2:,.1f} km² of {sp['area_km2']:,.0f} km², about "
                f"{plural(cells, 'hexagon', fmt=',.0f')}, averaged over {plural(n_tests, 'test month')} ({when}, "
                f"{plural(sp['n_test_mean'], 'incident', fmt=',.0f')} a test month). A map drawn at random would hold {sh} %; "
                f"this one holds {row[f'pai@{sh}']:.1f} times as much (its PAI).")
    if s.harm and f"harm@{sh}" in row:
        headline += f" It held {_pct(row[f'harm@{sh}'])} of next month's harm."

    here = []
    for _, w in acc.wins.iterrows():
        if w["other"] not in ("naive", "kde-300", "naive-all"):
            continue
        diff = 100 * (w[rec] - w["other_hit"])
        verb = ("ahead of" if diff >= 0.05 else "behind" if diff <= -0.05 else "level with")
        months = f"{w['months_won']} of {plural(w['months'], 'test month')} won"
        here.append(f"- at {w['share_pct']:g} % of the area: {100 * w[rec]:.1f} %, {verb} "
                    f"{acc.labels.get(w['other'], w['other']).lower()} ({100 * w['other_hit']:.1f} %; "
                    f"{diff:+.1f} points, {months})")
    why = (f"**We recommend the forecast** (`{rec}`) for planning where to patrol next month: recency-weighted "
           "counts over every earlier month, pulled towards the density of the neighbourhood (so a quiet hexagon "
           "next to busy ones is not ranked as if it were empty), with its two settings refitted on the months "
           f"before each forecast. {BENCH_FINDING} The Hotspot map opens on **Counts** (where crime *was*, the "
           "easiest map to read); choose **Forecast (next month)** there for where it *will be*. Planning pages "
           "use the forecast by default.")
    on_this = ("**On this selection** the forecast caught:\n" + "\n".join(here)) if here else ""
    key = s.area_key()
    if key:
        where = f"the hexagons whose centres lie inside **{md_escape(key[1])}** ({md_escape(key[0])})"
    else:
        where = (f"the footprint of the data: every hexagon near any incident (all res-{sp['res']} hexagons under "
                 f"the res-{max(sp['res'] - 2, 0)} parents of the occupied ones), empty streets included")
    study = (f"**Study area:** {where}, {plural(sp['cells'], 'hexagon')}, {sp['area_km2']:,.0f} km²; 1 % of it is "
             f"{sp['area_km2'] / 100:,.1f} km². A hit rate depends on the study area: add empty countryside and "
             "the same hotspots become a smaller share of it, so every share flags fewer, busier hexagons and "
             "the hit rate rises. Compare hit rates only on the same area. "
             f"Each map was built from the months before its test month (history from {sp['history_from']}, "
             "whatever the sidebar's period starts on) and judged on the test month it did not see.")
    return {"headline": headline, "why": why, "here": on_this, "study": study}

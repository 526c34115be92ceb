"""What every command shares: the store option, the selection options, settings from their specs, progress
bars, output safe for a terminal, and the load report.

Every option that chooses incidents is spelled here once (``add_selection``) and read back into one
``geo.query.Selection`` (``selection_from_args``); every tunable setting's option is built from its
``hotspots.defaults.SPECS`` entry (``add_setting``), so its range is the one the estimators check.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import traceback
from dataclasses import replace

from tqdm import tqdm

from geo.errors import SettingError
from geo.query import Selection, study_area
from geo.schema import REASONS
from geo.store import Store
from hotspots import defaults
from hotspots.defaults import SPECS
from hotspots.methods.words import plural

__all__ = ["PlainStream", "add_artefact_options", "add_basemap", "add_db", "add_selection", "add_setting", "log_traceback",
           "open_store", "plain", "planner_selection", "say_default_types",
           "print_report", "progress_bar", "selection_from_args", "split", "wait_message"]

#: Control characters a terminal would act on (ESC starts colour codes, cursor moves, title changes;
#: the bidirectional overrides reorder what is shown): removed from everything the commands print.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
DB_HELP = "the store (default: $HOTSPOTS_DB, else data/hotspots.duckdb)"


def plain(text: str, keep_cr: bool = False) -> str:
    r"""Text without terminal control characters (newlines and tabs kept).

    >>> plain("Herts\x1b[2J\x1b]0;owned\x07 Constabulary\r\n")
    'Herts[2J]0;owned Constabulary\n'
    """
    if keep_cr:
        return CONTROL.sub(lambda m: m.group(0) if m.group(0) == "\r" else "", text)
    return CONTROL.sub("", text)


class PlainStream:
    """A text stream that drops control characters from what is written (data text can hold any)."""

    def __init__(self, stream, keep_cr: bool):
        self._stream, self._keep_cr = stream, keep_cr

    def write(self, text: str) -> int:
        self._stream.write(plain(text, self._keep_cr))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def wait_message(enabled: bool):
    """A lock-wait callback for ``Store``: says once, on standard error, that the store is busy."""
    said = []

    def on_wait(waited: float, limit: float) -> None:
        if enabled and not said and waited >= 0.5:
            print(f"The store is in use by another program (the app or another load); waiting up to "
                  f"{limit:.0f} s for it...", file=sys.stderr)
            said.append(True)

    return on_wait


def open_store(args, *, read_only: bool = True) -> Store:
    """The store ``--db`` names (a read-only command refuses a missing one), waiting for another program."""
    return Store(args.db, read_only=read_only, on_wait=wait_message(True))  # stderr: --json output stays clean


def progress_bar(enabled: bool):
    """A terminal progress bar (tqdm on stderr) as a ``progress(fraction, message)`` callback, and its close."""
    if not enabled:
        return None, lambda: None
    bar = tqdm(total=1000, unit="‰", file=sys.stderr, leave=False,
               bar_format="{l_bar}{bar}| {elapsed}<{remaining} {postfix}")

    def update(fraction: float, message: str) -> None:
        bar.n = int(min(max(fraction, 0.0), 1.0) * 1000)
        bar.set_postfix_str(message[-60:], refresh=False)
        bar.refresh()

    return update, bar.close


def add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="FILE", help=DB_HELP)


def add_setting(p, name: str, *, default=None, help_extra: str = "") -> None:
    """An option built from ``defaults.SPECS[name]``: its name, type, range, unit and help."""
    SPECS[name].add_argument(p, default=default, help_extra=help_extra)


def add_selection(p, *, period: bool = True, types: bool = True, types_default: str | None = None,
                  sources: bool = True, sources_default: str = "police", area: bool = True,
                  harm: bool = False, harm_help: str = "weigh incidents by harm (approximate CCHI days)") -> None:
    """The options that choose incidents (all commands spell them alike)."""
    if period:
        p.add_argument("--from", dest="date_from", metavar="YYYY-MM", help="first month (default: all)")
        p.add_argument("--to", dest="date_to", metavar="YYYY-MM", help="last month (default: all)")
    if types:
        p.add_argument("--types", metavar='"A,B"', default=types_default,
                       help="crime types, comma-separated (default: " + (types_default or "all") + ")")
    if sources:
        p.add_argument("--sources", default=sources_default, metavar='"police,rms"',
                       help=f"sources, comma-separated (default {sources_default}; rms: force records with times)")
    if area:
        p.add_argument("--area", metavar="FILE", help="study area boundary (GeoJSON, GeoPackage, Shapefile, KML)")
        p.add_argument("--district", metavar="NAME", help="a district stored in the store (Data page; instead of "
                                                          "--area)")
    if harm:
        p.add_argument("--harm", action="store_true", help=harm_help)
        p.add_argument("--exclude-police-generated", action="store_true",
                       help="with --harm: give drugs and possession of weapons no harm")
        p.add_argument("--harm-weight", action="append", default=[], metavar="TYPE=DAYS",
                       help='with --harm: replace a weight, e.g. "Burglary=120" (repeatable)')
    add_db(p)


def split(s) -> tuple[str, ...]:
    """A comma-separated option as a tuple of its stripped parts.

    >>> split(" police, rms ,")
    ('police', 'rms')
    """
    return tuple(t.strip() for t in s.split(",") if t.strip()) if s else ()


def _harm_overrides(items) -> tuple[tuple[str, float], ...]:
    out = []
    for item in items or ():
        cat, sep, days = item.rpartition("=")
        if not sep or not cat.strip():
            raise SettingError(f"--harm-weight '{item}' is not TYPE=DAYS.", 'Write it as "Burglary=120".')
        try:
            out.append((cat.strip(), float(days)))
        except ValueError:
            raise SettingError(f"--harm-weight '{item}': '{days}' is not a number of days.",
                               'Write it as "Burglary=120".') from None
    return tuple(out)


def selection_from_args(args, store: Store | None) -> Selection:
    """The one ``Selection`` a command's options name (the study area read from ``--area`` / ``--district``)."""
    area = study_area(store, getattr(args, "district", None), getattr(args, "area", None)) \
        if (getattr(args, "district", None) or getattr(args, "area", None)) else None
    return Selection(getattr(args, "date_from", None), getattr(args, "date_to", None),
                     split(getattr(args, "types", None)), split(getattr(args, "sources", None)) or ("police",), (),
                     area, bool(getattr(args, "harm", False)), bool(getattr(args, "exclude_police_generated", False)),
                     _harm_overrides(getattr(args, "harm_weight", None))).checked()


def say_default_types(p, why: str) -> None:
    """The --types option's help: the planner's own default and why."""
    for a in p._actions:
        if a.dest == "types":
            a.help = f'crime types, comma-separated, or "all" (default: {why})'.replace("%", "%%")


def add_artefact_options(p) -> None:
    """The recording-artefact options every planner shares."""
    p.add_argument("--include-artefacts", action="store_true",
                   help="keep incidents at recording artefacts (left out by default): police stations, hospitals, "
                        "supermarkets and petrol stations, and places holding most of the crime around them")
    add_setting(p, "artefact_share_pct", default=defaults.ARTEFACT_SHARE_PCT)
    add_setting(p, "artefact_min_incidents", default=defaults.ARTEFACT_MIN_INCIDENTS)


def planner_selection(args, store, default_types):
    """The selection of a planner's options: its default crime types when --types is not given ("all": every
    type)."""
    everything = bool(args.types) and args.types.strip().lower() == "all"
    if everything:
        args.types = None
    sel = selection_from_args(args, store)
    return sel if sel.categories or everything else replace(sel, categories=tuple(default_types))


def add_basemap(p) -> None:
    """``--basemap NAME``: the background of a PDF's maps (``python -m hotspots basemap list``); offline outlines
    and street names without it."""
    p.add_argument("--basemap", metavar="NAME",
                   help="the map background of a .pdf: a partnership tile server or an installed tile file "
                        "(see: python -m hotspots basemap list); default: offline outlines and street names")


def log_traceback() -> str:
    """Write the current exception's traceback to a log file; returns its path."""
    with tempfile.NamedTemporaryFile("w", prefix="hotspots-error-", suffix=".log", delete=False) as fh:
        fh.write(traceback.format_exc())
    logging.getLogger("hotspots.cli").error("Unexpected error; traceback in %s", fh.name)
    return fh.name


def print_report(out: dict, with_area: bool) -> None:
    """A load report (``ingest``) in words."""
    print(f"Files read: {out['files']:,} ({out['files_failed']} refused)")
    print(f"Rows read: {out['rows_read']:,}   stored: {out['rows_stored']:,}   rejected: {out['rows_rejected']:,}")
    if out["rejected_by_reason"]:
        print("Rejected rows by reason:")
        for code, n in out["rejected_by_reason"].items():
            print(f"  {n:>8,}  {code}: {REASONS[code].message}")
    for f in out["file_report"]:
        if f["status"] == "failed":
            print(f"Refused: {f['error']}")
    for sk in out.get("skipped", []):
        print(f"Skipped: {sk['file']}: {sk['reason']}")
    for f in out["file_report"]:
        for note in f.get("notes", []):
            print(f"Note ({f['file']}): {note}")
    if not out["files"] and not out.get("skipped"):
        print("No table files were found in what was given (CSV, XLSX, or zip archives of them).")
    if out["months"]:
        print(f"Months: {out['months'][0]} to {out['months'][-1]} ({plural(len(out['months']), 'month')})")
    if not with_area:
        print("No --area boundary given: only points far from the bulk of each file's points were rejected.")

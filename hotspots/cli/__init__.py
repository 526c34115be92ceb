"""The command line: ``python -m hotspots COMMAND`` (argparse only; the work is in tasks and outputs).

Commands
--------
sample   write the synthetic Hertfordshire-like sample to sample_data/
ingest   load police.uk files, force records, A&E files or boundaries into the store
status   what the store holds: rows by source, force and month
detect   run a hotspot method (the registered methods: count, kde, gistar, dbscan, hdbscan, emerging, knox, forecast)
evaluate how well each method's map predicts the next months (hit rate, PAI, RRI)
overlay  police violence x A&E assaults per hexagon, A&E small counts suppressed
patrol   plan hot-spot patrols: areas, expected share, times, a dosage timetable
sweeps   knife-sweep areas: weapon-violence score, green share, visiting order
cctv     mobile CCTV sites (maximal covering, proven optimal); --evaluate: did it work (WDQ)
brief    the JAG briefing pack for a district and month: a PDF or a PowerPoint deck
basemap  map backgrounds: add a partnership tile server or a PMTiles/MBTiles file, list, remove

Every command takes ``--db FILE`` (else $HOTSPOTS_DB, else data/hotspots.duckdb).
Expected problems print one sentence with the fix and exit with status 2; a load in
which some file was refused exits with status 1 after loading the others.
"""

from __future__ import annotations

import argparse
import sys

from geo.errors import HotspotsError
from hotspots.cli import basemap, brief, cctv, detect, evaluate, ingest, overlay, patrol, sample, status, sweeps
from hotspots.cli.common import PlainStream, log_traceback, plain

__all__ = ["build_parser", "main", "plain"]

#: The commands, in the order ``--help`` lists them: each module has ``add_parser(subparsers)`` and ``run(args)``.
COMMANDS = {"sample": sample, "ingest": ingest, "status": status, "detect": detect, "evaluate": evaluate,
            "overlay": overlay, "patrol": patrol, "sweeps": sweeps, "cctv": cctv, "brief": brief, "basemap": basemap}


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command (built afresh: a method registered since shows in ``detect``'s choices)."""
    parser = argparse.ArgumentParser(prog="python -m hotspots", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status (0 done, 1 a file refused, 2 a problem said in a sentence,
    3 a bug, its traceback in a log file, 130 stopped)."""
    out, err_stream = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PlainStream(out, keep_cr=False), PlainStream(err_stream, keep_cr=True)
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:  # --help (0), or a setting out of range (2, its sentence already on stderr)
            return stop.code if isinstance(stop.code, int) else 2
        return COMMANDS[args.command].run(args)
    except HotspotsError as err:
        print(f"hotspots: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hotspots: stopped. Files loaded before the stop are kept; run the same command again to finish.",
              file=sys.stderr)
        return 130
    except Exception:  # a bug: the person gets a sentence, the traceback goes to a log file
        log_path = log_traceback()
        print("hotspots: something went wrong that this program did not expect; nothing half-written was kept. "
              f"The details are in {log_path}. Fix: report the problem with that file.", file=sys.stderr)
        return 3
    finally:
        sys.stdout, sys.stderr = out, err_stream

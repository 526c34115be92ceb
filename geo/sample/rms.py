"""The sample's force records (RMS) export: ``rms/herts_rms_synthetic.csv`` and its ``rms/mapping.toml``.

The violence, anti-social behaviour, robbery and burglary crimes of ``geo.sample.crimes`` in the Stevenage and
Watford districts, with exact times (a committed-from/to window for burglary), true places in metres, a street and
town, Home Office offence codes (ILLUSTRATIVE), domestic and weapon flags and outcomes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.constants import POLICE_CATEGORIES
from geo.sample.common import fmt_minutes, write_csv, write_text
from geo.sample.crimes import PLACE_NO_LOCATION, RMS_CRIME_TYPES, Events
from geo.sample.geography import TOWN_NAMES, Geography
from geo.sample.snaps import Snaps

__all__ = ["BURGLARY_WINDOW_HOURS", "RMS_COLUMNS", "RMS_DATETIME_FORMAT", "RMS_DISTRICTS", "write_rms"]

#: The export covers the two districts that host the type-1 EDs (DOMAIN.md section 1): about 24k rows over
#: 24 months (the real 2021 files held 22.4k rows a year of these four types in Stevenage and Watford LSOAs).
RMS_DISTRICTS = ("Stevenage", "Watford")
RMS_COLUMNS = (
    "Crime Reference", "HO Offence Code", "Offence Description", "Crime Type", "Committed From", "Committed To",
    "Easting", "Northing", "Location", "Domestic Flag", "Weapon Flag", "Outcome",
)
RMS_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
#: (Home Office offence code, description, share) by police.uk type. ILLUSTRATIVE codes after the Home Office
#: Counting Rules classifications (check a real export before relying on a code); ASB incidents have none.
RMS_OFFENCES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "Violence and sexual offences": (
        ("105A", "Assault without injury", 0.36), ("8N", "Assault with injury", 0.26),
        ("8R", "Harassment", 0.18), ("8Q", "Stalking", 0.07),
        ("5D", "Assault with intent to cause serious harm", 0.03), ("3B", "Threats to kill", 0.03),
        ("17A", "Sexual assault on a female aged 13 and over", 0.05),
        ("19C", "Rape of a female aged 16 and over", 0.02)),
    "Robbery": (("34B", "Robbery of personal property", 0.88), ("34A", "Robbery of business property", 0.12)),
    "Burglary": (("28E", "Burglary - residential (dwelling)", 0.62),
                 ("28F", "Burglary - residential (non-dwelling)", 0.13),
                 ("30C", "Burglary - business and community", 0.25)),
    "Anti-social behaviour": (("", "ASB - Nuisance", 0.65), ("", "ASB - Personal", 0.25),
                              ("", "ASB - Environmental", 0.10)),
}
#: Closing codes of ASB incidents in the export (illustrative).
RMS_ASB_OUTCOMES = {"Advice given": 0.45, "No further action": 0.35, "Referred to partner agency": 0.15,
                    "Community Protection Warning issued": 0.05}
#: A burglary's "Committed From/To" window: the true time less / plus this many hours (uniform), to 15 minutes.
BURGLARY_WINDOW_HOURS = (0.5, 6.0)

RMS_MAPPING_TOML = """\
# Column mapping for the synthetic force-records export (see README: "Force records").
[source]
force = "Hertfordshire (SYNTHETIC)"
name = "Synthetic RMS export"

[columns]
id = "Crime Reference"
category = "Crime Type"
subcategory = "Offence Description"
occurred_from = "Committed From"
occurred_to = "Committed To"
easting = "Easting"
northing = "Northing"
location = "Location"
outcome = "Outcome"
weapon = "Weapon Flag"

[datetime]
format = "%d/%m/%Y %H:%M"

[weapon]
true_values = ["Y"]

[categories]
"Violence" = "Violence and sexual offences"
"ASB" = "Anti-social behaviour"
"Robbery" = "Robbery"
"Burglary" = "Burglary"
"""


def _town_names(snaps: Snaps, snap: np.ndarray) -> np.ndarray:
    names = np.asarray(TOWN_NAMES, dtype=object)
    return names[np.maximum(snaps.town[snap], 0)]


def write_rms(out: Path, rng: np.random.Generator, events: Events, snaps: Snaps, geo: Geography
               ) -> dict[str, int | None]:
    """The RMS export of violence, ASB, robbery and burglary in ``RMS_DISTRICTS``, and its mapping."""
    wanted = [POLICE_CATEGORIES.index(c) for c in RMS_CRIME_TYPES]
    district_idx = [geo.district_names.index(d) for d in RMS_DISTRICTS]
    candidates = np.flatnonzero(np.isin(events.category, wanted) & (events.place <= PLACE_NO_LOCATION))
    district = geo.district_of(events.x[candidates], events.y[candidates])
    rows = candidates[np.isin(district, district_idx)]
    rows = rows[np.lexsort((rows, events.time[rows]))]
    n = len(rows)

    time = events.time[rows]
    is_burglary = events.category[rows] == POLICE_CATEGORIES.index("Burglary")
    before = rng.uniform(*BURGLARY_WINDOW_HOURS, n) * 60
    after = rng.uniform(*BURGLARY_WINDOW_HOURS, n) * 60
    t_min = time.astype(np.int64)
    start = np.where(is_burglary, (t_min - before.astype(np.int64)) // 15 * 15, t_min)
    stop = np.where(is_burglary, -((-(t_min + after.astype(np.int64))) // 15) * 15, t_min)

    code = np.empty(n, dtype=object)
    desc = np.empty(n, dtype=object)
    outcome = events.last_outcome[rows].copy()
    for category in RMS_CRIME_TYPES:
        mask = events.category[rows] == POLICE_CATEGORIES.index(category)
        offences = RMS_OFFENCES[category]
        p = np.array([o[2] for o in offences])
        pick = rng.choice(len(offences), size=int(mask.sum()), p=p / p.sum())
        code[mask] = np.array([o[0] for o in offences], dtype=object)[pick]
        desc[mask] = np.array([o[1] for o in offences], dtype=object)[pick]
        if category == "Anti-social behaviour":
            names = list(RMS_ASB_OUTCOMES)
            q = np.array(list(RMS_ASB_OUTCOMES.values()))
            outcome[mask] = np.asarray(names, dtype=object)[rng.choice(len(names), size=int(mask.sum()), p=q)]

    year = time.astype("datetime64[Y]").astype(int) + 1970
    reference = np.array([f"SYN/{y % 100:02d}/{i + 1:06d}" for i, y in enumerate(year)], dtype=object)
    snap = events.snap[rows]
    frame = pd.DataFrame({
        "Crime Reference": reference,
        "HO Offence Code": code,
        "Offence Description": desc,
        "Crime Type": np.array([RMS_CRIME_TYPES[POLICE_CATEGORIES[c]] for c in events.category[rows]], dtype=object),
        "Committed From": fmt_minutes(start, RMS_DATETIME_FORMAT),
        "Committed To": fmt_minutes(stop, RMS_DATETIME_FORMAT),
        "Easting": np.round(events.x[rows]).astype(np.int64),
        "Northing": np.round(events.y[rows]).astype(np.int64),
        "Location": snaps.street[snap] + ", " + _town_names(snaps, snap),
        "Domestic Flag": np.where(events.domestic[rows], "Y", "N"),
        "Weapon Flag": np.where(events.weapon[rows], "Y", "N"),
        "Outcome": outcome,
    }, columns=list(RMS_COLUMNS))
    events.rms_reference = np.full(len(events), "", dtype=object)
    events.rms_reference[rows] = reference
    files: dict[str, int | None] = {"rms/herts_rms_synthetic.csv": write_csv(out / "rms/herts_rms_synthetic.csv",
                                                                            frame)}
    write_text(out / "rms/mapping.toml", RMS_MAPPING_TOML)
    files["rms/mapping.toml"] = None
    return files

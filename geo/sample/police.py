"""The sample's police.uk files: each crime's outcome, and the monthly street and outcomes files.

``draw_outcomes`` gives every crime its street-file "Last outcome category" and, for most settled crimes, a row
in a later (or the same) month's outcomes file; ``write_police`` writes
``police/YYYY-MM/YYYY-MM-hertfordshire-synthetic-street.csv`` and ``-outcomes.csv`` in the police.uk
bulk-download layout [1]_, with crime ids. The outcome mixes are derived from the real 2021 Hertfordshire files.

References
----------
.. [1] data.police.uk, "About: the data" (street-level crime, outcomes, anonymised snap points).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from geo.constants import POLICE_CATEGORIES, POLICE_OUTCOME_COLUMNS, POLICE_STREET_COLUMNS
from geo.sample.common import ProgressFn, write_csv
from geo.sample.crimes import PLACE_NO_LOCATION, Events
from geo.sample.snaps import Snaps

__all__ = [
    "FORCE_SLUG", "LAST_OUTCOME_MIX", "OUTCOME_LAG_PROBS", "OUTCOME_ROW_SHARE", "OUTCOME_TYPE_MIX", "SYNTHETIC_FORCE",
    "UNDER_INVESTIGATION_BY_AGE", "draw_outcomes", "write_police",
]

#: "Reported by" and "Falls within" of every synthetic police.uk row; the RMS mapping's force name.
SYNTHETIC_FORCE = "Hertfordshire (SYNTHETIC)"
#: The force part of the police.uk file names (``YYYY-MM-<slug>-street.csv``).
FORCE_SLUG = "hertfordshire-synthetic"


# --------------------------------------------------------------------------------------------------------------
# Outcomes (derived from the real 2021 street and outcomes files)
# --------------------------------------------------------------------------------------------------------------

#: "Last outcome category" of settled crimes by type: the real street files 2021-01 .. 2021-08 (before any
#: "Under investigation" appears), outcomes under 0.5 % dropped and the rest renormalised.
LAST_OUTCOME_MIX: dict[str, dict[str, float]] = {
    "Bicycle theft": {"Investigation complete; no suspect identified": 0.83, "Unable to prosecute suspect": 0.082,
                      "Status update unavailable": 0.055, "Awaiting court outcome": 0.024,
                      "Court result unavailable": 0.01},
    "Burglary": {"Investigation complete; no suspect identified": 0.782, "Unable to prosecute suspect": 0.119,
                 "Status update unavailable": 0.065, "Awaiting court outcome": 0.018,
                 "Court result unavailable": 0.016},
    "Criminal damage and arson": {"Investigation complete; no suspect identified": 0.587,
                                  "Unable to prosecute suspect": 0.307, "Status update unavailable": 0.047,
                                  "Awaiting court outcome": 0.02, "Offender given a caution": 0.015,
                                  "Court result unavailable": 0.014, "Local resolution": 0.011},
    "Drugs": {"Local resolution": 0.353, "Status update unavailable": 0.236, "Awaiting court outcome": 0.138,
              "Court result unavailable": 0.084, "Unable to prosecute suspect": 0.082,
              "Offender given a caution": 0.063, "Formal action is not in the public interest": 0.032,
              "Investigation complete; no suspect identified": 0.012},
    "Other crime": {"Unable to prosecute suspect": 0.311, "Status update unavailable": 0.272,
                    "Investigation complete; no suspect identified": 0.141,
                    "Further investigation is not in the public interest": 0.087,
                    "Action to be taken by another organisation": 0.051, "Court result unavailable": 0.05,
                    "Awaiting court outcome": 0.047, "Offender given a caution": 0.017,
                    "Formal action is not in the public interest": 0.014, "Local resolution": 0.011},
    "Other theft": {"Investigation complete; no suspect identified": 0.713, "Unable to prosecute suspect": 0.216,
                    "Status update unavailable": 0.051, "Awaiting court outcome": 0.01,
                    "Court result unavailable": 0.005, "Local resolution": 0.005},
    "Possession of weapons": {"Status update unavailable": 0.288, "Unable to prosecute suspect": 0.274,
                              "Awaiting court outcome": 0.177, "Court result unavailable": 0.142,
                              "Offender given a caution": 0.049,
                              "Investigation complete; no suspect identified": 0.035, "Local resolution": 0.015,
                              "Formal action is not in the public interest": 0.011,
                              "Action to be taken by another organisation": 0.009},
    "Public order": {"Unable to prosecute suspect": 0.623, "Investigation complete; no suspect identified": 0.15,
                     "Status update unavailable": 0.091, "Court result unavailable": 0.045,
                     "Awaiting court outcome": 0.043, "Local resolution": 0.019, "Offender given a caution": 0.016,
                     "Formal action is not in the public interest": 0.013},
    "Robbery": {"Unable to prosecute suspect": 0.464, "Investigation complete; no suspect identified": 0.356,
                "Status update unavailable": 0.153, "Court result unavailable": 0.019,
                "Awaiting court outcome": 0.008},
    "Shoplifting": {"Investigation complete; no suspect identified": 0.623, "Unable to prosecute suspect": 0.175,
                    "Court result unavailable": 0.078, "Awaiting court outcome": 0.062,
                    "Status update unavailable": 0.036, "Local resolution": 0.017, "Offender given a caution": 0.01},
    "Theft from the person": {"Investigation complete; no suspect identified": 0.71,
                              "Unable to prosecute suspect": 0.2, "Status update unavailable": 0.084,
                              "Court result unavailable": 0.006},
    "Vehicle crime": {"Investigation complete; no suspect identified": 0.839, "Unable to prosecute suspect": 0.081,
                      "Status update unavailable": 0.051, "Court result unavailable": 0.017,
                      "Awaiting court outcome": 0.012},
    "Violence and sexual offences": {"Unable to prosecute suspect": 0.731, "Status update unavailable": 0.096,
                                     "Investigation complete; no suspect identified": 0.08,
                                     "Awaiting court outcome": 0.03, "Court result unavailable": 0.021,
                                     "Action to be taken by another organisation": 0.016,
                                     "Offender given a caution": 0.015, "Local resolution": 0.011},
}
UNDER_INVESTIGATION = "Under investigation"
#: Share of crimes still "Under investigation" by age (0 = the last month of the run): the real crimes of
#: 2022-01, 2021-12, 2021-11, 2021-10 and 2021-09 as published with the 2022-01 files; none older.
UNDER_INVESTIGATION_BY_AGE = (0.623, 0.369, 0.245, 0.193, 0.143)

#: Share of settled crimes that get a row in a later (or the same) month's outcomes file: the real crimes of
#: 2021-01 .. 2021-06 found in the 2021-01 .. 2022-01 outcomes files.
OUTCOME_ROW_SHARE: dict[str, float] = {
    "Bicycle theft": 0.94, "Burglary": 0.941, "Criminal damage and arson": 0.959, "Drugs": 0.78,
    "Other crime": 0.748, "Other theft": 0.952, "Possession of weapons": 0.748, "Public order": 0.919,
    "Robbery": 0.877, "Shoplifting": 0.969, "Theft from the person": 0.911, "Vehicle crime": 0.953,
    "Violence and sexual offences": 0.913,
}
#: Months from a crime to its first outcomes-file row (0 .. 12): the real crimes of 2021-01.
OUTCOME_LAG_PROBS = (0.4056, 0.3381, 0.0979, 0.0473, 0.0324, 0.019, 0.0168, 0.012, 0.0096, 0.0076, 0.0066,
                     0.0038, 0.0034)
#: "Outcome type" mix of the real outcomes files, used where the street file's last category says nothing
#: ("Status update unavailable").
OUTCOME_TYPE_MIX: dict[str, float] = {
    "Unable to prosecute suspect": 0.462, "Investigation complete; no suspect identified": 0.3601,
    "Suspect charged": 0.117, "Local resolution": 0.0266, "Offender given a caution": 0.0187,
    "Action to be taken by another organisation": 0.0073, "Formal action is not in the public interest": 0.0045,
    "Further investigation is not in the public interest": 0.0024,
    "Further action is not in the public interest": 0.0011,
}
#: Street-file categories that mean a charge in the outcomes file.
CHARGED_CATEGORIES = frozenset({"Awaiting court outcome", "Court result unavailable"})


def draw_outcomes(rng: np.random.Generator, events: Events, n_months: int) -> None:
    """Street-file last outcomes and outcomes-file rows (month and type) for every crime."""
    n = len(events)
    last = np.full(n, "", dtype=object)
    out_month = np.full(n, -1, dtype=np.int64)
    out_type = np.full(n, "", dtype=object)
    lag_p = np.asarray(OUTCOME_LAG_PROBS) / np.sum(OUTCOME_LAG_PROBS)
    type_names = list(OUTCOME_TYPE_MIX)
    type_p = np.asarray(list(OUTCOME_TYPE_MIX.values()))
    type_p = type_p / type_p.sum()
    for c, category in enumerate(POLICE_CATEGORIES):
        rows = np.flatnonzero(events.category == c)
        if category == "Anti-social behaviour" or len(rows) == 0:
            continue
        names = list(LAST_OUTCOME_MIX[category])
        p = np.asarray(list(LAST_OUTCOME_MIX[category].values()))
        settled = np.asarray(names, dtype=object)[rng.choice(len(names), size=len(rows), p=p / p.sum())]
        age = n_months - 1 - events.month[rows]
        p_open = np.where(age < len(UNDER_INVESTIGATION_BY_AGE),
                          np.asarray(UNDER_INVESTIGATION_BY_AGE)[np.minimum(age, len(UNDER_INVESTIGATION_BY_AGE) - 1)],
                          0.0)
        is_open = rng.random(len(rows)) < p_open
        last[rows] = np.where(is_open, UNDER_INVESTIGATION, settled)

        has_row = ~is_open & (rng.random(len(rows)) < OUTCOME_ROW_SHARE[category])
        month = events.month[rows] + rng.choice(len(lag_p), size=len(rows), p=lag_p)
        has_row &= month < n_months
        generic = np.asarray(type_names, dtype=object)[rng.choice(len(type_names), size=len(rows), p=type_p)]
        kind = np.where(np.isin(settled, list(CHARGED_CATEGORIES)), "Suspect charged",
                        np.where(settled == "Status update unavailable", generic, settled))
        out_month[rows] = np.where(has_row, month, -1)
        out_type[rows] = np.where(has_row, kind, "")
    events.last_outcome, events.outcome_month, events.outcome_type = last, out_month, out_type


def _crime_ids(seed: int, month: str, n: int) -> list[str]:
    """64-character lowercase hex ids: sha256 of seed, month and row number."""
    return [hashlib.sha256(f"hotspots-sample/{seed}/{month}/{i}".encode()).hexdigest() for i in range(n)]


def _police_location_columns(events: Events, snaps: Snaps, rows: np.ndarray, no_location: str) -> dict:
    """Longitude, Latitude, Location, LSOA code, LSOA name of some rows (blank where not shown)."""
    snap = events.snap[rows]
    shown = events.place[rows] != PLACE_NO_LOCATION
    blank = np.full(len(rows), "", dtype=object)
    return {
        "Longitude": np.where(shown, snaps.lon_text[snap], blank),
        "Latitude": np.where(shown, snaps.lat_text[snap], blank),
        "Location": np.where(shown, "On or near " + snaps.label[snap].astype(str), no_location).astype(object),
        "LSOA code": np.where(shown, snaps.lsoa_code[snap], blank),
        "LSOA name": np.where(shown, snaps.lsoa_name[snap], blank),
    }


def write_police(out: Path, seed: int, events: Events, snaps: Snaps, months: list[str],
                  report: ProgressFn) -> dict[str, int]:
    """Monthly street and outcomes files in the police.uk bulk-download layout."""
    files = {}
    categories = np.asarray(POLICE_CATEGORIES, dtype=object)
    asb = POLICE_CATEGORIES.index("Anti-social behaviour")
    crime_id = np.full(len(events), "", dtype=object)
    # street files
    for m, month in enumerate(months):
        rows = np.flatnonzero(events.month == m)
        cols = _police_location_columns(events, snaps, rows, "No Location")
        # police.uk order: by LSOA name, rows without a location last
        order = np.lexsort((rows, cols["LSOA name"].astype(str), cols["LSOA name"] == ""))
        rows = rows[order]
        cols = {k: v[order] for k, v in cols.items()}
        ids = np.asarray(_crime_ids(seed, month, len(rows)), dtype=object)
        ids[events.category[rows] == asb] = ""
        crime_id[rows] = ids
        table = {
            "Crime ID": ids, "Month": month, "Reported by": SYNTHETIC_FORCE, "Falls within": SYNTHETIC_FORCE,
            **cols, "Crime type": categories[events.category[rows]],
            "Last outcome category": events.last_outcome[rows], "Context": "",
        }
        rel = f"police/{month}/{month}-{FORCE_SLUG}-street.csv"
        files[rel] = write_csv(out / rel, table, POLICE_STREET_COLUMNS)
        report(0.45 + 0.2 * (m + 1) / len(months), f"Wrote {rel}")
    # outcomes files (crimes of the same or an earlier month)
    for m, month in enumerate(months):
        rows = np.flatnonzero(events.outcome_month == m)
        cols = _police_location_columns(events, snaps, rows, "No location")  # sic: lower case in outcomes
        order = np.lexsort((rows, cols["LSOA name"].astype(str), cols["LSOA name"] == ""))
        rows = rows[order]
        table = {
            "Crime ID": crime_id[rows], "Month": month, "Reported by": SYNTHETIC_FORCE,
            "Falls within": SYNTHETIC_FORCE, **{k: v[order] for k, v in cols.items()},
            "Outcome type": events.outcome_type[rows],
        }
        rel = f"police/{month}/{month}-{FORCE_SLUG}-outcomes.csv"
        files[rel] = write_csv(out / rel, table, POLICE_OUTCOME_COLUMNS)
    events.crime_id = crime_id  # kept for the RMS and A&E ground truth
    return files

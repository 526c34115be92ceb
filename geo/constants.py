"""Data constants in one place: categories, sources, CRS, grid, file formats.

Each number carries its source. Analysis defaults (harm weights, bandwidths,
significance levels) live in ``hotspots/defaults.py``.
"""

from __future__ import annotations

#: The 14 police.uk street-level crime types (data.police.uk "Crime type";
#: ../shared/DOMAIN.md section 2).
POLICE_CATEGORIES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

#: Category of A&E (ISTV) assault attendances: kept apart from police types so
#: that counts from the two sources are never silently added together.
AE_CATEGORY = "A&E assault"

#: Category of a stop-and-search record: an action by police, not a crime.
STOP_SEARCH_CATEGORY = "Stop and search"

CATEGORIES: tuple[str, ...] = POLICE_CATEGORIES + (AE_CATEGORY, STOP_SEARCH_CATEGORY)

#: Source names stored in the ``source`` column.
SOURCE_POLICE = "police"          # police.uk street-level crime
SOURCE_STOP_SEARCH = "stop_search"  # police.uk stop and search
SOURCE_RMS = "rms"                # a force records-management-system export
SOURCE_AE = "ae"                  # A&E ISTV assault data
SOURCES: tuple[str, ...] = (SOURCE_POLICE, SOURCE_STOP_SEARCH, SOURCE_RMS, SOURCE_AE)

#: How exactly ``occurred_at`` is known.
PRECISION_MONTH = "month"    # police.uk: month only
PRECISION_DAY = "day"
PRECISION_MINUTE = "minute"
PRECISION_WINDOW = "window"  # a from-to window (occurred_at .. occurred_until)
PRECISIONS: tuple[str, ...] = (PRECISION_MONTH, PRECISION_DAY, PRECISION_MINUTE, PRECISION_WINDOW)

#: WGS84 longitude/latitude and British National Grid (every distance is in metres on it).
CRS_LONLAT = "EPSG:4326"
CRS_BNG = "EPSG:27700"

#: Where a point can be in Great Britain and still be on the National Grid.
#: Longitude/latitude box of the grid's extent (OS: -9 to 2.1 E, 49.7 to 61 N).
GB_LON_RANGE = (-9.0, 2.1)
GB_LAT_RANGE = (49.7, 61.0)
#: Easting/northing extent of the National Grid (0-700 km E, 0-1300 km N).
BNG_E_RANGE = (0.0, 700_000.0)
BNG_N_RANGE = (0.0, 1_300_000.0)

#: H3 resolutions available for every stored incident. The store keeps the res-11
#: cell; coarser ones are its parents (bit operations, so parent counts always
#: equal the sum of the children). Res 9 is the default patrol-area grid
#: (~0.105 km2, edge 174 m; DOMAIN.md section 3).
H3_STORED_RES = 11
H3_RESOLUTIONS: tuple[int, ...] = (7, 8, 9, 10, 11)
H3_DEFAULT_RES = 9

#: Without an area boundary a point is "far outside the force area" when its
#: distance from the median centre of the file's points exceeds
#: ``FAR_OUTSIDE_FACTOR`` x the 98th percentile of those distances. The 98th
#: percentile is robust to the ~1-2 % of rows located elsewhere (DOMAIN.md s2);
#: the factor leaves room for an irregular force outline. On the 2021
#: Hertfordshire files this puts the line ~51 km from the centre: rows in
#: neighbouring districts just over the border are kept (load the boundary with
#: ``--area`` to judge those exactly), rows placed in Manchester or Kent are not.
FAR_OUTSIDE_FACTOR = 1.5
FAR_OUTSIDE_QUANTILE = 0.98
#: Fewer located rows than this in one file and the rule is not applied (a tiny
#: file cannot tell where the bulk of a force's points are).
FAR_OUTSIDE_MIN_POINTS = 200

#: police.uk street-level CSV header (data.police.uk/about/#columns).
POLICE_STREET_COLUMNS: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
    "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)
POLICE_OUTCOME_COLUMNS: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
    "Location", "LSOA code", "LSOA name", "Outcome type",
)
STOP_SEARCH_COLUMNS: tuple[str, ...] = (
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
    "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity",
    "Legislation", "Object of search", "Outcome", "Outcome linked to object of search",
    "Removal of more than just outer clothing",
)

#: Synthetic data carries this word in its force name, so every view and export can
#: label it (the sample generator writes "Hertfordshire (SYNTHETIC)").
SYNTHETIC_MARK = "SYNTHETIC"

#: Environment variable and default for the store's path.
DB_ENV_VAR = "HOTSPOTS_DB"
DEFAULT_DB_PATH = "data/hotspots.duckdb"

#: A&E record keys for cell-key perturbation are whole numbers 0..65,535. The ONS package
#: ``cell-key-perturbation`` uses 0..255 in its shipped ptables; its method takes any range (cell key =
#: key sum modulo ``max(ckey) + 1``), and a wider one lets the ptable give its widest move to 1 key in
#: 65,536 (``hotspots.methods.ckm``: why that matters for subtraction). A published cell's key is the
#: sum of its records' keys modulo 65,536.
AE_RECORD_KEY_MAX = 65535
#: Stored with the keys (``meta``), so keys drawn for another range are drawn again.
AE_RECORD_KEY_RANGE_META = "ae_record_key_range"

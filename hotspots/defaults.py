"""Analysis defaults in one place, each with its source.

Data constants (categories, CRS, grid resolutions) are in ``geo.constants``.
"""

from __future__ import annotations

from geo.constants import AE_CATEGORY, H3_DEFAULT_RES  # noqa: F401  (re-exported)

#: Cambridge Crime Harm Index, category-level approximations for police.uk types,
#: in days of imprisonment at the sentencing starting point (Sherman, Neyroud &
#: Neyroud 2016; the category values are ../shared/DOMAIN.md section 3).
#: APPROXIMATE: a category mixes offences of very different harm; say so in the UI.
HARM_WEIGHTS_CCHI_APPROX: dict[str, float] = {
    "Anti-social behaviour": 1.0,
    "Bicycle theft": 2.0,
    "Burglary": 230.0,
    "Criminal damage and arson": 10.0,
    "Drugs": 3.5,
    "Other crime": 10.0,
    "Other theft": 2.0,
    "Possession of weapons": 274.0,
    "Public order": 7.5,
    "Robbery": 365.0,
    "Shoplifting": 1.0,
    "Theft from the person": 2.0,
    "Vehicle crime": 5.0,
    "Violence and sexual offences": 200.0,
}

#: Offences found mainly by police activity: they measure patrol effort as much as
#: harm (DOMAIN.md section 3), so users may leave them out of harm maps.
POLICE_GENERATED_CATEGORIES: tuple[str, ...] = ("Drugs", "Possession of weapons")

#: Kernel density: quartic (biweight) kernel, the ArcGIS and CrimeStat default.
KDE_KERNEL = "quartic"
KDE_BANDWIDTH_M = 300.0

#: Getis-Ord Gi*: k-ring neighbours including the cell itself, binary weights.
GISTAR_K = 1
#: Confidence levels of the hot/cold classes (ArcGIS Hot Spot Analysis).
GISTAR_CONFIDENCE = (0.90, 0.95, 0.99)
#: Conditional permutations when asked for (esda's default).
PERMUTATIONS = 999
#: False discovery rate correction (Benjamini-Hochberg, as ArcGIS does).
FDR_ALPHA = 0.05

#: DBSCAN/HDBSCAN on projected metres.
DBSCAN_EPS_M = 150.0
DBSCAN_MIN_SAMPLES = 10
HDBSCAN_MIN_CLUSTER_SIZE = 20

#: Near-repeat (Knox) bands: burglary risk is raised within ~400 m for ~2 months
#: (Bowers et al. 2004).
KNOX_DISTANCE_BANDS_M = (0.0, 100.0, 200.0, 400.0, 800.0)
KNOX_TIME_BANDS_DAYS = (0, 7, 14, 30, 60)

#: Hotspot-map accuracy is reported at these shares of the study area (%).
AREA_SHARES_PCT = (1, 2, 5, 10)

#: A&E small-number suppression: counts 1..7 are never shown outside the data page
#: (NHS HES practice; DOMAIN.md section 4). Configurable.
AE_SUPPRESS_MAX = 7

#: Mobile CCTV siting (hotspots.tasks.cctv). Hertsmere CSP runs 8 mobile cameras, each up to
#: 3 months per site, residents consulted first (DOMAIN.md section 1).
CCTV_CAMERAS = 8
CCTV_MAX_MONTHS_PER_SITE = 3
#: Coverage radius: 50-100 m to identify people, 150-250 m to observe (DOMAIN.md section 3).
CCTV_RADIUS_M = 100.0
#: Candidate sites: centres of the H3 cells at this resolution that hold an incident
#: (res 10, edge ~66 m: DOMAIN.md's street-level resolution).
CCTV_CANDIDATE_RES = 10
#: Solver time limit (seconds); a district solves in well under a second (bench/planners.py).
CCTV_TIME_LIMIT_S = 60.0
#: Did it work: width of the buffer ring around the covered area for the Weighted
#: Displacement Quotient (Bowers & Johnson 2003 leave it to the analyst; 200 m is two
#: camera radii, close enough for displaced offenders to walk). Project choice.
WDQ_BUFFER_M = 200.0

# -- Patrol planner (hotspots/patrol.py) --------------------------------------------------
#: Default patrol budget: share of the study area (%). Patrol areas are "a few per cent of
#: the area" (DOMAIN.md section 1; the forecast is tuned at 1-2 %), and ~50 % of crime falls
#: in 2-6 % of street segments (Weisburd 2015).
PATROL_BUDGET_PCT = 1.5
#: A budget above this is no longer a hot-spot plan (the accuracy tables stop at 10 %).
PATROL_MAX_BUDGET_PCT = 10.0
#: Most patrol areas one plan may hold (a sheet with more cannot be carried out).
PATROL_MAX_AREAS = 40
#: Cells scanned along the ranking when looking for N separate areas.
PATROL_MAX_SCAN_CELLS = 5000
#: Koper curve: visits of 10-15 minutes, little gained beyond ~15 (Koper 1995); Sacramento
#: trial: 12-16 minutes, random order, each hot spot about every 2 hours (Telep et al. 2014).
PATROL_VISIT_MIN = 15.0
PATROL_VISIT_RANGE_MIN = (10.0, 15.0)
PATROL_REVISIT_MIN = 120.0
#: A later round reshuffles the order, moving a visit by at most this many minutes, so
#: each area's gap between visits stays within 120 +- 30 min ("about every two hours").
PATROL_REVISIT_TOLERANCE_MIN = 30.0
#: Named shifts: the common 8-hour pattern of English forces (early, late, night).
PATROL_SHIFTS = {"early": "07:00-15:00", "late": "15:00-23:00", "night": "23:00-07:00"}
#: The late shift covers the evening peak of violence and disorder.
PATROL_DEFAULT_SHIFT = "late"
#: The backtest behind "expected share": the last 3 months of the period, each forecast from
#: the months before it with 3 training months (the accuracy module's split).
PATROL_BACKTEST_MONTHS = 3
PATROL_TRAIN_MONTHS = 3
#: Locations and streets listed per area; best hours of the week listed.
PATROL_TOP_LOCATIONS = 3
PATROL_BEST_HOURS = 6

# -- Knife-sweep areas (hotspots/sweeps.py) ---------------------------------------------
#: Weapon-violence score weights per incident. Possession of weapons is the direct record of
#: carrying (3); robbery is the offence most often committed with a knife after assault (ONS
#: knife-crime statistics: robbery is about 40 % of knife offences) (2); violence and sexual
#: offences is a broad category, mostly without a weapon (1); an A&E attendance for a
#: knife/sharp-object assault is a blade injury, often unreported to police (Cardiff model) (3).
#: Editable (--weights, the page); a rough ordering, not a published index.
SWEEP_WEIGHTS = {"Possession of weapons": 3.0, "Robbery": 2.0, "Violence and sexual offences": 1.0,
                 "A&E knife/sharp": 3.0}
#: Added to a record's weight when its source flags a weapon (force records, weapon=True).
SWEEP_WEAPON_FLAG_EXTRA = 2.0
#: A&E subcategories (weapon class) that count as knife/sharp (case-insensitive substrings).
SWEEP_AE_KNIFE_WORDS = ("knife", "sharp", "blade")
#: Sweeps are short walks: res 10 (~0.015 km2, ~130 m across; DOMAIN.md section 3).
SWEEP_RES = 10
#: Sweep areas in a plan by default (a team's morning).
SWEEP_AREAS = 8
#: Largest patrol area (km2) with a budget share: about 7 res-9 hexagons, streets a foot
#: patrol can cover in one 15-minute visit; larger clusters (town centres) are cut up.
PATROL_MAX_AREA_KM2 = 0.75
#: Minutes at least between two visits of one team, to get from one area to the next
#: (neighbouring areas, on foot or by car): a team holds at most 120 // (15 + 5) = 6 areas.
PATROL_TRAVEL_MIN = 5.0
#: A patrol plan suggests another of PATROL_SHIFTS when its hours hold at least this many
#: percentage points more of the areas' dated incidents than the shift chosen.
PATROL_SHIFT_HINT_PP = 10.0

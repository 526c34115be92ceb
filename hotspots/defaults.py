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

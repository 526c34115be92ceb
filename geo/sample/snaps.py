"""The synthetic snap points: the fixed set of anonymised map points every police.uk row of the sample sits on.

``build_snap_points`` places about 12k points (town cores, retail, residential, rural villages, just over the
border, far away), names their streets, police.uk labels and synthetic LSOAs, gives each a popularity and
calibrates the districts' shares; ``place_probabilities`` turns a place mix into a probability per point. The
counts and shares are derived from the real 2021 Hertfordshire files (each constant says how); the points, streets
and LSOA codes are made up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely

from geo.constants import POLICE_CATEGORIES
from geo.errors import HotspotsError
from geo.sample.common import disc, fmt6, to_bng, to_lonlat
from geo.sample.geography import TOWN_SHARE_PCT, Geography
from geo.sample.volumes import BORDER_RING_M, MONTHLY_COUNTS, NTE_CATEGORIES, PLACE_MIX

__all__ = [
    "CORE_DERIVED_RADIUS_M", "DISTRICT_SHARE", "FAR_PLACES", "KIND_BORDER", "KIND_CORE", "KIND_FAR",
    "KIND_RESIDENTIAL", "KIND_RURAL", "KIND_RETAIL", "RURAL_MIN_DISTANCE_M", "SNAP_POINTS_BY_KIND",
    "TRUE_PLACE_JITTER_M", "Snaps", "build_snap_points", "place_probabilities",
]

#: Share of located in-county rows by district in the real 2021 files (by the LSOA name's district). Snap-point
#: weights are calibrated to it (``_calibrate_districts``), since round towns cannot follow district edges.
DISTRICT_SHARE: dict[str, float] = {
    "Broxbourne": 0.0867, "Dacorum": 0.1251, "East Hertfordshire": 0.0996, "Hertsmere": 0.1033,
    "North Hertfordshire": 0.0858, "St Albans": 0.1087, "Stevenage": 0.1072, "Three Rivers": 0.0610,
    "Watford": 0.1058, "Welwyn Hatfield": 0.1168,
}
DISTRICT_CALIBRATION_ROUNDS = 4

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

# Snap-point kinds (integer codes in the snap table).
KIND_CORE, KIND_RETAIL, KIND_RESIDENTIAL, KIND_RURAL, KIND_BORDER, KIND_FAR = range(6)


@dataclass
class Snaps:
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
                            fix="Check the town table and outlines in geo/reference/towns.py and outlines.py.")
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _place_town_points(rng: np.random.Generator, geo: Geography) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
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
            dx, dy = disc(rng, k, CORE_RADIUS_M)
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


def _place_rural_points(rng: np.random.Generator, geo: Geography) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _place_outside_points(rng: np.random.Generator, geo: Geography
                          ) -> list[tuple[np.ndarray, np.ndarray, int, np.ndarray]]:
    """Snap points just over the border and far away: (x, y, kind, place index) blocks."""
    ring = shapely.difference(shapely.buffer(geo.county, BORDER_RING_M[1]),
                              shapely.buffer(geo.county, BORDER_RING_M[0]))
    shapely.prepare(ring)
    minx, miny, maxx, maxy = ring.bounds
    bx, by = _sample_inside(rng, BORDER_SNAP_POINTS,
                            lambda k: (rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)),
                            lambda x, y: shapely.contains_xy(ring, x, y))
    nx, ny = to_bng([a[2] for a in NEIGHBOUR_AREAS], [a[1] for a in NEIGHBOUR_AREAS])
    neighbour = np.hypot(bx[:, None] - nx[None, :], by[:, None] - ny[None, :]).argmin(axis=1)

    fx, fy = to_bng([p[2] for p in FAR_PLACES], [p[1] for p in FAR_PLACES])
    place = np.repeat(np.arange(len(FAR_PLACES)), FAR_SNAP_POINTS_PER_PLACE)
    dx, dy = disc(rng, len(place), 1500.0)
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


def build_snap_points(rng: np.random.Generator, geo: Geography) -> Snaps:
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
    lon, lat = to_lonlat(x, y)
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    x, y = to_bng(lon, lat)

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
    snaps = Snaps(x=x, y=y, lon=lon, lat=lat, kind=kind, town=town, group=group, district=district, label=label,
                   street=street, lsoa_code=codes, lsoa_name=names, weight=weight, nte_weight=weight * nte,
                   district_factor=np.ones(len(x)), lon_text=fmt6(lon), lat_text=fmt6(lat))
    _calibrate_districts(snaps, geo)
    return snaps


def _calibrate_districts(snaps: Snaps, geo: Geography) -> None:
    """Scale each district's points so the expected rows by district match ``DISTRICT_SHARE``."""
    totals = {c: float(sum(MONTHLY_COUNTS[c])) for c in POLICE_CATEGORIES}
    target = np.array([DISTRICT_SHARE[name] for name in geo.district_names])
    in_county = snaps.district >= 0
    for _ in range(DISTRICT_CALIBRATION_ROUNDS):
        p = sum(totals[c] * place_probabilities(snaps, PLACE_MIX[c], c in NTE_CATEGORIES)
                for c in POLICE_CATEGORIES)
        share = np.bincount(snaps.district[in_county], weights=p[in_county], minlength=len(target))
        factor = target / (share / share.sum())
        snaps.district_factor[in_county] *= factor[snaps.district[in_county]]


def _kind_shares(snaps: Snaps, weight: np.ndarray) -> dict[int, np.ndarray]:
    """Within each in-county kind, each snap point's share (sums to 1 per kind).

    A town's points of one kind together get the town's share of the county; rural villages share equally.
    """
    shares = {}
    town_share = TOWN_SHARE_PCT
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


def place_probabilities(snaps: Snaps, mix: tuple[float, float, float, float], nte: bool) -> np.ndarray:
    """Probability of each snap point for a crime with place mix ``mix`` (core, retail, residential, rural)."""
    shares = _kind_shares(snaps, snaps.nte_weight if nte else snaps.weight)
    p = sum(m * shares[code] for m, code in zip(mix, (KIND_CORE, KIND_RETAIL, KIND_RESIDENTIAL, KIND_RURAL)))
    return p / p.sum()

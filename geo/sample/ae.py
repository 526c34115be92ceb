"""The sample's A&E files: ISTV minimum data set extracts of two emergency departments, with what checks them.

``build_venues`` places synthetic pubs and clubs at the towns' night-time core snap points; ``write_ae`` draws
each ED's assault attendances (about 40 % matching a police-recorded violence crime [2]_, the rest known only to
the ED) and writes ``ae/istv_<ed>_synthetic.csv`` [1]_, the placeholder code lists ``ae/istv_codes.toml``, the
venue gazetteer ``ae/venues_gazetteer.csv`` and ``ae/ground_truth_synthetic.csv`` (the true place of each
assault, to measure geocoding error). Free-text locations are written as postcodes (real ones), sectors, venues,
streets or vague phrases.

References
----------
.. [1] NHS Data Dictionary, Information Sharing to Tackle Violence Minimum Data Set (ISB 1594).
.. [2] Sutherland et al. (2002), as cited in ../shared/DOMAIN.md section 2: in Swansea 65.6 % of assaults were
   recorded only by the emergency department.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.constants import POLICE_CATEGORIES
from geo.sample.common import fmt6, fmt_minutes, jitter, to_bng, to_lonlat, write_csv, write_text
from geo.sample.crimes import PLACE_NO_LOCATION, Events
from geo.sample.geography import TOWN_NAMES, TOWN_SHARE_PCT, Geography
from geo.sample.snaps import KIND_CORE, KIND_RURAL, TRUE_PLACE_JITTER_M, Snaps, place_probabilities
from geo.sample.times import draw_times
from geo.sample.volumes import HOME_MIX, MONTHLY_COUNTS, nondomestic_violence_mix

__all__ = [
    "AE_POLICE_MATCH_SHARE", "DESCRIPTION_KINDS", "EDS", "ISTV_COLUMNS", "ISTV_DATE_FORMAT", "ISTV_DATETIME_FORMAT",
    "ISTV_LOCATION_TYPES", "ISTV_METHODS", "Venues", "build_venues", "write_ae",
]

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


@dataclass
class Venues:
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


def build_venues(rng: np.random.Generator, snaps: Snaps, geo: Geography, postcodes: pd.DataFrame) -> Venues:
    """Synthetic pubs and clubs at the night-time core snap points of the towns."""
    names, towns, xs, ys, at_snaps = [], [], [], [], []
    for t, share in enumerate(TOWN_SHARE_PCT):
        if share < VENUE_MIN_SHARE_PCT:
            continue
        n = int(np.clip(round(VENUES_PER_SHARE_PCT * share), *VENUES_PER_TOWN))
        core = np.flatnonzero((snaps.kind == KIND_CORE) & (snaps.group == t))
        w = snaps.nte_weight[core]
        at = rng.choice(core, size=min(n, len(core)), replace=False, p=w / w.sum())
        n_clubs = min(max(1, n // 5), len(CLUB_NAMES))
        pool = [PUB_NAMES[i] for i in rng.permutation(len(PUB_NAMES))[: len(at) - n_clubs]]
        pool += [CLUB_NAMES[i] for i in rng.permutation(len(CLUB_NAMES))[:n_clubs]]
        vx, vy = jitter(rng, snaps.x[at], snaps.y[at], 30.0, geo.county)
        names += pool
        towns += [t] * len(at)
        at_snaps.append(at)
        xs.append(np.round(vx))
        ys.append(np.round(vy))
    x, y = np.concatenate(xs), np.concatenate(ys)
    return Venues(name=np.asarray(names, dtype=object), town=np.asarray(towns), snap=np.concatenate(at_snaps),
                   x=x, y=y, postcode=_nearest_postcodes(postcodes, x, y))


def _ed_of(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index into ``EDS`` of the nearest emergency department."""
    ex, ey = to_bng([e[4] for e in EDS], [e[3] for e in EDS])
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


def _draw_assaults(rng: np.random.Generator, site: int, events: Events, snaps: Snaps, geo: Geography,
                   venues: Venues, months: list[str]) -> _Assaults:
    """One ED's assaults: ~40 % matching a police violence record, the rest known only to the ED."""
    violence = POLICE_CATEGORIES.index("Violence and sexual offences")
    snap_ed = _ed_of(snaps.x, snaps.y)
    venue_ed = _ed_of(venues.x, venues.y)
    mean = EDS[site][5]
    season = np.array(MONTHLY_COUNTS["Violence and sexual offences"], dtype=float)
    season = season / season.mean()
    catchment = (snap_ed == site) & (snaps.kind <= KIND_RURAL)
    p_street = place_probabilities(snaps, nondomestic_violence_mix(), True) * catchment
    p_home = place_probabilities(snaps, HOME_MIX, False) * catchment
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
        x, y = jitter(rng, snaps.x[snap], snaps.y[snap], TRUE_PLACE_JITTER_M, geo.county)
        licensed = np.flatnonzero(loc_type == "02")
        local = np.flatnonzero(venue_ed == site)
        if len(licensed) and len(local):
            vw = TOWN_SHARE_PCT[venues.town[local]]
            venue[licensed] = rng.choice(local, size=len(licensed), p=vw / vw.sum())
            snap[licensed] = venues.snap[venue[licensed]]
            x[licensed], y[licensed] = jitter(rng, venues.x[venue[licensed]], venues.y[venue[licensed]], 25.0,
                                               geo.county)
        profile = np.where(np.isin(loc_type, ["01", "02"]), "nte", np.where(home, "domestic", "day"))
        t = np.empty(k, dtype="datetime64[m]")
        for name in ("nte", "domestic", "day"):
            sel = np.flatnonzero(profile == name)
            if len(sel):
                t[sel] = draw_times(rng, month, name, len(sel))
        xs.append(x); ys.append(y); ts.append(t); types.append(loc_type)
        snap_list.append(snap); venue_list.append(venue); police.append(np.full(k, -1))
    return _Assaults(site=site, x=np.concatenate(xs), y=np.concatenate(ys), time=np.concatenate(ts),
                     location_type=np.concatenate(types), snap=np.concatenate(snap_list),
                     venue=np.concatenate(venue_list), police_row=np.concatenate(police))


def _abbreviate(street: str) -> str:
    return street.replace(" Street", " St").replace(" Road", " Rd").replace(" Avenue", " Ave")


def _describe(rng: np.random.Generator, a: _Assaults, snaps: Snaps, venues: Venues,
              postcodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Free-text location descriptions and their kind (postcode, sector, venue, street, vague)."""
    n = len(a.x)
    postcode = _nearest_postcodes(postcodes, a.x, a.y) if n else np.array([], dtype=object)
    vtree = cKDTree(np.column_stack([venues.x, venues.y]))
    vdist, vnear = vtree.query(np.column_stack([a.x, a.y])) if n else (np.array([]), np.array([], int))
    town_names = TOWN_NAMES
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


def write_ae(out: Path, rng: np.random.Generator, events: Events, snaps: Snaps, geo: Geography,
              venues: Venues, postcodes: pd.DataFrame, months: list[str]) -> dict[str, int | None]:
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
            "Reporting Period Start Date": fmt_minutes(period.astype("datetime64[m]").astype(np.int64),
                                                        ISTV_DATE_FORMAT),
            "Reporting Period End Date": fmt_minutes(period_end.astype("datetime64[m]").astype(np.int64),
                                                      ISTV_DATE_FORMAT),
            "Site Code": site_code,
            "Arrival Date and Time": fmt_minutes(arrival.astype(np.int64), ISTV_DATETIME_FORMAT),
            "Assault Date and Time": fmt_minutes(a.time.astype(np.int64), ISTV_DATETIME_FORMAT),
            "Assault Method": method,
            "Assault Method Other Description": other,
            "Assault Location Type": a.location_type,
            "Assault Location Description": text,
        }, columns=list(ISTV_COLUMNS))
        rel = f"ae/istv_{key}_synthetic.csv"
        files[rel] = write_csv(out / rel, frame)
        lon, lat = to_lonlat(a.x, a.y)
        matched = a.police_row >= 0
        row = np.maximum(a.police_row, 0)
        truth.append(pd.DataFrame({
            "file": rel.split("/")[-1], "row_index": np.arange(n), "site_code": site_code,
            "true_easting": np.round(a.x).astype(np.int64), "true_northing": np.round(a.y).astype(np.int64),
            "true_longitude": fmt6(lon), "true_latitude": fmt6(lat),
            "location_kind": kinds, "police_match": matched,
            "police_crime_id": np.where(matched, events.crime_id[row], ""),
            "rms_crime_reference": np.where(matched, events.rms_reference[row], ""),
        }))
    files["ae/ground_truth_synthetic.csv"] = write_csv(out / "ae/ground_truth_synthetic.csv",
                                                        pd.concat(truth, ignore_index=True))
    gazetteer = pd.DataFrame({
        "name": venues.name, "town": np.asarray(TOWN_NAMES, dtype=object)[venues.town],
        "postcode": venues.postcode, "easting": venues.x.astype(np.int64), "northing": venues.y.astype(np.int64),
    })
    files["ae/venues_gazetteer.csv"] = write_csv(out / "ae/venues_gazetteer.csv", gazetteer)
    write_text(out / "ae/istv_codes.toml", _istv_codes_toml())
    files["ae/istv_codes.toml"] = None
    return files


def _draw_methods(rng: np.random.Generator, a: _Assaults, events: Events) -> np.ndarray:
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

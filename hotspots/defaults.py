"""Analysis defaults in one place, each with its source, and one parameter spec per setting.

Data constants (categories, CRS, grid resolutions) are in ``geo.constants``. ``SPECS`` declares each tunable
setting once (type, range, unit, help): estimators check against it, the command line and the app's widgets
are built from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

from geo.constants import AE_CATEGORY, H3_DEFAULT_RES  # noqa: F401  (re-exported)
from geo.errors import SettingError

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
#: Largest patrol area (km2): a hot spot is an address or a few street blocks (Minneapolis: Sherman &
#: Weisburd 1995; Sacramento: Telep, Mitchell & Weisburd 2014), and the Koper curve's 11-15 minute visit
#: assumes a spot an officer can see from where they stand (Koper 1995; DOMAIN.md section 4). 0.2 km2 is
#: about two res-9 hexagons (~450 m across): a few street blocks. Larger hot zones are split into areas.
PATROL_MAX_AREA_KM2 = 0.2
#: Longest walk (m) in one patrol area: past the street-level hexagons holding its crimes (res 10 for res-9
#: areas), straight lines from the busiest. 1 km is a 15-minute visit at a foot-patrol pace of about 4 km/h
#: (the Koper curve's upper end, Koper 1995; Telep et al. 2014: 12-16 minute visits).
PATROL_MAX_WALK_M = 1000.0
#: Minutes at least between two visits of one team, to get from one area to the next
#: (neighbouring areas, on foot or by car): a team holds at most 120 // (15 + 5) = 6 areas.
PATROL_TRAVEL_MIN = 5.0
#: A patrol plan suggests another of PATROL_SHIFTS when its hours hold at least this many
#: percentage points more of the areas' dated incidents than the shift chosen.
PATROL_SHIFT_HINT_PP = 10.0

# -- Planners' crime types and recording artefacts (issue 15) -------------------------------
#: Crime types each planner uses when none is chosen (the sidebar's types, or --types, replace them).
#: Patrol: every type except those police find by patrolling (DOMAIN.md section 3): planning patrols on
#: them sends patrols where patrols already were.
PATROL_DEFAULT_TYPES: tuple[str, ...] = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Other crime",
    "Other theft", "Public order", "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
    "Violence and sexual offences")
PATROL_TYPES_WHY = ("all crime types except drugs and possession of weapons, which police find by patrolling: "
                    "planning on them sends patrols where patrols already were")
#: Mobile CCTV: crime and ASB in public view. Out unless chosen: shoplifting (the shop's own CCTV), other
#: theft (making off without payment, theft by employees), burglary (inside homes and premises), other crime
#: (fraud, forgery), drugs and weapon possession (found by police activity).
CCTV_DEFAULT_TYPES: tuple[str, ...] = (
    "Anti-social behaviour", "Bicycle theft", "Criminal damage and arson", "Public order", "Robbery",
    "Theft from the person", "Vehicle crime", "Violence and sexual offences")
CCTV_TYPES_WHY = ("street crime and anti-social behaviour a camera in a public place can see; shoplifting "
                  "(the shop's own CCTV), other theft, burglary (indoors), other crime, drugs and weapon "
                  "possession (found by police activity) are out unless chosen")
#: Knife sweeps: the weapon-violence types of the score (SWEEP_WEIGHTS).
SWEEP_DEFAULT_TYPES: tuple[str, ...] = ("Violence and sexual offences", "Possession of weapons", "Robbery")
SWEEP_TYPES_WHY = "weapon violence (violence and sexual offences, possession of weapons and robbery)"
#: police.uk place names that are recording artefacts (DOMAIN.md section 2, "Recording artefacts"): the
#: snap point's name after "On or near ", matched whole (so "Hospital Road" is a street), and why.
ARTEFACT_PLACES: dict[str, str] = {
    "Police Station": "crimes reported at the station are often located there",
    "Hospital": "crimes whose victims are treated there are often located there",
    "Supermarket": "shoplifting that the shop's own CCTV covers",
    "Petrol Station": "making off without payment that the station's own CCTV covers",
}
#: A snap point holding at least this share (%) of the incidents of its res-9 hexagon and the six around it
#: (about 0.7 km2), with at least ARTEFACT_MIN_INCIDENTS of them, is flagged too. police.uk snaps each crime to
#: a point with 8 or more addresses in its catchment, so a town's 0.7 km2 holds dozens of points: one point
#: taking half of all the crime around it is where crime is recorded (a hospital car park, a custody suite, a
#: prison, motorway services), not where it is spread. On the real Hertfordshire 2021 violence this flags 10
#: points and none of the town-centre nightclubs or shopping areas (a single hexagon would flag 34, with them).
ARTEFACT_SHARE_PCT = 50.0
ARTEFACT_MIN_INCIDENTS = 30
ARTEFACT_RES = 9


# -- Parameter specifications ------------------------------------------------------------
# Each setting is declared once (scikit-learn's ``Interval`` / ``StrOptions`` are the model): its type,
# range, unit and help. The estimators check their parameters with it, the command line builds its
# options from it, and the app's widgets take their range from it, so a range is written in one place.
@dataclass(frozen=True)
class ParamSpec:
    """One setting: what it is, what it may be, and how it is asked for.

    ``closed`` says which ends of ``[low, high]`` are allowed: ``both``, ``left``, ``right`` or ``neither``.

    Examples
    --------
    >>> SPECS["cameras"].check(8, "site_cameras")
    8
    >>> SPECS["cameras"].check(0, "site_cameras")
    Traceback (most recent call last):
    ...
    geo.errors.SettingError: The 'cameras' parameter of site_cameras must be an int in the range [1, 200]. Got 0 instead. ...
    """

    name: str
    label: str
    kind: type
    default: object
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    unit: str = ""
    help: str = ""
    options: tuple = ()
    allow_none: bool = False
    step: float | None = None

    @property
    def option(self) -> str:
        """The command line's option, e.g. ``--bandwidth-m``."""
        return "--" + self.name.replace("_", "-")

    def _end(self, value) -> str:
        return repr(self.kind(value)) if self.kind in (int, float) else f"{value:g}"

    def interval(self) -> str:
        """The allowed range as scikit-learn writes it, e.g. ``(0.0, inf)`` or ``[1, 200]``.

        >>> SPECS["eps_m"].interval(), SPECS["cameras"].interval()
        ('(0.0, inf)', '[1, 200]')
        """
        if self.options:
            return "{" + ", ".join(repr(o) for o in self.options) + "}"
        lo = "-inf" if self.low is None else self._end(self.low)
        hi = "inf" if self.high is None else self._end(self.high)
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        return f"{left}{lo}, {hi}{right}"

    def contains(self, value, allow_none: bool | None = None) -> bool:
        """Whether ``value`` is allowed (type and range); ``allow_none`` overrides the spec's."""
        if value is None:
            return self.allow_none if allow_none is None else allow_none
        if self.options:
            return value in self.options
        if self.kind is bool:
            return isinstance(value, bool)
        if isinstance(value, bool) or not isinstance(value, Real):
            return False
        if self.kind is int and not isinstance(value, Integral):
            return False
        if not math.isfinite(value):
            return False
        lo_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        hi_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return lo_ok and hi_ok

    def message(self, value, owner: str, allow_none: bool | None = None) -> str:
        what = {int: "an int", float: "a float", bool: "a bool", str: "a str"}[self.kind]
        where = f"among {self.interval()}" if self.options else f"in the range {self.interval()}"
        none = " or None" if (self.allow_none if allow_none is None else allow_none) else ""
        return f"The '{self.name}' parameter of {owner} must be {what} {where}{none}. Got {value!r} instead."

    def fix(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"Set {self.name}{unit} to a value {self.interval()}, e.g. {self.default!r}. {self.help}".strip()

    def check(self, value, owner: str = "this setting", *, allow_none: bool | None = None, fix: str | None = None):
        """``value`` checked (ints stay ints, floats become floats), or a ``SettingError`` in scikit-learn's words.

        An estimator whose own parameter must be a number passes ``allow_none=False``; ``fix`` replaces the
        default advice.
        """
        if not self.contains(value, allow_none):
            raise SettingError(self.message(value, owner, allow_none), fix or self.fix())
        if value is None or self.options or self.kind is bool:
            return value
        return self.kind(value)

    def parse(self, text: str):
        """A command-line value: the text read as ``kind`` and checked (argparse's ``type=``)."""
        import argparse

        try:
            value = None if (self.allow_none and text.lower() == "none") else self.kind(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"{self.option} must be {self.kind.__name__}; got {text!r}") from None
        if not self.contains(value):
            raise argparse.ArgumentTypeError(f"{self.option} must be in {self.interval()}"
                                             f"{' ' + self.unit if self.unit else ''}; got {text}")
        return value

    def widget_range(self) -> tuple[float | None, float | None]:
        """(min, max) a page's number widget takes: the spec's own ends, an open end moved in by one step.

        >>> SPECS["bandwidth_m"].widget_range(), SPECS["cameras"].widget_range()
        ((50.0, None), (1, 200))
        """
        step = self.step or 1
        lo = self.low if self.low is None or self.closed in ("both", "left") else self.low + step
        hi = self.high if self.high is None or self.closed in ("both", "right") else self.high - step
        return (self.kind(lo) if lo is not None else None), (self.kind(hi) if hi is not None else None)

    def add_argument(self, parser, *, default=None, help_extra: str = "") -> None:
        """Add this setting's option to an argparse parser (``help_extra`` is argparse text: a percent sign
        written ``%%``)."""
        unit = f" in {self.unit}" if self.unit else ""
        dflt = self.default if default is None else default
        own = f"{self.label}{unit}, {self.interval()} (default {dflt}). {self.help}".replace("%", "%%")  # argparse
        metavar = {"%": "PCT"}.get(self.unit, self.unit.upper().replace(" ", "_")) or self.kind.__name__.upper()
        parser.add_argument(self.option, dest=self.name, type=self.parse, default=default, metavar=metavar,
                            help=own + help_extra)


def _spec(name, label, kind, default, low=None, high=None, closed="both", unit="", help="", **kw) -> ParamSpec:
    return ParamSpec(name, label, kind, default, low, high, closed, unit, help, **kw)


#: Every tunable setting, by its parameter name.
SPECS: dict[str, ParamSpec] = {s.name: s for s in (
    _spec("res", "Hexagon size (H3 resolution)", int, H3_DEFAULT_RES, options=(7, 8, 9, 10, 11),
          help="9 is about 0.1 km² (patrol areas), 10 about 0.015 km² (street level)."),
    _spec("bandwidth_m", "Kernel bandwidth", float, KDE_BANDWIDTH_M, 0.0, None, "neither", "m",
          "How far each incident's weight spreads (quartic kernel).", allow_none=True, step=50.0),
    _spec("eps_m", "DBSCAN search distance", float, DBSCAN_EPS_M, 0.0, None, "neither", "m",
          "Incidents within this distance of each other are neighbours.", allow_none=True, step=10.0),
    _spec("min_samples", "Incidents around a core point", int, DBSCAN_MIN_SAMPLES, 1, None,
          unit="incidents", allow_none=True),
    _spec("min_cluster_size", "Smallest cluster", int, HDBSCAN_MIN_CLUSTER_SIZE, 2, None, unit="incidents",
          allow_none=True),
    _spec("k", "Neighbour rings (k)", int, GISTAR_K, 1, None, unit="rings",
          help="1: the hexagon and its six neighbours."),
    _spec("permutations", "Conditional permutations", int, 0, 0, None, unit="permutations",
          help="0: analytic p-values only."),
    _spec("seed", "Random seed", int, None, 0, 2**32 - 1, allow_none=True,
          help="The same seed gives the same random permutations."),
    _spec("cameras", "Cameras", int, CCTV_CAMERAS, 1, 200, unit="cameras"),
    _spec("radius_m", "Camera coverage radius", float, CCTV_RADIUS_M, 10.0, 1000.0, unit="m",
          help="50-100 m to identify people, 150-250 m to observe.", step=10.0),
    _spec("min_spacing_m", "Least distance between two cameras", float, 0.0, 0.0, 5000.0, unit="m", step=50.0),
    _spec("budget_pct", "Share of the area patrolled", float, PATROL_BUDGET_PCT, 0.0, PATROL_MAX_BUDGET_PCT,
          "right", "%", allow_none=True, step=0.5),
    _spec("n_areas", "Patrol areas", int, None, 1, PATROL_MAX_AREAS, unit="areas", allow_none=True),
    _spec("sweep_areas", "Sweep areas", int, SWEEP_AREAS, 1, 50, unit="areas"),
    _spec("flag_extra", "Added when a record flags a weapon", float, SWEEP_WEAPON_FLAG_EXTRA, 0.0, 10.0,
          unit="weight", step=0.5, help="Force records with a weapon flag score this much more."),
    _spec("visit_min", "Minutes per visit", float, PATROL_VISIT_MIN, 10.0, 15.0, unit="minutes", step=1.0,
          help="The Koper curve: 10-15 minutes; little is gained beyond about 15."),
    _spec("buffer_m", "Buffer ring width", float, WDQ_BUFFER_M, 10.0, 5000.0, unit="m", step=10.0,
          help="The ring round each camera's area where displaced crime would show."),
    _spec("train_months", "Training months", int, 3, 1, 36, unit="months",
          help="Months a naive map counts before each test month."),
    _spec("max_area_km2", "Largest patrol area", float, PATROL_MAX_AREA_KM2, 0.02, 2.0, unit="km²", step=0.01,
          help="A hot spot is a few street blocks (Sherman & Weisburd 1995; Telep et al. 2014): larger "
               "hot zones are split."),
    _spec("max_walk_m", "Longest walk in one patrol area", float, PATROL_MAX_WALK_M, 100.0, 5000.0, unit="m",
          step=50.0, help="Past the streets where its crimes are recorded; 1 km is one 15-minute visit on foot "
                         "(the Koper curve, Koper 1995)."),
    _spec("artefact_share_pct", "Share of the crime around it that flags a place", float, ARTEFACT_SHARE_PCT,
          1.0, 100.0, unit="%", step=1.0,
          help="A police.uk point holding this share of its hexagon and the six around it is a recording artefact."),
    _spec("artefact_min_incidents", "Incidents that flag a place", int, ARTEFACT_MIN_INCIDENTS, 1, None,
          unit="incidents", help="The least a point holds in the period before its share can flag it."),
)}

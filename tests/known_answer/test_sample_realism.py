"""The sample generator's embedded constants against the real police.uk files they were derived from.

Recomputes, from ``../shared/data`` (Hertfordshire street and outcomes files 2021-01 .. 2022-01 and the
boundaries), the category mix, monthly volumes, no-location rates, district shares and outcome mixes that
``geo.sample`` hard-codes and the town table and simplified outlines of ``geo.reference``, and compares a default
synthetic run with the real files.
Skipped where the shared folder is absent (a user's machine); CI always has it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo import sample
from geo.constants import POLICE_CATEGORIES
from geo.reference import outlines
from geo.reference.towns import TOWNS
from geo.sample.police import (
    LAST_OUTCOME_MIX,
    OUTCOME_LAG_PROBS,
    OUTCOME_ROW_SHARE,
    OUTCOME_TYPE_MIX,
    UNDER_INVESTIGATION_BY_AGE,
)
from geo.sample.snaps import CORE_DERIVED_RADIUS_M, DISTRICT_SHARE, RURAL_MIN_DISTANCE_M, SNAP_POINTS_BY_KIND
from geo.sample.volumes import BORDER_SHARE, FAR_OUTSIDE_SHARE, MONTHLY_COUNTS, NO_LOCATION_SHARE, PLACE_MIX

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
STREET = SHARED / "police" / "hertfordshire_2021" / "street"
OUTCOMES = SHARED / "police" / "hertfordshire_2021" / "outcomes"
BOUNDARIES = SHARED / "boundaries"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not STREET.is_dir(), reason="needs ../shared/data (the real police.uk files); CI has it"),
]

#: Tolerances, named once.
COUNT_TOL = 0.5            # embedded counts are rounded means: exact to rounding
RATE_TOL = 0.0006          # embedded rates are rounded to 3-4 decimals
MIX_TOL = 0.0015           # outcome mixes renormalised after rounding
PLACE_TOL = 0.01           # place mix recomputed with town centres rounded to 4 decimals (~10 m)
SYNTH_SHARE_TOL = 0.005    # a default run's category shares against the real ones
SYNTH_MONTH_TOL = 0.05     # a default run's monthly totals against the real calendar-month totals (relative)
SYNTH_DISTRICT_TOL = 0.01  # a default run's district shares against the real ones
OUTLINE_HAUSDORFF_M = 400  # the simplified county outline against the real one

TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


@pytest.fixture(scope="module")
def street() -> pd.DataFrame:
    return pd.concat([pd.read_csv(p) for p in sorted(STREET.glob("*-street.csv"))], ignore_index=True)


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    return pd.concat([pd.read_csv(p) for p in sorted(OUTCOMES.glob("*-outcomes.csv"))], ignore_index=True)


@pytest.fixture(scope="module")
def real_county() -> shapely.Polygon:
    collection = json.loads((BOUNDARIES / "herts_county_cty17_E10000015.geojson").read_text())
    lon, lat = np.asarray(collection["features"][0]["geometry"]["coordinates"][0]).T
    return shapely.Polygon(np.column_stack(TO_BNG.transform(lon, lat)))


@pytest.fixture(scope="module")
def located_in_county(street, real_county) -> pd.DataFrame:
    rows = street[street["Longitude"].notna()].copy()
    rows["x"], rows["y"] = TO_BNG.transform(rows["Longitude"].to_numpy(), rows["Latitude"].to_numpy())
    return rows[shapely.contains_xy(real_county, rows["x"], rows["y"])]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("sample_realism")
    sample.write_sample(folder)
    files = sorted(folder.glob(f"police/*/*-{sample.FORCE_SLUG}-street.csv"))
    return pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in files], ignore_index=True)


def calendar_month_counts(street: pd.DataFrame) -> pd.DataFrame:
    """Rows by crime type and calendar month; a month seen twice (January) is averaged."""
    counts = street.groupby(["Crime type", "Month"]).size().unstack(fill_value=0)
    calendar = counts.columns.str[5:7].astype(int)
    return counts.T.groupby(calendar).mean().T


# ------------------------------------------------------------------------------------------------------------
# Embedded constants recomputed from the real files
# ------------------------------------------------------------------------------------------------------------


def test_monthly_counts_are_the_real_calendar_month_counts(street):
    real = calendar_month_counts(street)
    assert sorted(real.index) == sorted(POLICE_CATEGORIES) == sorted(MONTHLY_COUNTS)
    for category in POLICE_CATEGORIES:
        assert np.abs(np.asarray(MONTHLY_COUNTS[category]) - real.loc[category].to_numpy()).max() <= COUNT_TOL


def test_monthly_totals_span_the_real_range(street):
    totals = street.groupby("Month").size()
    embedded = np.sum([MONTHLY_COUNTS[c] for c in POLICE_CATEGORIES], axis=0)
    assert totals.min() <= embedded.min() and embedded.max() <= totals.max()
    assert 6_800 <= embedded.min() and embedded.max() <= 9_600


def test_no_location_shares_are_the_real_ones(street):
    real = street["Longitude"].isna().groupby(street["Crime type"]).mean()
    for category, share in NO_LOCATION_SHARE.items():
        assert share == pytest.approx(real[category], abs=RATE_TOL), category


def test_district_shares_are_the_real_ones(located_in_county):
    district = located_in_county["LSOA name"].str.rsplit(" ", n=1).str[0]
    real = district.value_counts(normalize=True)
    for name, share in DISTRICT_SHARE.items():
        assert share == pytest.approx(real[name], abs=RATE_TOL), name


def test_last_outcome_mix_is_the_real_settled_mix(street):
    settled = street[(street["Month"] <= "2021-08") & (street["Crime type"] != "Anti-social behaviour")]
    for category, mix in LAST_OUTCOME_MIX.items():
        real = settled.loc[settled["Crime type"] == category, "Last outcome category"].value_counts(normalize=True)
        real = real[real >= 0.005]
        real = real / real.sum()
        assert set(mix) == set(real.index), category
        for outcome, share in mix.items():
            assert share == pytest.approx(real[outcome], abs=MIX_TOL), (category, outcome)


def test_under_investigation_by_age_is_the_real_one(street):
    crimes = street[street["Crime type"] != "Anti-social behaviour"]
    open_share = (crimes["Last outcome category"] == "Under investigation").groupby(crimes["Month"]).mean()
    recent = open_share.sort_index(ascending=False).to_numpy()[: len(UNDER_INVESTIGATION_BY_AGE)]
    assert np.allclose(UNDER_INVESTIGATION_BY_AGE, recent, atol=RATE_TOL)
    assert open_share[open_share.index <= "2021-08"].max() == 0.0


def test_outcome_lags_and_shares_are_the_real_ones(street, outcomes):
    crimes = street[street["Crime ID"].notna()]
    early = crimes[crimes["Month"] <= "2021-06"]
    has_row = early["Crime ID"].isin(outcomes["Crime ID"]).groupby(early["Crime type"]).mean()
    for category, share in OUTCOME_ROW_SHARE.items():
        assert share == pytest.approx(has_row[category], abs=RATE_TOL), category

    january = crimes.loc[crimes["Month"] == "2021-01", ["Crime ID"]]
    first = outcomes.merge(january, on="Crime ID").sort_values("Month").drop_duplicates("Crime ID")
    lag = first["Month"].str[:4].astype(int) * 12 + first["Month"].str[5:].astype(int) - (2021 * 12 + 1)
    real = lag.value_counts(normalize=True).sort_index()
    assert np.allclose(OUTCOME_LAG_PROBS, real.reindex(range(13), fill_value=0).to_numpy(), atol=RATE_TOL)

    types = outcomes["Outcome type"].value_counts(normalize=True)
    for outcome, share in OUTCOME_TYPE_MIX.items():
        assert share == pytest.approx(types[outcome], abs=RATE_TOL), outcome


def test_place_mix_and_town_shares_follow_the_real_points(located_in_county):
    lon = np.array([t[2] for t in TOWNS])
    lat = np.array([t[1] for t in TOWNS])
    cx, cy = TO_BNG.transform(lon, lat)
    x, y = located_in_county["x"].to_numpy(), located_in_county["y"].to_numpy()
    d = np.hypot(x[:, None] - cx[None, :], y[:, None] - cy[None, :])
    nearest, distance = d.argmin(axis=1), d.min(axis=1)
    retail = located_in_county["Location"].isin(["On or near Supermarket", "On or near Shopping Area"]).to_numpy()
    kind = np.where(retail, "retail", np.where(distance < CORE_DERIVED_RADIUS_M, "core",
                                               np.where(distance > RURAL_MIN_DISTANCE_M, "rural",
                                                        "residential")))
    mix = pd.crosstab(located_in_county["Crime type"].to_numpy(), kind, normalize="index")
    for category, shares in PLACE_MIX.items():
        real = mix.loc[category, ["core", "retail", "residential", "rural"]].to_numpy()
        assert np.allclose(shares, real, atol=PLACE_TOL), category

    in_town = distance <= RURAL_MIN_DISTANCE_M
    share = np.bincount(nearest[in_town], minlength=len(TOWNS)) / in_town.sum() * 100
    assert np.allclose([t[5] for t in TOWNS], share, atol=0.15)
    # the towns of the brief are all there, the big ones in the right order
    names = [t[0] for t in TOWNS]
    for town in ("Watford", "Stevenage", "St Albans", "Hemel Hempstead", "Welwyn Garden City", "Hatfield",
                 "Hertford", "Cheshunt", "Hitchin", "Letchworth Garden City", "Borehamwood", "Bishop's Stortford",
                 "Ware", "Harpenden", "Potters Bar", "Berkhamsted", "Royston", "Rickmansworth", "Bushey",
                 "Hoddesdon", "Tring", "Baldock", "Sawbridgeworth"):
        assert town in names, town
    assert set(names[:3]) == {"Stevenage", "Hemel Hempstead", "Watford"}


def test_snap_point_count_is_the_real_one(located_in_county):
    distinct = located_in_county[["Longitude", "Latitude"]].drop_duplicates()
    assert sum(SNAP_POINTS_BY_KIND.values()) == pytest.approx(len(distinct), rel=0.01)


def test_simplified_outline_follows_the_real_county(real_county):
    simplified = shapely.Polygon(outlines.COUNTY)
    assert simplified.symmetric_difference(real_county).area < 0.01 * real_county.area
    assert simplified.exterior.hausdorff_distance(real_county.exterior) < OUTLINE_HAUSDORFF_M
    assert len(simplified.exterior.coords) < 0.5 * len(real_county.exterior.coords)


# ------------------------------------------------------------------------------------------------------------
# A default synthetic run against the real files
# ------------------------------------------------------------------------------------------------------------


def test_synthetic_category_mix_matches_the_real_mix(street, synthetic):
    real = street["Crime type"].value_counts(normalize=True)
    fake = synthetic["Crime type"].value_counts(normalize=True)
    for category in POLICE_CATEGORIES:
        assert fake[category] == pytest.approx(real[category], abs=SYNTH_SHARE_TOL), category


def test_synthetic_monthly_volumes_match_the_real_seasonality(street, synthetic):
    real = street.groupby(street["Month"].str[5:7].astype(int)).size() / street.groupby(
        street["Month"].str[5:7].astype(int))["Month"].nunique()
    fake = synthetic.groupby(synthetic["Month"].str[5:7].astype(int)).size() / 2  # two years
    assert np.allclose(fake.sort_index().to_numpy(), real.sort_index().to_numpy(), rtol=SYNTH_MONTH_TOL)
    assert fake.idxmax() == real.idxmax() and fake.idxmin() == real.idxmin()


def test_synthetic_district_shares_match_the_real_ones(located_in_county, synthetic):
    real = located_in_county["LSOA name"].str.rsplit(" ", n=1).str[0].value_counts(normalize=True)
    located = synthetic[synthetic["LSOA name"] != ""]
    fake = located["LSOA name"].str.rsplit(" ", n=1).str[0].value_counts(normalize=True)
    for name in DISTRICT_SHARE:
        assert fake[name] == pytest.approx(real[name], abs=SYNTH_DISTRICT_TOL), name


def test_synthetic_quirk_rates_are_near_the_real_ones(street, real_county, synthetic):
    real_none = street["Longitude"].isna().mean()
    fake_none = (synthetic["Longitude"] == "").mean()
    assert fake_none == pytest.approx(real_none, abs=0.002)
    located = street[street["Longitude"].notna()]
    x, y = TO_BNG.transform(located["Longitude"].to_numpy(), located["Latitude"].to_numpy())
    real_outside = (~shapely.contains_xy(real_county, x, y)).sum() / len(street)
    fake_outside = FAR_OUTSIDE_SHARE + BORDER_SHARE
    # DOMAIN.md: ~1 % far outside and ~1-2 % just over the border; the real 2021 files had 1.27 % outside
    assert 0.01 <= real_outside <= fake_outside <= 0.03

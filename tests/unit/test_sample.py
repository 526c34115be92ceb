"""The synthetic sample generator (``geo.sample``): determinism, layouts, rates and planted patterns.

A two-month run (seed 11) checks layouts and invariants; a default run (seed 2024, 24 months) checks the
volumes and patterns that need the whole period (near-repeat burglary, snap-point count, RMS size).
"""

from __future__ import annotations

import builtins
import hashlib
import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo import sample
from geo.constants import POLICE_CATEGORIES, POLICE_OUTCOME_COLUMNS, POLICE_STREET_COLUMNS
from geo.errors import SettingError
from geo.reference import outlines
from geo.sample.ae import AE_POLICE_MATCH_SHARE, DESCRIPTION_KINDS, ISTV_COLUMNS, ISTV_DATE_FORMAT, ISTV_DATETIME_FORMAT
from geo.sample.cctv import CCTV_COLUMNS
from geo.sample.crimes import NEAR_REPEAT_MAX_DAYS, NEAR_REPEAT_MAX_M
from geo.sample.geography import county_postcodes
from geo.sample.police import OUTCOME_TYPE_MIX
from geo.sample.rms import BURGLARY_WINDOW_HOURS, RMS_COLUMNS, RMS_DATETIME_FORMAT, RMS_DISTRICTS
from geo.sample.times import NIGHT_ENDS_HOUR
from geo.sample.volumes import BORDER_SHARE, FAR_OUTSIDE_SHARE, MONTHLY_COUNTS, NO_LOCATION_SHARE

SMALL_SEED = 11
SMALL_MONTHS = 2

#: Tolerances, named once.
SHARE_TOL = 0.006          # category share of all rows (absolute) in a two-month run (~16k rows)
RATE_TOL_SMALL = 0.004     # no-location / outside rates in a two-month run
RATE_TOL_FULL = 0.002      # the same in the default run (~200k rows)
POISSON_SIGMAS = 5.0       # a month's total may differ from its mean by this many Poisson sd

TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def read(path: Path) -> pd.DataFrame:
    """A generated CSV as text, blanks kept as empty strings."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def street_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"police/*/*-{sample.FORCE_SLUG}-street.csv"))


def outcome_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"police/*/*-{sample.FORCE_SLUG}-outcomes.csv"))


def all_street_rows(folder: Path) -> pd.DataFrame:
    return pd.concat([read(p) for p in street_files(folder)], ignore_index=True)


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def county_polygon(folder: Path) -> shapely.Polygon:
    collection = json.loads((folder / "boundary/county_synthetic.geojson").read_text())
    return shapely.geometry.shape(collection["features"][0]["geometry"])


def county_polygon_bng(folder: Path) -> shapely.Polygon:
    lon, lat = np.asarray(county_polygon(folder).exterior.coords).T
    return shapely.Polygon(np.column_stack(TO_BNG.transform(lon, lat)))


def district_polygons_bng(folder: Path) -> dict[str, shapely.Polygon]:
    collection = json.loads((folder / "boundary/districts_synthetic.geojson").read_text())
    result = {}
    for feature in collection["features"]:
        lon, lat = np.asarray(feature["geometry"]["coordinates"][0]).T
        result[feature["properties"]["district_name"]] = shapely.Polygon(np.column_stack(TO_BNG.transform(lon, lat)))
    return result


def expected_month_total(month: str) -> float:
    return float(sum(counts[int(month[5:7]) - 1] for counts in MONTHLY_COUNTS.values()))


def knox_ratio(folder: Path, shuffles: int = 20, seed: int = 0) -> tuple[int, float, int]:
    """Burglary pairs within 400 m and 60 days: observed, mean and max over time-shuffled copies."""
    rms = read(folder / "rms/herts_rms_synthetic.csv")
    burglary = rms[rms["Crime Type"] == "Burglary"]
    xy = burglary[["Easting", "Northing"]].astype(float).to_numpy()
    start = pd.to_datetime(burglary["Committed From"], format=RMS_DATETIME_FORMAT)
    days = ((start - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400).to_numpy()
    pairs = cKDTree(xy).query_pairs(NEAR_REPEAT_MAX_M, output_type="ndarray")

    def close_in_time(t: np.ndarray) -> int:
        return int((np.abs(t[pairs[:, 0]] - t[pairs[:, 1]]) <= NEAR_REPEAT_MAX_DAYS).sum())

    rng = np.random.default_rng(seed)
    expected = [close_in_time(rng.permutation(days)) for _ in range(shuffles)]
    return close_in_time(days), float(np.mean(expected)), int(np.max(expected))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("sample_small")
    return folder, sample.write_sample(folder, seed=SMALL_SEED, months=SMALL_MONTHS)


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("sample_full")
    return folder, sample.write_sample(folder)


# ------------------------------------------------------------------------------------------------------------
# Determinism, files, settings
# ------------------------------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(small, tmp_path):
    folder, _ = small
    sample.write_sample(tmp_path, seed=SMALL_SEED, months=SMALL_MONTHS)
    assert file_hashes(tmp_path) == file_hashes(folder)


def test_another_seed_gives_other_data(small, tmp_path):
    folder, _ = small
    sample.write_sample(tmp_path, seed=SMALL_SEED + 1, months=1)
    name = f"police/2023-01/2023-01-{sample.FORCE_SLUG}-street.csv"
    assert (tmp_path / name).read_bytes() != (folder / name).read_bytes()


def test_summary_lists_every_file_with_its_rows(small):
    folder, summary = small
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert set(summary["files"]) == written
    for rel, rows in summary["files"].items():
        if rel.endswith(".csv"):
            assert rows == len(read(folder / rel)), rel
        elif rel.endswith(".geojson"):
            assert rows == len(json.loads((folder / rel).read_text())["features"]), rel
    assert summary["seed"] == SMALL_SEED and summary["months"] == SMALL_MONTHS


def test_every_file_name_says_synthetic(small):
    folder, _ = small
    for rel in small[1]["files"]:
        name = Path(rel).name
        assert "synthetic" in name or name in {"mapping.toml", "istv_codes.toml", "venues_gazetteer.csv",
                                               ".generated"}, rel
    assert "SYNTHETIC" in (folder / "ae/istv_codes.toml").read_text()
    assert "SYNTHETIC" in (folder / "rms/mapping.toml").read_text()


def test_stamp_is_written_last_with_seed_months_and_version(small):
    folder, _ = small
    stamp = json.loads((folder / ".generated").read_text())
    assert stamp["seed"] == SMALL_SEED and stamp["months"] == SMALL_MONTHS
    assert stamp["version"] == sample.SAMPLE_VERSION
    last = max(p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file() and p.name != ".generated")
    assert (folder / ".generated").stat().st_mtime_ns >= last


def test_a_shorter_rerun_leaves_no_stale_months(tmp_path):
    sample.write_sample(tmp_path, months=2)
    sample.write_sample(tmp_path, months=1)
    assert [p.parent.name for p in street_files(tmp_path)] == ["2023-01"]
    assert json.loads((tmp_path / ".generated").read_text())["months"] == 1


def test_progress_goes_from_zero_to_one(tmp_path):
    calls = []
    sample.write_sample(tmp_path, months=1, progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(isinstance(m, str) and m for _, m in calls)


def test_generator_reads_nothing_from_shared(tmp_path, monkeypatch):
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if "shared" in Path(str(file)).parts:
            raise AssertionError(f"the generator opened {file}")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    sample.write_sample(tmp_path, months=1)


@pytest.mark.parametrize("kwargs, word", [
    ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"months": 0}, "months"),
    ({"months": sample.MAX_MONTHS + 1}, "months"), ({"first_month": "2023-13"}, "first_month"),
    ({"first_month": "Jan 2023"}, "first_month"),
])
def test_bad_settings_raise_a_sentence(tmp_path, kwargs, word):
    with pytest.raises(SettingError, match=word) as err:
        sample.write_sample(tmp_path, **kwargs)
    assert err.value.fix
    assert not any(tmp_path.iterdir())


# ------------------------------------------------------------------------------------------------------------
# police.uk files
# ------------------------------------------------------------------------------------------------------------


def test_police_files_follow_the_bulk_download_layout(small):
    folder, _ = small
    assert [p.relative_to(folder).as_posix() for p in street_files(folder)] == [
        f"police/2023-0{m}/2023-0{m}-hertfordshire-synthetic-street.csv" for m in (1, 2)]
    assert len(outcome_files(folder)) == SMALL_MONTHS
    for path in street_files(folder):
        assert path.read_text().splitlines()[0] == ",".join(POLICE_STREET_COLUMNS)
        assert b"\r\n" not in path.read_bytes()
    for path in outcome_files(folder):
        assert path.read_text().splitlines()[0] == ",".join(POLICE_OUTCOME_COLUMNS)


def test_street_rows_are_well_formed(small):
    folder, _ = small
    for path in street_files(folder):
        rows = read(path)
        month = path.parent.name
        assert (rows["Month"] == month).all()
        assert (rows["Reported by"] == sample.SYNTHETIC_FORCE).all()
        assert (rows["Falls within"] == sample.SYNTHETIC_FORCE).all()
        assert set(rows["Crime type"]) <= set(POLICE_CATEGORIES)
        assert (rows["Context"] == "").all()
        located = rows[rows["Longitude"] != ""]
        assert located["Longitude"].str.fullmatch(r"-?\d+\.\d{6}").all()
        assert located["Latitude"].str.fullmatch(r"\d+\.\d{6}").all()
        assert located["Location"].str.startswith("On or near ").all()
        assert located["LSOA code"].str.fullmatch(r"E0109\d{4}").all()
        assert located["LSOA name"].str.fullmatch(r"[A-Za-z' -]+ \d{3}[A-E]").all()


def test_crime_ids_blank_for_asb_and_64_hex_otherwise(small):
    folder, _ = small
    rows = all_street_rows(folder)
    asb = rows["Crime type"] == "Anti-social behaviour"
    assert (rows.loc[asb, "Crime ID"] == "").all()
    assert rows.loc[~asb, "Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert rows.loc[~asb, "Crime ID"].is_unique
    assert (rows.loc[asb, "Last outcome category"] == "").all()
    assert (rows.loc[~asb, "Last outcome category"] != "").all()


def test_monthly_totals_follow_the_embedded_volumes(small):
    folder, _ = small
    for path in street_files(folder):
        mean = expected_month_total(path.parent.name)
        assert abs(len(read(path)) - mean) < POISSON_SIGMAS * np.sqrt(mean), path.name


def test_category_shares_follow_the_embedded_mix(small):
    folder, _ = small
    rows = all_street_rows(folder)
    months = [p.parent.name for p in street_files(folder)]
    expected = {c: sum(MONTHLY_COUNTS[c][int(m[5:7]) - 1] for m in months) for c in POLICE_CATEGORIES}
    total = sum(expected.values())
    shares = rows["Crime type"].value_counts(normalize=True)
    for category in POLICE_CATEGORIES:
        assert shares.get(category, 0.0) == pytest.approx(expected[category] / total, abs=SHARE_TOL), category


def test_rows_without_coordinates_are_blank_and_at_the_real_rate(small):
    folder, _ = small
    rows = all_street_rows(folder)
    blank = rows["Longitude"] == ""
    assert ((rows["Latitude"] == "") == blank).all()
    assert (rows.loc[blank, "Location"] == "No Location").all()
    assert (rows.loc[blank, ["LSOA code", "LSOA name"]] == "").all().all()
    expected = sum(NO_LOCATION_SHARE[c] * n for c, n in rows["Crime type"].value_counts().items())
    assert blank.mean() == pytest.approx(expected / len(rows), abs=RATE_TOL_SMALL)


def outside_rates(folder: Path) -> tuple[float, float, pd.DataFrame]:
    """Shares of all rows outside the written county outline: within 5 km of it, and further."""
    rows = all_street_rows(folder)
    located = rows[rows["Longitude"] != ""]
    x, y = TO_BNG.transform(located["Longitude"].astype(float).to_numpy(), located["Latitude"].astype(float).to_numpy())
    county = county_polygon_bng(folder)
    outside = ~shapely.contains_xy(county, x, y)
    distance = shapely.distance(county, shapely.points(x[outside], y[outside]))
    near = int((distance <= 5000).sum())
    return near / len(rows), (outside.sum() - near) / len(rows), located[outside]


def test_rows_outside_the_county_outline_at_the_stated_rates(small):
    folder, _ = small
    near, far, outside = outside_rates(folder)
    assert near == pytest.approx(BORDER_SHARE, abs=RATE_TOL_SMALL)
    assert far == pytest.approx(FAR_OUTSIDE_SHARE, abs=RATE_TOL_SMALL)
    herts = {name for _, name, _ in outlines.DISTRICTS}
    assert not outside["LSOA name"].str.rsplit(" ", n=1).str[0].isin(herts).any()


def test_outcomes_refer_to_crimes_of_the_same_or_an_earlier_month(small):
    folder, _ = small
    crimes = all_street_rows(folder)
    crimes = crimes[crimes["Crime ID"] != ""].set_index("Crime ID")["Month"]
    outcomes = pd.concat([read(p) for p in outcome_files(folder)], ignore_index=True)
    assert len(outcomes) > 0.1 * len(crimes)  # young crimes are mostly still "Under investigation"
    assert outcomes["Crime ID"].isin(crimes.index).all()
    assert (outcomes["Month"].to_numpy() >= crimes.loc[outcomes["Crime ID"]].to_numpy()).all()
    assert set(outcomes["Outcome type"]) <= set(OUTCOME_TYPE_MIX)
    assert (outcomes.loc[outcomes["Longitude"] == "", "Location"] == "No location").all()


# ------------------------------------------------------------------------------------------------------------
# Force records (RMS)
# ------------------------------------------------------------------------------------------------------------

MAPPING_TOML = '''# Column mapping for the synthetic force-records export (see README: "Force records").
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
'''


def test_rms_mapping_is_exactly_the_agreed_file(small):
    folder, _ = small
    text = (folder / "rms/mapping.toml").read_text()
    assert text == MAPPING_TOML
    mapping = tomllib.loads(text)
    rms = read(folder / "rms/herts_rms_synthetic.csv")
    assert set(mapping["columns"].values()) <= set(rms.columns)
    assert set(rms["Crime Type"]) == set(mapping["categories"])


def test_rms_rows_parse_and_windows_are_ordered(small):
    folder, _ = small
    rms = read(folder / "rms/herts_rms_synthetic.csv")
    assert list(rms.columns) == list(RMS_COLUMNS)
    start = pd.to_datetime(rms["Committed From"], format=RMS_DATETIME_FORMAT)
    stop = pd.to_datetime(rms["Committed To"], format=RMS_DATETIME_FORMAT)
    assert (start <= stop).all()
    burglary = rms["Crime Type"] == "Burglary"
    assert (start[~burglary] == stop[~burglary]).all()
    hours = (stop - start)[burglary].dt.total_seconds() / 3600
    assert hours.between(0.5, 2 * BURGLARY_WINDOW_HOURS[1] + 0.5).all()
    assert rms["Easting"].str.fullmatch(r"\d{6}").all() and rms["Northing"].str.fullmatch(r"\d{6}").all()
    assert set(rms["Domestic Flag"]) <= {"Y", "N"} and set(rms["Weapon Flag"]) <= {"Y", "N"}
    assert rms["Crime Reference"].is_unique


def test_rms_records_lie_in_the_export_districts(small):
    folder, _ = small
    rms = read(folder / "rms/herts_rms_synthetic.csv")
    districts = district_polygons_bng(folder)
    area = shapely.union_all([districts[d] for d in RMS_DISTRICTS]).buffer(1.0)
    assert shapely.contains_xy(area, rms["Easting"].astype(float), rms["Northing"].astype(float)).all()


def test_town_centre_violence_peaks_on_friday_and_saturday_nights(full):
    folder, _ = full
    rms = read(folder / "rms/herts_rms_synthetic.csv")
    t = pd.to_datetime(rms["Committed From"], format=RMS_DATETIME_FORMAT)
    evening = (t - pd.Timedelta(hours=NIGHT_ENDS_HOUR)).dt.day_of_week  # 01:00 Saturday is Friday night
    night = evening.isin([4, 5]) & ((t.dt.hour >= 22) | (t.dt.hour < 3))
    violence = (rms["Crime Type"] == "Violence") & (rms["Domestic Flag"] == "N")
    hours_share = 2 * 5 / 168  # Friday and Saturday 22:00-03:00 as a share of the week
    assert night[violence].mean() > 1.4 * hours_share


def test_near_repeat_burglary_beats_shuffled_times(full):
    observed, expected, most = knox_ratio(full[0])
    assert observed > most
    assert observed / expected > 1.05


def test_rms_size_over_24_months(full):
    folder, summary = full
    assert 20_000 <= summary["files"]["rms/herts_rms_synthetic.csv"] <= 26_000


# ------------------------------------------------------------------------------------------------------------
# A&E (ISTV)
# ------------------------------------------------------------------------------------------------------------


def ae_files(folder: Path) -> list[Path]:
    return [folder / "ae/istv_lister_synthetic.csv", folder / "ae/istv_watford_synthetic.csv"]


def test_istv_files_have_the_minimum_data_set_columns_and_monthly_periods(small):
    folder, _ = small
    for path, site in zip(ae_files(folder), ("SYN-LISTER", "SYN-WATFORD")):
        rows = read(path)
        assert list(rows.columns) == list(ISTV_COLUMNS)
        assert (rows["Site Code"] == site).all()
        arrival = pd.to_datetime(rows["Arrival Date and Time"], format=ISTV_DATETIME_FORMAT)
        start = pd.to_datetime(rows["Reporting Period Start Date"], format=ISTV_DATE_FORMAT)
        end = pd.to_datetime(rows["Reporting Period End Date"], format=ISTV_DATE_FORMAT)
        assert (start == arrival.dt.to_period("M").dt.start_time).all()
        assert (end == arrival.dt.to_period("M").dt.end_time.dt.normalize()).all()
        codes = tomllib.loads((folder / "ae/istv_codes.toml").read_text())
        assert set(rows["Assault Method"]) <= set(codes["assault_method"])
        assert set(rows["Assault Location Type"]) <= set(codes["assault_location_type"])
        assert (rows.loc[rows["Assault Method"] != "06", "Assault Method Other Description"] == "").all()


def test_arrival_is_0_to_6_hours_after_the_assault(small):
    folder, _ = small
    for path in ae_files(folder):
        rows = read(path)
        arrival = pd.to_datetime(rows["Arrival Date and Time"], format=ISTV_DATETIME_FORMAT)
        assault = pd.to_datetime(rows["Assault Date and Time"], format=ISTV_DATETIME_FORMAT)
        hours = (arrival - assault).dt.total_seconds() / 3600
        assert hours.between(0, 6).all()
        assert arrival.is_monotonic_increasing


def test_codes_file_says_the_codes_are_placeholders(small):
    text = (small[0] / "ae/istv_codes.toml").read_text()
    assert "NOT the official" in text
    codes = tomllib.loads(text)
    assert list(codes["assault_method"]) == ["01", "02", "03", "04", "05", "06", "99"]
    assert codes["assault_method_weapon_class"]["03"] == "knife"
    assert list(codes["assault_location_type"]) == ["01", "02", "03", "04", "05", "06", "07", "99"]


def test_matched_assaults_coincide_with_a_police_record(full):
    folder, _ = full
    truth = read(folder / "ae/ground_truth_synthetic.csv")
    matched = truth["police_match"] == "True"
    assert matched.mean() == pytest.approx(AE_POLICE_MATCH_SHARE, abs=0.03)
    with_rms = truth[matched & (truth["rms_crime_reference"] != "")]
    assert len(with_rms) > 100
    rms = read(folder / "rms/herts_rms_synthetic.csv").set_index("Crime Reference")
    linked = rms.loc[with_rms["rms_crime_reference"]]
    assert (linked["Crime Type"] == "Violence").all()
    assert (linked["Easting"].to_numpy() == with_rms["true_easting"].to_numpy()).all()
    assert (linked["Northing"].to_numpy() == with_rms["true_northing"].to_numpy()).all()
    files = {name: read(folder / "ae" / name) for name in with_rms["file"].unique()}
    assault = [files[f]["Assault Date and Time"].iloc[int(i)] for f, i in zip(with_rms["file"], with_rms["row_index"])]
    assert (pd.to_datetime(pd.Series(assault), format=ISTV_DATETIME_FORMAT).to_numpy()
            == pd.to_datetime(linked["Committed From"], format=RMS_DATETIME_FORMAT).to_numpy()).all()
    crime_ids = set(all_street_rows(folder)["Crime ID"])
    assert truth.loc[matched, "police_crime_id"].isin(crime_ids).all()


def test_ground_truth_has_one_row_per_assault(small):
    folder, _ = small
    truth = read(folder / "ae/ground_truth_synthetic.csv")
    for path in ae_files(folder):
        mine = truth[truth["file"] == path.name]
        assert mine["row_index"].astype(int).tolist() == list(range(len(read(path))))
    county = county_polygon(folder)
    lon, lat = truth["true_longitude"].astype(float), truth["true_latitude"].astype(float)
    assert shapely.contains_xy(county, lon, lat).all()
    assert set(truth["location_kind"]) <= set(DESCRIPTION_KINDS)


def test_location_text_mixes_postcodes_venues_streets_and_vague(full):
    folder, _ = full
    truth = read(folder / "ae/ground_truth_synthetic.csv")
    kinds = truth["location_kind"].value_counts(normalize=True)
    assert 0.20 <= kinds["vague"] <= 0.35
    for kind in ("postcode", "sector", "venue", "street"):
        assert kinds[kind] > 0.05, kind
    text = pd.concat([read(p) for p in ae_files(folder)], ignore_index=True)["Assault Location Description"]
    postcodes = set(county_postcodes(shapely.Polygon(outlines.COUNTY))["postcode"])
    compact = {p.replace(" ", "").lower() for p in postcodes}
    written = text[truth["location_kind"].to_numpy() == "postcode"].str.replace("near ", "", regex=False)
    assert written.map(lambda s: s.replace(" ", "").lower() in compact).all()
    venues = read(folder / "ae/venues_gazetteer.csv")
    assert list(venues.columns) == ["name", "town", "postcode", "easting", "northing"]
    assert venues["postcode"].isin(postcodes).all()


def test_ed_volumes_are_tens_to_low_hundreds_a_month(full):
    folder, _ = full
    for path in ae_files(folder):
        per_month = read(path).groupby("Reporting Period Start Date").size()
        assert len(per_month) == 24
        assert per_month.between(10, 300).all()


# ------------------------------------------------------------------------------------------------------------
# Snap points, CCTV, boundaries
# ------------------------------------------------------------------------------------------------------------


def test_points_sit_on_a_fixed_set_of_snap_points(full):
    rows = all_street_rows(full[0])
    located = rows[rows["Longitude"] != ""]
    distinct = located[["Longitude", "Latitude"]].drop_duplicates()
    assert 10_000 <= len(distinct) <= 13_000
    assert len(located) / len(distinct) > 10  # many crimes share a point
    near, far, _ = outside_rates(full[0])
    assert near == pytest.approx(BORDER_SHARE, abs=RATE_TOL_FULL)
    assert far == pytest.approx(FAR_OUTSIDE_SHARE, abs=RATE_TOL_FULL)


def test_existing_cameras_sit_in_the_county(small):
    folder, _ = small
    cameras = read(folder / "cctv/existing_cctv_synthetic.csv")
    assert list(cameras.columns) == list(CCTV_COLUMNS)
    assert 15 <= len(cameras) <= 25 and cameras["site_id"].is_unique
    assert (cameras["radius_m"].astype(int) > 0).all()
    county = county_polygon(folder)
    assert shapely.contains_xy(county, cameras["longitude"].astype(float), cameras["latitude"].astype(float)).all()


def test_boundaries_are_ten_real_districts_tiling_the_county(small):
    folder, _ = small
    districts = json.loads((folder / "boundary/districts_synthetic.geojson").read_text())
    names = [f["properties"]["district_name"] for f in districts["features"]]
    assert sorted(names) == ["Broxbourne", "Dacorum", "East Hertfordshire", "Hertsmere", "North Hertfordshire",
                             "St Albans", "Stevenage", "Three Rivers", "Watford", "Welwyn Hatfield"]
    assert all(f["properties"]["district_code"].startswith("E07") for f in districts["features"])
    polygons = list(district_polygons_bng(folder).values())
    assert all(p.is_valid for p in polygons)
    assert all(len(p.exterior.coords) <= 400 for p in polygons)
    county = county_polygon_bng(folder)
    assert shapely.union_all(polygons).symmetric_difference(county).area < 1e-4 * county.area
    area = json.loads((folder / "boundary/sample_area_synthetic.geojson").read_text())
    assert [f["properties"]["district_name"] for f in area["features"]] == ["Watford"]

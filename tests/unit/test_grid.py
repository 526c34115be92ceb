"""H3 binning: our vectorised cells and bit-arithmetic parents agree with h3-py everywhere."""

import h3
import numpy as np
import pytest

from geo.errors import SettingError
from geo.grid import cell_to_parent, cells_to_str, check_resolution, lonlat_to_cells, str_to_cells


def test_h3_documentation_example():
    assert cells_to_str(lonlat_to_cells([-122.0553238], [37.3615593], 5))[0] == "85283473fffffff"


@pytest.mark.parametrize("res", range(16))
def test_cells_equal_h3py_at_every_resolution(res):
    rng = np.random.default_rng(res)
    lon, lat = rng.uniform(-6, 2, 300), rng.uniform(50, 56, 300)
    ours = cells_to_str(lonlat_to_cells(lon, lat, res))
    ref = [h3.latlng_to_cell(a, o, res) for a, o in zip(lat, lon)]
    assert list(ours) == ref


@pytest.mark.parametrize("child_res", range(1, 16))
def test_parent_by_bits_equals_h3py_for_every_coarser_resolution(child_res):
    rng = np.random.default_rng(100 + child_res)
    cells = lonlat_to_cells(rng.uniform(-0.8, 0.2, 200), rng.uniform(51.6, 52.1, 200), child_res)
    for res in range(child_res + 1):
        ours = cells_to_str(cell_to_parent(cells, res))
        ref = [h3.cell_to_parent(c, res) for c in cells_to_str(cells)]
        assert list(ours) == ref, (child_res, res)


def test_strings_and_ints_round_trip():
    cells = lonlat_to_cells([-0.39, -0.2], [51.65, 51.9], 11)
    assert (str_to_cells(cells_to_str(cells)) == cells).all()


def test_resolution_outside_the_stored_range_is_a_sentence():
    with pytest.raises(SettingError, match="use one of 7, 8, 9, 10, 11"):
        check_resolution(12)

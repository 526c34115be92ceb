"""Camera siting: the project's optimum equals spopt.MCLP's (pulp/CBC) on the same instances.

Instances small enough for spopt's dense builder: one month of one crime type in one
district, on the synthetic sample and on the real police.uk Hertfordshire files. The same
demand points (distinct coordinates, weights added), candidates (res-10 hexagon centres)
and radius go to both; spopt gets the dense distance matrix.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from geo.boundaries import read_area, read_areas
from geo.ingest.police import ingest_police
from geo.ingest.sample import ingest_sample
from geo.query import Selection
from geo.readers.points import read_points
from geo.sample import write_sample
from geo.store import Store
from hotspots.methods.mclp import solve_mclp, spacing_conflicts
from hotspots.tasks.cctv import build_instance
from tests.conftest import POLICE_STREET_DIR, SHARED_DATA, SHARED_REASON

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

spopt = pytest.importorskip("spopt.locate")
pulp = pytest.importorskip("pulp")

VIOLENCE = "Violence and sexual offences"


def spopt_optimum(inst, p: int) -> float:
    """spopt.MCLP on the instance's dense distance matrix; the weight its chosen sites cover."""
    d = inst.dem[["easting", "northing"]].to_numpy()
    c = inst.cand[["easting", "northing"]].to_numpy()
    cost = cdist(d, c)
    model = spopt.MCLP.from_cost_matrix(cost, inst.w, service_radius=inst.radius_m, p_facilities=p)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    chosen = [j for j in range(cost.shape[1]) if model.fac_vars[j].value() > 0.5]
    covered = float(inst.w[(cost[:, chosen] <= inst.radius_m).any(axis=1)].sum())
    assert covered == pytest.approx(pulp.value(model.problem.objective))
    return covered


def check_same_optimum(inst, p: int) -> None:
    n, m = inst.A.shape
    assert 20 <= n <= 2000 and 10 <= m <= 1500, (n, m)   # small enough for spopt
    ours = solve_mclp(inst.A, inst.w, p)
    assert ours.status == "optimal"
    assert ours.objective == pytest.approx(spopt_optimum(inst, p))
    assert ours.greedy_objective <= ours.objective + 1e-9


# ------------------------------------------------------------------------------ the synthetic sample


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("cctv_sample")
    write_sample(root / "sample", months=2)
    s = Store(root / "sample.duckdb")
    ingest_sample(root / "sample", s)
    yield {"store": s, "root": root / "sample"}
    s.close()


@pytest.mark.parametrize("types, p", [((VIOLENCE,), 8), (("Anti-social behaviour",), 3), (("Shoplifting",), 1)])
def test_sample_one_month_equals_spopt(sample_store, types, p):
    area = read_area(sample_store["root"] / "boundary" / "sample_area_synthetic.geojson")
    month = sorted(p.name for p in (sample_store["root"] / "police").iterdir())[-1]
    inst = build_instance(sample_store["store"], Selection(month, month, types, area=area))
    check_same_optimum(inst, p)


def test_sample_with_existing_cameras_and_harm_equals_spopt(sample_store):
    area = read_area(sample_store["root"] / "boundary" / "sample_area_synthetic.geojson")
    month = sorted(p.name for p in (sample_store["root"] / "police").iterdir())[-1]
    cams = read_points(sample_store["root"] / "cctv" / "existing_cctv_synthetic.csv")
    inst = build_instance(sample_store["store"],
                          Selection(month, month, (VIOLENCE, "Robbery"), area=area, harm=True), existing=cams)
    assert inst.served.any() and (inst.w[inst.served] == 0).all()   # what existing cameras see is served
    check_same_optimum(inst, 8)


def test_spacing_keeps_chosen_sites_apart_on_the_sample(sample_store):
    area = read_area(sample_store["root"] / "boundary" / "sample_area_synthetic.geojson")
    month = sorted(p.name for p in (sample_store["root"] / "police").iterdir())[-1]
    inst = build_instance(sample_store["store"], Selection(month, month, (VIOLENCE,), area=area),
                          min_spacing_m=400)
    sol = solve_mclp(inst.A, inst.w, 8, inst.conflicts)
    free = solve_mclp(inst.A, inst.w, 8)
    xy = inst.cand[["easting", "northing"]].to_numpy()[sol.chosen]
    d = cdist(xy, xy)[np.triu_indices(len(xy), 1)]
    assert sol.status == "optimal" and (d >= 400).all()
    assert sol.greedy_objective <= sol.objective <= free.objective
    assert len(spacing_conflicts(xy, 400)) == 0


# ------------------------------------------------------------------------------ the real police.uk months


@pytest.fixture(scope="module")
def real_month(tmp_path_factory):
    if not POLICE_STREET_DIR.is_dir():
        pytest.skip(SHARED_REASON)
    s = Store(tmp_path_factory.mktemp("cctv_real") / "real.duckdb")
    ingest_police(sorted(POLICE_STREET_DIR.glob("2021-06-*.csv")), s)
    areas = {a.name: a for a in read_areas(SHARED_DATA / "boundaries" / "herts_lad_dissolved_from_lsoa2011.geojson")}
    yield s, areas
    s.close()


@pytest.mark.shared
@pytest.mark.parametrize("district, types, p", [("Watford", (VIOLENCE,), 8), ("Stevenage", (VIOLENCE,), 8),
                                                ("Watford", ("Anti-social behaviour",), 4),
                                                ("St Albans", ("Burglary", "Vehicle crime"), 2)])
def test_real_one_month_equals_spopt(real_month, district, types, p):
    store, areas = real_month
    inst = build_instance(store, Selection("2021-06", "2021-06", types, area=areas[district]))
    check_same_optimum(inst, p)

"""One spec per setting: the page's widget, the command line's option and the estimator agree on its range.

For each setting a page offers, the widget's ends are read from the running page (AppTest), the CLI
option is found in the real parser, and the estimator (or task) that owns the setting is called; all
three must accept the widget's smallest and largest values and refuse the values just outside them.
"""

from __future__ import annotations

import argparse
import re

import numpy as np
import pandas as pd
import pytest

from geo.errors import SettingError
from geo.grid import grid_disk, latlng_to_cell
from geo.query import Selection
from geo.store import Store
from hotspots.cli import build_parser
from hotspots.defaults import SPECS
from hotspots.methods.clusters import WeightedDBSCAN, WeightedHDBSCAN
from hotspots.methods.density import QuarticKDE
from hotspots.methods.gistar import GetisOrdGiStar
from hotspots.tasks.cctv import check_settings
from hotspots.tasks.detect import detect
from hotspots.tasks.did_it_work import evaluate_deployment
from hotspots.tasks.evaluate import evaluate
from hotspots.tasks.patrol import plan_patrol
from hotspots.tasks.sweeps import plan_sweeps
from pages._ui.state import RESOLUTIONS
from tests.app.conftest import open_page

RNG = np.random.default_rng(0)
X, Y = 523_000 + RNG.normal(0, 300, 60), 224_000 + RNG.normal(0, 300, 60)
CELLS = grid_disk(latlng_to_cell(51.9, -0.2, 9), 2)


def _empty_store_call(fn):
    def call(value):
        with Store(":memory:") as s:
            fn(s, value)
    return call


#: setting -> (page, how to reach the widget, its key), (CLI command, dest), the owner called with a value
SETTINGS = {
    "bandwidth_m": (("pages/map.py", "Kernel density", "map_kde_bandwidth_m"), ("detect", "bandwidth_m"),
                    lambda v: QuarticKDE(bandwidth_m=v).fit(X, Y)),
    "k": (("pages/map.py", "Gi* hot spots", "map_gistar_k"), ("detect", "k"),
          lambda v: GetisOrdGiStar(k=v).fit(CELLS, np.arange(len(CELLS), dtype=float))),
    "eps_m": (("pages/map.py", "DBSCAN clusters", "map_dbscan_eps_m"), ("detect", "eps_m"),
              lambda v: WeightedDBSCAN(eps_m=v).fit(X, Y)),
    "min_samples": (("pages/map.py", "DBSCAN clusters", "map_dbscan_min_samples"), ("detect", "min_samples"),
                    lambda v: WeightedDBSCAN(min_samples=v).fit(X, Y)),
    "min_cluster_size": (("pages/map.py", "HDBSCAN clusters", "map_hdbscan_min_cluster_size"),
                         ("detect", "min_cluster_size"), lambda v: WeightedHDBSCAN(min_cluster_size=v).fit(X, Y)),
    "cameras": (("pages/cctv.py", None, "cctv_cameras"), ("cctv", "cameras"), lambda v: check_settings(v, 100.0, 0.0)),
    "radius_m": (("pages/cctv.py", None, "cctv_radius"), ("cctv", "radius_m"), lambda v: check_settings(8, v, 0.0)),
    "min_spacing_m": (("pages/cctv.py", None, "cctv_spacing"), ("cctv", "min_spacing_m"),
                      lambda v: check_settings(8, 100.0, v)),
    "buffer_m": (("pages/cctv.py", None, "cctv_buffer"), ("cctv", "buffer_m"),
                 _empty_store_call(lambda s, v: evaluate_deployment(
                     s, pd.DataFrame({"site": ["a"], "easting": [523000.0], "northing": [224000.0],
                                      "from": ["2021-03"], "to": ["2021-03"]}), Selection(), buffer_m=v))),
    "budget_pct": (("pages/patrol.py", None, "patrol_budget"), ("patrol", "budget_pct"),
                   _empty_store_call(lambda s, v: plan_patrol(s, Selection(), budget_pct=v))),
    "visit_min": (("pages/patrol.py", None, "patrol_visit"), ("patrol", "visit_min"),
                  _empty_store_call(lambda s, v: plan_patrol(s, Selection(), visit_min=v))),
    "seed": (("pages/patrol.py", None, "patrol_seed"), ("patrol", "seed"),
             _empty_store_call(lambda s, v: plan_patrol(s, Selection(), seed=v))),
    "sweep_areas": (("pages/sweeps.py", None, "sweep_n"), ("sweeps", "n_areas"),
                    _empty_store_call(lambda s, v: plan_sweeps(s, n_areas=v))),
    "flag_extra": (("pages/sweeps.py", None, "sweep_flag"), ("sweeps", "weapon_flag_extra"),
                   _empty_store_call(lambda s, v: plan_sweeps(s, flag_extra=v))),
    "train_months": (("pages/accuracy.py", None, "accuracy_train"), ("evaluate", "train_months"),
                     _empty_store_call(lambda s, v: evaluate(s, "2021-03", train_months=v))),
}
#: The patrol page asks for a number of areas only when that mode is chosen.
MODES = {"n_areas": ("patrol_mode", "A number of patrol areas")}
SETTINGS["n_areas"] = (("pages/patrol.py", None, "patrol_n"), ("patrol", "n_areas"),
                       _empty_store_call(lambda s, v: plan_patrol(s, Selection(), n_areas=v)))
# the patrol area's caps (issue 15)
SETTINGS["max_area_km2"] = (("pages/patrol.py", None, "patrol_max_area"), ("patrol", "max_area_km2"),
                            _empty_store_call(lambda s, v: plan_patrol(s, Selection(), max_area_km2=v)))
SETTINGS["max_walk_m"] = (("pages/patrol.py", None, "patrol_max_walk"), ("patrol", "max_walk_m"),
                          _empty_store_call(lambda s, v: plan_patrol(s, Selection(), max_walk_m=v)))


def _page_widget(page: str, method: str | None, key: str, name: str):
    at = open_page(page, timeout_s=180)
    if method:
        next(r for r in at.radio if r.label == "Method").set_value(method).run()
    if name in MODES:
        mode_key, mode = MODES[name]
        at.radio(key=mode_key).set_value(mode).run()
    assert not at.exception, at.exception
    for kind in ("slider", "number_input"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise AssertionError(f"no widget with key {key} on {page}")


def _cli_type(command: str, dest: str):
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in sub.choices[command]._actions if a.dest == dest)
    return action.type


def _owner_accepts(owner, name: str, value) -> bool:
    """Whether the owner takes the value: it may fail later (an empty store), but not on this setting."""
    try:
        owner(value)
    except SettingError as err:  # scikit-learn's "'k' parameter of ..." or Gi*'s own "k must be ..."
        return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", err.message) is None
    return True


def _cli_accepts(parse, value) -> bool:
    try:
        parse(repr(value))
    except argparse.ArgumentTypeError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_widget_cli_and_estimator_agree_on_the_range(app_env, name):
    (page, method, key), (command, dest), owner = SETTINGS[name]
    spec = SPECS[name]
    lo, hi = spec.widget_range()
    step = spec.kind(spec.step or 1)
    widget = _page_widget(page, method, key, name)
    assert (widget.min, widget.max) == (lo, hi), f"{name}: widget {widget.min}..{widget.max}, spec {lo}..{hi}"
    parse = _cli_type(command, dest)
    assert parse == spec.parse, f"{name}: the CLI option {command} --{dest} does not read the spec"
    inside = [lo] + ([hi] if hi is not None else [])
    outside = [lo - step] + ([hi + step] if hi is not None else [])
    if spec.low is not None and spec.closed in ("right", "neither"):
        outside.append(spec.kind(spec.low))  # an open end is refused by all three
    for v in inside:
        assert _cli_accepts(parse, v), f"{name}: the CLI refuses {v}"
        assert _owner_accepts(owner, name, v), f"{name}: the estimator refuses {v}"
    for v in outside:
        assert not _cli_accepts(parse, v), f"{name}: the CLI accepts {v}"
        assert not _owner_accepts(owner, name, v), f"{name}: the estimator accepts {v}"


def test_the_sidebar_offers_only_resolutions_the_spec_allows(app_env):
    at = open_page("pages/map.py")
    res_box = next(b for b in at.selectbox if b.label == "Hexagon size")
    assert list(res_box.options) == list(RESOLUTIONS.values())
    assert set(RESOLUTIONS) <= set(SPECS["res"].options)
    parse = _cli_type("detect", "res")
    assert parse == SPECS["res"].parse
    for r in RESOLUTIONS:
        assert parse(str(r)) == r
        with Store(":memory:") as s, pytest.raises(SettingError, match="No incidents"):
            detect(s, "count", Selection(), res=r)
    with Store(":memory:") as s, pytest.raises(SettingError, match="'res' parameter of detect"):
        detect(s, "count", Selection(), res=12)
    with pytest.raises(argparse.ArgumentTypeError):
        parse("12")


@pytest.mark.parametrize("name,shown", [("radius_m", "%.0f"), ("min_spacing_m", "%.0f"), ("visit_min", "%.0f"),
                                        ("budget_pct", "%.1f"), ("max_area_km2", "%.2f")])
def test_widgets_show_as_many_decimals_as_their_step(app_env, name, shown):
    """"100 m", not "100.00" (the CCTV page's radius and spacing on the real data showed two decimals)."""
    (page, method, key), _, _ = SETTINGS[name]
    w = _page_widget(page, method, key, name)
    assert w.proto.format == shown

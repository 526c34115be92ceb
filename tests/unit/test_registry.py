"""The method registry: a method added in one place shows in detect, evaluate, the CLI and the map page.

A toy method ("toy": each hexagon scores the square of its incidents) is registered by this test alone,
as a new method would be: its estimator is the module-level function below, its table entry one
``register(Method(...))``. Its ranking is the naive count's, so its accuracy must equal naive's exactly.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo.errors import SettingError
from geo.grid import str_to_cells
from geo.ingest.police import ingest_police
from geo.query import Selection, select_incidents
from hotspots.cli import build_parser, main
from hotspots.methods.cells import count_by_cell
from hotspots.outputs.webmap import map_layers
from hotspots.tasks.detect import detect
from hotspots.tasks.evaluate import check_methods, evaluate
from hotspots.tasks.registry import METHODS, CellScores, MapStyle, Method, method_names, register, resolve, unregister
from tests.conftest import street_csv
from tests.unit.test_detect import town_rows


def toy_squares(counts: np.ndarray) -> np.ndarray:
    """The toy estimator: arrays in, scores out."""
    return np.asarray(counts, dtype=float) ** 2


def _toy_run(inputs, params) -> CellScores:
    table = count_by_cell(inputs.incidents, inputs.res, inputs.weights)[["cell", "count", "harm"]]
    table["score"] = toy_squares(table["count"].to_numpy())
    table = table.sort_values(["score", "cell"], ascending=[False, True], ignore_index=True)
    return CellScores("toy", table, inputs.summary, str_to_cells(table["cell"].to_numpy(dtype=object)),
                      table["score"].to_numpy(), inputs.res)


def _toy_history(history, train_months, params):
    return toy_squares(history.last(train_months)), {}


TOY = Method("toy", "Toy squares", "Each hexagon scores the square of its incidents (a test method).",
             params=(), columns=("cell", "count", "harm", "score"), run=_toy_run, history_score=_toy_history,
             map=MapStyle("values", "Toy score", column="score", unit="(score)",
                          label="{count:,} incidents, score {score:,.0f}"))


@pytest.fixture
def toy():
    register(TOY)
    yield TOY
    unregister("toy")


@pytest.fixture
def town(tmp_path, store):
    f = tmp_path / "t-street.csv"
    f.write_text(street_csv(town_rows()))
    ingest_police([f], store)
    return store


def test_a_registered_method_is_one_detect_call_away(toy, town):
    det = detect(town, "toy", Selection())
    assert isinstance(det, CellScores) and det.method == "toy"
    raw = select_incidents(town, Selection(), columns=("h3_11",))
    assert det.table["count"].sum() == len(raw) == 400  # counts sum to the selected rows
    assert (det.table["score"] == det.table["count"] ** 2).all()
    assert det.summary["meaning"] == TOY.meaning


def test_a_registered_method_is_evaluated_by_name_and_equals_its_ranking(toy, town):
    assert "toy" in method_names(maps_only=True)
    assert check_methods("naive,toy") == ("naive", "toy")
    ev = evaluate(town, "2021-03", Selection(), train_months=1, methods=["naive", "toy"])
    table = ev.summary()
    assert "toy" in table.index
    # squares rank the hexagons as the counts do: the same hit rate at every share, to the last digit
    hits = [c for c in table.columns if c.startswith("hit@") and not c.endswith("_sd")]
    assert hits and (table.loc["toy", hits] == table.loc["naive", hits]).all()


def test_a_registered_method_is_a_cli_choice(toy, town, capsys):
    detect_parser = build_parser()._subparsers._group_actions[0].choices["detect"]
    choices = next(a.choices for a in detect_parser._actions if a.dest == "method")
    assert "toy" in choices
    town.close()  # the command opens the store itself (read-only)
    code = main(["detect", "--method", "toy", "--db", str(town.path), "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "toy" and out["incidents"] == 400


def test_a_registered_method_draws_on_the_map_from_its_style(toy, town):
    det = detect(town, "toy", Selection())
    layers = map_layers(det, harm=False)
    assert layers["legend"].title == "Toy score"
    assert list(layers["cells"]["cell"]) == list(det.table["cell"])
    assert layers["labels"][0] == f"{det.table['count'].iloc[0]:,} incidents, score {det.table['score'].iloc[0]:,.0f}"


def test_unregistering_forgets_the_method(town):
    register(TOY)
    unregister("toy")
    with pytest.raises(SettingError, match="'toy' is not a method"):
        resolve("toy")
    assert "toy" not in METHODS


def test_every_builtin_method_is_in_the_table_and_old_names_are_aliases():
    assert set(method_names()) >= {"count", "kde", "gistar", "dbscan", "hdbscan", "emerging", "knox", "forecast"}
    # evaluate's names before the registry keep working
    assert resolve("naive")[0].name == "count"
    assert resolve("naive-all") == (METHODS["count"], {"months": "all"})
    assert resolve("harm") == (METHODS["count"], {"harm": True})
    assert resolve("kde-300") == (METHODS["kde"], {"bandwidth_m": 300.0})
    assert resolve("kde-450") == (METHODS["kde"], {"bandwidth_m": 450.0})
    # a test is not a map: it is left off the map page and refused by evaluate
    assert METHODS["knox"].map is None
    with pytest.raises(SettingError, match="makes no map"):
        check_methods("knox")

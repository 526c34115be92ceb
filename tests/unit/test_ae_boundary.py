"""A&E rows reach a task only through ``geo.query.select_ae``, which only the two publishing tasks call.

Every analysis task takes one ``Selection``; asked for A&E data it refuses with the one sentence
(``geo.query.AE_REFUSAL``), and its police results hold no A&E row even in a store full of them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import SettingError
from geo.query import AE_REFUSAL, Selection, select_incidents
from hotspots.tasks.cctv import site_cameras
from hotspots.tasks.detect import detect
from hotspots.tasks.did_it_work import evaluate_deployment
from hotspots.tasks.evaluate import evaluate
from hotspots.tasks.patrol import plan_patrol
from hotspots.tasks.profile import cell_profile
from tests.ae_rows import AE, POLICE, layout_cells, write_layout

ROOT = Path(__file__).resolve().parents[2]
WITH_AE = Selection(sources=("police", "ae"))
ONLY_AE = Selection(sources=("ae",))
#: The tasks whose output is published with A&E's small counts hidden, or as a rank only.
PUBLISHERS = {"hotspots/tasks/overlay.py", "hotspots/tasks/sweeps.py"}

TASKS = {
    "select_incidents": lambda s, sel: select_incidents(s, sel),
    "detect": lambda s, sel: detect(s, "count", sel),
    "plan_patrol": lambda s, sel: plan_patrol(s, sel),
    "site_cameras": lambda s, sel: site_cameras(s, sel, cameras=2),
    "evaluate": lambda s, sel: evaluate(s, "2021-06", sel, train_months=1),
    "cell_profile": lambda s, sel: cell_profile(s, sel, layout_cells()[0], 9),
    "evaluate_deployment": lambda s, sel: evaluate_deployment(
        s, pd.DataFrame({"site": ["a"], "easting": [510_000.0], "northing": [197_000.0], "from": ["2021-06"],
                         "to": ["2021-06"]}), sel),
}


@pytest.fixture
def layout(store):
    write_layout(store)
    return store


@pytest.mark.parametrize("task", sorted(TASKS))
@pytest.mark.parametrize("sel", [WITH_AE, ONLY_AE], ids=["police-and-ae", "ae-only"])
def test_every_analysis_task_refuses_ae_with_the_one_sentence(layout, task, sel):
    with pytest.raises(SettingError) as info:
        TASKS[task](layout, sel)
    assert AE_REFUSAL in info.value.message


def test_police_results_hold_no_ae_row_in_a_store_full_of_them(layout):
    assert layout.source_count("ae") == sum(AE)
    rows = select_incidents(layout, Selection(), columns=("source",))
    assert set(rows["source"]) == {"police"} and len(rows) == sum(POLICE) + 1
    det = detect(layout, "count", Selection())
    assert det.table["count"].sum() == sum(POLICE) + 1
    prof = cell_profile(layout, Selection(), layout_cells()[6], 9)  # 10 A&E assaults there, no police crime
    assert prof.total == 0


def test_only_the_publishing_tasks_read_ae_rows():
    callers = set()
    for path in sorted((ROOT / "geo").rglob("*.py")) + sorted((ROOT / "hotspots").rglob("*.py")) + \
            sorted((ROOT / "pages").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "geo/query.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if name == "select_ae":
                    callers.add(rel)
    assert callers == PUBLISHERS

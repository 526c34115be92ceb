"""A method registered in one place is an option of the map page, drawn from its own map style."""

from __future__ import annotations

from hotspots.tasks.registry import register, unregister
from tests.app.conftest import open_page
from tests.unit.test_registry import TOY


def test_a_registered_method_is_a_map_page_option(app_env):
    register(TOY)
    try:
        at = open_page("pages/map.py")
        method = next(r for r in at.radio if r.label == "Method")
        assert "Toy squares" in method.options
        method.set_value("Toy squares").run()
        assert not at.exception, at.exception
        assert any(TOY.meaning in i.value for i in at.info)
        # the metrics of a per-cell method with counts: the page needs nothing else from the method
        labels = {m.label for m in at.metric}
        assert {"Incidents selected", "Hexagons with incidents", "Busiest hexagon"} <= labels
        assert any("Map data sent to the browser" in c.value for c in at.caption)
    finally:
        unregister("toy")

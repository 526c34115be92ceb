"""The data flow is one way: geo -> hotspots -> pages. Checked on the source text."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(pkg: str):
    for path in sorted((ROOT / pkg).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    yield path, a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module.split(".")[0]


@pytest.mark.parametrize("pkg", ["geo", "hotspots"])
def test_library_never_imports_streamlit(pkg):
    bad = [str(p.relative_to(ROOT)) for p, mod in _imports(pkg) if mod in ("streamlit", "streamlit_folium")]
    assert bad == [], f"{pkg}/ must not import streamlit: {bad}"


def test_geo_never_imports_hotspots():
    bad = [str(p.relative_to(ROOT)) for p, mod in _imports("geo") if mod in ("hotspots", "pages", "app")]
    assert bad == [], f"geo/ must not import hotspots/ (data flows one way): {bad}"


def test_the_checks_see_the_packages():
    # guard against the checks passing because they read nothing
    assert sum(1 for _ in _imports("geo")) > 20

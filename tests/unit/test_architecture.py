"""The architecture, checked on the syntax trees of every project module.

Data flows one way: files -> geo/ -> hotspots/ -> pages/_ui/ -> pages/ + app.py (see ../shared/STYLE.md).
Every module of geo/, hotspots/, pages/ and app.py is parsed once (tests/, bench/ and the vendored JS are
not read); each rule below is its own test, and a failure lists every offending ``file:line`` with the rule
broken and what to do about it.

Rules
  1. test_imports_run_downward            a module imports only the layers MAY_IMPORT lists for its layer
  2. test_no_import_cycles                 no cycle among project modules (imports inside functions count)
  3. test_no_private_names_across_modules  no ``from x import _name`` / ``x._name`` on another project module
  4. test_sql_only_in_the_store            no SQL, database driver or connection outside geo/store.py
                                           (geo/ingest/ may stage rows in an in-memory DuckDB)
     test_ingest_writes_through_the_store geo/ingest/ never reaches into the store's connection
  5. test_streamlit_only_in_pages          streamlit / streamlit_folium only in pages/ and app.py
  6. test_caching_only_in_pages_ui         st.cache_data / st.cache_resource only in pages/_ui/
  7. test_no_project_imports_in_functions  project imports at module top level (LAZY_IMPORTS lists exceptions)
  Also: test_every_module_has_a_place (no module left outside the layout), test_project_imports_exist,
  test_the_layer_table_is_consistent, and test_the_checks_read_the_project (a guard that they read files).
"""

from __future__ import annotations

import ast
import functools
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# ============================================================================================================
# THE LAYER TABLE: the one place to change the architecture.
#
# How to read it
#   LAYERS      layer name -> the module prefixes it owns, top (app, pages) to bottom (geo.base).
#               Prefixes are dotted module names ("app" is app.py, "geo.readers" is geo/readers/); a prefix
#               owns that module and everything below it. A module belongs to the layer with the LONGEST
#               matching prefix, so "geo.readers" wins over the catch-all "geo/*" for geo/readers/police.py.
#               "pages._ui" owns today's pages/_ui.py as well as the pages/_ui/ package it becomes.
#   MAY_IMPORT  layer -> the layers its modules may import. Everything not listed is forbidden, and nothing
#               is implied: "pages" may import geo.store only because geo.store is in its own list, not
#               because pages._ui may. A layer lists itself when its modules may import each other (cycles
#               are still caught by rule 2). Lists only ever point down LAYERS (checked by
#               test_the_layer_table_is_consistent). Example: MAY_IMPORT["hotspots.methods"] says a module
#               in hotspots/methods/ may import hotspots/methods/, hotspots/defaults.py and geo's grid,
#               months, constants, errors and crs, and nothing else of the project.
#   Catch-alls  "geo/*" and "hotspots/*" hold what no layer claims. Only the package roots
#               (geo/__init__.py, hotspots/__init__.py: re-exports) belong there; any other module found
#               there is not yet in its place (test_every_module_has_a_place lists it). Importing a
#               catch-all module is judged by package: allowed when the importer may import some layer of
#               that package (so nothing in geo/ may import the hotspots/ root).
#   Page helpers modules named pages/_*.py outside pages/_ui/ are helpers that belong in pages/_ui/; they
#               are judged as page scripts meanwhile (so they may not import one another).
# ============================================================================================================
LAYERS: dict[str, tuple[str, ...]] = {
    "app": ("app",),                                  # app.py: page config and navigation
    "pages": ("pages",),                              # thin page scripts
    "pages._ui": ("pages._ui",),                      # the only Streamlit helper package
    "hotspots.cli": ("hotspots.cli", "hotspots.__main__"),  # argparse only; `python -m hotspots`
    "hotspots.briefing": ("hotspots.briefing",),
    "hotspots.outputs": ("hotspots.outputs",),        # result -> bytes, images, words
    "hotspots.tasks": ("hotspots.tasks",),            # one module per user task
    "hotspots.methods": ("hotspots.methods",),        # pure estimators: arrays in, results out
    "hotspots.defaults": ("hotspots.defaults",),      # parameter defaults and specs
    "geo.sample": ("geo.sample",),                    # the synthetic generator
    "geo.ingest": ("geo.ingest",),                    # the load pipeline
    "geo.query": ("geo.query",),                      # Selection, select_incidents (read-only)
    "geo.store": ("geo.store",),                      # the only owner of SQL and connections
    "geo.geocode": ("geo.geocode",),
    "geo.locate": ("geo.locate",),
    "geo.boundaries": ("geo.boundaries",),
    "geo.readers": ("geo.readers",),                  # file -> canonical table, never the store
    "geo.tiles": ("geo.tiles",),                      # map tiles: PMTiles / MBTiles files, tile servers (I/O)
    "geo.reference": ("geo.reference",),
    "geo.grid": ("geo.grid",),                        # the one H3 gateway
    "geo.schema": ("geo.schema",),
    "geo.months": ("geo.months",),
    "geo.crs": ("geo.crs",),
    "geo.base": ("geo.constants", "geo.errors"),
    # catch-alls (see above): package roots only
    "hotspots/*": ("hotspots",),
    "geo/*": ("geo",),
}

_GEO_ALL = ("geo.sample", "geo.ingest", "geo.query", "geo.store", "geo.geocode", "geo.locate", "geo.boundaries",
            "geo.readers", "geo.tiles", "geo.reference", "geo.grid", "geo.schema", "geo.months", "geo.crs", "geo.base")
# what pages may use of geo: read-only modules, opening a store, upload previews, loads
_GEO_FOR_PAGES = ("geo.query", "geo.base", "geo.months", "geo.grid", "geo.schema", "geo.store", "geo.readers", "geo.tiles",
                  "geo.ingest", "geo.boundaries")
_GEO_FOR_METHODS = ("geo.grid", "geo.months", "geo.base", "geo.crs")
_GEO_FOR_OUTPUTS = ("geo.grid", "geo.crs", "geo.schema", "geo.base", "geo.months", "geo.tiles")
_HOTSPOTS_FOR_PAGES = ("hotspots.briefing", "hotspots.tasks", "hotspots.outputs", "hotspots.defaults",
                       "hotspots.methods")

MAY_IMPORT: dict[str, tuple[str, ...]] = {
    "app": ("pages._ui", *_HOTSPOTS_FOR_PAGES, *_GEO_FOR_PAGES),
    "pages": ("pages._ui", *_HOTSPOTS_FOR_PAGES, *_GEO_FOR_PAGES),
    "pages._ui": ("pages._ui", *_HOTSPOTS_FOR_PAGES, *_GEO_FOR_PAGES),
    "hotspots.cli": ("hotspots.cli", "hotspots.briefing", "hotspots.tasks", "hotspots.outputs", "hotspots.methods",
                     "hotspots.defaults", *_GEO_ALL),
    "hotspots.briefing": ("hotspots.briefing", "hotspots.tasks", "hotspots.outputs", "hotspots.methods",
                          "hotspots.defaults", *_GEO_ALL),
    "hotspots.outputs": ("hotspots.outputs", "hotspots.tasks", "hotspots.methods", "hotspots.defaults",
                         *_GEO_FOR_OUTPUTS),
    "hotspots.tasks": ("hotspots.tasks", "hotspots.methods", "hotspots.defaults", *_GEO_ALL),
    "hotspots.methods": ("hotspots.methods", "hotspots.defaults", *_GEO_FOR_METHODS),
    "hotspots.defaults": ("geo.base",),
    "geo.sample": ("geo.sample", "geo.reference", "geo.grid", "geo.schema", "geo.months", "geo.crs", "geo.base"),
    "geo.ingest": ("geo.ingest", "geo.store", "geo.geocode", "geo.locate", "geo.boundaries", "geo.readers",
                   "geo.reference", "geo.grid", "geo.schema", "geo.months", "geo.crs", "geo.base"),
    "geo.query": ("geo.query", "geo.store", "geo.boundaries", "geo.reference", "geo.grid", "geo.schema",
                  "geo.months", "geo.crs", "geo.base"),
    "geo.store": ("geo.store", "geo.boundaries", "geo.grid", "geo.schema", "geo.months", "geo.crs", "geo.base"),
    "geo.geocode": ("geo.geocode", "geo.boundaries", "geo.readers", "geo.reference", "geo.grid", "geo.schema",
                    "geo.months", "geo.crs", "geo.base"),
    "geo.locate": ("geo.boundaries", "geo.reference", "geo.grid", "geo.schema", "geo.months", "geo.crs", "geo.base"),
    "geo.boundaries": ("geo.readers", "geo.reference", "geo.grid", "geo.schema", "geo.crs", "geo.base"),
    "geo.readers": ("geo.readers", "geo.reference", "geo.schema", "geo.months", "geo.crs", "geo.base"),
    "geo.tiles": ("geo.base",),
    "geo.reference": ("geo.reference", "geo.crs", "geo.base"),
    "geo.grid": ("geo.crs", "geo.base"),
    "geo.schema": ("geo.base",),
    "geo.months": ("geo.base",),
    "geo.crs": ("geo.base",),
    "geo.base": ("geo.base",),
    "hotspots/*": ("hotspots.cli", "hotspots.briefing", "hotspots.outputs", "hotspots.tasks", "hotspots.methods",
                   "hotspots.defaults", *_GEO_ALL),
    "geo/*": _GEO_ALL,
}
CATCH_ALLS = ("hotspots/*", "geo/*")
HELPERS_HOME = "pages._ui"  # pages/_*.py outside it are helpers waiting to move in

# Rule 4: who may hold SQL, drivers and connections.
SQL_OWNERS = ("geo.store",)
SQL_STAGING = ("geo.ingest",)            # an in-memory DuckDB to stage rows; writes go through geo.store
# An MBTiles file is a tile container that happens to be SQLite, not a data store: geo/tiles.py reads its tiles
# (read-only, a step budget on each query). The one exception, for that module only; nothing else may use it.
SQL_TILE_CONTAINERS = ("geo.tiles",)
DB_DRIVERS = ("duckdb", "psycopg", "psycopg2", "sqlite3", "sqlalchemy")
SQL_CALLS = ("execute", "executemany", "sql")
STORE_CONNECTION_ATTRS = ("con", "_con")  # Store's connection: ingest must call Store methods instead

# Rules 5 and 6.
STREAMLIT_HOMES = ("app", "pages")
CACHE_HOMES = ("pages._ui",)
CACHE_ATTRS = ("cache_data", "cache_resource", "cache", "experimental_memo", "experimental_singleton")

# Rule 7: the documented lazy loaders, (importing module, imported module) -> why it cannot import at the top.
# Keep it empty unless a project import really must wait (e.g. a heavy optional dependency only one command
# needs); say why here, in one line.
LAZY_IMPORTS: dict[tuple[str, str], str] = {}

# The guard: below these the checks are reading nothing and would pass vacuously.
MIN_MODULES = 40
MIN_PROJECT_IMPORTS = 150

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("geo", "hotspots", "pages")
SCRIPTS = ("app.py",)
PROJECT_TOPS = frozenset((*PACKAGES, *(s.removesuffix(".py") for s in SCRIPTS)))


# ============================================================================================================
# Reading the project
# ============================================================================================================
@dataclass(frozen=True)
class Import:
    """One project import: ``importer`` line ``line`` imports module ``target`` (as written: ``written``)."""

    importer: str
    line: int
    written: str
    target: str            # the longest existing project module / package the import names
    name: str | None       # for ``from m import name`` when name is not itself a module
    in_function: bool
    dynamic: bool = False  # importlib.import_module / __import__ with a constant name
    exists: bool = True


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    is_package: bool
    source: str
    imports: list[Import] = field(default_factory=list)
    external: list[tuple[int, str]] = field(default_factory=list)  # (line, module) of non-project imports
    external_names: list[tuple[int, str]] = field(default_factory=list)  # (line, module.name) of `from` imports
    aliases: dict[str, str] = field(default_factory=dict)          # local name -> project module it binds
    streamlit_names: set[str] = field(default_factory=set)         # local names bound to the streamlit module
    calls: list[ast.Call] = field(default_factory=list)
    attributes: list[ast.Attribute] = field(default_factory=list)
    strings: list[ast.Constant] = field(default_factory=list)
    fstrings: list[ast.JoinedStr] = field(default_factory=list)
    bare_strings: set[int] = field(default_factory=set)            # ids of strings that are statements

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


@dataclass
class Project:
    modules: dict[str, Module]
    package_dirs: set[str]
    errors: list[str]

    def resolve(self, dotted: str) -> str | None:
        """The longest prefix of ``dotted`` that is a project module or package directory."""
        parts = dotted.split(".")
        for n in range(len(parts), 0, -1):
            cand = ".".join(parts[:n])
            if cand in self.modules or cand in self.package_dirs:
                return cand
        return None

    def is_module_or_package(self, dotted: str) -> bool:
        return dotted in self.modules or dotted in self.package_dirs

    @property
    def imports(self) -> list[Import]:
        return [i for m in self.modules.values() for i in m.imports]


def _module_files() -> list[Path]:
    files = [ROOT / s for s in SCRIPTS if (ROOT / s).is_file()]
    for pkg in PACKAGES:
        files += sorted(p for p in (ROOT / pkg).rglob("*.py")
                        if not any(part.startswith(".") or part in ("__pycache__", "node_modules")
                                   for part in p.relative_to(ROOT).parts))
    return files


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _import_statements(body: list, depth: int = 0):
    """(import statement, how many function bodies enclose it): a walk over statements only (fast)."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, depth
            continue
        inner = depth + 1 if isinstance(node, _FUNCTIONS) else depth
        for block in _BLOCKS:
            children = getattr(node, block, None)
            if children:
                yield from _import_statements(children, inner)


class _Reader:
    """Fills a Module from its tree: imports (with their depth in functions), then one pass over all nodes
    that keeps the calls, attributes and strings the rules look at."""

    def __init__(self, mod: Module, project: Project):
        self.mod, self.project = mod, project

    def read(self):
        mod = self.mod
        for node, depth in _import_statements(mod.tree.body):
            if isinstance(node, ast.Import):
                self.import_(node, depth)
            else:
                self.import_from(node, depth)
        keep = {ast.Call: mod.calls, ast.Attribute: mod.attributes, ast.JoinedStr: mod.fstrings}
        for node in ast.walk(mod.tree):
            kind = type(node)
            if kind is ast.Constant:
                if type(node.value) is str:
                    mod.strings.append(node)
            elif kind in keep:
                keep[kind].append(node)
            elif kind is ast.Expr and type(node.value) in (ast.Constant, ast.JoinedStr):
                mod.bare_strings.add(id(node.value))  # docstrings and other strings that are statements
        if "import_module" in mod.source or "__import__" in mod.source:
            for call in mod.calls:
                self.dynamic_import(call)
        mod.imports.sort(key=lambda i: (i.line, i.target))

    def _add(self, line: int, written: str, target_dotted: str, name: str | None, depth: int,
             dynamic: bool = False, exists: bool = True):
        target = self.project.resolve(target_dotted)
        if target is None:  # a top-level project name with no file at all (e.g. a deleted package)
            target, exists = target_dotted, False
        self.mod.imports.append(Import(self.mod.name, line, written, target, name, depth > 0, dynamic,
                                       exists and target == target_dotted))

    def import_(self, node: ast.Import, depth: int):
        for a in node.names:
            if a.name.split(".")[0] in PROJECT_TOPS:
                self._add(node.lineno, f"import {a.name}", a.name, None, depth)
                if depth == 0:
                    self.mod.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            else:
                self.mod.external.append((node.lineno, a.name))
                if a.name == "streamlit":
                    self.mod.streamlit_names.add(a.asname or "streamlit")

    def import_from(self, node: ast.ImportFrom, depth: int):
        if node.level:
            pkg = self.mod.name.split(".")
            if not self.mod.is_package:
                pkg = pkg[:-1]
            pkg = pkg[: len(pkg) - (node.level - 1)]
            base = ".".join(pkg + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        if base.split(".")[0] not in PROJECT_TOPS:
            self.mod.external.append((node.lineno, base))
            self.mod.external_names += [(node.lineno, f"{base}.{a.name}") for a in node.names]
            return
        written = "." * node.level + (node.module or "")
        base_exists = self.project.is_module_or_package(base)
        for a in node.names:
            full = f"{base}.{a.name}"
            if a.name != "*" and self.project.is_module_or_package(full):
                self._add(node.lineno, f"from {written} import {a.name}", full, None, depth)
                if depth == 0:
                    self.mod.aliases[a.asname or a.name] = full
            else:
                self._add(node.lineno, f"from {written} import {a.name}", base,
                          None if a.name == "*" else a.name, depth, exists=base_exists)

    def dynamic_import(self, node: ast.Call):
        f = node.func
        loader = (isinstance(f, ast.Attribute) and f.attr == "import_module") or (
            isinstance(f, ast.Name) and f.id in ("import_module", "__import__"))
        if loader and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            name = node.args[0].value
            if name.split(".")[0] in PROJECT_TOPS:
                self._add(node.lineno, f"import_module({name!r})", name, None, 0, dynamic=True)


@functools.lru_cache(maxsize=1)
def project() -> Project:
    proj = Project({}, set(), [])
    files = _module_files()
    for path in files:
        d = path.parent
        while d != ROOT and d.is_relative_to(ROOT):
            proj.package_dirs.add(".".join(d.relative_to(ROOT).parts))
            d = d.parent
    for path in files:
        name, is_pkg = _module_name(path)
        try:
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source, filename=str(path))
        except (SyntaxError, UnicodeDecodeError, OSError) as exc:
            proj.errors.append(f"{path.relative_to(ROOT).as_posix()}: cannot be parsed: {exc}")
            continue
        if name in proj.modules:  # e.g. hotspots/cli.py beside hotspots/cli/__init__.py halfway through a move
            proj.errors.append(f"{path.relative_to(ROOT).as_posix()}: module {name} is also "
                               f"{proj.modules[name].rel}; Python imports only one of them")
        proj.modules[name] = Module(name, path, tree, is_pkg, source)
    for mod in proj.modules.values():
        _Reader(mod, proj).read()
    return proj


# ============================================================================================================
# Helpers
# ============================================================================================================
def _under(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layer_of(module: str) -> str | None:
    best, best_len = None, -1
    for layer, prefixes in LAYERS.items():
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best_len:
                best, best_len = layer, len(p)
    return best


def _package_of_layer(layer: str) -> str:
    return LAYERS[layer][0].split(".")[0]


def may_import(importer_layer: str, target: str) -> bool:
    target_layer = layer_of(target)
    allowed = MAY_IMPORT.get(importer_layer, ())
    if target_layer in CATCH_ALLS:  # a package root or an unplaced module: judged by package
        return any(_package_of_layer(a) == target.split(".")[0] for a in allowed)
    return target_layer in allowed


Problem = tuple[str, int, str]  # (file, line, what is wrong)


def _fail(title: str, problems: list[Problem] | set[Problem], fix: str, note: str = "") -> None:
    """Fail with every problem as ``file:line: what``, sorted by file and line, and what to do."""
    if not problems:
        return
    lines = [f"{path}:{line}: {text}" if line else f"{path}: {text}" for path, line, text in sorted(set(problems))]
    pytest.fail(f"{title}: {len(lines)} found\n  " + "\n  ".join(lines)
                + (f"\n\n{note}" if note else "") + f"\n\nWhat to do: {fix}", pytrace=False)


def _statements(imports) -> dict[tuple[str, int, str], list[Import]]:
    """Imports grouped by statement and target: one report line per ``from m import a, b``."""
    out: dict[tuple[str, int, str], list[Import]] = {}
    for imp in imports:
        out.setdefault((imp.importer, imp.line, imp.target), []).append(imp)
    return out


def _what(imps: list[Import]) -> str:
    names = [i.name for i in imps if i.name]
    return imps[0].target + (f" ({', '.join(names)})" if names else "")


def _strings(mod: Module):
    """(line, text) of every string literal used as a value: docstrings and other strings that stand alone
    as statements are left out; an f-string is one string whose holes read ``{}``."""
    skip = set(mod.bare_strings)
    for f in mod.fstrings:
        skip.update(id(v) for v in f.values)
    for n in mod.strings:
        if id(n) not in skip:
            yield n.lineno, n.value
    for n in mod.fstrings:
        if id(n) not in skip:
            yield n.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in n.values)


_SQL_STATEMENTS = [
    r"\bSELECT\b.+?\bFROM\b",
    r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b",
    r"\bDELETE\s+FROM\b",
    r"\bUPDATE\s+[\w.\"{}]+\s+SET\b",
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?TABLE\b",
]
_SQL_UPPER = [re.compile(p, re.DOTALL) for p in _SQL_STATEMENTS]          # keywords in capitals: SQL
_SQL_ANY_CASE = [re.compile(p, re.DOTALL | re.IGNORECASE) for p in _SQL_STATEMENTS]
_SQL_WITH = re.compile(r"with\s+\w+.*?\bas\s*\(", re.DOTALL | re.IGNORECASE)         # a CTE before the statement
_SQL_MARKS = re.compile(r"[*=?;]|\w\(|::|\$\d")                          # count(*), a = ?, x::DATE, $1


def looks_like_sql(text: str) -> bool:
    """A SQL statement, not an English sentence that happens to say 'select ... from'.

    Keywords in capitals (SELECT ... FROM, INSERT INTO, DELETE FROM, UPDATE x SET, CREATE TABLE) are SQL.
    In lower or mixed case the statement must open the string (after a CTE ``with x as (`` if any), carry
    SQL punctuation (``*``, ``=``, ``?``, ``;``, ``f(``, ``::``, ``$1``) and not end like a sentence.
    """
    if any(p.search(text) for p in _SQL_UPPER):
        return True
    body = text.lstrip(" \t\n(")
    cte = _SQL_WITH.match(body)
    if cte:
        body = body[cte.end():].lstrip(" \t\n(")
    return (any(p.match(body) for p in _SQL_ANY_CASE) and bool(_SQL_MARKS.search(text))
            and not re.search(r"[.!]\s*$", text))


def _short(text: str, n: int = 60) -> str:
    t = " ".join(text.split())
    return repr(t if len(t) <= n else t[: n - 3] + "...")


def _attribute_chain(node: ast.Attribute) -> list[str] | None:
    parts = [node.attr]
    v = node.value
    while isinstance(v, ast.Attribute):
        parts.append(v.attr)
        v = v.value
    if not isinstance(v, ast.Name):
        return None
    parts.append(v.id)
    return parts[::-1]


def _private(name: str | None) -> bool:
    return bool(name) and name.startswith("_") and not name.startswith("__")


# ============================================================================================================
# The rules
# ============================================================================================================
TABLE_FIX = "edit LAYERS / MAY_IMPORT at the top of tests/unit/test_architecture.py"


def test_the_checks_read_the_project():
    """Guard: the checks below pass vacuously if they parse nothing."""
    proj = project()
    _fail("Modules the architecture checks could not read", {(e.split(":")[0], 0, e.split(": ", 1)[1])
                                                             for e in proj.errors},
          "fix the file so it parses (or remove the stale copy); nothing in it is checked until then.")
    n_imports = len(proj.imports)
    assert len(proj.modules) > MIN_MODULES, f"only {len(proj.modules)} modules parsed under {ROOT}; is ROOT right?"
    assert n_imports > MIN_PROJECT_IMPORTS, f"only {n_imports} project imports found; is the import reader broken?"
    for top in PROJECT_TOPS:
        assert any(_under(m, (top,)) for m in proj.modules), f"no module of {top!r} was parsed"


def test_the_layer_table_is_consistent():
    """The table itself: every layer has a MAY_IMPORT entry and every entry points down the table."""
    order = list(LAYERS)
    here = "tests/unit/test_architecture.py"
    problems = {(here, 0, f"layer {layer!r} has no MAY_IMPORT entry") for layer in order if layer not in MAY_IMPORT}
    for layer, allowed in MAY_IMPORT.items():
        if layer not in LAYERS:
            problems.add((here, 0, f"MAY_IMPORT names {layer!r}, which is not in LAYERS"))
            continue
        for a in allowed:
            if a not in LAYERS:
                problems.add((here, 0, f"MAY_IMPORT[{layer!r}] names {a!r}, which is not in LAYERS"))
            elif layer not in CATCH_ALLS and a not in CATCH_ALLS and order.index(a) < order.index(layer):
                problems.add((here, 0, f"MAY_IMPORT[{layer!r}] points up the table to {a!r}"))
    _fail("Layer table problems", problems, TABLE_FIX + ".")


def test_every_module_has_a_place():
    """Every module sits in a layer of the target layout (package roots and pages/_ui/ helpers aside)."""
    problems = set()
    for mod in project().modules.values():
        layer = layer_of(mod.name)
        parts = mod.name.split(".")
        if layer is None:
            problems.add((mod.rel, 0, f"{mod.name} matches no layer"))
        elif layer in CATCH_ALLS and not (mod.is_package and len(parts) == 1):
            problems.add((mod.rel, 0, f"{mod.name} is in no layer of {parts[0]}/ (only its root may sit there)"))
        elif layer == "pages" and len(parts) > 1 and _private(parts[1]):
            problems.add((mod.rel, 0, f"{mod.name} is a page helper outside {HELPERS_HOME.replace('.', '/')}/"))
    _fail("Modules outside the layout", problems,
          "move each module into its layer's package (shared page helpers, the map component and caches into "
          "pages/_ui/; a private helper next to its only user). If the layout itself changed, " + TABLE_FIX + ".")


def test_project_imports_exist():
    """Every project import names a module or package that exists (else the checks cannot judge it)."""
    proj = project()
    problems = {(proj.modules[i.importer].rel, i.line, f"{i.written}: there is no project module {i.target}")
                for i in proj.imports if not i.exists}
    _fail("Imports of project modules that do not exist", problems,
          "point the import at the module's new home (modules are being moved).")


def test_imports_run_downward():
    """Rule 1: a module imports only layers its layer may import (MAY_IMPORT)."""
    proj = project()
    problems, layers_seen = set(), set()
    for (importer, line, target), imps in _statements(proj.imports).items():
        if target == importer or not imps[0].exists:
            continue
        src, dst = layer_of(importer), layer_of(target)
        if src is None or dst is None or may_import(src, target):
            continue
        layers_seen.add(src)
        problems.add((proj.modules[importer].rel, line, f"{importer} [{src}] imports {_what(imps)} [{dst}]"))
    note = "Allowed, per layer above (MAY_IMPORT):\n" + "\n".join(
        f"  {layer} -> {', '.join(MAY_IMPORT.get(layer, ())) or 'nothing'}" for layer in LAYERS if layer in layers_seen)
    _fail("Upward imports (rule 1: imports run downward only)", problems,
          "move what is needed down into a layer the importer may import (what two features share moves down a "
          "layer), or let the caller pass it in; never import upward. If the table is wrong, " + TABLE_FIX + ".",
          note)


def _import_graph(proj: Project) -> dict[str, dict[str, list[Import]]]:
    graph: dict[str, dict[str, list[Import]]] = {m: {} for m in proj.modules}
    for imp in proj.imports:
        if imp.target in proj.modules and imp.target != imp.importer:
            graph[imp.importer].setdefault(imp.target, []).append(imp)
    return graph


def _strongly_connected(graph: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """Tarjan's strongly connected components (each cycle lies inside one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _shortest_cycle_through(graph, start: str, members: set[str]) -> list[str] | None:
    prev: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(graph[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return path[::-1]
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    return None


def test_no_import_cycles():
    """Rule 2: no cycles among project modules (imports inside functions and TYPE_CHECKING blocks count)."""
    proj = project()
    graph = _import_graph(proj)
    problems = set()
    for comp in _strongly_connected(graph):
        if len(comp) < 2:
            continue
        members = set(comp)
        cycles: list[list[str]] = []
        for start in comp:  # the shortest cycle through each member, rotations removed
            cyc = _shortest_cycle_through(graph, start, members)
            if cyc:
                k = cyc.index(min(cyc))
                cyc = cyc[k:] + cyc[:k]
                if cyc not in cycles:
                    cycles.append(cyc)
        for cyc in cycles:
            steps = []
            for a, b in zip(cyc, cyc[1:] + cyc[:1]):
                imp = min(graph[a][b], key=lambda i: i.line)
                lazy = " (inside a function)" if imp.in_function else ""
                steps.append(f"{proj.modules[a].rel}:{imp.line} {a} -> {b}{lazy}")
            first = graph[cyc[0]][cyc[1]][0]
            problems.add((proj.modules[cyc[0]].rel, first.line,
                          f"cycle {[*cyc, cyc[0]]}\n      " + "\n      ".join(steps)))
    _fail("Import cycles (rule 2)", problems,
          "break each cycle at its upward edge (rule 1 names it): move the shared code down a layer, or into a "
          "module both sides may import, or pass it in as an argument. An import inside a function hides a "
          "cycle, it does not break it.")


def test_no_private_names_across_modules():
    """Rule 3: no ``from x import _name`` and no ``x._name`` on another project module."""
    proj = project()
    problems = set()
    for imp in proj.imports:
        if _private(imp.name) and imp.target != imp.importer:
            problems.add((proj.modules[imp.importer].rel, imp.line,
                          f"{imp.importer} imports private {imp.name} from {imp.target}"))
    for mod in proj.modules.values():
        if not mod.aliases:
            continue
        for node in mod.attributes:
            if not _private(node.attr):
                continue
            chain = _attribute_chain(node)
            if not chain or chain[0] not in mod.aliases:
                continue
            owner: str | None = mod.aliases[chain[0]]
            for part in chain[1:-1]:  # follow submodules: geo.readers.rms.FIELDS
                owner = f"{owner}.{part}" if proj.is_module_or_package(f"{owner}.{part}") else None
                if owner is None:
                    break
            if owner is None or owner == mod.name or proj.is_module_or_package(f"{owner}.{node.attr}"):
                continue
            problems.add((mod.rel, node.lineno, f"{mod.name} uses private {'.'.join(chain)} of {owner}"))
    _fail("Private names used across modules (rule 3)", problems,
          "a name another module needs is public: drop the underscore (and list it in the owner's __all__), or "
          "move it down into a shared module both may import (STYLE.md habit 12).",
          "Private modules such as pages/_ui/ are judged by the layer table, not by this rule.")


def _sql_findings(mod: Module) -> set[Problem]:
    found: dict[int, list[str]] = {}
    for line, name in mod.external:
        if name.split(".")[0] in DB_DRIVERS:
            found.setdefault(line, []).append(f"imports the database driver {name}")
    for node in mod.calls:
        if isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            found.setdefault(node.lineno, []).append(f"calls {ast.unparse(node.func)}(...)")
    for line, text in _strings(mod):
        if looks_like_sql(text):
            found.setdefault(line, []).append(f"SQL text {_short(text)}")
    return {(mod.rel, line, "; ".join(what)) for line, what in found.items()}


def test_sql_only_in_the_store():
    """Rule 4: SQL, database drivers and connections only in geo/store.py (geo/ingest/ may stage in memory)."""
    problems = set()
    for mod in project().modules.values():
        if not _under(mod.name, SQL_OWNERS + SQL_STAGING + SQL_TILE_CONTAINERS):
            problems |= _sql_findings(mod)
    _fail("SQL or database access outside geo/store.py (rule 4)", problems,
          "geo/store.py is the only owner of SQL and connections: add a Store method that runs the statement "
          "and returns plain data (a DataFrame, an Arrow table, a number) and call it; read-only selections go "
          "in geo/query.py on top of the Store; in-memory staging of file rows goes in geo/ingest/.")


def test_ingest_writes_through_the_store():
    """Rule 4, for geo/ingest/: it may stage rows in its own in-memory DuckDB, but it reads and writes the
    store through Store methods, never through the Store's connection (``store.con``)."""
    problems = set()
    for mod in project().modules.values():
        if not _under(mod.name, SQL_STAGING):
            continue
        for node in mod.attributes:
            if node.attr in STORE_CONNECTION_ATTRS and not (
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                problems.add((mod.rel, node.lineno, f"uses the store's connection {ast.unparse(node)}"))
    _fail("geo/ingest/ reaching into the store's connection (rule 4)", problems,
          "move the statement into a Store method in geo/store.py and call that; geo/ingest/ keeps only its own "
          "in-memory staging connection (duckdb.connect()).")


def test_streamlit_only_in_pages():
    """Rule 5: streamlit and streamlit_folium are imported only by pages/ and app.py."""
    problems = set()
    for mod in project().modules.values():
        if not _under(mod.name, STREAMLIT_HOMES):
            problems |= {(mod.rel, line, f"{mod.name} imports {name}") for line, name in mod.external
                         if name.split(".")[0].startswith("streamlit")}
    _fail("Streamlit outside pages/ and app.py (rule 5)", problems,
          "the library returns data (frames, bytes, result objects) and raises HotspotsError; showing it is the "
          "job of pages/ through pages/_ui/.")


def test_caching_only_in_pages_ui():
    """Rule 6: st.cache_data / st.cache_resource are used only in pages/_ui/."""
    problems = set()
    for mod in project().modules.values():
        if _under(mod.name, CACHE_HOMES):
            continue
        for line, name in mod.external_names:
            if name.startswith("streamlit.") and name.split(".")[-1] in CACHE_ATTRS:
                problems.add((mod.rel, line, f"imports {name}"))
        for node in mod.attributes:
            if node.attr in CACHE_ATTRS and isinstance(node.value, ast.Name) and node.value.id in mod.streamlit_names:
                problems.add((mod.rel, node.lineno, f"uses {node.value.id}.{node.attr}"))
    _fail("Streamlit caching outside pages/_ui/ (rule 6)", problems,
          "move the cached function into pages/_ui/ (its cache module), with hashable arguments, and call it from "
          "the page.")


def test_no_project_imports_in_functions():
    """Rule 7: project modules are imported at module top level (LAZY_IMPORTS lists documented exceptions)."""
    proj = project()
    problems = set()
    for (importer, line, target), imps in _statements(proj.imports).items():
        imp = imps[0]
        if not (imp.in_function or imp.dynamic) or (importer, target) in LAZY_IMPORTS:
            continue
        where = "inside a function" if imp.in_function else "by name at run time"
        problems.add((proj.modules[importer].rel, line, f"{importer} imports {_what(imps)} {where}"))
    _fail("Project imports hidden inside functions (rule 7)", problems,
          "move the import to the top of the module. If that makes a cycle, the cycle is the bug (see "
          "test_no_import_cycles): move the shared code down a layer. A lazy loader that really must stay goes "
          "into LAZY_IMPORTS, with its reason.")

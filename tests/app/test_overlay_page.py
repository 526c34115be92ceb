"""The Police and A&E page (AppTest): the library's numbers, the no-A&E message, presentation mode.

The store is the 3-month synthetic sample with its A&E assaults placed at the generator's true
locations (tests/ae_rows.sample_ae_units) unless the sample loader already stored A&E rows.
"""

from pathlib import Path

import pandas as pd
import pytest

from geo.query import Selection
from geo.store import Store
from hotspots.tasks.overlay import overlay
from hotspots.methods.ckm import MAX_MOVE
from hotspots.methods.suppress import assert_no_small_counts
from tests.app.conftest import metric
from tests.app.conftest import open_page as open_app_page

PAGE = "pages/overlay.py"


def build_store(root: Path, with_ae: bool) -> str:
    from geo.ingest.sample import ingest_sample
    from geo.sample import write_sample
    from tests.ae_rows import sample_ae_units

    write_sample(root / "sample", months=3)
    db = root / "store.duckdb"
    with Store(db) as s:
        ingest_sample(root / "sample", s)
        has_ae = s.con.execute("SELECT count(*) FROM incidents WHERE source = 'ae'").fetchall()[0][0]
        if with_ae and not has_ae:
            for u in sample_ae_units(root / "sample"):
                s.write(u)
        if not with_ae and has_ae:
            s.remove("ae")
        # The sample's site codes (SYN-LISTER, SYN-WATFORD) carry no SYNTHETIC mark, so the app would take
        # them for real data and leave the synthetic police data out of every page (reported to the lead);
        # mark them here as the sample's police force is marked.
        for table in ("incidents", "rejections"):
            s.con.execute(f"UPDATE {table} SET force = force || ' (SYNTHETIC)' "
                          "WHERE source = 'ae' AND force NOT LIKE '%SYNTHETIC%'")
    return str(db)


@pytest.fixture(scope="module")
def ae_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("overlay_app")
    return {"db": build_store(root, True), "sample": str(root / "sample")}


@pytest.fixture
def ae_env(ae_store, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_DB", ae_store["db"])
    monkeypatch.setenv("HOTSPOTS_SAMPLE_DIR", ae_store["sample"])
    return ae_store


def open_page(page=PAGE, **query):
    return open_app_page(page, **query)


def months(db):
    with Store(db, create=False) as s:
        return [r[0] for r in s.con.execute("SELECT DISTINCT strftime(month, '%Y-%m') FROM incidents "
                                            "WHERE source = 'police' ORDER BY 1").fetchall()]


def library(db, date_from=None, date_to=None, **kw):
    with Store(db, create=False) as s:
        return overlay(s, Selection(date_from, date_to), **kw)


def frame_with(at, column) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def as_published(values):
    """Page tables show counts as text ("1,234"); back to ints, labels kept."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            out.append(None)
            continue
        t = str(v).replace(",", "")
        out.append(int(t) if t.isdigit() else str(v))
    return out


def test_page_numbers_are_the_librarys(ae_env):
    m = months(ae_env["db"])
    at = open_page(**{"from": m[0], "to": m[-1]})
    pub = library(ae_env["db"], date_from=m[0], date_to=m[-1], res=9)
    assert metric(at, "Police violence") == f"{pub.totals['police_violence']:,} crimes"
    assert metric(at, "A&E assaults") == f"{pub.totals['ae_assaults']:,} assaults"
    assert metric(at, "A&E only hexagons") == f"{pub.class_counts['A&E only']:,} hexagons"
    assert metric(at, "Both high") == f"{pub.class_counts['Both high']:,} hexagons"
    # only hexagons with a shown A&E count (8 or more) are ranked (review finding 2): the 3-month sample
    # has none at res 9, so the page says so; the ranking itself is checked in tests/unit/test_overlay.py
    if pub.ranked.empty:
        assert not any("Excess A&E" in d.value.columns for d in at.dataframe)
        assert "are not ranked" in " ".join(i.value for i in at.info)
    else:
        ranked = frame_with(at, "Excess A&E")
        assert ranked["Hexagon (H3)"].tolist() == pub.ranked["cell"].tolist()
        assert as_published(ranked["A&E assaults"]) == pub.ranked["ae_assaults"].tolist()
        assert ranked["Nearest police.uk locations"].tolist() == pub.ranked["near"].tolist()
    weapons = frame_with(at, "Weapon")
    assert as_published(weapons["A&E assaults"]) == pub.weapons["assaults"].tolist()
    grid = frame_with(at, "23:00")
    assert [as_published(r) for r in grid.to_numpy().tolist()] == pub.ae_grid.to_numpy().tolist()
    # the totals of the sample itself: police violence in the store for these months
    with Store(ae_env["db"], create=False) as s:
        n = s.con.execute("SELECT count(*) FROM incidents WHERE source = 'police' AND category = "
                          "'Violence and sexual offences'").fetchall()[0][0]
    assert pub.totals["police_violence"] == n
    # downloads: CSV and GeoJSON
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Hexagons (CSV)", "Hexagons (GeoJSON)"]
    assert "SYNTHETIC DATA" in " ".join(w.value for w in at.warning)


def test_published_values_on_the_page_are_never_small(ae_env):
    at = open_page(present="1")
    assert "Leave presentation mode" in [b.label for b in at.button]
    pub = library(ae_env["db"], date_from=months(ae_env["db"])[0], date_to=months(ae_env["db"])[-1])
    total = pub.totals["ae_assaults"]
    assert metric(at, "A&E assaults") == f"{total:,} assaults"
    for d in at.dataframe:                       # the ranked list, if any: shown counts only
        if "Excess A&E" in d.value.columns:
            assert all(isinstance(v, int) and v > 7 for v in as_published(d.value["A&E assaults"]))
    # issue 16: the total is published perturbed (within MAX_MOVE of the exact one), so a reader subtracting
    # from it knows the hidden sum only to within that much (move=MAX_MOVE)
    weapons = frame_with(at, "Weapon")
    assert_no_small_counts(as_published(weapons["A&E assaults"]), total=total, what="weapon mix", move=MAX_MOVE)
    grid = frame_with(at, "23:00")
    assert_no_small_counts([v for r in grid.to_numpy().tolist() for v in as_published(r)] + [pub.ae_no_time],
                           total=total, what="day x hour", move=MAX_MOVE)
    captions = [c.value for c in at.caption]
    assert "1 to 7" in " ".join(captions)
    assert "Small numbers are hidden and others slightly adjusted to protect patients." in captions


def test_data_page_grid_suppresses_ae_in_presentation_mode(ae_env):
    from hotspots.methods.suppress import primary_label

    plain = open_page("pages/data.py")
    shown = frame_with(plain, "A&E assaults")["A&E assaults"].tolist()
    assert all(isinstance(v, (int,)) or hasattr(v, "__int__") for v in shown)   # normal screen: the Data page
    at = open_page("pages/data.py", present="1")
    col = frame_with(at, "A&E assaults")["A&E assaults"].tolist()
    with Store(ae_env["db"], create=False) as s:
        total = s.con.execute("SELECT count(*) FROM incidents WHERE source = 'ae'").fetchall()[0][0]
    assert_no_small_counts(as_published(col), total=total, what="data page grid")
    # the sample's months each hold well over 7: shown as numbers
    assert primary_label() not in col


def test_no_ae_data_says_how_to_load_it(tmp_path, monkeypatch):
    db = build_store(tmp_path, with_ae=False)
    monkeypatch.setenv("HOTSPOTS_DB", db)
    monkeypatch.setenv("HOTSPOTS_SAMPLE_DIR", str(tmp_path / "sample"))
    at = open_page()
    info = " ".join(i.value for i in at.info)
    assert "No A&E assault data is loaded" in info and "ingest ae" in info
    assert not at.dataframe and not at.metric


def test_the_list_is_named_for_what_it_is_and_holds_only_excess_beyond_chance(ae_env):
    """Issue 15: the list held busy "Both high" hexagons while the page said "A&E only hexagons: 0". It now
    lists only hexagons whose A&E count exceeds the police prediction beyond chance, and says so."""
    from scipy import stats

    m = months(ae_env["db"])
    at = open_page(**{"from": m[0], "to": m[-1], "res": "8"})
    pub = library(ae_env["db"], date_from=m[0], date_to=m[-1], res=8)
    assert len(pub.ranked), "the 3-month sample at res 8 has hexagons beyond chance"
    heads = [h.value for h in at.subheader]
    assert "Violence unknown to police: more A&E assaults than police figures predict" in heads
    n = pub.summary()["unknown_to_police"]
    assert f"**{n} hexagon{'s' if n != 1 else ''}** with more A&E assaults than police violence predicts" in " ".join(
        md.value for md in at.markdown)
    ranked = frame_with(at, "Excess A&E")
    assert ranked["Hexagon (H3)"].tolist() == pub.ranked["cell"].tolist()
    # each listed hexagon: independently, A&E beyond its share of police violence (exact binomial test)
    share = pub.totals["ae_assaults"] / (pub.totals["ae_assaults"] + pub.totals["police_violence"])
    cells = pub.cells.set_index("cell")
    p_all = [stats.binomtest(int(a), int(a) + int(p), share, alternative="greater").pvalue
             for a, p in zip(cells["ae_assaults"], cells["police_violence"])
             if isinstance(a, (int,)) and a > 0]
    q = stats.false_discovery_control(p_all, method="bh")
    assert sum(q <= 0.05) == n
    for _, r in ranked.iterrows():
        a, e = int(r["A&E assaults"]), float(r["Expected A&E"])
        assert a > e
        assert r["A&E ÷ expected"] == f"{a / e:,.1f} ×"
        assert r["p (FDR)"] == "< 0.001" or float(r["p (FDR)"]) <= 0.05

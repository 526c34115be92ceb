"""The real Hertfordshire 2021 store: police.uk street files 2021-01..2021-12, the districts and the wards.

Built once per test session (``real_db`` in tests/conftest.py) from ../shared/data, never copied into the
project. Tests of what a user sees on real data (the map page's hotspot table, patrol area sizes, police.uk
artefacts, the projector view) open it read-only.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import POLICE_OUTCOMES_DIR, POLICE_STREET_DIR, SHARED_DATA

LAD = SHARED_DATA / "boundaries" / "herts_lad_dissolved_from_lsoa2011.geojson"
WARDS_DIR = SHARED_DATA / "boundaries" / "wards2013_by_lad"
MONTHS = [f"2021-{m:02d}" for m in range(1, 13)]


def street_files() -> list[Path]:
    return sorted(p for p in POLICE_STREET_DIR.rglob("*-street.csv") if p.name[:7] in MONTHS)


def build_real_store(db: Path, *, outcomes: bool = True) -> Path:
    """Load the twelve 2021 months (and their outcomes), the ten districts and their wards into ``db``."""
    from geo.boundaries import read_areas
    from geo.ingest.police import ingest_police
    from geo.store import Store

    files = street_files()
    assert len(files) == 12, files
    if outcomes and POLICE_OUTCOMES_DIR.is_dir():
        files += sorted(p for p in POLICE_OUTCOMES_DIR.rglob("*-outcomes.csv") if p.name[:7] in MONTHS)
    with Store(db) as s:
        ingest_police(files, s)
        s.save_areas(read_areas(LAD, name_field="LAD23NM"), "district")
        wards = [a for f in sorted(WARDS_DIR.glob("*.json")) for a in read_areas(f, name_field="WD13NM")]
        # ward names repeat across districts (e.g. "Central"): keep the first of each name
        seen, unique = set(), []
        for a in wards:
            if a.name not in seen:
                seen.add(a.name)
                unique.append(a)
        s.save_areas(unique, "ward")
    return db

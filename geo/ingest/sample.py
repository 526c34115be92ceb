"""Loading the synthetic sample the generator writes (``geo.sample.write_sample``)."""

from __future__ import annotations

from pathlib import Path

from geo.boundaries import read_areas
from geo.ingest.ae import ingest_ae
from geo.ingest.pipeline import IngestReport, Progress
from geo.ingest.police import ingest_police
from geo.ingest.rms import ingest_rms
from geo.store import Store

__all__ = ["ingest_sample"]


def ingest_sample(folder: str | Path, store: Store, progress: Progress | None = None) -> IngestReport:
    """Load the synthetic sample written by ``geo.sample.write_sample``.

    police.uk-style files from ``police/``, the force-records export from ``rms/``
    through its ``rms/mapping.toml``, and the district and county outlines from
    ``boundary/`` as named areas, and the A&E (ISTV) files from ``ae/`` with their venue gazetteer and code
    lists (``geo.ingest.ae.ingest_ae``; after the police files, whose streets it geocodes with).
    """
    folder = Path(folder)
    half = (lambda f, m: progress(0.5 * f, m)) if progress else None
    report = ingest_police([folder / "police"], store, progress=half)
    for layer, name in (("district", "districts_synthetic.geojson"), ("county", "county_synthetic.geojson")):
        path = folder / "boundary" / name
        if path.exists():
            store.save_areas(read_areas(path), layer)
    rms_files = sorted((folder / "rms").glob("*.csv"))
    if rms_files:
        rest = (lambda f, m: progress(0.5 + 0.5 * f, m)) if progress else None
        report.files.extend(ingest_rms(rms_files, store, mapping=folder / "rms" / "mapping.toml", progress=rest).files)
    ae_files = sorted((folder / "ae").glob("istv_*.csv"))
    if ae_files:
        gazetteer = folder / "ae" / "venues_gazetteer.csv"
        codes = folder / "ae" / "istv_codes.toml"
        report.files.extend(ingest_ae(ae_files, store, gazetteer=gazetteer if gazetteer.exists() else None,
                                      codes=codes if codes.exists() else None).files)
    # the last step: a load cut short (the app stopped) is finished on the next start (reloading is idempotent)
    store.set_meta("sample_loaded", str(folder))
    return report

"""The synthetic sample as a task: write it (once) and load it into a store (the app's first run)."""

from __future__ import annotations

from pathlib import Path

from geo.ingest.sample import ingest_sample
from geo.sample import write_sample
from geo.store import Store

__all__ = ["GENERATED_MARK", "prepare_sample"]

#: The file ``write_sample`` leaves in a finished sample folder.
GENERATED_MARK = ".generated"


def prepare_sample(folder: str | Path, db: str | Path, progress=None):
    """Write the sample into ``folder`` unless it is there already, then load it into the store ``db``;
    returns the load report.

    The files are written before the store is opened, so another program waits for the store only while the
    load runs. Loading is idempotent, so a first run cut short is finished by running this again.
    """
    tick = progress or (lambda f, m: None)
    folder = Path(folder)
    if not (folder / GENERATED_MARK).exists():
        write_sample(folder, progress=lambda f, m: tick(min(0.5 * f, 0.5), f"Writing sample: {m}"))
    with Store(db) as store:
        return ingest_sample(folder, store,
                             progress=lambda f, m: tick(min(0.5 + 0.5 * f, 1.0), f"Loading: {m[-80:]}"))

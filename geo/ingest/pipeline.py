"""Load files into the store: discover, read, stage, locate, write.

The pipeline is columnar end to end. Files are taken in batches of about
``BATCH_BYTES``, in the order given. Each batch is read in parallel (pyarrow), all its
files of one kind are staged by one SQL statement (DuckDB), every row is placed by
``geo.locate.locate`` once per distinct coordinate, and then each file is written in
its own transaction (``geo.store.Store.write``). The next batch is prepared in a worker
thread while one is written. Every input row ends up either stored or in the rejection
report with a reason: ``rows_read == rows_stored + rows_rejected`` always.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.boundaries import Area
from geo.constants import POLICE_CATEGORIES
from geo.crs import looks_swapped
from geo.errors import HotspotsError, InputFileError, SchemaError
from geo.locate import LOCATE_REASONS, locate
from geo.readers.common import RawTable, file_sha256, read_table
from geo.schema import INCIDENT_COLUMNS, REASONS, REJECTION_COLUMNS
from geo.store import DiskFullError, LoadUnit, Store
from geo.readers.inputs import FileSource

__all__ = ["IngestReport", "NO_PARTITIONS", "Progress", "append_ragged", "decimal_point", "failed_unit", "incident_units",
           "ingest_units", "partitions_of", "read_safely", "rejections_table", "unexpected_error", "write_batches"]

log = logging.getLogger("hotspots.ingest")

Progress = Callable[[float, str], None]

#: Rows of a file's coordinates that must look like metres (or swapped) before the
#: whole file is refused rather than row by row: a wrong mapping, not bad rows.
WHOLE_FILE_SHARE = 0.5


@dataclass
class IngestReport:
    """What a load did, file by file and in total. ``to_dict()`` is the CLI's JSON."""

    files: list[dict] = field(default_factory=list)
    #: inputs not read at all: archive members and folder files that are not tables, with the reason
    skipped: list[dict] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f["rows_read"] for f in self.files)

    @property
    def rows_stored(self) -> int:
        return sum(f["rows_stored"] for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f["rows_rejected"] for f in self.files)

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        total: Counter = Counter()
        for f in self.files:
            total.update(f["rejected_by_reason"])
        return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def months(self) -> list[str]:
        return sorted({m for f in self.files for m in f["months"]})

    @property
    def failed(self) -> list[dict]:
        return [f for f in self.files if f["status"] == "failed"]

    def to_dict(self) -> dict:
        return {
            "files": len(self.files),
            "files_failed": len(self.failed),
            "rows_read": self.rows_read,
            "rows_stored": self.rows_stored,
            "rows_rejected": self.rows_rejected,
            "rejected_by_reason": self.rejected_by_reason,
            "months": self.months,
            "file_report": self.files,
            "skipped": self.skipped,
        }


def empty_rejections() -> pa.Table:
    types = {"INTEGER": pa.int32(), "DATE": pa.date32()}
    return pa.table({c.name: pa.array([], type=types.get(c.sql_type, pa.string())) for c in REJECTION_COLUMNS})


def failed_unit(src: FileSource, kind: str, source: str, err: HotspotsError, raw: RawTable | None) -> LoadUnit:
    """A file refused whole: each of its rows is listed with reason file_rejected."""
    n = raw.table.num_rows if raw is not None else 0
    rows = raw.table.column("_row") if raw is not None else pa.array([], pa.int32())
    reason = REASONS["file_rejected"]
    rej = pa.table({
        "source": pa.array([source] * n, pa.string()), "force": pa.nulls(n, pa.string()),
        "month": pa.nulls(n, pa.date32()), "file": pa.array([src.name] * n, pa.string()),
        "row": rows.cast(pa.int32()), "column": pa.array([getattr(err, "column", None)] * n, pa.string()),
        "value": pa.nulls(n, pa.string()), "reason": pa.array(["file_rejected"] * n, pa.string()),
        "message": pa.array([f"{reason.message} {err.message}"] * n, pa.string()),
        "fix": pa.array([err.fix or reason.fix] * n, pa.string()),
    })
    parts = pa.table({"source": pa.array([], pa.string()), "force": pa.array([], pa.string()),
                      "month": pa.array([], pa.date32())})
    return LoadUnit(file=src.name, file_key=src.basename, kind=kind, source=source, mode="replace",
                    rows_read=n, rejections=rej, partitions=parts, error=str(err),
                    sha256=raw.sha256 if raw is not None else file_sha256(src))


def file_entry(unit: LoadUnit, written: dict | None) -> dict:
    by_reason = Counter(unit.rejections.column("reason").to_pylist()) if unit.rejections.num_rows else Counter()
    months: set[str] = set()
    if unit.incidents is not None and unit.incidents.num_rows:
        months = {m.strftime("%Y-%m") for m in unit.incidents.column("month").unique().to_pylist()}
    if unit.outcomes is not None and unit.outcomes.num_rows:
        months = {m.strftime("%Y-%m") for m in unit.outcomes.column("month").unique().to_pylist()}
    stored = written["rows_stored"] if written else 0
    return {
        "file": unit.file, "kind": unit.kind, "status": "failed" if unit.error else "loaded",
        "rows_read": unit.rows_read, "rows_stored": stored,
        "rows_rejected": unit.rejections.num_rows, "rejected_by_reason": dict(by_reason),
        "months": sorted(months), "error": unit.error, "notes": unit.notes,
    }


def ingest_units(units: Iterable[LoadUnit], store: Store, progress: Progress | None = None,
                 total: int | None = None) -> IngestReport:
    """Write staged files to the store, one transaction each, and report."""
    units = list(units)
    return write_batches([units], store, progress, total or len(units))


def write_batches(batches: Iterable[list[LoadUnit]], store: Store, progress: Progress | None,
                   total: int) -> IngestReport:
    """Write each batch's units in order, one transaction per file (see ``Store.write``).

    A file the store refuses is reported as failed and the load goes on; a full disk stops the load (every
    later write would fail too): the files committed before it stay loaded and the rest are reported as
    not loaded, with the sentence that says so.
    """
    report = IngestReport()
    done = 0
    stopped: DiskFullError | None = None
    # Each file still commits on its own (and its WAL record is durable); merging the WAL
    # into the database file is left to one checkpoint at the end: automatic checkpoints
    # every few files cost more than the writes themselves on a growing table.
    with store.deferred_checkpoint():
        for units in batches:
            for unit in units:
                if stopped is None:
                    try:
                        report.files.append(file_entry(unit, store.write(unit)))
                    except DiskFullError as err:
                        stopped = err
                        report.files.append(_not_written(unit, err))
                    except HotspotsError as err:
                        report.files.append(_not_written(unit, err))
                else:
                    report.files.append(_not_written(unit, stopped))
                done += 1
                if progress:
                    progress(0.5 + 0.5 * done / max(total, 1), f"Stored {unit.file}")
    return report


def _not_written(unit: LoadUnit, err: HotspotsError) -> dict:
    """The report of a file the store could not take: every row counted as refused with the reason."""
    entry = file_entry(unit, None)
    entry.update(status="failed", rows_stored=0, rows_rejected=unit.rows_read,
                 rejected_by_reason={"file_rejected": unit.rows_read} if unit.rows_read else {},
                 error=str(err))
    return entry


def read_safely(src: FileSource, looks_like_header, expected: str) -> tuple[RawTable | None, HotspotsError | None]:
    """``read_table`` that never lets one file stop a load: a problem becomes that file's refusal.

    An error that is not a ``HotspotsError`` is a bug in a reader; it is logged with its traceback and the
    file is refused with a sentence, so the other files still load and no traceback reaches a person.
    """
    try:
        return read_table(src, looks_like_header, expected), None
    except HotspotsError as err:
        return None, err
    except Exception as exc:  # noqa: BLE001 - see the docstring
        return None, unexpected_error(src, exc)


def unexpected_error(src: FileSource, exc: BaseException) -> InputFileError:
    """The refusal of a file whose reading failed in a way no reader foresaw (logged with its traceback)."""
    if isinstance(exc, MemoryError):
        return InputFileError("the file needs more memory than this computer has to read.", file=src.name,
                              fix="Split it into smaller files and load those.")
    log.error("Unexpected error reading %s", src.name, exc_info=exc)
    return InputFileError(f"the file could not be read ({type(exc).__name__}; the details are in the log).",
                          file=src.name, fix="Check the file opens in a spreadsheet; if it does, report the "
                                             "problem with the file attached.")


def decimal_point(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Numbers written with a decimal comma (``-0,3961``), as semicolon-delimited exports write them, with a
    point; other values unchanged (a value with both a point and a comma is left for the reader to refuse).

    >>> decimal_point(pa.array(["-0,3961", "51.65", "1,234.5", None])).to_pylist()
    ['-0.3961', '51.65', '1,234.5', None]
    """
    return pc.replace_substring_regex(values, r"^(\s*[+-]?\d+),(\d+\s*)$", r"\1.\2")


def check_coordinate_kind(x: np.ndarray, y: np.ndarray, is_bng: bool, file: str,
                          x_name: str, y_name: str) -> None:
    """Refuse a file whose coordinates are mostly of the wrong kind (a mapping error).

    Raises
    ------
    SchemaError
        BNG metres in longitude/latitude columns, degrees in easting/northing columns,
        or longitude and latitude swapped, in more than half of the rows.
    """
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() == 0:
        return
    xs, ys = x[ok], y[ok]
    share = lambda m: float(np.mean(m))  # noqa: E731
    if not is_bng:
        metres = (np.abs(xs) > 180) | (np.abs(ys) > 90)
        if share(metres) > WHOLE_FILE_SHARE:
            i = int(np.argmax(metres))
            raise SchemaError(
                "the longitude/latitude columns hold British National Grid metres, not degrees "
                f"(e.g. {xs[i]:.0f}, {ys[i]:.0f}).", file=file, column=x_name, value=f"{xs[i]:.0f}",
                fix="Map these columns as easting and northing (in the column mapping), not longitude and latitude.")
        swapped = looks_swapped(xs, ys)
        if share(swapped) > WHOLE_FILE_SHARE:
            i = int(np.argmax(swapped))
            raise SchemaError(
                f"longitude and latitude are swapped in most rows (e.g. {x_name} = {xs[i]}, {y_name} = {ys[i]}).",
                file=file, column=x_name, value=str(xs[i]),
                fix=f"Swap the two columns: '{x_name}' must hold longitude (about -6 to 2 in England and Wales).")
    else:
        degrees = (np.abs(xs) <= 180) & (np.abs(ys) <= 90)
        if share(degrees) > WHOLE_FILE_SHARE:
            i = int(np.argmax(degrees))
            raise SchemaError(
                f"the easting/northing columns hold degrees, not metres (e.g. {xs[i]}, {ys[i]}).",
                file=file, column=x_name, value=str(xs[i]),
                fix="Map these columns as longitude and latitude, not easting and northing.")


def incident_units(staged: pa.Table, raws: list[RawTable], kind_name: str, area: Area | None, *, source: str,
                   is_bng: bool = False, coord_names=("Longitude", "Latitude"), mode: str = "replace",
                   repeats_kept: bool = False) -> list[LoadUnit]:
    """Place staged rows and cut them into one LoadUnit per file.

    Columnar and done once for all files: every row is placed by one ``locate`` call
    (one distinct point at a time), the stored rows of all files are selected by one
    filter and the rejected rows described by one pass, all in file order; each file's
    unit is then a zero-copy slice of those tables.
    """
    # the staged table stays in DuckDB's chunks: combining them would copy every column
    # once more, and filtering, slicing and to_numpy all work across chunks
    member = staged.column("_member").to_numpy(zero_copy_only=False).astype(np.int64)
    if np.any(np.diff(member) < 0):  # staging returns rows by file; keep it true
        order = np.argsort(member, kind="stable")
        staged, member = staged.take(pa.array(order)), member[order]
    n_files = len(raws)
    bounds = np.searchsorted(member, np.arange(n_files + 1))
    x = staged.column("x").to_numpy(zero_copy_only=False).astype(np.float64)
    y = staged.column("y").to_numpy(zero_copy_only=False).astype(np.float64)
    reader_reason = staged.column("reason")
    has_reader_reason = reader_reason.is_valid().to_numpy(zero_copy_only=False)
    x[has_reader_reason] = np.nan
    y[has_reader_reason] = np.nan
    refused: dict[int, HotspotsError] = {}
    for i, raw in enumerate(raws):
        rows = slice(bounds[i], bounds[i + 1])
        try:
            check_coordinate_kind(x[rows], y[rows], is_bng, raw.source.name, *coord_names)
        except HotspotsError as err:
            refused[i] = err
            x[rows] = np.nan
            y[rows] = np.nan
    loc = locate(x, y, is_bng=is_bng, groups=member, area=area)
    in_refused = np.zeros(member.size, dtype=bool)
    for i in refused:
        in_refused[bounds[i]:bounds[i + 1]] = True
    placed = ~has_reader_reason & (loc.reason == 0)
    src_kind = source
    names = [raw.source.name for raw in raws]

    # the stored rows of every file, in file order
    keep = placed & ~in_refused
    located = {"lon": loc.lon, "lat": loc.lat, "easting": loc.easting, "northing": loc.northing, "h3_11": loc.h3_11}
    mask = pa.array(keep)
    cols = {}
    for name in _STORED:
        cols[name] = pa.array(located[name][keep]) if name in located else staged.column(name).filter(mask)
    kept_member = member[keep]
    if repeats_kept:
        cols["duplicate_id"] = _repeated_ids(cols["id"], kept_member)
    cols["source_file"] = pa.DictionaryArray.from_arrays(
        pa.array(kept_member.astype(np.int32)), pa.array(names, pa.string()))
    incidents = pa.table(cols)
    inc_bounds = np.searchsorted(kept_member, np.arange(n_files + 1))

    # the rejected rows of every file, in file order
    bad = np.flatnonzero(~placed & ~in_refused)
    rej = _rejected_rows(staged, bad, member, loc.reason, x, y, names, src_kind, coord_names)
    rej_bounds = np.searchsorted(member[bad], np.arange(n_files + 1))

    parts = _partitions_by_file(staged, member)
    units: list[LoadUnit] = []
    for i, raw in enumerate(raws):
        if i in refused:
            units.append(failed_unit(raw.source, kind_name, src_kind, refused[i], raw))
            continue
        file_rej = append_ragged(rej.slice(rej_bounds[i], rej_bounds[i + 1] - rej_bounds[i]), raw, src_kind)
        units.append(LoadUnit(
            file=raw.source.name, file_key=raw.source.basename, kind=kind_name, source=src_kind, mode=mode,
            rows_read=raw.table.num_rows + len(raw.ragged), rejections=file_rej,
            partitions=parts.get(i, NO_PARTITIONS),
            incidents=incidents.slice(inc_bounds[i], inc_bounds[i + 1] - inc_bounds[i]),
            sha256=raw.sha256,
            notes=raw.notes + _duplicate_note(incidents.slice(inc_bounds[i], inc_bounds[i + 1] - inc_bounds[i]))))
    return units


def _repeated_ids(ids, member: np.ndarray) -> pa.Array:
    """True for a stored row whose id an earlier stored row of the same file has (police.uk publishes a few
    Crime IDs twice, at two places): kept, and left out of analyses so the crime counts once. Judged among
    the stored rows, so a crime whose first row had no location still counts by its placed one."""
    codes = pc.dictionary_encode(ids).combine_chunks() if isinstance(ids, pa.ChunkedArray) else pc.dictionary_encode(ids)
    key = member.astype(np.int64) * (len(codes.dictionary) + 1) + codes.indices.to_numpy(zero_copy_only=False)
    repeat = np.ones(key.size, dtype=bool)
    repeat[np.unique(key, return_index=True)[1]] = False  # the first row of each (file, id)
    return pa.array(repeat)


def _duplicate_note(rows: pa.Table) -> list[str]:
    """The load report's note on repeated identifiers (police.uk publishes a few Crime IDs twice)."""
    if "duplicate_id" not in rows.column_names or not rows.num_rows:
        return []
    n = pc.sum(rows.column("duplicate_id")).as_py() or 0
    if not n:
        return []
    return [f"{n:,} row(s) repeat a Crime ID of an earlier row of this file (police.uk publishes a few twice): "
            "kept, and each crime counted once"]


_STORED = [c.name for c in INCIDENT_COLUMNS if c.name not in ("outcome", "load_id", "source_file", "duplicate_id")]
NO_PARTITIONS = pa.table({"source": pa.array([], pa.string()), "force": pa.array([], pa.string()),
                           "month": pa.array([], pa.date32())})


def _rejected_rows(staged: pa.Table, bad: np.ndarray, member: np.ndarray, locate_reason: np.ndarray,
                   x: np.ndarray, y: np.ndarray, names: list[str], source: str, coord_names) -> pa.Table:
    """The rejection report of the staged rows ``bad`` (the reader's reason, else locate's)."""
    take = pa.array(bad)
    sub = staged.select(["force", "month", "source_row", "reason", "reason_column", "reason_value"]).take(take)
    reader_reason = sub.column("reason").to_pylist()
    reader_column = sub.column("reason_column").to_pylist()
    reader_value = sub.column("reason_value").to_pylist()
    coords = f"{coord_names[0]}, {coord_names[1]}"
    reason, column, value = [], [], []
    for k, j in enumerate(bad.tolist()):
        if reader_reason[k] is not None:
            reason.append(reader_reason[k])
            column.append(reader_column[k])
            value.append(reader_value[k])
        else:  # only rows locate refused get here: their coordinates, as text
            reason.append(LOCATE_REASONS[int(locate_reason[j])])
            column.append(coords)
            value.append(f"{x[j]}, {y[j]}")
    return rejections_table(sub, reason, column, value, None, source,
                       files=pa.DictionaryArray.from_arrays(pa.array(member[bad].astype(np.int32)),
                                                            pa.array(names, pa.string())).cast(pa.string()))


def _partitions_by_file(staged: pa.Table, member: np.ndarray) -> dict[int, pa.Table]:
    """Each file's distinct (source, force, month) with a readable month."""
    month = staged.column("month")
    valid = month.is_valid().to_numpy(zero_copy_only=False)
    src = pc.dictionary_encode(staged.column("source")).combine_chunks()
    force = pc.dictionary_encode(staged.column("force")).combine_chunks()
    days = month.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    s_codes = src.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    f_codes = force.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    n_s, n_f = len(src.dictionary), len(force.dictionary) + 1
    key = ((member * n_s + s_codes) * n_f + f_codes) * (1 << 22) + (days + (1 << 21))
    uniq = np.unique(key[valid])
    days_u = (uniq % (1 << 22)) - (1 << 21)
    rest = uniq // (1 << 22)
    f_u, rest = rest % n_f, rest // n_f
    s_u, m_u = rest % n_s, rest // n_s
    s_names = src.dictionary.to_pylist()
    f_names = [None] + force.dictionary.to_pylist()
    out: dict[int, pa.Table] = {}
    if uniq.size:
        cuts = np.flatnonzero(np.diff(m_u)) + 1
        for grp in np.split(np.arange(uniq.size), cuts):
            out[int(m_u[grp[0]])] = pa.table({
                "source": pa.array([s_names[k] for k in s_u[grp]], pa.string()),
                "force": pa.array([f_names[k] for k in f_u[grp]], pa.string()),
                "month": pa.array(days_u[grp].astype(np.int32), pa.int32()).cast(pa.date32()),
            })
    return out


def partitions_of(rows: pa.Table) -> pa.Table:
    """Distinct (source, force, month) of rows with a readable month."""
    keys = ["source", "force", "month"]
    rows = rows.filter(pc.is_valid(rows.column("month")))
    return rows.group_by(keys).aggregate([]).select(keys)


def rejections_table(rows: pa.Table, reason, column, value, file_name: str | None, source: str,
                files: pa.Array | None = None) -> pa.Table:
    """Rejection rows: ``rows`` gives force, month and source_row; ``files`` (one name per
    row) or ``file_name`` the file."""
    n = rows.num_rows
    messages, fixes = [], []
    for code, v in zip(reason, value):
        r = REASONS[code]
        msg = r.message
        if code == "unknown_category" and v is not None:
            msg = _unknown_category_message(str(v))
        messages.append(msg)
        fixes.append(r.fix)
    return pa.table({
        "source": pa.array([source] * n, pa.string()),
        "force": rows.column("force").cast(pa.string()),
        "month": rows.column("month").cast(pa.date32()),
        "file": files if files is not None else pa.array([file_name] * n, pa.string()),
        "row": rows.column("source_row").cast(pa.int32()),
        "column": pa.array(list(column), pa.string()),
        "value": pa.array([None if v is None else str(v) for v in value], pa.string()),
        "reason": pa.array(list(reason), pa.string()),
        "message": pa.array(messages, pa.string()),
        "fix": pa.array(fixes, pa.string()),
    })


def append_ragged(rej: pa.Table, raw: RawTable, source: str) -> pa.Table:
    if not raw.ragged:
        return rej
    n = len(raw.ragged)
    extra = pa.table({
        "source": pa.array([source] * n, pa.string()), "force": pa.nulls(n, pa.string()),
        "month": pa.nulls(n, pa.date32()), "file": pa.array([raw.source.name] * n, pa.string()),
        "row": pa.array([r for r, _ in raw.ragged], pa.int32()), "column": pa.nulls(n, pa.string()),
        "value": pa.array([t[:200] for _, t in raw.ragged], pa.string()),
        "reason": pa.array(["bad_row"] * n, pa.string()),
        "message": pa.array([REASONS["bad_row"].message] * n, pa.string()),
        "fix": pa.array([REASONS["bad_row"].fix] * n, pa.string()),
    })
    return pa.concat_tables([rej, extra])


def _unknown_category_message(value: str) -> str:
    import difflib

    close = difflib.get_close_matches(value, POLICE_CATEGORIES, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else "."
    return f"'{value}' is not one of the 14 police.uk crime types{hint}"



"""Files that used to crash or abort a whole load: each is now a load, or the refusal of that file alone
with one sentence, and the good files beside it still load. Every file is built here."""

from __future__ import annotations

import gzip
import io
import os
import zipfile
import zlib

import pytest

from geo.store import Store
from tests.hostile import (RMS_MAPPING, assert_balanced, data_rows, ingest_json, listed, month_csv, rms_csv,
                           rms_row, run_cli, stored, zip_bytes)

GOOD = {m: month_csv(m, n) for m, n in (("2021-01", 7), ("2021-02", 5), ("2021-03", 6))}
GOOD_ROWS = sum(data_rows(t) for t in GOOD.values())


def write_good(folder) -> list:
    paths = []
    for m, text in GOOD.items():
        p = folder / f"{m}-hertfordshire-street.csv"
        p.write_text(text)
        paths.append(p)
    return paths


def only_failed(report):
    return [f for f in report["file_report"] if f["status"] == "failed"]


# -- binary content in a .csv -------------------------------------------------------------------------
@pytest.mark.parametrize("content, words", [
    (os.urandom(4096) + b"\x00" * 16, "binary data, not text"),
    (b"PK\x03\x04" + os.urandom(200), "zip archive or an Excel .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(500), "old Excel .xls workbook"),
    (b"%PDF-1.7\n" + os.urandom(300), "a PDF document"),
])
@pytest.mark.parametrize("kind", ["police", "rms", "ae"])
def test_binary_named_csv_is_refused_with_a_sentence_and_the_rest_loads(tmp_path, capsys, content, words, kind):
    bad = tmp_path / "2021-04-hertfordshire-street.csv"
    bad.write_bytes(content)
    db = tmp_path / "s.duckdb"
    if kind == "police":
        paths, extra, expected_stored = [*write_good(tmp_path), bad], [], GOOD_ROWS
    elif kind == "rms":
        good = tmp_path / "export.csv"
        good.write_text(rms_csv([rms_row("1"), rms_row("2")]))
        (tmp_path / "m.toml").write_text(RMS_MAPPING)
        paths, extra, expected_stored = [good, bad], ["--mapping", tmp_path / "m.toml"], 2
    else:
        from tests.unit.test_ae_reader import istv_csv, rec

        good = tmp_path / "istv.csv"
        good.write_bytes(istv_csv([rec(), rec(desc="SG1 2AD")]))
        paths, extra, expected_stored = [good, bad], [], 2
    code, rep = ingest_json(capsys, kind, paths, db, *extra)
    assert code == 1
    failed = only_failed(rep)
    assert len(failed) == 1 and failed[0]["file"].endswith("2021-04-hertfordshire-street.csv")
    assert words in failed[0]["error"] and "Fix:" in failed[0]["error"]
    assert rep["rows_stored"] == expected_stored
    assert stored(db)[0][0] == expected_stored


def test_gzip_content_and_csv_gz_files_are_read(tmp_path, capsys):
    """A gzip stream in a file named .csv, and a .csv.gz, load like the plain file."""
    a = tmp_path / "2021-01-hertfordshire-street.csv"
    a.write_bytes(gzip.compress(GOOD["2021-01"].encode()))
    b = tmp_path / "2021-02-hertfordshire-street.csv.gz"
    b.write_bytes(gzip.compress(GOOD["2021-02"].encode()))
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "2021-03-hertfordshire-street.csv.gz").write_bytes(gzip.compress(GOOD["2021-03"].encode()))
    code, rep = ingest_json(capsys, "police", [a, b, folder], tmp_path / "s.duckdb")
    assert code == 0 and rep["files_failed"] == 0
    assert_balanced(rep, GOOD_ROWS)
    assert rep["rows_stored"] == GOOD_ROWS and rep["months"] == ["2021-01", "2021-02", "2021-03"]
    assert all("gzip-compressed: expanded" in f["notes"] for f in rep["file_report"])


def test_a_damaged_gzip_stream_is_refused_alone(tmp_path, capsys):
    good = write_good(tmp_path)
    bad = tmp_path / "2021-04-hertfordshire-street.csv.gz"
    bad.write_bytes(gzip.compress(month_csv("2021-04", 50).encode())[:-40])  # cut short
    code, rep = ingest_json(capsys, "police", [*good, bad], tmp_path / "s.duckdb")
    assert code == 1 and rep["rows_stored"] == GOOD_ROWS
    assert "gzip" in only_failed(rep)[0]["error"]


# -- line endings, delimiters, encodings ------------------------------------------------------------------
def test_old_mac_line_endings_beside_good_months(tmp_path, capsys):
    """A real month with CR-only line endings is read, and the three good months load too."""
    good = write_good(tmp_path)
    text = month_csv("2021-04", 9).replace("\r\n", "\r")
    assert "\n" not in text
    cr = tmp_path / "2021-04-hertfordshire-street.csv"
    cr.write_bytes(text.encode())
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [*good, cr], db)
    assert code == 0
    assert_balanced(rep, GOOD_ROWS + data_rows(text))
    assert rep["rows_stored"] == GOOD_ROWS + 9 and rep["months"] == ["2021-01", "2021-02", "2021-03", "2021-04"]
    assert stored(db, "SELECT count(*) FROM incidents WHERE month = DATE '2021-04-01'")[0][0] == 9
    # rows are numbered as a spreadsheet shows them, whatever the line ends
    assert stored(db, "SELECT min(source_row), max(source_row) FROM incidents WHERE month = DATE '2021-04-01'")[0] == (2, 10)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimited_exports_are_read(tmp_path, capsys, delimiter):
    """European-locale Excel writes semicolons and decimal commas; both are read."""
    text = month_csv("2021-05", 8).replace(",", delimiter)
    # decimal commas, as such an export writes coordinates: -0.396000 -> -0,396000
    text = "\r\n".join(line.replace(".", ",") if i else line for i, line in enumerate(text.split("\r\n")))
    p = tmp_path / "2021-05-hertfordshire-street.csv"
    p.write_text(text)
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [p], db)
    assert code == 0 and rep["rows_stored"] == 8, rep
    assert_balanced(rep, 8)
    lon = stored(db, "SELECT min(lon), max(lon) FROM incidents")[0]
    assert -0.402 < lon[0] <= lon[1] < -0.393


def test_semicolon_force_records_with_decimal_comma_eastings(tmp_path, capsys):
    text = rms_csv([rms_row("1", e="510500,5"), rms_row("2"), rms_row("3", category="Burglary")], delimiter=";")
    p = tmp_path / "export.csv"
    p.write_text(text)
    (tmp_path / "m.toml").write_text(RMS_MAPPING)
    code, rep = ingest_json(capsys, "rms", [p], tmp_path / "s.duckdb", "--mapping", tmp_path / "m.toml")
    assert code == 0 and rep["rows_stored"] == 3
    assert stored(tmp_path / "s.duckdb", "SELECT easting FROM incidents WHERE id = '1'")[0][0] == 510500.5


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_unicode_text_is_read(tmp_path, capsys, encoding):
    """Excel's "Unicode text": UTF-16 (with or without a byte-order mark), tab-delimited."""
    text = month_csv("2021-06", 6).replace(",", "\t").replace("High Street", "Café £ Street")
    p = tmp_path / "2021-06-hertfordshire-street.txt"
    p.write_bytes(text.encode(encoding))
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [p], db)
    assert code == 0 and rep["rows_stored"] == 6
    assert "read as UTF-16 text (Excel's 'Unicode text')" in rep["file_report"][0]["notes"]
    assert stored(db, "SELECT DISTINCT location FROM incidents")[0][0] == "On or near Café £ Street"


def test_a_file_with_no_header_names_what_it_found_in_plain_text(tmp_path, capsys):
    p = tmp_path / "x.csv"
    p.write_bytes(b"\x1b[31mred\x1b[0m,two,three\r\n1,2,3\r\n")
    code, rep = ingest_json(capsys, "police", [p], tmp_path / "s.duckdb")
    err = only_failed(rep)[0]["error"]
    assert code == 1 and "no header row" in err and "\x1b" not in err and "?[31mred" in err


# -- archives ---------------------------------------------------------------------------------------------
def test_zip_with_a_good_and_a_garbage_member(tmp_path, capsys):
    z = tmp_path / "bulk.zip"
    z.write_bytes(zip_bytes({"2021-01/2021-01-hertfordshire-street.csv": GOOD["2021-01"].encode(),
                             "2021-02/2021-02-hertfordshire-street.csv": os.urandom(3000) + b"\x00"}))
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [z], db)
    assert code == 1 and rep["files"] == 2 and rep["files_failed"] == 1
    assert rep["rows_stored"] == 7 and stored(db)[0][0] == 7
    assert only_failed(rep)[0]["file"].endswith("bulk.zip!2021-02/2021-02-hertfordshire-street.csv")


def _corrupt_deflate(data: bytes, member: str) -> bytes:
    """A zip whose member's compressed bytes are damaged in the middle (its header stays intact)."""
    raw = bytearray(zip_bytes({member: data}))
    start = raw.index(member.encode()) + len(member)
    for i in range(start + 40, start + 80):
        raw[i] ^= 0xA5
    return bytes(raw)


def test_corrupt_deflate_stream_refuses_the_member_and_loads_the_rest(tmp_path, capsys):
    good = write_good(tmp_path)
    z = tmp_path / "damaged.zip"
    z.write_bytes(_corrupt_deflate(month_csv("2021-04", 400).encode(), "2021-04-hertfordshire-street.csv"))
    with pytest.raises((zipfile.BadZipFile, zlib.error)):
        zipfile.ZipFile(z).read("2021-04-hertfordshire-street.csv")  # the damage is real
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [*good, z], db)
    assert code == 1 and rep["rows_stored"] == GOOD_ROWS
    assert "damaged" in only_failed(rep)[0]["error"]
    assert stored(db)[0][0] == GOOD_ROWS


def test_a_file_that_is_not_a_zip_at_all_is_refused_alone(tmp_path, capsys):
    good = write_good(tmp_path)
    z = tmp_path / "bulk.zip"
    z.write_bytes(os.urandom(5000))
    code, rep = ingest_json(capsys, "police", [*good, z], tmp_path / "s.duckdb")
    assert code == 1 and rep["rows_stored"] == GOOD_ROWS
    assert "not a readable zip archive" in only_failed(rep)[0]["error"]


def test_zip_inside_a_zip_is_read_and_unsafe_or_other_members_are_listed(tmp_path, capsys):
    inner = zip_bytes({"2021-01/2021-01-hertfordshire-street.csv": GOOD["2021-01"].encode(),
                       "2021-02/2021-02-hertfordshire-street.csv": GOOD["2021-02"].encode()})
    outer = zip_bytes({"police-bulk.zip": inner,
                       "../../etc/2021-03-hertfordshire-street.csv": GOOD["2021-03"].encode(),
                       "/abs/2021-03-hertfordshire-street.csv": GOOD["2021-03"].encode(),
                       "README.pdf": b"%PDF-1.4",
                       "__MACOSX/._police-bulk.zip": b"junk"})
    z = tmp_path / "rezipped.zip"
    z.write_bytes(outer)
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [z], db)
    assert code == 0 and rep["files"] == 2
    assert rep["rows_stored"] == 12 and rep["months"] == ["2021-01", "2021-02"]
    assert {f["file"] for f in rep["file_report"]} == {
        f"{z}!police-bulk.zip!2021-01/2021-01-hertfordshire-street.csv",
        f"{z}!police-bulk.zip!2021-02/2021-02-hertfordshire-street.csv"}
    skipped = {s["file"].split("!", 1)[1]: s["reason"] for s in rep["skipped"]}
    assert set(skipped) == {"../../etc/2021-03-hertfordshire-street.csv", "/abs/2021-03-hertfordshire-street.csv",
                            "README.pdf", "__MACOSX/._police-bulk.zip"}
    assert "leads outside the archive" in skipped["../../etc/2021-03-hertfordshire-street.csv"]
    assert "not a table file (.pdf)" in skipped["README.pdf"]
    # the text report says so too
    code, out, _ = run_cli(capsys, "ingest", "police", z, "--db", tmp_path / "t.duckdb")
    assert "Skipped:" in out and "leads outside the archive" in out


def test_an_empty_zip_says_nothing_was_found(tmp_path, capsys):
    z = tmp_path / "empty.zip"
    z.write_bytes(zip_bytes({}))
    code, out, _ = run_cli(capsys, "ingest", "police", z, "--db", tmp_path / "s.duckdb")
    assert code == 0 and "No table files were found" in out


# -- XLSX with XML declarations ---------------------------------------------------------------------------
def _workbook(tmp_path, sheet_xml_prefix: bytes = b"") -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    from tests.hostile import RMS_HEADER

    ws.append(RMS_HEADER)
    ws.append(rms_row("1"))
    buf = io.BytesIO()
    wb.save(buf)
    if not sheet_xml_prefix:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                at = data.index(b"?>") + 2 if data.startswith(b"<?xml") else 0
                data = data[:at] + sheet_xml_prefix + data[at:]
            dst.writestr(info, data)
    return out.getvalue()


LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
EXTERNAL = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
DOCTYPE = b"<!DOCTYPE worksheet>"


@pytest.mark.parametrize("prefix", [DOCTYPE, LAUGHS, EXTERNAL], ids=["doctype", "entity expansion", "external"])
def test_xlsx_with_xml_declarations_is_refused_with_a_sentence(tmp_path, capsys, prefix):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_workbook(tmp_path, prefix))
    good = tmp_path / "good.xlsx"
    good.write_bytes(_workbook(tmp_path))
    (tmp_path / "m.toml").write_text(RMS_MAPPING)
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "rms", [good, bad], db, "--mapping", tmp_path / "m.toml")
    assert code == 1 and rep["rows_stored"] == 1
    err = only_failed(rep)[0]["error"]
    assert "document type declaration" in err and "Fix:" in err
    assert stored(db)[0][0] == 1


def test_a_damaged_workbook_is_refused_alone(tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(_workbook(tmp_path))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_workbook(tmp_path)[:600])
    (tmp_path / "m.toml").write_text(RMS_MAPPING)
    code, rep = ingest_json(capsys, "rms", [good, bad], tmp_path / "s.duckdb", "--mapping", tmp_path / "m.toml")
    assert code == 1 and rep["rows_stored"] == 1 and "workbook" in only_failed(rep)[0]["error"]


# -- a full disk ------------------------------------------------------------------------------------------
def _small_disk(tmp_path, size_mb: int):
    """A tmpfs of ``size_mb`` MB where this user may mount one (root in CI), else None."""
    import subprocess

    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        return None
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mnt)], capture_output=True)
    return mnt if r.returncode == 0 else None


def test_a_full_disk_says_so_and_keeps_the_files_done_before(tmp_path, capsys):
    import subprocess

    folder = tmp_path / "months"
    folder.mkdir()
    months = [f"2021-{m:02d}" for m in range(1, 13)]
    for i, m in enumerate(months):
        (folder / f"{m}-hertfordshire-street.csv").write_text(month_csv(m, 6000, start=i * 6000))
    mnt = _small_disk(tmp_path, 6)
    if mnt is not None:
        try:
            db = mnt / "s.duckdb"
            code, rep = ingest_json(capsys, "police", [folder], db)
            check_full_disk(code, rep, months)
            # the files committed before the disk filled are in the store, whole
            got = dict(stored(db, "SELECT strftime(month, '%Y-%m'), count(*) FROM incidents GROUP BY 1"))
            loaded = [f for f in rep["file_report"] if f["status"] == "loaded"]
            assert got == {f["months"][0]: 6000 for f in loaded}
        finally:
            subprocess.run(["umount", str(mnt)], check=False)
        return
    # no mount allowed: the same load in a process whose files may not grow past 5 MB (RLIMIT_FSIZE)
    from tests.hostile import run_subprocess

    def limit():
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (5 << 20, 5 << 20))

    p, _ = run_subprocess(["ingest", "police", folder, "--db", tmp_path / "s.duckdb", "--json"], preexec=limit)
    import json

    check_full_disk(p.returncode, json.loads(p.stdout), months)


def check_full_disk(code, rep, months):
    assert code == 1
    loaded = [f for f in rep["file_report"] if f["status"] == "loaded"]
    failed = [f for f in rep["file_report"] if f["status"] == "failed"]
    assert loaded and failed, "the disk should fill part of the way through"
    assert len(loaded) + len(failed) == len(months)
    assert "The disk is full" in failed[0]["error"] and "Files loaded before it are kept" in failed[0]["error"]
    assert all(f["rows_rejected"] == f["rows_read"] for f in failed)
    assert rep["rows_read"] == rep["rows_stored"] + rep["rows_rejected"] == 6000 * len(months)


def test_every_refusal_is_listed_in_the_store(tmp_path, capsys):
    """A refused file's rows are listed with reason file_rejected; a refused zip member too."""
    good = write_good(tmp_path)
    bad = tmp_path / "2021-04-hertfordshire-street.csv"
    text = month_csv("2021-04", 4)
    bad.write_text(text.replace("Crime type", "Crime typo"))
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "police", [*good, bad], db)
    assert code == 1
    assert_balanced(rep, GOOD_ROWS + data_rows(text))
    rows = [r for r in listed(db) if r[0].endswith("2021-04-hertfordshire-street.csv")]
    assert [r[1] for r in rows] == [2, 3, 4, 5] and {r[2] for r in rows} == {"file_rejected"}
    with Store(db, read_only=True) as s:
        assert s.count() == GOOD_ROWS

"""Nothing from a file becomes a command or a formula: shell commands quote every argument, CSV fields
with line breaks are quoted and every line's formula neutralised, KML names are HTML-escaped, and the
terminal never receives a control sequence from data."""

from __future__ import annotations

import csv
import io
import json
import shlex
import subprocess
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
import shapely

from geo.boundaries import Area
from geo.query import Selection, select_incidents
from geo.store import Store
from hotspots.briefing.sections import build_briefing
from hotspots.briefing.words import command_area_words, reproduce_lines
from hotspots.outputs.files import incidents_csv, incidents_kml, kml_text, safe_csv
from hotspots.outputs.plans import areas_kml
from tests.hostile import RMS_HEADER, RMS_MAPPING, ingest_json, rms_csv, rms_row, run_cli
from tests.unit.test_briefing import hand_store  # noqa: F401 - the fixture

EVIL_DISTRICT = 'Watford"; touch {marker}; echo "'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_reproduce_commands_quote_the_district(hand_store, tmp_path):  # noqa: F811
    marker = tmp_path / "PWNED"
    name = EVIL_DISTRICT.format(marker=marker)
    with Store(hand_store) as s:
        s.save_areas([Area(name, shapely.box(505000, 190000, 520000, 205000))], "district")
    with Store(hand_store, read_only=True) as s:
        b = build_briefing(s, "2021-12", Selection(area=s.area("district", name)),
                           command_area=command_area_words(name), district=name)
    lines = [line[line.index("python -m hotspots"):] for line in reproduce_lines(b)]
    assert lines and any("--district" in line for line in lines)
    for line in lines:
        args = shlex.split(line)
        if "--district" in args:
            assert args[args.index("--district") + 1] == name  # one argument, exactly the name
        # pasted into a shell (with the program replaced by printf), nothing the name holds runs
        shell = line.replace("python -m hotspots", "printf '%s\\n'", 1)
        out = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, timeout=10)
        assert out.returncode == 0 and out.stdout.splitlines() == args[3:], (shell, out)
    assert not marker.exists()


@pytest.mark.parametrize("text", ["x\r=HYPERLINK(\"http://evil\",\"a\")", "ok\n@SUM(1+1)*cmd|' /C calc'!A0",
                                  "line1\r\nline2\r-2+3", "=1+1", "\t=2", "plain"])
def test_csv_fields_with_line_breaks_are_quoted_and_every_line_neutralised(text):
    df = pd.DataFrame({"location": [text, "next row"], "n": [1, 2]})
    data = safe_csv(df).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert len(rows) == 3 and rows[0] == ["location", "n"] and rows[2] == ["next row", "2"]  # never split
    field = rows[1][0]
    import re

    for line in re.split(r"\r\n|\r|\n", field):
        assert not line.startswith(FORMULA_STARTS), (line, field)
    assert field.replace("'", "") == text.replace("'", "")  # nothing else changed


def test_an_export_from_a_file_with_hostile_locations(tmp_path, capsys):
    """A force records workbook whose location cells hold line breaks and formulas, downloaded as CSV."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(RMS_HEADER)
    ws.append(rms_row("1", location="Park\r=HYPERLINK(\"http://x\")"))
    ws.append(rms_row("2", location="Car park\n+1+1"))
    ws.append(rms_row("3", location="@SUM(1)*cmd|' /C calc'!A0"))  # ("=..." would be a formula cell to openpyxl)
    wb.save(tmp_path / "export.xlsx")
    (tmp_path / "m.toml").write_text(RMS_MAPPING)
    db = tmp_path / "s.duckdb"
    code, rep = ingest_json(capsys, "rms", [tmp_path / "export.xlsx"], db, "--mapping", tmp_path / "m.toml")
    assert rep["rows_stored"] == 3
    with Store(db, read_only=True) as s:
        inc = select_incidents(s, Selection(sources=("rms",)))
    rows = list(csv.DictReader(io.StringIO(incidents_csv(inc).decode("utf-8-sig"), newline="")))
    assert len(rows) == 3
    assert {r["location"].split("\r")[0].split("\n")[0] for r in rows} == {"Park", "Car park", "'@SUM(1)*cmd|' /C calc'!A0"}
    for r in rows:
        for value in r.values():
            try:
                float(value)
                continue  # a number (-0.39): a spreadsheet reads it as one, not as a formula
            except ValueError:
                pass
            for line in (value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
                assert not line.startswith(FORMULA_STARTS), line


def test_kml_names_and_descriptions_are_html_escaped():
    evil = '<a href="http://evil/">Click</a><script>alert(1)</script>'
    assert kml_text(evil).count("<") == 0 and "&amp;lt;a href" in kml_text(evil)
    doc = incidents_kml(pd.DataFrame({"lon": [-0.39], "lat": [51.65], "category": [evil], "location": [evil]}),
                        name=evil)
    root = ET.fromstring(doc)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    for el in root.iterfind(".//k:name", ns):
        assert "<" not in el.text and "&lt;a href" in el.text, el.text  # HTML-escaped text after XML parsing
    for el in root.iterfind(".//k:description", ns):
        assert "<a href" not in el.text


def test_patrol_and_camera_kml_names_are_html_escaped():
    evil = "<b>On or near</b> <img src=x onerror=alert(1)>"
    doc = areas_kml(pd.DataFrame({"name": [evil], "rank": [1]}), [shapely.box(510000, 196000, 510200, 196200)])
    name = ET.fromstring(doc).find(".//{http://www.opengis.net/kml/2.2}Placemark/{http://www.opengis.net/kml/2.2}name")
    assert "<" not in name.text and "&lt;img" in name.text


def test_status_strips_control_characters_from_the_terminal(tmp_path, capsys):
    """A force named with escape sequences (clear screen, set the window title, a bell) prints as plain text."""
    force = "Herts\x1b[2J\x1b]0;pwned\x07 \u202eyrots\u202c Constabulary"
    mapping = RMS_MAPPING.replace('force = "Test Force"', f"force = {json.dumps(force)}")
    (tmp_path / "m.toml").write_text(mapping)
    p = tmp_path / "export.csv"
    p.write_text(rms_csv([rms_row("1"), rms_row("2")]))
    db = tmp_path / "s.duckdb"
    code, out, err = run_cli(capsys, "ingest", "rms", p, "--mapping", tmp_path / "m.toml", "--db", db)
    assert code == 0
    for args in (["status"], ["ingest", "rms", p, "--mapping", tmp_path / "m.toml"]):
        code, out, err = run_cli(capsys, *args, "--db", db)
        text = out + err
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        if args == ["status"]:
            assert "Herts[2J]0;pwned yrots Constabulary" in text
    code, out, _ = run_cli(capsys, "status", "--db", db, "--json")
    assert "\x1b" not in out and json.loads(out)["partitions"][0]["force"] == force  # JSON keeps the data, escaped

"""The README's generated tables match geo/schema.py, its two commands are the ones CI runs, and every example
command runs as written on the synthetic sample (issue 15: several named files that did not exist)."""

import glob
import re
import shlex
from pathlib import Path

from geo.schema import markdown_tables

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_incident_and_reason_tables_match_the_schema():
    generated = markdown_tables()
    schema = README.split("<!-- schema:start -->\n")[1].split("<!-- schema:end -->")[0]
    reasons = README.split("<!-- reasons:start -->\n")[1].split("<!-- reasons:end -->")[0]
    assert (schema + "\n" + reasons).strip() == generated.strip(), "run: python -m geo.schema --write-readme"


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert blocks[0].strip() == "python -m pip install -e . && python -m streamlit run app.py"
    test_cmd = blocks[1].strip()
    assert test_cmd in (ROOT / ".ci" / "run").read_text()


# ------------------------------------------------------------------ every example command runs on the sample

#: Options whose value is a file the command writes (everything else that looks like a file must exist).
OUTPUT_OPTIONS = ("--out",)
#: Endings of the files the examples name.
FILE_ENDINGS = (".csv", ".geojson", ".gpkg", ".kml", ".toml", ".xlsx", ".zip", ".mbtiles", ".pmtiles", ".pdf",
                ".pptx", ".json", ".shp")


def readme_commands() -> list[str]:
    """Every ``python -m hotspots ...`` line of the README's bash blocks (continuations joined)."""
    out = []
    for block in re.findall(r"```bash\n(.*?)\n```", README, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip().startswith("python -m hotspots"):
                out.append(line.strip())
    return out


def files_read(argv: list[str]) -> list[str]:
    """The arguments of a command that name files or folders it reads."""
    named = []
    for i, a in enumerate(argv):
        if a.startswith("-") or "://" in a or (i and argv[i - 1] in OUTPUT_OPTIONS):
            continue
        if a.lower().endswith(FILE_ENDINGS) or a.endswith("/") or "/" in a:
            named.append(a)
    return named


def bring_tile_file(path: Path) -> None:
    """A file the reader brings, not the sample: the README's OS Open Zoomstack stands for any MBTiles file, so
    the test makes a small one (tests/unit/test_tiles.py's raster MBTiles of Watford)."""
    from tests.unit.test_tiles import raster_mbtiles

    raster_mbtiles(path)


#: Files the README's examples ask the reader to bring (not written by the sample), and how the test makes them.
BROUGHT = {"OS_Open_Zoomstack.mbtiles": bring_tile_file}


def test_the_readme_names_only_files_the_sample_writes():
    from geo.sample import write_sample  # noqa: F401 - the names below are the generator's

    commands = readme_commands()
    assert len(commands) >= 25, commands
    assert commands[0].startswith("python -m hotspots sample --load"), "the sample is written and loaded first"
    named = {f for c in commands for f in files_read(shlex.split(c, comments=True)[3:])}
    outside = sorted(f for f in named if not f.startswith("sample_data/") and f not in BROUGHT)
    assert outside == [], f"README examples name files the sample does not write: {outside}"


def test_every_readme_command_runs_on_the_sample(tmp_path, monkeypatch, capsys):
    """Run in a fresh folder: the sample is written and loaded by the README's own first command, then every
    command runs as written (globs expanded as a shell would), each must exit 0, and every file it names must
    be there."""
    from hotspots.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOTSPOTS_DB", raising=False)
    monkeypatch.setenv("HOTSPOTS_TILES_DIR", str(tmp_path / "tiles"))
    for name, make in BROUGHT.items():
        make(tmp_path / name)
    failures = []
    for command in readme_commands():
        argv = shlex.split(command, comments=True)[3:]
        argv = [m for a in argv for m in (sorted(glob.glob(a)) or [a] if "*" in a else [a])]
        missing = [f for f in files_read(argv) if not (tmp_path / f).exists()]
        if missing:
            failures.append(f"{command}\n    names files that are not there: {missing}")
            continue
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse refusing an option
            code = exit_.code
        out, err = capsys.readouterr()
        if code != 0:
            failures.append(f"{command}\n    exit {code}: {(err or out).strip()[-400:]}")
        for i, a in enumerate(argv[:-1]):
            if a in OUTPUT_OPTIONS and code == 0 and not (tmp_path / argv[i + 1]).exists():
                failures.append(f"{command}\n    did not write {argv[i + 1]}")
    assert not failures, "\n".join(failures)

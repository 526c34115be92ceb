"""The README's generated tables match geo/schema.py, and its two commands are the ones CI runs."""

import re
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

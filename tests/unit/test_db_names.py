"""Naming a PostgreSQL store (issue 17, geo/store/urls.py): told apart from a file path, never shown with its
password; until the shared store is built, refused with a sentence and no file made."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("name", ["postgresql://ana:s3cret@localhost:5432/hotspots",
                                  "host=localhost dbname=hotspots user=ana password=s3cret"])
def test_a_postgresql_name_is_refused_with_its_password_hidden_and_no_file_made(name, tmp_path, monkeypatch, capsys):
    from hotspots.cli import main

    monkeypatch.chdir(tmp_path)
    for argv, env in ((["status", "--db", name], None), (["status"], name)):
        if env:
            monkeypatch.setenv("HOTSPOTS_DB", env)
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "names a PostgreSQL database" in err and "s3cret" not in err and "***" in err
        assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []                          # nothing made that looks like a file store

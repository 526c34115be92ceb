"""Every command's help prints (a unit such as "%" in a setting's help once crashed argparse), and each
option built from a setting's spec says its range."""

from __future__ import annotations

import argparse

import pytest

from hotspots.cli import COMMANDS, build_parser, main
from hotspots.defaults import SPECS


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_prints_its_help(command, capsys):
    assert main([command, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("usage: python -m hotspots " + command)
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    for action in sub._actions:
        spec = next((s for s in SPECS.values() if action.type == s.parse), None)
        if spec is not None and not spec.options:
            assert spec.interval() in out, (command, spec.name)


def test_a_setting_out_of_range_is_exit_status_2_with_its_range(capsys):
    assert main(["patrol", "--budget-pct", "50"]) == 2
    assert SPECS["budget_pct"].interval() in capsys.readouterr().err

"""The README documents every command and every setting the code reads."""

from __future__ import annotations

import re
from pathlib import Path

import click

from functions.cli import main
from functions.config import SETTINGS_TABLE

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "ttr") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out += commands(cmd, f"{prefix} {name}")
        else:
            out.append(f"{prefix} {name}")
    return out


def test_every_command_is_in_the_readme():
    missing = [c for c in commands(main) if f"`{c}" not in README]
    assert missing == []


def test_settings_table_matches_the_code():
    rows = re.findall(r"^\| `([A-Z_]+)` \| (.+?) \| (.+?) \|$", README, flags=re.M)
    documented = {name: (default.strip("` "), meaning) for name, default, meaning in rows}
    assert set(documented) == {name for name, _, _ in SETTINGS_TABLE}
    for name, default, meaning in SETTINGS_TABLE:
        assert documented[name] == (default, meaning), name


def test_quick_start_is_two_commands():
    blocks = re.findall(r"```sh\n(.+?)\n```", README, flags=re.S)
    assert blocks[:2] == ["pip install . && ttr demo", "pip install -e '.[test]' && pytest"]

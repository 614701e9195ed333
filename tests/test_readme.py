"""The README is the user's first page: its tables of thresholds and checks, and its CLI table, must stay true."""

from __future__ import annotations

import re
from pathlib import Path

from govern import rulebook

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
REGENERATE = "regenerate it: python -c 'from govern import rulebook; print(rulebook.{}())'"


def generated(marker: str) -> str:
    found = re.search(rf"<!-- {marker}: generated from govern/rulebook.py -->\n(.*?)\n<!-- /{marker} -->", README, re.S)
    assert found, f"README has no generated {marker} table"
    return found.group(1)


def test_the_table_of_thresholds_is_the_rulebooks() -> None:
    assert generated("thresholds") == rulebook.thresholds_table(), REGENERATE.format("thresholds_table")


def test_the_table_of_checks_is_the_rulebooks() -> None:
    assert generated("checks") == rulebook.checks_table(), REGENERATE.format("checks_table")


def test_every_command_is_in_the_cli_table() -> None:
    from typer.main import get_command

    from cli.app import app

    group = get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        names = [name] if not hasattr(command, "commands") else [f"{name} {sub}" for sub in command.commands]
        for full in names:
            assert f"`govern {full}" in README, f"README's CLI table lacks govern {full}"

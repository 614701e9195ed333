"""The README is the user's first page: its tables of thresholds and checks, and its CLI table, must stay true."""

from __future__ import annotations

from pathlib import Path

from govern import rulebook

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def table_rows(first_cell: str) -> dict[str, str]:
    """The README's table rows whose first cell is a code span, by that cell."""
    rows = {}
    for line in README.splitlines():
        if line.startswith("| `"):
            cell = line.split("|")[1].strip().strip("`")
            rows[cell] = line
    return {k: v for k, v in rows.items() if k.startswith(first_cell) or first_cell == ""}


def test_every_threshold_is_documented_with_its_default_and_kind() -> None:
    rows = table_rows("")
    for spec in rulebook.THRESHOLDS:
        assert spec.key in rows, f"README: no row for threshold {spec.key}"
        cells = [c.strip() for c in rows[spec.key].split("|")]
        default = "off" if spec.default is None else str(spec.default).lower()
        assert cells[2] == spec.kind and cells[5] == default, rows[spec.key]


def test_every_check_id_is_documented() -> None:
    rows = table_rows("")
    assert {c.id for c in rulebook.CHECKS} <= set(rows)


def test_every_command_is_in_the_cli_table() -> None:
    from typer.main import get_command

    from cli.app import app

    group = get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        names = [name] if not hasattr(command, "commands") else [f"{name} {sub}" for sub in command.commands]
        for full in names:
            assert f"`govern {full}" in README, f"README's CLI table lacks govern {full}"

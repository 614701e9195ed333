"""The demo month, run once per test session and shared by the end-to-end modules (the flows' assertions in
``test_demo_fleet``, the pages' in ``test_pages``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from demo import DEMO_NIGHTS as DEMO_DATES

ROOT = Path(__file__).resolve().parents[2]
DEMO_NIGHTS = [night.isoformat() for night in DEMO_DATES]


class DemoRun:
    def __init__(self, root: Path, summaries: list[dict[str, Any]], changed_files: tuple[Path, ...]) -> None:
        self.root = root
        self.changed_files = changed_files
        self.fleet_path = root / "configs" / "fleet.yaml"
        self.runs = root / "runs"
        self.month_runs = root / "runs-after-the-month"
        """The results and pages as the month left them (later tests rerun nights in ``runs``)."""
        self.summaries = summaries

    def result(self, night: str, model: str) -> dict[str, Any]:
        return json.loads((self.runs / night / "models" / f"{model}.json").read_text())

    def fleet(self, night: str) -> dict[str, Any]:
        return json.loads((self.runs / night / "fleet.json").read_text())

    def findings(self, model: str, section: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(night, finding) over all nights, optionally only one policy section's checks."""
        found = []
        for night in DEMO_NIGHTS:
            for finding in self.result(night, model)["findings"]:
                if section is None or finding["check"].startswith(section + "."):
                    found.append((night, finding))
        return found


def run_the_month(fleet_path: Path) -> list[dict[str, Any]]:
    """The demo's month as ``govern demo --run`` runs it, in one flow run: each night served (scored by the
    version the serving alias names then), governed and responded to, then the people's steps of the next
    morning; whatever the response does to the alias shows in the next nights' batches."""
    from flows.demo import demo_month

    # return_state: a night with a model in error ends Failed; its summaries are still the data (and asserted)
    state = demo_month(fleet=str(fleet_path), return_state=True)
    return list(state.result(raise_on_failure=False))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    from demo import build_demo

    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "configs", root / "configs")
    shutil.copytree(ROOT / "expectations", root / "expectations")
    fleet_path = root / "configs" / "fleet.yaml"
    built = build_demo(fleet_path)
    summaries = run_the_month(fleet_path)
    # the incident database as the month left it, for the response's tests (later tests rerun nights)
    shutil.copy(root / ".state" / "governance.db", root / "governance-after-the-month.db")
    shutil.copytree(root / "runs", root / "runs-after-the-month")
    return DemoRun(root, summaries, built.changed_files)

"""Reports benchmark: every page of one night of the demo fleet (26 owner reports, 26 cards, the overview), and
the month's board summary (HTML, then its PDF through headless Chromium), rendered from the stored results and
the incident database that ``make demo`` left.

    python benchmarks/reports_benchmark.py [--fleet configs/fleet.yaml] [--night 2026-10-30] [--month 2026-10]
                                           [--repeat 3]

The results store is copied to a temporary folder first, so the pages are written there and the demo's own
pages are left as they are. Each row is the best of ``--repeat`` runs (the first run, which compiles the
templates, is shown apart). "reading" is what every page of the night shares, once per model: the 30 nights of
its results, its incidents and its owner report's view; every other row includes it. Prints a table, writes
``benchmarks/results/reports_benchmark.json``. Goal (issue 9): every page of a 26-model night under 3 s.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
GOAL_SECONDS = 3.0


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(first, best, the last run's value)."""
    seconds, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = run()
        seconds.append(time.perf_counter() - started)
    return seconds[0], min(seconds), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fleet", default=str(ROOT / "configs" / "fleet.yaml"))
    parser.add_argument("--night", default=None, help="default: the latest night with results")
    parser.add_argument("--month", default=None, help="default: the night's month")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from govern.config import load_fleet
    from govern.registry import MlflowRegistry
    from govern.reports.board import board_summary, publish_board
    from govern.reports.publish import publish_night, read_model_night
    from govern.respond.database import open_database
    from govern.runtime import configure_environment
    from govern.store import ResultsStore

    fleet = load_fleet(args.fleet, strict=False)
    configure_environment(fleet.state_dir)
    source = ResultsStore(fleet.output)
    if not source.nights():
        raise SystemExit(f"there must be results to render: none in {fleet.output}; run `make demo` first")
    night = args.night or source.nights()[-1]
    month = args.month or night[:7]
    work = Path(tempfile.mkdtemp(prefix="govern-reports-bench-"))
    try:
        shutil.copytree(fleet.output, work / "runs")
        store = ResultsStore(work / "runs")
        registry = MlflowRegistry.for_fleet(fleet)
        models = sorted(fleet.models)
        rows: list[dict[str, Any]] = []
        with open_database(fleet.incident_db) as database, database.session("the reports benchmark") as session:

            def night_pages(**only: bool) -> Callable[[], Any]:
                return lambda: publish_night(fleet, night, store=store, session=session, registry=registry, **only)

            cases: list[tuple[str, Callable[[], Any]]] = [
                (
                    "reading (histories, incidents, owner reports)",
                    lambda: [read_model_night(fleet, store, m, night, session=session) for m in models],
                ),  # fmt: skip
                ("owner reports (html, md, json)", night_pages(cards=False, overview=False)),
                ("model cards (html, md, json, version copy)", night_pages(owner=False, overview=False)),
                ("fleet overview (html, json)", night_pages(owner=False, cards=False)),
                ("every page of the night", night_pages()),
                (
                    "board summary (html, json)",
                    lambda: publish_board(store, board_summary(fleet, month, store=store, session=session), pdf=False),
                ),  # fmt: skip
                (
                    "board summary with its PDF",
                    lambda: publish_board(store, board_summary(fleet, month, store=store, session=session), pdf=True),
                ),  # fmt: skip
            ]
            for name, run in cases:
                first, best, value = timed(run, args.repeat if "PDF" not in name else 1)
                errors = getattr(value, "errors", [])
                rows.append({"what": name, "first_s": round(first, 3), "best_s": round(best, 3),
                             "pages": len(getattr(value, "pages", value if isinstance(value, list) else [])),
                             "errors": [str(e) for e in errors]})  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)

    night_row = next(r for r in rows if r["what"] == "every page of the night")
    print(f"\npages of {night} ({len(models)} models) and the board of {month}\n")
    print(f"{'what':46s} {'first s':>8s} {'best s':>8s} {'pages':>6s}")
    for row in rows:
        print(f"{row['what']:46s} {row['first_s']:8.3f} {row['best_s']:8.3f} {row['pages']:6d}")
    verdict = "met" if night_row["best_s"] < GOAL_SECONDS else "NOT met"
    print(f"\ngoal: every page of a {len(models)}-model night under {GOAL_SECONDS:.0f} s: {verdict}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "reports_benchmark.json"
    document = {
        "night": night,
        "month": month,
        "models": len(models),
        "repeat": args.repeat,
        "goal_seconds": GOAL_SECONDS,
        "goal_met": night_row["best_s"] < GOAL_SECONDS,
        "rows": rows,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }
    out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"written: {out}")


if __name__ == "__main__":
    main()

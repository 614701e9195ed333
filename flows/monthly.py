"""The monthly board summary: on the first of each month (the fleet's deployment ``monthly-board-summary/<fleet>``,
cron ``MONTHLY_CRON`` in the fleet's time zone), the previous month's results and incidents become the board's
risk report, ``runs/board/<YYYY-MM>.html`` and ``.pdf`` (and the ``.json`` it was rendered from).

    read the month (results, incidents) ── write the pages (HTML, JSON, PDF) ── artifact linking them

Plain parameters (the fleet file, the month as YYYY-MM), as for the nightly flow: a scheduled run rebuilds them
from JSON (hence no ``from __future__ import annotations`` here).
"""

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.nightly import DEFAULT_FLEET, run_timezone
from govern.config import load_fleet
from govern.reports.board import checked_month, default_month
from tasks.reports import publish_board_artifact, publish_board_pages, summarise_month

#: When the monthly deployment runs: 06:00 on the first of the month, after the last night's run.
MONTHLY_CRON = "0 6 1 * *"


def _monthly_run_name() -> str:
    """``board-<YYYY-MM>``: the run named after the month it summarises, also when that is the default."""
    parameters = flow_run.get_parameters()
    month = parameters.get("month") or default_month(run_timezone(parameters), flow_run.get_scheduled_start_time())
    return f"board-{month}"


@flow(name="monthly-board-summary", flow_run_name=_monthly_run_name, log_prints=True)
def monthly(fleet: str = DEFAULT_FLEET, month: str | None = None, pdf: bool = True) -> dict[str, Any]:
    """Write the board summary of ``month`` (YYYY-MM; default: the previous calendar month in the fleet's time
    zone, from the run's scheduled start) as HTML, JSON and (``pdf``) PDF; return its verdict and pages."""
    if month is not None:
        month = checked_month(month)  # a bad month fails before anything is read
    loaded = load_fleet(Path(fleet), strict=False)
    month = month or default_month(loaded.config.timezone, flow_run.get_scheduled_start_time())
    from govern.store import ResultsStore

    store = ResultsStore(loaded.output)
    view = summarise_month(loaded, store, month)
    pages = publish_board_pages(store, view, pdf=pdf)
    logger = get_run_logger()
    state = publish_board_artifact(view, pages, return_state=True)
    if not state.is_completed():  # the pages are written: a missing artifact is a warning, not the month's failure
        logger.warning("board summary %s: its artifact was not published: %s", month, state.message)
    logger.info("board summary %s: %s (%s)", month, view.verdict.headline, ", ".join(pages))
    return {"month": month, "verdict": view.verdict.level, "headline": view.verdict.headline, "pages": pages}

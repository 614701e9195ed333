"""The reports people read, as Prefect tasks: thin wrappers of ``govern.reports`` with names, retries on I/O
and a markdown artifact linking the pages.

The monthly board summary: ``summarise_month`` reads the month's results and the incident database into the
view, ``publish_board_pages`` writes ``board/<YYYY-MM>.html``, ``.json`` and ``.pdf`` under the results store,
``publish_board_artifact`` links them in the Prefect UI (key ``board-summary-<YYYY-MM>``).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from govern.errors import GovernanceError
from govern.reports.board import BoardSummary, board_summary, publish_board
from tasks.record import markdown_link

if TYPE_CHECKING:
    from govern.config import Fleet
    from govern.store import ResultsStore


def board_key(month: str) -> str:
    """The board summary's artifact key: ``board-summary-2026-10``."""
    return f"board-summary-{month}"


@task(name="board-summary", task_run_name="board-summary-{month}", cache_policy=NO_CACHE, persist_result=False)
def summarise_month(fleet: Fleet, store: ResultsStore, month: str) -> BoardSummary:
    """The month's board summary from the store and the incident database, opened without migrating it (the
    nightly run owns the schema). A database that cannot be opened is logged: the summary is still built
    from the results, and says that the incidents were not read."""
    from govern.respond.database import open_database

    logger = get_run_logger()
    try:
        database = open_database(fleet.incident_db, upgrade=False, create=False)
    except GovernanceError as exc:
        logger.error("board summary %s: the incident database cannot be read (%s): incidents left out", month, exc)
        return board_summary(fleet, month, store=store, session=None)
    with contextlib.closing(database), database.session(f"the board summary of {month}") as session:
        return board_summary(fleet, month, store=store, session=session)


@task(
    name="publish-board",
    task_run_name="publish-board-{view.month}",
    retries=1,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def publish_board_pages(store: ResultsStore, view: BoardSummary, pdf: bool = True) -> list[str]:
    """Write the board summary's HTML, JSON and PDF; return where."""
    return publish_board(store, view, pdf=pdf)


def board_markdown(view: BoardSummary, pages: list[str]) -> str:
    """The board summary for a reader of the Prefect UI: the verdict, the decisions, links to the pages."""
    lines = [f"# Board summary, {view.month_name}: {view.verdict.level} appetite", "", view.verdict.headline, ""]
    lines += [f"- {line}" for line in view.verdict.lines]
    if view.decisions:
        lines += ["", "Decisions asked of the board:", ""]
        lines += [f"{n}. {d.title}" for n, d in enumerate(view.decisions, start=1)]
    lines += ["", "Pages:", ""] + [f"- {markdown_link(p)}" for p in pages]
    return "\n".join(lines) + "\n"


@task(name="publish-board-artifact", task_run_name="publish-board-artifact-{view.month}", retries=1,
      cache_policy=NO_CACHE, persist_result=False)  # fmt: skip
def publish_board_artifact(view: BoardSummary, pages: list[str]) -> None:
    """The board summary as a markdown artifact in the Prefect UI, linking its pages."""
    create_markdown_artifact(
        key=board_key(view.month),
        markdown=board_markdown(view, pages),
        description=f"Board summary of {view.month_name}: {view.verdict.headline}",
    )

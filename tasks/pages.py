"""The night's pages as a Prefect task: every model's owner report and card, and the fleet overview, written
by the core (``govern.reports.publish``) after the night's response; then a markdown artifact in the Prefect UI
linking to them (key ``pages-<night>``), and a link artifact to the overview (key ``fleet-overview``, whose
history in the UI is the list of every night's overview)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from govern.reports.publish import Published, publish_night
from govern.reports.render import ReportError
from tasks.record import markdown_cell, markdown_link

if TYPE_CHECKING:
    from govern.pipeline import RunContext
    from govern.respond.respond import Responder


def pages_key(night: str) -> str:
    """The night's pages artifact key: ``pages-2026-10-20``."""
    return f"pages-{night}"


def pages_markdown(published: Published, models: list[str]) -> str:
    """The night's pages for a reader of the Prefect UI: the overview, then each model's report and card."""
    overview = published.location("/index.html")
    lines = [f"# Pages of {published.night}", ""]
    if overview:
        lines += [f"Fleet overview: {markdown_link(overview)}", ""]
    lines += ["| model | owner report | model card |", "|---|---|---|"]
    for model in models:
        report = published.location(f"/reports/{model}.html")
        card = published.location(f"/cards/{model}.html")
        shown = [markdown_link(page) if page else "not written" for page in (report, card)]
        lines.append(f"| {markdown_cell(model)} | {shown[0]} | {shown[1]} |")
    if published.errors:
        lines += ["", "Not written:", "", *(f"- {markdown_cell(error)}" for error in published.errors)]
    return "\n".join(lines) + "\n"


@task(name="publish-pages", task_run_name="pages-{night}", cache_policy=NO_CACHE, persist_result=False)
def publish_pages(
    ctx: RunContext, responder: Responder | None, night: str, models: list[str] | None = None
) -> dict[str, Any]:
    """Write the night's pages (owner reports and cards of ``models``, default the fleet's; the overview of the
    whole fleet) and link them from the Prefect UI. A page that cannot be written is logged as an error; the
    others are still written."""
    logger = get_run_logger()
    if responder is None:
        published = publish_night(ctx.fleet, night, store=ctx.store, registry=ctx.registry, models=models)
    else:
        with responder.db.session("reading the incidents for the night's pages") as session:
            published = publish_night(
                ctx.fleet, night, store=ctx.store, session=session, registry=ctx.registry, models=models
            )
    for error in published.errors:
        logger.error("%s", error)
    shown = sorted(models if models is not None else ctx.fleet.models)
    create_markdown_artifact(
        key=pages_key(night),
        markdown=pages_markdown(published, shown),
        description=f"The owner reports, model cards and fleet overview of {night}",
    )
    overview = published.location("/index.html")
    if overview:
        target = overview if "://" in overview else Path(overview).as_uri()
        create_link_artifact(key="fleet-overview", link=target, link_text=f"Fleet overview of {night}",
                             description=f"The fleet overview of {night}")  # fmt: skip
    logger.info("night %s: %s pages written in %.1f s", night, len(published.pages), published.seconds)
    if published.errors and not published.pages:  # nothing at all: the run must show it, not only its log
        raise ReportError(f"no page of {night} was written: {published.errors[0]}")
    return {"pages": published.pages, "errors": [str(e) for e in published.errors], "seconds": published.seconds}

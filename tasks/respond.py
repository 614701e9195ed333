"""The night's response as a Prefect task: declare, contain, notify and record (``govern.respond``), then emit
each incident change as a Prefect event, so a platform team can hang Automations on them.

The response runs after the night's results are written and never changes them; whatever goes wrong in it is
in its report (``<night>/response.json``) and is taken up again on the next run.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from govern.respond.respond import Responder, response_clock
from tasks.events import emit_incident_events


def read_secret(name: str) -> str:
    """A Prefect Secret block's value (a notification channel's URL)."""
    from prefect.blocks.system import Secret

    block: Any = Secret.load(name)
    return str(block.get())


@task(name="respond", task_run_name="respond-{night}", cache_policy=NO_CACHE, persist_result=False)
def respond_night(responder: Responder, night: str) -> dict[str, Any]:
    """Take the night's results in: incidents, containment, escalation, notifications; write the report."""

    logger = get_run_logger()
    config = responder.fleet.config
    at = response_clock(config.timezone, config.schedule, night, dt.datetime.now(dt.UTC))
    report = responder.respond(night, at=at)
    document = report.to_dict()
    where = responder.store.write_response(night, json.dumps(document, indent=2) + "\n")
    opened = sum(c.kind == "opened" for c in report.changes)
    contained = sum(c.kind == "contained" for c in report.changes)
    logger.info(
        "response %s: %d incident changes (%d opened, %d contained), %d actions, notifications %s (%s)",
        night, len(report.changes), opened, contained, len(report.actions), report.notifications, where,
    )  # fmt: skip
    for what, error in report.errors.items():
        logger.warning("response %s: %s: %s", night, what, error)
    for problem in report.problems:
        logger.warning("response %s: %s", night, problem)
    emit_incident_events(config.name, report.changes)
    return document

"""Escalation between nights: every few minutes (the fleet's deployment ``escalate-incidents/<fleet>``), the
incidents not acknowledged within their window move up their escalation path, queued notifications are
delivered and approved actions carried out. The nightly run does the same once a night; a SEV1 with a
half-hour window needs this one."""

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows.nightly import DEFAULT_FLEET
from govern.config import load_fleet

#: How often the escalation deployment runs.
ESCALATION_CRON = "*/10 * * * *"


@flow(name="escalate-incidents", flow_run_name="escalate-{fleet_name}", log_prints=True)
def escalate(fleet: str = DEFAULT_FLEET, fleet_name: str = "") -> dict[str, Any]:
    """Escalate overdue incidents, deliver queued notifications, carry out approved actions, now."""
    import contextlib

    from govern.respond.respond import open_responder
    from tasks.events import emit_incident_events
    from tasks.respond import read_secret

    loaded = load_fleet(Path(fleet), strict=False)
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with contextlib.closing(open_responder(loaded, secret=read_secret)) as responder:
        report = responder.sweep(at=at)
    logger = get_run_logger()
    logger.info("%d incident changes, notifications %s", len(report.changes), report.notifications)
    for what, error in report.errors.items():
        logger.warning("%s: %s", what, error)
    emit_incident_events(loaded.config.name, report.changes)
    return report.to_dict()

"""The fleet's deployments: ``nightly`` on the fleet's cron ``schedule`` in its ``timezone``, and ``backfill`` to
start by hand (from the UI or ``prefect deployment run``, with ``start`` and ``end``). Both are named after the
fleet (``nightly-governance/<fleet>``), tagged ``fleet:<fleet>``, and given the fleet file as an absolute path,
so a run finds it whatever its working directory.

Two ways to run them:

- ``govern serve`` (``serve_fleet``): one long-lived process registers the deployments and runs each scheduled
  run in a subprocess of its own; no work pool, no worker. Stop it with SIGTERM (or Ctrl-C): its deployments
  are paused, so no run waits for a process that is gone.
- ``prefect deploy`` with the repository's ``prefect.yaml``, for teams that run work pools: the same nightly
  deployment, picked up by a worker of a process pool.

The fleet's ``concurrency`` applies either way: the flow sizes its task runner from the fleet it loads.

``monthly-board-summary/<fleet>`` writes the board's risk report of the previous month on the first of each
month (``flows.monthly.MONTHLY_CRON``, in the fleet's time zone).

A third deployment, ``approve-containment/<fleet>`` (no schedule), is how an action that waits for a person is
approved in the Prefect UI: the nightly run starts one (``flows.approval.request_approval``), and it suspends
until someone answers its form. Suspending needs the deployment: the resumed run is started again by whatever
serves it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from govern.config import FleetConfig, parse

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

APPROVAL_FLOW = "approve-containment"  # flows.approval.FLOW_NAME, without importing Prefect here
APPROVAL_BY_HAND = "the nightly run starts one when an action awaits approval; resume it in the UI to decide"


@dataclass(frozen=True)
class Scheduled:
    """What a deployment is, in words for the operator who starts ``govern serve``."""

    name: str
    cron: str | None
    timezone: str | None
    next_runs: tuple[dt.datetime, ...]
    by_hand: str = "start it by hand, with start and end"  # how an unscheduled one is started

    def __str__(self) -> str:
        if self.cron is None:
            return f"{self.name}: no schedule ({self.by_hand})"
        upcoming = ", ".join(run.strftime("%Y-%m-%d %H:%M %Z") for run in self.next_runs)
        return f"{self.name}: cron {self.cron!r} in {self.timezone}; next: {upcoming}"


def deployments(fleet_path: str | Path) -> list[RunnerDeployment]:
    """The fleet's deployments, built from its file: ``nightly``, ``escalate-incidents`` and
    ``monthly-board-summary`` scheduled, ``backfill`` and ``approve-containment`` not."""
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    from flows.approval import approve_containment
    from flows.escalation import ESCALATION_CRON, escalate
    from flows.monthly import MONTHLY_CRON, monthly
    from flows.nightly import backfill, nightly

    fleet_file = Path(fleet_path).resolve()
    config: FleetConfig = parse(FleetConfig, fleet_file)
    parameters = {"fleet": str(fleet_file)}
    tags = [f"fleet:{config.name}"]
    # "flows.nightly.nightly", not a file path relative to wherever `govern serve` was started
    where = EntrypointType.MODULE_PATH
    built = [
        nightly.to_deployment(
            name=config.name,
            schedule=Cron(config.schedule, timezone=config.timezone, slug="nightly"),
            parameters=parameters,
            tags=tags,
            entrypoint_type=where,
            description=f"Governance of fleet {config.name!r} every night ({config.schedule!r}, "
            f"{config.timezone}); the night defaults to yesterday there. Fleet file: {fleet_file}",
        ),
        backfill.to_deployment(
            name=config.name,
            parameters=parameters,
            tags=tags,
            entrypoint_type=where,
            description=f"Governance of fleet {config.name!r} over a range of nights: give start and end "
            f"(ISO dates). Fleet file: {fleet_file}",
        ),
        # approval in the UI: started by the nightly run for an incident, suspended until a person answers
        approve_containment.to_deployment(
            name=config.name,
            parameters=parameters,
            tags=tags,
            entrypoint_type=where,
            description=f"Approve or reject the containment actions of an incident of fleet {config.name!r} "
            f"that wait for a person: the nightly run starts one; resume it with the form. Fleet file: {fleet_file}",
        ),
        # escalation between nights: a SEV1's half-hour window is not checked only once a night
        escalate.to_deployment(
            name=config.name,
            schedule=Cron(ESCALATION_CRON, timezone=config.timezone, slug="escalation"),
            parameters={**parameters, "fleet_name": config.name},
            tags=tags,
            entrypoint_type=where,
            description=f"Escalate the overdue incidents of fleet {config.name!r}, deliver queued notifications, "
            f"carry out approved actions ({ESCALATION_CRON!r}). Fleet file: {fleet_file}",
        ),
        # the board's monthly risk report, once the month's last night has run
        monthly.to_deployment(
            name=config.name,
            schedule=Cron(MONTHLY_CRON, timezone=config.timezone, slug="monthly"),
            parameters=parameters,
            tags=tags,
            entrypoint_type=where,
            description=f"The board summary of fleet {config.name!r} for the previous month ({MONTHLY_CRON!r}, "
            f"{config.timezone}): board/<YYYY-MM>.html, .json and .pdf. Fleet file: {fleet_file}",
        ),
    ]
    return cast("list[RunnerDeployment]", built)  # to_deployment is async-dispatched: synchronous here


def describe(deployment: RunnerDeployment, *, runs: int = 3, now: dt.datetime | None = None) -> Scheduled:
    """The deployment's full name, cron and time zone, and its next ``runs`` start times in that zone."""
    import asyncio

    from prefect.client.schemas.schedules import CronSchedule

    # The dates as the server's scheduler computes them (croniter alone gets the days of a DST change wrong)
    from prefect.server.schemas.schedules import CronSchedule as SchedulerCron

    crons = [s.schedule for s in deployment.schedules or [] if isinstance(s.schedule, CronSchedule)]
    if not crons:
        if deployment.full_name.startswith(f"{APPROVAL_FLOW}/"):
            return Scheduled(deployment.full_name, None, None, (), by_hand=APPROVAL_BY_HAND)
        return Scheduled(deployment.full_name, None, None, ())
    cron = crons[0]
    scheduler = SchedulerCron(cron=cron.cron, timezone=cron.timezone, day_or=cron.day_or)
    dates = asyncio.run(scheduler.get_dates(n=runs, start=now or dt.datetime.now(dt.UTC)))
    return Scheduled(deployment.full_name, cron.cron, scheduler.timezone, tuple(dates))


def serve_fleet(fleet_path: str | Path) -> None:
    """Serve the fleet's deployments from this process until SIGTERM or SIGINT. One run at a time (``limit=1``):
    a backfill and a night never compete for the same cores and result files; a run scheduled meanwhile waits."""
    from prefect import serve

    served = deployments(fleet_path)
    try:
        serve(*served, limit=1, print_starting_message=False)
    except SystemExit as exc:
        # Prefect's SIGTERM handler pauses the deployments, then calls sys.exit(0): that is a normal stop
        if exc.code not in (0, None):
            raise
    finally:
        _pause([d.full_name for d in served])


def _pause(names: list[str]) -> None:
    """Pause the deployments by name, whatever Prefect's own shutdown managed (it skips them when a served run
    is in flight as the signal comes): no scheduled run waits for a process that is gone."""
    import httpx
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            for name in names:
                try:
                    client.pause_deployment(client.read_deployment_by_name(name).id)
                except ObjectNotFound:
                    continue
    except (httpx.HTTPError, OSError) as exc:  # the server went first: nothing to pause against
        print(f"could not pause the deployments: {type(exc).__name__}: {exc}")

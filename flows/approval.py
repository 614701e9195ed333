"""Approval of a containment action in the Prefect UI: a flow run of ``approve-containment/<fleet>`` that shows
the incident's waiting actions and suspends itself until a person answers its form (approve or reject, their
name, a note). Its answer goes through the same code as ``govern incidents approve`` (``govern.respond.human``),
so the audit log, the incident's history and the notifications are the same either way.

    nightly run: an action starts awaiting approval ── request_approval (returns at once) ──┐
    approve-containment run: read what waits ── suspend (Suspended, with the form) ── … ──┘
    a person resumes it with the form in the UI ── the run starts again from the top ── the answer:
    human.approve(approve or reject, by, note) ── carry the approved action out ── notify ── events

What Prefect 3.8 needs for this (``prefect.flow_runs.suspend_flow_run``):

- **A deployment.** A suspended run's process exits; resuming it reschedules the run (state Scheduled,
  "Resuming"), and whatever serves the deployment (``govern serve``, or a worker) starts it again. The server
  refuses to suspend a run without one ("Cannot suspend flows without a deployment"), and a subflow ("Cannot
  suspend subflows"): ``request_approval`` starts the run with ``as_subflow=False`` for that reason.
- **A fixed pause key.** The re-run calls ``suspend_flow_run`` again with the same key; the server, having seen
  the key, refuses the second suspension, and the call returns the input given on resuming (saved in the
  run's inputs under that key).
- **Persisted results only for work before the suspension.** The re-run re-executes everything before the
  suspension; tasks would be re-run unless their results were persisted and cached. This flow runs no tasks
  before it (it reads the database, cheap and idempotent), so nothing needs persisting.

The typed form is ``ApprovalInput``: Prefect saves its JSON schema with the suspended state and the server
validates the answer against it before resuming (a form without the approver's name is refused there). The
run waits at most ``APPROVAL_WAIT`` (7 days); after that the server fails it, and the action still waits: approve
it with ``govern incidents approve ID --by NAME``, or start ``approve-containment/<fleet>`` again by hand.

No ``from __future__ import annotations`` here: Prefect validates the flow's parameters against its signature in
the served subprocess (see ``flows.nightly``).
"""

import contextlib
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from prefect import flow, get_run_logger
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field

from govern.config import Fleet, load_fleet

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun
    from sqlalchemy.orm import Session

    from govern.respond.db import Action

FLOW_NAME = "approve-containment"
APPROVAL_WAIT = dt.timedelta(days=7)


class ApprovalInput(RunInput):
    """The form a person answers in the Prefect UI to resume the run."""

    approve: bool = Field(description="Approve (checked) or reject (unchecked) every action listed above.")
    by: str = Field(min_length=1, description="Your name, as the audit log records who decided.")
    note: str = Field(default="", description="A note for the record (why, a ticket, ...); optional.")


def pause_key(incident: int) -> str:
    """The run's one suspension: the same key when the run starts again after resuming."""
    return f"approve-incident-{incident}"


def deployment_name(fleet_name: str) -> str:
    return f"{FLOW_NAME}/{fleet_name}"


@flow(name=FLOW_NAME, flow_run_name="approve-incident-{incident}")
def approve_containment(fleet: str, incident: int) -> dict[str, Any]:
    """Ask a person, in the Prefect UI, to approve or reject the actions of ``incident`` that await approval
    (the fleet file ``fleet``); then carry the approved ones out, as ``govern incidents approve`` does."""
    from govern.respond import human
    from govern.respond.database import open_database

    logger = get_run_logger()
    loaded = load_fleet(Path(fleet), strict=False)
    with contextlib.closing(open_database(loaded.incident_db)) as db, db.session() as session:
        waiting = human.awaiting(session, incident)
        if not waiting:
            # nothing asked, or decided meanwhile (``govern incidents approve``): an answer given here is moot
            logger.info("incident %s: no action awaits approval; nothing to decide here", incident)
            return {"incident": incident, "decision": None, "actions": []}
        run_id = flow_run.get_id()
        # this run decides the actions it asked about: those it was first to ask (a later action waits for its
        # own run), the same ones again when the run starts over on being resumed
        waiting = [a for a in waiting if a.approval_flow_run_id in (None, run_id)]
        if not waiting:
            logger.info("incident %s: its waiting actions are asked in another run", incident)
            return {"incident": incident, "decision": None, "actions": []}
        question = _question(session, incident, waiting)
        for action in waiting:  # `govern incidents show` then names the run where the approval is asked
            action.approval_flow_run_id = run_id
        action_ids = [a.id for a in waiting]

    logger.info("incident %s: actions %s await approval; resume this run in the UI to decide", incident, action_ids)
    answer = _ask(question, incident)
    logger.info("incident %s: %s by %s", incident, "approved" if answer.approve else "rejected", answer.by)
    return _decide(loaded, incident, answer, action_ids)


def _ask(question: str, incident: int) -> ApprovalInput:
    """Suspend the run until a person answers the form (the run's process exits here, and the run starts again
    when resumed); the answer."""
    from prefect.flow_runs import suspend_flow_run

    form = ApprovalInput.with_initial_data(description=question)
    return suspend_flow_run(wait_for_input=form, timeout=int(APPROVAL_WAIT.total_seconds()), key=pause_key(incident))


def _decide(loaded: Fleet, incident: int, answer: ApprovalInput, action_ids: list[int]) -> dict[str, Any]:
    from govern.respond import human
    from govern.respond.respond import open_responder
    from tasks.events import emit_incident_events
    from tasks.respond import read_secret

    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    from govern.errors import ContainmentError

    with contextlib.closing(open_responder(loaded, secret=read_secret)) as responder:
        try:
            report = human.approve(responder, incident, by=answer.by, at=at, reject=not answer.approve,
                                   note=answer.note, action_ids=action_ids)  # fmt: skip
        except ContainmentError as exc:  # decided meanwhile (govern incidents approve): the answer is moot
            get_run_logger().info("incident %s: nothing left to decide: %s", incident, exc)
            return {"incident": incident, "decision": None, "actions": []}
    emit_incident_events(loaded.config.name, report.changes)
    return {
        "incident": incident,
        "decision": "approved" if answer.approve else "rejected",
        "by": answer.by,
        "note": answer.note,
        **report.to_dict(),
    }


def _question(session: "Session", incident_id: int, waiting: "list[Action]") -> str:
    """What the form shows above its fields (markdown): the incident and each action waiting."""
    from govern.respond import incidents

    incident = incidents.get(session, incident_id)
    about = f"model `{incident.model}`" if incident.model else f"feed `{incident.feed}`"
    lines = [
        f"### Incident {incident.id} ({incident.sev}): {incident.title}",
        f"{about} · {incident.check} on `{incident.subject}` · status {incident.status} · "
        f"nights {incident.first_night} to {incident.last_night}",
        "",
        "Actions awaiting approval:",
        *(f"- action {a.id}: **{a.kind}** {_params(a.params)}" for a in waiting),
        "",
        f"Approving carries them out now. The same decision from a terminal: "
        f"`govern incidents approve {incident.id} --by NAME` (or `reject ... --note TEXT`).",
    ]
    if incident.recommendation:
        lines.insert(2, f"Recommendation: {incident.recommendation}")
    return "\n".join(lines)


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{key} `{value}`" for key, value in sorted(params.items()) if value is not None)


def request_approval(fleet_name: str, fleet_path: str, incident_id: int, *, action_id: int | None = None) -> str | None:
    """Start a run of ``approve-containment/<fleet_name>`` for the incident, and return its flow run id at once
    (it will wait for a person in the Prefect UI); None when there is no such deployment on this Prefect API, or
    no server at all (the embedded API serves no deployments), or the API cannot be reached: the approval then
    comes from ``govern incidents approve``. Never blocks on the approval, never raises for the API's faults.

    ``action_id`` makes the request idempotent: asked twice for the same action, Prefect returns the same run."""
    import httpx
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return None
    name = deployment_name(fleet_name)
    key = None if action_id is None else f"{name}/incident-{incident_id}/action-{action_id}"
    try:
        run = run_deployment(
            name,
            parameters={"fleet": str(Path(fleet_path).resolve()), "incident": incident_id},
            flow_run_name=f"approve-incident-{incident_id}",
            timeout=0,  # return once the run is created
            as_subflow=False,  # a subflow cannot be suspended
            idempotency_key=key,
            tags=[f"fleet:{fleet_name}", f"incident:{incident_id}"],
        )
    except ObjectNotFound:
        return None
    except httpx.HTTPError as exc:
        _warn(f"incident {incident_id}: the approval could not be asked in the Prefect UI ({name}): {exc}")
        return None
    return str(cast("FlowRun", run).id)  # run_deployment is async-dispatched: synchronous here


def _warn(message: str) -> None:
    from prefect.exceptions import MissingContextError

    try:
        get_run_logger().warning("%s", message)
    except MissingContextError:
        import logging

        logging.getLogger(__name__).warning("%s", message)

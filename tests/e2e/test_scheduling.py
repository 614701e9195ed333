"""End to end, on a real Prefect server: ``prefect server start`` on 127.0.0.1 with its own home and SQLite
database, ``govern serve`` run for real as a subprocess over a tiny fleet (two models in a real MLflow registry),
the deployments and their schedule read back through the API, a run triggered as the scheduler would start one,
and its name, tags, final state, log lines and artifacts checked. Nothing of the server is mocked.

The other e2e tests of the session use the embedded API: this one points the client at its server only inside
``temporary_settings``, which restores the settings after it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from tests.fleet_factory import applicants, model_config, write_fleet

pytestmark = pytest.mark.e2e

GOVERN = str(Path(sys.executable).parent / "govern")
PREFECT = str(Path(sys.executable).parent / "prefect")
NIGHT = "2026-10-05"
SCHEDULE, TIMEZONE = "30 3 * * *", "Europe/Paris"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, lines: int = 60) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no output)"


def _stop(process: subprocess.Popen[bytes], grace: float) -> int:
    """SIGTERM to the process's session (it and its children), then SIGKILL after ``grace`` seconds."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            return process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return process.wait(timeout=10)


def _wait_for(what: str, found: Callable[[], Any], process: subprocess.Popen[bytes], log: Path, timeout: float) -> Any:
    """Poll ``found`` until it returns something truthy; fail, with the process's output, if it dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        if process.poll() is not None:
            pytest.fail(f"waiting for {what}: the process exited with {process.returncode}:\n{_tail(log)}")
        time.sleep(0.5)
    pytest.fail(f"waiting for {what}: not there after {timeout:.0f} s:\n{_tail(log)}")


@dataclass(frozen=True)
class PrefectServer:
    url: str  # of its API
    log: Path  # its output: where the scheduler's errors are


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A Prefect server of its own: its home and SQLite database in a temporary folder."""
    root = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(root / "home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{root / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    log = root / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--analytics-off", "--no-ui"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    try:
        _wait_for("the server's /api/health", healthy, server, log, timeout=120)
        yield PrefectServer(url, log)
    finally:
        _stop(server, grace=20)


def _applicants(n: int, night: str, days: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = applicants(rng, n, start=night, days=days, regions=("north", "south", "east"))
    frame["id"] += seed * 1_000_000
    frame["income"] += shift
    frame["gender"] = rng.choice(["F", "M"], n)
    logit = frame["income"] * 2 + (frame["region"] == "north") * 0.4
    frame["repaid"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


@pytest.fixture(scope="module")
def tiny_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two models, ``loan`` and ``cards``, in the fleet's real MLflow registry, with five nights of data;
    ``cards`` drifts on NIGHT (incomes shifted), so it has findings and ``loan`` none."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from govern.config import load_fleet
    from govern.registry import MlflowRegistry
    from govern.suites import profile_suite, save_suite

    root = tmp_path_factory.mktemp("tiny")
    models = [model_config("loan"), model_config("cards")]
    for model in models:
        model["columns"]["model_version"] = "model_version"
    settings = {"name": "tiny", "concurrency": 2, "schedule": SCHEDULE, "timezone": TIMEZONE}
    fleet = load_fleet(write_fleet(root, models=models, fleet=settings))
    registry = MlflowRegistry.for_fleet(fleet, create=True)
    for offset, name in enumerate(["loan", "cards"]):
        reference = _applicants(3000, "2026-09-01", 20, seed=10 + offset)
        pipeline = make_pipeline(
            ColumnTransformer([("num", StandardScaler(), ["income"]), ("cat", OneHotEncoder(), ["region"])]),
            LogisticRegression(),
        )
        pipeline.fit(reference[["income", "region"]], reference["repaid"])
        registry.register_sklearn(name, pipeline)
        registry.set_alias(name, "champion", "1")
        data = fleet.data_root / name
        (data / "batches").mkdir(parents=True)
        (data / "labels").mkdir(parents=True)
        reference.to_parquet(data / "reference.parquet")
        save_suite(profile_suite(fleet.models[name], reference), fleet.expectations_dir / f"{name}.json")
        for day in range(1, 6):
            night = f"2026-10-{day:02d}"
            shift = 1.5 if (name, night) == ("cards", NIGHT) else 0.0
            batch = _applicants(1000, night, 1, seed=100 * day + offset, shift=shift)
            batch["approved"] = pipeline.predict(batch[["income", "region"]])
            batch["score"] = pipeline.predict_proba(batch[["income", "region"]])[:, 1]
            batch["model_version"] = "1"
            batch[["id", "repaid"]].to_parquet(data / "labels" / f"{night}.parquet")
            batch.drop(columns="repaid").to_parquet(data / "batches" / f"{night}.parquet")
    return fleet.path


def test_govern_serve_schedules_the_fleet_and_a_served_run_completes_named_tagged_with_its_artifacts(
    prefect_server: PrefectServer, tiny_fleet: Path, tmp_path: Path
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    api = prefect_server.url
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_RUNNER_POLL_FREQUENCY": "2"}
    env.pop("PREFECT_HOME", None)  # `govern serve` puts it in the fleet's state folder, as in production
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [GOVERN, "serve", "--fleet", str(tiny_fleet)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:

            def deployment(name: str) -> Any:
                try:
                    return client.read_deployment_by_name(name)
                except ObjectNotFound:  # until `govern serve` has registered it
                    return None

            nightly = _wait_for("the nightly deployment", lambda: deployment("nightly-governance/tiny"), serve, log, 90)
            backfill = _wait_for(
                "the backfill deployment", lambda: deployment("backfill-governance/tiny"), serve, log, 30
            )
            # the schedule, the time zone, the tags and the absolute fleet path, as the API holds them
            (schedule,) = nightly.schedules
            assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (SCHEDULE, TIMEZONE, True)
            assert backfill.schedules == []
            for held in (nightly, backfill):
                assert held.tags == ["fleet:tiny"]
                assert held.parameters == {"fleet": str(tiny_fleet.resolve())}
            # the server's scheduler has planned the coming nights at 03:30 in Paris (DST or not); when it cannot
            # (SQLAlchemy 2.1 breaks its inserts: "Can't evaluate bulk DML statement"), its log says why
            upcoming = _wait_for(
                "the scheduler's runs (the server's log follows)",
                lambda: client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[nightly.id])),
                    flow_run_filter=FlowRunFilter(
                        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
                    ),
                ),
                serve,
                prefect_server.log,
                45,
            )
            for planned in upcoming:
                local = planned.expected_start_time.astimezone(ZoneInfo(TIMEZONE))
                assert (local.hour, local.minute) == (3, 30)
                assert planned.expected_start_time > dt.datetime.now(dt.UTC)
            assert "nightly-governance/tiny: cron '30 3 * * *' in Europe/Paris; next: " in log.read_text()

            # a run of the deployment, started by `govern serve` in a subprocess, as a scheduled one would be
            started = time.monotonic()
            run = run_deployment("nightly-governance/tiny", parameters={"night": NIGHT}, timeout=240, poll_interval=2)
            seconds = time.monotonic() - started
            assert run.state is not None and run.state.is_completed(), f"{run.state}\n{_tail(log)}"
            assert run.name == f"nightly-{NIGHT}"
            assert "fleet:tiny" in run.tags
            assert run.parameters == {"fleet": str(tiny_fleet.resolve()), "night": NIGHT}

            artifacts = {a.key: a for a in client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))}  # fmt: skip
            assert set(artifacts) == {  # loan has no findings; the night's pages, and the overview's link
                f"governance-{NIGHT}", f"governance-{NIGHT}-cards", f"pages-{NIGHT}", "fleet-overview"
            }  # fmt: skip
            pages = str(artifacts[f"pages-{NIGHT}"].data)
            assert f"{NIGHT}/index.html" in pages and f"{NIGHT}/reports/cards.html" in pages
            assert "not written" not in pages
            assert artifacts[f"governance-{NIGHT}"].type == "table"
            cards = artifacts[f"governance-{NIGHT}-cards"]
            assert cards.type == "markdown" and "drift.feature" in str(cards.data)
            assert f"{NIGHT}/models/cards.json" in str(cards.data)

            def lines() -> list[str]:
                logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
                return [entry.message for entry in logs]

            # the logs reach the API in batches: the night's last line says they all have
            _wait_for(
                "the run's logs", lambda: [m for m in lines() if m.startswith(f"night {NIGHT}: ")], serve, log, 15
            )
            messages = lines()
            assert len([m for m in messages if m.startswith("loan: healthy, 0 findings, ")]) == 1, messages
            assert len([m for m in messages if m.startswith("cards: findings, ")]) == 1, messages
    finally:
        code = _stop(serve, grace=30)
    assert code == 0, _tail(log)
    assert "stopped; its deployments are paused until they are served again" in log.read_text()
    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        assert client.read_deployment_by_name("nightly-governance/tiny").paused  # no run waits for a gone process
    print(f"served run of {NIGHT}: {seconds:.0f} s from trigger to completion")


APPROVAL_NIGHT = "2026-10-03"


def _client_incident(fleet_path: Path) -> tuple[int, int]:
    """A client incident of ``cards`` whose denylist action awaits approval (the client playbook asks a person at
    every SEV), made by the real response over a result whose segments finding names one API client:
    (incident id, action id)."""
    from sqlalchemy import select

    from govern.config import load_fleet
    from govern.respond.database import open_database
    from govern.respond.db import Action
    from govern.respond.respond import Responder
    from govern.results import Evidence, Finding, ModelNightResult
    from govern.rulebook import Severity
    from govern.store import ResultsStore

    fleet = load_fleet(fleet_path)
    store = ResultsStore(fleet.output)
    shift = Finding(
        check="segments.share_increase",
        subject="client_orbitpay",
        measured=0.31,
        threshold=0.1,
        comparison="<=",
        severity=Severity.HIGH,
        fault="data",
        policy="models/cards.yaml",
        message="client_orbitpay's share of traffic rose from 2 % to 31 %",
    )
    store.write_result(
        ModelNightResult(
            model="cards",
            night=APPROVAL_NIGHT,
            status="findings",
            risk_tier="high",
            evidence=Evidence(model_version="1", rows=1000),
            findings=(shift,),
        )
    )
    db = open_database(fleet.incident_db)
    try:
        at = dt.datetime.fromisoformat(f"{APPROVAL_NIGHT}T23:30:00+00:00")
        report = Responder(fleet, db, store, registry=None).respond(APPROVAL_NIGHT, at=at)
        (asked,) = [c for c in report.changes if c.kind == "approval_requested"]
        with db.session() as session:
            action = session.scalars(select(Action).where(Action.id == asked.detail["action"])).one()
            assert (action.kind, action.status, action.params["client"]) == (
                "denylist",
                "awaiting_approval",
                "client_orbitpay",
            )
        return asked.incident_id, int(asked.detail["action"])
    finally:
        db.close()


def test_an_action_awaiting_approval_is_approved_in_the_prefect_ui_through_a_suspended_run(
    prefect_server: PrefectServer, tiny_fleet: Path, tmp_path: Path
) -> None:
    """The nightly run's request (``request_approval``) starts ``approve-containment/tiny``, served by ``govern
    serve``; the run suspends with its typed form; a form without a name is refused by the server; resumed with
    one, the run starts again, approves through ``govern.respond.human`` and the client is denylisted."""
    from uuid import UUID

    from prefect import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
    from prefect.events.schemas.events import ResourceSpecification
    from prefect.exceptions import ObjectNotFound
    from prefect.flow_runs import resume_flow_run
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from sqlalchemy import select

    from flows.approval import pause_key, request_approval
    from govern.config import load_fleet
    from govern.respond import audit
    from govern.respond.database import open_database
    from govern.respond.db import Action, Incident

    incident_id, action_id = _client_incident(tiny_fleet)
    api = prefect_server.url
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_RUNNER_POLL_FREQUENCY": "2"}
    env.pop("PREFECT_HOME", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [GOVERN, "serve", "--fleet", str(tiny_fleet)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:

            def served() -> Any:
                try:
                    held = client.read_deployment_by_name("approve-containment/tiny")
                except ObjectNotFound:
                    return None
                # paused when an earlier `govern serve` stopped: this one has registered it when it is not
                return None if held.paused else held

            def served_by_this_one() -> Any:  # an earlier `govern serve` may have left it unpaused
                said = "the nightly run starts one when an action awaits approval" in log.read_text()
                return served() if said else None

            held = _wait_for("the approval deployment, served", served_by_this_one, serve, log, 90)
            assert (held.schedules, held.tags) == ([], ["fleet:tiny"])

            started = time.monotonic()
            run_id = request_approval("tiny", str(tiny_fleet), incident_id, action_id=action_id)
            assert run_id is not None and time.monotonic() - started < 10  # returns at once
            assert request_approval("tiny", str(tiny_fleet), incident_id, action_id=action_id) == run_id  # idempotent
            assert request_approval("no-such-fleet", str(tiny_fleet), incident_id) is None  # no deployment: the CLI

            def state() -> Any:
                return client.read_flow_run(UUID(run_id)).state

            suspended = _wait_for(
                "the run to suspend", lambda: (s := state()) and s.name == "Suspended" and s, serve, log, 120
            )
            assert suspended.is_paused() and suspended.state_details.pause_reschedule
            asked_in = time.monotonic() - started
            run = client.read_flow_run(UUID(run_id))
            assert run.name == f"approve-incident-{incident_id}" and run.parameters["incident"] == incident_id
            question = client.read_flow_run_input(UUID(run_id), f"suspended-{pause_key(incident_id)}-description")
            assert f"Incident {incident_id}" in question and "**denylist**" in question, question

            with pytest.raises(RuntimeError, match="Cannot resume this run"):  # the form's schema: a name is needed
                resume_flow_run(UUID(run_id), run_input={"approve": True, "by": "", "note": ""})
            assert state().name == "Suspended"
            resume_flow_run(UUID(run_id), run_input={"approve": True, "by": "Test Approver", "note": "ok"})
            final = _wait_for(
                "the resumed run to finish", lambda: (s := state()) and s.is_final() and s, serve, log, 180
            )
            assert final.is_completed(), f"{final}\n{_tail(log)}"
            decided_in = time.monotonic() - started

            query = EventFilter(
                event=EventNameFilter(name=["govern.incident.approved"]),
                resource=EventResourceFilter(labels=ResourceSpecification({"govern.fleet": "tiny"})),
            )
            (approved_event,) = _wait_for(
                "the approved event", lambda: client.read_events(filter=query, limit=50).events, serve, log, 30
            )
            assert approved_event.resource.id == "govern.model.cards"
            assert approved_event.payload["by"] == "Test Approver"
            assert approved_event.payload["incident"] == incident_id
    finally:
        code = _stop(serve, grace=30)
    assert code == 0, _tail(log)

    fleet = load_fleet(tiny_fleet)
    db = open_database(fleet.incident_db)
    try:
        with db.session() as session:
            action = session.scalars(select(Action).where(Action.id == action_id)).one()
            assert (action.status, action.approved_by, action.approval_flow_run_id) == ("done", "Test Approver", run_id)
            incident = session.get(Incident, incident_id)
            assert incident is not None and incident.status == "contained"
            (command,) = [
                e for e in audit.read(session, subjects=[f"incident:{incident_id}"]) if e.kind == "command.approve"
            ]
            assert command.actor == "Test Approver"
            payload = json.loads(command.payload)  # stored as the canonical JSON the entry's hash covers
            assert (payload["actions"], payload["note"]) == ([action_id], "ok")
            assert audit.verify(session).ok
    finally:
        db.close()
    denylist = json.loads((fleet.state_dir / "serving" / "denylist.json").read_text())
    assert [(c["model"], c["client"], c["by"]) for c in denylist["clients"]] == [
        ("cards", "client_orbitpay", "Test Approver")
    ]
    print(f"approval: suspended {asked_in:.0f} s after the request, done {decided_in:.0f} s after it")

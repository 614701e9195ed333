"""Shared fixtures of the response tests: a small fleet with a real SQLite incident database, the in-memory
registry and hand-built results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from govern.config import load_fleet
from govern.registry import InMemoryRegistry
from govern.respond.database import open_database
from govern.respond.respond import Responder, ResponseReport
from govern.results import Evidence, Finding, ModelNightResult
from govern.rulebook import Severity
from govern.store import ResultsStore
from tests.fleet_factory import model_config, write_fleet

NIGHTS = [f"2026-10-{d:02d}" for d in range(1, 15)]


def at_of(night: str, hour: int = 2) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(night) + dt.timedelta(days=1), dt.time(hour), tzinfo=dt.UTC)


def finding(check: str, subject: str, measured: Any, threshold: Any, comparison: str = ">=", **kw: Any) -> Finding:
    section = check.split(".")[0]
    fault = {"performance": "model", "fairness": "model"}.get(section, "data")
    return Finding(
        check=check,
        subject=subject,
        measured=measured,
        threshold=threshold,
        comparison=comparison,
        severity=kw.pop("severity", Severity.HIGH),
        fault=kw.pop("fault", fault),
        policy=kw.pop("policy", "models/x.yaml"),
        message=kw.pop("message", f"{check} on {subject}: {measured} vs {comparison} {threshold}"),
    )


def result(model: str, night: str, *findings: Finding, version: str | None = "1", **evidence: Any) -> ModelNightResult:
    status = "findings" if findings else "healthy"
    return ModelNightResult(
        model=model,
        night=night,
        status=status,
        risk_tier="high",
        evidence=Evidence(model_version=version, rows=1000, **evidence),
        findings=findings,
    )


CRITICAL = (
    "data_quality.critical_expectation",
    "expect_column_values_to_not_be_null(bureau_score)",
    0.9,
    0.0,
    "passes",
)


def make_world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    escalation = [
        {"name": "Head", "email": "head@example.com", "role": "head_of_unit"},
        {"name": "Risk", "email": "risk@example.com", "role": "model_risk"},
    ]
    models = [
        model_config(name, escalation=escalation, **extra)
        for name, extra in [
            ("credit", {}),
            ("hiring", {}),
            ("payments", {}),
            ("loan", {"feed": "loan_applications"}),
            *((f"bureau_{x}", {"feed": "bureau"}) for x in "abc"),
            ("healthy", {}),
        ]
    ]
    fleet_path = write_fleet(tmp_path, models=models)
    response = {"notifications": {"channels": [{"name": "ops", "kind": "json", "url_env": "TEST_WEBHOOK"}]}}
    (fleet_path.parent / "policies" / "incident_response.yaml").write_text(yaml.safe_dump(response))
    fleet = load_fleet(fleet_path)
    registry = InMemoryRegistry()
    for model in fleet.models.values():
        assert model.registry is not None
        registry.register_sklearn(model.registry.name, {"weights": [1, 2, model.name]})
        registry.set_alias(model.registry.name, "champion", "1")
    registry.register_sklearn("credit", {"weights": [3, 4]})  # version 2, deployed later
    db = open_database(fleet.incident_db)
    sent: list[Any] = []

    def deliver(channel: Any, message: Any, **_: Any) -> Any:
        from govern.respond.notify import Delivery

        sent.append((channel.name, message))
        return Delivery(ok=True, attempts=1, error=None, seconds=0.0)

    from govern.respond.notify import Channel

    channels = [Channel("ops", "json", "http://127.0.0.1:9/hook", "test")]
    responder = Responder(fleet, db, ResultsStore(fleet.output), registry, channels, deliver=deliver)
    yield {
        "fleet": fleet,
        "registry": registry,
        "db": db,
        "responder": responder,
        "sent": sent,
        "store": ResultsStore(fleet.output),
    }
    db.close()


def night(world: dict[str, Any], night: str, special: dict[str, ModelNightResult] | None = None) -> ResponseReport:
    store: ResultsStore = world["store"]
    for name in world["fleet"].models:
        store.write_result((special or {}).get(name) or result(name, night))
    return world["responder"].respond(night, at=at_of(night))


def count(world: dict[str, Any], table: Any) -> int:
    with world["db"].session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)

"""The flows' own logic that needs no server: the final state a night's flow run ends in, the parameters a
scheduled run sends, run names, log lines and artifacts, the fleet's schedule and its deployments. A real
server runs them in tests/e2e/test_scheduling.py."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from govern.results import Finding, FleetLine, FleetSummary, ModelNightResult, RunInfo, StageError
from tests.fleet_factory import write_fleet


def summary(night: str, **statuses: str) -> FleetSummary:
    lines = tuple(
        FleetLine(
            model=model,
            business_unit=None,
            risk_tier=None,
            status=status,  # type: ignore[arg-type]
            model_version=None,
            n_findings=0,
            max_severity=None,
            fault=None,
            checks=(),
            errors=("load: x",) if status == "error" else (),
        )
        for model, status in statuses.items()
    )
    return FleetSummary(night=night, models=lines, run=RunInfo())


def test_a_night_with_a_model_in_error_ends_failed_and_says_which_with_its_data() -> None:
    from prefect.states import State

    from flows.nightly import _final_state

    healthy = summary("2026-10-01", loan="healthy", churn="findings", cards="incomplete")
    assert _final_state([healthy], {"data": 1}) == {"data": 1}  # every model assessed: the data as it is
    broken = summary("2026-10-02", loan="error", churn="healthy")
    state = _final_state([healthy, broken], {"data": 2})
    assert isinstance(state, State) and state.is_failed()
    assert state.message == "1 model-night(s) in error: loan (2026-10-02); the others were assessed"
    assert state.result(raise_on_failure=False) == {"data": 2}


# ---------------------------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("value", ["2026-10-05", "2024-02-29"])
def test_a_night_is_an_iso_date(value: str) -> None:
    from flows.nightly import iso_night

    assert iso_night(value, "night") == value


@pytest.mark.parametrize("value", ["2026-10-32", "20261005", "2026-10-5", "yesterday", "2025-02-29", " 2026-10-05"])
def test_a_night_that_is_not_an_iso_date_fails_naming_the_parameter(value: str) -> None:
    from flows.nightly import iso_night

    with pytest.raises(ValueError, match=rf"^start must be an ISO date \(YYYY-MM-DD\) .*; got {value!r} instead$"):
        iso_night(value, "start")


@pytest.mark.parametrize(
    ("timezone", "scheduled", "night"),
    [
        ("UTC", "2026-10-21T02:00:00+00:00", "2026-10-20"),
        ("Europe/Paris", "2026-10-21T00:30:00+00:00", "2026-10-20"),  # 02:30 in Paris
        ("Europe/Paris", "2026-10-20T23:30:00+00:00", "2026-10-20"),  # already the 21st in Paris
        ("Pacific/Auckland", "2026-10-20T13:30:00+00:00", "2026-10-20"),  # 02:30 on the 21st in Auckland
        ("America/Los_Angeles", "2026-10-21T09:00:00+00:00", "2026-10-20"),  # 02:00 on the 21st in LA
        ("America/Los_Angeles", "2026-10-21T02:00:00+00:00", "2026-10-19"),  # still the 20th in LA
    ],
)
def test_the_default_night_is_the_day_before_the_scheduled_start_in_the_fleets_timezone(
    timezone: str, scheduled: str, night: str
) -> None:
    from flows.nightly import default_night

    assert default_night(timezone, dt.datetime.fromisoformat(scheduled)) == night


def test_the_flow_parameters_validate_from_json_as_a_scheduled_run_rebuilds_them() -> None:
    """What a served or worker run does with the deployment's JSON parameters, before the flow runs."""
    from flows.nightly import backfill, nightly

    sent = {"fleet": "/srv/fleet.yaml", "night": "2026-10-05", "models": ["loan"]}
    assert nightly.validate_parameters(json.loads(json.dumps(sent))) == sent
    defaults = nightly.validate_parameters({"fleet": "/srv/fleet.yaml"})  # the deployment's own parameters
    assert defaults == {"fleet": "/srv/fleet.yaml", "night": None, "models": None}
    window = {"fleet": "/srv/fleet.yaml", "start": "2026-10-01", "end": "2026-10-03"}
    assert backfill.validate_parameters(window) == {**window, "models": None}
    schema = nightly.parameters.model_dump()["properties"]
    assert set(schema) == {"fleet", "night", "models"}


def test_a_nightly_run_is_named_after_its_night_also_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import flows.nightly as module

    fleet = write_fleet(tmp_path, fleet={"timezone": "Pacific/Auckland"})
    given: dict[str, Any] = {"fleet": str(fleet), "night": "2026-10-05"}
    monkeypatch.setattr(module.flow_run, "get_parameters", lambda: given)
    monkeypatch.setattr(
        module.flow_run, "get_scheduled_start_time", lambda: dt.datetime(2026, 10, 20, 13, 30, tzinfo=dt.UTC)
    )
    assert module._nightly_run_name() == "nightly-2026-10-05"
    given["night"] = None  # a scheduled run: the day before its start, in Auckland
    assert module._nightly_run_name() == "nightly-2026-10-20"
    given["fleet"] = str(tmp_path / "missing.yaml")  # the flow will fail on it, saying why; the name falls to UTC
    assert module._nightly_run_name() == "nightly-2026-10-19"


# ---------------------------------------------------------------------------------------------- what the UI shows


def finding(severity: str, check: str, message: str = "x", subject: str = "income") -> Finding:
    return Finding(
        check=check,
        subject=subject,
        measured=0.3,
        threshold=0.1,
        comparison="<=",
        severity=severity,  # type: ignore[arg-type]
        fault="data",
        policy="drift_standard",
        message=message,
    )


def result(*findings: Finding, status: str = "findings", **fields: Any) -> ModelNightResult:
    return ModelNightResult(
        model="loan_approval_us",
        night="2026-10-20",
        status=status,  # type: ignore[arg-type]
        findings=findings,
        timings={"load": 0.25, "validate": 1.0, "drift": 2.0},
        **fields,
    )


def test_each_model_finishing_is_one_log_line() -> None:
    from flows.nightly import model_line

    assert model_line(result(status="healthy")) == "loan_approval_us: healthy, 0 findings, 3.2 s"
    found = result(finding("medium", "drift.feature"), finding("high", "performance.estimated_roc_auc"))
    assert model_line(found) == "loan_approval_us: findings, 2 findings (worst high), 3.2 s"
    one = result(finding("low", "drift.feature"))
    assert model_line(one) == "loan_approval_us: findings, 1 finding (worst low), 3.2 s"
    broken = result(status="error", errors=(StageError(stage="load", error="DataError", message="no file"),))
    assert model_line(broken) == "loan_approval_us: error, 0 findings, 3.2 s; failed: load"


def test_artifact_keys_are_lowercase_letters_digits_and_dashes() -> None:
    from tasks.record import findings_key, summary_key

    assert summary_key("2026-10-20") == "governance-2026-10-20"
    key = findings_key("2026-10-20", "loan_approval_us_v2")
    assert key == "governance-2026-10-20-loan-approval-us-v2"
    assert re.fullmatch(r"[a-z0-9-]+", key)


def test_the_findings_artifact_lists_them_most_severe_first_and_links_to_the_result() -> None:
    from tasks.record import findings_markdown

    text = findings_markdown(
        result(
            finding("medium", "drift.feature", "income drifted | JS 0.3"),
            finding("critical", "fairness.impact_ratio", "impact ratio 0.6 < 0.8\nfor F", subject="gender=F"),
        ),
        "/srv/runs/2026-10-20/models/loan_approval_us.json",
    )
    lines = text.splitlines()
    assert lines[0] == r"# loan\_approval\_us on 2026-10-20: findings"
    assert (
        "[/srv/runs/2026-10-20/models/loan\\_approval\\_us.json](file:///srv/runs/2026-10-20/models/loan_approval_us.json)"
        in text
    )
    rows = [line for line in lines if line.startswith("| ") and "---" not in line][1:]
    assert rows == [
        r"| critical | fairness.impact\_ratio | gender=F | impact ratio 0.6 \< 0.8 for F |",
        r"| medium | drift.feature | income | income drifted \| JS 0.3 |",  # a pipe stays inside its cell
    ]
    remote = findings_markdown(result(finding("low", "drift.feature")), "s3://bucket/runs/x.json")
    assert "(s3://bucket/runs/x.json)" in remote


# ---------------------------------------------------------------------------------------------- the schedule


@pytest.mark.parametrize(
    "cron", ["0 2 * * *", "30 3 * * mon-fri", "*/15 0-5 * * *", "0 2 1,15 jan,jul *", "0 2 * * 7", "5/10 * * * SUN"]
)
def test_a_fleet_schedule_the_config_accepts_is_one_prefect_accepts(cron: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    from govern.config import FleetConfig

    assert FleetConfig(name="f", schedule=cron, timezone="Europe/Paris").schedule == cron
    CronSchedule(cron=cron, timezone="Europe/Paris")  # the independent oracle: Prefect's own validation


@pytest.mark.parametrize(
    ("fleet", "message"),
    [
        ({"schedule": "0 2 * *"}, "schedule: must be a cron expression of five fields"),
        ({"schedule": "@daily"}, "got '@daily' instead, with 1 field(s)"),
        ({"schedule": "0 24 * * *"}, "its hour field '24' has '24', which must be a number from 0 to 23"),
        ({"schedule": "0 2 * 13 *"}, "month field '13' has '13', which must be a number from 1 to 12 or jan..dec"),
        ({"schedule": "*/0 2 * * *"}, "has the step '0', which must be at least 1"),
        ({"schedule": "0 2 L * *"}, "day-of-month field 'L' has 'L'"),
        ({"schedule": "0 2 * * fri-mon"}, "has the range 'fri-mon', whose start must not be after its end"),
        (
            {"timezone": "Europe/Pari"},
            "timezone: must be an IANA time zone name such as 'Europe/Paris' or 'UTC'; got "
            "'Europe/Pari' instead (did you mean 'Europe/Paris'?)",
        ),  # fmt: skip
        ({"timezone": "europe/paris"}, "(did you mean 'Europe/Paris'?)"),
        ({"timezone": "CEST"}, "got 'CEST' instead"),
    ],
)
def test_a_bad_schedule_or_timezone_fails_at_load_naming_the_field(
    tmp_path: Path, fleet: dict[str, str], message: str
) -> None:
    from govern.config import load_fleet
    from govern.errors import ConfigError

    with pytest.raises(ConfigError) as error:
        load_fleet(write_fleet(tmp_path, fleet=fleet))
    assert message in str(error.value) and "fleet.yaml" in str(error.value)


def test_the_deployments_carry_the_fleets_schedule_timezone_tags_and_absolute_fleet_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    from flows.deployments import deployments, describe

    fleet = write_fleet(tmp_path, fleet={"name": "tiny", "timezone": "Europe/Paris", "schedule": "30 3 * * *"})
    monkeypatch.chdir(tmp_path)
    nightly, backfill, *_ = deployments("configs/fleet.yaml")  # relative here; absolute in what a run receives
    assert (nightly.full_name, backfill.full_name) == ("nightly-governance/tiny", "backfill-governance/tiny")
    for deployment in (nightly, backfill):
        assert deployment.parameters == {"fleet": str(fleet.resolve())}
        assert deployment.tags == ["fleet:tiny"]
        assert deployment.entrypoint in ("flows.nightly.nightly", "flows.nightly.backfill")
    (schedule,) = nightly.schedules or []
    assert isinstance(schedule.schedule, CronSchedule) and schedule.active
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 3 * * *", "Europe/Paris")
    assert backfill.schedules == []
    # 2026-10-25: the clocks go back in Paris at 03:00; 03:30 that morning is CET, the night before CEST
    shown = describe(nightly, now=dt.datetime(2026, 10, 23, 12, 0, tzinfo=dt.UTC))
    assert [run.isoformat() for run in shown.next_runs] == [
        "2026-10-24T03:30:00+02:00",
        "2026-10-25T03:30:00+01:00",
        "2026-10-26T03:30:00+01:00",
    ]
    assert str(shown).startswith(
        "nightly-governance/tiny: cron '30 3 * * *' in Europe/Paris; next: 2026-10-24 03:30 CEST"
    )
    assert str(describe(backfill)) == "backfill-governance/tiny: no schedule (start it by hand, with start and end)"

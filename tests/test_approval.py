"""Approval in the Prefect UI (``flows.approval``), the parts that need no server: the form's schema, the
deployment ``govern serve`` serves, and a request that finds no server. A real server suspends and resumes a run
in tests/e2e/test_scheduling.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fleet_factory import write_fleet


def test_the_form_needs_a_decision_and_a_name_and_takes_a_note() -> None:
    from flows.approval import ApprovalInput

    schema = ApprovalInput.model_json_schema()
    assert set(schema["required"]) == {"approve", "by"}
    assert schema["properties"]["approve"]["type"] == "boolean"
    assert schema["properties"]["by"]["minLength"] == 1  # the server refuses a resume without a name
    assert schema["properties"]["note"]["default"] == ""
    form = ApprovalInput.with_initial_data(description="### Incident 7")
    assert form.model_validate({"approve": False, "by": "Lena Fischer"}).note == ""


def test_the_approval_deployment_is_served_with_the_fleet_file_and_no_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.deployments import deployments, describe

    fleet = write_fleet(tmp_path, fleet={"name": "tiny"})
    monkeypatch.chdir(tmp_path)
    (approval,) = [d for d in deployments("configs/fleet.yaml") if d.full_name.startswith("approve-containment/")]
    assert approval.full_name == "approve-containment/tiny"
    assert approval.entrypoint == "flows.approval.approve_containment"
    assert approval.parameters == {"fleet": str(fleet.resolve())}  # the incident comes with each run
    assert (approval.tags, approval.schedules) == (["fleet:tiny"], [])
    assert str(describe(approval)) == (
        "approve-containment/tiny: no schedule (the nightly run starts one when an action awaits approval; "
        "resume it in the UI to decide)"
    )


def test_without_a_prefect_server_no_approval_is_requested_and_no_embedded_api_is_started() -> None:
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.approval import request_approval

    before = dict(SubprocessASGIServer._instances)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert request_approval("tiny", "configs/fleet.yaml", 7, action_id=3) is None  # the CLI approves then
    assert SubprocessASGIServer._instances == before


def test_the_escalation_deployment_runs_every_ten_minutes() -> None:
    from flows.deployments import deployments

    (escalation,) = [d for d in deployments("configs/fleet.yaml") if d.full_name.startswith("escalate-incidents/")]
    (schedule,) = escalation.schedules or []
    assert getattr(schedule.schedule, "cron", None) == "*/10 * * * *"


def test_the_monthly_board_deployment_runs_on_the_first_of_the_month_in_the_fleets_timezone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    from flows.deployments import deployments, describe

    fleet = write_fleet(tmp_path, fleet={"name": "tiny", "timezone": "Europe/Paris"})
    monkeypatch.chdir(tmp_path)
    (board,) = [d for d in deployments("configs/fleet.yaml") if d.full_name.startswith("monthly-board-summary/")]
    assert board.full_name == "monthly-board-summary/tiny"
    assert board.entrypoint == "flows.monthly.monthly"
    assert board.parameters == {"fleet": str(fleet.resolve())}  # the month defaults to the previous one
    assert board.tags == ["fleet:tiny"]
    (schedule,) = board.schedules or []
    assert isinstance(schedule.schedule, CronSchedule)
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 6 1 * *", "Europe/Paris")
    import datetime as dt

    shown = describe(board, runs=2, now=dt.datetime(2026, 10, 23, 12, 0, tzinfo=dt.UTC))
    assert [run.isoformat() for run in shown.next_runs] == ["2026-11-01T06:00:00+01:00", "2026-12-01T06:00:00+01:00"]


def test_prefect_yaml_declares_the_monthly_board_deployment_as_govern_serve_does() -> None:
    import yaml

    from flows.monthly import MONTHLY_CRON

    declared = yaml.safe_load((Path(__file__).resolve().parents[1] / "prefect.yaml").read_text())["deployments"]
    (board,) = [d for d in declared if d["entrypoint"] == "flows/monthly.py:monthly"]
    assert board["schedules"] == [{"cron": MONTHLY_CRON, "timezone": "UTC", "slug": "monthly"}]
    assert board["parameters"] == {"fleet": "configs/fleet.yaml"} and board["tags"] == ["fleet:demo"]

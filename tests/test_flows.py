"""The flows' own logic that needs no server: the final state a night's flow run ends in."""

from __future__ import annotations

from govern.results import FleetLine, FleetSummary, RunInfo


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

"""The nightly governance flow: for every model of the fleet, load, validate, estimate, measure drift and
fairness, judge against its policies and record. One model's failure is that model's result, never the
fleet's.

    for each model:  load ── assess (validate, estimate, drift, fairness, judge, record)
    then:            fleet summary (+ Prefect table artifact)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger
from prefect.futures import PrefectFuture, wait
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from govern.config import Fleet, load_fleet
from govern.pipeline import ModelInputs, RunContext, StageFailure
from govern.results import FleetSummary, ModelNightResult
from tasks.record import record_fleet_summary
from tasks.stages import assess_model, load_inputs

DEFAULT_FLEET = Path("configs/fleet.yaml")
# Models at once; the CLI replaces it with the fleet's `concurrency`.
_THREADS: Any = ThreadPoolTaskRunner(max_workers=4)


def open_context(fleet: Fleet) -> RunContext:
    """The composition root: the real MLflow registry and the estimator cache under the state folder."""
    from govern.estimation import EstimatorCache, Fitter
    from govern.registry import MlflowRegistry
    from govern.validation import Validator

    registry = MlflowRegistry(fleet.tracking_uri, fleet.state_dir / "mlartifacts")
    return RunContext(
        fleet=fleet,
        registry=registry,
        estimator_cache=EstimatorCache(fleet.state_dir / "cache" / "estimators"),
        validator=Validator(),
        fitter=Fitter(),
    )


def _loaded(future: PrefectFuture[ModelInputs]) -> ModelInputs | StageFailure:
    """A finished load's inputs, or its failure kept as data so the model still gets a result."""
    state = future.state
    if state.is_completed():
        return future.result()
    error = state.result(raise_on_failure=False)
    if not isinstance(error, BaseException):
        error = RuntimeError(f"load did not complete: {state.name}: {state.message}")
    return StageFailure("load", error)


def _as_is(loaded: ModelInputs | StageFailure) -> ModelInputs | StageFailure:
    return cast(ModelInputs | StageFailure, quote(loaded))


def govern_night(ctx: RunContext, night: str, models: list[str] | None = None) -> FleetSummary:
    """One night: load every selected model's inputs, assess each (validate, estimate, drift, fairness,
    judge, record), then write the fleet summary."""
    selected = ctx.fleet.select(models)
    run: dict[str, Any] = {
        "flow_run_id": str(flow_run.get_id() or ""),
        "flow_run_name": flow_run.get_name(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    started = time.perf_counter()
    # quote(): Prefect walks a task's arguments looking for futures to resolve, into dataclasses and pydantic
    # models. The context is shared and its caches change while other models' tasks run ("dictionary changed
    # size during iteration"), and a walk that found something to replace would hand the task a copy of it;
    # the inputs are data frames with nothing to resolve. Both go to the task as they are.
    shared = cast(RunContext, quote(ctx))  # the task receives ctx itself
    loads = {model.name: load_inputs.submit(shared, model, night) for model in selected}
    assessed = []
    for model in selected:
        wait([loads[model.name]])
        assessed.append(assess_model.submit(shared, model, night, _as_is(_loaded(loads[model.name])), run))
    results: list[ModelNightResult] = [future.result() for future in assessed]
    run["seconds"] = round(time.perf_counter() - started, 3)
    return record_fleet_summary(shared, night, results, run)


def _log_summary(summary: FleetSummary) -> None:
    logger = get_run_logger()
    counts = summary.to_dict()["counts"]
    logger.info("night %s: %s", summary.night, counts)
    for line in summary.models:
        if line["status"] != "healthy":
            logger.info(
                "  %-28s %-8s %-8s %s",
                line["model"],
                line["status"],
                line["max_severity"] or "",
                ", ".join(line["checks"] or line["errors"]),
            )


@flow(name="nightly-governance", task_runner=_THREADS, log_prints=True)
def nightly(
    fleet_path: Path = DEFAULT_FLEET, night: dt.date | None = None, models: list[str] | None = None
) -> dict[str, Any]:
    """Govern every model of the fleet for one night (default: yesterday, UTC)."""
    night = night or (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1))
    fleet = load_fleet(fleet_path, strict=False)
    with contextlib.closing(open_context(fleet)) as ctx:
        summary = govern_night(ctx, night.isoformat(), models)
    _log_summary(summary)
    return summary.to_dict()


@flow(name="backfill-governance", task_runner=_THREADS, log_prints=True)
def backfill(
    fleet_path: Path = DEFAULT_FLEET,
    start: dt.date | None = None,
    end: dt.date | None = None,
    models: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Govern a range of nights in order, in one flow run (history for a new fleet, or a replay after a fix).
    Each night is recorded exactly as ``nightly`` would record it."""
    if start is None or end is None or end < start:
        raise ValueError(f"backfill needs start <= end; got start={start}, end={end} instead")
    fleet = load_fleet(fleet_path, strict=False)
    summaries = []
    with contextlib.closing(open_context(fleet)) as ctx:
        night = start
        while night <= end:
            summary = govern_night(ctx, night.isoformat(), models)
            _log_summary(summary)
            summaries.append(summary.to_dict())
            night += dt.timedelta(days=1)
    return summaries

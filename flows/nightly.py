"""The nightly governance flow: for every model of the fleet, load, validate, estimate, measure drift,
fairness and segments, judge against its policies and record. One model's failure is that model's result,
never the fleet's.

    for each model:  load ── assess (validate, estimate, drift, fairness, segments, judge, record)
    then:            fleet summary (written by the core) ── table artifact
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger
from prefect.futures import PrefectFuture, wait
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from govern.config import Fleet, ModelConfig, load_fleet
from govern.night import govern_night
from govern.pipeline import ModelInputs, RunContext, StageFailure, error_result, stage_error
from govern.results import FleetSummary, ModelNightResult, RunInfo
from tasks.record import publish_fleet_summary
from tasks.stages import assess_model, load_inputs

DEFAULT_FLEET = Path("configs/fleet.yaml")
# Models at once; the CLI replaces it with the fleet's `concurrency`.
_THREADS: Any = ThreadPoolTaskRunner(max_workers=4)


def open_context(fleet: Fleet) -> RunContext:
    """The composition root: the real MLflow registry, the results store of the fleet's output folder, the
    estimator cache under the state folder, and the worker pools for GE and NannyML."""
    from govern.estimation import EstimatorCache, Fitter
    from govern.registry import MlflowRegistry
    from govern.store import ResultsStore
    from govern.validation import Validator

    return RunContext(
        fleet=fleet,
        registry=MlflowRegistry(fleet.tracking_uri, fleet.state_dir / "mlartifacts"),
        estimator_cache=EstimatorCache(fleet.state_dir / "cache" / "estimators"),
        store=ResultsStore(fleet.output),
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


class PrefectExecutor:
    """Each model as two Prefect tasks, ``load`` then ``assess``, on the flow's task runner: every model's load
    starts at once, and each model is assessed as soon as its own load is done."""

    def govern_models(
        self, ctx: RunContext, models: Sequence[ModelConfig], night: str, run: RunInfo
    ) -> list[ModelNightResult]:
        # quote(): Prefect walks a task's arguments looking for futures to resolve, into dataclasses and
        # pydantic models. The context is shared and its caches change while other models' tasks run
        # ("dictionary changed size during iteration"), and a walk that found something to replace would hand
        # the task a copy of it; the inputs are data frames with nothing to resolve. Both go as they are.
        shared = cast(RunContext, quote(ctx))
        loads = {model.name: load_inputs.submit(shared, model, night) for model in models}
        assessed = []
        for model in models:
            wait([loads[model.name]])
            loaded = cast(ModelInputs | StageFailure, quote(_loaded(loads[model.name])))
            assessed.append(assess_model.submit(shared, model, night, loaded, run))
        wait(assessed)
        return [_assessed(future, model, night, run) for future, model in zip(assessed, models, strict=True)]


def _assessed(
    future: PrefectFuture[ModelNightResult], model: ModelConfig, night: str, run: RunInfo
) -> ModelNightResult:
    """The model's result; ``govern_model`` never raises, so a failed task is Prefect's own trouble (its API,
    a crashed thread): still only that model's error."""
    state = future.state
    if state.is_completed():
        return future.result()
    error = state.result(raise_on_failure=False)
    if not isinstance(error, BaseException):
        error = RuntimeError(f"assess did not complete: {state.name}: {state.message}")
    return error_result(model.name, night, stage_error("assess", error), run)


def _govern(ctx: RunContext, night: str, models: list[str] | None) -> FleetSummary:
    run = RunInfo(
        flow_run_id=str(flow_run.get_id() or ""),
        flow_run_name=flow_run.get_name(),
        started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    summary = govern_night(ctx, night, models, executor=PrefectExecutor(), run=run)
    publish_fleet_summary(summary, ctx.store.location(night))
    _log_summary(summary)
    return summary


def _log_summary(summary: FleetSummary) -> None:
    logger = get_run_logger()
    logger.info("night %s: %s", summary.night, summary.counts)
    for line in summary.models:
        if line.status != "healthy":
            logger.info(
                "  %-28s %-8s %-8s %s",
                line.model,
                line.status,
                line.max_severity or "",
                ", ".join(line.checks or line.errors),
            )


def _final_state(summaries: list[FleetSummary], data: Any) -> Any:
    """What the flow run ends in: its data as it is when every model was assessed; a Failed state carrying the
    same data, and saying which models are in error, when any is, so that the scheduler (and the Automations a
    platform team hangs on it) see the truth. Call the flow with ``return_state=True`` to get the data either
    way (``state.result(raise_on_failure=False)``)."""
    in_error = sorted({f"{line.model} ({s.night})" for s in summaries for line in s.models if line.status == "error"})
    if not in_error:
        return data
    shown = ", ".join(in_error[:10]) + (f" and {len(in_error) - 10} more" if len(in_error) > 10 else "")
    return Failed(message=f"{len(in_error)} model-night(s) in error: {shown}; the others were assessed", data=data)


@flow(name="nightly-governance", task_runner=_THREADS, log_prints=True)
def nightly(
    fleet_path: Path = DEFAULT_FLEET, night: dt.date | None = None, models: list[str] | None = None
) -> dict[str, Any]:
    """Govern every model of the fleet for one night (default: yesterday, UTC). Ends Failed, with the summary
    as its data, when any model is in error."""
    night = night or (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1))
    fleet = load_fleet(fleet_path, strict=False)
    with contextlib.closing(open_context(fleet)) as ctx:
        summary = _govern(ctx, night.isoformat(), models)
    return cast(dict[str, Any], _final_state([summary], summary.to_dict()))


@flow(name="backfill-governance", task_runner=_THREADS, log_prints=True)
def backfill(
    fleet_path: Path = DEFAULT_FLEET,
    start: dt.date | None = None,
    end: dt.date | None = None,
    models: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Govern a range of nights in order, in one flow run (history for a new fleet, or a replay after a fix).
    Each night is recorded exactly as ``nightly`` would record it; ends Failed (with the summaries as its data)
    when any model was in error on any night."""
    if start is None or end is None or end < start:
        raise ValueError(f"backfill needs start <= end; got start={start}, end={end} instead")
    fleet = load_fleet(fleet_path, strict=False)
    summaries = []
    with contextlib.closing(open_context(fleet)) as ctx:
        night = start
        while night <= end:
            summaries.append(_govern(ctx, night.isoformat(), models))
            night += dt.timedelta(days=1)
    return cast(list[dict[str, Any]], _final_state(summaries, [s.to_dict() for s in summaries]))

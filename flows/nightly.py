"""The nightly governance flow: for every model of the fleet, load, validate, estimate, measure drift,
fairness and segments, judge against its policies and record. One model's failure is that model's result,
never the fleet's.

    for each model:  load ── assess (validate, estimate, drift, fairness, segments, judge, record)
                     as each finishes: one log line, and a markdown artifact of its findings
    then:            fleet summary (written by the core) ── table artifact

The parameters are plain (the fleet file as a string, nights as ISO date strings, model names) because a
scheduled run rebuilds them from JSON in another process; Prefect validates them there against this signature,
so every name in it must resolve at run time (hence no ``from __future__ import annotations`` here). The
deployments (``flows.deployments``) schedule ``nightly`` in the fleet's time zone.
"""

import contextlib
import datetime as dt
import re
import uuid
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_client, get_run_logger
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture, as_completed, wait
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from govern import progress
from govern.config import Fleet, FleetConfig, ModelConfig, load_fleet, parse
from govern.errors import ConfigError, GovernanceError
from govern.night import govern_night
from govern.pipeline import ModelInputs, RunContext, StageFailure, error_result, stage_error
from govern.respond.respond import Responder
from govern.results import FleetSummary, ModelNightResult, RunInfo
from tasks.pages import publish_pages
from tasks.record import publish_fleet_summary, publish_model_findings
from tasks.respond import respond_night
from tasks.stages import assess_model, load_inputs

DEFAULT_FLEET = "configs/fleet.yaml"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
    starts at once, and each model is assessed as soon as its own load is done. ``on_result`` is called, in the
    flow's thread, with each model's result as soon as it is assessed."""

    def __init__(self, on_result: Callable[[ModelNightResult], None] | None = None) -> None:
        self.on_result = on_result

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
        of_run = {future.task_run_id: model for future, model in zip(assessed, models, strict=True)}
        for future in as_completed(assessed):
            future.wait()  # keeps its final state: `state` would otherwise ask the API, which may lag behind
            if self.on_result is not None:
                self.on_result(_assessed(future, of_run[future.task_run_id], night, run))
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


def open_response(fleet: Fleet, ctx: RunContext) -> Responder | None:
    """The fleet's responder on the run's registry, channels' secrets from the environment or Prefect Secret
    blocks; None (logged) when the incident database cannot be opened: the night is still governed and
    recorded, and its results are taken in by the next run that can open it."""
    from govern.respond.respond import open_responder
    from tasks.respond import read_secret

    try:
        return open_responder(fleet, registry=ctx.registry, secret=read_secret)
    except GovernanceError as exc:
        get_run_logger().error("the response cannot run this time (results are still recorded): %s", exc)
        return None


def _request_approvals(fleet: Fleet, response: dict[str, Any]) -> None:
    """For each action that started waiting for a person tonight, a run of the approval deployment (when the
    fleet's deployments are served): its form in the Prefect UI approves or rejects. Never waits for it."""
    from flows.approval import request_approval

    for change in response.get("changes", []):
        if change["event"] == "approval_requested":
            run = request_approval(fleet.config.name, str(fleet.path), change["incident"],
                                   action_id=change["detail"].get("action"))  # fmt: skip
            if run is not None:
                get_run_logger().info(
                    "incident %s: approval asked in the Prefect UI (flow run %s)", change["incident"], run
                )


def _govern(ctx: RunContext, night: str, models: list[str] | None, responder: Responder | None = None) -> FleetSummary:
    from govern.respond.containment import read_disabled_feeds

    try:
        if responder is None:
            raise GovernanceError("the incident database could not be opened")
        ctx.disabled_feeds = responder.disabled_feeds()
    except (GovernanceError, OSError, ValueError) as exc:  # fail closed: the feeds as last exported stay refused
        try:
            ctx.disabled_feeds = {**read_disabled_feeds(ctx.fleet.state_dir), **ctx.disabled_feeds}
        except GovernanceError as unreadable:  # not even the export: every feed is refused, saying why
            why = f"the feeds' state cannot be read (database: {exc}; export: {unreadable})"
            feeds = {m.feed for m in ctx.fleet.models.values() if m.feed}
            ctx.disabled_feeds = {feed: (why, "0000-00-00") for feed in feeds}
        get_run_logger().error("the feeds' state is read from their last export (%s): %s", len(ctx.disabled_feeds), exc)
    run = RunInfo(
        flow_run_id=str(flow_run.get_id() or ""),
        flow_run_name=flow_run.get_name(),
        started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    executor = PrefectExecutor(on_result=lambda result: _report_model(ctx, result))
    summary = govern_night(ctx, night, models, executor=executor, run=run)
    publish_fleet_summary(summary, ctx.store.location(night))
    get_run_logger().info("night %s: %s (%s)", summary.night, summary.counts, ctx.store.location(night))
    if responder is not None:
        state = respond_night(cast(Responder, quote(responder)), night, return_state=True)
        if not state.is_completed():
            get_run_logger().error("the response to %s failed (retried on the next run): %s", night, state.message)
        else:
            _request_approvals(ctx.fleet, state.result())
    pages = publish_pages(cast(RunContext, quote(ctx)), cast(Responder, quote(responder)) if responder else None,
                          night, models, return_state=True)  # fmt: skip
    if not pages.is_completed():
        get_run_logger().error("the pages of %s were not written (the results are): %s", night, pages.message)
    return summary


def model_line(result: ModelNightResult) -> str:
    """What the flow run's log says of a model as it finishes:
    ``loan_approval_us: findings, 3 findings (worst high), 4.2 s``, and the failed stages when there are any."""
    worst = f" (worst {result.max_severity})" if result.max_severity else ""
    seconds = sum(result.timings.values())
    failed = f"; failed: {', '.join(sorted({e.stage for e in result.errors}))}" if result.errors else ""
    count = f"{len(result.findings)} finding{'' if len(result.findings) == 1 else 's'}"
    return f"{result.model}: {result.status}, {count}{worst}, {seconds:.1f} s{failed}"


def _report_model(ctx: RunContext, result: ModelNightResult) -> None:
    """One model is done: its log line, and the markdown artifact of its findings (when it has any). An
    artifact that cannot be published is a warning: the model's result is recorded, and the night goes on."""
    logger = get_run_logger()
    logger.info("%s", model_line(result))
    progress.model_done(result)
    if result.findings:
        state = publish_model_findings(result, ctx.store.location(result.night, result.model), return_state=True)
        if not state.is_completed():
            logger.warning("%s: its findings artifact was not published: %s", result.model, state.message)


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


# ---------------------------------------------------------------------------------------------- parameters


def iso_night(value: str, name: str) -> str:
    """``value`` when it is an ISO date (YYYY-MM-DD) of the calendar; a ValueError naming ``name`` otherwise."""
    try:
        if _ISO_DATE.fullmatch(value):
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{name} must be an ISO date (YYYY-MM-DD) such as 2026-10-18; got {value!r} instead")


def default_night(timezone: str, scheduled: dt.datetime) -> str:
    """The night a run scheduled at ``scheduled`` governs when not told: the day before, in the fleet's time
    zone. From the scheduled time, not the clock: a run that waited for hours still governs its own night."""
    return (scheduled.astimezone(zoneinfo.ZoneInfo(timezone)).date() - dt.timedelta(days=1)).isoformat()


def run_timezone(parameters: dict[str, Any]) -> str:
    """The time zone of the fleet a flow run was given (its ``fleet`` parameter), for the run's name; UTC when
    the file cannot be read (the flow itself then fails on the same file, saying why)."""
    try:
        return parse(FleetConfig, Path(parameters.get("fleet", DEFAULT_FLEET)).resolve()).timezone
    except ConfigError:
        return "UTC"


def _nightly_run_name() -> str:
    """``nightly-<night>``: the flow run named after the night it governs, also when the night is the default."""
    parameters = flow_run.get_parameters()
    night = parameters.get("night") or default_night(run_timezone(parameters), flow_run.get_scheduled_start_time())
    return f"nightly-{night}"


@contextlib.contextmanager
def _models_at_once(concurrency: int) -> Iterator[None]:
    """The per-model tasks of this flow run on ``concurrency`` threads: the fleet's ``concurrency``, however the
    run was started (the CLI, a served deployment, a work pool's worker, a test).

    A flow's task runner is fixed before its body runs, and a worker builds the flow from its entrypoint, so
    only the body, which has read the fleet, can size it. Tasks are submitted to the runner of the current flow
    run context; this enters a copy of that context with a runner of the fleet's size, and leaves it (waiting
    for the runner's threads) before the flow returns."""
    context = FlowRunContext.get()
    if context is None:
        raise RuntimeError("_models_at_once must be used inside a flow run")
    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=concurrency)
    with runner, context.model_copy(update={"task_runner": runner}):
        yield


def _tag_with_fleet(fleet: Fleet) -> None:
    """Tag the flow run ``fleet:<name>``, so the UI filters a fleet's runs: a deployment's runs carry the tag
    already; a run started otherwise (the CLI) gets it here. A failure to tag is logged, never the night's."""
    import httpx

    tag = f"fleet:{fleet.config.name}"
    tags = list(flow_run.get_tags())
    run_id = flow_run.get_id()
    if tag in tags or run_id is None:
        return
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(uuid.UUID(run_id), tags=[*tags, tag])
    except httpx.HTTPError as exc:
        get_run_logger().warning("could not tag the flow run %s: %s: %s", tag, type(exc).__name__, exc)


# ---------------------------------------------------------------------------------------------- flows


@flow(name="nightly-governance", flow_run_name=_nightly_run_name, log_prints=True)
def nightly(fleet: str = DEFAULT_FLEET, night: str | None = None, models: list[str] | None = None) -> dict[str, Any]:
    """Govern every model of the fleet (or only ``models``) for one night, an ISO date (default: yesterday in
    the fleet's time zone, from the run's scheduled start). Ends Failed, with the summary as its data, when any
    model is in error."""
    if night is not None:
        night = iso_night(night, "night")  # a bad date fails before anything is loaded
    loaded = load_fleet(Path(fleet), strict=False)
    night = night or default_night(loaded.config.timezone, flow_run.get_scheduled_start_time())
    _tag_with_fleet(loaded)
    with _models_at_once(loaded.config.concurrency), contextlib.closing(open_context(loaded)) as ctx:
        responder = open_response(loaded, ctx)
        with contextlib.closing(responder) if responder is not None else contextlib.nullcontext():
            summary = _govern(ctx, night, models, responder)
    return cast(dict[str, Any], _final_state([summary], summary.to_dict()))


@flow(name="backfill-governance", flow_run_name="backfill-{start}-to-{end}", log_prints=True)
def backfill(
    fleet: str = DEFAULT_FLEET,
    start: str | None = None,
    end: str | None = None,
    models: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Govern a range of nights (ISO dates, ``end`` included) in order, in one flow run (history for a new
    fleet, or a replay after a fix). Each night is recorded exactly as ``nightly`` would record it; ends Failed
    (with the summaries as its data) when any model was in error on any night."""
    if start is None or end is None:
        raise ValueError(f"backfill needs both start and end (ISO dates); got start={start}, end={end} instead")
    first, last = dt.date.fromisoformat(iso_night(start, "start")), dt.date.fromisoformat(iso_night(end, "end"))
    if last < first:
        raise ValueError(f"backfill needs start <= end; got start={start}, end={end} instead")
    loaded = load_fleet(Path(fleet), strict=False)
    _tag_with_fleet(loaded)
    summaries = []
    with _models_at_once(loaded.config.concurrency), contextlib.closing(open_context(loaded)) as ctx:
        responder = open_response(loaded, ctx)
        with contextlib.closing(responder) if responder is not None else contextlib.nullcontext():
            night = first
            while night <= last:
                summaries.append(_govern(ctx, night.isoformat(), models, responder))
                night += dt.timedelta(days=1)
    return cast(list[dict[str, Any]], _final_state(summaries, [s.to_dict() for s in summaries]))

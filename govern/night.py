"""One night of the fleet: every selected model governed (load, assess, judge, record), the models whose
configuration is broken recorded as errors, and the fleet summary written. The orchestration lives here, in
the core; *how* the per-model work runs (threads in this process, or Prefect tasks) is the executor's, passed
in: ``InlineExecutor`` here, ``flows.nightly.PrefectExecutor`` for the flows.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from govern.config import ModelConfig
from govern.errors import ResultError
from govern.pipeline import RunContext, error_result, record_result, run_model_night
from govern.results import FleetSummary, ModelNightResult, RunInfo, StageError

log = logging.getLogger(__name__)


class Executor(Protocol):
    """Runs each model's night (``pipeline.load_stage`` then ``pipeline.govern_model``, which never raises)
    and returns the results in the order of ``models``."""

    def govern_models(
        self, ctx: RunContext, models: Sequence[ModelConfig], night: str, run: RunInfo
    ) -> list[ModelNightResult]: ...


@dataclass(frozen=True)
class InlineExecutor:
    """Models on a pool of threads in this process, no orchestrator (tests, notebooks, ad-hoc runs)."""

    workers: int = 1

    def govern_models(
        self, ctx: RunContext, models: Sequence[ModelConfig], night: str, run: RunInfo
    ) -> list[ModelNightResult]:
        if self.workers <= 1:
            return [run_model_night(ctx, model, night, run) for model in models]
        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(lambda model: run_model_night(ctx, model, night, run), models))


def govern_night(
    ctx: RunContext,
    night: str,
    models: list[str] | None = None,
    *,
    executor: Executor | None = None,
    run: RunInfo | None = None,
) -> FleetSummary:
    """Govern the selected models (default: the whole fleet) for one night and write the fleet summary.

    The summary is built from tonight's results in memory; with ``models``, the night's other models keep the
    result they have in the store (a partial rerun updates its models and keeps the others).
    """
    selected = ctx.fleet.select(models)
    run = run or RunInfo(started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    started = time.perf_counter()
    results = (executor or InlineExecutor()).govern_models(ctx, selected, night, run)
    broken = [
        record_result(
            ctx, error_result(name, night, StageError(stage="config", error="ConfigError", message=message), run)
        )
        for name, message in sorted(ctx.fleet.broken.items())
    ]
    tonight = {r.model: r for r in [*results, *broken]}
    for name in [*ctx.fleet.models, *ctx.fleet.broken]:
        if name not in tonight and ctx.store.has_result(night, name):
            try:
                tonight[name] = ctx.store.read_result(night, name)
            except ResultError as exc:  # an unreadable old result is reported, not silently dropped
                log.warning("%s", exc)
                tonight[name] = error_result(
                    name, night, StageError(stage="record", error="ResultError", message=str(exc))
                )
    summary = FleetSummary.of(
        night, list(tonight.values()), run.model_copy(update={"seconds": round(time.perf_counter() - started, 3)})
    )
    try:
        ctx.store.write_fleet(summary)
    except OSError as exc:  # the models' results are written; without its summary the night must fail, clearly
        raise ResultError(
            f"the fleet summary of {night} must be written to {ctx.store.location(night)}; "
            f"got {type(exc).__name__}: {exc} instead"
        ) from exc
    return summary

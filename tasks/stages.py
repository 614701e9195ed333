"""The per-model work as Prefect tasks: ``load`` (I/O, retried on transient errors) and ``assess`` (validate,
estimate, drift, fairness, segments, judge and record: ``govern.pipeline.govern_model``, which never raises).

Why two tasks per model and not one per stage: on 2 cores the embedded Prefect server is the bottleneck; with
six tasks per model it took a full core recording ~160 task runs a night and a night of the 26-model demo took
13-18 s. The analysis stages stay isolated inside ``assess`` (each failure is recorded in the model's result,
with the others still run), and their timings are in the result.
"""

from __future__ import annotations

import errno
from typing import Any

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from govern import pipeline
from govern.config import ModelConfig
from govern.pipeline import ModelInputs, RunContext, StageFailure
from govern.results import ModelNightResult, RunInfo

#: errno values of I/O that may succeed on a second try: a busy or briefly unreachable file system or store.
_TRANSIENT_ERRNO = frozenset(
    {errno.EAGAIN, errno.EBUSY, errno.EINTR, errno.EIO, errno.ETIMEDOUT, errno.ECONNRESET, errno.ECONNABORTED,
     errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EPIPE, errno.ESTALE}
)  # fmt: skip


def is_transient(error: BaseException) -> bool:
    """An I/O error that may succeed next time (a network file system or an object store timing out, a
    database briefly locked), found as the error itself or as the cause our boundary wrapped it in; never a
    missing or corrupt file, a full disk, a bad template or a bug (KeyError, IndexError, ValueError, ...),
    which would fail the same way again. An OSError without an errno (pyarrow's "corrupt file") is not one."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (TimeoutError, ConnectionError)):
            return True
        if isinstance(seen, OSError) and seen.errno in _TRANSIENT_ERRNO:
            return True
        if "database is locked" in str(seen):  # SQLite (the registry) under another writer
            return True
        seen = seen.__cause__
    return False


def _transient(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    try:
        state.result()
    except Exception as exc:
        return is_transient(exc)
    return False


@task(
    name="load",
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=_transient,
    task_run_name="load-{model.name}-{night}",
    cache_policy=NO_CACHE,
    persist_result=False,
)
def load_inputs(ctx: RunContext, model: ModelConfig, night: str) -> ModelInputs:
    """Read tonight's batch, the reference (scored by the serving version) and late labels."""
    return pipeline.load_stage(ctx, model, night)


@task(name="assess", task_run_name="assess-{model.name}-{night}", cache_policy=NO_CACHE, persist_result=False)
def assess_model(
    ctx: RunContext, model: ModelConfig, night: str, loaded: ModelInputs | StageFailure, run: RunInfo
) -> ModelNightResult:
    """Validate, estimate, measure drift, fairness and segments, judge against the policies, record."""
    result = pipeline.govern_model(ctx, model, night, loaded, run)
    if result.errors:
        logger = get_run_logger()
        for error in result.errors:
            logger.warning("%s: %s failed: %s", model.name, error.stage, error.message)
    return result

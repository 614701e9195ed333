"""Data validation with Great Expectations 1.x: a model's suite (``expectations/<suite>.json``) run on a batch.

An expectation whose ``meta`` says ``"critical": true`` marks the batch as bad data when it fails: the later
stages still run where they can, and the findings blame the data, not the model.
"""

from __future__ import annotations

import math
import statistics
import threading
from typing import Any

import pandas as pd

from govern.errors import ValidationSuiteError
from govern.results import ExpectationOutcome, ValidationResult

_lock = threading.Lock()
_batch_definition: Any = None


def _get_batch_definition() -> Any:
    """One ephemeral GE context per process (creating one costs ~20 ms, importing GE 4-8 s)."""
    global _batch_definition
    if _batch_definition is None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("governance").add_dataframe_asset("batch")
        _batch_definition = asset.add_batch_definition_whole_dataframe("whole")
    return _batch_definition


def _observed(result: dict[str, Any]) -> Any:
    value = result.get("observed_value")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)[:200]


def _unexpected_example(result: dict[str, Any]) -> float | None:
    """The median of the unexpected values GE lists, to 3 significant figures (see ``ExpectationOutcome``)."""
    values = [
        float(v)
        for v in result.get("partial_unexpected_list") or ()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    ]
    if len(values) < ExpectationOutcome.MIN_EXAMPLE_VALUES:
        return None
    return float(f"{statistics.median(values):.3g}")


def _bound(kwargs: dict[str, Any], name: str) -> float | None:
    value = kwargs.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def validate_batch(frame: pd.DataFrame, suite: dict[str, Any], *, source: str = "suite") -> ValidationResult:
    """Run ``suite`` (GE 1.x JSON form) on ``frame``; return every failed expectation with its criticality.

    ``source`` (the suite file) is named in errors. An expectation on a missing column fails (GE reports it as
    an exception inside the result); it is returned as a failed outcome with GE's message in ``detail``.
    """
    import great_expectations as gx

    try:
        expectation_suite = gx.ExpectationSuite(**suite)
    except Exception as exc:  # GE raises pydantic and its own errors for an unknown type or bad kwargs
        raise ValidationSuiteError(f"{source}: suite must hold valid GE 1.x expectations; got {exc}") from exc
    if len(expectation_suite.expectations) != len(suite["expectations"]):
        # GE logs an invalid expectation and drops it; a silently smaller suite would pass bad data.
        kept = {e.configuration.type for e in expectation_suite.expectations}
        dropped = [
            f"expectations[{i}] ({e.get('type')!r})"
            for i, e in enumerate(suite["expectations"])
            if e.get("type") not in kept
        ]
        raise ValidationSuiteError(
            f"{source}: suite must hold valid GE 1.x expectations; got invalid "
            f"{', '.join(dropped) or 'expectations'} (unknown type or bad kwargs)"
        )
    with _lock:  # one GE context, used by one thread at a time (GE is not documented as thread-safe)
        batch = _get_batch_definition().get_batch(batch_parameters={"dataframe": frame})
        outcome = batch.validate(expectation_suite, result_format="BASIC")  # SUMMARY costs twice as much
    failed = []
    for result in outcome.results:
        if result.success:
            continue
        config = result.expectation_config
        meta = config.meta or {}
        details = result.result or {}
        exception = next(iter((result.exception_info or {}).values()), None) if result.exception_info else None
        message = ""
        if isinstance(exception, dict) and exception.get("raised_exception"):
            message = str(exception.get("exception_message", ""))[:300]
        elif isinstance(result.exception_info, dict) and result.exception_info.get("raised_exception"):
            message = str(result.exception_info.get("exception_message", ""))[:300]
        percent = details.get("unexpected_percent")
        failed.append(
            ExpectationOutcome(
                expectation=config.type,
                column=config.kwargs.get("column"),
                success=False,
                critical=bool(meta.get("critical", False)),
                unexpected_fraction=None if percent is None else float(percent) / 100.0,
                observed=_observed(details),
                detail=message or str(meta.get("notes", "")),
                unexpected_example=_unexpected_example(details),
                expected_min=_bound(config.kwargs, "min_value"),
                expected_max=_bound(config.kwargs, "max_value"),
            )
        )
    failed.sort(key=lambda o: (not o.critical, o.column or "", o.expectation))
    return ValidationResult(
        suite=str(suite.get("name", source)),
        success=bool(outcome.success),
        evaluated=len(outcome.results),
        failed=tuple(failed),
    )


class Validator:
    """Runs validations in a worker process of its own.

    GE spends its time in pure Python (about 6 ms per expectation per batch, whatever the row count), so in
    threads it holds the GIL against NannyML and the drift statistics; in its own process it runs beside them on
    the second core. Measured on the demo fleet (26 models, 2 cores), together with fewer Prefect tasks per
    model: a night's wall time fell from about 18 s to about 7 s. The worker imports GE once and keeps its
    context for the life of the pool.
    """

    def __init__(self, workers: int = 1) -> None:
        from govern.workers import WorkerPool

        self._pool = WorkerPool(workers, initializer=_get_batch_definition)
        self._pool.start(warm=True)  # the worker's GE import (4-8 s) overlaps the first loads

    def validate(self, frame: pd.DataFrame, suite: dict[str, Any], *, source: str = "suite") -> ValidationResult:
        result: ValidationResult = self._pool.run(f"{source}: validation", validate_batch, frame, suite, source=source)
        return result

    def close(self) -> None:
        self._pool.close()

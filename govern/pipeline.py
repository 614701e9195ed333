"""The stages of one model's night, as plain functions: load, validate, estimate, drift, fairness, judge.

Prefect tasks in ``tasks/`` wrap each stage; ``run_model_night`` runs them in order without Prefect (for tests
and ad-hoc use). Both end in ``assemble``, which turns whatever the stages produced, values or errors, into
one ``ModelNightResult``: a stage that failed is recorded with its error and the others still count.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from govern.config import EffectiveRules, Fleet, ModelConfig
from govern.data import exists, read_table, require_columns, require_numeric
from govern.errors import DataError, GovernanceError
from govern.results import (
    DriftReport,
    DriftThresholds,
    FairnessReport,
    FleetSummary,
    ModelNightResult,
    PerformanceResult,
    SegmentStats,
    StageError,
    Status,
    ValidationResult,
    VersionComparison,
)

log = logging.getLogger(__name__)

STAGES = ("load", "validate", "estimate", "drift", "fairness")
DEFAULT_MIN_GROUP_SIZE = 30


@dataclass(frozen=True)
class ModelInputs:
    """Everything one model's night reads: tonight's batch, the scored reference, late labels if any."""

    model: ModelConfig
    night: str
    batch: pd.DataFrame
    reference: pd.DataFrame
    model_version: str | None
    labelled: pd.DataFrame | None = None
    labelled_night: str | None = None
    notes: tuple[str, ...] = ()
    load_seconds: float = 0.0


@dataclass
class RunContext:
    """What the stages share across models and nights in one process: the fleet, registry and caches."""

    fleet: Fleet
    registry: Any  # govern.registry.ModelRegistry
    estimator_cache: Any  # govern.estimation.EstimatorCache
    validator: Any = None  # govern.validation.Validator; default: validate in this process
    fitter: Any = None  # govern.estimation.Fitter; default: fit in this process
    _references: dict[tuple[str, str | None], pd.DataFrame] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rules(self, model: ModelConfig) -> EffectiveRules:
        return self.fleet.rules(model.name)

    def close(self) -> None:
        """Stop the worker processes, if any."""
        for pool in (self.validator, self.fitter):
            if pool is not None:
                pool.close()


# ---------------------------------------------------------------------------------------------- load


def _batch_columns(model: ModelConfig) -> list[str]:
    c = model.columns
    optional = [c.score, c.api_client, c.model_version]
    return [c.id, c.timestamp, *c.features, c.prediction, *[x for x in optional if x], *c.protected]


def _reference_columns(model: ModelConfig) -> list[str]:
    c = model.columns
    return [c.id, c.timestamp, *c.features, c.target, *c.protected, *([c.api_client] if c.api_client else [])]


def _check_frame(frame: pd.DataFrame, model: ModelConfig, columns: list[str], what: str) -> None:
    require_columns(frame, columns, what=what)
    if frame.empty:
        raise DataError(f"{what}: must have at least one row; got 0 rows instead")
    require_numeric(frame, model.columns.numeric_features, what=what)


def serving_version(batch: pd.DataFrame, model: ModelConfig, registry: Any) -> tuple[str, tuple[str, ...]]:
    """The registry version that made tonight's predictions: the inference log's model_version column when
    configured (the right answer for backfills), else the version under the serving alias now."""
    column = model.columns.model_version
    if column is None:
        info = registry.version_by_alias(model.registry.name, model.registry.serving_alias)
        return str(info.version), ()
    counts = batch[column].dropna().astype("string").value_counts()
    if counts.empty:
        raise DataError(
            f"model {model.name!r}: batch column {column!r} must name the serving version; got only nulls instead"
        )
    notes: tuple[str, ...] = ()
    if len(counts) > 1:
        notes = (f"batch mixes model versions {dict(counts)}; judged against the majority {counts.index[0]}",)
    return str(counts.index[0]), notes


def load_reference(ctx: RunContext, model: ModelConfig, version: str | None) -> pd.DataFrame:
    """The reference set scored by ``version`` (read and scored once per process and version)."""
    from govern.estimation import score_reference

    key = (model.name, version)
    with ctx._lock:
        cached = ctx._references.get(key)
    if cached is not None:
        return cached
    path = ctx.fleet.data_path(model.data.reference)
    what = f"model {model.name!r}: reference data"
    reference = read_table(path, what=what)
    _check_frame(reference, model, _reference_columns(model), f"{what} ({path})")
    estimator = ctx.registry.load_model(model.registry.name, version)
    scored = score_reference(reference, model, estimator)
    with ctx._lock:
        ctx._references[key] = scored
    return scored


def load_inputs(ctx: RunContext, model: ModelConfig, night: str) -> ModelInputs:
    """Read tonight's batch, resolve the serving version, score the reference, join late labels."""
    path = ctx.fleet.data_path(model.data.batches, night)
    what = f"model {model.name!r}: batch of {night} ({path})"
    batch = read_table(path, what=f"model {model.name!r}: batch of {night}")
    _check_frame(batch, model, _batch_columns(model), what)
    version, notes = serving_version(batch, model, ctx.registry)
    reference = load_reference(ctx, model, version)

    labelled = labelled_night = None
    if model.data.labels is not None:
        labelled_night = (dt.date.fromisoformat(night) - dt.timedelta(days=model.data.label_delay_days)).isoformat()
        labels_path = ctx.fleet.data_path(model.data.labels, labelled_night)
        old_batch_path = ctx.fleet.data_path(model.data.batches, labelled_night)
        if exists(labels_path) and exists(old_batch_path):
            labelled = join_labels(ctx, model, labelled_night, old_batch_path, labels_path)
        else:
            labelled_night = None
    return ModelInputs(model, night, batch, reference, version, labelled, labelled_night, notes)


def join_labels(ctx: RunContext, model: ModelConfig, night: str, batch_path: str, labels_path: str) -> pd.DataFrame:
    """The batch of ``night`` with the labels that arrived for it (inner join on the id)."""
    c = model.columns
    labels = read_table(labels_path, columns=[c.id, c.target], what=f"model {model.name!r}: labels of {night}")
    if labels[c.id].duplicated().any():
        raise DataError(
            f"model {model.name!r}: labels of {night} ({labels_path}): column {c.id!r} must be unique; "
            f"got {int(labels[c.id].duplicated().sum())} duplicated ids instead"
        )
    old = read_table(batch_path, what=f"model {model.name!r}: batch of {night}")
    _check_frame(old, model, _batch_columns(model), f"model {model.name!r}: batch of {night} ({batch_path})")
    joined = old.drop(columns=[c.target], errors="ignore").merge(labels, on=c.id, how="inner", validate="1:1")
    return joined[joined[c.target].notna()]


# ---------------------------------------------------------------------------------------------- stages


def validate_stage(ctx: RunContext, inputs: ModelInputs) -> ValidationResult:
    from govern.suites import load_suite
    from govern.validation import validate_batch

    path = ctx.fleet.expectations_dir / f"{inputs.model.suite_name}.json"
    suite = load_suite(path)
    if ctx.validator is not None:
        return ctx.validator.validate(inputs.batch, suite, source=str(path))
    return validate_batch(inputs.batch, suite, source=str(path))


def estimate_stage(ctx: RunContext, inputs: ModelInputs) -> PerformanceResult:
    from govern.estimation import (
        EstimatorCache,
        ReconstructionFailed,
        estimate_performance,
        fit_estimators,
        metrics_for,
        realized_performance,
        reconstruction_drift,
    )

    model = inputs.model
    metrics = metrics_for(model, ctx.rules(model).value("performance", "metric"))
    fingerprint = _fingerprint(ctx.fleet.data_path(model.data.reference))
    key = EstimatorCache.key(model, inputs.model_version, fingerprint, metrics)
    fitted = ctx.estimator_cache.get(key, model.name)
    if fitted is None:
        fit = fit_estimators if ctx.fitter is None else ctx.fitter.fit
        fitted = fit(inputs.reference, model, version=inputs.model_version, metrics=metrics)
        ctx.estimator_cache.put(key, fitted)
    estimated = estimate_performance(fitted, inputs.batch, model, night=inputs.night)
    notes: tuple[str, ...] = ()
    try:
        reconstruction = reconstruction_drift(fitted, inputs.batch, model, night=inputs.night)
    except ReconstructionFailed as exc:
        reconstruction, notes = None, (str(exc),)
    realized: tuple[Any, ...] = ()
    if inputs.labelled is not None and inputs.labelled_night is not None and len(inputs.labelled):
        realized = realized_performance(fitted, inputs.labelled, model, batch_night=inputs.labelled_night)
    # Threshold-free for classifiers: a precision or recall comparison would reward a version that flags less.
    comparison_metric = (
        "roc_auc" if model.problem_type.is_classification else ctx.rules(model).value("performance", "metric")
    )
    comparison = compare_with_previous_version(ctx, inputs, comparison_metric)
    return PerformanceResult(
        metrics=estimated + realized, reconstruction=reconstruction, notes=notes, version_comparison=comparison
    )


def compare_with_previous_version(ctx: RunContext, inputs: ModelInputs, metric: str | None) -> VersionComparison | None:
    """The serving version and the registry version before it, scored on the same reference set."""
    from govern.estimation import metric_on_labelled

    version = inputs.model_version
    if metric is None or version is None or not version.isdigit():
        return None
    model = inputs.model
    earlier = [v.version for v in ctx.registry.versions(model.registry.name) if v.version.isdigit()]
    earlier = [v for v in earlier if int(v) < int(version)]
    if not earlier:
        return None
    previous = max(earlier, key=int)
    previous_reference = load_reference(ctx, model, previous)
    return VersionComparison(
        metric=metric,
        version=version,
        value=metric_on_labelled(inputs.reference, model, metric),
        previous_version=previous,
        previous_value=metric_on_labelled(previous_reference, model, metric),
        n=len(inputs.reference),
    )


def _fingerprint(path: str) -> str:
    if "://" in path:
        return path
    stat = Path(path).stat()
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def drift_stage(ctx: RunContext, inputs: ModelInputs) -> tuple[DriftReport, DriftReport | None]:
    """Feature drift (effect sizes per feature) and prediction/score drift, against the scored reference."""
    from govern.drift import drift_report

    rules = ctx.rules(inputs.model)
    c = inputs.model.columns
    empty = [col for col in c.features if inputs.batch[col].isna().all()]
    measured = [col for col in c.features if col not in empty]
    features = drift_report(
        inputs.reference,
        inputs.batch,
        columns=measured,
        categorical=[col for col in c.categorical if col in measured],
        thresholds=DriftThresholds(
            jensen_shannon=rules.value("drift", "max_jensen_shannon"),
            psi=rules.value("drift", "max_psi"),
            wasserstein=rules.value("drift", "max_wasserstein"),
        ),
    )
    outputs = [c.prediction, *([c.score] if c.score else [])]
    categorical = [c.prediction] if inputs.model.problem_type.is_classification else []
    prediction = drift_report(
        inputs.reference,
        inputs.batch,
        columns=outputs,
        categorical=categorical,
        thresholds=DriftThresholds(
            jensen_shannon=rules.value("drift", "max_prediction_jensen_shannon"), psi=None, wasserstein=None
        ),
    )
    unmeasured = tuple((col, "entirely null in tonight's batch") for col in empty)
    return dataclasses.replace(features, unmeasured=unmeasured), prediction


def fairness_stage(
    ctx: RunContext, inputs: ModelInputs
) -> tuple[FairnessReport | None, FairnessReport | None, tuple[SegmentStats, ...]]:
    """Fairness of tonight's decisions, label-based fairness of the labelled batch, traffic by API client."""
    from govern.fairness import fairness_report
    from govern.segments import segment_stats

    model, c = inputs.model, inputs.model.columns
    rules = ctx.rules(model)
    tonight = labelled = None
    if c.protected and model.problem_type.is_classification:
        common: dict[str, Any] = {
            "prediction": c.prediction,
            "attributes": c.protected,
            "favourable": c.favorable,
            "positive_label": c.positive_label,
            "score": c.score,
            "min_group_size": int(rules.value("fairness", "min_group_size", DEFAULT_MIN_GROUP_SIZE)),
            "intersectional": bool(rules.value("fairness", "intersectional", True)),
        }
        tonight = fairness_report(inputs.batch, **common)
        if inputs.labelled is not None and len(inputs.labelled):
            labelled = fairness_report(inputs.labelled, label=c.target, **common)
    segments: tuple[SegmentStats, ...] = ()
    if c.api_client and model.problem_type.is_classification:
        segments = segment_stats(
            inputs.batch,
            inputs.reference,
            segment=c.api_client,
            prediction=c.prediction,
            positive_label=c.positive_label,
            score=c.score,
        )
    return tonight, labelled, segments


# ---------------------------------------------------------------------------------------------- assembly


@dataclass(frozen=True)
class StageFailure:
    """A stage that raised, kept as data so the model's other stages still count."""

    stage: str
    error: BaseException

    def to_stage_error(self) -> StageError:
        if isinstance(self.error, GovernanceError):
            message = str(self.error)
        else:  # an unexpected error: keep its type so the owner can search for it
            message = f"{type(self.error).__name__}: {self.error}"
        return StageError(stage=self.stage, error=type(self.error).__name__, message=message)


def assemble(
    ctx: RunContext,
    model: ModelConfig,
    night: str,
    outcomes: dict[str, Any],
    timings: dict[str, float] | None = None,
    run: dict[str, Any] | None = None,
) -> ModelNightResult:
    """One ModelNightResult from the stages' outcomes (a value, a StageFailure, or missing if never run)."""
    from govern.policy import NightEvidence, judge

    errors = [o.to_stage_error() for o in outcomes.values() if isinstance(o, StageFailure)]

    def ok(stage: str) -> Any:
        value = outcomes.get(stage)
        return None if value is None or isinstance(value, StageFailure) else value

    inputs: ModelInputs | None = ok("load")
    if inputs is None and "load" not in outcomes:
        errors.append(StageError("load", "NotRun", "the load stage did not run"))
    for stage in STAGES[1:]:
        if inputs is None and stage not in outcomes:
            errors.append(StageError(stage, "Skipped", "skipped: the model's inputs could not be loaded"))
    drift, prediction_drift = ok("drift") or (None, None)
    fairness, labelled_fairness, segments = ok("fairness") or (None, None, ())
    rules = ctx.rules(model)
    evidence = NightEvidence(
        model_version=inputs.model_version if inputs else None,
        validation=ok("validate"),
        performance=ok("estimate"),
        sla_metric=rules.value("performance", "metric"),
        drift=drift,
        prediction_drift=prediction_drift,
        fairness=fairness,
        labelled_fairness=labelled_fairness,
        segments=segments,
    )
    findings = judge(rules, evidence)
    status: Status = "error" if errors else ("findings" if findings else "healthy")
    return ModelNightResult(
        model=model.name,
        night=night,
        status=status,
        business_unit=model.business_unit,
        risk_tier=model.risk_tier.value,
        owner=model.owner.email,
        model_version=evidence.model_version,
        rows=len(inputs.batch) if inputs else None,
        labelled_night=inputs.labelled_night if inputs else None,
        labelled_rows=len(inputs.labelled) if inputs and inputs.labelled is not None else None,
        validation=evidence.validation,
        performance=evidence.performance,
        drift=drift,
        prediction_drift=prediction_drift,
        fairness=fairness,
        labelled_fairness=labelled_fairness,
        segments=segments,
        findings=findings,
        errors=tuple(errors),
        rules=rules.to_dict(),
        timings=dict(timings or {}),
        run={**(run or {}), "notes": list(inputs.notes) if inputs else []},
    )


def broken_model_result(name: str, night: str, message: str, run: dict[str, Any] | None = None) -> ModelNightResult:
    """The result of a model whose configuration file could not be loaded."""
    return ModelNightResult(
        model=name,
        night=night,
        status="error",
        errors=(StageError("config", "ConfigError", message),),
        run=dict(run or {}),
    )


def run_stage(stage: str, function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """Run one stage; an error becomes a StageFailure (logged with its traceback), never an escape."""
    started = time.perf_counter()
    try:
        value = function(*args)
    except Exception as exc:  # isolation boundary: one stage's failure must not stop the others
        log.warning("stage %s failed: %s", stage, exc, exc_info=not isinstance(exc, GovernanceError))
        value = StageFailure(stage, exc)
    return value, time.perf_counter() - started


ANALYSES: tuple[tuple[str, Callable[[RunContext, ModelInputs], Any]], ...] = (
    ("validate", validate_stage),
    ("estimate", estimate_stage),
    ("drift", drift_stage),
    ("fairness", fairness_stage),
)


def assess_model(
    ctx: RunContext,
    model: ModelConfig,
    night: str,
    loaded: ModelInputs | StageFailure,
    run: dict[str, Any] | None = None,
) -> ModelNightResult:
    """Every analysis stage on the loaded inputs (each isolated: a failure is recorded and the others run),
    then the judgement. A failed load is recorded as such, with the analyses marked skipped."""
    outcomes: dict[str, Any] = {"load": loaded}
    timings: dict[str, float] = {}
    if isinstance(loaded, StageFailure):
        timings["load"] = 0.0
    else:
        timings["load"] = round(loaded.load_seconds, 4)
        for stage, function in ANALYSES:
            outcomes[stage], seconds = run_stage(stage, function, ctx, loaded)
            timings[stage] = round(seconds, 4)
    return assemble(ctx, model, night, outcomes, timings, run)


def load_stage(ctx: RunContext, model: ModelConfig, night: str) -> ModelInputs:
    """``load_inputs`` with its wall time kept on the inputs, for the result's ``timings``."""
    started = time.perf_counter()
    inputs = load_inputs(ctx, model, night)
    return dataclasses.replace(inputs, load_seconds=time.perf_counter() - started)


def run_model_night(ctx: RunContext, model: ModelConfig, night: str) -> ModelNightResult:
    """All stages of one model's night, in order, without Prefect."""
    loaded, _ = run_stage("load", load_stage, ctx, model, night)
    return assess_model(ctx, model, night, loaded)


# ---------------------------------------------------------------------------------------------- recording


def night_folder(fleet: Fleet, night: str) -> Path:
    return fleet.output_dir / night


def record_result(fleet: Fleet, result: ModelNightResult) -> Path:
    """Write ``<output>/<night>/models/<model>.json`` atomically; a rerun of the night replaces it."""
    import json

    from govern.data import write_atomic

    path = night_folder(fleet, result.night) / "models" / f"{result.model}.json"
    write_atomic(path, json.dumps(result.to_dict(), indent=2, sort_keys=False, default=str) + "\n")
    return path


def record_fleet_summary(
    fleet: Fleet, night: str, results: list[ModelNightResult], run: dict[str, Any]
) -> tuple[FleetSummary, Path]:
    """Write ``<output>/<night>/fleet.json``: tonight's results, plus the night's earlier records of fleet
    models not run this time (a rerun with ``--models`` updates its models and keeps the others)."""
    import json

    from govern.data import write_atomic

    folder = night_folder(fleet, night)
    records = {r.model: r.to_dict() for r in results}
    for name in [*fleet.models, *fleet.broken]:
        path = folder / "models" / f"{name}.json"
        if name not in records and path.is_file():
            records[name] = json.loads(path.read_text(encoding="utf-8"))
    summary = FleetSummary.from_model_records(night, list(records.values()), run)
    path = folder / "fleet.json"
    write_atomic(path, json.dumps(summary.to_dict(), indent=2) + "\n")
    return summary, path

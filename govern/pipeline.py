"""One model's night, as plain functions: load, then the analysis stages (validate, estimate, drift,
fairness, segments), each filling its part of the night's ``Evidence``, then the judgement and the record.

Isolation is the rule: a stage that raises is recorded as that stage's error and the other stages still run;
the judgement and the write of the result are isolated the same way (``govern_model`` never raises), so one
model's failure, a read-only result file or a full disk included, is that model's error and never the end of
the night for the others. ``govern.night`` runs this for every model of the fleet, with an executor passed in
(threads here, Prefect tasks in ``flows/``).
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
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from govern.config import EffectiveRules, Fleet, ModelConfig, ProblemType
from govern.data import exists, read_table
from govern.errors import DataError, GovernanceError
from govern.policy import gate_met
from govern.registry import ModelRegistry
from govern.results import (
    AppliedRule,
    DriftResult,
    DriftThresholds,
    Evidence,
    Finding,
    MetricValue,
    ModelNightResult,
    NotJudged,
    PerformanceResult,
    ReconstructionDrift,
    RunInfo,
    StageError,
    Status,
    Unmeasured,
    ValidationResult,
    VersionComparison,
)
from govern.store import ResultsStore

if TYPE_CHECKING:
    from govern.contracts import LabelSet
    from govern.estimation import FittedEstimators

log = logging.getLogger(__name__)

STAGES = ("load", "validate", "estimate", "drift", "fairness", "segments")


@dataclass(frozen=True)
class ModelInputs:
    """Everything one model's night reads: tonight's batch (None when it did not arrive: a freshness finding,
    not an error), the reference scored by the serving version, and the late labels if any."""

    model: ModelConfig
    night: str
    batch: pd.DataFrame | None
    reference: pd.DataFrame
    model_version: str | None
    labelled: pd.DataFrame | None = None
    labelled_night: str | None = None
    notes: tuple[str, ...] = ()
    load_seconds: float = 0.0
    missing_batch: str | None = None
    """Where tonight's batch was expected, when it was not there."""

    def evidence(self) -> Evidence:
        """The evidence the load itself gives: what served, how many rows, which labelled batch."""
        return Evidence(
            mode=self.model.mode,
            model_version=self.model_version,
            rows=None if self.batch is None else len(self.batch),
            missing_batch=self.missing_batch,
            labelled_night=self.labelled_night if self.labelled is not None else None,
            labelled_rows=len(self.labelled) if self.labelled is not None else None,
            notes=self.notes,
        )


class Validating(Protocol):
    """Validates a batch against a GE suite (``govern.validation.Validator``: in a worker process)."""

    def validate(self, frame: pd.DataFrame, suite: dict[str, Any], *, source: str = ...) -> ValidationResult: ...

    def close(self) -> None: ...


class Fitting(Protocol):
    """Fits NannyML's estimators (``govern.estimation.Fitter``: in worker processes)."""

    def fit(
        self,
        scored_reference: pd.DataFrame,
        model: ModelConfig,
        *,
        version: str | None,
        metrics: list[str],
        chunk_size: int | None = None,
    ) -> FittedEstimators: ...

    def close(self) -> None: ...


class EstimatorStore(Protocol):
    """Fitted estimators by key (``govern.estimation.EstimatorCache``)."""

    def get(self, key: str, model: str) -> FittedEstimators | None: ...

    def put(self, key: str, fitted: FittedEstimators) -> None: ...


@dataclass
class RunContext:
    """What the stages share across models and nights in one process: the fleet, the registry, the results
    store and the caches. Built by the composition root (``flows.nightly.open_context``) or by tests."""

    fleet: Fleet
    registry: ModelRegistry
    estimator_cache: EstimatorStore
    store: ResultsStore
    validator: Validating | None = None  # default: validate in this process
    fitter: Fitting | None = None  # default: fit in this process
    _raw_references: dict[str, tuple[pd.DataFrame, LabelSet | None]] = field(default_factory=dict)
    _references: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)  # (model, version) -> scored
    _failed_fits: dict[str, GovernanceError] = field(default_factory=dict)
    disabled_feeds: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Feeds disabled (feed -> (why, the first night refused)): their models' batches of that night and later
    are refused until the feed is re-enabled. The composition root refreshes it before each night."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rules(self, model: ModelConfig) -> EffectiveRules:
        """The model's rules in force, merged once when the fleet was loaded."""
        return self.fleet.rules(model.name)

    def close(self) -> None:
        """Stop the worker processes, if any."""
        for pool in (self.validator, self.fitter):
            if pool is not None:
                pool.close()


# ---------------------------------------------------------------------------------------------- load


def serving_version(
    batch: pd.DataFrame, model: ModelConfig, registry: ModelRegistry
) -> tuple[str | None, tuple[str, ...]]:
    """The version that made tonight's predictions: the inference log's model_version column when configured
    (the right answer for backfills), else the registry's serving alias now; None for a model monitored
    without the registry and without a version column."""
    column = model.columns.model_version
    if column is None:
        if model.registry is None:
            return None, ()
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


def _reference(ctx: RunContext, model: ModelConfig) -> tuple[pd.DataFrame, LabelSet | None]:
    """The model's reference set as read, checked against its contract (once per process), and the label set
    of a binary model (from the config, or the reference's target when the positive label is text)."""
    from govern.contracts import enforce, label_set_of, reference_contract

    with ctx._lock:
        cached = ctx._raw_references.get(model.name)
    if cached is not None:
        return cached
    path = ctx.fleet.data_path(model.data.reference)
    what = f"model {model.name!r}: reference data ({path})"
    reference = enforce(read_table(path, what=what), reference_contract(model), what=what)
    labels = label_set_of(reference, model, what=what) if model.problem_type is ProblemType.BINARY else None
    with ctx._lock:
        ctx._raw_references[model.name] = (reference, labels)
    return reference, labels


def load_reference(ctx: RunContext, model: ModelConfig, version: str | None) -> pd.DataFrame:
    """The reference set scored by ``version`` (read and scored once per process and version). A model
    monitored without the registry keeps the reference's own prediction and score: the ones its owner made."""
    from govern.estimation import score_reference

    reference, _ = _reference(ctx, model)
    if model.registry is None or version is None:
        return reference
    key = (model.name, version)
    with ctx._lock:
        cached = ctx._references.get(key)
    if cached is not None:
        return cached
    estimator = ctx.registry.load_model(model.registry.name, version)
    scored = score_reference(reference, model, estimator)
    with ctx._lock:
        ctx._references[key] = scored
    return scored


def _read_batch(ctx: RunContext, model: ModelConfig, night: str, labels: LabelSet | None) -> pd.DataFrame:
    """One night's inference log, checked against the model's batch contract (every broken column at once)."""
    from govern.contracts import batch_contract, enforce

    path = ctx.fleet.data_path(model.data.batches, night)
    what = f"model {model.name!r}: batch of {night} ({path})"
    return enforce(
        read_table(path, what=f"model {model.name!r}: batch of {night}"),
        batch_contract(model, label_set=labels),
        what=what,
    )


def load_inputs(ctx: RunContext, model: ModelConfig, night: str) -> ModelInputs:
    """Read tonight's batch, resolve the serving version, score the reference, join late labels; every table is
    checked against the model's data contract (``govern.contracts``) as it is read.

    A batch that did not arrive is not an error: the feed is late or stopped, which the judgement reports as a
    freshness finding, and the labels that arrived tonight for an earlier batch are still evaluated."""
    refused = ctx.disabled_feeds.get(model.feed) if model.feed else None
    if refused is not None and night >= refused[1]:
        raise FeedDisabled(refused[0])
    path = ctx.fleet.data_path(model.data.batches, night)
    try:
        return _load_inputs(ctx, model, night, path)
    except GovernanceError as exc:
        if exists(path):
            raise
        raise LoadFailedWithoutBatch(str(exc), missing_batch=path) from exc  # both must be told


class FeedDisabled(GovernanceError):
    """The model's feed is disabled (a data incident's containment, or a person): its batch is not read, and the
    model's night is recorded as refused, not judged, with the reason."""


class LoadFailedWithoutBatch(GovernanceError):
    """Tonight's batch did not arrive and the rest of the load (reference, labels, registry) failed too: the
    model's result carries both the freshness finding and the load error."""

    def __init__(self, message: str, *, missing_batch: str) -> None:
        super().__init__(message)
        self.missing_batch = missing_batch

    def __reduce__(self) -> Any:  # picklable with its keyword, for Prefect's task results
        return (_load_failed_without_batch, (str(self), self.missing_batch))


def _load_failed_without_batch(message: str, missing_batch: str) -> LoadFailedWithoutBatch:
    return LoadFailedWithoutBatch(message, missing_batch=missing_batch)


def _load_inputs(ctx: RunContext, model: ModelConfig, night: str, path: str) -> ModelInputs:
    raw_reference, labels = _reference(ctx, model)
    batch = _read_batch(ctx, model, night, labels) if exists(path) else None

    labelled = labelled_night = None
    if model.data.labels is not None:
        labelled_night = (dt.date.fromisoformat(night) - dt.timedelta(days=model.data.label_delay_days)).isoformat()
        labels_path = ctx.fleet.data_path(model.data.labels, labelled_night)
        old_batch_path = ctx.fleet.data_path(model.data.batches, labelled_night)
        if exists(labels_path) and exists(old_batch_path):
            labelled = join_labels(ctx, model, labelled_night, labels_path, labels)
        else:
            labelled_night = None
    served = batch if batch is not None else labelled
    if served is None:  # nothing arrived: nothing to score the reference for
        return ModelInputs(model, night, None, raw_reference, None, missing_batch=path)
    version, notes = serving_version(served, model, ctx.registry)
    if batch is None:
        notes = (*notes, f"no batch tonight; the labelled batch of {labelled_night} was served by version {version}")
    reference = load_reference(ctx, model, version)
    return ModelInputs(
        model,
        night,
        batch,
        reference,
        version,
        labelled,
        labelled_night,
        notes,
        missing_batch=None if batch is not None else path,
    )


def join_labels(
    ctx: RunContext, model: ModelConfig, night: str, labels_path: str, label_set: LabelSet | None
) -> pd.DataFrame:
    """The batch of ``night`` with the labels that arrived for it (inner join on the id; a label not known yet,
    null, leaves its row out)."""
    from govern.contracts import enforce, labels_contract

    c = model.columns
    what = f"model {model.name!r}: labels of {night} ({labels_path})"
    labels = read_table(labels_path, what=f"model {model.name!r}: labels of {night}")
    labels = enforce(labels, labels_contract(model, label_set=label_set), what=what)[[c.id, c.target]]
    old = _read_batch(ctx, model, night, label_set)
    joined = old.drop(columns=[c.target], errors="ignore").merge(labels, on=c.id, how="inner", validate="1:1")
    return joined[joined[c.target].notna()]


# ---------------------------------------------------------------------------------------------- stages
# Each analysis stage reads the loaded inputs and fills its part of the evidence.


def validate_stage(ctx: RunContext, inputs: ModelInputs, evidence: Evidence) -> Evidence:
    from govern.suites import load_suite
    from govern.validation import validate_batch

    if inputs.batch is None:
        return evidence
    path = ctx.fleet.expectations_dir / f"{inputs.model.suite_name}.json"
    suite = load_suite(path)
    if ctx.validator is not None:
        validation = ctx.validator.validate(inputs.batch, suite, source=str(path))
    else:
        validation = validate_batch(inputs.batch, suite, source=str(path))
    return evidence.model_copy(update={"validation": validation})


def fitted_estimators(ctx: RunContext, inputs: ModelInputs) -> FittedEstimators:
    """NannyML's estimators for the serving version, from the cache or fitted now (and cached)."""
    from govern.estimation import EstimatorCache, fit_estimators, metrics_for, nightly_chunk_size

    model = inputs.model
    rules = ctx.rules(model)
    metrics = metrics_for(model, rules.value("performance", "metric"), rules.value("performance", "report") or ())
    fingerprint = _fingerprint(ctx.fleet.data_path(model.data.reference))
    served = inputs.batch if inputs.batch is not None else inputs.labelled  # no batch tonight: the labelled one
    # never below performance.min_rows: a batch that small gets no estimate, and must not make chunks that small
    floor = int(rules.value("performance", "min_rows") or 1)
    chunk_size = nightly_chunk_size(
        max(len(served) if served is not None else 0, floor), expected_rows=model.data.expected_batch_rows
    )
    key = EstimatorCache.key(model, inputs.model_version, fingerprint, metrics, chunk_size=chunk_size)
    with ctx._lock:
        failed = ctx._failed_fits.get(key)
    if failed is not None:  # one failed fit a night is enough: the drift stage must not pay for it again
        raise failed
    fitted = ctx.estimator_cache.get(key, model.name)
    if fitted is None:
        fit = fit_estimators if ctx.fitter is None else ctx.fitter.fit
        try:
            fitted = fit(inputs.reference, model, version=inputs.model_version, metrics=metrics, chunk_size=chunk_size)
        except GovernanceError as exc:
            from govern.workers import WorkerDied

            if not isinstance(exc, WorkerDied):  # a dead worker is the machine's trouble; the next fit may work
                with ctx._lock:
                    ctx._failed_fits[key] = exc
            raise
        ctx.estimator_cache.put(key, fitted)
    return fitted


def estimate_stage(ctx: RunContext, inputs: ModelInputs, evidence: Evidence) -> Evidence:
    """Estimated performance of tonight's batch, realized performance of the labelled one, and the serving
    version against the one before it."""
    from govern.estimation import estimate_performance, realized_performance

    model = inputs.model
    if inputs.batch is None and inputs.labelled is None:  # neither a batch nor labels tonight
        return evidence
    rules = ctx.rules(model)
    estimable = inputs.batch is not None and gate_met(rules, "performance", "min_rows", len(inputs.batch))
    labelled = inputs.labelled
    realizable = labelled is not None and gate_met(rules, "performance", "min_rows", len(labelled))
    if not (estimable or realizable):
        return evidence  # too few rows for any figure: the judgement lists it as not judged
    fitted = fitted_estimators(ctx, inputs)
    estimated: tuple[Any, ...] = ()
    if estimable:
        assert inputs.batch is not None
        estimated = estimate_performance(fitted, inputs.batch, model, night=inputs.night)
    realized: tuple[Any, ...] = ()
    if realizable and labelled is not None and inputs.labelled_night is not None:
        realized = realized_performance(fitted, labelled, model, batch_night=inputs.labelled_night)
    # Threshold-free for classifiers: a precision or recall comparison would reward a version that flags less.
    comparison_metric = (
        "roc_auc" if model.problem_type.is_classification else ctx.rules(model).value("performance", "metric")
    )
    comparison = compare_with_previous_version(ctx, inputs, comparison_metric)
    performance = PerformanceResult(
        metrics=_reported(ctx.rules(model), estimated + realized, inputs),
        version_comparison=comparison,
        reference_chunk_rows=fitted.chunk_size,
        notes=(fitted.chunking.note,) if fitted.chunking.note else (),
    )
    return evidence.model_copy(update={"performance": performance})


def _reported(rules: EffectiveRules, values: tuple[MetricValue, ...], inputs: ModelInputs) -> tuple[MetricValue, ...]:
    """The metrics the result reports: the SLA metric and those a policy asks for (``performance.report``),
    each null with its reason where it is undefined or meaningless on the data (the estimate is judged
    against the reference's targets, the realized figure against the labels')."""
    from govern.metrics import undefined_on

    sla, extra = rules.value("performance", "metric"), rules.value("performance", "report") or ()
    wanted = {str(m) for m in (sla, *extra) if m is not None}
    target = inputs.model.columns.target
    out = []
    for value in values:
        if value.metric not in wanted:
            continue
        truth = inputs.labelled if value.kind == "realized" else inputs.reference
        reason = undefined_on(value.metric, truth[target]) if truth is not None and target in truth else None
        if reason is None and value.value is None:
            reason = f"NannyML gives no {value.kind} {value.metric} for this batch (e.g. it holds a single class)"
        if reason is not None:
            value = value.model_copy(update={"value": None, "lower": None, "upper": None, "reason": reason})
        out.append(value)
    return tuple(out)


def compare_with_previous_version(ctx: RunContext, inputs: ModelInputs, metric: str | None) -> VersionComparison | None:
    """The serving version and the registry version before it, scored on the same reference set."""
    from govern.estimation import metric_on_labelled

    version, model = inputs.model_version, inputs.model
    if metric is None or version is None or not version.isdigit() or model.registry is None:
        return None
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


def drift_stage(ctx: RunContext, inputs: ModelInputs, evidence: Evidence) -> Evidence:
    """Feature drift (effect sizes per feature), prediction/score drift, and multivariate drift (NannyML's
    data reconstruction), all against the scored reference."""
    from govern.drift import drift_report

    if inputs.batch is None:
        return evidence
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
            min_rows=rules.value("drift", "min_rows"),
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
            jensen_shannon=rules.value("drift", "max_prediction_jensen_shannon"),
            psi=None,
            wasserstein=None,
            min_rows=rules.value("drift", "min_rows"),
        ),
    )
    unmeasured = tuple(
        Unmeasured(
            column=col,
            reason="entirely null in tonight's batch",
            null_fraction_reference=float(inputs.reference[col].isna().mean()),
            null_fraction_current=1.0,
        )
        for col in empty
    )
    multivariate: ReconstructionDrift | None = None
    notes: tuple[str, ...] = ()
    if not gate_met(rules, "drift", "min_rows", len(inputs.batch)):
        notes = (f"multivariate drift not computed: tonight's batch has {len(inputs.batch)} rows, fewer than "
                 f"drift.min_rows {rules.value('drift', 'min_rows')}",)  # fmt: skip
    else:
        multivariate, notes = _multivariate(ctx, inputs)
    drift = DriftResult(
        features=features.model_copy(update={"unmeasured": unmeasured}),
        prediction=prediction,
        multivariate=multivariate,
        notes=notes,
    )
    return evidence.model_copy(update={"drift": drift})


def _multivariate(ctx: RunContext, inputs: ModelInputs) -> tuple[ReconstructionDrift | None, tuple[str, ...]]:
    """NannyML's data reconstruction error of tonight's batch, or why there is none."""
    from govern.estimation import ReconstructionFailed, reconstruction_drift

    assert inputs.batch is not None
    try:
        fitted = fitted_estimators(ctx, inputs)
        return reconstruction_drift(fitted, inputs.batch, inputs.model, night=inputs.night), ()
    except ReconstructionFailed as exc:
        return None, (str(exc),)
    except GovernanceError as exc:  # the estimators could not be fitted: the estimate stage records why
        return None, (f"multivariate drift not computed: {exc}",)


def fairness_stage(ctx: RunContext, inputs: ModelInputs, evidence: Evidence) -> Evidence:
    """Fairness of tonight's decisions, and label-based fairness of the labelled batch."""
    from govern.fairness import fairness_report

    model, c = inputs.model, inputs.model.columns
    if not c.protected or not model.problem_type.is_classification:
        return evidence
    rules = ctx.rules(model)
    common: dict[str, Any] = {
        "prediction": c.prediction,
        "attributes": c.protected,
        "favourable": c.favorable,
        "positive_label": c.positive_label,
        "score": c.score,
        "min_group_size": int(rules.value("fairness", "min_group_size")),
        "intersectional": bool(rules.value("fairness", "intersectional")),
    }
    tonight = None
    if inputs.batch is not None:
        tonight = fairness_report(inputs.batch, what=f"model {model.name!r}: batch of {inputs.night}", **common)
    labelled = None
    if inputs.labelled is not None and len(inputs.labelled):
        labelled = fairness_report(
            inputs.labelled,
            label=c.target,
            what=f"model {model.name!r}: labelled batch of {inputs.labelled_night}",
            **common,
        )
    return evidence.model_copy(update={"fairness": tonight, "labelled_fairness": labelled})


def segments_stage(ctx: RunContext, inputs: ModelInputs, evidence: Evidence) -> Evidence:
    """Traffic by API client against the reference."""
    from govern.segments import segment_stats

    model, c = inputs.model, inputs.model.columns
    if not c.api_client or not model.problem_type.is_classification or inputs.batch is None:
        return evidence
    segments = segment_stats(
        inputs.batch,
        inputs.reference,
        segment=c.api_client,
        prediction=c.prediction,
        positive_label=c.positive_label,
        score=c.score,
    )
    return evidence.model_copy(update={"segments": segments})


# ---------------------------------------------------------------------------------------------- one model's night


@dataclass(frozen=True)
class StageFailure:
    """A stage that raised, kept as data so the model's other stages still count."""

    stage: str
    error: BaseException

    def to_stage_error(self) -> StageError:
        return stage_error(self.stage, self.error)


def stage_error(stage: str, error: BaseException) -> StageError:
    # an unexpected error keeps its type in the message, so the owner can search for it
    message = str(error) if isinstance(error, GovernanceError) else f"{type(error).__name__}: {error}"
    return StageError(stage=stage, error=type(error).__name__, message=message)


ANALYSES: tuple[tuple[str, Callable[[RunContext, ModelInputs, Evidence], Evidence]], ...] = (
    ("validate", validate_stage),
    ("estimate", estimate_stage),
    ("drift", drift_stage),
    ("fairness", fairness_stage),
    ("segments", segments_stage),
)


def _isolated(stage: str, function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """Run one step; an error becomes a StageFailure (logged with its traceback), never an escape."""
    started = time.perf_counter()
    try:
        value = function(*args)
    except Exception as exc:  # isolation boundary: one stage's failure must not stop the others
        log.warning("stage %s failed: %s", stage, exc, exc_info=not isinstance(exc, GovernanceError))
        value = StageFailure(stage, exc)
    return value, time.perf_counter() - started


def _verdict(rules: EffectiveRules, evidence: Evidence) -> tuple[tuple[Finding, ...], tuple[NotJudged, ...]]:
    from govern import policy

    return policy.judge(rules, evidence), policy.not_judged(rules, evidence)


def assess_model(
    ctx: RunContext, model: ModelConfig, night: str, loaded: ModelInputs | StageFailure, run: RunInfo | None = None
) -> ModelNightResult:
    """Every analysis stage on the loaded inputs, each isolated (a failure is recorded and the others run),
    then the judgement, itself isolated. A failed load is recorded as such, with the analyses skipped."""
    errors: list[StageError] = []
    timings: dict[str, float] = {}
    if isinstance(loaded, StageFailure) and isinstance(loaded.error, FeedDisabled):
        evidence = Evidence(mode=model.mode, feed_disabled=str(loaded.error))
        timings["load"] = 0.0
    elif isinstance(loaded, StageFailure):
        missing = loaded.error.missing_batch if isinstance(loaded.error, LoadFailedWithoutBatch) else None
        evidence = Evidence(mode=model.mode, missing_batch=missing)
        errors.append(loaded.to_stage_error())
        errors += [StageError(stage=s, error="Skipped", message="skipped: the model's inputs could not be loaded")
                   for s in STAGES[1:]]  # fmt: skip
        timings["load"] = 0.0
    else:
        evidence = loaded.evidence()
        timings["load"] = round(loaded.load_seconds, 4)
        for stage, function in ANALYSES:
            outcome, seconds = _isolated(stage, function, ctx, loaded, evidence)
            timings[stage] = round(seconds, 4)
            if isinstance(outcome, StageFailure):
                errors.append(outcome.to_stage_error())
            else:
                evidence = outcome
    rules = ctx.rules(model)
    verdict, seconds = _isolated("judge", _verdict, rules, evidence)
    timings["judge"] = round(seconds, 4)
    findings: tuple[Finding, ...] = ()
    unjudged: tuple[NotJudged, ...] = ()
    if isinstance(verdict, StageFailure):
        errors.append(verdict.to_stage_error())
    else:
        findings, unjudged = verdict
    status: Status = "error" if errors else "findings" if findings else "incomplete" if unjudged else "healthy"
    return ModelNightResult(
        model=model.name,
        night=night,
        status=status,
        business_unit=model.business_unit,
        risk_tier=model.risk_tier.value,
        owner=model.owner.email,
        evidence=evidence,
        findings=findings,
        not_judged=unjudged,
        errors=tuple(errors),
        rules=AppliedRule.all_from(rules),
        timings=timings,
        run=run or RunInfo(),
    )


def record_result(ctx: RunContext, result: ModelNightResult) -> ModelNightResult:
    """Write the result through the store; a write that fails (read-only folder, full disk) turns the result
    into that model's error, returned for the fleet summary, never raised."""
    try:
        ctx.store.write_result(result)
    except Exception as exc:  # isolation boundary: one model's failed write must not stop the night
        log.warning("recording %s failed: %s", result.model, exc, exc_info=not isinstance(exc, OSError))
        error = StageError(
            stage="record",
            error=type(exc).__name__,
            message=f"model {result.model!r}: its result for {result.night} must be written to "
            f"{ctx.store.location(result.night, result.model)}; got {type(exc).__name__}: {exc}",
        )
        return result.model_copy(update={"status": "error", "errors": (*result.errors, error)})
    return result


def govern_model(
    ctx: RunContext, model: ModelConfig, night: str, loaded: ModelInputs | StageFailure, run: RunInfo | None = None
) -> ModelNightResult:
    """Assess, judge and record one model's night. Never raises: whatever goes wrong is the model's error."""
    try:
        result = assess_model(ctx, model, night, loaded, run)
    except Exception as exc:  # a defect in assembling the result is still only this model's problem
        log.exception("assessing %s failed", model.name)
        result = error_result(model.name, night, stage_error("assess", exc), run)
    return record_result(ctx, result)


def error_result(name: str, night: str, error: StageError, run: RunInfo | None = None) -> ModelNightResult:
    """The result of a model that could not be assessed at all (e.g. its configuration file is broken)."""
    return ModelNightResult(model=name, night=night, status="error", errors=(error,), run=run or RunInfo())


def load_stage(ctx: RunContext, model: ModelConfig, night: str) -> ModelInputs:
    """``load_inputs`` with its wall time kept on the inputs, for the result's ``timings``."""
    started = time.perf_counter()
    inputs = load_inputs(ctx, model, night)
    return dataclasses.replace(inputs, load_seconds=time.perf_counter() - started)


def run_model_night(ctx: RunContext, model: ModelConfig, night: str, run: RunInfo | None = None) -> ModelNightResult:
    """All stages of one model's night, in order, in this thread: load, assess, judge, record."""
    loaded, _ = _isolated("load", load_stage, ctx, model, night)
    return govern_model(ctx, model, night, loaded, run)

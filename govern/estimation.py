"""Performance without labels (NannyML CBPE / DLE), realized performance, and multivariate drift.

The reference set is scored here with the registry version that served the night (the reference must carry
the predictions of the model being judged), then NannyML is fitted on it once per (model, version, reference)
and the fitted calculators are kept in memory and pickled under the state folder, so a night costs an
``estimate`` call, not a fit.

Chunking: NannyML's thresholds come from the spread of the metric over reference chunks, so the reference is
cut into days by its timestamp (``chunk_period="D"``); a reference that spans fewer than ``MIN_REFERENCE_DAYS``
days is cut into ``FALLBACK_REFERENCE_CHUNKS`` equal chunks instead. A night's batch is always one chunk.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from govern.config import ModelConfig, ProblemType
from govern.errors import EstimationError
from govern.metrics import METRICS, metric_names, score
from govern.results import MetricValue, ReconstructionDrift

MIN_REFERENCE_DAYS = 6
FALLBACK_REFERENCE_CHUNKS = 10
CACHE_FORMAT = 1

#: Reported for every model, whatever its SLA metric: catalogue names of the problem type (a test checks it).
#: Not the whole catalogue: DLE fits one LightGBM model per metric, and msle/rmsle refuse negative values.
CLASSIFICATION_METRICS = ("roc_auc", "f1", "precision", "recall", "accuracy")
REGRESSION_METRICS = ("mae", "rmse", "mape")
#: Error metrics, from the catalogue (govern.policy reads it to know which way a metric gets worse).
LOWER_IS_BETTER = frozenset(name for name, entry in METRICS.items() if not entry.higher_is_better)

# Internal column names: the positive class mapped to 1 so string labels work, and one timestamp per chunk.
Y_TRUE, Y_PRED, Y_SCORE, CHUNK_TS = "__y_true", "__y_pred", "__y_score", "__chunk_ts"


def metrics_for(model: ModelConfig, sla_metric: str | None) -> list[str]:
    """The metrics reported for a model: the standard set for its problem type plus its SLA metric (a catalogue
    name of the model's problem type, as the configuration checked)."""
    base = REGRESSION_METRICS if model.problem_type is ProblemType.REGRESSION else CLASSIFICATION_METRICS
    metrics = list(base)
    if sla_metric and sla_metric not in metrics:
        metrics.append(sla_metric)
    return metrics


_STRINGS_LOCK = threading.Lock()
_STRINGS_USERS = 0
_STRINGS_SAVED: bool | None = None


@contextlib.contextmanager
def _plain_strings() -> Iterator[None]:
    """NannyML's DLE and reconstruction drift write text columns back into frames and reshape them, which
    pandas 3's Arrow-backed strings refuse ("ArrowStringArray does not support reshape"): turn string
    inference off while NannyML runs (converting to object columns beforehand is not enough, NannyML
    re-creates them).

    The option is process-global, so ``pd.option_context`` is not safe across threads (one model's thread
    leaving it would switch inference back on under another model's fit): the option is switched off by the
    first thread in and restored by the last one out."""
    global _STRINGS_USERS, _STRINGS_SAVED
    with _STRINGS_LOCK:
        if _STRINGS_USERS == 0:
            _STRINGS_SAVED = bool(pd.get_option("future.infer_string"))
            pd.set_option("future.infer_string", False)
        _STRINGS_USERS += 1
    try:
        yield
    finally:
        with _STRINGS_LOCK:
            _STRINGS_USERS -= 1
            if _STRINGS_USERS == 0:
                pd.set_option("future.infer_string", _STRINGS_SAVED)


@contextlib.contextmanager
def _nannyml_errors(model: ModelConfig, doing: str) -> Iterator[None]:
    """NannyML raises a wide set of its own, pandas and numpy errors on unusable data: one EstimationError that
    names the model and what was being done, with the cause chained."""
    try:
        with _plain_strings():
            yield
    except EstimationError:
        raise
    except Exception as exc:
        raise EstimationError(
            f"model {model.name!r}: NannyML could not {doing}; got {type(exc).__name__}: {exc}"
        ) from exc


def _as_object_strings(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    converted = {c: frame[c].astype(object) for c in columns if not pd.api.types.is_numeric_dtype(frame[c])}
    return frame.assign(**converted) if converted else frame


def score_reference(reference: pd.DataFrame, model: ModelConfig, estimator: Any) -> pd.DataFrame:
    """Add the model's prediction (and score) to the reference set, as the serving version would."""
    features = reference[model.columns.features]
    scored = reference.copy()
    try:
        scored[model.columns.prediction] = estimator.predict(features)
        if model.problem_type is ProblemType.BINARY and model.columns.score:
            classes = list(getattr(estimator, "classes_", [0, 1]))
            positive = classes.index(model.columns.positive_label) if model.columns.positive_label in classes else -1
            scored[model.columns.score] = estimator.predict_proba(features)[:, positive]
    except Exception as exc:  # a broken model raises anything; the message is what the owner needs
        raise EstimationError(
            f"model {model.name!r}: the registered model must predict on the reference features; "
            f"got {type(exc).__name__}: {exc}"
        ) from exc
    return scored


def _prepare(frame: pd.DataFrame, model: ModelConfig, *, night: str | None, with_target: bool) -> pd.DataFrame:
    """Internal columns NannyML reads: 0/1 labels and predictions, the score, a chunking timestamp."""
    cols = model.columns
    out = _as_object_strings(frame[cols.features].copy(), cols.features)
    if model.problem_type is ProblemType.BINARY:
        out[Y_PRED] = (frame[cols.prediction] == cols.positive_label).astype("int64")
        out[Y_SCORE] = frame[cols.score].astype("float64")
        if with_target:
            out[Y_TRUE] = (frame[cols.target] == cols.positive_label).astype("int64")
    else:
        out[Y_PRED] = frame[cols.prediction].astype("float64")
        if with_target:
            out[Y_TRUE] = frame[cols.target].astype("float64")
    if night is not None:
        out[CHUNK_TS] = pd.Timestamp(night)
    else:
        stamps = pd.to_datetime(frame[cols.timestamp])
        if stamps.dt.normalize().nunique() >= MIN_REFERENCE_DAYS:
            out[CHUNK_TS] = stamps.to_numpy()
        else:  # too few days: equal chunks in row order, stamped as consecutive pseudo-days
            chunk = np.arange(len(frame)) * FALLBACK_REFERENCE_CHUNKS // max(len(frame), 1)
            out[CHUNK_TS] = pd.Timestamp("2000-01-01") + pd.to_timedelta(chunk, unit="D")
    return out


class ReconstructionFailed(EstimationError):
    """Multivariate drift could not be computed; the estimated performance still stands."""


@dataclass
class FittedEstimators:
    """NannyML calculators fitted on one model version's scored reference."""

    model: str
    version: str | None
    metrics: list[str]
    estimator: Any
    realized: Any
    reconstruction: Any
    reference_metrics: dict[str, float]
    reference_reconstruction: float | None


def _nannyml() -> Any:
    import logging

    import nannyml

    from govern.runtime import quiet_library_warnings

    # NannyML warns per chunk (thresholds clipped to [0, 1], a single-class chunk); our results carry those
    # facts as data (None values, bands), so its log lines are noise in a nightly run's output.
    logging.getLogger("nannyml").setLevel(logging.ERROR)
    quiet_library_warnings()
    return nannyml


def fit_estimators(
    scored_reference: pd.DataFrame, model: ModelConfig, *, version: str | None, metrics: list[str]
) -> FittedEstimators:
    """Fit CBPE (binary) or DLE (regression), the realized-performance calculator and the data
    reconstruction drift calculator on the scored reference."""
    nml = _nannyml()
    data = _prepare(scored_reference, model, night=None, with_target=True)
    if model.problem_type is ProblemType.BINARY and data[Y_TRUE].nunique() < 2:
        raise EstimationError(
            f"model {model.name!r}: the reference target {model.columns.target!r} must hold both "
            f"classes; got only {sorted(scored_reference[model.columns.target].unique())} instead"
        )
    common = {"timestamp_column_name": CHUNK_TS, "chunk_period": "D"}
    features = model.columns.features
    with _nannyml_errors(model, "be fitted on the reference set"):
        if model.problem_type is ProblemType.BINARY:
            estimator = nml.CBPE(
                y_pred_proba=Y_SCORE,
                y_pred=Y_PRED,
                y_true=Y_TRUE,
                metrics=metrics,
                problem_type="classification_binary",
                **common,
            )
            realized = nml.PerformanceCalculator(
                y_pred_proba=Y_SCORE,
                y_pred=Y_PRED,
                y_true=Y_TRUE,
                metrics=metrics,
                problem_type="classification_binary",
                **common,
            )
        elif model.problem_type is ProblemType.REGRESSION:
            estimator = nml.DLE(
                feature_column_names=features,
                y_pred=Y_PRED,
                y_true=Y_TRUE,
                metrics=metrics,
                hyperparameters={"verbose": -1, "n_jobs": 1},
                **common,
            )
            realized = nml.PerformanceCalculator(
                y_pred=Y_PRED, y_true=Y_TRUE, metrics=metrics, problem_type="regression", **common
            )
        else:
            raise EstimationError(
                f"model {model.name!r}: problem_type must be binary_classification or "
                f"regression for estimation; got {model.problem_type.value} instead"
            )
        estimator.fit(data)
        realized.fit(data)
        reconstruction = nml.DataReconstructionDriftCalculator(column_names=features, **common)
        reconstruction.fit(data)
        # fit() already computed the reference chunks' results; calculating them again cost ~1.5 s a model
        reference_realized = realized.result.to_df(multilevel=False)
        reference_reconstruction = reconstruction.result.to_df(multilevel=False)
    reference_metrics = {m: float(reference_realized[f"{m}_value"].mean()) for m in metrics}
    return FittedEstimators(
        model=model.name,
        version=version,
        metrics=list(metrics),
        estimator=estimator,
        realized=realized,
        reconstruction=reconstruction,
        reference_metrics=reference_metrics,
        reference_reconstruction=float(reference_reconstruction["reconstruction_error_value"].mean()),
    )


def _analysis_row(result: Any) -> pd.Series:
    frame = result.to_df(multilevel=False)
    analysis = frame[frame["chunk_period"] == "analysis"]
    if len(analysis) != 1:
        raise EstimationError(f"a night's batch must be exactly one NannyML chunk; got {len(analysis)} instead")
    return analysis.iloc[0]


def _float(row: pd.Series, key: str) -> float | None:
    value = row.get(key)
    if value is None or pd.isna(value):
        return None
    return float(value)


def _metric_values(
    row: pd.Series, fitted: FittedEstimators, *, kind: Literal["estimated", "realized"], night: str, n: int, band: bool
) -> tuple[MetricValue, ...]:
    values = []
    for metric in fitted.metrics:
        sampling_error = _float(row, f"{metric}_sampling_error")
        value = _float(row, f"{metric}_value")
        if band:
            lower = _float(row, f"{metric}_lower_confidence_boundary")
            upper = _float(row, f"{metric}_upper_confidence_boundary")
        elif value is not None and sampling_error is not None:
            lower, upper = value - 3 * sampling_error, value + 3 * sampling_error
        else:
            lower = upper = None
        values.append(
            MetricValue(
                metric=metric,
                kind=kind,
                batch_night=night,
                value=value,
                lower=lower,
                upper=upper,
                sampling_error=sampling_error,
                lower_threshold=_float(row, f"{metric}_lower_threshold"),
                upper_threshold=_float(row, f"{metric}_upper_threshold"),
                alert=bool(row.get(f"{metric}_alert", False)),
                reference=fitted.reference_metrics.get(metric),
                n=n,
            )
        )
    return tuple(values)


def estimate_performance(
    fitted: FittedEstimators, batch: pd.DataFrame, model: ModelConfig, *, night: str
) -> tuple[MetricValue, ...]:
    """Estimated performance of tonight's batch (no labels): CBPE for classifiers, DLE for regressors."""
    data = _prepare(batch, model, night=night, with_target=False)
    with _nannyml_errors(model, f"estimate the batch of {night}"):
        estimate = _analysis_row(fitted.estimator.estimate(data))
    return _metric_values(estimate, fitted, kind="estimated", night=night, n=len(batch), band=True)


def reconstruction_drift(
    fitted: FittedEstimators, batch: pd.DataFrame, model: ModelConfig, *, night: str
) -> ReconstructionDrift:
    """Multivariate drift of tonight's batch; it needs every feature present, so an entirely null feature makes
    it fail on its own (``ReconstructionFailed``) while the performance estimate still stands."""
    data = _prepare(batch, model, night=night, with_target=False)
    try:
        with _plain_strings():
            drift = _analysis_row(fitted.reconstruction.calculate(data))
    except Exception as exc:
        empty = [c for c in model.columns.features if data[c].isna().all()]
        reason = f"entirely null features {empty}" if empty else f"{type(exc).__name__}: {exc}"
        raise ReconstructionFailed(
            f"model {model.name!r}: data reconstruction drift could not be computed "
            f"for the batch of {night}; got {reason} instead"
        ) from exc
    return ReconstructionDrift(
        value=_float(drift, "reconstruction_error_value"),
        lower=_float(drift, "reconstruction_error_lower_confidence_boundary"),
        upper=_float(drift, "reconstruction_error_upper_confidence_boundary"),
        reference=fitted.reference_reconstruction,
        lower_threshold=_float(drift, "reconstruction_error_lower_threshold"),
        upper_threshold=_float(drift, "reconstruction_error_upper_threshold"),
        alert=bool(drift.get("reconstruction_error_alert", False)),
    )


def realized_performance(
    fitted: FittedEstimators, labelled: pd.DataFrame, model: ModelConfig, *, batch_night: str
) -> tuple[MetricValue, ...]:
    """Realized performance of an earlier night's batch whose labels have arrived (NannyML's calculator)."""
    data = _prepare(labelled, model, night=batch_night, with_target=True)
    with _nannyml_errors(model, f"compute realized performance for the batch of {batch_night}"):
        row = _analysis_row(fitted.realized.calculate(data))
    return _metric_values(row, fitted, kind="realized", night=batch_night, n=len(labelled), band=False)


def metric_on_labelled(frame: pd.DataFrame, model: ModelConfig, metric: str) -> float | None:
    """One catalogue metric over a whole labelled frame, as NannyML's realized calculator computes it
    (``govern.metrics.score``); None where it is undefined on this frame (e.g. a single class for roc_auc)."""
    if metric not in metric_names(model.problem_type):
        raise EstimationError(
            f"model {model.name!r}: the metric must be one of {', '.join(metric_names(model.problem_type))} for a "
            f"{model.problem_type.value} model; got {metric!r} instead"
        )
    data = _prepare(frame, model, night="2000-01-01", with_target=True)
    return score(metric, y_true=data[Y_TRUE], y_pred=data[Y_PRED], y_score=data.get(Y_SCORE))


# ---------------------------------------------------------------------------------------------- caching


class EstimatorCache:
    """Fitted calculators by (model, version, reference fingerprint, metrics): in memory, then on disk.

    Pickles are written atomically under the project's own state folder and read only from there.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._memory: dict[str, FittedEstimators] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(model: ModelConfig, version: str | None, reference_fingerprint: str, metrics: list[str]) -> str:
        import nannyml

        parts = [
            model.name,
            str(version),
            reference_fingerprint,
            ",".join(metrics),
            model.columns.model_dump_json(),
            nannyml.__version__,
            str(CACHE_FORMAT),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    def get(self, key: str, model: str) -> FittedEstimators | None:
        with self._lock:
            if key in self._memory:
                return self._memory[key]
        if self.folder is None:
            return None
        path = self.folder / model / f"{key}.pkl"
        if not path.is_file():
            return None
        try:
            fitted: FittedEstimators = pickle.loads(path.read_bytes())
        except Exception:  # a stale or truncated cache entry is refitted, never trusted
            path.unlink(missing_ok=True)
            return None
        with self._lock:
            self._memory[key] = fitted
        return fitted

    def put(self, key: str, fitted: FittedEstimators) -> None:
        with self._lock:
            self._memory[key] = fitted
        if self.folder is None:
            return
        from govern.data import write_bytes_atomic

        write_bytes_atomic(self.folder / fitted.model / f"{key}.pkl", pickle.dumps(fitted))


# ---------------------------------------------------------------------------------------------- fitting pool


def _start_fit_worker() -> None:
    from govern.runtime import quiet_library_warnings

    quiet_library_warnings()
    _nannyml()


class Fitter:
    """Fits estimators in worker processes (``govern.workers.WorkerPool``), started on the first fit: a night
    whose fits are all cached never starts one.

    A fit is NannyML and scikit-learn computing metrics chunk by chunk over the reference, mostly Python that
    holds the GIL: in threads, four models' fits shared one core. Measured on the demo fleet (26 models, 2
    cores): the first night, which fits every model, took 94 s in threads and 40 s in two worker processes.
    Each worker imports NannyML once.
    """

    def __init__(self, workers: int = 2) -> None:
        from govern.workers import WorkerPool

        self._pool = WorkerPool(workers, initializer=_start_fit_worker)

    def fit(
        self, scored_reference: pd.DataFrame, model: ModelConfig, *, version: str | None, metrics: list[str]
    ) -> FittedEstimators:
        what = f"model {model.name!r}: fitting its estimators"
        fitted: FittedEstimators = self._pool.run(
            what, fit_estimators, scored_reference, model, version=version, metrics=metrics
        )
        return fitted

    def close(self) -> None:
        self._pool.close()

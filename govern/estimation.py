"""Performance without labels (NannyML CBPE / DLE), realized performance, and multivariate drift.

The reference set is scored here with the registry version that served the night (the reference must carry
the predictions of the model being judged), then NannyML is fitted on it once per (model, version, reference,
chunk size) and the fitted calculators are kept in memory and pickled under the state folder, so a night costs
an ``estimate`` call, not a fit.

Chunking: NannyML's alert thresholds are the spread (mean +- 3 standard deviations) of the metric over the
reference chunks, and a metric spreads less the more rows it is computed on, so the thresholds only hold for
batches of the size of those chunks. The reference is therefore cut, in timestamp order, into chunks of the
nightly batch's size (``nightly_chunk_size``: the configured expected size, else tonight's row count rounded to
two significant figures), the last rows that do not fill a chunk left out of the thresholds. A reference too
small for ``MIN_REFERENCE_CHUNKS`` such chunks is cut into that many smaller ones instead, and the result says
so (``ReferenceChunking.note``): thresholds from smaller chunks are looser than the batch's own. Tonight's batch
is always judged as one chunk, whatever its size (``_judge_batches_as_one_chunk``).

Cache integrity: a pickle runs code when it is loaded, so each cache file has a keyed hash (HMAC-SHA256) beside
it, made with a secret key of this state folder, and a file whose hash is missing or wrong is never unpickled
(``EstimatorCache``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import math
import os
import pickle
import secrets
import stat
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from govern.config import ModelConfig, ProblemType
from govern.errors import EstimationError
from govern.metrics import metric_names, score
from govern.results import MetricValue, ReconstructionDrift

#: The fewest reference chunks thresholds are computed from (NannyML warns below 6; one chunk has no spread).
MIN_REFERENCE_CHUNKS = 6
#: Reference chunks when no nightly batch size is given.
UNSIZED_REFERENCE_CHUNKS = 10
#: Significant figures an observed batch size is rounded to before it chooses the reference chunks (and the
#: cache key): 4,980 and 5,020 rows both give 5,000, so a feed's usual variation does not refit every night.
OBSERVED_SIZE_FIGURES = 2
CACHE_FORMAT = 2

log = logging.getLogger(__name__)

#: Computed when a model names no metric at all (neither an SLA metric nor ``performance.report``): the fit
#: needs at least one, and the result reports none of them. Catalogue names of the problem type (a test checks).
CLASSIFICATION_METRICS = ("roc_auc", "f1", "precision", "recall", "accuracy")
REGRESSION_METRICS = ("mae", "rmse", "mape")

# Internal column names: the positive class mapped to 1 so string labels work, and one timestamp per chunk.
Y_TRUE, Y_PRED, Y_SCORE, CHUNK_TS = "__y_true", "__y_pred", "__y_score", "__chunk_ts"


def metrics_for(model: ModelConfig, sla_metric: str | None, report: tuple[str, ...] = ()) -> list[str]:
    """The metrics to estimate and compute: the SLA metric and those a policy asks to report (catalogue names
    of the model's problem type, as the configuration checked). Only these: DLE fits one LightGBM model per
    metric. With none named, the standard set of the problem type (the fit needs one; nothing is reported)."""
    named = list(dict.fromkeys(m for m in (sla_metric, *report) if m))
    if named:
        return named
    return list(REGRESSION_METRICS if model.problem_type is ProblemType.REGRESSION else CLASSIFICATION_METRICS)


def nightly_chunk_size(observed_rows: int, *, expected_rows: int | None = None) -> int:
    """The batch size the reference is chunked by: ``expected_rows`` (the model's configured nightly batch
    size) when given, else tonight's ``observed_rows`` rounded to ``OBSERVED_SIZE_FIGURES`` significant
    figures (``round(n, 2 - digits(n))``: 4,980 -> 5,000, 1,234 -> 1,200, 87 -> 87)."""
    if expected_rows is not None:
        if expected_rows < 1:
            raise EstimationError(
                f"the expected nightly batch size must be at least 1 row; got {expected_rows} instead"
            )
        return int(expected_rows)
    if observed_rows < 1:
        raise EstimationError(
            f"a nightly batch must hold at least 1 row to size the reference chunks by; got {observed_rows} instead"
        )
    digits = math.floor(math.log10(observed_rows)) + 1
    return int(round(observed_rows, min(0, OBSERVED_SIZE_FIGURES - digits)))


@dataclass(frozen=True)
class ReferenceChunking:
    """How the reference was cut for the alert thresholds: ``chunks`` chunks of ``chunk_size`` rows each (the
    last ``reference_rows % chunk_size`` rows take no part in the thresholds), for nightly batches of
    ``requested_size`` rows; ``note`` says why ``chunk_size`` differs from it, if it does."""

    requested_size: int | None
    chunk_size: int
    chunks: int
    reference_rows: int
    note: str | None = None


def reference_chunking(reference_rows: int, requested_size: int | None) -> ReferenceChunking:
    """The rule: chunks of ``requested_size`` rows (``nightly_chunk_size``) when the reference holds at least
    ``MIN_REFERENCE_CHUNKS`` of them; else ``MIN_REFERENCE_CHUNKS`` chunks of ``reference_rows //
    MIN_REFERENCE_CHUNKS`` rows, whose thresholds are looser than those of the batch's size would be (a
    smaller chunk's metric spreads more); ``UNSIZED_REFERENCE_CHUNKS`` equal chunks when no size is given.

    Raises ``EstimationError`` for a reference of fewer than ``MIN_REFERENCE_CHUNKS`` rows or a size below 1."""
    if reference_rows < MIN_REFERENCE_CHUNKS:
        raise EstimationError(
            f"the reference must hold at least {MIN_REFERENCE_CHUNKS} rows to compute alert thresholds from "
            f"{MIN_REFERENCE_CHUNKS} chunks; got {reference_rows} instead"
        )
    if requested_size is None:
        size = max(reference_rows // UNSIZED_REFERENCE_CHUNKS, 1)
        note = (
            f"no nightly batch size was given: the thresholds come from {reference_rows // size} equal reference "
            f"chunks of {size} rows and hold for batches of about that size"
        )
        return ReferenceChunking(None, size, reference_rows // size, reference_rows, note)
    if requested_size < 1:
        raise EstimationError(f"the reference chunk size must be at least 1 row; got {requested_size} instead")
    if reference_rows >= MIN_REFERENCE_CHUNKS * requested_size:
        return ReferenceChunking(requested_size, requested_size, reference_rows // requested_size, reference_rows)
    size = reference_rows // MIN_REFERENCE_CHUNKS
    note = (
        f"the reference holds {reference_rows} rows, fewer than {MIN_REFERENCE_CHUNKS} chunks of the nightly batch "
        f"size ({requested_size} rows): the thresholds come from {MIN_REFERENCE_CHUNKS} chunks of {size} rows, "
        f"so they are looser than thresholds for {requested_size}-row batches (a real change alerts later)"
    )
    return ReferenceChunking(requested_size, size, MIN_REFERENCE_CHUNKS, reference_rows, note)


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
    """Internal columns NannyML reads: 0/1 labels and predictions, the score, a chunking timestamp (the
    reference's own timestamps; ``night`` for a batch)."""
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
    # The reference is chunked by size in timestamp order; a batch is stamped with its night, so one chunk.
    out[CHUNK_TS] = pd.Timestamp(night) if night is not None else pd.to_datetime(frame[cols.timestamp]).to_numpy()
    return out


class ReconstructionFailed(EstimationError):
    """Multivariate drift could not be computed; the estimated performance still stands."""


@dataclass
class FittedEstimators:
    """NannyML calculators fitted on one model version's scored reference, with the reference chunking their
    alert thresholds come from (``chunking``)."""

    model: str
    version: str | None
    metrics: list[str]
    estimator: Any
    realized: Any
    reconstruction: Any
    reference_metrics: dict[str, float]
    reference_reconstruction: float | None
    chunking: ReferenceChunking

    @property
    def chunk_size(self) -> int:
        """Rows per reference chunk the alert thresholds were computed on."""
        return self.chunking.chunk_size


def _nannyml() -> Any:
    import logging

    import nannyml

    from govern.runtime import quiet_library_warnings

    # NannyML warns per chunk (thresholds clipped to [0, 1], a single-class chunk); our results carry those
    # facts as data (None values, bands), so its log lines are noise in a nightly run's output.
    logging.getLogger("nannyml").setLevel(logging.ERROR)
    quiet_library_warnings()
    return nannyml


def _judge_batches_as_one_chunk(calculators: tuple[Any, ...]) -> None:
    """After the fit (thresholds, calibration and the reference's own results are computed there, and only
    there, with the size chunker), a night's batch is chunked by its night stamp: always exactly one chunk,
    of whatever size. A size chunker would cut a batch larger than the chunk size into several chunks
    (``SizeBasedChunker`` keeps, drops or appends the remainder), or drop it whole."""
    from nannyml.chunk import PeriodBasedChunker

    for calculator in calculators:
        calculator.chunker = PeriodBasedChunker(timestamp_column_name=CHUNK_TS, offset="D")


def fit_estimators(
    scored_reference: pd.DataFrame,
    model: ModelConfig,
    *,
    version: str | None,
    metrics: list[str],
    chunk_size: int | None = None,
) -> FittedEstimators:
    """Fit CBPE (binary) or DLE (regression), the realized-performance calculator and the data
    reconstruction drift calculator on the scored reference.

    ``chunk_size`` is the nightly batch size the alert thresholds are for (``nightly_chunk_size``); the
    reference is cut into chunks of that many rows, as NannyML's ``chunk_size=`` does, or into smaller ones
    when it is too short for that (``reference_chunking``: the rule, recorded on the result)."""
    nml = _nannyml()
    from nannyml.chunk import SizeBasedChunker

    data = _prepare(scored_reference, model, night=None, with_target=True)
    if model.problem_type is ProblemType.BINARY and data[Y_TRUE].nunique() < 2:
        raise EstimationError(
            f"model {model.name!r}: the reference target {model.columns.target!r} must hold both "
            f"classes; got only {sorted(scored_reference[model.columns.target].unique())} instead"
        )
    try:
        chunking = reference_chunking(len(data), chunk_size)
    except EstimationError as exc:
        raise EstimationError(f"model {model.name!r}: {exc}") from exc
    # "drop": every threshold chunk has the batch's size; a small remainder chunk would only widen the spread.
    chunker = SizeBasedChunker(chunk_size=chunking.chunk_size, incomplete="drop", timestamp_column_name=CHUNK_TS)
    common = {"timestamp_column_name": CHUNK_TS, "chunker": chunker}
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
        _judge_batches_as_one_chunk((estimator, realized, reconstruction))
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
        chunking=chunking,
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


#: The cache's secret key, in the folder above the cache folder (``<state>/cache/.estimator-cache.key`` for
#: ``<state>/cache/estimators``): 32 random bytes, mode 0600, created on first use.
CACHE_SECRET_NAME = ".estimator-cache.key"
CACHE_SECRET_BYTES = 32
#: Each pickle's keyed hash sits beside it: ``<key>.pkl`` and ``<key>.pkl.hmac`` (hex HMAC-SHA256).
CACHE_TAG_SUFFIX = ".hmac"


class UntrustedCacheSecret(EstimationError):
    """The cache's secret key file exists but cannot be trusted (another owner, readable by others, a link,
    the wrong length) or cannot be read: the disk cache is not used."""


def _cache_secret(path: Path) -> bytes:
    """The secret key in ``path``, created on first use: written to a private temporary file (``mkstemp``
    makes it 0600) and hard-linked into place, so a concurrent process sees the whole key or none, and the
    first writer wins. An existing file is trusted only if it is a regular file (not a link) of this user,
    with no permission for group or others, holding exactly ``CACHE_SECRET_BYTES`` bytes: whoever else can
    read it can forge cache files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not os.path.lexists(path):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(CACHE_SECRET_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process created it first: read theirs
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise UntrustedCacheSecret(f"{path}: the cache key must be a readable regular file; got {exc} instead") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UntrustedCacheSecret(f"{path}: the cache key must be a regular file; got another kind instead")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise UntrustedCacheSecret(
                f"{path}: the cache key must belong to this user (uid {os.getuid()}); got uid {info.st_uid} instead"
            )
        if info.st_mode & 0o077:
            raise UntrustedCacheSecret(
                f"{path}: the cache key must be readable by its owner only (mode 0600); "
                f"got mode {stat.S_IMODE(info.st_mode):04o} instead"
            )
        secret = handle.read(CACHE_SECRET_BYTES + 1)
    if len(secret) != CACHE_SECRET_BYTES:
        raise UntrustedCacheSecret(
            f"{path}: the cache key must hold {CACHE_SECRET_BYTES} bytes; got {len(secret)} instead"
        )
    return secret


class EstimatorCache:
    """Fitted calculators by (model, version, reference fingerprint, metrics, chunk size): in memory, then on
    disk under the project's state folder.

    Loading a pickle runs whatever code it names, so a file is unpickled only if its keyed hash checks out:
    ``put`` writes ``<folder>/<model>/<key>.pkl`` and beside it ``<key>.pkl.hmac``, the hex HMAC-SHA256 of the
    model, the key and the pickle's bytes under the secret key in ``secret_file`` (default
    ``<folder>/../.estimator-cache.key``, outside the cache folder; see ``_cache_secret``). ``get`` reads the
    tag first; a missing or wrong tag, or a file that cannot be read or unpickled, is logged as a WARNING
    naming the file and the reason, and is a cache miss: the caller refits and ``put`` overwrites the file
    (no cache file is ever deleted). The hash binds the model and key too, so a valid file copied under
    another key is rejected. It protects against whoever can write the cache folder but not read the key
    file; not against this user's own account. An untrusted key file (see ``_cache_secret``) is logged once
    and the disk cache is then not used at all (memory only) until it is fixed (``chmod 600``, or removed
    so a new one is made, which makes every cache file a miss once).
    """

    def __init__(self, folder: Path | None, *, secret_file: Path | None = None) -> None:
        self.folder = folder
        if secret_file is None and folder is not None:
            secret_file = folder.parent / CACHE_SECRET_NAME
        self.secret_file = secret_file
        self._memory: dict[str, FittedEstimators] = {}
        self._lock = threading.Lock()
        self._secret: bytes | None = None
        self._secret_refused = False

    @staticmethod
    def key(
        model: ModelConfig,
        version: str | None,
        reference_fingerprint: str,
        metrics: list[str],
        *,
        chunk_size: int | None = None,
    ) -> str:
        """The cache key; ``chunk_size`` is the one passed to ``fit_estimators`` (``nightly_chunk_size``: an
        observed size is rounded there, so a feed's usual variation keeps its key)."""
        import nannyml

        parts = [
            model.name,
            str(version),
            reference_fingerprint,
            ",".join(metrics),
            model.columns.model_dump_json(),
            nannyml.__version__,
            str(CACHE_FORMAT),
            f"chunk_size={chunk_size}",
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    def _path(self, model: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / model / f"{key}.pkl"

    def _secret_key(self) -> bytes | None:
        """The secret key, read once; None (the disk cache off) when it cannot be trusted, logged once."""
        with self._lock:
            if self._secret is not None or self._secret_refused:
                return self._secret
            assert self.secret_file is not None
            try:
                self._secret = _cache_secret(self.secret_file)
            except (UntrustedCacheSecret, OSError) as exc:
                self._secret_refused = True
                log.warning("estimator cache: not using the files under %s: %s", self.folder, exc)
            return self._secret

    @staticmethod
    def _tag(secret: bytes, model: str, key: str, payload: bytes) -> str:
        mac = hmac.new(secret, f"govern-estimator-cache|{model}|{key}|".encode(), hashlib.sha256)
        mac.update(payload)
        return mac.hexdigest()

    def get(self, key: str, model: str) -> FittedEstimators | None:
        """The fitted estimators under ``key``, or None (a miss: refit and ``put``)."""
        with self._lock:
            if key in self._memory:
                return self._memory[key]
        if self.folder is None:
            return None
        path = self._path(model, key)
        if not path.is_file():
            return None
        secret = self._secret_key()
        if secret is None:
            return None
        fitted = self._load_verified(path, secret, model, key)
        if fitted is not None:
            with self._lock:
                self._memory[key] = fitted
        return fitted

    def _load_verified(self, path: Path, secret: bytes, model: str, key: str) -> FittedEstimators | None:
        tag_path = path.with_name(path.name + CACHE_TAG_SUFFIX)
        reason: str | None = None
        try:
            payload = path.read_bytes()
            tag = tag_path.read_text(encoding="ascii").strip() if tag_path.is_file() else None
        except (OSError, UnicodeDecodeError) as exc:
            reason = f"it could not be read ({type(exc).__name__}: {exc})"
        else:
            if tag is None:
                reason = f"its integrity tag {tag_path.name} is missing"
            elif not hmac.compare_digest(tag, self._tag(secret, model, key, payload)):
                reason = f"its content does not match its integrity tag {tag_path.name} (changed or truncated)"
        if reason is None:
            try:
                fitted = pickle.loads(payload)  # verified: written by put() with this state folder's key
            except Exception as exc:  # a verified file that still fails (e.g. a library change): refit it
                reason = f"it could not be unpickled ({type(exc).__name__}: {exc})"
            else:
                if isinstance(fitted, FittedEstimators) and fitted.model == model:
                    return fitted
                reason = f"it holds a {type(fitted).__name__}, not the fitted estimators of model {model!r}"
        log.warning(
            "estimator cache file %s not loaded: %s; the estimators are refitted and the file overwritten",
            path,
            reason,
        )
        return None

    def put(self, key: str, fitted: FittedEstimators) -> None:
        """Keep ``fitted`` in memory and, with its integrity tag, on disk (replacing any file under ``key``)."""
        with self._lock:
            self._memory[key] = fitted
        if self.folder is None:
            return
        secret = self._secret_key()
        if secret is None:
            return
        from govern.data import write_atomic, write_bytes_atomic

        path = self._path(fitted.model, key)
        payload = pickle.dumps(fitted)
        # the pickle first: a crash in between leaves a stale tag, a logged miss, never a trusted wrong file
        write_bytes_atomic(path, payload)
        write_atomic(path.with_name(path.name + CACHE_TAG_SUFFIX), self._tag(secret, fitted.model, key, payload))


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
        self,
        scored_reference: pd.DataFrame,
        model: ModelConfig,
        *,
        version: str | None,
        metrics: list[str],
        chunk_size: int | None = None,
    ) -> FittedEstimators:
        """``fit_estimators`` in a worker process."""
        what = f"model {model.name!r}: fitting its estimators"
        fitted: FittedEstimators = self._pool.run(
            what, fit_estimators, scored_reference, model, version=version, metrics=metrics, chunk_size=chunk_size
        )
        return fitted

    def close(self) -> None:
        self._pool.close()

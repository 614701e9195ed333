"""The metric catalogue: every performance metric a policy's SLA may name, with its direction, its valid range
and its definition on labels.

A catalogue name is NannyML's name for the metric (CBPE estimates the binary ones, DLE the regression ones,
and its realized ``PerformanceCalculator`` computes them all), and ``score`` computes it exactly as that
calculator does in NannyML 0.13: the same scikit-learn function, the same rows dropped (a missing value in
any column the metric reads) and the same cases left undefined (``None`` here, NaN there).

Binary labels and predictions are 0/1 with 1 the positive class; ``y_score`` is the predicted probability of
the positive class.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from govern.config import ProblemType

Values = NDArray[np.float64]
_Compute = Callable[[Values, Values], float | None]


@dataclass(frozen=True)
class Metric:
    """One catalogue entry."""

    name: str
    problem_types: tuple[str, ...]
    """The values of ``govern.config.ProblemType`` it applies to (a ``ProblemType`` compares equal to its value)."""
    higher_is_better: bool
    lower: float
    """Smallest value the metric can take."""
    upper: float
    """Largest value the metric can take (``math.inf`` for an unbounded error)."""
    description: str
    """One line, with the formula."""
    reads: Literal["y_pred", "y_score"]
    """What it is computed from besides ``y_true``: the predictions or the positive-class scores."""
    compute: _Compute = field(repr=False, compare=False)
    """``compute(y_true, y_pred or y_score)`` on rows without missing values; ``None`` where undefined."""


# --------------------------------------------------------------------------------- definitions on labels
# Each mirrors ``_calculate`` of the NannyML 0.13 class registered under the same name
# (nannyml/performance_calculation/metrics/binary_classification.py and regression.py).


def _two_classes(values: Values) -> bool:
    return bool(np.unique(values).size > 1)


def _roc_auc(y_true: Values, y_score: Values) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y_true, y_score)) if _two_classes(y_true) else None


def _average_precision(y_true: Values, y_score: Values) -> float | None:
    from sklearn.metrics import average_precision_score

    # NannyML needs a positive only: with every label positive, AP is 1
    return float(average_precision_score(y_true, y_score)) if bool((y_true == 1).any()) else None


def _on_both_classes(function: str) -> _Compute:
    """f1, precision and recall: NannyML leaves them undefined unless labels and predictions both hold two
    classes (so scikit-learn's ``zero_division`` never applies)."""

    def compute(y_true: Values, y_pred: Values) -> float | None:
        from sklearn import metrics as sk

        if not (_two_classes(y_true) and _two_classes(y_pred)):
            return None
        return float(getattr(sk, function)(y_true, y_pred))

    return compute


def _specificity(y_true: Values, y_pred: Values) -> float | None:
    from sklearn.metrics import confusion_matrix

    # labels=[0, 1] keeps the matrix 2x2 when a class is absent (NannyML's unpacking would fail there)
    tn, fp, _, _ = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    return float(tn / (tn + fp)) if tn + fp else None


def _accuracy(y_true: Values, y_pred: Values) -> float | None:
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred))


def _regression(function: str, *, non_negative: bool = False) -> _Compute:
    """A scikit-learn regression metric; the logarithmic ones are undefined on any negative value (NannyML
    refuses them, where scikit-learn would accept values in (-1, 0))."""

    def compute(y_true: Values, y_pred: Values) -> float | None:
        from sklearn import metrics as sk

        if non_negative and bool((y_true < 0).any() or (y_pred < 0).any()):
            return None
        return float(getattr(sk, function)(y_true, y_pred))

    return compute


def _binary(name: str, description: str, *, reads: Literal["y_pred", "y_score"], compute: _Compute) -> Metric:
    """A binary classification metric: a rate or an area under a curve, higher is better, in [0, 1]."""
    return Metric(
        name=name,
        problem_types=("binary_classification",),
        higher_is_better=True,
        lower=0.0,
        upper=1.0,
        description=description,
        reads=reads,
        compute=compute,
    )


def _error(name: str, description: str, compute: _Compute) -> Metric:
    """A regression error: lower is better, 0 for a perfect prediction, unbounded above."""
    return Metric(
        name=name,
        problem_types=("regression",),
        higher_is_better=False,
        lower=0.0,
        upper=math.inf,
        description=description,
        reads="y_pred",
        compute=compute,
    )


#: Every metric by name: the binary ones, then the regression ones, each group in the order policies list them.
METRICS: dict[str, Metric] = {
    entry.name: entry
    for entry in (
        _binary(
            "roc_auc",
            "area under the ROC curve of y_score = P(score of a random positive > score of a random negative), "
            "ties counting 1/2",
            reads="y_score",
            compute=_roc_auc,
        ),
        _binary("f1", "F1 = 2 TP / (2 TP + FP + FN)", reads="y_pred", compute=_on_both_classes("f1_score")),
        _binary("precision", "precision = TP / (TP + FP)", reads="y_pred", compute=_on_both_classes("precision_score")),
        _binary("recall", "recall = TP / (TP + FN)", reads="y_pred", compute=_on_both_classes("recall_score")),
        _binary("specificity", "specificity = TN / (TN + FP)", reads="y_pred", compute=_specificity),
        _binary("accuracy", "accuracy = (TP + TN) / n", reads="y_pred", compute=_accuracy),
        _binary(
            "average_precision",
            "AP = sum over the score thresholds k of (R_k - R_(k-1)) P_k: the step-wise area under the "
            "precision-recall curve of y_score",
            reads="y_score",
            compute=_average_precision,
        ),
        _error("mae", "MAE = mean(|y - y_hat|)", _regression("mean_absolute_error")),
        _error(
            "mape",
            "MAPE = mean(|y - y_hat| / max(|y|, eps)), a fraction (0.1 = 10 %), eps the float64 machine epsilon",
            _regression("mean_absolute_percentage_error"),
        ),
        _error("mse", "MSE = mean((y - y_hat)^2)", _regression("mean_squared_error")),
        _error(
            "msle",
            "MSLE = mean((ln(1 + y) - ln(1 + y_hat))^2), for y, y_hat >= 0",
            _regression("mean_squared_log_error", non_negative=True),
        ),
        _error("rmse", "RMSE = sqrt(mean((y - y_hat)^2))", _regression("root_mean_squared_error")),
        _error(
            "rmsle",
            "RMSLE = sqrt(mean((ln(1 + y) - ln(1 + y_hat))^2)), for y, y_hat >= 0",
            _regression("root_mean_squared_log_error", non_negative=True),
        ),
    )
}


def metric(name: str) -> Metric:
    """The catalogue entry of ``name``; a ValueError lists the accepted names."""
    try:
        return METRICS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(METRICS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {name!r} instead{hint}") from None


def metric_names(problem_type: ProblemType | str) -> tuple[str, ...]:
    """The names of the metrics that apply to a problem type (a ``ProblemType`` or its value), in catalogue
    order; empty for a problem type without any (multiclass)."""
    # imported here, not at the top: govern.config validates SLA metrics against this catalogue
    from govern.config import ProblemType

    try:
        kind = ProblemType(problem_type)
    except ValueError:
        accepted = ", ".join(p.value for p in ProblemType)
        raise ValueError(f"problem_type must be one of {accepted}; got {problem_type!r} instead") from None
    return tuple(name for name, entry in METRICS.items() if kind in entry.problem_types)


def score(name: str, *, y_true: ArrayLike, y_pred: ArrayLike, y_score: ArrayLike | None = None) -> float | None:
    """The metric ``name`` on labelled data, as NannyML's realized performance calculator computes it.

    Rows with a missing value in ``y_true`` or in the column the metric reads (``y_pred``, or ``y_score``
    for roc_auc and average_precision) are dropped first. ``None`` where the metric is undefined: no rows
    left; a single class in ``y_true`` (roc_auc), no positive (average_precision), a single class in
    ``y_true`` or ``y_pred`` (f1, precision, recall), no negative (specificity), a negative value (msle,
    rmsle).
    """
    entry = metric(name)
    other: Any = y_score if entry.reads == "y_score" else y_pred
    if other is None:
        raise ValueError(f"{name} is computed from {entry.reads}: {entry.reads} must be given; got None instead")
    truth = np.asarray(y_true, dtype="float64")
    values = np.asarray(other, dtype="float64")
    if truth.shape != values.shape or truth.ndim != 1:
        raise ValueError(
            f"y_true and {entry.reads} must be one-dimensional and of the same length; "
            f"got shapes {truth.shape} and {values.shape} instead"
        )
    keep = ~(np.isnan(truth) | np.isnan(values))
    if not keep.any():
        return None
    return entry.compute(truth[keep], values[keep])


#: A target within this share of the typical |target| of zero makes a relative error unbounded.
NEAR_ZERO = 1e-3


def undefined_on(name: str, y_true: ArrayLike) -> str | None:
    """Why ``name`` is undefined or meaningless on targets ``y_true`` (None when it is fine): MAPE divides by
    the target, so targets near zero (within ``NEAR_ZERO`` of the median |target|) make it explode (8.7e12 was
    seen); MSLE and RMSLE take the log of 1 + target, which negative targets break."""
    if name not in ("mape", "msle", "rmsle"):
        return None
    values = np.asarray(y_true, dtype="float64")
    values = values[~np.isnan(values)]
    if values.size == 0:
        return "no labelled rows"
    if name == "mape":
        scale = float(np.median(np.abs(values)))
        near = int((np.abs(values) <= NEAR_ZERO * scale).sum()) if scale > 0 else int(values.size)
        if near:
            return (
                f"MAPE divides by the target and {near} of {values.size} targets are within {NEAR_ZERO:g} x the "
                f"median |target| of zero: relative errors are unbounded there"
            )
    if name in ("msle", "rmsle") and bool((values < 0).any()):
        return f"{name.upper()} takes log(1 + target) and {int((values < 0).sum())} targets are negative"
    return None

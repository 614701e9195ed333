"""The metric catalogue: every metric the configuration accepts is estimated (NannyML CBPE / DLE), realized
(NannyML's calculator) and compared between versions (``metric_on_labelled``), the last two equal to
scikit-learn called here directly; and the catalogue's own facts (NannyML names, direction, range, the
undefined cases)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.config import ModelConfig, ProblemType, load_fleet
from govern.errors import ConfigError, EstimationError
from govern.estimation import (
    estimate_performance,
    fit_estimators,
    metric_on_labelled,
    metrics_for,
    realized_performance,
)
from govern.metrics import METRICS, metric, metric_names, score
from govern.results import MetricValue
from tests.fleet_factory import applicants, model_config, write_fleet
from tests.test_estimation import binary_frame

BINARY, REGRESSION = ProblemType.BINARY.value, ProblemType.REGRESSION.value
CASES = [(BINARY, name) for name in metric_names(BINARY)] + [(REGRESSION, name) for name in metric_names(REGRESSION)]
NIGHT = "2026-10-01"


def _sklearn() -> Any:
    from sklearn import metrics as sk

    return sk


#: The independent oracle: scikit-learn called directly, as f(y_true, y_pred, y_score).
ORACLE: dict[str, Callable[[pd.Series, pd.Series, pd.Series | None], float]] = {
    "roc_auc": lambda y, p, s: _sklearn().roc_auc_score(y, s),
    "f1": lambda y, p, s: _sklearn().f1_score(y, p),
    "precision": lambda y, p, s: _sklearn().precision_score(y, p),
    "recall": lambda y, p, s: _sklearn().recall_score(y, p),
    "specificity": lambda y, p, s: _sklearn().recall_score(y, p, pos_label=0),  # TN / (TN + FP)
    "accuracy": lambda y, p, s: _sklearn().accuracy_score(y, p),
    "average_precision": lambda y, p, s: _sklearn().average_precision_score(y, s),
    "mae": lambda y, p, s: _sklearn().mean_absolute_error(y, p),
    "mape": lambda y, p, s: _sklearn().mean_absolute_percentage_error(y, p),
    "mse": lambda y, p, s: _sklearn().mean_squared_error(y, p),
    "msle": lambda y, p, s: _sklearn().mean_squared_log_error(y, p),
    "rmse": lambda y, p, s: _sklearn().root_mean_squared_error(y, p),
    "rmsle": lambda y, p, s: _sklearn().root_mean_squared_log_error(y, p),
}


def regression_frame(n: int, start: str, days: int, seed: int) -> pd.DataFrame:
    """Positive targets and predictions (msle and rmsle refuse negatives), with an error that grows with
    income so DLE has something to learn."""
    rng = np.random.default_rng(seed)
    frame = applicants(rng, n, start=start, days=days, regions=("north", "south"))
    prediction = np.exp(1 + 0.5 * frame["income"])
    return frame.assign(
        limit_pred=prediction, limit=prediction * np.exp(rng.normal(0, 0.2 + 0.3 * (frame["income"] > 1), n))
    )


def regression_model() -> ModelConfig:
    config = model_config("limit", problem_type="regression")
    config["columns"].update(score=None, prediction="limit_pred", target="limit", protected=[])
    config["thresholds"] = {"performance": {"metric": "mae", "maximum": 1.0}}
    return ModelConfig.model_validate(config)


@dataclass(frozen=True)
class Night:
    """One problem type's model fitted with every catalogue metric, and one labelled batch judged by it."""

    model: ModelConfig
    labelled: pd.DataFrame
    estimated: dict[str, MetricValue]
    realized: dict[str, MetricValue]

    def oracle(self, name: str) -> float:
        cols = self.model.columns
        frame = self.labelled
        return float(
            ORACLE[name](frame[cols.target], frame[cols.prediction], frame[cols.score] if cols.score else None)
        )


def judge_one_night(problem_type: str) -> Night:
    """Fit NannyML with every catalogue metric of the problem type, then estimate and realize one batch."""
    if problem_type == BINARY:
        model = ModelConfig.model_validate(model_config())
        reference, batch = binary_frame(4000, "2026-09-01", 20, seed=31), binary_frame(1500, NIGHT, 1, seed=32)
    else:
        model = regression_model()
        reference, batch = regression_frame(4000, "2026-09-01", 20, seed=33), regression_frame(1500, NIGHT, 1, seed=34)
    fitted = fit_estimators(reference, model, version="1", metrics=list(metric_names(problem_type)))
    estimated = estimate_performance(fitted, batch.drop(columns=[model.columns.target]), model, night=NIGHT)
    realized = realized_performance(fitted, batch, model, batch_night=NIGHT)
    return Night(model, batch, {m.metric: m for m in estimated}, {m.metric: m for m in realized})


# Fitting takes seconds: once per problem type and module. (A module-scoped fixture parametrized indirectly
# would be rebuilt for every metric: pytest keys its cache on the parameter's index in each list.)
@pytest.fixture(scope="module")
def binary_night() -> Night:
    return judge_one_night(BINARY)


@pytest.fixture(scope="module")
def regression_night() -> Night:
    return judge_one_night(REGRESSION)


@pytest.fixture
def night(request: pytest.FixtureRequest) -> Night:
    """The night of the problem type given as this fixture's (indirect) parameter."""
    return request.getfixturevalue({BINARY: "binary_night", REGRESSION: "regression_night"}[request.param])


# ------------------------------------------------------------------------ every metric, end to end


@pytest.mark.parametrize(("night", "name"), CASES, indirect=["night"])
def test_every_metric_is_estimated_without_labels(night: Night, name: str) -> None:
    estimated = night.estimated[name]
    assert estimated.kind == "estimated" and estimated.value is not None
    assert METRICS[name].lower <= estimated.value <= METRICS[name].upper
    # the batch is drawn like the reference: the estimate lands near the realized value (gaps of 0.3-5 % measured)
    assert estimated.value == pytest.approx(night.oracle(name), rel=0.1)


@pytest.mark.parametrize(("night", "name"), CASES, indirect=["night"])
def test_every_metric_is_realized_as_sklearn_computes_it(night: Night, name: str) -> None:
    realized = night.realized[name]
    assert realized.kind == "realized" and realized.value is not None
    assert realized.value == pytest.approx(night.oracle(name), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("night", "name"), CASES, indirect=["night"])
def test_every_metric_is_compared_between_versions_as_sklearn_computes_it(night: Night, name: str) -> None:
    value = metric_on_labelled(night.labelled, night.model, name)
    assert value is not None
    assert value == pytest.approx(night.oracle(name), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("night", [BINARY, REGRESSION], indirect=True)
def test_the_data_tells_every_metric_apart(night: Night) -> None:
    """Otherwise a metric computed with another's definition would pass the tests above."""
    values = [round(night.oracle(name), 6) for name in metric_names(night.model.problem_type)]
    assert len(set(values)) == len(values), values


# ------------------------------------------------------------------------ the configuration and NannyML


def test_the_configuration_accepts_every_catalogue_metric_of_the_problem_type_and_no_other(tmp_path: Path) -> None:
    for problem_type in (BINARY, REGRESSION):
        other = REGRESSION if problem_type == BINARY else BINARY
        for name in [*metric_names(problem_type), *metric_names(other)]:
            config = model_config(problem_type=problem_type)
            config["thresholds"] = {"performance": {"metric": name}}
            fleet = write_fleet(tmp_path / problem_type / name, models=[config])
            if name in metric_names(problem_type):
                assert load_fleet(fleet).rules("loan").value("performance", "metric") == name
            else:
                with pytest.raises(ConfigError, match=f"performance.metric .*got '{name}'"):
                    load_fleet(fleet)


def test_every_catalogue_name_is_a_metric_nannyml_estimates_and_calculates() -> None:
    from nannyml._typing import ProblemType as NannyProblem
    from nannyml.performance_calculation.metrics.base import MetricFactory as Realized
    from nannyml.performance_estimation.confidence_based.metrics import MetricFactory as CBPE
    from nannyml.performance_estimation.direct_loss_estimation.metrics import MetricFactory as DLE

    estimators = {BINARY: (CBPE, NannyProblem.CLASSIFICATION_BINARY), REGRESSION: (DLE, NannyProblem.REGRESSION)}
    for name, entry in METRICS.items():
        assert entry.problem_types and set(entry.problem_types) <= set(estimators), name
        for problem_type in entry.problem_types:
            factory, use_case = estimators[problem_type]
            assert use_case in factory.registry.get(name, {}), f"{factory.__module__} does not estimate {name}"
            assert use_case in Realized.registry.get(name, {}), f"NannyML's calculator does not compute {name}"


def test_every_problem_type_value_is_known_and_every_metric_is_listed_once() -> None:
    known = {p.value for p in ProblemType}
    assert all(set(entry.problem_types) <= known for entry in METRICS.values())
    listed = [name for p in ProblemType for name in metric_names(p)]
    assert sorted(listed) == sorted(METRICS)
    assert metric_names(ProblemType.MULTICLASS) == ()
    assert metric_names(ProblemType.REGRESSION) == metric_names("regression")


@pytest.mark.parametrize("problem_type", [BINARY, REGRESSION])
def test_metrics_for_computes_the_sla_metric_and_the_requested_ones_only(problem_type: str) -> None:
    model = ModelConfig.model_validate(model_config()) if problem_type == BINARY else regression_model()
    assert set(metrics_for(model, None)) <= set(metric_names(problem_type))  # none named: a standard set
    names = metric_names(problem_type)
    for name in names:
        assert metrics_for(model, name) == [name]
        assert metrics_for(model, name, (names[-1], name)) == list(dict.fromkeys([name, names[-1]]))


def test_comparing_with_a_metric_of_another_problem_type_is_an_error_naming_the_model() -> None:
    model = ModelConfig.model_validate(model_config())
    with pytest.raises(EstimationError, match=r"model 'loan': the metric must be one of roc_auc, .*got 'mae'"):
        metric_on_labelled(binary_frame(100, NIGHT, 1, seed=1), model, "mae")


# ------------------------------------------------------------------------ the catalogue itself


def test_an_unknown_metric_is_refused_with_the_accepted_names() -> None:
    with pytest.raises(ValueError, match="metric must be one of") as info:
        metric("nope")
    assert all(name in str(info.value) for name in METRICS)
    assert "got 'nope' instead" in str(info.value)
    with pytest.raises(ValueError, match="did you mean 'rmse'"):
        score("rsme", y_true=[1.0], y_pred=[1.0])
    with pytest.raises(ValueError, match="problem_type must be one of binary_classification"):
        metric_names("ranking")


def _perfect(problem_type: str) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(41)
    y = rng.integers(0, 2, 200).astype(float) if problem_type == BINARY else rng.gamma(2.0, 3.0, 200)
    return {"y_true": y, "y_pred": y.copy(), "y_score": y.copy()}


def _wrong(problem_type: str) -> dict[str, np.ndarray]:
    data = _perfect(problem_type)
    if problem_type == BINARY:
        return {**data, "y_pred": 1 - data["y_true"], "y_score": 1 - data["y_true"]}
    return {**data, "y_pred": data["y_true"] * 1.5 + 1}


@pytest.mark.parametrize(("problem_type", "name"), CASES)
def test_a_perfect_prediction_scores_the_best_end_of_the_range_and_a_wrong_one_worse(
    problem_type: str, name: str
) -> None:
    entry = metric(name)
    best, worst = (entry.upper, entry.lower) if entry.higher_is_better else (entry.lower, entry.upper)
    assert math.isfinite(best)
    assert score(name, **_perfect(problem_type)) == pytest.approx(best, abs=1e-12)
    wrong = score(name, **_wrong(problem_type))
    assert wrong is not None and entry.lower <= wrong <= entry.upper
    assert abs(wrong - best) > 0.1
    if math.isfinite(worst) and name != "average_precision":  # AP of a reversed ranking is the positive rate
        assert wrong == pytest.approx(worst, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.integers(0, 1), min_size=1, max_size=60),
    scores=st.lists(st.floats(0, 1), min_size=60, max_size=60),
    values=st.lists(st.floats(0, 1e6), min_size=2, max_size=60),
)
def test_every_value_is_inside_the_range_or_undefined(
    labels: list[int], scores: list[float], values: list[float]
) -> None:
    y, s = np.array(labels, dtype=float), np.array(scores[: len(labels)])
    for name in metric_names(BINARY):
        value = score(name, y_true=y, y_pred=(s >= 0.5).astype(float), y_score=s)
        assert value is None or METRICS[name].lower <= value <= METRICS[name].upper, name
    truth, prediction = np.array(values[::2]), np.array(values[1::2])
    truth = truth[: len(prediction)]
    for name in metric_names(REGRESSION):
        value = score(name, y_true=truth, y_pred=prediction)
        assert value is not None and METRICS[name].lower <= value <= METRICS[name].upper, name


@pytest.mark.parametrize(
    ("name", "y_true", "y_pred", "y_score"),
    [
        ("roc_auc", [1, 1, 1], [1, 0, 1], [0.9, 0.2, 0.8]),  # one class
        ("average_precision", [0, 0, 0], [1, 0, 1], [0.9, 0.2, 0.8]),  # no positive
        ("f1", [0, 1, 1], [1, 1, 1], None),  # one predicted class
        ("precision", [1, 1, 1], [1, 0, 1], None),  # one true class
        ("recall", [0, 1, 0], [0, 0, 0], None),
        ("specificity", [1, 1, 1], [1, 0, 1], None),  # no negative
        ("msle", [1.0, 2.0], [1.0, -0.5], None),  # scikit-learn would accept -0.5; NannyML refuses it
        ("rmsle", [-0.5, 2.0], [1.0, 2.0], None),
        ("mae", [np.nan, 2.0], [1.0, np.nan], None),  # no complete row
    ],
)
def test_undefined_cases_score_none(name: str, y_true: list, y_pred: list, y_score: list | None) -> None:
    assert score(name, y_true=y_true, y_pred=y_pred, y_score=y_score) is None


def test_defined_edge_cases_match_nannyml() -> None:
    # NannyML computes these where some libraries would not: AP with only positives, accuracy on one class
    assert score("average_precision", y_true=[1, 1], y_pred=[1, 0], y_score=[0.9, 0.1]) == 1.0
    assert score("accuracy", y_true=[1, 1, 1, 1], y_pred=[1, 0, 1, 1]) == 0.75
    assert score("specificity", y_true=[0, 0, 0, 1], y_pred=[0, 1, 0, 0]) == pytest.approx(2 / 3)


def test_rows_with_a_missing_value_are_dropped_as_nannyml_drops_them() -> None:
    sk = _sklearn()
    y = np.array([3.0, np.nan, 5.0, 2.0, 7.0])
    p = np.array([2.5, 4.0, np.nan, 2.0, 6.0])
    assert score("rmse", y_true=y, y_pred=p) == pytest.approx(sk.root_mean_squared_error([3, 2, 7], [2.5, 2, 6]))
    # a score-based metric ignores a missing prediction, and the other way round
    labels, scores, predictions = [0, 1, 0, 1], [0.1, 0.9, np.nan, 0.7], [0, 1, 1, np.nan]
    assert score("roc_auc", y_true=labels, y_pred=predictions, y_score=scores) == 1.0
    assert score("accuracy", y_true=labels, y_pred=predictions, y_score=scores) == pytest.approx(2 / 3)


def test_a_score_based_metric_needs_y_score_and_inputs_of_one_length() -> None:
    with pytest.raises(ValueError, match="roc_auc is computed from y_score: y_score must be given"):
        score("roc_auc", y_true=[0, 1], y_pred=[0, 1])
    with pytest.raises(ValueError, match=r"same length; got shapes \(2,\) and \(3,\)"):
        score("mae", y_true=[1.0, 2.0], y_pred=[1.0, 2.0, 3.0])


def test_mape_on_targets_near_zero_is_undefined_with_a_reason() -> None:
    from govern.metrics import undefined_on

    targets = np.r_[np.full(999, 100.0), [1e-9]]  # one target at zero: MAPE would be about 1e11 / 1000
    reason = undefined_on("mape", targets)
    assert reason is not None and "1 of 1000 targets" in reason
    assert undefined_on("mape", np.full(10, 100.0)) is None
    assert undefined_on("msle", np.array([1.0, -0.5])) is not None and undefined_on("rmsle", np.ones(3)) is None
    assert undefined_on("roc_auc", np.array(["yes", "no"])) is None  # not a target-scale metric: not its business

"""The rollback check works for every metric a policy may name: the pipeline's version comparison
(``compare_with_previous_version``) scores the serving version and the one before it on the reference set with
that metric, equal to scikit-learn called here directly, and the judgement finds a clearly worse new version a
``performance.version_regression``. (A regressor's comparison uses its SLA metric, so a metric the comparison
could not score would leave that model without a rollback check.)

Version 1 is fitted on the labels; version 2 is worse on every metric: a regressor that learned nothing (the
mean), a classifier fitted on inverted labels (a pipeline bug; unlike one fitted on shuffled labels it still
predicts both classes, so f1, precision and recall stay defined).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from govern.config import ModelConfig, ProblemType, load_fleet
from govern.estimation import EstimatorCache
from govern.metrics import metric_names
from govern.pipeline import ModelInputs, RunContext, compare_with_previous_version, load_reference
from govern.policy import judge
from govern.registry import InMemoryRegistry
from govern.results import Evidence, PerformanceResult
from govern.store import ResultsStore
from tests.fleet_factory import applicants, model_config, write_fleet

BINARY, REGRESSION = ProblemType.BINARY.value, ProblemType.REGRESSION.value
CASES = [(BINARY, name) for name in metric_names(BINARY)] + [(REGRESSION, name) for name in metric_names(REGRESSION)]
NIGHT = "2026-10-01"
ROWS = 1500
MAX_VERSION_REGRESSION = 0.05

#: The independent oracle: scikit-learn called directly, as f(y_true, y_pred, y_score).
ORACLE: dict[str, Callable[[pd.Series, np.ndarray, np.ndarray | None], float]] = {
    "roc_auc": lambda y, p, s: sk.roc_auc_score(y, s),
    "f1": lambda y, p, s: sk.f1_score(y, p),
    "precision": lambda y, p, s: sk.precision_score(y, p),
    "recall": lambda y, p, s: sk.recall_score(y, p),
    "specificity": lambda y, p, s: sk.recall_score(y, p, pos_label=0),  # TN / (TN + FP)
    "accuracy": lambda y, p, s: sk.accuracy_score(y, p),
    "average_precision": lambda y, p, s: sk.average_precision_score(y, s),
    "mae": lambda y, p, s: sk.mean_absolute_error(y, p),
    "mape": lambda y, p, s: sk.mean_absolute_percentage_error(y, p),
    "mse": lambda y, p, s: sk.mean_squared_error(y, p),
    "msle": lambda y, p, s: sk.mean_squared_log_error(y, p),
    "rmse": lambda y, p, s: sk.root_mean_squared_error(y, p),
    "rmsle": lambda y, p, s: sk.root_mean_squared_log_error(y, p),
}
#: The binary metrics are scores (higher is better); the regression ones are errors.
HIGHER_IS_BETTER = set(metric_names(BINARY))


@dataclass(frozen=True)
class Versions:
    """One problem type's reference set and its two versions, fitted once per module."""

    config: Callable[[str], dict[str, Any]]
    """The model's config with a given SLA metric (and the version-regression limit) in force."""
    reference: pd.DataFrame
    good: Any
    worse: Any

    def oracle(self, metric: str, estimator: Any, model: ModelConfig) -> float:
        """``metric`` of ``estimator`` on the reference set, scored here by the estimator itself."""
        features = self.reference[model.columns.features]
        y_score = estimator.predict_proba(features)[:, 1] if model.problem_type is ProblemType.BINARY else None
        return float(ORACLE[metric](self.reference[model.columns.target], estimator.predict(features), y_score))


def _binary_config(metric: str) -> dict[str, Any]:
    sla = {"metric": metric, "minimum": 0.5, "max_version_regression": MAX_VERSION_REGRESSION}
    return model_config("loan", thresholds={"performance": sla})


def _regression_config(metric: str) -> dict[str, Any]:
    config = model_config("limit", problem_type="regression")
    config["columns"].update(score=None, prediction="limit_pred", target="limit", protected=[])
    sla = {"metric": metric, "maximum": 1e6, "max_version_regression": MAX_VERSION_REGRESSION}
    config["thresholds"] = {"performance": sla}
    return config


def _encoded(estimator: Any) -> Any:
    """``estimator`` on income and one-hot region."""
    columns = ColumnTransformer([("num", "passthrough", ["income"]), ("cat", OneHotEncoder(), ["region"])])
    return make_pipeline(columns, estimator)


@pytest.fixture(scope="module")
def binary_versions() -> Versions:
    rng = np.random.default_rng(41)
    frame = applicants(rng, ROWS, start="2026-09-01", days=20, regions=("north", "south", "east"))
    probability = 1 / (1 + np.exp(-(1.5 * frame["income"] + (frame["region"] == "north") * 0.5)))
    reference = frame.assign(repaid=(rng.random(ROWS) < probability).astype(int), gender=rng.choice(["F", "M"], ROWS))
    features, labels = reference[["income", "region"]], reference["repaid"]
    good = _encoded(LogisticRegression()).fit(features, labels)
    worse = _encoded(LogisticRegression()).fit(features, 1 - labels)
    return Versions(_binary_config, reference, good, worse)


@pytest.fixture(scope="module")
def regression_versions() -> Versions:
    rng = np.random.default_rng(42)
    frame = applicants(rng, ROWS, start="2026-09-01", days=20, regions=("north", "south"))
    log_limit = 1 + 0.5 * frame["income"] + (frame["region"] == "north") * 0.3 + rng.normal(0, 0.2, ROWS)
    reference = frame.assign(limit=np.exp(log_limit))  # positive, so msle and rmsle are defined
    features, target = reference[["income", "region"]], reference["limit"]
    # fitted on log(limit): its predictions are positive too
    good = TransformedTargetRegressor(_encoded(LinearRegression()), func=np.log, inverse_func=np.exp)
    good.fit(features, target)
    worse = DummyRegressor(strategy="mean").fit(features, target)
    return Versions(_regression_config, reference, good, worse)


@pytest.fixture
def versions(request: pytest.FixtureRequest) -> Versions:
    """The versions of the problem type given as this fixture's (indirect) parameter."""
    return request.getfixturevalue({BINARY: "binary_versions", REGRESSION: "regression_versions"}[request.param])


def deployed(root: Path, versions: Versions, metric: str) -> tuple[RunContext, ModelConfig]:
    """A one-model fleet under ``root`` with ``metric`` as its SLA metric, its reference set written where the
    config says, and both versions registered (version 2 is the new one)."""
    fleet = load_fleet(write_fleet(root, models=[versions.config(metric)]))
    (model,) = fleet.models.values()
    reference_path = Path(fleet.data_path(model.data.reference))
    reference_path.parent.mkdir(parents=True)
    versions.reference.to_parquet(reference_path)
    registry = InMemoryRegistry()
    registered = [registry.register_sklearn(model.registry.name, v).version for v in (versions.good, versions.worse)]
    assert registered == ["1", "2"]
    ctx = RunContext(
        fleet=fleet, registry=registry, estimator_cache=EstimatorCache(None), store=ResultsStore(fleet.output)
    )
    return ctx, model


@pytest.mark.parametrize(("versions", "metric"), CASES, indirect=["versions"])
def test_every_metric_compares_the_versions_and_a_worse_new_one_is_a_regression(
    tmp_path: Path, versions: Versions, metric: str
) -> None:
    assert metric in ORACLE, f"{metric} has no oracle: add its scikit-learn function to ORACLE"
    ctx, model = deployed(tmp_path, versions, metric)
    reference = load_reference(ctx, model, "2")
    # the comparison reads only the scored reference: any batch will do
    batch = reference.drop(columns=[model.columns.target])
    inputs = ModelInputs(model=model, night=NIGHT, batch=batch, reference=reference, model_version="2")

    comparison = compare_with_previous_version(ctx, inputs, metric)

    assert comparison is not None
    assert (comparison.metric, comparison.n) == (metric, ROWS)
    assert (comparison.version, comparison.previous_version) == ("2", "1")
    assert comparison.value is not None and comparison.previous_value is not None, f"{metric} was not scored"
    new, old = versions.oracle(metric, versions.worse, model), versions.oracle(metric, versions.good, model)
    assert comparison.value == pytest.approx(new, rel=1e-9)
    assert comparison.previous_value == pytest.approx(old, rel=1e-9)
    # govern.policy: scores regress by their drop, errors by their relative rise
    regression = old - new if metric in HIGHER_IS_BETTER else new / old - 1.0
    assert regression > 2 * MAX_VERSION_REGRESSION, f"version 2 must be clearly worse on {metric}: {new} vs {old}"

    rules = ctx.rules(model)
    assert rules.value("performance", "metric") == metric
    assert rules.value("performance", "max_version_regression") == MAX_VERSION_REGRESSION
    evidence = Evidence(model_version="2", performance=PerformanceResult(metrics=(), version_comparison=comparison))
    (finding,) = judge(rules, evidence)
    assert (finding.check, finding.subject, finding.fault) == (
        "performance.version_regression",
        "version 2 vs 1",
        "model",
    )
    assert (finding.threshold, finding.comparison) == (MAX_VERSION_REGRESSION, "<=")
    assert finding.measured == pytest.approx(regression, rel=1e-9)
    assert "rolling back to version 1" in finding.message

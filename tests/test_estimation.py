"""Estimation glue against NannyML called directly (the oracle), and realized metrics against scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govern.config import ModelConfig
from govern.errors import EstimationError
from govern.estimation import estimate_performance, fit_estimators, realized_performance, reconstruction_drift
from tests.fleet_factory import applicants, model_config


def binary_frame(n: int, start: str, days: int, seed: int, spread: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = applicants(rng, n, start=start, days=days, regions=("north", "south", "east"), spread=spread)
    score = 1 / (1 + np.exp(-(1.5 * frame["income"] + (frame["region"] == "north") * 0.5)))
    return frame.assign(
        score=score,
        approved=(score >= 0.5).astype(int),
        repaid=(rng.random(n) < score).astype(int),
        gender=rng.choice(["F", "M"], n),
    )


@pytest.fixture(scope="module")
def binary_model() -> ModelConfig:
    return ModelConfig.model_validate(model_config())


@pytest.fixture(scope="module")
def regression_model() -> ModelConfig:
    config = model_config("limit", problem_type="regression")
    config["columns"].update(score=None, prediction="limit_pred", target="limit", protected=[])
    config["thresholds"] = {"performance": {"metric": "mae", "maximum": 1.0}}
    return ModelConfig.model_validate(config)


def test_cbpe_estimate_matches_nannyml_called_directly(binary_model: ModelConfig) -> None:
    import nannyml as nml

    reference = binary_frame(6000, "2026-09-01", 20, seed=1)
    batch = binary_frame(1500, "2026-10-01", 1, seed=2, spread=0.6)  # narrower: less separable
    fitted = fit_estimators(reference, binary_model, version="1", metrics=["roc_auc", "f1"])
    estimated = estimate_performance(fitted, batch, binary_model, night="2026-10-01")
    reconstruction = reconstruction_drift(fitted, batch, binary_model, night="2026-10-01")

    oracle = nml.CBPE(
        y_pred_proba="score",
        y_pred="approved",
        y_true="repaid",
        timestamp_column_name="ts",
        metrics=["roc_auc", "f1"],
        chunk_period="D",
        problem_type="classification_binary",
    )
    oracle.fit(reference)
    expected = oracle.estimate(batch).to_df(multilevel=False)
    expected = expected[expected["chunk_period"] == "analysis"].iloc[0]
    auc = next(m for m in estimated if m.metric == "roc_auc")
    assert auc.value == pytest.approx(expected["roc_auc_value"], abs=1e-12)
    assert auc.lower == pytest.approx(expected["roc_auc_lower_confidence_boundary"], abs=1e-12)
    assert auc.lower_threshold == pytest.approx(expected["roc_auc_lower_threshold"], abs=1e-12)
    assert auc.alert == bool(expected["roc_auc_alert"])
    assert auc.value < auc.reference - 0.05  # the narrower batch is estimated to be harder
    assert reconstruction.value is not None and reconstruction.reference is not None


def test_realized_performance_equals_sklearn_on_the_labelled_batch(binary_model: ModelConfig) -> None:
    from sklearn.metrics import f1_score, roc_auc_score

    reference = binary_frame(4000, "2026-09-01", 20, seed=3)
    labelled = binary_frame(1200, "2026-10-01", 1, seed=4)
    fitted = fit_estimators(reference, binary_model, version="1", metrics=["roc_auc", "f1"])
    realized = {m.metric: m for m in realized_performance(fitted, labelled, binary_model, batch_night="2026-10-01")}
    assert realized["roc_auc"].value == pytest.approx(roc_auc_score(labelled["repaid"], labelled["score"]))
    assert realized["f1"].value == pytest.approx(f1_score(labelled["repaid"], labelled["approved"]))
    assert realized["roc_auc"].kind == "realized" and realized["roc_auc"].batch_night == "2026-10-01"


def test_dle_estimate_matches_nannyml_and_realized_mae_matches_sklearn(regression_model: ModelConfig) -> None:
    import nannyml as nml
    from sklearn.metrics import mean_absolute_error

    def frame(n: int, start: str, days: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        out = applicants(rng, n, start=start, days=days, regions=("north", "south"))
        noise = rng.normal(0, 0.3 + 0.5 * (out["income"] > 1), n)  # heteroscedastic: DLE has something to learn
        return out.assign(limit_pred=2 * out["income"], limit=2 * out["income"] + noise)

    reference, batch = frame(4000, "2026-09-01", 20, 5), frame(1000, "2026-10-01", 1, 6)
    fitted = fit_estimators(reference, regression_model, version="1", metrics=["mae"])
    (mae,) = estimate_performance(fitted, batch, regression_model, night="2026-10-01")

    with pd.option_context("future.infer_string", False):
        oracle = nml.DLE(
            feature_column_names=["income", "region"],
            y_pred="limit_pred",
            y_true="limit",
            timestamp_column_name="ts",
            metrics=["mae"],
            chunk_period="D",
            hyperparameters={"verbose": -1},
        )
        oracle.fit(reference.astype({"region": object}))
        expected = oracle.estimate(batch.astype({"region": object})).to_df(multilevel=False)
    expected = expected[expected["chunk_period"] == "analysis"].iloc[0]
    assert mae.value == pytest.approx(expected["mae_value"], rel=1e-9)
    (realized,) = realized_performance(fitted, batch, regression_model, batch_night="2026-10-01")
    assert realized.value == pytest.approx(mean_absolute_error(batch["limit"], batch["limit_pred"]))


def test_short_reference_falls_back_to_equal_chunks(binary_model: ModelConfig) -> None:
    reference = binary_frame(3000, "2026-09-01", 1, seed=7)  # one day: daily chunks would give one chunk
    fitted = fit_estimators(reference, binary_model, version="1", metrics=["roc_auc"])
    estimated = estimate_performance(fitted, binary_frame(800, "2026-10-01", 1, 8), binary_model, night="2026-10-01")
    assert estimated[0].lower_threshold is not None and estimated[0].lower_threshold < estimated[0].reference


def test_unusable_reference_is_an_estimation_error_naming_the_model(binary_model: ModelConfig) -> None:
    reference = binary_frame(500, "2026-09-01", 20, seed=9).assign(repaid=1)  # one class: no ROC AUC
    with pytest.raises(EstimationError, match="model 'loan'"):
        fit_estimators(reference, binary_model, version="1", metrics=["roc_auc"])


def test_string_inference_stays_off_until_the_last_thread_leaves() -> None:
    import threading

    from govern.estimation import _plain_strings

    before = pd.get_option("future.infer_string")
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with _plain_strings():
            first_in.set()
            second_in.wait()
        first_out.set()

    def second() -> None:
        first_in.wait()
        with _plain_strings():
            second_in.set()
            first_out.wait()  # the first thread has left: pd.option_context would have restored the option here
            seen.append(pd.get_option("future.infer_string"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen == [False]
    assert pd.get_option("future.infer_string") == before


def test_fits_in_worker_processes_equal_fits_in_process(binary_model: ModelConfig) -> None:
    from govern.estimation import Fitter

    reference = binary_frame(3000, "2026-09-01", 15, seed=11)
    batch = binary_frame(800, "2026-10-01", 1, seed=12, spread=0.6)
    fitter = Fitter(workers=1)
    try:
        pooled = fitter.fit(reference, binary_model, version="1", metrics=["roc_auc", "f1"])
        with pytest.raises(EstimationError, match="'loan'.*both classes"):  # errors cross the process boundary
            fitter.fit(reference.assign(repaid=1), binary_model, version="1", metrics=["roc_auc"])
    finally:
        fitter.close()
    local = fit_estimators(reference, binary_model, version="1", metrics=["roc_auc", "f1"])
    assert estimate_performance(pooled, batch, binary_model, night="2026-10-01") == estimate_performance(
        local, batch, binary_model, night="2026-10-01"
    )
    assert pooled.reference_metrics == local.reference_metrics

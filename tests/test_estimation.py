"""Estimation glue against NannyML called directly (the oracle), and realized metrics against scikit-learn.

The oracle is chunked as the rule says (``nml.CBPE(chunk_size=...)``, the nightly batch's size), so its alert
thresholds and flags are the ones NannyML's own users get for batches of that size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from govern.config import ModelConfig
from govern.errors import EstimationError
from govern.estimation import (
    MIN_REFERENCE_CHUNKS,
    ReferenceChunking,
    estimate_performance,
    fit_estimators,
    nightly_chunk_size,
    realized_performance,
    reconstruction_drift,
    reference_chunking,
)
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
    batch = binary_frame(1000, "2026-10-01", 1, seed=2, spread=0.6)  # narrower: less separable
    fitted = fit_estimators(reference, binary_model, version="1", metrics=["roc_auc", "f1"], chunk_size=len(batch))
    estimated = estimate_performance(fitted, batch, binary_model, night="2026-10-01")
    reconstruction = reconstruction_drift(fitted, batch, binary_model, night="2026-10-01")

    oracle = nml.CBPE(
        y_pred_proba="score",
        y_pred="approved",
        y_true="repaid",
        timestamp_column_name="ts",
        metrics=["roc_auc", "f1"],
        chunk_size=len(batch),
        problem_type="classification_binary",
    )
    oracle.fit(reference)
    expected = oracle.estimate(batch).to_df(multilevel=False)
    expected = expected[expected["chunk_period"] == "analysis"].iloc[0]
    auc = next(m for m in estimated if m.metric == "roc_auc")
    assert auc.value == pytest.approx(expected["roc_auc_value"], abs=1e-12)
    assert auc.lower == pytest.approx(expected["roc_auc_lower_confidence_boundary"], abs=1e-12)
    assert auc.lower_threshold == pytest.approx(expected["roc_auc_lower_threshold"], abs=1e-12)
    assert auc.upper_threshold == pytest.approx(expected["roc_auc_upper_threshold"], abs=1e-12)
    assert auc.alert == bool(expected["roc_auc_alert"])
    assert fitted.chunk_size == 1000 and fitted.chunking.chunks == 6 and fitted.chunking.note is None
    assert auc.value is not None and auc.reference is not None
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

    reference, batch = frame(4000, "2026-09-01", 20, 5), frame(600, "2026-10-01", 1, 6)
    fitted = fit_estimators(reference, regression_model, version="1", metrics=["mae"], chunk_size=len(batch))
    (mae,) = estimate_performance(fitted, batch, regression_model, night="2026-10-01")

    with pd.option_context("future.infer_string", False):
        oracle = nml.DLE(
            feature_column_names=["income", "region"],
            y_pred="limit_pred",
            y_true="limit",
            timestamp_column_name="ts",
            metrics=["mae"],
            # 4000 rows = 6 chunks of 600 and 400 rows left over, which take no part in the thresholds
            chunker=nml.chunk.SizeBasedChunker(chunk_size=600, incomplete="drop", timestamp_column_name="ts"),
            hyperparameters={"verbose": -1},
        )
        oracle.fit(reference.astype({"region": object}))
        expected = oracle.estimate(batch.astype({"region": object})).to_df(multilevel=False)
    expected = expected[expected["chunk_period"] == "analysis"].iloc[0]
    assert fitted.chunking == ReferenceChunking(600, 600, 6, 4000)
    assert mae.value == pytest.approx(expected["mae_value"], rel=1e-9)
    assert mae.lower_threshold == pytest.approx(expected["mae_lower_threshold"], rel=1e-9)
    assert mae.upper_threshold == pytest.approx(expected["mae_upper_threshold"], rel=1e-9)
    assert mae.alert == bool(expected["mae_alert"])
    (realized,) = realized_performance(fitted, batch, regression_model, batch_night="2026-10-01")
    assert realized.value == pytest.approx(mean_absolute_error(batch["limit"], batch["limit_pred"]))


def test_short_reference_falls_back_to_smaller_chunks_and_says_so(binary_model: ModelConfig) -> None:
    import nannyml as nml

    reference = binary_frame(3000, "2026-09-01", 1, seed=7)  # 3000 rows: fewer than 6 chunks of 800
    batch = binary_frame(800, "2026-10-01", 1, 8)
    fitted = fit_estimators(reference, binary_model, version="1", metrics=["roc_auc"], chunk_size=len(batch))
    (auc,) = estimate_performance(fitted, batch, binary_model, night="2026-10-01")

    assert fitted.chunk_size == 500 and fitted.chunking.chunks == MIN_REFERENCE_CHUNKS
    assert fitted.chunking.note is not None and "looser" in fitted.chunking.note and "800" in fitted.chunking.note
    oracle = nml.CBPE(
        y_pred_proba="score",
        y_pred="approved",
        y_true="repaid",
        timestamp_column_name="ts",
        metrics=["roc_auc"],
        chunk_size=500,
        problem_type="classification_binary",
    ).fit(reference)
    assert auc.lower_threshold == pytest.approx(oracle.metrics[0].lower_threshold_value, abs=1e-12)
    assert auc.upper_threshold == pytest.approx(oracle.metrics[0].upper_threshold_value, abs=1e-12)
    assert auc.lower_threshold is not None and auc.reference is not None
    assert auc.n == 800 and auc.lower_threshold < auc.reference


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
        pooled = fitter.fit(reference, binary_model, version="1", metrics=["roc_auc", "f1"], chunk_size=400)
        with pytest.raises(EstimationError, match="'loan'.*both classes"):  # errors cross the process boundary
            fitter.fit(reference.assign(repaid=1), binary_model, version="1", metrics=["roc_auc"])
    finally:
        fitter.close()
    local = fit_estimators(reference, binary_model, version="1", metrics=["roc_auc", "f1"], chunk_size=400)
    assert estimate_performance(pooled, batch, binary_model, night="2026-10-01") == estimate_performance(
        local, batch, binary_model, night="2026-10-01"
    )
    assert pooled.reference_metrics == local.reference_metrics
    assert pooled.chunking == local.chunking and pooled.chunk_size == 400


# ------------------------------------------------------------------ the chunking rule


@pytest.mark.parametrize(
    ("observed", "expected_rows", "size"),
    [
        (5000, None, 5000),
        (4980, None, 5000),  # a feed's usual variation keeps the chunk size, hence the cache key
        (5049, None, 5000),
        (1234, None, 1200),
        (87, None, 87),
        (1, None, 1),
        (4980, 4500, 4500),  # the configured size wins over the observed one
        (0, 4500, 4500),
    ],
)
def test_nightly_chunk_size_is_the_expected_size_or_the_observed_one_rounded(
    observed: int, expected_rows: int | None, size: int
) -> None:
    assert nightly_chunk_size(observed, expected_rows=expected_rows) == size


@pytest.mark.parametrize(("observed", "expected_rows"), [(0, None), (100, 0)])
def test_a_chunk_size_below_one_row_is_refused(observed: int, expected_rows: int | None) -> None:
    with pytest.raises(EstimationError, match="at least 1 row"):
        nightly_chunk_size(observed, expected_rows=expected_rows)


@pytest.mark.parametrize(
    ("reference_rows", "requested", "chunk_size", "chunks", "noted"),
    [
        (50_000, 5000, 5000, 10, False),
        (30_000, 5000, 5000, 6, False),  # exactly MIN_REFERENCE_CHUNKS chunks of the batch's size
        (29_999, 5000, 4999, 6, True),  # one row short: six smaller chunks, and a note
        (3000, 800, 500, 6, True),
        (4000, None, 400, 10, True),  # no size given: ten equal chunks
    ],
)
def test_reference_chunking_rule(
    reference_rows: int, requested: int | None, chunk_size: int, chunks: int, noted: bool
) -> None:
    chunking = reference_chunking(reference_rows, requested)
    assert (chunking.chunk_size, chunking.chunks, chunking.note is not None) == (chunk_size, chunks, noted)
    assert chunking.chunks * chunking.chunk_size <= reference_rows < (chunking.chunks + 1) * chunking.chunk_size


def test_a_reference_too_small_for_six_chunks_is_refused() -> None:
    with pytest.raises(EstimationError, match="at least 6 rows"):
        reference_chunking(5, 1)


# ------------------------------------------------------ NannyML's car-loan shape: few rows a day, big batches

CARLOAN_BATCH = 5000


def carloan_frame(n: int, start: str, days: int, seed: int, spread: float = 1.0, linked: bool = True) -> pd.DataFrame:
    """``binary_frame`` with two more features, ``tenure`` tied to ``income`` (unless not ``linked``) and
    ``debt``: a structure for the data reconstruction drift to measure."""
    frame = binary_frame(n, start, days, seed, spread)
    rng = np.random.default_rng(seed + 1000)
    tenure = (0.8 * frame["income"] if linked else rng.normal(0, 0.8 * spread, n)) + rng.normal(0, 0.5, n)
    return frame.assign(tenure=tenure, debt=rng.normal(0, 1, n))


@pytest.fixture(scope="module")
def carloan_model() -> ModelConfig:
    config = model_config()
    config["columns"]["features"] = ["income", "region", "tenure", "debt"]
    return ModelConfig.model_validate(config)


@dataclass(frozen=True)
class CarLoanShape:
    """50,000 reference rows over 300 days (~167 a day) judged in nightly batches of 5,000 rows: NannyML
    called directly with ``chunk_size=5000`` (the oracles), and ours fitted with the nightly chunk size."""

    reference: pd.DataFrame
    fitted: Any
    cbpe: Any
    realized: Any
    reconstruction: Any
    cbpe_by_day: Any


@pytest.fixture(scope="module")
def carloan(carloan_model: ModelConfig) -> CarLoanShape:
    import nannyml as nml

    reference = carloan_frame(50_000, "2025-09-01", 300, seed=21)
    outputs = {"y_pred_proba": "score", "y_pred": "approved", "y_true": "repaid", "timestamp_column_name": "ts"}
    binary = {"metrics": ["roc_auc"], "problem_type": "classification_binary"}
    cbpe = nml.CBPE(**outputs, **binary, chunk_size=CARLOAN_BATCH).fit(reference)
    realized = nml.PerformanceCalculator(**outputs, **binary, chunk_size=CARLOAN_BATCH).fit(reference)
    with pd.option_context("future.infer_string", False):
        reconstruction = nml.DataReconstructionDriftCalculator(
            column_names=["income", "region", "tenure", "debt"], timestamp_column_name="ts", chunk_size=CARLOAN_BATCH
        ).fit(reference.astype({"region": object}))
    by_day = nml.CBPE(**outputs, **binary, chunk_period="D").fit(reference)
    chunk_size = nightly_chunk_size(CARLOAN_BATCH)
    fitted = fit_estimators(reference, carloan_model, version="1", metrics=["roc_auc"], chunk_size=chunk_size)
    return CarLoanShape(reference, fitted, cbpe, realized, reconstruction, by_day)


def analysis_row(result: Any) -> pd.Series:
    frame = result.to_df(multilevel=False)
    analysis = frame[frame["chunk_period"] == "analysis"]
    assert len(analysis) == 1
    return analysis.iloc[0]


@pytest.mark.parametrize(("spread", "alerts"), [(1.0, False), (0.85, True)])
def test_estimated_thresholds_and_alert_equal_nannyml_with_the_batch_chunk_size(
    carloan: CarLoanShape, carloan_model: ModelConfig, spread: float, alerts: bool
) -> None:
    batch = carloan_frame(CARLOAN_BATCH, "2026-07-01", 1, seed=22, spread=spread)
    (auc,) = estimate_performance(carloan.fitted, batch, carloan_model, night="2026-07-01")
    expected = analysis_row(carloan.cbpe.estimate(batch))

    assert auc.value == pytest.approx(expected["roc_auc_value"], abs=1e-12)
    assert auc.lower_threshold == pytest.approx(expected["roc_auc_lower_threshold"], abs=1e-12)
    assert auc.upper_threshold == pytest.approx(expected["roc_auc_upper_threshold"], abs=1e-12)
    assert auc.alert == bool(expected["roc_auc_alert"]) == alerts
    assert carloan.fitted.chunking == ReferenceChunking(CARLOAN_BATCH, CARLOAN_BATCH, 10, 50_000)
    # what day chunks (~167 rows) gave: a threshold far too low, and this alert lost
    by_day = analysis_row(carloan.cbpe_by_day.estimate(batch))
    assert auc.lower_threshold is not None
    assert by_day["roc_auc_lower_threshold"] < auc.lower_threshold - 0.05
    assert not by_day["roc_auc_alert"]


def test_realized_thresholds_and_alert_equal_nannyml_with_the_batch_chunk_size(
    carloan: CarLoanShape, carloan_model: ModelConfig
) -> None:
    labelled = carloan_frame(CARLOAN_BATCH, "2026-07-01", 1, seed=23, spread=0.85)
    (auc,) = realized_performance(carloan.fitted, labelled, carloan_model, batch_night="2026-07-01")
    expected = analysis_row(carloan.realized.calculate(labelled))

    assert auc.value == pytest.approx(expected["roc_auc_value"], abs=1e-12)
    assert auc.lower_threshold == pytest.approx(expected["roc_auc_lower_threshold"], abs=1e-12)
    assert auc.upper_threshold == pytest.approx(expected["roc_auc_upper_threshold"], abs=1e-12)
    assert auc.alert == bool(expected["roc_auc_alert"]) is True


def test_reconstruction_thresholds_equal_nannyml_with_the_batch_chunk_size(
    carloan: CarLoanShape, carloan_model: ModelConfig
) -> None:
    batch = carloan_frame(CARLOAN_BATCH, "2026-07-01", 1, seed=24, linked=False)  # tenure no longer tied to income
    drift = reconstruction_drift(carloan.fitted, batch, carloan_model, night="2026-07-01")
    with pd.option_context("future.infer_string", False):
        expected = analysis_row(carloan.reconstruction.calculate(batch.astype({"region": object})))

    assert drift.value == pytest.approx(expected["reconstruction_error_value"], rel=1e-9)
    assert drift.lower_threshold == pytest.approx(expected["reconstruction_error_lower_threshold"], rel=1e-9)
    assert drift.upper_threshold == pytest.approx(expected["reconstruction_error_upper_threshold"], rel=1e-9)
    assert drift.alert == bool(expected["reconstruction_error_alert"]) is True


@pytest.mark.parametrize("rows", [3000, 7300, 15_000])
def test_a_batch_of_any_size_is_judged_as_one_chunk_against_the_batch_size_thresholds(
    carloan: CarLoanShape, carloan_model: ModelConfig, rows: int
) -> None:
    """NannyML's own size chunker would cut 7,300 rows into 5,000 + 2,300 and 15,000 into three chunks; ours
    judges the whole batch: its estimate is NannyML's on the whole batch (one day, so one chunk of its day
    chunker), against the thresholds of the 5,000-row chunks."""
    batch = carloan_frame(rows, "2026-07-01", 1, seed=25, spread=0.85)
    (auc,) = estimate_performance(carloan.fitted, batch, carloan_model, night="2026-07-01")
    whole_batch = analysis_row(carloan.cbpe_by_day.estimate(batch))
    lower, upper = carloan.cbpe.metrics[0].lower_threshold_value, carloan.cbpe.metrics[0].upper_threshold_value

    assert auc.n == rows
    assert auc.value == pytest.approx(whole_batch["roc_auc_value"], abs=1e-12)
    assert auc.sampling_error == pytest.approx(whole_batch["roc_auc_sampling_error"], abs=1e-12)
    assert (auc.lower_threshold, auc.upper_threshold) == pytest.approx((lower, upper), abs=1e-12)
    assert auc.alert == (not lower <= auc.value <= upper)

"""One model's night through every stage, without Prefect: the in-memory registry, real GE and NannyML.

Covers the error paths the nightly run must survive: a missing file, a missing column, wrong types, an empty
batch, an all-null column, an unknown version; and that a failure stays in its model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.config import Fleet, load_fleet
from govern.estimation import EstimatorCache
from govern.pipeline import RunContext, record_fleet_summary, record_result, run_model_night
from govern.registry import InMemoryRegistry
from govern.suites import profile_suite, save_suite
from tests.fleet_factory import model_config, write_fleet

NIGHT = "2026-10-05"


def applicants(n: int, start: str, days: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(11, 0.5, n)
    region = rng.choice(["north", "south", "east"], n)
    stamps = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, days * 86400, n)), unit="s")
    logit = (np.log(income) - 11) * 3 + (region == "north") * 0.4
    return pd.DataFrame(
        {
            "id": np.arange(n) + seed * 1_000_000,
            "ts": stamps,
            "income": income,
            "region": region,
            "gender": rng.choice(["F", "M"], n),
            "repaid": (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int),
        }
    )


@pytest.fixture(scope="module")
def small_fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Fleet, InMemoryRegistry]:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    root = tmp_path_factory.mktemp("fleet")
    models = [model_config("loan"), model_config("cards")]
    for m in models:
        m["columns"]["model_version"] = "model_version"
    fleet = load_fleet(write_fleet(root, models=models))
    registry = InMemoryRegistry()
    for offset, name in enumerate(["loan", "cards"]):
        config = fleet.models[name]
        reference = applicants(3000, "2026-09-01", 20, seed=10 + offset)
        pipeline = make_pipeline(
            ColumnTransformer([("num", StandardScaler(), ["income"]), ("cat", OneHotEncoder(), ["region"])]),
            LogisticRegression(),
        )
        pipeline.fit(reference[["income", "region"]], reference["repaid"])
        registry.register_sklearn(name, pipeline)
        registry.register_sklearn(name, pipeline)
        registry.set_alias(name, "champion", "2")
        data = fleet.data_root / name
        (data / "batches").mkdir(parents=True)
        (data / "labels").mkdir(parents=True)
        reference.to_parquet(data / "reference.parquet")
        save_suite(profile_suite(config, reference), fleet.expectations_dir / f"{name}.json")
        for day in range(1, 8):
            night = f"2026-10-{day:02d}"
            batch = applicants(1000, night, 1, seed=100 * day + offset)
            batch["approved"] = pipeline.predict(batch[["income", "region"]])
            batch["score"] = pipeline.predict_proba(batch[["income", "region"]])[:, 1]
            batch["model_version"] = "2"
            batch[["id", "repaid"]].to_parquet(data / "labels" / f"{night}.parquet")
            batch.drop(columns="repaid").to_parquet(data / "batches" / f"{night}.parquet")
    return fleet, registry


def context(fleet: Fleet, registry: InMemoryRegistry) -> RunContext:
    return RunContext(fleet=fleet, registry=registry, estimator_cache=EstimatorCache(None))


def rewrite_batch(fleet: Fleet, model: str, night: str, change) -> Path:
    path = Path(fleet.data_path(fleet.models[model].data.batches, night))
    change(pd.read_parquet(path)).to_parquet(path)
    return path


def test_healthy_night_has_every_section_and_no_findings(small_fleet) -> None:
    fleet, registry = small_fleet
    result = run_model_night(context(fleet, registry), fleet.models["loan"], NIGHT)
    assert result.status == "healthy", [f.message for f in result.findings] + [e.message for e in result.errors]
    assert result.model_version == "2" and result.rows == 1000
    assert result.labelled_night == "2026-10-03" and result.labelled_rows == 1000  # label_delay_days: 2
    assert result.validation.success
    assert {(m.metric, m.kind) for m in result.performance.metrics} >= {
        ("roc_auc", "estimated"),
        ("roc_auc", "realized"),
    }
    assert [c.column for c in result.drift.columns] == ["income", "region"]
    assert {a.attribute for a in result.fairness.attributes} == {"gender"}
    assert result.labelled_fairness.has_labels
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["schema_version"] == "1.0" and payload["status"] == "healthy"
    assert set(payload["timings"]) == {"load", "validate", "estimate", "drift", "fairness"}


def test_income_in_thousands_is_bad_data_not_a_bad_model(small_fleet) -> None:
    fleet, registry = small_fleet
    rewrite_batch(fleet, "cards", "2026-10-06", lambda b: b.assign(income=b["income"] / 1000))
    result = run_model_night(context(fleet, registry), fleet.models["cards"], "2026-10-06")
    assert result.status == "findings" and result.validation.bad_data
    checks = {f.check: f for f in result.findings}
    assert "data_quality.critical_expectation" in checks
    assert checks["drift.feature"].subject == "income"
    assert {f.fault for f in result.findings} == {"data"}


@pytest.mark.parametrize(
    ("change", "stage", "message"),
    [
        (lambda b: b.drop(columns=["region"]), "load", "columns must include 'region'"),
        (lambda b: b.iloc[0:0], "load", "must have at least one row; got 0 rows"),
        (lambda b: b.assign(income=b["income"].astype(str)), "load", "columns must be numeric; got 'income'"),
        (lambda b: b.assign(model_version="9"), "load", "version '9' must exist in the registry"),
    ],
)
def test_bad_batches_fail_the_model_with_a_clear_error(small_fleet, change, stage: str, message: str) -> None:
    fleet, registry = small_fleet
    path = rewrite_batch(fleet, "cards", "2026-10-07", lambda b: b)
    original = pd.read_parquet(path)
    try:
        change(original).to_parquet(path)
        result = run_model_night(context(fleet, registry), fleet.models["cards"], "2026-10-07")
    finally:
        original.to_parquet(path)
    assert result.status == "error"
    errors = {e.stage: e.message for e in result.errors}
    assert message in errors[stage]
    assert "model 'cards'" in errors[stage]
    assert {"validate", "estimate", "drift", "fairness"} <= set(errors)  # skipped, and said so


def test_all_null_feature_is_reported_not_crashed(small_fleet) -> None:
    fleet, registry = small_fleet
    path = rewrite_batch(fleet, "cards", "2026-10-04", lambda b: b)
    original = pd.read_parquet(path)
    try:
        original.assign(region=pd.Series([None] * len(original), dtype="string")).to_parquet(path)
        result = run_model_night(context(fleet, registry), fleet.models["cards"], "2026-10-04")
    finally:
        original.to_parquet(path)
    assert result.status == "findings", result.errors
    assert result.validation.bad_data  # an entirely null feature is a broken feed
    assert result.drift.unmeasured == (("region", "entirely null in tonight's batch"),)
    assert [c.column for c in result.drift.columns] == ["income"]
    assert result.performance.reconstruction is None
    assert "entirely null features ['region']" in result.performance.notes[0]
    assert any(m.kind == "estimated" and m.value is not None for m in result.performance.metrics)


def test_missing_batch_names_model_and_file_and_other_models_still_run(small_fleet) -> None:
    fleet, registry = small_fleet
    ctx = context(fleet, registry)
    missing = run_model_night(ctx, fleet.models["cards"], "2026-11-30")
    assert missing.status == "error"
    assert "model 'cards': batch of 2026-11-30: file" in missing.errors[0].message
    assert "2026-11-30.parquet must exist" in missing.errors[0].message
    other = run_model_night(ctx, fleet.models["loan"], NIGHT)
    assert other.status == "healthy"


def test_recording_twice_replaces_and_the_summary_keeps_other_models(small_fleet) -> None:
    fleet, registry = small_fleet
    ctx = context(fleet, registry)
    results = [run_model_night(ctx, fleet.models[name], NIGHT) for name in ("cards", "loan")]
    for result in results:
        record_result(fleet, result)
    record_fleet_summary(fleet, NIGHT, results, {"run": 1})
    record_result(fleet, results[0])
    summary, path = record_fleet_summary(fleet, NIGHT, results[:1], {"run": 2})  # a rerun of one model
    written = json.loads(path.read_text())
    assert [m["model"] for m in written["models"]] == ["cards", "loan"]
    assert written["run"] == {"run": 2}
    files = sorted(p.name for p in (fleet.output_dir / NIGHT / "models").iterdir())
    assert files == ["cards.json", "loan.json"]  # no temporary files, no duplicates

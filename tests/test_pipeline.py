"""One model's night through every stage, and a whole night of a small fleet, without Prefect: the in-memory
registry, the real results store, real GE and NannyML.

Covers the error paths the nightly run must survive: a missing file, a missing column, wrong types, an empty
batch, an all-null column, an unknown version, a result that cannot be written; and that a failure stays in
its model.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.config import Fleet, Threshold, load_fleet
from govern.errors import DataError
from govern.estimation import EstimatorCache
from govern.night import InlineExecutor, govern_night
from govern.pipeline import RunContext, run_model_night
from govern.registry import InMemoryRegistry
from govern.results import SCHEMA_VERSION, FleetSummary, ModelNightResult, RunInfo
from govern.store import ResultsStore
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


def context(fleet: Fleet, registry: InMemoryRegistry, store: ResultsStore | None = None) -> RunContext:
    return RunContext(
        fleet=fleet,
        registry=registry,
        estimator_cache=EstimatorCache(None),
        store=store or ResultsStore(fleet.output),
    )


def rewrite_batch(fleet: Fleet, model: str, night: str, change) -> Path:
    path = Path(fleet.data_path(fleet.models[model].data.batches, night))
    change(pd.read_parquet(path)).to_parquet(path)
    return path


def test_healthy_night_has_every_section_and_no_findings(small_fleet) -> None:
    fleet, registry = small_fleet
    result = run_model_night(context(fleet, registry), fleet.models["loan"], NIGHT)
    assert result.status == "healthy", [f.message for f in result.findings] + [e.message for e in result.errors]
    evidence = result.evidence
    assert evidence.model_version == "2" and evidence.rows == 1000
    assert evidence.labelled_night == "2026-10-03" and evidence.labelled_rows == 1000  # label_delay_days: 2
    assert evidence.validation.success
    assert {(m.metric, m.kind) for m in evidence.performance.metrics} >= {
        ("roc_auc", "estimated"),
        ("roc_auc", "realized"),
    }
    assert [c.column for c in evidence.drift.features.columns] == ["income", "region"]
    assert evidence.drift.multivariate is not None  # multivariate drift is reported under drift
    assert {a.attribute for a in evidence.fairness.attributes} == {"gender"}
    assert evidence.labelled_fairness.has_labels
    payload = json.loads(result.to_json())
    assert payload["schema_version"] == SCHEMA_VERSION and payload["status"] == "healthy"
    assert set(payload["timings"]) == {"load", "validate", "estimate", "drift", "fairness", "segments", "judge"}
    assert ModelNightResult.from_json(result.to_json()) == result  # reads back into the same type
    applied = {(r.section, r.name): r.source for r in result.rules}
    assert applied[("fairness", "min_group_size")] == "us_four_fifths"  # from the policy
    assert applied[("drift", "min_features_drifted_for_finding")] == "default"  # the rulebook's default, listed
    assert applied[("performance", "minimum")] == "models/loan.yaml"


def test_income_in_thousands_is_bad_data_not_a_bad_model(small_fleet) -> None:
    fleet, registry = small_fleet
    rewrite_batch(fleet, "cards", "2026-10-06", lambda b: b.assign(income=b["income"] / 1000))
    result = run_model_night(context(fleet, registry), fleet.models["cards"], "2026-10-06")
    assert result.status == "findings" and result.evidence.validation.bad_data
    checks = {f.check: f for f in result.findings}
    assert "data_quality.critical_expectation" in checks
    assert checks["drift.feature"].subject == "income"
    assert {f.fault for f in result.findings} == {"data"}


@pytest.mark.parametrize(
    ("change", "stage", "message"),
    [
        (lambda b: b.drop(columns=["region"]), "load", "column 'region' (feature) must be present"),
        (lambda b: b.iloc[0:0], "load", "must have at least one row"),
        (lambda b: b.assign(income=b["income"].astype(str)), "load", "column 'income' (feature) must be numeric"),
        (lambda b: b.assign(model_version="9"), "load", "version '9' must exist in the registry"),
        (lambda b: b.assign(id=0), "load", "column 'id' (id) must be unique"),
        (lambda b: b.assign(score=b["score"] * 10), "load", "column 'score' (score) must be within [0, 1]"),
        (lambda b: b.assign(approved="yes"), "load", "column 'approved' (prediction) must be one of 0, 1"),
        (lambda b: b.assign(approved=b["score"]), "load", "column 'approved' (prediction) must be one of 0, 1"),
        (lambda b: b.assign(approved=None), "load", "column 'approved' (prediction) must not be null"),
        (lambda b: b.assign(ts="not a time"), "load", "column 'ts' (timestamp) must be datetimes"),
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
    assert {"validate", "estimate", "drift", "fairness", "segments"} <= set(errors)  # skipped, and said so


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
    evidence = result.evidence
    assert evidence.validation.bad_data  # an entirely null feature is a broken feed
    assert [(u.column, u.reason) for u in evidence.drift.features.unmeasured] == [
        ("region", "entirely null in tonight's batch")
    ]
    assert [c.column for c in evidence.drift.features.columns] == ["income"]
    assert evidence.drift.multivariate is None
    assert "entirely null features ['region']" in evidence.drift.notes[0]
    assert any(m.kind == "estimated" and m.value is not None for m in evidence.performance.metrics)


def test_a_missing_batch_is_a_freshness_finding_and_the_labels_that_arrived_are_still_judged(small_fleet) -> None:
    fleet, registry = small_fleet
    ctx = context(fleet, registry)
    path = Path(fleet.data_path(fleet.models["cards"].data.batches, NIGHT))
    hidden = path.with_suffix(".hidden")
    path.rename(hidden)
    try:
        missing = run_model_night(ctx, fleet.models["cards"], NIGHT)
    finally:
        hidden.rename(path)
    assert missing.status == "findings" and missing.errors == ()
    (finding,) = [f for f in missing.findings if f.check == "data_quality.batch_missing"]
    assert finding.fault == "data" and str(path) in finding.message and "labels of 2026-10-03" in finding.message
    evidence = missing.evidence
    assert evidence.missing_batch == str(path) and evidence.rows is None
    assert evidence.labelled_night == "2026-10-03" and evidence.labelled_rows == 1000  # label_delay_days: 2
    assert {m.kind for m in evidence.performance.metrics} == {"realized"}  # the labels were still evaluated
    assert evidence.labelled_fairness is not None and evidence.fairness is None
    assert [n.subject for n in missing.not_judged] == ["batch"]  # and tonight's checks say they were not made
    other = run_model_night(ctx, fleet.models["loan"], NIGHT)
    assert other.status == "healthy"


def test_a_night_with_neither_batch_nor_labels_is_a_finding_not_an_error(small_fleet) -> None:
    fleet, registry = small_fleet
    missing = run_model_night(context(fleet, registry), fleet.models["cards"], "2026-11-30")
    assert missing.status == "findings" and missing.errors == ()
    assert [f.check for f in missing.findings] == ["data_quality.batch_missing"]
    assert "2026-11-30.parquet" in missing.findings[0].message


def test_a_feature_that_lost_values_is_a_finding_of_its_own(small_fleet) -> None:
    fleet, registry = small_fleet
    path = rewrite_batch(fleet, "cards", "2026-10-03", lambda b: b)
    original = pd.read_parquet(path)
    try:
        income = original["income"].where(np.arange(len(original)) % 4 != 0)  # 25 % nulls, reference none
        original.assign(income=income).to_parquet(path)
        result = run_model_night(context(fleet, registry), fleet.models["cards"], "2026-10-03")
    finally:
        original.to_parquet(path)
    (finding,) = [f for f in result.findings if f.check == "data_quality.null_fraction"]
    assert finding.subject == "income" and finding.measured == pytest.approx(0.25)
    assert finding.threshold == 0.1 and finding.policy == "default" and finding.fault == "data"


def test_too_small_a_batch_gets_no_drift_verdict_and_is_not_called_healthy(small_fleet) -> None:
    fleet, registry = small_fleet
    path = rewrite_batch(fleet, "cards", "2026-10-02", lambda b: b)
    original = pd.read_parquet(path)
    try:
        original.iloc[:1].to_parquet(path)  # one row: every feature used to be "drifted"
        result = run_model_night(context(fleet, registry), fleet.models["cards"], "2026-10-02")
    finally:
        original.to_parquet(path)
    assert not [f for f in result.findings if f.check.startswith("drift.")]
    sections = {n.section for n in result.not_judged}
    assert {"drift", "fairness", "performance"} <= sections  # one row: no estimate, one gender group too small
    assert result.errors == () and result.status == "incomplete"  # not an error, and not healthy either


def test_a_night_records_every_model_and_a_rerun_keeps_what_it_supersedes(small_fleet, tmp_path: Path) -> None:
    fleet, registry = small_fleet
    store = ResultsStore(tmp_path / "runs")
    ctx = context(fleet, registry, store)
    first = govern_night(ctx, NIGHT, executor=InlineExecutor(workers=2), run=RunInfo(flow_run_id="run-1"))
    assert [line.model for line in first.models] == ["cards", "loan"]
    assert store.read_fleet(NIGHT) == first  # the summary reads back into the same type
    before = store.read_result(NIGHT, "cards")

    rerun = govern_night(ctx, NIGHT, models=["cards"], run=RunInfo(flow_run_id="run-2"))  # a rerun of one model
    assert [line.model for line in rerun.models] == ["cards", "loan"]  # the other model kept, once
    assert rerun.run.flow_run_id == "run-2"
    assert store.read_result(NIGHT, "cards").run.flow_run_id == "run-2"
    assert store.superseded(NIGHT, "cards") == [before]  # nothing judged is lost
    assert store.superseded(NIGHT, "loan") == []
    assert [s.run.flow_run_id for s in store.superseded(NIGHT)] == ["run-1"]  # nor the first summary
    files = sorted(p.name for p in (tmp_path / "runs" / NIGHT / "models").iterdir())
    assert files == ["cards.json", "loan.json"]  # no temporary files, no duplicates
    assert store.nights() == [NIGHT]
    assert [r.night for r in store.history("loan")] == [NIGHT]


def test_a_result_that_cannot_be_written_is_that_models_error_only(small_fleet, tmp_path: Path) -> None:
    fleet, registry = small_fleet
    store = ResultsStore(tmp_path / "runs")
    ctx = context(fleet, registry, store)
    # a directory where loan's result file belongs: the write fails whoever runs it (root ignores chmod)
    (tmp_path / "runs" / NIGHT / "models" / "loan.json").mkdir(parents=True)
    summary = govern_night(ctx, NIGHT)
    assert summary.line("loan").status == "error"
    assert "loan.json" in summary.line("loan").errors[-1] and "must be written" in summary.line("loan").errors[-1]
    assert summary.line("cards").status == "healthy"
    assert store.read_result(NIGHT, "cards").status == "healthy"
    assert FleetSummary.from_json((tmp_path / "runs" / NIGHT / "fleet.json").read_text()) == summary


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes through read-only modes")
def test_a_read_only_result_folder_is_that_models_error_only(small_fleet, tmp_path: Path) -> None:
    fleet, registry = small_fleet
    store = ResultsStore(tmp_path / "runs")
    folder = tmp_path / "runs" / NIGHT / "models"
    folder.mkdir(parents=True)
    (folder / "loan.json").write_text("{}")
    folder.chmod(0o555)
    try:
        summary = govern_night(context(fleet, registry, store), NIGHT)
    finally:
        folder.chmod(0o755)
    assert summary.line("loan").status == "error" and summary.line("cards").status == "error"
    assert (tmp_path / "runs" / NIGHT / "fleet.json").is_file()


def test_a_failing_judgement_is_that_models_error(small_fleet, tmp_path: Path, monkeypatch) -> None:
    fleet, registry = small_fleet
    ctx = context(fleet, registry, ResultsStore(tmp_path / "runs"))

    def broken_judge(rules, evidence):
        raise RuntimeError("judge exploded")

    monkeypatch.setattr("govern.policy.judge", broken_judge)
    result = run_model_night(ctx, fleet.models["loan"], NIGHT)
    assert result.status == "error"
    assert [e.message for e in result.errors if e.stage == "judge"] == ["RuntimeError: judge exploded"]
    assert result.evidence.validation is not None  # the stages' evidence is kept


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (TimeoutError("object store timed out"), True),
        (ConnectionResetError("reset by peer"), True),
        (FileNotFoundError("no such file"), False),
        (OSError(errno.EIO, "input/output error"), True),
        (OSError(errno.ENOSPC, "no space left on device"), False),
        (OSError("Invalid: Parquet magic bytes not found"), False),  # pyarrow's corrupt file: no errno
        (RuntimeError("sqlite3.OperationalError: database is locked"), True),
        (IndexError("Replacement index 0 out of range"), False),  # a stray {0} in a template
        (KeyError("dat"), False),
        (DataError("model 'x': batch: column 'y' must be present"), False),
    ],
)
def test_only_io_that_may_succeed_next_time_is_retried(error: Exception, transient: bool) -> None:
    from tasks.stages import is_transient

    assert is_transient(error) is transient
    wrapped = DataError("model 'x': batch must be a readable parquet file")
    wrapped.__cause__ = error
    assert is_transient(wrapped) is transient  # what our boundary wraps keeps its cause


def test_only_the_sla_metric_and_the_ones_a_policy_asks_for_are_reported(small_fleet) -> None:
    fleet, registry = small_fleet
    result = run_model_night(context(fleet, registry), fleet.models["loan"], NIGHT)
    assert {(m.metric, m.kind) for m in result.evidence.performance.metrics} == {
        ("roc_auc", "estimated"),
        ("roc_auc", "realized"),
    }  # the SLA metric only: nothing the policy did not ask for
    asking = dataclasses.replace(fleet)
    rules = fleet.rules("loan")
    report = Threshold(("f1", "accuracy"), "reporting")
    asking.effective["loan"] = dataclasses.replace(
        rules, thresholds={**rules.thresholds, ("performance", "report"): report}
    )
    try:
        reported = run_model_night(context(asking, registry), fleet.models["loan"], NIGHT)
    finally:
        asking.effective["loan"] = rules
    assert {m.metric for m in reported.evidence.performance.metrics} == {"roc_auc", "f1", "accuracy"}


def test_a_model_without_an_artifact_is_monitored_from_its_scored_reference(small_fleet, tmp_path: Path) -> None:
    """NannyML's own design: a reference with predictions, scores and targets, and no model in our registry."""
    fleet, registry = small_fleet
    source = fleet.data_root / "loan"
    estimator = registry.load_model("loan", "2")
    reference = pd.read_parquet(source / "reference.parquet")
    reference["approved"] = estimator.predict(reference[["income", "region"]])
    reference["score"] = estimator.predict_proba(reference[["income", "region"]])[:, 1]
    config = model_config("owned")
    del config["registry"]
    own = load_fleet(write_fleet(tmp_path, models=[config]))
    data = own.data_root / "owned"
    (data / "batches").mkdir(parents=True)
    reference.to_parquet(data / "reference.parquet")
    for night in ("2026-10-05",):
        pd.read_parquet(source / "batches" / f"{night}.parquet").to_parquet(data / "batches" / f"{night}.parquet")
    save_suite(profile_suite(own.models["owned"], reference), own.expectations_dir / "owned.json")

    result = run_model_night(context(own, InMemoryRegistry()), own.models["owned"], "2026-10-05")  # an empty registry
    assert result.status == "healthy", [e.message for e in result.errors] + [f.message for f in result.findings]
    evidence = result.evidence
    assert evidence.mode == "scored_reference" and evidence.model_version is None
    assert evidence.validation is not None and evidence.drift is not None and evidence.fairness is not None
    assert {m.kind for m in evidence.performance.metrics} == {"estimated"}
    assert evidence.performance.version_comparison is None  # that one needs versions, hence the registry
    assert result.evidence.drift.features.n_columns == 2

    reference.drop(columns=["score"]).to_parquet(data / "reference.parquet")  # its own scores must be there
    broken = run_model_night(context(load_fleet(own.path), InMemoryRegistry()), own.models["owned"], "2026-10-05")
    assert broken.status == "error" and "column 'score' (score) must be present" in broken.errors[0].message


def test_a_missing_batch_is_still_told_when_the_rest_of_the_load_fails_too(small_fleet, tmp_path: Path) -> None:
    fleet, registry = small_fleet
    reference = Path(fleet.data_path(fleet.models["cards"].data.reference))
    hidden = reference.with_suffix(".hidden")
    reference.rename(hidden)
    try:
        result = run_model_night(context(fleet, registry), fleet.models["cards"], "2026-11-30")  # no batch either
    finally:
        hidden.rename(reference)
    assert result.status == "error" and "reference" in result.errors[0].message
    assert [f.check for f in result.findings] == ["data_quality.batch_missing"]  # not lost behind the error


def test_a_disabled_feed_refuses_the_nights_from_its_day_and_judges_the_earlier_ones(small_fleet) -> None:
    import dataclasses

    fleet, registry = small_fleet
    loan = dataclasses.replace(fleet, models={**fleet.models})  # the loaded fleet is shared by the module
    model = loan.models["loan"].model_copy(update={"feed": "applications"})
    ctx = context(loan, registry)
    why = "feed applications disabled since 2026-10-05T02:00+00:00 by govern: incident 3"
    ctx.disabled_feeds = {"applications": (why, "2026-10-05")}
    before = run_model_night(ctx, model, "2026-10-04")
    assert before.evidence.feed_disabled is None and before.evidence.rows == 1000  # judged as ever
    refused = run_model_night(ctx, model, "2026-10-05")
    assert refused.status == "incomplete" and refused.errors == () and refused.findings == ()
    assert refused.evidence.feed_disabled == why and refused.evidence.rows is None
    assert {n.section for n in refused.not_judged} == {"data_quality", "performance", "drift", "fairness", "segments"}
    assert all(why in n.reason for n in refused.not_judged)

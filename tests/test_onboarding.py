"""Onboarding a model that is not the demo's: NannyML's public synthetic car-loan data (shipped inside the nannyml
package, no download) cut into nightly batches and late labels, onboarded with ``govern models add`` alone; the
inference rules one by one on small frames; and ``validate-config --deep`` reporting every problem at once.

The full pipeline over the car-loan nights is checked against NannyML's own CBPE on the same data (the oracle)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import typer
import yaml
from typer.testing import CliRunner

from cli.onboarding import deep_check, models_app
from govern import onboarding
from govern.config import load_fleet
from govern.errors import DataError
from govern.onboarding import (
    GivenRoles,
    ModelDraft,
    check_model_data,
    date_glob,
    find_nights,
    infer_roles,
    model_yaml,
)
from govern.registry import InMemoryRegistry
from tests.fleet_factory import model_config, write_fleet

runner = CliRunner()
app = typer.Typer()
app.add_typer(models_app, name="models")  # as cli/app.py wires it

CAR_LOAN_NIGHTS = [(dt.date(2026, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(10)]
CHUNK = 5_000
SLA_POLICY = {"name": "auc_sla", "performance": {"metric": "roc_auc"}}


@pytest.fixture(scope="module")
def car_loan() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    import nannyml

    return nannyml.load_synthetic_car_loan_dataset()  # (reference, analysis, analysis_targets)


@pytest.fixture(scope="module")
def car_loan_fleet(tmp_path_factory: pytest.TempPathFactory, car_loan: Any) -> Path:
    """A fleet with no model yet (its default policy sets the SLA metric) and the car-loan data as a team
    would hold it: the reference, the analysis split as ten nightly batches of 5,000 rows and their labels."""
    reference, analysis, targets = car_loan
    root = tmp_path_factory.mktemp("car_loan_fleet")
    fleet = write_fleet(root, models=[], policies={"auc_sla": SLA_POLICY}, fleet={"default_policies": ["auc_sla"]})
    data = root / "data" / "car_loan"
    (data / "batches").mkdir(parents=True)
    (data / "labels").mkdir()
    reference.to_parquet(data / "reference.parquet", index=False)
    labelled = analysis.merge(targets, on="id", how="left", validate="1:1")
    for i, night in enumerate(CAR_LOAN_NIGHTS):
        rows = slice(i * CHUNK, (i + 1) * CHUNK)
        analysis.iloc[rows].to_parquet(data / "batches" / f"{night}.parquet", index=False)
        labelled.iloc[rows][["id", "repaid"]].to_parquet(data / "labels" / f"{night}.parquet", index=False)
    return fleet


def add_car_loan(fleet: Path, *extra: str) -> Any:
    data = fleet.parent.parent / "data" / "car_loan"
    return runner.invoke(
        app,
        [
            "models",
            "add",
            "car_loan",
            "--reference",
            str(data / "reference.parquet"),
            "--batches",
            str(data / "batches" / "{date}.parquet"),
            "--labels",
            str(data / "labels" / "{date}.parquet"),
            "--label-delay-days",
            "0",
            "--fleet",
            str(fleet),
            *extra,
        ],
    )


@pytest.fixture(scope="module")
def onboarded(car_loan_fleet: Path) -> tuple[Path, Any]:
    result = add_car_loan(car_loan_fleet)
    assert result.exit_code == 0, result.output
    return car_loan_fleet, result


# ---------------------------------------------------------------------------------------------- the car loan


def test_the_car_loan_roles_are_inferred(car_loan: Any) -> None:
    reference, analysis, _ = car_loan
    inference = infer_roles(reference, analysis.head(CHUNK))
    assert {name: role.value for name, role in inference.roles.items()} == {
        "problem_type": "binary_classification",
        "target": "repaid",
        "positive_label": 1,
        "score": "y_pred_proba",
        "prediction": "y_pred",
        "timestamp": "timestamp",
        "id": "id",
        "model_version": None,
        "api_client": None,
        "protected": [],
        "features": [
            "car_value",
            "salary_range",
            "debt_to_income_ratio",
            "loan_length",
            "repaid_loan_on_prev_car",
            "size_of_downpayment",
            "driver_tenure",
        ],
        "categorical": ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"],
    }
    assert inference.missing == []


def test_models_add_writes_a_model_file_the_fleet_loads(onboarded: tuple[Path, Any]) -> None:
    fleet_path, result = onboarded
    fleet = load_fleet(fleet_path)  # strict: the new model file and its suite load with the fleet
    model = fleet.models["car_loan"]
    assert model.mode == "scored_reference"  # no --registry-name: monitored from the reference's own scores
    assert model.problem_type.value == "binary_classification"
    c = model.columns
    assert (c.id, c.timestamp, c.target, c.prediction, c.score, c.positive_label) == (
        "id",
        "timestamp",
        "repaid",
        "y_pred",
        "y_pred_proba",
        1,
    )
    # paths under the fleet's data_root are written relative to it
    assert model.data.reference == "car_loan/reference.parquet"
    assert model.data.batches == "car_loan/batches/{date}.parquet"
    assert model.data.label_delay_days == 0
    text = fleet.model_files["car_loan"].read_text()
    for role in ("id", "timestamp", "target", "prediction", "score", "features", "categorical"):
        line = next(line for line in text.splitlines() if line.strip().startswith(f"{role}:"))
        assert "# confirm: inferred from" in line, line
    assert "# TODO" not in text
    assert "next:" in result.output and "govern run backfill --start 2026-01-01 --end 2026-01-10" in result.output


def test_the_suite_is_written_and_the_reference_and_batches_pass_it(onboarded: tuple[Path, Any], car_loan: Any) -> None:
    from govern.suites import load_suite
    from govern.validation import validate_batch

    fleet_path, result = onboarded
    fleet = load_fleet(fleet_path)
    suite = load_suite(fleet.expectations_dir / "car_loan.json")
    assert len(suite["expectations"]) > 10
    reference, analysis, _ = car_loan
    assert validate_batch(reference, suite).success
    assert validate_batch(analysis.head(CHUNK), suite).success
    assert "0 failed (0 critical)" in result.output


def test_the_deep_check_of_the_onboarded_fleet_is_clean(onboarded: tuple[Path, Any]) -> None:
    fleet_path, _ = onboarded
    checks = {c.model: c for c in onboarding.deep_check(load_fleet(fleet_path))}
    assert checks["car_loan"].problems == []
    found = "; ".join(checks["car_loan"].found)
    assert "reference: 50,000 rows" in found
    assert "batches: 10 nights, 2026-01-01 .. 2026-01-10" in found
    assert "reference: 10 chunks of 5,000 rows" in found


def test_models_add_refuses_to_overwrite_without_force(onboarded: tuple[Path, Any]) -> None:
    fleet_path, _ = onboarded
    before = (fleet_path.parent / "models" / "car_loan.yaml").read_text()
    refused = add_car_loan(fleet_path, "--owner-email", "someone@example.com")
    assert refused.exit_code == 2
    assert "pass --force" in refused.output
    assert (fleet_path.parent / "models" / "car_loan.yaml").read_text() == before


def test_models_add_without_an_inferable_target_writes_nothing_and_says_what_to_pass(
    tmp_path: Path, car_loan: Any
) -> None:
    reference, analysis, _ = car_loan
    fleet = write_fleet(tmp_path, models=[])
    (tmp_path / "data").mkdir()
    reference.head(6_000).rename(columns={"repaid": "paid_back"}).assign(extra=1).to_parquet(
        tmp_path / "data" / "ref.parquet"
    )  # two reference-only columns: neither is named like a target
    analysis.head(1_000).to_parquet(tmp_path / "data" / "2026-01-01.parquet")
    args = ["models", "add", "loan", "--reference", str(tmp_path / "data" / "ref.parquet")]
    args += ["--batches", str(tmp_path / "data" / "{date}.parquet"), "--fleet", str(fleet)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "--target COL" in result.output and "nothing written" in result.output
    assert "target:  # TODO: could not infer it" in result.output  # the draft, printed
    assert not (tmp_path / "configs" / "models" / "loan.yaml").exists()
    # given the target, the rest is inferred and the model is written
    result = runner.invoke(app, [*args, "--target", "paid_back"])
    assert result.exit_code == 0, result.output
    assert load_fleet(fleet).models["loan"].columns.target == "paid_back"


def test_models_add_with_a_registry_name_checks_the_registry(tmp_path: Path, car_loan: Any) -> None:
    reference, analysis, _ = car_loan
    fleet = write_fleet(tmp_path, models=[])
    (tmp_path / "data").mkdir()
    reference.head(30_000).to_parquet(tmp_path / "data" / "ref.parquet")
    analysis.head(5_000).to_parquet(tmp_path / "data" / "2026-01-01.parquet")
    args = ["models", "add", "loan", "--reference", str(tmp_path / "data" / "ref.parquet")]
    args += ["--batches", str(tmp_path / "data" / "{date}.parquet"), "--fleet", str(fleet)]
    result = runner.invoke(app, [*args, "--registry-name", "loan_model", "--owner-email", "ada@example.com"])
    # the fleet's MLflow database does not exist: the registry check fails, naming it; the files are written
    assert result.exit_code == 1, result.output
    assert "registry: model 'loan': registry.loan_model@champion must resolve" in result.output
    model = load_fleet(fleet).models["loan"]
    assert model.registry is not None and model.registry.name == "loan_model"
    assert model.owner.email == "ada@example.com"
    assert "reference: 6 chunks of 5,000 rows" in result.output  # enough: no warning
    assert "warning reference_size" not in result.output


# ---------------------------------------------------------------------------------------------- inference rules


def frame(n: int = 200, seed: int = 0, **columns: Any) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = {
        "loan_id": np.arange(n),
        "scored_at": pd.date_range("2026-01-01", periods=n, freq="min"),
        "income": rng.normal(50, 10, n),
        "region": rng.choice(["north", "south"], n),
        "prediction": rng.integers(0, 2, n),
        "proba": rng.uniform(0, 1, n),
        "outcome": rng.integers(0, 2, n),
    }
    return pd.DataFrame({**base, **columns})


def test_a_regression_target_and_a_numeric_prediction() -> None:
    rng = np.random.default_rng(1)
    data = frame(outcome=rng.normal(100, 20, 200)).drop(columns=["proba", "prediction"])
    data["predicted_amount"] = rng.normal(100, 20, 200)
    inference = infer_roles(data, data.drop(columns="outcome"))
    assert inference.value("problem_type") == "regression"
    assert inference.value("prediction") == "predicted_amount"
    assert inference.roles["score"].origin == "none"


@pytest.mark.parametrize(
    ("columns", "role", "expected"),
    [
        ({"loan_id": np.zeros(200)}, "id", None),  # not unique: no id named like one, and no other unique int/text
        ({"ref": [f"r{i}" for i in range(200)], "loan_id": np.zeros(200)}, "id", "ref"),  # the first unique column
        ({"scored_at": pd.date_range("2026-01-01", periods=200, freq="h").astype(str)}, "timestamp", "scored_at"),
        ({"scored_at": np.arange(200)}, "timestamp", None),  # numbers are not timestamps, whatever the name
        ({"proba": np.linspace(0, 2, 200)}, "score", None),  # outside [0, 1]: not a score
        ({"prediction": np.full(200, 3)}, "prediction", None),  # not within the target's classes
    ],
)
def test_a_role_is_inferred_only_from_a_column_that_fits(columns: dict[str, Any], role: str, expected: Any) -> None:
    inference = infer_roles(frame(**columns))
    assert inference.value(role) == expected
    assert (inference.roles[role].origin == "missing") == (expected is None)


def test_the_target_is_the_only_column_the_batches_lack() -> None:
    data = frame().rename(columns={"outcome": "good_standing"})
    inference = infer_roles(data, data.drop(columns="good_standing"))
    assert inference.value("target") == "good_standing"
    assert "the only column of the reference the batches lack" in inference.roles["target"].reason


def test_protected_attributes_are_suggested_and_kept_out_of_the_features() -> None:
    rng = np.random.default_rng(2)
    data = frame(
        applicant_gender=rng.choice(["f", "m"], 200),
        age_band=rng.choice(["18-30", "30-50", "50+"], 200),
        age=rng.integers(18, 80, 200),  # too many values for groups: a note, kept as a feature
        mileage=rng.integers(0, 3, 200),  # "age" inside a word is not the word
    )
    inference = infer_roles(data)
    assert inference.value("protected") == ["applicant_gender", "age_band"]
    assert "age" in inference.value("features") and "applicant_gender" not in inference.value("features")
    assert "mileage" in inference.value("categorical")  # an integer feature with 3 values
    assert any("'age' is named like a protected attribute" in note for note in inference.notes)


def test_a_text_target_needs_its_positive_label_given() -> None:
    data = frame(outcome=np.where(np.arange(200) % 3 == 0, "yes", "no"), prediction=np.full(200, "no"))
    inference = infer_roles(data)
    assert [r.name for r in inference.missing] == ["positive_label"]
    given = infer_roles(data, given=GivenRoles(positive_label="yes"))
    assert given.value("positive_label") == "yes" and given.missing == []
    with pytest.raises(DataError, match="positive label must be one of the target's classes"):
        infer_roles(data, given=GivenRoles(positive_label="maybe"))


def test_a_given_column_must_exist() -> None:
    with pytest.raises(DataError, match=r"got 'Loan_ID ', which is not one \(did you mean 'loan_id'\?\)"):
        infer_roles(frame(), given=GivenRoles(id="Loan_ID "))


def test_the_draft_marks_what_is_missing_and_loads_once_complete() -> None:
    data = frame()
    complete = model_yaml(ModelDraft("loan", infer_roles(data), "ref.parquet", "b/{date}.parquet"))
    assert yaml.safe_load(complete)["columns"]["target"] == "outcome"
    from govern.config import ModelConfig

    ModelConfig.model_validate(yaml.safe_load(complete))
    missing = model_yaml(ModelDraft("loan", infer_roles(data.drop(columns="loan_id")), "r.parquet", "{date}.csv"))
    assert "  id:  # TODO: could not infer it" in missing


def test_find_nights_reads_only_iso_dates(tmp_path: Path) -> None:
    folder = tmp_path / "in [x]"  # glob characters in the folder are literal
    folder.mkdir()
    for name in ("2026-01-02.csv", "2026-01-01.csv", "2026-13-01.csv", "latest.csv", "2026-01-03.parquet"):
        (folder / name).write_text("id\n1\n")
    template = str(folder / "{date}.csv")
    assert date_glob(template).endswith("*.csv")
    assert list(find_nights(template)) == ["2026-01-01", "2026-01-02"]
    with pytest.raises(DataError, match="must contain"):
        find_nights(str(folder / "latest.csv"))


def test_find_nights_lists_an_fsspec_uri() -> None:
    import fsspec

    memory = fsspec.filesystem("memory")
    for name in ("2026-02-01", "2026-02-02", "junk"):
        memory.pipe(f"/onboarding-test/feed/{name}.csv", b"id\n1\n")
    nights = find_nights("memory://onboarding-test/feed/{date}.csv")
    assert nights == {n: f"memory:///onboarding-test/feed/{n}.csv" for n in ("2026-02-01", "2026-02-02")}


# ---------------------------------------------------------------------------------------------- deep check


def test_the_deep_check_reports_every_problem_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(3)
    loan = model_config("loan", data={**model_config()["data"], "label_delay_days": 1})
    broken = {**model_config("broken"), "risk_tier": "enormous"}
    scored = model_config("scored", registry=None)
    fleet_path = write_fleet(tmp_path, models=[loan, broken, scored])
    data = tmp_path / "data"

    def table(n: int, **extra: Any) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "id": np.arange(n),
                "ts": pd.date_range("2026-01-01", periods=n, freq="min"),
                "income": rng.normal(0, 1, n),
                "region": rng.choice(["a", "b"], n),
                "gender": rng.choice(["f", "m"], n),
                **extra,
            }
        )

    (data / "loan" / "batches").mkdir(parents=True)
    table(900, repaid=rng.integers(0, 2, 900)).to_parquet(data / "loan" / "reference.parquet")  # < 6 x 1,000
    for night in ("2026-01-01", "2026-01-02", "2026-01-03"):
        batch = table(1_000, approved=rng.integers(0, 2, 1_000), score=rng.uniform(0, 1, 1_000))
        batch.to_parquet(data / "loan" / "batches" / f"{night}.parquet")
    batch.assign(score=batch["score"] * 3).to_parquet(data / "loan" / "batches" / "2026-01-04.parquet")
    # the scored model: its reference lacks the score it must carry, and no batch arrived

    (data / "scored").mkdir()
    table(100, repaid=rng.integers(0, 2, 100), approved=rng.integers(0, 2, 100)).to_parquet(
        data / "scored" / "reference.parquet"
    )
    fleet = load_fleet(fleet_path, strict=False)
    registry = InMemoryRegistry()
    checks = {c.model: c for c in onboarding.deep_check(fleet, registry=registry)}

    assert [p.check for p in checks["broken"].errors] == ["config"]
    assert "risk_tier" in checks["broken"].errors[0].message
    loan_problems = {(p.severity, p.check): p.message for p in checks["loan"].problems}
    assert "column 'score' (score) must be within [0, 1]" in loan_problems["error", "batches"]
    assert "2026-01-04" in loan_problems["error", "batches"]  # the newest night is the one checked
    assert "labels of 2026-01-01 were due 1 day later" in loan_problems["error", "labels"]
    assert "registry.loan@champion must resolve" in loan_problems["error", "registry"]
    assert "the reference holds 900 rows, fewer than 6 chunks" in loan_problems["warning", "reference_size"]
    scored_problems = {p.check: p.message for p in checks["scored"].errors}
    assert "column 'score' (score) must be present" in scored_problems["reference"]
    assert "no file matching" in scored_problems["batches"]

    # the command prints every problem grouped by model, and exits 1
    assert deep_check(fleet_path) == 1
    out = capsys.readouterr().out
    assert out.index("broken:") < out.index("loan:") < out.index("scored:")
    assert "3 model(s) checked: 3 with errors" in out


def test_a_labels_file_named_by_its_arrival_is_a_warning(tmp_path: Path, car_loan: Any) -> None:
    reference, analysis, targets = car_loan
    model = model_config(
        "car",
        registry=None,
        data={"reference": "ref.parquet", "batches": "b/{date}.parquet", "labels": "l/{date}.parquet"},
        columns={
            "id": "id",
            "timestamp": "timestamp",
            "features": ["car_value"],
            "prediction": "y_pred",
            "score": "y_pred_proba",
            "target": "repaid",
        },
        policies=[],
        thresholds={},
    )
    fleet_path = write_fleet(tmp_path, models=[model])
    data = tmp_path / "data"
    (data / "b").mkdir(parents=True)
    (data / "l").mkdir()
    reference.to_parquet(data / "ref.parquet")
    analysis.head(5_000).to_parquet(data / "b" / "2026-01-01.parquet")
    targets.head(5_000).to_parquet(data / "l" / "2026-01-08.parquet")  # named a week later, when they came
    check = check_model_data(load_fleet(fleet_path), load_fleet(fleet_path).models["car"])
    assert [(p.severity, p.check) for p in check.problems] == [("warning", "labels")]
    assert "1 without a batch of that night (e.g. 2026-01-08)" in check.problems[0].message


# ---------------------------------------------------------------------------------------------- the full pipeline


@pytest.mark.e2e
def test_a_backfill_of_the_onboarded_car_loan_gives_nannymls_own_figures(
    onboarded: tuple[Path, Any], car_loan: Any
) -> None:
    """Every night of the onboarded model through the real pipeline (GE, NannyML, drift, fairness) with no
    registry artifact: the estimated ROC AUC of each night is NannyML's CBPE on the same data, chunked by 5,000,
    and the realized one the labels' ROC AUC."""
    import nannyml
    from sklearn.metrics import roc_auc_score

    from govern.estimation import EstimatorCache
    from govern.pipeline import RunContext, run_model_night
    from govern.store import ResultsStore

    fleet_path, _ = onboarded
    fleet = load_fleet(fleet_path)
    ctx = RunContext(fleet, InMemoryRegistry(), EstimatorCache(None), ResultsStore(fleet.output))
    results = [run_model_night(ctx, fleet.models["car_loan"], night) for night in CAR_LOAN_NIGHTS]
    assert [r.status for r in results if r.status == "error"] == [], [r.errors for r in results]
    assert all(r.evidence.mode == "scored_reference" for r in results)
    assert all(r.evidence.validation is not None and r.evidence.validation.success for r in results)
    assert all(r.evidence.drift is not None for r in results)

    reference, analysis, targets = car_loan
    cbpe = nannyml.CBPE(
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="repaid",
        timestamp_column_name="timestamp",
        metrics=["roc_auc"],
        chunk_size=CHUNK,
        problem_type="classification_binary",
    ).fit(reference)
    oracle = cbpe.estimate(analysis).to_df(multilevel=False)
    oracle = oracle[oracle["chunk_period"] == "analysis"]  # the result holds the reference's chunks too
    assert len(oracle) == len(CAR_LOAN_NIGHTS)
    labelled = analysis.merge(targets, on="id")
    for i, result in enumerate(results):
        assert result.evidence.performance is not None
        figures = {m.kind: m for m in result.evidence.performance.metrics if m.metric == "roc_auc"}
        estimated, realized = figures["estimated"], figures["realized"]
        assert estimated.value == pytest.approx(oracle["roc_auc_value"].iloc[i], abs=1e-9)
        assert estimated.lower_threshold == pytest.approx(oracle["roc_auc_lower_threshold"].iloc[i], abs=1e-9)
        chunk = labelled.iloc[i * CHUNK : (i + 1) * CHUNK]
        assert realized.value == pytest.approx(roc_auc_score(chunk["repaid"], chunk["y_pred_proba"]), abs=1e-9)
        assert result.evidence.performance.reference_chunk_rows == CHUNK

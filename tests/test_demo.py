"""The demo fleet: built once per session into a temporary layout, then checked for shape, determinism and
the planted incidents, straight from the data (independently of the governance pipeline)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import mean_absolute_error, precision_score, roc_auc_score

from demo import DEMO_NIGHTS, FLEET, INCIDENTS, DemoSummary, build_demo
from demo.build import _build_model
from demo.configs import HEADER
from demo.noise import drift_measures
from govern.config import Fleet, ModelConfig, Rules, load_fleet
from govern.registry import MlflowRegistry
from govern.suites import load_suite

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")

HEALTHY = sorted({s.name for s in FLEET} - {i.model for i in INCIDENTS})


@dataclass(frozen=True)
class Built:
    root: Path
    summary: DemoSummary
    fleet: Fleet


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One build for the whole session. The fleet file is written first with its own state folder, which the
    build must keep (that is how the demo is pointed somewhere else)."""
    root = tmp_path_factory.mktemp("demo")
    fleet_path = root / "configs" / "fleet.yaml"
    fleet_path.parent.mkdir()
    fleet_path.write_text("name: mine\nstate_dir: ../state\ndata_root: ../state/data\n", encoding="utf-8")
    summary = build_demo(fleet_path)
    return Built(root, summary, load_fleet(fleet_path))


@cache
def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


class Data:
    """The demo files of one model, read lazily (and once)."""

    def __init__(self, fleet: Fleet, name: str) -> None:
        self.fleet, self.model = fleet, fleet.models[name]

    def reference(self) -> pd.DataFrame:
        return _read(Path(self.fleet.data_path(self.model.data.reference)))

    def batch(self, night: date) -> pd.DataFrame:
        return _read(Path(self.fleet.data_path(self.model.data.batches, night.isoformat())))

    def labels(self, night: date) -> pd.DataFrame:
        assert self.model.data.labels is not None
        return _read(Path(self.fleet.data_path(self.model.data.labels, night.isoformat())))

    def labelled(self, night: date) -> pd.DataFrame:
        return self.batch(night).merge(self.labels(night), on=self.model.columns.id, validate="one_to_one")


@pytest.fixture(scope="session")
def data(built: Built) -> Callable[[str], Data]:
    return lambda name: Data(built.fleet, name)


def _impact_ratios(frame: pd.DataFrame, attribute: str, prediction: str, favourable: Any) -> pd.Series:
    """Selection rate / the highest selection rate, over groups of at least 100 rows (the policies' size)."""
    rates = (frame[prediction] == favourable).groupby(frame[attribute]).agg(["mean", "size"])
    rates = rates[rates["size"] >= 100]["mean"]
    return rates / rates.max()


def _critical_failures(frame: pd.DataFrame, suite: dict[str, Any]) -> list[str]:
    """The suite's critical expectations evaluated with pandas (GE's semantics: mostly over non-null values)."""
    failures = []
    for expectation in suite["expectations"]:
        if not expectation["meta"].get("critical"):
            continue
        kind, kwargs = expectation["type"], expectation["kwargs"]
        column = kwargs.get("column")
        if kind == "expect_table_row_count_to_be_between":
            ok = len(frame) >= kwargs["min_value"]
        elif kind == "expect_column_to_exist":
            ok = column in frame.columns
        elif kind == "expect_column_values_to_not_be_null":
            ok = frame[column].notna().mean() >= kwargs.get("mostly", 1.0)
        elif kind == "expect_column_values_to_be_between":
            values = frame[column].dropna()
            ok = values.between(kwargs["min_value"], kwargs["max_value"]).mean() >= kwargs.get("mostly", 1.0)
        elif kind == "expect_column_proportion_of_non_null_values_to_be_between":
            ok = frame[column].notna().mean() >= kwargs["min_value"]
        elif kind == "expect_column_values_to_be_in_set":
            ok = frame[column].dropna().isin(kwargs["value_set"]).mean() >= kwargs.get("mostly", 1.0)
        else:
            raise AssertionError(f"no pandas oracle for {kind}")
        if not ok:
            failures.append(f"{kind}({column})")
    return failures


# ---------------------------------------------------------------------------------------------- shape


def test_fleet_shape(built: Built) -> None:
    models = built.fleet.models.values()
    assert len(built.fleet.models) == len(FLEET) >= 24
    assert len({m.business_unit for m in models}) >= 4
    kinds = [m.problem_type.value for m in models]
    assert set(kinds) == {"binary_classification", "regression"}
    assert kinds.count("regression") >= 6
    assert all(m.owner.email.endswith("@example.com") for m in models)
    assert {p for m in models for p in m.policies} <= set(built.fleet.policies)
    assert built.fleet.config.default_policies == ["drift_standard", "data_quality_standard", "performance_standard"]


def test_summary_and_layout(built: Built) -> None:
    summary = built.summary
    assert summary.rebuilt and summary.nights == DEMO_NIGHTS
    assert DEMO_NIGHTS[0] == date(2026, 10, 1) and DEMO_NIGHTS[-1] == date(2026, 10, 30) and len(DEMO_NIGHTS) == 30
    assert summary.paths["data_root"] == (built.root / "state" / "data").resolve()
    assert "26 models, 30 nights" in str(summary)
    # the location settings of the fleet file written before the build were kept
    assert built.fleet.state_dir == (built.root / "state").resolve()
    assert (built.root / "state" / "mlflow.db").is_file()
    assert not (built.root / ".state").exists()


def test_a_second_build_is_a_no_op(built: Built) -> None:
    before = {p: p.stat().st_mtime_ns for p in (built.root / "configs").rglob("*.yaml")}
    again = build_demo(built.root / "configs" / "fleet.yaml")
    assert not again.rebuilt and again.seconds < 5
    assert {p: p.stat().st_mtime_ns for p in (built.root / "configs").rglob("*.yaml")} == before


def test_generated_files_say_so(built: Built) -> None:
    for path in [built.fleet.path, *built.fleet.model_files.values(), *(built.root / "configs" / "policies").glob("*")]:
        assert path.read_text(encoding="utf-8").startswith(HEADER), path


def test_every_model_has_versions_and_champion_on_the_newest(built: Built) -> None:
    registry = MlflowRegistry.for_fleet(built.fleet)
    for name, model in built.fleet.models.items():
        versions = registry.versions(model.registry.name)
        assert len(versions) >= 2, name
        assert registry.version_by_alias(name, model.registry.serving_alias).version == versions[-1].version
        assert all("deployed_on" in v.tags for v in versions)


def test_credit_default_versions_and_their_deployment(built: Built, data: Callable[[str], Data]) -> None:
    registry = MlflowRegistry.for_fleet(built.fleet)
    versions = registry.versions("credit_default_pd")
    assert [v.version for v in versions] == ["1", "2", "3"]
    assert versions[-1].tags["deployed_on"] == "2026-10-16" and versions[-1].aliases == ("champion",)
    served = [data("credit_default_pd").batch(n)["model_version"].unique().tolist() for n in DEMO_NIGHTS]
    assert served == [["2"]] * 15 + [["3"]] * 15


def test_every_suite_loads_and_matches_its_model(built: Built) -> None:
    for model in built.fleet.models.values():
        suite = load_suite(built.fleet.expectations_dir / f"{model.suite_name}.json")
        assert suite["name"] == model.suite_name
        columns = {e["kwargs"].get("column") for e in suite["expectations"]}
        assert model.columns.target not in columns
        assert set(model.columns.features) <= columns


# ---------------------------------------------------------------------------------------------- data


@pytest.mark.parametrize("name", [s.name for s in FLEET])
def test_data_layout_of_each_model(built: Built, data: Callable[[str], Data], name: str) -> None:
    model, files = built.fleet.models[name], data(name)
    reference = files.reference()
    columns = model.columns
    assert 4000 <= len(reference) <= 6000
    assert model.columns.target in reference and columns.prediction not in reference
    assert reference[columns.id].is_unique
    days = reference[columns.timestamp].dt.date
    assert days.min() == date(2026, 9, 1) and days.max() == date(2026, 9, 20) and days.nunique() == 20
    for night in (DEMO_NIGHTS[0], DEMO_NIGHTS[17], DEMO_NIGHTS[-1]):
        batch, labels = files.batch(night), files.labels(night)
        assert 1500 <= len(batch) <= 3000
        assert columns.target not in batch
        required = [columns.id, columns.timestamp, *columns.features, *columns.protected, columns.prediction]
        assert set(required) <= set(batch.columns)
        assert (batch[columns.timestamp].dt.date == night).all()
        assert batch["model_version"].map(type).eq(str).all()
        assert list(labels.columns) == [columns.id, columns.target]
        assert labels[columns.id].tolist() == batch[columns.id].tolist()
        if model.problem_type.value == "binary_classification":
            assert set(batch[columns.prediction].unique()) <= {0, 1}
            assert columns.score and batch[columns.score].between(0, 1).all()
    assert all(Path(built.fleet.data_path(model.data.labels or "", n.isoformat())).is_file() for n in DEMO_NIGHTS)


@pytest.mark.parametrize("name", ["loan_approval_us", "fraud_card_payments", "salary_benchmark"])
def test_data_is_deterministic(built: Built, name: str, tmp_path: Path) -> None:
    """Regenerated in a fresh process, the files are byte for byte those the build's workers wrote. (A fresh
    process, as the build uses: in a process that has already loaded LightGBM and XGBoost through NannyML, as the
    end-to-end tests do, the last bits of a float can differ.)"""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        pool.apply(_build_model, (name, str(tmp_path)))
    for path in sorted((tmp_path / name).rglob("*.parquet")):
        original = built.fleet.data_root / path.relative_to(tmp_path)
        assert path.read_bytes() == original.read_bytes(), path


def test_batches_pass_their_critical_expectations_except_the_planted_unit_change(
    built: Built, data: Callable[[str], Data]
) -> None:
    unexpected = []
    for name, model in built.fleet.models.items():
        suite = load_suite(built.fleet.expectations_dir / f"{model.suite_name}.json")
        for night in DEMO_NIGHTS:
            failures = _critical_failures(data(name).batch(night), suite)
            planted = name == "loan_approval_us" and night >= date(2026, 10, 18)
            if planted:
                assert failures == ["expect_column_values_to_be_between(annual_income)"], night
            elif failures:
                unexpected.append((name, night, failures))
    assert unexpected == []


def test_the_pipelines_validation_flags_the_unit_change_as_bad_data(built: Built, data: Callable[[str], Data]) -> None:
    from govern.validation import validate_batch

    suite = load_suite(built.fleet.expectations_dir / "loan_approval_us.json")
    before = validate_batch(data("loan_approval_us").batch(date(2026, 10, 17)), suite)
    after = validate_batch(data("loan_approval_us").batch(date(2026, 10, 18)), suite)
    assert before.success and not before.bad_data
    assert after.bad_data and [f.column for f in after.failed if f.critical] == ["annual_income"]


# ---------------------------------------------------------------------------------------------- incidents


def test_incidents_are_consistent_with_the_configs(built: Built) -> None:
    sections = set(Rules.model_fields)
    assert len({i.model for i in INCIDENTS}) == len(INCIDENTS) == 6
    for incident in INCIDENTS:
        model = built.fleet.models[incident.model]
        assert set(incident.sections) <= sections
        assert DEMO_NIGHTS[0] <= incident.first_night <= incident.detect_by <= incident.last_night <= DEMO_NIGHTS[-1]
        if "fairness" in incident.sections:
            assert incident.subjects[0] in model.columns.protected
        if "segments" in incident.sections:
            assert model.columns.api_client is not None
        if incident.kind == "upstream_unit_change":
            assert incident.subjects[0] in model.columns.numeric_features and incident.fault == "data"
        if "performance" in incident.sections:
            assert model.thresholds.performance.metric is not None
        assert incident.fault in ("data", "model")
    # intersections are judged only where a model opts in (the fairness policies switch them off: too noisy
    # nightly); a model under no fairness policy keeps the rulebook's default, with no fairness limit to judge
    judged = {
        n
        for n in built.fleet.models
        if built.fleet.rules(n).value("fairness", "intersectional")
        and built.fleet.rules(n).get("fairness", "min_impact_ratio") is not None
    }
    assert judged == {"resume_screening"}


def test_loan_approvals_collapse_when_income_arrives_in_thousands(data: Callable[[str], Data]) -> None:
    files = data("loan_approval_us")
    rates = pd.Series({n: files.batch(n)["prediction"].mean() for n in DEMO_NIGHTS})
    before, after = rates[rates.index < date(2026, 10, 18)], rates[rates.index >= date(2026, 10, 18)]
    assert before.min() > 0.75 and after.max() < 0.6
    income = files.batch(date(2026, 10, 18))["annual_income"]
    assert income.max() < 1000 and files.reference()["annual_income"].min() >= 20_000
    js, _ = drift_measures(files.reference()["annual_income"], income, categorical=False)
    assert js > 0.85  # every value in the lowest reference decile: sqrt(JSD) = 0.87


def test_fraud_precision_falls_as_orbitpay_floods_in(data: Callable[[str], Data]) -> None:
    files = data("fraud_card_payments")

    def precision(night: date) -> float:
        frame = files.labelled(night)
        return float(precision_score(frame["is_fraud"], frame["fraud_flag"]))

    share = {n: (files.batch(n)["api_client_id"] == "client_orbitpay").mean() for n in DEMO_NIGHTS}
    assert abs((files.reference()["api_client_id"] == "client_orbitpay").mean() - 0.03) < 0.01
    assert all(share[n] < 0.05 for n in DEMO_NIGHTS if n < date(2026, 10, 20))
    assert share[date(2026, 10, 26)] > 0.3
    assert min(precision(n) for n in DEMO_NIGHTS[:19]) > 0.65
    assert max(precision(n) for n in DEMO_NIGHTS[24:]) < 0.2
    late = files.batch(date(2026, 10, 26))
    orbitpay = late["api_client_id"] == "client_orbitpay"
    assert late.loc[orbitpay, "fraud_flag"].mean() > 3 * late.loc[~orbitpay, "fraud_flag"].mean()


def test_mortgage_group_c_impact_ratio_crosses_four_fifths(data: Callable[[str], Data]) -> None:
    files = data("mortgage_approval")
    ratios = pd.Series({n: _impact_ratios(files.batch(n), "race", "prediction", 1)["group_c"] for n in DEMO_NIGHTS})
    assert ratios.iloc[:7].mean() >= 0.9 and ratios.iloc[:7].min() >= 0.85
    assert (ratios.iloc[:12] >= 0.8).all()
    assert ratios.iloc[-7:].mean() < 0.75 and (ratios.iloc[-8:] < 0.8).all()
    first_below = next(i for i, r in enumerate(ratios, start=1) if r < 0.8)
    assert 14 <= first_below <= 21
    assert min(len(files.batch(n).query("race == 'group_c'")) for n in DEMO_NIGHTS) >= 100


def test_resume_tier_3_is_selected_far_less_every_night(data: Callable[[str], Data]) -> None:
    files = data("resume_screening")
    for night in DEMO_NIGHTS:
        batch = files.batch(night)
        ratios = _impact_ratios(batch, "university_tier", "advance", 1)
        selection = batch.groupby("university_tier")["advance"].mean()
        assert ratios["tier_3"] < 0.7, night
        assert selection["tier_3"] / selection["tier_1"] < 0.7
        assert batch["university_tier"].value_counts().min() >= 200
        for attribute in ("gender", "age_band"):
            assert _impact_ratios(batch, attribute, "advance", 1).min() >= 0.8, (night, attribute)
    assert (
        0.5
        <= np.mean([_impact_ratios(files.batch(n), "university_tier", "advance", 1)["tier_3"] for n in DEMO_NIGHTS])
        <= 0.65
    )


def test_churn_auc_decays_slowly(built: Built, data: Callable[[str], Data]) -> None:
    files = data("churn_retail")
    auc = [roc_auc_score(f["churned"], f["churn_score"]) for f in map(files.labelled, DEMO_NIGHTS)]
    minimum = built.fleet.models["churn_retail"].thresholds.performance.minimum
    assert minimum == 0.78 and built.fleet.models["churn_retail"].data.label_delay_days == 10
    assert np.mean(auc[:5]) > 0.84 and np.mean(auc[-5:]) < 0.73
    assert all(a >= minimum for a in auc[:12])
    assert all(a < minimum for a in auc[-8:])


def test_credit_default_auc_drops_with_version_3(data: Callable[[str], Data]) -> None:
    files = data("credit_default_pd")
    auc = pd.Series(
        {
            n: roc_auc_score(f["defaulted_90d"], f["pd_score"])
            for n, f in zip(DEMO_NIGHTS, map(files.labelled, DEMO_NIGHTS), strict=True)
        }
    )
    before, after = auc[auc.index < date(2026, 10, 16)], auc[auc.index >= date(2026, 10, 16)]
    assert before.min() > 0.82 and after.max() < 0.72
    # the data did not change: the same features drift no more than on healthy nights
    first, last = files.batch(DEMO_NIGHTS[0]), files.batch(DEMO_NIGHTS[-1])
    assert drift_measures(first["credit_utilization"], last["credit_utilization"], categorical=False)[0] < 0.1


# ---------------------------------------------------------------------------------------------- healthy models


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_models_stay_quiet(built: Built, data: Callable[[str], Data], name: str) -> None:
    """Stable positive rates, SLA met every night, no drift or unfairness beyond the policies' thresholds."""
    model, files = built.fleet.models[name], data(name)
    columns = model.columns
    rules = built.fleet.rules(name)
    reference = files.reference()
    binary = model.problem_type.value == "binary_classification"

    means = pd.Series({n: files.batch(n)[columns.prediction].mean() for n in DEMO_NIGHTS})
    if binary:
        rate = means.mean()
        se = np.sqrt(rate * (1 - rate) / 1500)
        assert (means - rate).abs().max() < 5 * se, means.round(3).tolist()
    else:
        assert (means / means.mean() - 1).abs().max() < 0.08

    performance = model.thresholds.performance
    for night in DEMO_NIGHTS:
        frame = files.labelled(night)
        if performance.metric == "roc_auc":
            assert roc_auc_score(frame[columns.target], frame[columns.score]) >= performance.minimum, night
        elif performance.metric == "mae":
            assert mean_absolute_error(frame[columns.target], frame[columns.prediction]) <= performance.maximum
        for feature in columns.features:
            js, psi = drift_measures(reference[feature], frame[feature], categorical=feature in columns.categorical)
            assert js <= rules.value("drift", "max_jensen_shannon"), (night, feature, js)
            assert psi <= rules.value("drift", "max_psi"), (night, feature, psi)
        favourable = columns.favorable
        if rules.value("fairness", "min_impact_ratio") is not None:
            for attribute in columns.protected:
                ratios = _impact_ratios(frame, attribute, columns.prediction, favourable)
                assert ratios.min() >= rules.value("fairness", "min_impact_ratio"), (night, attribute)
        if rules.value("fairness", "max_equalized_odds_difference") is not None:
            for attribute in columns.protected:
                groups = frame.groupby(attribute).filter(lambda g: len(g) >= 100)
                flagged = groups[columns.prediction] == columns.positive_label
                tpr = flagged[groups[columns.target] == 1].groupby(groups[attribute]).mean()
                fpr = flagged[groups[columns.target] == 0].groupby(groups[attribute]).mean()
                difference = max(tpr.max() - tpr.min(), fpr.max() - fpr.min())
                assert difference <= rules.value("fairness", "max_equalized_odds_difference"), (night, attribute)


def test_drift_policy_documents_its_noise(built: Built) -> None:
    text = (built.root / "configs" / "policies" / "drift_standard.yaml").read_text(encoding="utf-8")
    assert "p99.9" in text and "healthy column-nights" in text
    policy = yaml.safe_load(text)
    assert 0 < policy["drift"]["max_jensen_shannon"] < 0.3 and 0 < policy["drift"]["max_psi"] < 0.3


def test_model_configs_validate_against_the_schema(built: Built) -> None:
    for path in built.fleet.model_files.values():
        ModelConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))

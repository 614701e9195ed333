"""The demo fleet: built once per session into a temporary layout and served night by night with nothing
moving the aliases (as when governance does nothing), then checked for shape, determinism and the planted
incidents, straight from the data (independently of the governance pipeline). The serving step's own behaviour
(the alias decides, a rerun changes nothing, a quarantined version is not deployed) is checked on copies of the
built registry."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import mean_absolute_error, precision_score, roc_auc_score

from demo import DEMO_NIGHTS, FEED_INCIDENTS, FLEET, HUMAN_STEPS, INCIDENTS, DemoSummary, build_demo, serve_night
from demo.build import _build_model, _fingerprint_sources, _layout, _reset_response_state, requests_path
from demo.configs import HEADER
from demo.contacts import MODEL_RISK, OWNERS
from demo.generate import request_columns, score
from demo.noise import drift_measures
from demo.script import COMMANDS
from demo.serving import read_serving_record
from govern.config import Fleet, ModelConfig, Rules, load_fleet
from govern.errors import ConfigError, DataError
from govern.registry import MlflowRegistry
from govern.suites import load_suite

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")

HEALTHY = sorted({s.name for s in FLEET} - {i.model for i in INCIDENTS})
LOAN_FIX = date(2026, 10, 24)
"""The first night the loan application feed delivers annual income in dollars again."""
FEED_FAILURES = {(model, night) for i in FEED_INCIDENTS for model in i.models for night in i.nights}


@dataclass(frozen=True)
class Built:
    root: Path
    summary: DemoSummary
    fleet: Fleet
    aliases: dict[str, str]
    """Each model's serving alias right after the build, before any night was served."""
    served: dict[date, dict[str, str]]
    """What ``serve_night`` returned for each night."""
    serve_seconds: list[float]
    stale: list[Path]
    """Files of an earlier run planted before the build, which the build must delete."""


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One build for the whole session, then every night served in order with nothing moving the aliases. The
    fleet file is written first with its own state folder, which the build must keep (that is how the demo is
    pointed somewhere else); an incident database and a serving record of an earlier run are planted there."""
    root = tmp_path_factory.mktemp("demo")
    fleet_path = root / "configs" / "fleet.yaml"
    fleet_path.parent.mkdir()
    fleet_path.write_text("name: mine\nstate_dir: ../state\ndata_root: ../state/data\n", encoding="utf-8")
    stale = [root / "state" / "governance.db", root / "state" / "demo" / "serving" / "credit_default_pd.json"]
    stale[1].parent.mkdir(parents=True)
    with sqlite3.connect(stale[0]) as connection:
        connection.execute("create table incidents (id integer primary key)")
    stale[1].write_text('{"model": "credit_default_pd", "nights": {"2026-10-01": {"version": "1"}}}\n')
    summary = build_demo(fleet_path)
    fleet = load_fleet(fleet_path)
    registry = MlflowRegistry.for_fleet(fleet)
    aliases = {n: registry.version_by_alias(n, m.registry.serving_alias).version for n, m in _registered(fleet)}
    served, seconds = {}, []
    for night in DEMO_NIGHTS:
        started = time.perf_counter()
        served[night] = serve_night(fleet_path, night)
        seconds.append(time.perf_counter() - started)
    return Built(root, summary, fleet, aliases, served, seconds, stale)


def _registered(fleet: Fleet) -> list[tuple[str, Any]]:
    return [(name, model) for name, model in fleet.models.items() if model.registry is not None]


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

    def requests(self, night: date) -> pd.DataFrame:
        return _read(requests_path(self.fleet.data_root, self.model.name, night))

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
        elif kind == "expect_column_values_to_be_between":  # over no values at all, GE succeeds
            values = frame[column].dropna()
            ok = values.empty or values.between(kwargs["min_value"], kwargs["max_value"]).mean() >= kwargs.get(
                "mostly", 1.0
            )
        elif kind == "expect_column_proportion_of_non_null_values_to_be_between":
            ok = frame[column].notna().mean() >= kwargs["min_value"]
        elif kind == "expect_column_values_to_be_in_set":
            values = frame[column].dropna()
            ok = values.empty or values.isin(kwargs["value_set"]).mean() >= kwargs.get("mostly", 1.0)
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


def test_a_build_forgets_the_previous_runs_incidents_and_serving(built: Built) -> None:
    """The incident database and serving records of an earlier run name registry versions the build replaced."""
    assert not built.stale[0].exists()
    record = read_serving_record(built.fleet, "credit_default_pd")  # rewritten by this session's serving
    assert record["nights"]["2026-10-01"]["version"] == "2" and len(record["nights"]) == len(DEMO_NIGHTS)
    assert "demo/serving.py" in {f"{p.parent.name}/{p.name}" for p in _fingerprint_sources()}


def test_only_the_default_incident_database_is_deleted(tmp_path: Path) -> None:
    configs, state = tmp_path / "configs", tmp_path / "state"
    configs.mkdir()
    (state / "demo" / "serving").mkdir(parents=True)
    record = state / "demo" / "serving" / "churn_retail.json"
    record.write_text("{}")
    elsewhere = tmp_path / "shared" / "governance.db"
    elsewhere.parent.mkdir()
    for database in (state / "governance.db", elsewhere):
        with sqlite3.connect(database) as connection:
            connection.execute("create table t (x)")
    (state / "governance.db-wal").write_bytes(b"")
    fleet_path = configs / "fleet.yaml"
    fleet_path.write_text("name: x\nstate_dir: ../state\n")
    deleted = _reset_response_state(_layout(fleet_path))
    assert set(deleted) == {record, state / "governance.db", state / "governance.db-wal"}
    assert not (state / "demo" / "serving").exists() and elsewhere.is_file()
    # a database the fleet file points outside the state folder is someone else's
    fleet_path.write_text(f"name: x\nstate_dir: ../state\nincident_db: sqlite:///{elsewhere}\n")
    assert _reset_response_state(_layout(fleet_path)) == [] and elsewhere.is_file()
    # nor is a file under the state folder that is not an SQLite database
    not_sqlite = state / "notes.db"
    not_sqlite.write_text("my notes")
    fleet_path.write_text(f"name: x\nstate_dir: ../state\nincident_db: sqlite:///{not_sqlite}\n")
    assert _reset_response_state(_layout(fleet_path)) == [] and not_sqlite.read_text() == "my notes"


def test_a_second_build_is_a_no_op(built: Built) -> None:
    before = {p: p.stat().st_mtime_ns for p in (built.root / "configs").rglob("*.yaml")}
    served = {p: p.stat().st_mtime_ns for p in (built.root / "state").rglob("batches/*.parquet")}
    again = build_demo(built.root / "configs" / "fleet.yaml")
    assert not again.rebuilt and again.seconds < 5
    assert {p: p.stat().st_mtime_ns for p in (built.root / "configs").rglob("*.yaml")} == before
    assert {p: p.stat().st_mtime_ns for p in (built.root / "state").rglob("batches/*.parquet")} == served
    assert len(served) == len(FLEET) * len(DEMO_NIGHTS)


def test_generated_files_say_so(built: Built) -> None:
    for path in [built.fleet.path, *built.fleet.model_files.values(), *(built.root / "configs" / "policies").glob("*")]:
        assert path.read_text(encoding="utf-8").startswith(HEADER), path


def test_the_build_points_the_alias_at_the_version_serving_on_the_first_night(built: Built) -> None:
    registry = MlflowRegistry.for_fleet(built.fleet)
    assert built.aliases == {s.name: str(s.serving_version(DEMO_NIGHTS[0])) for s in FLEET}
    for name, model in _registered(built.fleet):
        versions = registry.versions(model.registry.name)
        assert len(versions) >= 2, name
        assert all("deployed_on" in v.tags for v in versions)
        # after the month's deployments (nothing rolled back), the alias names the newest version
        assert registry.version_by_alias(name, model.registry.serving_alias).version == versions[-1].version


def test_credit_default_versions_and_their_deployment(built: Built, data: Callable[[str], Data]) -> None:
    registry = MlflowRegistry.for_fleet(built.fleet)
    versions = registry.versions("credit_default_pd")
    assert [v.version for v in versions] == ["1", "2", "3"]
    assert versions[-1].tags["deployed_on"] == "2026-10-16" and versions[-1].aliases == ("champion",)
    served = [data("credit_default_pd").batch(n)["model_version"].unique().tolist() for n in DEMO_NIGHTS]
    assert served == [["2"]] * 15 + [["3"]] * 15
    assert [built.served[n]["credit_default_pd"] for n in DEMO_NIGHTS] == ["2"] * 15 + ["3"] * 15
    nights = read_serving_record(built.fleet, "credit_default_pd")["nights"]
    assert nights["2026-10-16"]["deployment"] == {"version": "3", "outcome": "deployed"}
    assert [n for n, entry in nights.items() if "deployment" in entry] == ["2026-10-16"]


def test_every_night_serves_every_model_in_about_a_second(built: Built) -> None:
    assert all(set(served) == {s.name for s in FLEET} for served in built.served.values())
    # the first night loads the models from the registry; later ones find them cached (~1 s on 2 cores)
    assert sum(built.serve_seconds[1:]) / len(built.serve_seconds[1:]) < 5, built.serve_seconds


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
        batch, labels, requests = files.batch(night), files.labels(night), files.requests(night)
        # the requests are the inference inputs: no prediction, score, model version or target
        inputs = [columns.id, columns.timestamp, *filter(None, [columns.api_client]), *columns.features]
        assert list(requests.columns) == [*inputs, *columns.protected]
        assert not {columns.prediction, columns.score, columns.model_version, columns.target} & set(requests.columns)
        assert batch[list(requests.columns)].equals(requests)
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


def test_batches_pass_their_critical_expectations_except_the_planted_failures(
    built: Built, data: Callable[[str], Data]
) -> None:
    (feed,) = FEED_INCIDENTS
    unexpected = []
    for name, model in built.fleet.models.items():
        suite = load_suite(built.fleet.expectations_dir / f"{model.suite_name}.json")
        for night in DEMO_NIGHTS:
            failures = _critical_failures(data(name).batch(night), suite)
            if name == "loan_approval_us" and date(2026, 10, 18) <= night < LOAN_FIX:
                assert failures == ["expect_column_values_to_be_between(annual_income)"], night
            elif (name, night) in FEED_FAILURES:
                assert failures == list(feed.expectations), night
            elif failures:
                unexpected.append((name, night, failures))
    assert unexpected == []


def test_the_pipelines_validation_flags_the_unit_change_as_bad_data(built: Built, data: Callable[[str], Data]) -> None:
    from govern.validation import validate_batch

    suite = load_suite(built.fleet.expectations_dir / "loan_approval_us.json")
    before = validate_batch(data("loan_approval_us").batch(date(2026, 10, 17)), suite)
    after = validate_batch(data("loan_approval_us").batch(date(2026, 10, 18)), suite)
    last = validate_batch(data("loan_approval_us").batch(date(2026, 10, 23)), suite)
    fixed = validate_batch(data("loan_approval_us").batch(LOAN_FIX), suite)
    assert before.success and not before.bad_data
    assert after.bad_data and [f.column for f in after.failed if f.critical] == ["annual_income"]
    assert last.bad_data and not fixed.bad_data and fixed.success


@pytest.mark.parametrize("incident", FEED_INCIDENTS, ids=lambda i: i.feed)
def test_the_pipelines_validation_fails_every_model_of_the_feed_on_its_failure_night_only(
    built: Built, data: Callable[[str], Data], incident: Any
) -> None:
    """Great Expectations, as the pipeline's validate stage runs it, on every night of each model of the feed."""
    from govern.validation import validate_batch

    for name in incident.models:
        suite = load_suite(built.fleet.expectations_dir / f"{built.fleet.models[name].suite_name}.json")
        bad = {}
        for night in DEMO_NIGHTS:
            result = validate_batch(data(name).batch(night), suite)
            if result.bad_data:
                bad[night] = [f"{f.expectation}({f.column})" for f in result.failed if f.critical]
        assert bad == dict.fromkeys(incident.nights, list(incident.expectations)), name
        batch = data(name).batch(incident.night)
        assert batch[incident.column].isna().all() and data(name).requests(incident.night)[incident.column].isna().all()


def test_every_model_names_its_feed_and_the_planted_feed_failure_is_shared(built: Built) -> None:
    feeds: dict[str, list[str]] = {}
    for name, model in sorted(built.fleet.models.items()):
        assert model.feed is not None, name
        feeds.setdefault(model.feed, []).append(name)
    assert feeds["loan_applications"] == ["loan_approval_us"]
    (incident,) = FEED_INCIDENTS
    assert sorted(incident.models) == feeds[incident.feed] and len(incident.models) >= 3
    assert set(incident.models) <= set(HEALTHY)  # healthy but for the feed's night
    assert DEMO_NIGHTS[0] < date(2026, 10, 20) < incident.night <= incident.last_night <= DEMO_NIGHTS[-1]
    for name in incident.models:
        model = built.fleet.models[name]
        assert incident.column in model.columns.numeric_features
        # no label of the failure night arrives within the demo: the bad night is nothing but bad data
        assert incident.night.toordinal() + model.data.label_delay_days > DEMO_NIGHTS[-1].toordinal()
        critical = {
            f"{e['type']}({e['kwargs'].get('column')})"
            for e in load_suite(built.fleet.expectations_dir / f"{model.suite_name}.json")["expectations"]
            if e["meta"]["critical"]
        }
        assert set(incident.expectations) <= critical


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


def test_loan_approvals_collapse_while_income_arrives_in_thousands(data: Callable[[str], Data]) -> None:
    files = data("loan_approval_us")
    rates = pd.Series({n: files.batch(n)["prediction"].mean() for n in DEMO_NIGHTS})
    broken = (rates.index >= date(2026, 10, 18)) & (rates.index < LOAN_FIX)
    assert rates[~broken].min() > 0.75 and rates[broken].max() < 0.6 and broken.sum() == 6
    income = files.batch(date(2026, 10, 18))["annual_income"]
    assert income.max() < 1000 and files.reference()["annual_income"].min() >= 20_000
    js, _ = drift_measures(files.reference()["annual_income"], income, categorical=False)
    assert js > 0.85  # every value in the lowest reference decile: sqrt(JSD) = 0.87
    # from the upstream fix on, the income is in dollars again and drifts no more than on healthy nights
    for night in DEMO_NIGHTS[DEMO_NIGHTS.index(LOAN_FIX) :]:
        income = files.batch(night)["annual_income"]
        assert income.min() >= 20_000, night
        assert drift_measures(files.reference()["annual_income"], income, categorical=False)[0] < 0.1
    (loan,) = [i for i in INCIDENTS if i.model == "loan_approval_us"]
    assert loan.last_night == date(2026, 10, 23) and "2026-10-24" in loan.expected


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
    """Stable positive rates, SLA met every night, no drift or unfairness beyond the policies' thresholds; but
    for the night their feed fails (checked above)."""
    model, files = built.fleet.models[name], data(name)
    columns = model.columns
    rules = built.fleet.rules(name)
    reference = files.reference()
    binary = model.problem_type.value == "binary_classification"
    nights = [n for n in DEMO_NIGHTS if (name, n) not in FEED_FAILURES]

    means = pd.Series({n: files.batch(n)[columns.prediction].mean() for n in nights})
    if binary:
        rate = means.mean()
        se = np.sqrt(rate * (1 - rate) / 1500)
        assert (means - rate).abs().max() < 5 * se, means.round(3).tolist()
    else:
        assert (means / means.mean() - 1).abs().max() < 0.08

    performance = model.thresholds.performance
    for night in nights:
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


# ---------------------------------------------------------------------------------------------- serving


@pytest.fixture
def demo_copy(built: Built, tmp_path: Path) -> Callable[..., Path]:
    """A copy of the built demo whose aliases and tags a test may change: its configs, suites, build marker and
    registry database (the model artifacts stay where the build wrote them), and the requests of ``models``, with
    no night served yet. Returns the copy's fleet file."""

    def copy(*models: str) -> Path:
        root = tmp_path / "copy"
        shutil.copytree(built.root / "configs", root / "configs")
        shutil.copytree(built.root / "expectations", root / "expectations")
        state = root / "state"
        (state / "demo").mkdir(parents=True)
        shutil.copy(built.root / "state" / "demo" / "build.json", state / "demo" / "build.json")
        with sqlite3.connect(built.root / "state" / "mlflow.db") as source, sqlite3.connect(state / "mlflow.db") as to:
            source.backup(to)
        for name in models:
            shutil.copytree(built.fleet.data_root / name / "requests", state / "data" / name / "requests")
        return root / "configs" / "fleet.yaml"

    return copy


def _batch(fleet: Fleet, model: str, night: date) -> Path:
    return Path(fleet.data_path(fleet.models[model].data.batches, night.isoformat()))


def test_the_version_the_alias_names_serves_the_night(demo_copy: Callable[..., Path]) -> None:
    fleet_path = demo_copy("auto_loan_approval")
    fleet = load_fleet(fleet_path)
    registry = MlflowRegistry.for_fleet(fleet)
    registry.set_alias("auto_loan_approval", "champion", "1")
    night = date(2026, 10, 5)
    assert serve_night(fleet_path, night, models=["auto_loan_approval"]) == {"auto_loan_approval": "1"}
    spec = next(s for s in FLEET if s.name == "auto_loan_approval")
    batch = pd.read_parquet(_batch(fleet, "auto_loan_approval", night))
    requests = pd.read_parquet(requests_path(fleet.data_root, "auto_loan_approval", night))
    prediction, probability = score(spec, registry.load_model("auto_loan_approval", "1"), requests)
    assert (batch["model_version"] == "1").all()
    assert list(batch.columns[:3]) == ["application_id", "scored_at", "model_version"]
    np.testing.assert_array_equal(batch["prediction"].to_numpy(), prediction)
    assert probability is not None
    np.testing.assert_allclose(batch["score"].to_numpy(), probability, rtol=0, atol=1e-12)
    assert batch[request_columns(spec)].equals(requests)
    record = read_serving_record(fleet, "auto_loan_approval")
    assert record["nights"] == {"2026-10-05": {"version": "1", "rows": len(batch)}} and record["alias"] == "champion"


def test_serving_a_night_again_changes_nothing_even_after_the_alias_moved(demo_copy: Callable[..., Path]) -> None:
    fleet_path = demo_copy("auto_loan_approval")
    fleet = load_fleet(fleet_path)
    registry = MlflowRegistry.for_fleet(fleet)
    registry.set_alias("auto_loan_approval", "champion", "1")
    night = date(2026, 10, 5)
    serve_night(fleet_path, night, models=["auto_loan_approval"])
    path = _batch(fleet, "auto_loan_approval", night)
    record_path = fleet.state_dir / "demo" / "serving" / "auto_loan_approval.json"
    record = record_path.read_bytes()
    before = path.read_bytes(), path.stat().st_mtime_ns

    registry.set_alias("auto_loan_approval", "champion", "2")  # e.g. a rollback during the night's run
    assert serve_night(fleet_path, night, models=["auto_loan_approval"]) == {"auto_loan_approval": "1"}
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert record_path.read_bytes() == record
    # a batch that went missing is written again as it was served, by the recorded version
    path.unlink()
    assert serve_night(fleet_path, night, models=["auto_loan_approval"]) == {"auto_loan_approval": "1"}
    assert path.read_bytes() == before[0]
    # the next night is served by the version the alias names now
    assert serve_night(fleet_path, date(2026, 10, 6), models=["auto_loan_approval"]) == {"auto_loan_approval": "2"}
    assert read_serving_record(fleet, "auto_loan_approval")["nights"]["2026-10-06"]["version"] == "2"


def test_a_scheduled_deployment_of_a_quarantined_version_is_skipped(
    demo_copy: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    fleet_path = demo_copy("credit_default_pd")
    fleet = load_fleet(fleet_path)
    registry = MlflowRegistry.for_fleet(fleet)
    registry.set_alias("credit_default_pd", "champion", "2")  # as before the night v3 is scheduled for
    registry.set_tag("credit_default_pd", "3", "governance.status", "quarantined")
    registry.set_tag("credit_default_pd", "3", "governance.quarantine_reason", "failed its SLA on 2026-10-16")
    with caplog.at_level(logging.WARNING, logger="demo.serving"):
        assert serve_night(fleet_path, date(2026, 10, 16), models=["credit_default_pd"]) == {"credit_default_pd": "2"}
    assert registry.version_by_alias("credit_default_pd", "champion").version == "2"
    assert (pd.read_parquet(_batch(fleet, "credit_default_pd", date(2026, 10, 16)))["model_version"] == "2").all()
    deployment = read_serving_record(fleet, "credit_default_pd")["nights"]["2026-10-16"]["deployment"]
    assert deployment["outcome"] == "skipped" and deployment["version"] == "3"
    assert "quarantined" in deployment["reason"] and "failed its SLA" in deployment["reason"]
    assert any("version 3" in r.getMessage() and "quarantined" in r.getMessage() for r in caplog.records)
    # without the quarantine the same night deploys it (as the session's serving did)
    registry.set_tag("credit_default_pd", "3", "governance.status", "passed")
    (fleet.state_dir / "demo" / "serving" / "credit_default_pd.json").unlink()
    assert serve_night(fleet_path, date(2026, 10, 16), models=["credit_default_pd"]) == {"credit_default_pd": "3"}
    assert registry.version_by_alias("credit_default_pd", "champion").version == "3"


def test_a_model_that_cannot_be_served_is_left_out_and_logged(
    demo_copy: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    fleet_path = demo_copy("auto_loan_approval")  # no requests copied for churn_retail
    with caplog.at_level(logging.ERROR, logger="demo.serving"):
        served = serve_night(fleet_path, date(2026, 10, 5), models=["auto_loan_approval", "churn_retail"])
    assert served == {"auto_loan_approval": "2"}
    assert any("churn_retail" in r.getMessage() and "requests" in r.getMessage() for r in caplog.records)
    with pytest.raises(ConfigError, match="demo models of the fleet.*no_such_model"):
        serve_night(fleet_path, date(2026, 10, 5), models=["no_such_model"])
    (fleet_path.parent.parent / "state" / "demo" / "build.json").unlink()
    with pytest.raises(DataError, match="must be built"):
        serve_night(fleet_path, date(2026, 10, 5))


# ---------------------------------------------------------------------------------------------- human steps


def test_the_human_steps_are_plain_data_that_name_real_targets() -> None:
    people = {c.name for pair in OWNERS.values() for c in pair} | {MODEL_RISK.name}
    models = {s.name for s in FLEET}
    feeds = {s.feed for s in FLEET}
    assert [s.when for s in HUMAN_STEPS] == sorted(s.when for s in HUMAN_STEPS)
    for step in HUMAN_STEPS:
        assert step.night in DEMO_NIGHTS and step.actor in people and step.command in COMMANDS, step
        assert step.at.tzinfo is UTC and step.when.date() == date.fromordinal(step.night.toordinal() + 1)
        assert step.note and set(step.target) in ({"model", "check"}, {"model", "check", "subject"}, {"feed"}), step
        assert step.target["model"] in models if "model" in step.target else step.target["feed"] in feeds, step
        if step.command == "feed_enable":
            assert set(step.target) == {"feed"}

    def steps(command: str, **target: str) -> list[date]:
        found = [s for s in HUMAN_STEPS if s.command == command]
        return [s.night for s in found if all(s.target.get(k) == v for k, v in target.items())]

    credit = {"model": "credit_default_pd", "check": "performance.estimated_roc_auc"}
    assert steps("ack", **credit) == [date(2026, 10, 16)]  # the morning after it opens
    assert steps("resolve", **credit) and 1 <= (steps("resolve", **credit)[0] - date(2026, 10, 16)).days <= 4
    loan = {"model": "loan_approval_us"}
    assert steps("ack", **loan) == [date(2026, 10, 18)]
    # re-enabled the morning after the fix night: the next night's run is the first to judge the model again
    assert steps("feed_enable", feed="loan_applications") == [LOAN_FIX]
    assert steps("resolve", **loan)[0] > LOAN_FIX
    fraud = {"model": "fraud_card_payments", "subject": "client_orbitpay"}
    assert steps("ack", **fraud) < steps("approve", **fraud) and steps("approve", **fraud)[0] <= date(2026, 10, 22)
    (bureau,) = FEED_INCIDENTS
    assert steps("feed_enable", feed=bureau.feed) == [bureau.night]  # the morning after the failure
    assert steps("resolve", feed=bureau.feed)[0] > bureau.night
    for model in ("mortgage_approval", "resume_screening"):  # acknowledged, kept open
        assert steps("ack", model=model) and not steps("resolve", model=model)

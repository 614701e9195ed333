"""Configuration: valid files load; every malformed one fails with the file, the field and what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from govern.config import Severity, Threshold, load_fleet
from govern.errors import ConfigError
from tests.fleet_factory import model_config, write_fleet


def test_valid_fleet_loads_with_paths_relative_to_the_fleet_file(tmp_path: Path) -> None:
    fleet = load_fleet(write_fleet(tmp_path))
    assert list(fleet.models) == ["loan"]
    assert fleet.data_root == (tmp_path / "data").resolve()
    assert fleet.tracking_uri == f"sqlite:///{(tmp_path / 'state').resolve() / 'mlflow.db'}"
    assert fleet.data_path("loan/batches/{date}.parquet", "2026-10-01").endswith("loan/batches/2026-10-01.parquet")
    assert fleet.data_path("s3://bucket/x.parquet") == "s3://bucket/x.parquet"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.update(colour="red"), "colour: unknown key"),
        (lambda m: m["columns"].update(featurez=["x"]), "columns.featurez: unknown key"),
        (lambda m: m.pop("owner"), "owner: required field is missing"),
        (lambda m: m.update(risk_tier="extreme"), "risk_tier: Input should be"),
        (lambda m: m.update(problem_type="ranking"), "problem_type: Input should be"),
        (lambda m: m["data"].update(batches="loan/batch.parquet"), "must contain the placeholder '{date}'"),
        (lambda m: m["columns"].update(categorical=["colour"]), "categorical must list features only"),
        (lambda m: m["columns"].update(score=None), "columns.score must name the predicted probability"),
        (lambda m: m["columns"].update(features=["income", "region", "approved"]), "must not repeat the id"),
        (lambda m: m.update(policies=["us_four_fifth"]), "did you mean 'us_four_fifths'"),
        (lambda m: m.update(name="other"), "name must equal the file name 'loan'"),
        (lambda m: m["thresholds"]["performance"].update(max_drop=-1), "thresholds.performance.max_drop"),
    ],
)
def test_malformed_model_names_file_and_field(tmp_path: Path, change, expected: str) -> None:
    model = model_config()
    change(model)
    if model.get("name") == "other":  # the file keeps the original stem
        fleet_path = write_fleet(tmp_path, models=[model_config()])
        (tmp_path / "configs" / "models" / "loan.yaml").write_text(yaml.safe_dump(model))
    else:
        fleet_path = write_fleet(tmp_path, models=[model])
    with pytest.raises(ConfigError) as info:
        load_fleet(fleet_path)
    message = str(info.value)
    assert "loan.yaml" in message
    assert expected in message


def test_missing_suite_and_yaml_errors_name_the_file(tmp_path: Path) -> None:
    fleet_path = write_fleet(tmp_path)
    (tmp_path / "expectations" / "loan.json").unlink()
    with pytest.raises(ConfigError, match=r"loan\.yaml: expectation_suite: the suite file .*loan\.json must exist"):
        load_fleet(fleet_path)
    fleet_path.write_text("name: [unclosed")
    with pytest.raises(ConfigError, match=r"fleet\.yaml: must be valid YAML"):
        load_fleet(fleet_path)


def test_lenient_load_keeps_good_models_and_reports_broken_ones(tmp_path: Path) -> None:
    bad = model_config("churn")
    bad["columns"].pop("target")
    fleet = load_fleet(write_fleet(tmp_path, models=[model_config(), bad]), strict=False)
    assert list(fleet.models) == ["loan"]
    assert "churn.yaml: columns.target: required field is missing" in fleet.broken["churn"]
    with pytest.raises(ConfigError, match="churn.yaml"):
        load_fleet(tmp_path / "configs" / "fleet.yaml")


def test_unknown_default_policy_and_duplicate_registry_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"default_policies: policy 'nope' must exist"):
        load_fleet(write_fleet(tmp_path / "a", fleet={"default_policies": ["nope"]}))
    twin = model_config("twin")
    twin["registry"] = {"name": "loan"}
    with pytest.raises(ConfigError, match=r"registry.name must be unique in the fleet; got 'loan'"):
        load_fleet(write_fleet(tmp_path / "b", models=[model_config(), twin]))


def test_select_unknown_model_suggests_the_closest(tmp_path: Path) -> None:
    fleet = load_fleet(write_fleet(tmp_path))
    with pytest.raises(ConfigError, match=r"unknown loans \(did you mean 'loan'\?\)"):
        fleet.select(["loans"])


def test_effective_rules_take_the_strictest_policy_then_the_model_overrides(tmp_path: Path) -> None:
    model = model_config(policies=["us_four_fifths", "strict_fairness"])
    model["thresholds"]["fairness"] = {"min_group_size": 40}
    rules = load_fleet(write_fleet(tmp_path, models=[model])).rules("loan")
    assert rules.get("fairness", "min_impact_ratio").value == 0.9
    assert rules.get("fairness", "min_impact_ratio").source == "strict_fairness"
    assert rules.get("fairness", "min_group_size").value == 40  # the model's own, signed-off exception
    assert rules.get("fairness", "min_group_size").source == "models/loan.yaml"
    assert rules.get("drift", "max_psi").source == "drift_standard"  # the fleet's default policy
    assert rules.severity("fairness") is Severity.CRITICAL
    assert rules.get("fairness", "max_equalized_odds_difference") is None
    assert rules.get("performance", "minimum") == Threshold(0.7, "models/loan.yaml")
    # what no policy sets comes from the rulebook, and says so
    assert rules.get("segments", "min_rows") == Threshold(50, "default")
    assert rules.get("fairness", "intersectional") == Threshold(True, "default")


def _two_policies(tmp_path: Path, a: dict[str, Any], b: dict[str, Any], **model: Any) -> Path:
    policies = {
        "a": {"name": "a", **a},
        "b": {"name": "b", **b},
    }
    return write_fleet(
        tmp_path,
        models=[model_config(policies=["a", "b"], **model)],
        policies=policies,
        fleet={"default_policies": []},
    )


def test_policies_merge_to_the_stricter_value_of_every_threshold(tmp_path: Path) -> None:
    a = {
        "performance": {"metric": "roc_auc", "minimum": 0.7, "max_drop": 0.05},
        "fairness": {"min_impact_ratio": 0.8, "min_group_size": 30, "intersectional": False},
        "segments": {"min_rows": 50, "max_positive_rate_ratio": 2.0},
        "drift": {"min_features_drifted_for_finding": 2, "max_psi": 0.2},
    }
    b = {
        "performance": {"metric": "roc_auc", "minimum": 0.75, "max_drop": 0.1},
        "fairness": {"min_impact_ratio": 0.7, "min_group_size": 100, "intersectional": True},
        "segments": {"min_rows": 500, "max_positive_rate_ratio": 3.0},
        "drift": {"min_features_drifted_for_finding": 1, "max_psi": 0.25},
    }
    rules = load_fleet(_two_policies(tmp_path, a, b, thresholds={})).rules("loan")
    assert rules.value("performance", "minimum") == 0.75  # the higher floor, not True
    assert rules.value("performance", "max_drop") == 0.05
    assert rules.value("fairness", "min_impact_ratio") == 0.8
    assert rules.value("fairness", "min_group_size") == 30  # smaller groups still get a verdict
    assert rules.value("fairness", "intersectional") is True
    assert rules.value("segments", "min_rows") == 50
    assert rules.value("segments", "max_positive_rate_ratio") == 2.0
    assert rules.value("drift", "min_features_drifted_for_finding") == 1
    assert rules.value("drift", "max_psi") == 0.2


def test_maximum_takes_the_lower_ceiling(tmp_path: Path) -> None:
    a = {"performance": {"metric": "mae", "maximum": 12.0}}
    b = {"performance": {"metric": "mae", "maximum": 10.0}}
    path = _two_policies(tmp_path, a, b, thresholds={}, problem_type="regression")
    assert load_fleet(path).rules("loan").value("performance", "maximum") == 10.0


def test_policies_disagreeing_on_the_sla_metric_are_an_error_unless_the_model_chooses(tmp_path: Path) -> None:
    a = {"performance": {"metric": "roc_auc", "minimum": 0.7}}
    b = {"performance": {"metric": "f1", "minimum": 0.6}}
    with pytest.raises(ConfigError, match=r"'loan'.*performance.metric must agree.*'roc_auc' from 'a'.*'f1' from 'b'"):
        load_fleet(_two_policies(tmp_path / "x", a, b, thresholds={}))
    fleet = load_fleet(_two_policies(tmp_path / "y", a, b, thresholds={"performance": {"metric": "f1"}}))
    assert fleet.rules("loan").value("performance", "metric") == "f1"


def test_a_section_without_a_policy_severity_has_its_declared_default(tmp_path: Path) -> None:
    rules = load_fleet(_two_policies(tmp_path, {}, {}, thresholds={})).rules("loan")
    assert rules.severity("performance") is Severity.HIGH
    assert rules.severity("fairness") is Severity.HIGH
    assert rules.severity("drift") is Severity.MEDIUM


def test_an_unreadable_model_file_is_that_models_error(tmp_path: Path) -> None:
    path = write_fleet(tmp_path, models=[model_config(), model_config("other", registry={"name": "other"})])
    (path.parent / "models" / "other.yaml").write_bytes(b"name: other\xff\xfe\n")
    fleet = load_fleet(path, strict=False)
    assert list(fleet.models) == ["loan"]
    assert "other.yaml: must be a readable UTF-8 file" in fleet.broken["other"]


def test_an_sla_metric_the_problem_type_lacks_is_that_models_error(tmp_path: Path) -> None:
    path = _two_policies(tmp_path, {"performance": {"metric": "mae"}}, {}, thresholds={})
    fleet = load_fleet(path, strict=False)
    assert "performance.metric (from a) must be one of roc_auc" in fleet.broken["loan"]
    assert "binary_classification model; got 'mae' instead" in fleet.broken["loan"]


def test_a_key_given_twice_is_an_error(tmp_path: Path) -> None:
    path = write_fleet(tmp_path)
    model_file = path.parent / "models" / "loan.yaml"
    model_file.write_text(model_file.read_text() + "risk_tier: low\n")
    fleet = load_fleet(path, strict=False)
    assert "must be valid YAML" in fleet.broken["loan"] and "found the key 'risk_tier' twice" in fleet.broken["loan"]


def test_every_broken_policy_file_is_reported_at_once(tmp_path: Path) -> None:
    policies = {"a": {"name": "a", "colour": 1}, "b": {"name": "not_b"}}
    path = write_fleet(tmp_path, policies=policies, fleet={"default_policies": []})
    with pytest.raises(ConfigError, match=r"(?s)a.yaml: colour: unknown key.*b.yaml: name must equal"):
        load_fleet(path)


def test_two_models_sharing_a_registry_name_are_both_refused_each_naming_both_files(tmp_path: Path) -> None:
    # "aaa" sorts first, as a new file may: neither the new nor the production model is the one to keep
    newcomer = model_config("aaa", registry={"name": "loan"})
    path = write_fleet(tmp_path, models=[model_config(), newcomer, model_config("churn")])
    models = path.parent / "models"
    fleet = load_fleet(path, strict=False)
    assert list(fleet.models) == ["churn"]
    assert sorted(fleet.broken) == ["aaa", "loan"]
    assert fleet.broken["loan"] == (
        f"{models / 'loan.yaml'}: registry.name must be unique in the fleet; got 'loan', which "
        f"{models / 'aaa.yaml'} also uses (each of these models is refused until one is renamed)"
    )
    assert fleet.broken["aaa"].startswith(f"{models / 'aaa.yaml'}: registry.name must be unique")
    assert f"which {models / 'loan.yaml'} also uses" in fleet.broken["aaa"]
    with pytest.raises(ConfigError, match=r"(?s)aaa\.yaml: registry.name.*loan\.yaml also uses.*\n.*loan\.yaml: "):
        load_fleet(path)


def test_a_yml_model_file_is_that_models_error_not_a_model_silently_left_out(tmp_path: Path) -> None:
    path = write_fleet(tmp_path, models=[model_config(), model_config("churn")])
    models = path.parent / "models"
    (models / "churn.yaml").rename(models / "churn.yml")
    fleet = load_fleet(path, strict=False)
    assert list(fleet.models) == ["loan"]
    assert fleet.broken == {
        "churn": f"{models / 'churn.yml'}: a model file must be named *.yaml (configs are read from *.yaml files "
        f"only); got 'churn.yml' instead: rename it to churn.yaml"
    }
    with pytest.raises(ConfigError, match=r"churn\.yml: a model file must be named \*\.yaml"):
        load_fleet(path)


def test_a_yml_file_beside_the_models_yaml_refuses_both(tmp_path: Path) -> None:
    path = write_fleet(tmp_path, models=[model_config(), model_config("churn")])
    models = path.parent / "models"
    (models / "loan.YML").write_text((models / "loan.yaml").read_text())
    fleet = load_fleet(path, strict=False)
    assert list(fleet.models) == ["churn"]
    assert "loan.YML: a model file must be named *.yaml" in fleet.broken["loan"]
    only_file = f"{models / 'loan.yaml'}: must be the only file of model 'loan'; got {models / 'loan.YML'} too"
    assert only_file in fleet.broken["loan"]


def test_a_yml_policy_file_stops_the_fleet(tmp_path: Path) -> None:
    path = write_fleet(tmp_path)
    policies = path.parent / "policies"
    (policies / "strict_fairness.yaml").rename(policies / "strict_fairness.yml")
    with pytest.raises(ConfigError, match=r"strict_fairness\.yml: a policy file must be named \*\.yaml.*rename it"):
        load_fleet(path, strict=False)


@pytest.mark.parametrize(
    ("field", "template", "expected"),
    [
        ("batches", "loan/{date}{0}.parquet", "with the placeholder '{0}'"),
        ("batches", "loan/{date}/{}.parquet", "with the placeholder '{}'"),
        ("batches", "loan/{dat}.parquet", "with the placeholder '{dat}'"),
        ("batches", "loan/{date:%Y}.parquet", "with the placeholder '{date:%Y}'"),
        ("batches", "loan/{date!r}.parquet", "with the placeholder '{date!r}'"),
        ("batches", "loan/{date.year}.parquet", "with the placeholder '{date.year}'"),
        ("batches", "loan/{date.parquet", "which is not a valid template"),
        ("batches", "loan/{date}}.parquet", "which is not a valid template"),
        ("batches", "loan/batch.parquet", "must contain the placeholder '{date}'"),
        ("labels", "loan/labels/{date}-{0}.parquet", "with the placeholder '{0}'"),
        ("labels", "loan/labels/date}.parquet", "which is not a valid template"),
        ("reference", "loan/{date}.parquet", "must be a path without placeholders or braces"),
        ("reference", "loan/ref}.parquet", "must be a path without placeholders or braces"),
    ],
)
def test_a_data_template_with_a_stray_placeholder_fails_at_load(
    tmp_path: Path, field: str, template: str, expected: str
) -> None:
    model = model_config()
    model["data"][field] = template
    with pytest.raises(ConfigError) as info:
        load_fleet(write_fleet(tmp_path, models=[model]))
    message = str(info.value)
    assert f"loan.yaml: data.{field}: " in message
    assert f"got {template!r} instead" in message
    assert expected in message


def test_a_template_may_repeat_the_date_and_escape_a_brace(tmp_path: Path) -> None:
    model = model_config()
    model["data"]["batches"] = "loan/{date}/part-{{0}}-{date}.parquet"
    fleet = load_fleet(write_fleet(tmp_path, models=[model]))
    path = fleet.data_path(fleet.models["loan"].data.batches, "2026-10-01")
    assert path.endswith("loan/2026-10-01/part-{0}-2026-10-01.parquet")


def test_a_model_switches_a_threshold_off_with_null_default_included(tmp_path: Path) -> None:
    model = model_config()
    model["thresholds"]["drift"] = {"max_psi": None, "max_jensen_shannon": None}
    rules = load_fleet(write_fleet(tmp_path, models=[model])).rules("loan")
    assert rules.get("drift", "max_psi") is None  # the policy's 0.2 and the default are both off
    assert rules.get("drift", "max_jensen_shannon") is None
    assert rules.get("drift", "min_rows") == Threshold(500, "default")  # the others keep theirs


@pytest.mark.parametrize("value", [[0.2], {"a": 1}, "0.2", True])
def test_a_threshold_of_the_wrong_kind_is_that_models_error_not_a_traceback(tmp_path: Path, value: Any) -> None:
    model = model_config()
    model["thresholds"]["drift"] = {"max_psi": value}
    fleet = load_fleet(write_fleet(tmp_path, models=[model, model_config("churn")]), strict=False)
    assert list(fleet.models) == ["churn"]
    assert "thresholds.drift.max_psi: max_psi must be a number" in fleet.broken["loan"]


def test_reported_metrics_merge_to_every_metric_any_policy_asks_for(tmp_path: Path) -> None:
    a = {"performance": {"metric": "roc_auc", "report": ["recall", "f1"]}}
    b = {"performance": {"report": ["specificity", "f1"]}}
    rules = load_fleet(_two_policies(tmp_path / "ok", a, b, thresholds={})).rules("loan")
    assert rules.value("performance", "report") == ("f1", "recall", "specificity")
    wrong = {"performance": {"report": ["mae"]}}  # a regression metric on a classifier
    with pytest.raises(ConfigError, match=r"performance\.report \(from b\) must list metrics of roc_auc, .*got 'mae'"):
        load_fleet(_two_policies(tmp_path / "bad", a, wrong, thresholds={}))

"""Profiling suites from reference data, their files, and what real Great Expectations makes of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from govern.config import ModelConfig
from govern.errors import ValidationSuiteError
from govern.suites import load_suite, profile_suite, save_suite, suite_json, widened_range


@pytest.fixture(scope="module")
def model() -> ModelConfig:
    return ModelConfig.model_validate(
        {
            "name": "loan_demo",
            "owner": {"name": "Ada", "email": "ada@example.com"},
            "business_unit": "consumer_lending",
            "risk_tier": "high",
            "problem_type": "binary_classification",
            "registry": {"name": "loan_demo"},
            "data": {"reference": "r.parquet", "batches": "b/{date}.parquet"},
            "columns": {
                "id": "application_id",
                "timestamp": "scored_at",
                "features": ["annual_income", "credit_score", "employment_years", "loan_purpose"],
                "categorical": ["loan_purpose"],
                "prediction": "approved",
                "score": "approval_score",
                "target": "repaid",
                "protected": ["gender"],
                "api_client": "channel",
                "model_version": "model_version",
            },
        }
    )


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 1000
    employment = rng.gamma(2.0, 3.0, n).round(1)
    employment[:30] = np.nan  # 3 % missing
    employment[30:40] = 0.0  # new starters
    return pd.DataFrame(
        {
            "application_id": [f"A-{i:05d}" for i in range(n)],
            "scored_at": pd.date_range("2026-09-01", periods=n, freq="20min"),
            "channel": rng.choice(["web", "branch"], n),
            "annual_income": np.clip(rng.lognormal(np.log(65_000), 0.35, n), 25_000, 200_000).round(-2),
            "credit_score": rng.integers(500, 851, n),
            "employment_years": employment,
            "loan_purpose": rng.choice(["auto", "debt_consolidation", "home_improvement"], n, p=[0.3, 0.5, 0.2]),
            "gender": rng.choice(["female", "male"], n),
            "repaid": rng.integers(0, 2, n),
        }
    )


@pytest.fixture(scope="module")
def suite(model: ModelConfig, reference: pd.DataFrame) -> dict[str, Any]:
    return profile_suite(model, reference)


def _find(suite: dict[str, Any], kind: str, column: str | None = None) -> dict[str, Any]:
    found = [e for e in suite["expectations"] if e["type"] == kind and e["kwargs"].get("column") == column]
    assert len(found) == 1, (kind, column, found)
    return found[0]


def _batch(reference: pd.DataFrame) -> pd.DataFrame:
    """The reference as a night's inference log: no target, with model version, prediction and score."""
    batch = reference.drop(columns=["repaid"]).copy()
    rng = np.random.default_rng(2)
    batch["model_version"] = "2"
    batch["approval_score"] = rng.random(len(batch))
    batch["approved"] = (batch["approval_score"] > 0.5).astype(int)
    return batch


# ---------------------------------------------------------------------------------------------- profiling


def test_profile_lists_the_expected_expectations_in_order(suite: dict[str, Any]) -> None:
    summary = [(e["type"], e["kwargs"].get("column"), e["meta"]["critical"]) for e in suite["expectations"]]
    exist = [
        "application_id",
        "scored_at",
        "model_version",
        "channel",
        "annual_income",
        "credit_score",
        "employment_years",
        "loan_purpose",
        "gender",
        "approved",
        "approval_score",
    ]
    features = ["annual_income", "credit_score", "employment_years", "loan_purpose"]
    assert summary == [
        ("expect_table_row_count_to_be_between", None, True),
        *[("expect_column_to_exist", c, True) for c in exist],
        ("expect_column_values_to_not_be_null", "application_id", True),
        ("expect_column_values_to_not_be_null", "approved", True),
        ("expect_column_values_to_be_between", "annual_income", True),
        ("expect_column_values_to_be_between", "credit_score", True),
        ("expect_column_values_to_be_between", "employment_years", True),
        ("expect_column_values_to_be_in_set", "loan_purpose", True),
        *[("expect_column_values_to_not_be_null", c, False) for c in features],
        *[("expect_column_proportion_of_non_null_values_to_be_between", c, True) for c in features],
        ("expect_column_values_to_be_between", "approval_score", True),
        ("expect_column_values_to_be_unique", "application_id", False),
    ]
    assert suite["name"] == "loan_demo"
    assert all(e["meta"]["notes"] for e in suite["expectations"])


def test_the_target_is_never_expected(suite: dict[str, Any]) -> None:
    assert "repaid" not in {e["kwargs"].get("column") for e in suite["expectations"]}


def test_a_positive_feature_is_widened_by_ten_percent_on_the_log_scale(
    suite: dict[str, Any], reference: pd.DataFrame
) -> None:
    income = _find(suite, "expect_column_values_to_be_between", "annual_income")["kwargs"]
    low, high = reference["annual_income"].min(), reference["annual_income"].max()
    ratio = (high / low) ** 0.1
    assert income["mostly"] == 0.99
    # rounded outward to ~4 significant digits of the range, never tighter than the exact bound
    assert low / ratio - 0.001 * high <= income["min_value"] <= low / ratio
    assert high * ratio <= income["max_value"] <= high * ratio + 0.001 * high
    # an income delivered in thousands (or in cents) lies wholly outside the range
    assert reference["annual_income"].max() / 1000 < income["min_value"]
    assert reference["annual_income"].min() * 100 > income["max_value"]


def test_a_long_tailed_income_in_thousands_still_fails() -> None:
    """On the linear scale the margin of a skewed, unclipped income reaches below zero and would accept it."""
    income = pd.Series(np.random.default_rng(3).lognormal(11, 0.5, 3000))
    bounds = widened_range(income)
    assert bounds is not None and income.min() - 0.1 * (income.max() - income.min()) < 0
    assert (income / 1000).max() < bounds[0]


def test_a_feature_with_zeros_is_widened_linearly_and_kept_non_negative(
    suite: dict[str, Any], reference: pd.DataFrame
) -> None:
    employment = _find(suite, "expect_column_values_to_be_between", "employment_years")["kwargs"]
    high = reference["employment_years"].max()
    assert employment["min_value"] == 0
    assert high * 1.1 - 1e-9 <= employment["max_value"] <= high * 1.1 + 0.001 * high


def test_a_feature_with_negative_values_is_widened_linearly() -> None:
    assert widened_range(pd.Series([-2.0, 0.5, 8.0])) == (-3.0, 9.0)


def test_categories_come_from_the_reference(suite: dict[str, Any]) -> None:
    purpose = _find(suite, "expect_column_values_to_be_in_set", "loan_purpose")["kwargs"]
    assert purpose == {
        "column": "loan_purpose",
        "value_set": ["auto", "debt_consolidation", "home_improvement"],
        "mostly": 0.99,
    }


@pytest.mark.parametrize(("column", "mostly"), [("employment_years", 0.95), ("credit_score", 1.0)])
def test_not_null_tolerance_is_twice_the_reference_null_fraction_at_most_five_percent(
    suite: dict[str, Any], column: str, mostly: float
) -> None:
    # employment_years: 3 % missing -> 1 - 0.06 = 0.94 -> floored at 0.95; credit_score: none missing -> 1.0
    assert _find(suite, "expect_column_values_to_not_be_null", column)["kwargs"]["mostly"] == mostly


def test_null_tolerance_between_the_bounds(model: ModelConfig, reference: pd.DataFrame) -> None:
    frame = reference.copy()
    frame.loc[:9, "credit_score"] = np.nan  # 1 % missing -> mostly 0.98
    expectation = _find(profile_suite(model, frame), "expect_column_values_to_not_be_null", "credit_score")
    assert expectation["kwargs"]["mostly"] == 0.98


def test_a_feature_must_be_present_in_at_least_half_its_reference_share(suite: dict[str, Any]) -> None:
    # employment_years is missing in 3 % of the reference: at least 0.97 / 2 of a batch must have it
    presence = _find(suite, "expect_column_proportion_of_non_null_values_to_be_between", "employment_years")
    assert presence["kwargs"] == {"column": "employment_years", "min_value": 0.48}
    assert presence["meta"]["critical"] is True


def test_score_must_be_a_probability(suite: dict[str, Any]) -> None:
    score = _find(suite, "expect_column_values_to_be_between", "approval_score")
    assert score["kwargs"] == {"column": "approval_score", "min_value": 0, "max_value": 1}
    assert score["meta"]["critical"] is True


def test_profile_names_missing_features(model: ModelConfig, reference: pd.DataFrame) -> None:
    with pytest.raises(ValidationSuiteError, match="loan_demo.*'credit_score'"):
        profile_suite(model, reference.drop(columns=["credit_score"]))


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=50))
@example([1.0, 2.2250738585e-313])  # max / min overflows
@example([5e-324])  # 10 % of the smallest float is 0
@example([1000000.0, 999999.9999999999])  # a margin below float resolution
def test_widened_range_always_contains_the_data(values: list[float]) -> None:
    bounds = widened_range(pd.Series(values))
    assert bounds is not None
    assert bounds[0] <= min(values) and max(values) <= bounds[1]
    if min(values) >= 0:
        assert bounds[0] >= 0
    if min(values) > 0:
        assert bounds[0] > 0


def test_widened_range_of_a_constant_or_empty_column() -> None:
    assert widened_range(pd.Series([5.0, 5.0])) == (4.5, 5.5)
    assert widened_range(pd.Series([np.nan, np.nan])) is None


# ---------------------------------------------------------------------------------------------- files


def test_save_writes_canonical_json_and_load_reads_it_back(suite: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "expectations" / "loan_demo.json"
    save_suite(suite, path)
    text = path.read_text(encoding="utf-8")

    assert text.endswith("}\n") and text.startswith('{\n  "name": "loan_demo"')
    assert load_suite(path) == json.loads(text)
    assert load_suite(path)["expectations"] == suite["expectations"]
    shuffled = {"expectations": suite["expectations"], "meta": suite["meta"], "name": suite["name"]}
    assert suite_json(shuffled) == text  # key order does not depend on the input's
    between = _find(json.loads(text), "expect_column_values_to_be_between", "annual_income")
    assert list(between) == ["type", "kwargs", "meta"]
    assert list(between["kwargs"]) == ["column", "min_value", "max_value", "mostly"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "must be valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"name": "s", "expectations": [], "colour": 1}', "unknown 'colour'"),
        ('{"expectations": []}', "name must be a non-empty string"),
        ('{"name": "s", "expectations": {}}', "expectations must be a list"),
        ('{"name": "s", "expectations": [{"type": "expect_x", "kwarg": {}}]}', r"expectations\[0\].*unknown 'kwarg'"),
        ('{"name": "s", "expectations": [{"type": "check_x", "kwargs": {}}]}', "type must be the name of an"),
        ('{"name": "s", "expectations": [{"type": "expect_x", "kwargs": []}]}', "kwargs must be an object"),
        (
            '{"name": "s", "expectations": [{"type": "expect_x", "kwargs": {}, "meta": {"critical": "yes"}}]}',
            "meta.critical must be true or false",
        ),
    ],
)
def test_load_names_the_file_and_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationSuiteError, match=message) as caught:
        load_suite(path)
    assert str(path) in str(caught.value)


def test_load_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationSuiteError, match="must exist"):
        load_suite(tmp_path / "nope.json")


# ---------------------------------------------------------------------------------------------- real GE


@pytest.fixture(scope="module")
def validate() -> Any:
    """Validate a frame with a fresh ExpectationSuite built from the JSON (one Expectation object cannot be
    added to two suites), in one ephemeral context with progress bars off."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    definition = (
        context.data_sources.add_pandas("tests")
        .add_dataframe_asset("batch")
        .add_batch_definition_whole_dataframe("whole")
    )

    def run(frame: pd.DataFrame, suite: dict[str, Any]) -> Any:
        batch = definition.get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(gx.ExpectationSuite(**suite), result_format="SUMMARY")

    return run


def test_saved_suite_loads_in_great_expectations(suite: dict[str, Any], tmp_path: Path) -> None:
    import great_expectations as gx

    save_suite(suite, tmp_path / "s.json")
    loaded = gx.ExpectationSuite(**load_suite(tmp_path / "s.json"))
    assert len(loaded.expectations) == len(suite["expectations"])


def test_ge_passes_a_batch_like_the_reference(validate: Any, suite: dict[str, Any], reference: pd.DataFrame) -> None:
    outcome = validate(_batch(reference), suite)
    assert outcome.success, [r.expectation_config.type for r in outcome.results if not r.success]


def test_ge_fails_the_critical_range_when_income_arrives_in_thousands(
    validate: Any, suite: dict[str, Any], reference: pd.DataFrame
) -> None:
    batch = _batch(reference)
    batch["annual_income"] = batch["annual_income"] / 1000
    outcome = validate(batch, suite)

    failed = [r for r in outcome.results if not r.success]
    assert not outcome.success
    assert [(r.expectation_config.type, r.expectation_config.kwargs["column"]) for r in failed] == [
        ("expect_column_values_to_be_between", "annual_income")
    ]
    assert failed[0].expectation_config.meta["critical"] is True
    assert failed[0].result["unexpected_percent"] == 100.0


def test_ge_fails_the_critical_presence_check_of_an_entirely_null_feature(
    validate: Any, suite: dict[str, Any], reference: pd.DataFrame
) -> None:
    batch = _batch(reference).assign(loan_purpose=pd.Series([None] * len(reference), dtype="str"))
    outcome = validate(batch, suite)
    failed = {
        (r.expectation_config.type, r.expectation_config.meta["critical"])
        for r in outcome.results
        if not r.success and r.expectation_config.kwargs.get("column") == "loan_purpose"
    }
    assert failed == {
        ("expect_column_values_to_not_be_null", False),
        ("expect_column_proportion_of_non_null_values_to_be_between", True),
    }


def test_ge_fails_a_batch_without_a_required_column(
    validate: Any, suite: dict[str, Any], reference: pd.DataFrame
) -> None:
    outcome = validate(_batch(reference).drop(columns=["model_version"]), suite)
    failed = {
        (r.expectation_config.type, r.expectation_config.kwargs.get("column")) for r in outcome.results if not r.success
    }
    assert ("expect_column_to_exist", "model_version") in failed

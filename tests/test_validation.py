"""Great Expectations validation (real GE): failures come back with criticality, in a stable order."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.errors import ValidationSuiteError
from govern.suites import load_suite
from govern.validation import validate_batch

SUITE = {
    "name": "loan",
    "expectations": [
        {"type": "expect_column_to_exist", "kwargs": {"column": "income"}, "meta": {"critical": True}},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "income", "min_value": 5000, "max_value": 500000, "mostly": 0.99},
            "meta": {"critical": True},
        },
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "region", "value_set": ["north", "south"]},
            "meta": {"critical": False},
        },
    ],
}


def batch(income_scale: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"income": rng.uniform(20000, 200000, 500) * income_scale, "region": rng.choice(["north", "south"], 500)}
    )


def test_clean_batch_passes() -> None:
    result = validate_batch(batch(), SUITE)
    assert result.success and not result.bad_data and result.failed == ()
    assert result.evaluated == 3


def test_income_in_thousands_fails_the_critical_expectation() -> None:
    result = validate_batch(batch(income_scale=1 / 1000), SUITE)
    assert result.bad_data and not result.success
    (failure,) = result.failed
    assert (failure.expectation, failure.column, failure.critical) == (
        "expect_column_values_to_be_between",
        "income",
        True,
    )
    assert failure.unexpected_fraction == pytest.approx(1.0)


def test_missing_column_and_non_critical_failure() -> None:
    frame = batch().drop(columns=["income"]).assign(region="west")
    result = validate_batch(frame, SUITE)
    failed = {(o.expectation, o.critical) for o in result.failed}
    assert ("expect_column_to_exist", True) in failed
    assert ("expect_column_values_to_be_in_set", False) in failed
    assert result.failed[0].critical  # critical failures first


def test_malformed_suites_name_the_file(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    with pytest.raises(ValidationSuiteError, match=r"bad\.json: suite must be valid JSON"):
        load_suite(bad_json)
    with pytest.raises(ValidationSuiteError, match=r"missing\.json: suite file must exist"):
        load_suite(tmp_path / "missing.json")
    unknown = {"name": "x", "expectations": [{"type": "expect_the_moon", "kwargs": {}}]}
    (tmp_path / "unknown.json").write_text(json.dumps(unknown))
    with pytest.raises(ValidationSuiteError, match="unknown.json: suite must hold valid GE 1.x expectations"):
        validate_batch(batch(), load_suite(tmp_path / "unknown.json"), source=str(tmp_path / "unknown.json"))


def test_a_between_failure_keeps_a_typical_bad_value_and_the_range_it_should_be_in() -> None:
    frame = batch(income_scale=1 / 1000)
    result = validate_batch(frame, SUITE)
    between = next(o for o in result.failed if o.expectation == "expect_column_values_to_be_between")
    listed = frame["income"].head(20)  # GE lists the first 20 unexpected values (here every row is one)
    assert between.unexpected_example == pytest.approx(float(f"{listed.median():.3g}"))
    assert (between.expected_min, between.expected_max) == (5000, 500000)
    assert between.unexpected_example not in set(frame["income"])  # rounded: no row's own value


def test_too_few_or_text_bad_values_give_no_example() -> None:
    frame = batch()
    frame.loc[:5, "income"] = 1.0  # six rows: 1.2 % unexpected breaks "mostly 0.99", too few for an example
    frame.loc[:, "region"] = "west"
    result = validate_batch(frame, SUITE)
    by_type = {o.expectation: o for o in result.failed}
    between, in_set = by_type["expect_column_values_to_be_between"], by_type["expect_column_values_to_be_in_set"]
    assert between.unexpected_fraction == pytest.approx(6 / 500) and between.unexpected_example is None
    assert in_set.unexpected_example is None and (in_set.expected_min, in_set.expected_max) == (None, None)

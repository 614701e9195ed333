"""Data contracts (govern.contracts): every rule fails on a frame that breaks it and passes on one that keeps
it; a frame breaking several rules gets one DataError naming every failing column."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.config import ModelConfig
from govern.contracts import (
    batch_contract,
    enforce,
    label_set_of,
    labels_contract,
    reference_contract,
)
from govern.errors import DataError
from tests.fleet_factory import model_config

WHAT = "model 'loan': batch of 2026-10-01 (data/loan/batches/2026-10-01.parquet)"
ROWS = 4


# ---------------------------------------------------------------------------------------------- factories


def make_model(problem_type: str = "binary_classification", **columns: Any) -> ModelConfig:
    """The test fleet's loan model (id, ts, income, region, approved, score, repaid, gender) with column roles
    overridden; a regressor has no score unless one is given."""
    config = model_config(problem_type=problem_type)
    if problem_type != "binary_classification":
        config["columns"]["score"] = None
    config["columns"].update(columns)
    return ModelConfig.model_validate(config)


def with_positive_label(model: ModelConfig, positive: Any) -> ModelConfig:
    """The config's ``int | str`` turns a YAML ``true`` into 1; build the bool case the way code could."""
    return model.model_copy(update={"columns": model.columns.model_copy(update={"positive_label": positive})})


def _frame(base: dict[str, Any], drop: Iterable[str], columns: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame({**base, **columns})
    return frame.drop(columns=list(drop))


def batch_frame(*, drop: Iterable[str] = (), **columns: Any) -> pd.DataFrame:
    """A valid inference log of the loan model (4 rows); keywords replace or add columns."""
    base = {
        "id": [f"a-{i}" for i in range(ROWS)],
        "ts": pd.date_range("2026-10-01", periods=ROWS, freq="h"),
        "income": [1000.0, np.nan, 2500.0, 4000.0],
        "region": ["north", "south", None, "north"],
        "approved": [1, 0, 0, 1],
        "score": [0.9, 0.2, 0.0, 1.0],
        "gender": ["F", "M", "F", "M"],
    }
    return _frame(base, drop, columns)


def reference_frame(*, drop: Iterable[str] = (), **columns: Any) -> pd.DataFrame:
    """A valid reference set of the loan model (4 rows, not yet scored)."""
    base = {
        "id": [f"r-{i}" for i in range(ROWS)],
        "ts": pd.date_range("2026-09-01", periods=ROWS, freq="D"),
        "income": [1200.0, 800.0, np.nan, 3000.0],
        "region": ["north", "south", "south", "north"],
        "repaid": [1, 0, 1, 0],
        "gender": ["F", "M", "F", "M"],
    }
    return _frame(base, drop, columns)


def labels_frame(*, drop: Iterable[str] = (), **columns: Any) -> pd.DataFrame:
    """Valid late labels of the loan model (4 rows)."""
    return _frame({"id": [f"a-{i}" for i in range(ROWS)], "repaid": [1, 0, 0, 1]}, drop, columns)


@pytest.fixture(scope="module")
def loan() -> ModelConfig:
    return make_model()


@pytest.fixture(scope="module")
def regressor() -> ModelConfig:
    return make_model("regression", prediction="limit_pred", target="limit")


def failure(frame: pd.DataFrame, contract: Any, what: str = WHAT) -> str:
    """The message of the DataError ``enforce`` must raise."""
    with pytest.raises(DataError) as caught:
        enforce(frame, contract, what=what)
    return str(caught.value)


def line_of(message: str, column: str) -> str:
    """The one line of the message about ``column``."""
    lines = [line for line in message.splitlines() if f"column {column!r}" in line]
    assert len(lines) == 1, message
    return lines[0]


# ---------------------------------------------------------------------------------------------- valid data


def test_valid_frames_pass_and_come_back_unchanged(loan: ModelConfig) -> None:
    for frame, contract in [
        (batch_frame(), batch_contract(loan)),
        (reference_frame(), reference_contract(loan)),
        (labels_frame(), labels_contract(loan)),
    ]:
        expected = frame.copy()
        assert enforce(frame, contract, what=WHAT) is frame
        pd.testing.assert_frame_equal(frame, expected)


def test_columns_outside_the_contract_are_allowed_and_not_checked(loan: ModelConfig) -> None:
    # the reference is scored later: a stale prediction or score it holds is overwritten, so it is not judged
    enforce(reference_frame(approved=["x", None, 7, 0], score=[5.0, -1, None, 2]), reference_contract(loan), what=WHAT)
    enforce(batch_frame(repaid=[None] * ROWS, note=["?"] * ROWS), batch_contract(loan), what=WHAT)


def test_nullable_extension_and_arrow_dtypes_pass(loan: ModelConfig) -> None:
    frame = batch_frame(
        id=pd.array([1, 2, 3, 4], dtype="int64[pyarrow]"),
        ts=pd.Series(pd.date_range("2026-10-01", periods=ROWS, tz="UTC")).astype("timestamp[ms, UTC][pyarrow]"),
        income=pd.array([1.0, None, 3.0, 4.0], dtype="Float64"),
        region=pd.array(["a", None, "b", "a"], dtype="string[pyarrow]"),
        approved=pd.array([True, False, True, False], dtype="boolean"),
        score=pd.array([0.0, 0.5, 1.0, 0.25], dtype="double[pyarrow]"),
    )
    enforce(frame, batch_contract(loan), what=WHAT)


# ---------------------------------------------------------------------------------------------- presence


BATCH_COLUMNS = ["id", "ts", "income", "region", "approved", "score", "gender"]


@pytest.mark.parametrize("column", BATCH_COLUMNS)
def test_every_batch_column_of_the_config_must_be_present(loan: ModelConfig, column: str) -> None:
    message = failure(batch_frame(drop=[column]), batch_contract(loan))
    assert f"column {column!r}" in message and "must be present; got no such column" in message
    assert message.startswith(WHAT)


@pytest.mark.parametrize("column", ["id", "ts", "income", "region", "repaid", "gender", "client"])
def test_every_reference_column_of_the_config_must_be_present(column: str) -> None:
    model = make_model(api_client="client")
    frame = reference_frame(client=["c1", "c2", "c1", "c2"], drop=[column])
    assert "must be present" in line_of(failure(frame, reference_contract(model)), column)


@pytest.mark.parametrize("column", ["id", "repaid"])
def test_labels_must_hold_id_and_target(loan: ModelConfig, column: str) -> None:
    assert "must be present" in line_of(failure(labels_frame(drop=[column]), labels_contract(loan)), column)


@pytest.mark.parametrize("role", ["api_client", "model_version"])
def test_optional_batch_columns_are_required_once_configured(role: str) -> None:
    configured = make_model(**{role: "extra"})
    assert "must be present" in line_of(failure(batch_frame(), batch_contract(configured)), "extra")
    enforce(batch_frame(extra=["v1"] * ROWS), batch_contract(configured), what=WHAT)
    enforce(batch_frame(), batch_contract(make_model()), what=WHAT)  # not configured: not required


@pytest.mark.parametrize(
    ("present", "hint"),
    [
        ("gender ", "'gender '"),  # trailing space: difflib alone would still find it
        ("GENDER", "'GENDER'"),  # case: difflib's ratio for 'gender'/'GENDER' is 0
        ("Gender ", "'Gender '"),
        ("gendr", "'gendr'"),  # a typo
    ],
)
def test_a_missing_column_names_the_closest_existing_one(loan: ModelConfig, present: str, hint: str) -> None:
    frame = batch_frame(drop=["gender"], **{present: ["F", "M", "F", "M"]})
    assert f"(did you mean {hint}?)" in line_of(failure(frame, batch_contract(loan)), "gender")


def test_a_case_match_beats_a_closer_spelling(loan: ModelConfig) -> None:
    frame = batch_frame(drop=["gender"], GENDER=["F"] * ROWS, gendex=["F"] * ROWS)
    assert "(did you mean 'GENDER'?)" in line_of(failure(frame, batch_contract(loan)), "gender")


def test_a_short_name_differing_in_case_is_found(loan: ModelConfig) -> None:
    frame = batch_frame(drop=["id"], ID=["a", "b", "c", "d"])
    assert "(did you mean 'ID'?)" in line_of(failure(frame, batch_contract(loan)), "id")


def test_the_configured_name_is_compared_without_case_too() -> None:
    message = failure(batch_frame(), batch_contract(make_model(id="ID")))
    assert "(did you mean 'id'?)" in line_of(message, "ID")


def test_no_hint_when_nothing_is_close(loan: ModelConfig) -> None:
    line = line_of(failure(batch_frame(drop=["gender"]), batch_contract(loan)), "gender")
    assert "did you mean" not in line


def test_repeated_column_names_are_refused(loan: ModelConfig) -> None:
    frame = pd.concat([batch_frame(), batch_frame()[["score"]]], axis=1)
    message = failure(frame, batch_contract(loan))
    assert message == f"{WHAT}: column names must be unique; got 'score' more than once instead"


@pytest.mark.parametrize("contract", [batch_contract, reference_contract])
def test_batch_and_reference_need_a_row(loan: ModelConfig, contract: Callable[..., Any]) -> None:
    frame = (batch_frame() if contract is batch_contract else reference_frame()).iloc[:0]
    assert f"{WHAT}: must have at least one row; got 0 rows instead" in failure(frame, contract(loan)).splitlines()


def test_labels_may_be_empty(loan: ModelConfig) -> None:
    enforce(labels_frame().iloc[:0], labels_contract(loan), what=WHAT)


# ---------------------------------------------------------------------------------------------- ids


ID_CASES = [
    (batch_contract, batch_frame),
    (reference_contract, reference_frame),
    (labels_contract, labels_frame),
]


@pytest.mark.parametrize(("contract", "make"), ID_CASES)
def test_ids_must_be_unique(loan: ModelConfig, contract: Callable[..., Any], make: Callable[..., Any]) -> None:
    line = line_of(failure(make(id=["a", "b", "a", "a"]), contract(loan)), "id")
    assert line == f"{WHAT}: column 'id' (id) must be unique; got 3 rows sharing 1 value (e.g. 'a') instead"
    enforce(make(id=["a", "b", "c", "d"]), contract(loan), what=WHAT)


@pytest.mark.parametrize(("contract", "make"), ID_CASES)
def test_ids_must_not_be_null(loan: ModelConfig, contract: Callable[..., Any], make: Callable[..., Any]) -> None:
    line = line_of(failure(make(id=["a", None, "c", None]), contract(loan)), "id")
    assert line.endswith("must not be null; got 2 of 4 rows null instead")  # repeated nulls are not duplicates


# ---------------------------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    "stamps",
    [
        pd.date_range("2026-10-01", periods=ROWS, freq="h", tz="Europe/Paris"),
        ["2026-10-01 10:00:00", "2026-10-01 11:00:00", None, "2026-10-01 12:30:00"],
        ["2026-10-01T10:00:00Z", "2026-10-01T11:00:00Z", "2026-10-02T00:00:00Z", "2026-10-03T00:00:00Z"],
        pd.Series(["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"], dtype=object),
    ],
)
def test_timestamps_may_be_datetimes_or_parseable_text(loan: ModelConfig, stamps: Any) -> None:
    enforce(batch_frame(ts=stamps), batch_contract(loan), what=WHAT)


def test_unparseable_timestamps_are_counted(loan: ModelConfig) -> None:
    frame = batch_frame(ts=["2026-10-01 10:00:00", "yesterday", "2026-13-45 99:00:00", "2026-10-01 12:00:00"])
    line = line_of(failure(frame, batch_contract(loan)), "ts")
    assert "must be datetimes or text that pd.to_datetime parses" in line
    assert "got 2 of 4 rows that do not parse (e.g. 'yesterday', '2026-13-45 99:00:00')" in line


def test_text_in_a_second_format_is_refused_as_the_pipelines_parse_would_refuse_it(loan: ModelConfig) -> None:
    stamps = ["2026-10-01 10:00:00", "10/01/2026 11:00", "2026-10-01 12:00:00", "2026-10-01 13:00:00"]
    with pytest.raises(ValueError):
        pd.to_datetime(pd.Series(stamps))  # how govern.estimation reads the reference's timestamps
    line = line_of(failure(batch_frame(ts=stamps), batch_contract(loan)), "ts")
    assert "got 1 of 4 rows that do not parse (e.g. '10/01/2026 11:00')" in line


def test_numbers_are_not_timestamps(loan: ModelConfig) -> None:
    line = line_of(failure(batch_frame(ts=[1_790_000_000] * ROWS), batch_contract(loan)), "ts")
    assert "got dtype int64 (e.g. 1790000000) instead" in line


def test_timestamps_that_cannot_be_parsed_together_are_reported_not_raised(loan: ModelConfig) -> None:
    mixed = ["2026-10-01T10:00:00+00:00", "2026-10-01T10:00:00+02:00"] * 2  # pandas refuses mixed offsets
    line = line_of(failure(batch_frame(ts=mixed), batch_contract(loan)), "ts")
    assert "got an error while checking:" in line and "time" in line.lower()


# ---------------------------------------------------------------------------------------------- features


@pytest.mark.parametrize("values", [[1, 2, 3, 4], [1.5, np.nan, np.nan, 2.0], [True, False, True, True]])
def test_numeric_features_may_be_any_numeric_dtype(loan: ModelConfig, values: list[Any]) -> None:
    enforce(batch_frame(income=values), batch_contract(loan), what=WHAT)
    enforce(reference_frame(income=values), reference_contract(loan), what=WHAT)


@pytest.mark.parametrize("contract", [batch_contract, reference_contract])
def test_text_in_a_numeric_feature_is_refused(loan: ModelConfig, contract: Callable[..., Any]) -> None:
    make = batch_frame if contract is batch_contract else reference_frame
    line = line_of(failure(make(income=["1200", "n/a", None, "unknown"]), contract(loan)), "income")
    assert line == (
        f"{WHAT}: column 'income' (feature) must be numeric; got dtype str (2 of 4 rows not numbers, "
        f"e.g. 'n/a', 'unknown') instead"
    )


def test_numbers_held_as_text_are_told_apart(loan: ModelConfig) -> None:
    line = line_of(failure(batch_frame(income=["1200", "800", "1.5", None]), batch_contract(loan)), "income")
    assert "numbers held as text, e.g. '1200', '800', '1.5'" in line


def test_categorical_features_may_be_text(loan: ModelConfig) -> None:
    enforce(batch_frame(region=["a", "b", "c", None]), batch_contract(loan), what=WHAT)
    assert batch_contract(loan).columns["region"].checks == []


# ---------------------------------------------------------------------------------------------- prediction


@pytest.mark.parametrize("values", [[0, 1, 1, 0], [0.0, 1.0, 1.0, 0.0], [False, True, True, False], [1, 1, 1, 1]])
def test_a_binary_prediction_in_the_label_set_passes(loan: ModelConfig, values: list[Any]) -> None:
    enforce(batch_frame(approved=values), batch_contract(loan), what=WHAT)


@pytest.mark.parametrize(
    ("values", "got"),
    [
        ([0, 1, 2, 1], "1 of 4 rows outside it (e.g. 2)"),
        ([0.5, 1.0, 0.0, 0.0], "1 of 4 rows outside it (e.g. 0.5)"),
        (["1", "0", "1", "0"], "4 of 4 rows outside it (e.g. '1', '0')"),  # text '1' is not the label 1
        (["approve", "decline", "approve", "approve"], "4 of 4 rows outside it (e.g. 'approve', 'decline')"),
    ],
)
def test_a_binary_prediction_outside_the_label_set_fails(loan: ModelConfig, values: list[Any], got: str) -> None:
    line = line_of(failure(batch_frame(approved=values), batch_contract(loan)), "approved")
    assert line == f"{WHAT}: column 'approved' (prediction) must be one of 0, 1; got {got} instead"


def test_a_binary_prediction_must_not_be_null(loan: ModelConfig) -> None:
    line = line_of(failure(batch_frame(approved=[0, None, 1, 1]), batch_contract(loan)), "approved")
    assert "must not be null; got 1 of 4 rows null instead" in line
    assert "outside" not in line  # a null is reported once, as a null


def test_a_regression_prediction_must_be_numeric(regressor: ModelConfig) -> None:
    frame = batch_frame(drop=["approved", "score"], limit_pred=[1.5, 2.0, np.nan, 7.0])
    enforce(frame, batch_contract(regressor), what=WHAT)
    line = line_of(
        failure(frame.assign(limit_pred=["1.5", "high", "x", None]), batch_contract(regressor)), "limit_pred"
    )
    assert "(prediction) must be numeric; got dtype str" in line


def test_a_multiclass_prediction_is_only_required() -> None:
    model = make_model("multiclass_classification", score=None)
    enforce(batch_frame(drop=["score"], approved=["a", "b", "c", None]), batch_contract(model), what=WHAT)
    assert "must be present" in line_of(failure(batch_frame(drop=["approved"]), batch_contract(model)), "approved")


# ---------------------------------------------------------------------------------------------- score


@pytest.mark.parametrize(
    ("values", "got"),
    [
        ([0.5, 1.5, -0.1, 1.0], "2 of 4 rows outside it (e.g. 1.5, -0.1)"),
        ([0.5, np.inf, 0.1, 0.2], "1 of 4 rows outside it (e.g. inf)"),
        ([0.5, 1.0000001, 0.1, 0.2], "1 of 4 rows outside it (e.g. 1.0000001)"),
    ],
)
def test_a_score_outside_the_unit_interval_fails(loan: ModelConfig, values: list[float], got: str) -> None:
    line = line_of(failure(batch_frame(score=values), batch_contract(loan)), "score")
    assert line == f"{WHAT}: column 'score' (score) must be within [0, 1]; got {got} instead"


def test_a_score_must_be_numeric_and_not_null(loan: ModelConfig) -> None:
    text = line_of(failure(batch_frame(score=["0.5", "high", "0.1", "0.2"]), batch_contract(loan)), "score")
    assert "must be numeric; got dtype str (1 of 4 rows not numbers, e.g. 'high')" in text
    assert "within" not in text  # a range on text means nothing: one finding, not two
    nulls = line_of(failure(batch_frame(score=[0.5, np.nan, 0.1, np.nan]), batch_contract(loan)), "score")
    assert "must not be null; got 2 of 4 rows null instead" in nulls


def test_the_unit_interval_includes_its_bounds(loan: ModelConfig) -> None:
    enforce(batch_frame(score=[0.0, 1.0, 0.0, 1.0]), batch_contract(loan), what=WHAT)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, min_value=-2, max_value=3, width=32), min_size=1, max_size=40))
def test_the_count_of_scores_outside_matches_numpy(values: list[float]) -> None:
    model = make_model()
    n = len(values)
    frame = pd.DataFrame(
        {
            "id": range(n),
            "ts": pd.Timestamp("2026-10-01"),
            "income": 1.0,
            "region": "north",
            "approved": 1,
            "score": values,
            "gender": "F",
        }
    )
    outside = int(((np.asarray(values) < 0) | (np.asarray(values) > 1)).sum())  # the oracle
    if outside == 0:
        enforce(frame, batch_contract(model), what=WHAT)
    else:
        assert f"got {outside:,} of {n:,} rows outside it" in line_of(failure(frame, batch_contract(model)), "score")


# ---------------------------------------------------------------------------------------------- target


def test_a_binary_reference_target_must_be_in_the_label_set_and_not_null(loan: ModelConfig) -> None:
    enforce(reference_frame(repaid=[1.0, 0.0, 0.0, 1.0]), reference_contract(loan), what=WHAT)
    line = line_of(failure(reference_frame(repaid=[1, 2, None, 0]), reference_contract(loan)), "repaid")
    assert line == (
        f"{WHAT}: column 'repaid' (target) must not be null and be one of 0, 1; got 1 of 4 rows null, "
        f"and 1 of 4 rows outside it (e.g. 2.0) instead"
    )


def test_a_late_label_must_be_in_the_label_set_and_may_be_not_known_yet(loan: ModelConfig) -> None:
    enforce(labels_frame(repaid=[1.0, None, 0.0, 1.0]), labels_contract(loan), what=WHAT)  # null: not known yet
    line = line_of(failure(labels_frame(repaid=[1, 2, None, 0]), labels_contract(loan)), "repaid")
    assert (
        line == f"{WHAT}: column 'repaid' (target) must be one of 0, 1; got 1 of 4 rows outside it (e.g. 2.0) instead"
    )


def test_a_regression_target_must_be_numeric(regressor: ModelConfig) -> None:
    enforce(labels_frame(drop=["repaid"], limit=[1.0, np.nan, 3.5, 9.0]), labels_contract(regressor), what=WHAT)
    frame = reference_frame(drop=["repaid"], limit=["1", "lots", "2", "3"])
    assert "(target) must be numeric" in line_of(failure(frame, reference_contract(regressor)), "limit")


# ---------------------------------------------------------------------------------------------- label set


def test_label_set_of_one_is_zero_and_one_without_reading_the_reference(loan: ModelConfig) -> None:
    assert label_set_of(pd.DataFrame(), loan) == {0, 1}


def test_label_set_of_true_is_false_and_true() -> None:
    model = with_positive_label(make_model(), True)
    assert label_set_of(pd.DataFrame(), model) == {False, True}
    enforce(batch_frame(approved=[True, False, True, True]), batch_contract(model), what=WHAT)
    line = line_of(failure(batch_frame(approved=[True, "yes", True, True]), batch_contract(model)), "approved")
    assert "must be one of False, True; got 1 of 4 rows outside it (e.g. 'yes')" in line


def test_label_set_of_a_text_label_takes_the_other_class_from_the_reference() -> None:
    model = make_model(positive_label="repaid")
    reference = reference_frame(repaid=["repaid", "default", None, "repaid"])
    assert label_set_of(reference, model) == {"repaid", "default"}


@pytest.mark.parametrize(
    ("values", "got"),
    [
        (["repaid", "default", "late", "repaid"], "3 distinct values: 'repaid', 'default', 'late'"),
        (["repaid", "repaid", None, "repaid"], "1 distinct value: 'repaid'"),
        (["good", "bad", "good", "bad"], "2 distinct values: 'good', 'bad'"),
        ([None, None, None, None], "no values"),
    ],
)
def test_label_set_of_refuses_a_target_without_exactly_two_classes(values: list[Any], got: str) -> None:
    model = make_model(positive_label="repaid")
    with pytest.raises(DataError) as caught:
        label_set_of(reference_frame(repaid=values), model, what=WHAT)
    assert str(caught.value) == (
        f"{WHAT}: column 'repaid' (target) must hold the positive label 'repaid' and exactly one other value; "
        f"got {got} instead"
    )


def test_label_set_of_a_missing_target_names_the_closest_column() -> None:
    model = make_model(positive_label="repaid")
    with pytest.raises(DataError, match=r"column 'repaid' \(target\) must be present.*did you mean 'Repaid'"):
        label_set_of(reference_frame(drop=["repaid"], Repaid=["repaid", "x", "x", "x"]), model)


def test_label_set_of_a_regressor_is_a_mistake(regressor: ModelConfig) -> None:
    with pytest.raises(ValueError, match="binary_classification"):
        label_set_of(reference_frame(), regressor)


def test_a_given_label_set_is_what_the_contracts_check() -> None:
    model = make_model(positive_label="approve")
    labels = {"approve", "decline"}
    enforce(batch_frame(approved=["approve", "decline"] * 2), batch_contract(model, label_set=labels), what=WHAT)
    enforce(labels_frame(repaid=["decline"] * ROWS), labels_contract(model, label_set=labels), what=WHAT)
    line = line_of(failure(batch_frame(), batch_contract(model, label_set=labels)), "approved")
    assert "must be one of 'approve', 'decline'; got 4 of 4 rows outside it (e.g. 1, 0)" in line


@pytest.mark.parametrize("contract", [batch_contract, labels_contract])
def test_a_text_label_without_a_label_set_cannot_be_checked(contract: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="needs label_set for positive label 'approve'"):
        contract(make_model(positive_label="approve"))


def test_a_reference_with_a_text_label_and_no_label_set_must_hold_two_classes() -> None:
    model = make_model(positive_label="approve")
    enforce(reference_frame(repaid=["approve", "decline"] * 2), reference_contract(model), what=WHAT)
    line = line_of(failure(reference_frame(repaid=["decline"] * ROWS), reference_contract(model)), "repaid")
    assert "must not be null" not in line
    assert "must hold the positive label 'approve' and exactly one other value; got 1 distinct value:" in line


@pytest.mark.parametrize("labels", [{0, 2}, {0, 1, 2}, {1}])
def test_a_label_set_must_hold_the_positive_label_and_one_other(loan: ModelConfig, labels: set[int]) -> None:
    with pytest.raises(ValueError, match="label_set must hold the positive label 1"):
        batch_contract(loan, label_set=labels)


def test_a_label_set_for_a_regressor_is_a_mistake(regressor: ModelConfig) -> None:
    with pytest.raises(ValueError, match="binary_classification models only"):
        reference_contract(regressor, label_set={0, 1})


# ---------------------------------------------------------------------------------------------- the report


def test_every_broken_rule_is_reported_at_once_one_line_per_column(loan: ModelConfig) -> None:
    frame = batch_frame(
        drop=["gender"],
        id=["a", "a", "b", None],
        ts=["2026-10-01", "soon", None, "2026-10-02"],
        income=["1", "x", "3", "4"],
        approved=[0, 1, 2, np.nan],
        score=[0.1, 1.5, np.nan, -0.2],
        Gender=["F", "M", "F", "M"],
    )
    with pytest.raises(DataError) as caught:
        enforce(frame, batch_contract(loan), what=WHAT)
    lines = str(caught.value).splitlines()
    assert [line.split(": column ")[1].split(" ")[0] for line in lines] == [
        "'id'",
        "'ts'",
        "'income'",
        "'approved'",
        "'score'",
        "'gender'",
    ]
    assert all(line.startswith(f"{WHAT}: column ") and line.endswith(" instead") for line in lines)
    assert lines[0].endswith(
        "must not be null and be unique; got 1 of 4 rows null, and 2 rows sharing 1 value (e.g. 'a') instead"
    )
    assert "region" not in str(caught.value)
    assert type(caught.value.__cause__).__name__ == "SchemaErrors"  # the pandera report stays reachable


def test_examples_are_capped_and_the_count_is_complete(loan: ModelConfig) -> None:
    n = 12
    frame = pd.DataFrame(
        {
            "id": range(n),
            "ts": pd.Timestamp("2026-10-01"),
            "income": 1.0,
            "region": "north",
            "approved": [10 + i for i in range(n)],
            "score": 0.5,
            "gender": "F",
        }
    )
    line = line_of(failure(frame, batch_contract(loan)), "approved")
    shown = line.split("(e.g. ")[1].split(")")[0].split(", ")
    assert shown == [str(10 + i) for i in range(5)]  # up to five, in order of appearance
    assert f"got {n} of {n} rows outside it" in line


def test_long_values_are_shortened_in_the_message(loan: ModelConfig) -> None:
    line = line_of(failure(batch_frame(approved=["x" * 500, 0, 1, 1]), batch_contract(loan)), "approved")
    assert "x" * 100 not in line and "..." in line


# ---------------------------------------------------------------------------------------------- the machinery


def test_contracts_pickle_for_worker_processes(loan: ModelConfig) -> None:
    contract = pickle.loads(pickle.dumps(batch_contract(loan)))
    enforce(batch_frame(), contract, what=WHAT)
    assert "must be one of 0, 1" in failure(batch_frame(approved=[5, 0, 1, 1]), contract)


def test_no_check_runs_per_element(loan: ModelConfig, regressor: ModelConfig) -> None:
    contracts = [
        batch_contract(loan),
        reference_contract(loan),
        labels_contract(loan),
        batch_contract(regressor),
        reference_contract(make_model(positive_label="approve")),
    ]
    checks = [c for s in contracts for col in s.columns.values() for c in col.checks] + [
        c for s in contracts for c in s.checks
    ]
    assert checks and not [c.name for c in checks if c.element_wise]


def test_importing_the_module_does_not_import_pandera() -> None:
    code = "import sys, govern.contracts; sys.exit('pandera' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

"""govern.fairness against independent oracles: fairlearn's MetricFrame and disparity functions, sklearn's
roc_auc_score, a hand-computed ten-row case, and hypothesis properties of impact ratios and differences; and the
inputs it refuses (an identifier as protected attribute, labels and predictions that are not one binary outcome)."""

from __future__ import annotations

import json
import math
from functools import partial

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.errors import DataError
from govern.fairness import GROUP_RATE_COLUMNS, MAX_GROUPS, MISSING_GROUP, fairness_report, group_rates

ATTRIBUTES = ["gender", "race", "age_band"]


@pytest.fixture(scope="module")
def scored() -> pd.DataFrame:
    """3,000 rows, 3 attributes of 2, 3 and 4 groups, rates that differ by group, scores with ties."""
    rng = np.random.default_rng(20240601)
    n = 3000
    frame = pd.DataFrame(
        {
            "gender": rng.choice(["F", "M"], n, p=[0.45, 0.55]),
            "race": rng.choice(["asian", "black", "white"], n, p=[0.2, 0.3, 0.5]),
            "age_band": rng.choice(["18-25", "26-40", "41-65", "65+"], n),
        }
    )
    lift = frame["gender"].map({"F": -0.05, "M": 0.05}) + frame["race"].map({"asian": 0.0, "black": -0.1, "white": 0.1})
    frame["label"] = (rng.random(n) < 0.4 + lift).astype(int)
    frame["score"] = np.clip(rng.normal(0.35 + 0.3 * frame["label"] + lift, 0.2), 0, 1).round(2)  # ties on purpose
    frame["approved"] = (frame["score"] > 0.5).astype(int)
    return frame


def _fairlearn_by_group(frame: pd.DataFrame, attributes: list[str], favourable: int) -> pd.DataFrame:
    from fairlearn.metrics import (
        MetricFrame,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )

    metric_frame = MetricFrame(
        metrics={
            "selection_rate": partial(selection_rate, pos_label=favourable),
            "tpr": partial(true_positive_rate, pos_label=1),
            "fpr": partial(false_positive_rate, pos_label=1),
            "fnr": partial(false_negative_rate, pos_label=1),
        },
        y_true=frame["label"],
        y_pred=frame["approved"],
        sensitive_features=frame[attributes],
    )
    by_group = metric_frame.by_group
    by_group.index = [
        " x ".join(map(str, key)) if isinstance(key, tuple) else str(key) for key in by_group.index.to_list()
    ]
    return by_group


def _rows_of(rates: pd.DataFrame, attribute: str) -> pd.DataFrame:
    return rates[rates["attribute"] == attribute].set_index("group")


# ---------------------------------------------------------------------------------------------- oracles


@pytest.mark.parametrize("favourable", [1, 0], ids=["favourable=positive", "favourable=negative"])
@pytest.mark.parametrize("attributes", [["gender"], ["race"], ["age_band"], ["gender", "race"]])
def test_group_rates_match_fairlearn_metric_frame(scored: pd.DataFrame, attributes: list[str], favourable: int) -> None:
    rates = group_rates(
        scored, prediction="approved", attributes=ATTRIBUTES, favourable=favourable, label="label", score="score"
    )
    expected = _fairlearn_by_group(scored, attributes, favourable)
    ours = _rows_of(rates, " x ".join(attributes))

    assert sorted(ours.index) == sorted(expected.index)
    assert ours["intersectional"].all() == (len(attributes) > 1)
    for metric in ["selection_rate", "tpr", "fpr", "fnr"]:
        np.testing.assert_allclose(
            ours.loc[expected.index, metric].to_numpy(), expected[metric].to_numpy(), rtol=0, atol=1e-12
        )
    sizes = scored.groupby(attributes).size()
    sizes.index = [" x ".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in sizes.index.to_list()]
    assert ours.loc[sizes.index, "n"].to_list() == sizes.to_list()


@pytest.mark.parametrize("attributes", [["gender"], ["race"], ["gender", "race"], ["gender", "race", "age_band"]])
def test_differences_match_fairlearn(scored: pd.DataFrame, attributes: list[str]) -> None:
    from fairlearn.metrics import (
        demographic_parity_difference,
        equal_opportunity_difference,
        equalized_odds_difference,
        false_negative_rate_difference,
        false_positive_rate_difference,
    )

    report = fairness_report(
        scored, prediction="approved", attributes=ATTRIBUTES, label="label", score="score", min_group_size=1
    )
    summary = report.attribute(" x ".join(attributes))
    oracle_args = {"y_true": scored["label"], "y_pred": scored["approved"], "sensitive_features": scored[attributes]}

    assert summary.n_groups == summary.n_groups_judged == scored.groupby(attributes).ngroups
    assert summary.demographic_parity_difference == pytest.approx(demographic_parity_difference(**oracle_args))
    assert summary.equal_opportunity_difference == pytest.approx(equal_opportunity_difference(**oracle_args))
    assert summary.equalized_odds_difference == pytest.approx(equalized_odds_difference(**oracle_args))
    assert summary.fpr_difference == pytest.approx(false_positive_rate_difference(**oracle_args, pos_label=1))
    assert summary.fnr_difference == pytest.approx(false_negative_rate_difference(**oracle_args, pos_label=1))


@pytest.mark.parametrize("attributes", [["race"], ["gender", "age_band"]])
def test_roc_auc_per_group_matches_sklearn(scored: pd.DataFrame, attributes: list[str]) -> None:
    from sklearn.metrics import roc_auc_score

    rates = group_rates(scored, prediction="approved", attributes=ATTRIBUTES, label="label", score="score")
    ours = _rows_of(rates, " x ".join(attributes))
    for key, rows in scored.groupby(attributes):
        group = " x ".join(map(str, key))
        assert ours.at[group, "roc_auc"] == pytest.approx(roc_auc_score(rows["label"], rows["score"]), abs=1e-12)
        assert ours.at[group, "mean_score"] == pytest.approx(rows["score"].mean(), abs=1e-12)


def test_roc_auc_with_more_groups_than_int16_holds() -> None:
    """Above 32,767 groups the codes are sorted as int64; compare with pandas' own within-group ranks."""
    rng = np.random.default_rng(7)
    n = 4 * 36_000
    frame = pd.DataFrame(
        {
            "client": np.arange(n) % 36_000,
            "label": rng.integers(0, 2, n),
            "score": rng.integers(0, 5, n) / 4,
        }
    )
    frame["prediction"] = (frame["score"] >= 0.5).astype(int)
    rates = group_rates(frame, prediction="prediction", attributes=["client"], label="label", score="score")
    assert len(rates) > np.iinfo(np.int16).max

    ranks = frame.groupby("client")["score"].rank(method="average")
    per_client = frame.groupby("client")
    positives = per_client["label"].sum()
    negatives = per_client.size() - positives
    rank_sum = (ranks * frame["label"]).groupby(frame["client"]).sum()
    expected = ((rank_sum - positives * (positives + 1) / 2) / (positives * negatives)).where(
        (positives > 0) & (negatives > 0)
    )
    expected.index = expected.index.astype(str)
    ours = rates.set_index("group")["roc_auc"]
    np.testing.assert_allclose(ours.loc[expected.index].to_numpy(), expected.to_numpy(), atol=1e-12)


# ---------------------------------------------------------------------------------------------- by hand

# group A: labels 1 1 0 0 0, predictions 1 0 0 0 0, scores .9 .4 .6 .2 .4
#   selection 1/5; TP=1 FN=1 -> tpr 1/2, fnr 1/2; FP=0 TN=3 -> fpr 0; mean score 2.5/5 = 0.5
#   ranks .2->1, .4 .4->2.5 each, .6->4, .9->5: R+ = 5 + 2.5 = 7.5; AUC = (7.5 - 3) / (2 * 3) = 0.75
# group B: labels 1 1 1 0 0, predictions 1 1 0 0 1, scores .8 .7 .3 .5 .8
#   selection 3/5; TP=2 FN=1 -> tpr 2/3, fnr 1/3; FP=1 TN=1 -> fpr 1/2; mean score 3.1/5 = 0.62
#   ranks .3->1, .5->2, .7->3, .8 .8->4.5 each: R+ = 4.5 + 3 + 1 = 8.5; AUC = (8.5 - 6) / (3 * 2) = 5/12
HAND = pd.DataFrame(
    {
        "group": list("AAAAABBBBB"),
        "label": [1, 1, 0, 0, 0, 1, 1, 1, 0, 0],
        "prediction": [1, 0, 0, 0, 0, 1, 1, 0, 0, 1],
        "score": [0.9, 0.4, 0.6, 0.2, 0.4, 0.8, 0.7, 0.3, 0.5, 0.8],
    }
)


def test_hand_computed_group_rates() -> None:
    rates = group_rates(HAND, prediction="prediction", attributes=["group"], label="label", score="score")
    assert list(rates.columns) == list(GROUP_RATE_COLUMNS)
    assert rates["group"].to_list() == ["A", "B"]
    assert rates["n"].to_list() == [5, 5]
    assert rates["n_label_positive"].to_list() == [2, 3]
    assert rates["n_label_negative"].to_list() == [3, 2]
    expected = {
        "selection_rate": [1 / 5, 3 / 5],
        "tpr": [1 / 2, 2 / 3],
        "fpr": [0.0, 1 / 2],
        "fnr": [1 / 2, 1 / 3],
        "mean_score": [0.5, 0.62],
        "roc_auc": [0.75, 5 / 12],
    }
    for column, values in expected.items():
        assert rates[column].to_list() == pytest.approx(values, abs=1e-12), column


def test_hand_computed_report() -> None:
    report = fairness_report(
        HAND, prediction="prediction", attributes=["group"], label="label", score="score", min_group_size=5
    )
    a, b = report.groups
    assert (a.group, b.group) == ("A", "B")
    assert a.impact_ratio == pytest.approx(1 / 3)
    assert b.impact_ratio == 1.0
    summary = report.attribute("group")
    assert (summary.most_favoured_group, summary.least_favoured_group) == ("B", "A")
    assert summary.min_impact_ratio == pytest.approx(1 / 3)
    assert summary.demographic_parity_difference == pytest.approx(0.4)
    assert summary.equal_opportunity_difference == pytest.approx(1 / 6)
    assert summary.fpr_difference == pytest.approx(1 / 2)
    assert summary.equalized_odds_difference == pytest.approx(1 / 2)  # the FPR gap is the larger
    assert summary.fnr_difference == pytest.approx(1 / 6)
    assert report.has_labels and report.min_group_size == 5


def test_favourable_prediction_other_than_positive_label() -> None:
    """A fraud model: label/prediction 1 = fraud (positive), but the favourable decision is 0 (not flagged)."""
    report = fairness_report(
        HAND, prediction="prediction", attributes=["group"], favourable=0, label="label", min_group_size=1
    )
    a, b = report.groups
    assert (a.selection_rate, b.selection_rate) == pytest.approx((4 / 5, 2 / 5))
    assert (a.impact_ratio, b.impact_ratio) == pytest.approx((1.0, 0.5))
    assert (a.tpr, b.tpr) == pytest.approx((1 / 2, 2 / 3))  # still counted on positive_label = 1
    assert (a.fpr, b.fpr) == pytest.approx((0.0, 1 / 2))
    summary = report.attribute("group")
    assert (summary.most_favoured_group, summary.least_favoured_group) == ("A", "B")
    assert report.favourable_prediction == 0


def test_text_labels_and_predictions() -> None:
    frame = HAND.assign(
        label=HAND["label"].map({1: "default", 0: "repaid"}),
        prediction=HAND["prediction"].map({1: "default", 0: "repaid"}),
    )
    rates = group_rates(
        frame,
        prediction="prediction",
        attributes=["group"],
        favourable="repaid",
        label="label",
        positive_label="default",
        score="score",
    )
    assert rates["selection_rate"].to_list() == pytest.approx([4 / 5, 2 / 5])
    assert rates["tpr"].to_list() == pytest.approx([1 / 2, 2 / 3])
    assert rates["roc_auc"].to_list() == pytest.approx([0.75, 5 / 12])


# ---------------------------------------------------------------------------------------------- properties

row = st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 1), st.integers(0, 1), st.integers(0, 4))
rows = st.lists(row, min_size=1, max_size=80)


def _frame(data: list[tuple[str, int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(data, columns=["group", "prediction", "label", "score"])


@settings(max_examples=60, deadline=None)
@given(data=rows, min_group_size=st.integers(1, 15))
def test_impact_ratio_is_at_most_one_and_best_group_scores_exactly_one(
    data: list[tuple[str, int, int, int]], min_group_size: int
) -> None:
    report = fairness_report(
        _frame(data), prediction="prediction", attributes=["group"], label="label", min_group_size=min_group_size
    )
    judged = [g for g in report.groups if g.sufficient]
    summary = report.attribute("group")
    assert summary.n_groups_judged == len(judged)
    if not judged or max(g.selection_rate or 0.0 for g in judged) == 0:
        assert all(g.impact_ratio is None for g in report.groups)
        return
    ratios = [g.impact_ratio for g in judged if g.impact_ratio is not None]
    assert len(ratios) == len(judged)
    assert all(0.0 <= r <= 1.0 for r in ratios)
    assert max(ratios) == 1.0
    best = next(g for g in judged if g.impact_ratio == 1.0)
    assert summary.most_favoured_group == best.group
    if len(judged) >= 2:
        assert summary.min_impact_ratio == min(ratios)


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(0, 4)), min_size=1, max_size=60))
def test_identical_groups_have_ratio_one_and_no_differences(data: list[tuple[int, int, int]]) -> None:
    once = pd.DataFrame(data, columns=["prediction", "label", "score"])
    frame = pd.concat([once.assign(group="a"), once.assign(group="b")], ignore_index=True)
    report = fairness_report(
        frame, prediction="prediction", attributes=["group"], label="label", score="score", min_group_size=1
    )
    a, b = report.groups
    assert (a.selection_rate, a.tpr, a.fpr, a.roc_auc) == (b.selection_rate, b.tpr, b.fpr, b.roc_auc)
    if a.selection_rate:
        assert a.impact_ratio == b.impact_ratio == 1.0
    summary = report.attribute("group")
    assert summary.demographic_parity_difference == 0.0
    has_positive, has_negative = bool(once["label"].any()), bool((once["label"] == 0).any())
    assert summary.equal_opportunity_difference == (0.0 if has_positive else None)
    assert summary.fpr_difference == (0.0 if has_negative else None)
    assert summary.equalized_odds_difference == (0.0 if has_positive and has_negative else None)


@settings(max_examples=60, deadline=None)
@given(data=rows, min_group_size=st.integers(1, 10))
def test_equalized_odds_is_at_least_equal_opportunity(
    data: list[tuple[str, int, int, int]], min_group_size: int
) -> None:
    report = fairness_report(
        _frame(data), prediction="prediction", attributes=["group"], label="label", min_group_size=min_group_size
    )
    summary = report.attribute("group")
    if summary.equalized_odds_difference is None:
        return
    assert summary.equal_opportunity_difference is not None and summary.fpr_difference is not None
    assert summary.equalized_odds_difference >= summary.equal_opportunity_difference
    assert summary.equalized_odds_difference >= summary.fpr_difference


@settings(max_examples=40, deadline=None)
@given(data=rows)
def test_roc_auc_property_matches_sklearn(data: list[tuple[str, int, int, int]]) -> None:
    from sklearn.metrics import roc_auc_score

    frame = _frame(data)
    rates = group_rates(frame, prediction="prediction", attributes=["group"], label="label", score="score")
    for (group,), group_rows in frame.groupby(["group"]):
        ours = rates.loc[rates["group"] == group, "roc_auc"].item()
        if group_rows["label"].nunique() < 2:
            assert math.isnan(ours)
        else:
            assert ours == pytest.approx(roc_auc_score(group_rows["label"], group_rows["score"]), abs=1e-12)


# ---------------------------------------------------------------------------------------------- groups


def test_small_group_is_reported_but_not_judged() -> None:
    big_a = pd.DataFrame({"group": "a", "prediction": [1] * 20 + [0] * 20})  # selection 0.5
    big_b = pd.DataFrame({"group": "b", "prediction": [1] * 10 + [0] * 30})  # selection 0.25
    small = pd.DataFrame({"group": "c", "prediction": [1] * 5})  # selection 1.0: would be the reference
    frame = pd.concat([big_a, big_b, small], ignore_index=True)

    report = fairness_report(frame, prediction="prediction", attributes=["group"], min_group_size=30)
    by_group = {g.group: g for g in report.groups}
    assert by_group["c"].sufficient is False and by_group["c"].n == 5
    assert by_group["c"].impact_ratio == pytest.approx(2.0)  # against the most favoured sufficient group
    assert by_group["a"].impact_ratio == 1.0
    assert by_group["b"].impact_ratio == pytest.approx(0.5)
    summary = report.attribute("group")
    assert (summary.n_groups, summary.n_groups_judged) == (3, 2)
    assert (summary.most_favoured_group, summary.least_favoured_group) == ("a", "b")
    assert summary.min_impact_ratio == pytest.approx(0.5)
    assert summary.demographic_parity_difference == pytest.approx(0.25)


def test_one_sufficient_group_names_the_reference_and_compares_nothing() -> None:
    frame = pd.DataFrame({"group": ["a"] * 30 + ["b"] * 3, "prediction": [1, 0, 0] * 11, "label": [1, 0, 1] * 11})
    summary = fairness_report(
        frame, prediction="prediction", attributes=["group"], label="label", min_group_size=30
    ).attribute("group")
    assert summary.n_groups_judged == 1
    assert summary.most_favoured_group == "a"
    assert summary.least_favoured_group is None and summary.min_impact_ratio is None
    assert summary.demographic_parity_difference is None
    assert summary.equal_opportunity_difference is None and summary.equalized_odds_difference is None


def test_no_group_selected_leaves_impact_ratio_undefined() -> None:
    frame = pd.DataFrame({"group": ["a", "b"] * 20, "prediction": 0})
    report = fairness_report(frame, prediction="prediction", attributes=["group"], min_group_size=1)
    assert [g.impact_ratio for g in report.groups] == [None, None]
    summary = report.attribute("group")
    assert summary.min_impact_ratio is None
    assert summary.demographic_parity_difference == 0.0


def test_missing_attribute_values_form_their_own_group() -> None:
    frame = pd.DataFrame(
        {
            "gender": ["F", None, "M", "F", None, "M"],
            "region": ["n", "s", None, "n", "s", "s"],
            "prediction": [1, 0, 1, 1, 1, 0],
        }
    )
    rates = group_rates(frame, prediction="prediction", attributes=["gender", "region"])
    gender = _rows_of(rates, "gender")
    assert gender.index.to_list() == ["F", "M", MISSING_GROUP]
    assert gender.loc[MISSING_GROUP, "n"] == 2
    assert gender.loc[MISSING_GROUP, "selection_rate"] == 0.5
    assert rates["n"].groupby(rates["attribute"]).sum().to_dict() == {"gender": 6, "region": 6, "gender x region": 6}
    both = _rows_of(rates, "gender x region")
    assert both.index.to_list() == ["F x n", "M x s", f"M x {MISSING_GROUP}", f"{MISSING_GROUP} x s"]
    assert both.loc[f"{MISSING_GROUP} x s", "n"] == 2


def test_literal_missing_value_and_nulls_in_one_column_is_an_error() -> None:
    frame = pd.DataFrame({"gender": ["F", MISSING_GROUP, None], "prediction": [1, 0, 1]})
    with pytest.raises(DataError, match="'gender'"):
        group_rates(frame, prediction="prediction", attributes=["gender"])


def test_all_intersections_of_three_attributes(scored: pd.DataFrame) -> None:
    rates = group_rates(scored, prediction="approved", attributes=ATTRIBUTES)
    assert list(dict.fromkeys(rates["attribute"])) == [
        "gender",
        "race",
        "age_band",
        "gender x race",
        "gender x age_band",
        "race x age_band",
        "gender x race x age_band",
    ]
    triple = _rows_of(rates, "gender x race x age_band")
    assert len(triple) == 2 * 3 * 4
    assert triple.loc["F x black x 65+", "n"] == len(
        scored.query("gender == 'F' and race == 'black' and age_band == '65+'")
    )
    flat = group_rates(scored, prediction="approved", attributes=ATTRIBUTES, intersectional=False)
    assert not flat["intersectional"].any()
    assert set(flat["attribute"]) == set(ATTRIBUTES)


def test_groups_are_strings_sorted_by_value_and_unseen_categories_are_left_out() -> None:
    frame = pd.DataFrame(
        {
            "band": pd.Categorical(["high", "low", "low", None], categories=["low", "mid", "high"]),
            "code": [10, 2, 2, 10],
            "prediction": [1, 0, 1, 1],
        }
    )
    rates = group_rates(frame, prediction="prediction", attributes=["band", "code"], intersectional=False)
    assert _rows_of(rates, "band").index.to_list() == ["low", "high", MISSING_GROUP]  # category order
    assert _rows_of(rates, "code").index.to_list() == ["2", "10"]  # numeric order, then str


def test_without_labels_or_score_rates_are_undefined_not_zero(scored: pd.DataFrame) -> None:
    report = fairness_report(scored, prediction="approved", attributes=["gender"], min_group_size=1)
    assert report.has_labels is False
    assert all(g.tpr is None and g.fpr is None and g.n_label_positive is None for g in report.groups)
    assert all(g.mean_score is None and g.roc_auc is None for g in report.groups)
    summary = report.attribute("gender")
    assert summary.demographic_parity_difference is not None
    assert summary.equal_opportunity_difference is None and summary.equalized_odds_difference is None
    payload = json.dumps(report.to_dict(), allow_nan=False)  # no NaN leaks into the JSON
    assert '"tpr": null' in payload


def test_mean_score_needs_a_score_not_labels() -> None:
    rates = group_rates(HAND, prediction="prediction", attributes=["group"], score="score")
    assert rates["mean_score"].to_list() == pytest.approx([0.5, 0.62], abs=1e-12)  # as by hand, above
    assert rates["roc_auc"].isna().all()


# ---------------------------------------------------------------------------------------------- errors


def test_missing_columns_are_all_named() -> None:
    with pytest.raises(DataError) as error:
        group_rates(HAND, prediction="prediction", attributes=["group", "race"], label="label ", what="loan_v2")
    message = str(error.value)
    assert message.startswith("loan_v2: ")
    assert "'race'" in message and "'label ' (did you mean 'label'?)" in message
    with pytest.raises(DataError) as error:
        group_rates(HAND, prediction="decision", attributes=["group", "race"])
    assert "'decision'" in str(error.value) and "'race'" in str(error.value)


@pytest.mark.parametrize("column", ["prediction", "label", "score"])
def test_null_values_in_prediction_label_or_score_are_errors(column: str) -> None:
    frame = HAND.astype({column: "float64"})
    frame.loc[[2, 7], column] = np.nan
    with pytest.raises(DataError, match=rf"{column} column '{column}' must have no null values; got 2 null of 10"):
        group_rates(frame, prediction="prediction", attributes=["group"], label="label", score="score")


def test_empty_frame_is_an_error() -> None:
    with pytest.raises(DataError, match="at least one row"):
        group_rates(HAND.iloc[0:0], prediction="prediction", attributes=["group"])


def test_non_numeric_score_is_an_error() -> None:
    with pytest.raises(DataError, match="'score'"):
        group_rates(HAND.astype({"score": str}), prediction="prediction", attributes=["group"], score="score")


@pytest.mark.parametrize("attributes", [[], "group", ["group", "group"]])
def test_malformed_attributes_are_value_errors(attributes: list[str]) -> None:
    with pytest.raises(ValueError, match="attributes must"):
        group_rates(HAND, prediction="prediction", attributes=attributes)


@pytest.mark.parametrize("min_group_size", [0, -3, 2.5, True])
def test_min_group_size_must_be_a_positive_integer(min_group_size: int) -> None:
    with pytest.raises(ValueError, match="min_group_size must be an integer >= 1"):
        fairness_report(HAND, prediction="prediction", attributes=["group"], min_group_size=min_group_size)


# ---------------------------------------------------------------------------------------------- cardinality


def _with_attribute(values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"attribute": values, "prediction": np.arange(len(values)) % 2})


def test_an_identifier_as_protected_attribute_is_refused_naming_the_column() -> None:
    frame = _with_attribute(np.arange(20_000)).assign(gender=["F", "M"] * 10_000)
    with pytest.raises(DataError) as error:
        fairness_report(frame, prediction="prediction", attributes=["gender", "attribute"], what="--data d.csv")
    assert str(error.value) == (
        "--data d.csv: protected attribute 'attribute' must have at most 100 distinct values; got 20,000 "
        "instead (is it an identifier?)"
    )


def test_the_cardinality_limit_is_a_documented_keyword_and_at_the_limit_passes() -> None:
    assert MAX_GROUPS == 100
    at_limit = _with_attribute(np.arange(200) % 100)
    assert (
        fairness_report(at_limit, prediction="prediction", attributes=["attribute"]).attribute("attribute").n_groups
        == 100
    )
    over = _with_attribute(np.arange(202) % 101)
    with pytest.raises(DataError, match="at most 100 distinct values; got 101"):
        fairness_report(over, prediction="prediction", attributes=["attribute"])
    wide = fairness_report(over, prediction="prediction", attributes=["attribute"], max_groups=101)
    assert wide.attribute("attribute").n_groups == 101
    nulls = pd.concat([at_limit, _with_attribute(np.array([None] * 4))], ignore_index=True)
    with_missing = fairness_report(nulls, prediction="prediction", attributes=["attribute"])  # nulls are no value
    assert with_missing.attribute("attribute").n_groups == 101


def test_intersections_with_more_possible_groups_than_the_limit_are_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    n = 2200
    frame = pd.DataFrame(
        {"a": np.arange(n) % 11, "b": np.arange(n) % 10, "c": np.arange(n) % 2, "prediction": np.arange(n) % 3 == 0}
    )
    with caplog.at_level("INFO", logger="govern.fairness"):
        report = fairness_report(frame, prediction="prediction", attributes=["a", "b", "c"], favourable=True)
    # 11 x 10 = 110 > 100 possible groups: "a x b" and every intersection extending it are left out
    assert [a.attribute for a in report.attributes] == ["a", "b", "c", "a x c", "b x c"]
    assert "intersection 'a x b' left out: 11 x 10 = 110 possible groups, more than max_groups=100" in caplog.text
    assert "intersection 'a x b x c' left out: 11 x 10 x 2 = 220 possible groups" in caplog.text
    everything = fairness_report(
        frame, prediction="prediction", attributes=["a", "b", "c"], favourable=True, max_groups=220
    )
    assert everything.attribute("a x b x c").n_groups == 110  # only the combinations that occur are listed
    rates = group_rates(frame, prediction="prediction", attributes=["a", "b", "c"], favourable=True)
    assert "a x b x c" in set(rates["attribute"])  # group_rates has no limit unless given one


@pytest.mark.parametrize("max_groups", [0, -1, 2.5, True])
def test_max_groups_must_be_a_positive_integer(max_groups: int) -> None:
    with pytest.raises(ValueError, match="max_groups must be an integer >= 1"):
        fairness_report(HAND, prediction="prediction", attributes=["group"], max_groups=max_groups)


# ---------------------------------------------------------------------------------------------- label domain


def _labelled(label: list[object], prediction: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"group": ["a", "b"] * (len(label) // 2), "y": label, "p": prediction})


@pytest.mark.parametrize(
    ("label", "prediction", "positive", "message"),
    [
        pytest.param(
            ["yes", "no"] * 4,
            [0, 1] * 4,
            "yes",
            "d.csv: prediction column 'p' must hold only the label's classes 'no', 'yes'; got labels 'no', 'yes' in "
            "column 'y' (str) and predictions 0, 1 in column 'p' (int64) instead (0, 1 not among them)",
            id="yes/no label, 0/1 predictions",
        ),
        pytest.param(
            [1, 2] * 4,
            [0, 1] * 4,
            1,
            "d.csv: prediction column 'p' must hold only the label's classes 1, 2; got labels 1, 2 in column 'y' "
            "(int64) and predictions 0, 1 in column 'p' (int64) instead (0 not among them)",
            id="1/2 label, 0/1 predictions",
        ),
        pytest.param(
            [0, 1] * 4,
            ["0", "1"] * 4,
            1,
            "d.csv: prediction column 'p' must hold only the label's classes 0, 1; got labels 0, 1 in column 'y' "
            "(int64) and predictions '0', '1' in column 'p' (str) instead ('0', '1' not among them) (values are "
            "compared in the data's own types: '0' as text and as a number differ)",
            id="1 vs '1'",
        ),
        pytest.param(
            [0, 2] * 4,
            [0, 2] * 4,
            1,
            "d.csv: label column 'y' must hold the positive label 1 as one of its two classes; got labels 0, 2 in "
            "column 'y' (int64) and predictions 0, 2 in column 'p' (int64) instead",
            id="positive label not a class",
        ),
        pytest.param(
            [0, 1, 2, 1] * 2,
            [0, 1] * 4,
            1,
            "d.csv: label column 'y' must hold the two classes of a binary outcome, not 3; got labels 0, 1, 2",
            id="three classes",
        ),
        pytest.param(
            ["yes"] * 8,
            [0, 1] * 4,
            "yes",
            "d.csv: prediction column 'p' and label column 'y' must hold the two classes of one binary outcome, one "
            "of them the positive label 'yes'; got labels 'yes' in column 'y' (str) and predictions 0, 1 in column "
            "'p' (int64) instead (the label holds only the positive label 'yes')",
            id="only positives",
        ),
        pytest.param(
            ["no"] * 8,
            ["no", "maybe"] * 4,
            "yes",
            "(the label holds only 'no', not the positive label 'yes')",
            id="only negatives",
        ),
    ],
)
def test_labels_and_predictions_that_do_not_fit_one_binary_outcome_are_refused(
    label: list[object], prediction: list[object], positive: object, message: str
) -> None:
    frame = _labelled(label, prediction)
    with pytest.raises(DataError) as error:
        fairness_report(
            frame,
            prediction="p",
            attributes=["group"],
            favourable=prediction[0],
            label="y",
            positive_label=positive,
            what="d.csv",
        )
    assert message in str(error.value)
    rates = partial(group_rates, frame, prediction="p", attributes=["group"], label="y", positive_label=positive)
    with pytest.raises(DataError):  # the per-group rates check it too: the pipeline gets it
        rates()


@pytest.mark.parametrize(
    ("label", "prediction", "positive"),
    [
        pytest.param([1] * 8, [0, 1] * 4, 1, id="only positives, predictions of both classes"),
        pytest.param([0] * 8, [0, 1] * 4, 1, id="only negatives, predictions of both classes"),
        pytest.param([0] * 8, [0] * 8, 1, id="one value in all"),
        pytest.param([False, True] * 4, [0, 1] * 4, 1, id="booleans and integers (True == 1)"),
        pytest.param([0.0, 1.0] * 4, [0, 1] * 4, 1, id="floats and integers"),
    ],
)
def test_labels_and_predictions_of_one_binary_outcome_are_taken(
    label: list[object], prediction: list[object], positive: object
) -> None:
    report = fairness_report(
        _labelled(label, prediction), prediction="p", attributes=["group"], label="y", positive_label=positive
    )
    assert report.has_labels

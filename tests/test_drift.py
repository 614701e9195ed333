"""govern.drift against independent oracles: scipy for every measure, hand-computed cases, properties."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from govern.drift import MAX_CATEGORIES, PSI_PROPORTION_FLOOR, _quantile_edges, column_drift, drift_report
from govern.errors import DataError
from govern.results import ColumnDrift, Distribution, DriftThresholds

NO_VERDICT = DriftThresholds(jensen_shannon=None, psi=None, wasserstein=None)
SMALL_SAMPLES = DriftThresholds(min_rows=1)  # the default limits, judged even on a handful of rows
MESSAGE_FORM = re.compile(r"^column '[^']+': (.* )?must .*; got .* instead")


# ---------------------------------------------------------------------------------------------- oracles


def oracle_edges(x: np.ndarray, bins: int) -> np.ndarray:
    """The documented binning, written independently: np.quantile, plus a bin of its own for a heavy value."""
    edges = np.unique(np.quantile(x, np.arange(1, bins) / bins))
    values, counts = np.unique(x, return_counts=True)
    heavy = values[counts * bins >= x.size]  # every heavy value, whether or not a quantile lands on it
    return np.unique(np.concatenate([edges, heavy, np.nextafter(heavy, np.inf)]))


def oracle_proportions(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.digitize(x, edges, right=False), minlength=edges.size + 1)
    return counts / counts.sum()


def oracle_psi(r: np.ndarray, c: np.ndarray) -> float:
    r, c = np.clip(r, 1e-4, None), np.clip(c, 1e-4, None)
    return float(np.sum((c - r) * np.log(c / r)))


def category_table(x: pd.Series, y: pd.Series) -> np.ndarray:
    """2 x k counts over the union of categories, via value_counts (not factorize)."""
    counts = pd.concat([x.value_counts(), y.value_counts()], axis=1).fillna(0)
    return counts.to_numpy().T


def assert_same_measures(actual: dict, expected: dict) -> None:
    """Equal records: numbers to 1e-12, everything else exactly."""
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, float):
            assert actual[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
        else:
            assert actual[key] == value, key


def sample_pair(case: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if case == "continuous":
        x, y = rng.normal(size=700), rng.normal(0.3, 1.2, size=450)
    elif case == "rounded ties":
        x, y = np.round(rng.normal(size=900), 1), np.round(rng.normal(0.1, 1.0, size=1200), 1)
    elif case == "few integers":
        x, y = rng.integers(0, 4, size=600).astype(float), rng.integers(0, 5, size=500).astype(float)
    elif case == "zero inflated":
        x = np.where(rng.random(800) < 0.7, 0.0, rng.exponential(size=800))
        y = np.where(rng.random(800) < 0.5, 0.0, rng.exponential(1.5, size=800))
    else:  # "tiny"
        x, y = rng.normal(size=3), rng.normal(size=2)
    x[rng.random(x.size) < 0.1] = np.nan
    y[rng.random(y.size) < 0.05] = np.nan
    return x, y


# ---------------------------------------------------------------------------------------------- numeric oracles


@pytest.mark.parametrize("case", ["continuous", "rounded ties", "few integers", "zero inflated", "tiny"])
@pytest.mark.parametrize("bins", [10, 4])
def test_numeric_measures_equal_scipy(case: str, bins: int) -> None:
    x, y = sample_pair(case, np.random.default_rng(7))
    result = column_drift(pd.Series(x, name="amount"), pd.Series(y, name="amount"), bins=bins)
    xv, yv = x[~np.isnan(x)], y[~np.isnan(y)]

    assert result.kind == "numeric"
    assert (result.n_reference, result.n_current) == (xv.size, yv.size)
    assert result.null_fraction_reference == pytest.approx(np.isnan(x).mean(), abs=1e-15)
    assert result.null_fraction_current == pytest.approx(np.isnan(y).mean(), abs=1e-15)
    assert result.mean_reference == pytest.approx(xv.mean(), rel=1e-12)
    assert result.mean_current == pytest.approx(yv.mean(), rel=1e-12)

    ks = stats.ks_2samp(xv, yv, method="asymp")
    assert result.ks_statistic == pytest.approx(ks.statistic, abs=1e-12)
    assert result.ks_pvalue == pytest.approx(ks.pvalue, rel=1e-9, abs=1e-300)
    expected_w = stats.wasserstein_distance(xv, yv) / np.std(xv, ddof=1)
    assert result.wasserstein == pytest.approx(expected_w, rel=1e-12)

    edges = oracle_edges(xv, bins)
    r, c = oracle_proportions(xv, edges), oracle_proportions(yv, edges)
    assert result.jensen_shannon == pytest.approx(jensenshannon(r, c, base=2), abs=1e-12)
    assert result.psi == pytest.approx(oracle_psi(r, c), rel=1e-12, abs=1e-15)
    assert result.chi2_statistic is None and result.chi2_pvalue is None


@pytest.mark.parametrize("size", [999, 1000, 12_345, 12_346])
def test_quantile_edges_are_numpys_quantiles_on_continuous_data(size: int) -> None:
    x = np.sort(np.random.default_rng(size).normal(size=size))
    for bins in (2, 4, 5, 10, 20):
        np.testing.assert_array_equal(_quantile_edges(x, bins), np.quantile(x, np.arange(1, bins) / bins))


def test_large_samples_ks_pvalue_is_within_2e3_of_scipys_finite_n_asymptotic() -> None:
    # Above 20 000 effective rows the p-value is the Kolmogorov limit, not scipy's (slow) kstwo.
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=60_000), rng.normal(0.012, 1.0, size=50_000)
    result = column_drift(pd.Series(x, name="x"), pd.Series(y, name="x"))
    ks = stats.ks_2samp(x, y, method="asymp")
    assert result.ks_statistic == pytest.approx(ks.statistic, abs=1e-12)
    assert 1e-4 < ks.pvalue < 0.5  # the range where the two p-values differ most
    assert result.ks_pvalue == pytest.approx(ks.pvalue, abs=2e-3)


# ---------------------------------------------------------------------------------------------- categorical oracles


def test_categorical_measures_equal_scipy_with_nulls_and_unseen_categories() -> None:
    rng = np.random.default_rng(5)
    x = pd.Series(rng.choice(["a", "b", "c", "d", None], size=900, p=[0.4, 0.3, 0.15, 0.1, 0.05]), name="region")
    y = pd.Series(rng.choice(["a", "b", "c", "e", None], size=700, p=[0.3, 0.3, 0.2, 0.1, 0.1]), name="region")
    result = column_drift(x, y)

    table = category_table(x, y)
    assert table.shape == (2, 5)  # d only in reference, e only in current: each a bin of its own
    chi2 = stats.chi2_contingency(table, correction=False)
    assert result.kind == "categorical"
    assert result.chi2_statistic == pytest.approx(chi2.statistic, rel=1e-12)
    assert result.chi2_pvalue == pytest.approx(chi2.pvalue, rel=1e-9)
    r, c = table[0] / table[0].sum(), table[1] / table[1].sum()
    assert result.jensen_shannon == pytest.approx(jensenshannon(r, c, base=2), abs=1e-12)
    assert result.psi == pytest.approx(oracle_psi(r, c), rel=1e-12)
    assert (result.n_reference, result.n_current) == (table[0].sum(), table[1].sum())
    assert result.null_fraction_reference == pytest.approx(x.isna().mean())
    assert result.null_fraction_current == pytest.approx(y.isna().mean())
    for unused in (result.wasserstein, result.ks_statistic, result.ks_pvalue, result.mean_reference):
        assert unused is None


def test_dtypes_of_one_column_give_the_same_categorical_measures() -> None:
    x = pd.Series(["a", "b", "b", None, "c"] * 20, name="g")
    y = pd.Series(["b", "c", "c", "d", None] * 20, name="g")
    plain = column_drift(x, y)
    for ref, cur in [(x.astype("category"), y), (x.astype(object), y.astype("category")), (x, y.astype(object))]:
        other = column_drift(ref, cur)
        assert_same_measures(other.to_dict(), plain.to_dict())


def test_nullable_and_pyarrow_numbers_give_the_same_measures() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 50, size=400), rng.integers(5, 55, size=300)
    plain = column_drift(pd.Series(x, name="n"), pd.Series(y, name="n"))
    nullable_x = pd.Series(list(x) + [None] * 100, dtype="Int64", name="n")
    arrow_y = pd.Series(y, name="n").astype("int64[pyarrow]")
    other = column_drift(nullable_x, arrow_y)
    assert other.null_fraction_reference == pytest.approx(0.2)
    assert {**other.to_dict(), "null_fraction_reference": 0.0} == plain.to_dict()


# ---------------------------------------------------------------------------------------------- hand-computed


def test_hand_computed_categorical_psi_js_chi2() -> None:
    # r = (1/2, 1/2), c = (3/4, 1/4), m = (5/8, 3/8)
    result = column_drift(pd.Series(list("aabb"), name="g"), pd.Series(list("aaab"), name="g"))
    psi = (0.75 - 0.5) * math.log(0.75 / 0.5) + (0.25 - 0.5) * math.log(0.25 / 0.5)
    kl_r = 0.5 * math.log2(0.5 / 0.625) + 0.5 * math.log2(0.5 / 0.375)
    kl_c = 0.75 * math.log2(0.75 / 0.625) + 0.25 * math.log2(0.25 / 0.375)
    assert psi == pytest.approx(0.274653, abs=1e-6)
    assert result.psi == pytest.approx(psi, rel=1e-12)
    assert result.jensen_shannon == pytest.approx(math.sqrt((kl_r + kl_c) / 2), rel=1e-12)
    assert result.jensen_shannon == pytest.approx(0.220896, abs=1e-6)
    # table [[2, 2], [3, 1]], expected [[2.5, 1.5], [2.5, 1.5]]
    assert result.chi2_statistic == pytest.approx(2 * (0.25 / 2.5 + 0.25 / 1.5), rel=1e-12)
    assert result.chi2_pvalue == pytest.approx(math.erfc(math.sqrt(result.chi2_statistic / 2)), rel=1e-12)


def test_hand_computed_numeric_bins_at_the_reference_median() -> None:
    # bins=2: one edge at the median 4.5, bins (-inf, 4.5) and [4.5, inf): r = (1/2, 1/2), c = (3/4, 1/4)
    reference = pd.Series(np.arange(10.0), name="x")
    current = pd.Series([0.0, 0.0, 0.0, 1, 1, 1, 9, 9], name="x")
    result = column_drift(reference, current, bins=2)
    assert result.psi == pytest.approx(0.274653, abs=1e-6)
    assert result.jensen_shannon == pytest.approx(0.220896, abs=1e-6)
    assert result.ks_statistic == pytest.approx(0.75 - 0.2)  # at t = 1: F_x = 2/10, F_y = 6/8


def test_psi_floor_makes_an_empty_reference_bin_finite() -> None:
    result = column_drift(pd.Series(list("aaaa"), name="g"), pd.Series(list("aabb"), name="g"))
    floor = PSI_PROPORTION_FLOOR
    assert floor == 1e-4
    expected = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - floor) * math.log(0.5 / floor)
    assert result.psi == pytest.approx(expected, rel=1e-12)
    assert result.psi == pytest.approx(4.604319, abs=1e-6)
    assert result.jensen_shannon == pytest.approx(jensenshannon([1, 0], [0.5, 0.5], base=2), rel=1e-12)


# ---------------------------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize("kind", ["numeric", "categorical"])
def test_identical_samples_have_no_drift(kind: str) -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=2000) if kind == "numeric" else rng.choice(list("abcdef"), size=2000)
    series = pd.Series(values, name="v")
    result = column_drift(series, series.sample(frac=1.0, random_state=3))  # same values, other order
    assert result.jensen_shannon == 0.0 and result.psi == 0.0
    assert not result.drifted and result.exceeded == ()
    if kind == "numeric":
        assert result.wasserstein == 0.0 and result.ks_statistic == 0.0 and result.ks_pvalue == 1.0
    else:
        assert result.chi2_statistic == pytest.approx(0.0, abs=1e-20) and result.chi2_pvalue == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("thresholds", "exceeded"),
    [
        (DriftThresholds(), ("jensen_shannon", "psi")),
        (DriftThresholds(wasserstein=0.5), ("jensen_shannon", "psi", "wasserstein")),
        (DriftThresholds(jensen_shannon=None, psi=5.0, wasserstein=1.5), ()),
        (NO_VERDICT, ()),
    ],
)
def test_a_clear_shift_is_judged_by_effect_sizes_only(thresholds: DriftThresholds, exceeded: tuple) -> None:
    rng = np.random.default_rng(4)
    result = column_drift(
        pd.Series(rng.normal(0, 1, 5000), name="x"), pd.Series(rng.normal(1, 1, 5000), name="x"), thresholds=thresholds
    )
    assert result.ks_pvalue < 1e-100  # overwhelming, yet p-values never decide
    assert result.wasserstein == pytest.approx(1.0, abs=0.06)
    assert result.exceeded == exceeded
    assert result.drifted is bool(exceeded)


def test_a_measure_equal_to_its_threshold_is_not_exceeded() -> None:
    x, y = pd.Series(list("aabb"), name="g"), pd.Series(list("aaab"), name="g")
    measured = column_drift(x, y, thresholds=NO_VERDICT)
    at_limit = DriftThresholds(jensen_shannon=measured.jensen_shannon, psi=measured.psi, min_rows=1)
    assert column_drift(x, y, thresholds=at_limit).exceeded == ()
    just_below = DriftThresholds(jensen_shannon=measured.jensen_shannon - 1e-9, psi=None, min_rows=1)
    assert column_drift(x, y, thresholds=just_below).exceeded == ("jensen_shannon",)


def test_large_samples_from_one_distribution_are_not_drifted() -> None:
    rng = np.random.default_rng(8)
    same = column_drift(pd.Series(rng.normal(size=100_000), name="x"), pd.Series(rng.normal(size=100_000), name="x"))
    assert not same.drifted
    assert same.jensen_shannon < 0.01 and same.psi < 0.001 and same.wasserstein < 0.01

    # A shift of 0.05 standard deviations: a KS test at n = 1e5 calls it certain, the effect sizes say "small".
    shifted = column_drift(
        pd.Series(rng.normal(size=100_000), name="x"), pd.Series(rng.normal(0.05, 1, 100_000), name="x")
    )
    assert shifted.ks_pvalue < 1e-10
    assert not shifted.drifted
    assert shifted.wasserstein == pytest.approx(0.05, abs=0.01)
    assert shifted.psi < 0.01 and shifted.jensen_shannon < 0.05


def test_unseen_category_is_its_own_bin() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 50, name="channel")
    current = pd.Series(["a"] * 45 + ["b"] * 45 + ["new"] * 10, name="channel")
    result = column_drift(reference, current, thresholds=SMALL_SAMPLES)
    r, c = np.array([0.5, 0.5, 0.0]), np.array([0.45, 0.45, 0.10])
    assert result.jensen_shannon == pytest.approx(jensenshannon(r, c, base=2), rel=1e-12)
    assert result.psi == pytest.approx(oracle_psi(r, c), rel=1e-12)
    assert result.chi2_pvalue == pytest.approx(stats.chi2_contingency([[50, 50, 0], [45, 45, 10]]).pvalue)
    assert result.psi == pytest.approx(0.7006, abs=1e-4)  # mostly the new bin: (0.1 - 1e-4) ln(0.1 / 1e-4)
    assert result.jensen_shannon == pytest.approx(0.2279, abs=1e-4)
    assert result.exceeded == ("jensen_shannon", "psi")


@pytest.mark.parametrize("moved_to", [1.0, -1.0])
def test_a_constant_column_that_moves_either_way_is_drifted(moved_to: float) -> None:
    result = column_drift(
        pd.Series([0.0] * 100, name="k"), pd.Series([moved_to] * 100, name="k"), thresholds=SMALL_SAMPLES
    )
    assert result.wasserstein is None  # reference std is 0: no scale to read the distance in
    assert result.jensen_shannon == pytest.approx(1.0) and result.drifted


def test_mass_leaving_a_heavy_value_shows_in_the_bins() -> None:
    # 70 % zeros: deciles 1-7 are all 0. With a bin {0} of its own, zeros turning into 0.001 are seen.
    rng = np.random.default_rng(6)
    reference = np.where(rng.random(5000) < 0.7, 0.0, rng.exponential(size=5000))
    current = np.where(reference == 0.0, 0.001, reference)
    result = column_drift(pd.Series(reference, name="late_payments"), pd.Series(current, name="late_payments"))
    assert result.exceeded == ("jensen_shannon", "psi")


# ---------------------------------------------------------------------------------------------- properties

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
tied = st.integers(-3, 3).map(float)
samples = st.lists(st.one_of(finite, tied), min_size=1, max_size=60)
category_samples = st.lists(st.sampled_from("abcde"), min_size=1, max_size=60)


@settings(max_examples=80, deadline=None)
@given(x=samples, y=samples, bins=st.integers(2, 12))
def test_numeric_measures_stay_in_range(x: list[float], y: list[float], bins: int) -> None:
    result = column_drift(pd.Series(x, name="x"), pd.Series(y, name="x"), bins=bins)
    assert 0.0 <= result.jensen_shannon <= 1.0
    assert result.psi >= 0.0
    assert 0.0 <= result.ks_statistic <= 1.0
    assert 0.0 <= result.ks_pvalue <= 1.0 if len(x) + len(y) > 2 else result.ks_pvalue is None
    assert result.wasserstein is None or result.wasserstein >= 0.0


@settings(max_examples=60, deadline=None)
@given(x=samples, y=samples)
def test_ks_and_raw_wasserstein_are_symmetric(x: list[float], y: list[float]) -> None:
    forward = column_drift(pd.Series(x, name="x"), pd.Series(y, name="x"))
    backward = column_drift(pd.Series(y, name="x"), pd.Series(x, name="x"))
    assert forward.ks_statistic == pytest.approx(backward.ks_statistic, abs=1e-12)
    if forward.wasserstein is not None and backward.wasserstein is not None:
        raw_forward = forward.wasserstein * np.std(x, ddof=1)
        raw_backward = backward.wasserstein * np.std(y, ddof=1)
        assert raw_forward == pytest.approx(raw_backward, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(x=category_samples, y=category_samples)
def test_categorical_js_psi_chi2_are_symmetric(x: list[str], y: list[str]) -> None:
    # Numeric JS and PSI are not symmetric in general: the bins are the reference's quantiles.
    forward = column_drift(pd.Series(x, name="g"), pd.Series(y, name="g"))
    backward = column_drift(pd.Series(y, name="g"), pd.Series(x, name="g"))
    assert 0.0 <= forward.jensen_shannon <= 1.0
    assert forward.jensen_shannon == pytest.approx(backward.jensen_shannon, abs=1e-12)
    assert forward.psi == pytest.approx(backward.psi, rel=1e-9, abs=1e-12)
    assert forward.chi2_statistic == pytest.approx(backward.chi2_statistic, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(x=samples, y=samples)
def test_measures_are_scale_invariant(x: list[float], y: list[float]) -> None:
    # Scaling by 4 is exact in floating point, so edges and bins move with the data.
    base = column_drift(pd.Series(x, name="x"), pd.Series(y, name="x"))
    scaled = column_drift(pd.Series(x, name="x") * 4, pd.Series(y, name="x") * 4)
    assert (scaled.wasserstein is None) is (base.wasserstein is None)
    for measure in ("jensen_shannon", "psi", "ks_statistic", "wasserstein"):
        if getattr(base, measure) is not None:
            assert getattr(scaled, measure) == pytest.approx(getattr(base, measure), rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(x=samples, y=samples, nulls=st.integers(0, 20))
def test_nulls_change_only_the_null_fraction(x: list[float], y: list[float], nulls: int) -> None:
    base = column_drift(pd.Series(x, name="x"), pd.Series(y, name="x"))
    padded = column_drift(pd.Series(x, name="x"), pd.Series([None] * nulls + y[::-1], dtype=float, name="x"))
    assert padded.null_fraction_current == pytest.approx(nulls / (nulls + len(y)))
    assert_same_measures({**padded.to_dict(), "null_fraction_current": 0.0}, base.to_dict())


# ---------------------------------------------------------------------------------------------- drift_report


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(9)
    n = 3000
    reference = pd.DataFrame(
        {
            "income": rng.lognormal(10, 1, n),
            "age": rng.integers(18, 80, n),
            "region": rng.choice(["north", "south", "east"], n),
            "has_card": rng.random(n) < 0.3,
            "only_in_reference": 1.0,
            "code": rng.integers(0, 4, n),
        }
    )
    current = pd.DataFrame(
        {
            "code": rng.integers(0, 4, n),
            "has_card": rng.random(n) < 0.6,
            "region": rng.choice(["north", "south", "east"], n),
            "age": rng.integers(18, 80, n),
            "income": rng.lognormal(10.5, 1, n),
        }
    )
    return reference, current


def test_report_compares_shared_columns_in_reference_order(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = frames
    report = drift_report(reference, current, categorical=["code"])
    assert [c.column for c in report.columns] == ["income", "age", "region", "has_card", "code"]
    assert [c.kind for c in report.columns] == ["numeric", "numeric", "categorical", "categorical", "categorical"]
    assert {c.column for c in report.drifted} == {"income", "has_card"}
    assert report.column("income").to_dict() == column_drift(reference.income, current.income).to_dict()
    document = json.loads(json.dumps(report.to_dict()))
    assert document["n_columns"] == 5 and document["n_drifted"] == 2


def test_report_threads_change_nothing(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = frames
    serial = drift_report(reference, current, columns=["age", "income", "region"], max_workers=1)
    threaded = drift_report(reference, current, columns=["age", "income", "region"], max_workers=3)
    assert serial == threaded
    assert [c.column for c in serial.columns] == ["age", "income", "region"]


# ---------------------------------------------------------------------------------------------- errors


def test_missing_column_is_named(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = frames
    with pytest.raises(DataError, match=r"column 'only_in_reference': .*got it in reference only instead"):
        drift_report(reference, current, columns=["income", "only_in_reference"])


def test_empty_current_is_named() -> None:
    with pytest.raises(DataError, match=r"^column 'score': current must hold at least one non-null value; got 0 rows"):
        column_drift(pd.Series([1.0, 2.0], name="score"), pd.Series([], dtype=float, name="score"))


def test_all_null_column_is_named() -> None:
    reference = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    current = pd.DataFrame({"a": [1.0, 2.0], "b": [None, None]})
    with pytest.raises(DataError, match=r"^column 'b': current must hold .*; got 2 rows, all null, instead$"):
        drift_report(reference, current)


@pytest.mark.parametrize("declared", [None, "numeric"])
def test_text_in_a_numeric_column_is_named(declared: str | None) -> None:
    reference = pd.Series([1.0, 2.0, 3.0], name="amount")
    current = pd.Series(["4.0", "n/a", "6"], name="amount")
    with pytest.raises(DataError, match=r"^column 'amount': current values must be numbers.*e\.g\. 'n/a'"):
        column_drift(reference, current, kind=declared)  # type: ignore[arg-type]


def test_infinite_values_are_named() -> None:
    with pytest.raises(DataError, match=r"^column 'ratio': reference values must be finite; got 1 infinite value"):
        column_drift(pd.Series([1.0, np.inf], name="ratio"), pd.Series([1.0, 2.0], name="ratio"))


def test_every_bad_column_is_reported_at_once(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = frames
    current = current.assign(income=None, age="old", when=pd.Timestamp("2024-01-01"))
    reference = reference.assign(when=pd.Timestamp("2023-01-01"))
    with pytest.raises(DataError) as caught:
        drift_report(reference, current, columns=["income", "age", "region", "when", "nowhere"])
    message = str(caught.value)
    lines = message.splitlines()[1:]
    assert message.startswith("drift cannot be measured (5 problems):")  # 'when' on both sides
    for column in ("income", "age", "when", "nowhere"):
        assert any(f"column '{column}':" in line for line in lines), column
    assert "region" not in message
    assert all(MESSAGE_FORM.search(line.strip()) for line in lines), lines


def test_duplicated_column_names_are_refused() -> None:
    reference = pd.DataFrame([[1.0, 2.0, 3.0]] * 4, columns=["a", "a", "b"])
    with pytest.raises(DataError, match=r"^reference: column names must be unique; got 'a' more than once instead$"):
        drift_report(reference, reference[["b"]].assign(a=1.0))


def test_a_listed_categorical_column_must_exist(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = frames
    with pytest.raises(DataError, match=r"column 'regoin': a column listed as categorical must be in both frames"):
        drift_report(reference, current, categorical=["regoin"])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: column_drift(s, s, bins=1), "bins must be an integer >= 2; got 1 instead"),
        (lambda s: column_drift(s, s, kind="ordinal"), "kind must be None, 'numeric' or 'categorical'"),
        (lambda s: column_drift(s, s, min_bin_rows=0), "min_bin_rows must be an integer >= 1; got 0 instead"),
        (lambda s: drift_report(s.to_frame(), s.to_frame(), max_workers=0), "max_workers must be None or >= 1"),
    ],
)
def test_bad_arguments_raise_value_error(call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=re.escape(match)):
        call(pd.Series([1.0, 2.0], name="x"))


@pytest.mark.parametrize(
    "reference",
    [
        np.r_[np.full(100, 5.0), np.linspace(6, 10, 900)],  # exactly 1/bins at the start
        np.r_[np.linspace(0, 4, 450), np.full(101, 5.0), np.linspace(6, 10, 449)],  # just over, in the middle
        np.r_[np.full(101, 1e-6), np.linspace(1, 9, 904)],  # zero-inflated, zeros a hair off 0
    ],
)
def test_a_heavy_value_between_quantile_edges_still_gets_a_bin_of_its_own(reference: np.ndarray) -> None:
    values, counts = np.unique(reference, return_counts=True)
    heavy = float(values[np.argmax(counts)])
    edges = _quantile_edges(np.sort(reference), 10)
    assert heavy in edges and np.nextafter(heavy, np.inf) in edges
    np.testing.assert_array_equal(edges, oracle_edges(reference, 10))
    # its mass moving to a neighbouring value inside the same quantile bin is drift
    moved = np.where(reference == heavy, np.nextafter(heavy, np.inf) + 1e-3, reference)
    result = column_drift(pd.Series(reference, name="x"), pd.Series(moved, name="x"), bins=10)
    assert result.jensen_shannon is not None and result.jensen_shannon > 0.2


def test_too_few_rows_get_the_measures_but_no_verdict() -> None:
    rng = np.random.default_rng(3)
    reference = pd.Series(rng.normal(0, 1, 5000), name="x")
    one_row = column_drift(reference, pd.Series([1.5], name="x"))  # was "drifted" on every measure
    assert one_row.jensen_shannon is not None and one_row.jensen_shannon > 0.1
    assert not one_row.judged and not one_row.drifted and one_row.exceeded == ()
    moved = rng.normal(3, 1, 500)
    at_gate = column_drift(reference, pd.Series(moved, name="x"), thresholds=DriftThresholds(min_rows=500))
    assert at_gate.judged and at_gate.drifted  # exactly min_rows non-null rows is enough
    below = column_drift(reference, pd.Series(moved[:499], name="x"), thresholds=DriftThresholds(min_rows=500))
    assert not below.judged and not below.drifted
    with_nulls = pd.Series(np.r_[moved[:400], [np.nan] * 100], name="x")  # 500 rows, 400 non-null
    assert not column_drift(reference, with_nulls, thresholds=DriftThresholds(min_rows=500)).judged


# ---------------------------------------------------------------------------------------------- distributions


def histogram_counts(values: np.ndarray, d: Distribution) -> np.ndarray:
    """numpy's histogram over the distribution's own edges (left-closed bins, as documented)."""
    return np.histogram(values, bins=np.r_[-np.inf, d.edges, np.inf])[0]


def assert_shown_bins_keep_the_rule(d: Distribution, n_reference: int, n_current: int) -> None:
    """Each side of every bin holds no row or at least min_bin_rows; no bin is empty on both sides."""
    for shares, n in ((d.reference_shares, n_reference), (d.current_shares, n_current)):
        rows = np.rint(np.array(shares) * n).astype(int)
        assert rows.sum() == n
        assert all(r == 0 or r >= d.min_bin_rows for r in rows), rows
    assert all(r > 0 or c > 0 for r, c in zip(d.reference_shares, d.current_shares, strict=True))


@pytest.mark.parametrize("case", ["continuous", "rounded ties", "few integers", "zero inflated"])
def test_numeric_distribution_is_numpys_histogram_on_the_measures_bins(case: str) -> None:
    x, y = sample_pair(case, np.random.default_rng(11))
    d = column_drift(pd.Series(x, name="amount"), pd.Series(y, name="amount")).distribution
    assert d is not None and len(d.edges) == len(d.labels) - 1 >= 1
    xv, yv = x[~np.isnan(x)], y[~np.isnan(y)]
    assert set(d.edges) <= set(oracle_edges(xv, 10))  # bins of the measures, merged, never new ones
    np.testing.assert_allclose(d.reference_shares, histogram_counts(xv, d) / xv.size, rtol=0, atol=1e-15)
    np.testing.assert_allclose(d.current_shares, histogram_counts(yv, d) / yv.size, rtol=0, atol=1e-15)
    assert_shown_bins_keep_the_rule(d, xv.size, yv.size)


def test_hand_computed_numeric_bin_too_small_merges_with_its_smaller_neighbour() -> None:
    # reference 0..19, bins=4: edges 4.75, 9.5, 14.25 and 5 reference rows per bin; tonight 12, 2, 12, 12 rows.
    # The second bin holds 2 rows tonight (< 5): its neighbours hold 17 rows each, so it joins the left one.
    reference = pd.Series(np.arange(20.0), name="x")
    current = pd.Series([0.0] * 12 + [7.0] * 2 + [12.0] * 12 + [17.0] * 12, name="x")
    d = column_drift(reference, current, bins=4, min_bin_rows=5).distribution
    assert d is not None
    assert d.edges == (9.5, 14.25)
    assert d.labels == ("under 9.5", "9.5 to 14.2", "14.2 and over")  # three significant digits
    assert d.reference_shares == pytest.approx((10 / 20, 5 / 20, 5 / 20), abs=1e-15)
    assert d.current_shares == pytest.approx((14 / 38, 12 / 38, 12 / 38), abs=1e-15)
    unmerged = column_drift(reference, current, bins=4, min_bin_rows=2).distribution
    assert unmerged is not None and unmerged.edges == (4.75, 9.5, 14.25)
    assert unmerged.current_shares == pytest.approx((12 / 38, 2 / 38, 12 / 38, 12 / 38), abs=1e-15)


def test_heavy_values_read_exactly_and_empty_bins_merged_in_add_no_range() -> None:
    reference = pd.Series(np.r_[np.zeros(500), np.linspace(1, 100, 500)], name="late_fees")  # half zeros
    d = column_drift(reference, reference).distribution
    # the empty bins below 0 and from 0 to the median 0.5 are merged in, and add nothing to the labels
    assert d is not None and d.labels[:2] == ("exactly 0", "0.5 to 20.7")  # 20.7: the 0.6 quantile, 20.72
    assert d.reference_shares[:2] == pytest.approx((0.5, 0.1))
    counts = pd.Series(np.r_[np.full(300, 2.0), np.full(400, 3.0), np.full(300, 4.0)], name="children")
    d = column_drift(counts, counts).distribution
    assert d is not None and d.labels == ("exactly 2", "exactly 3", "exactly 4")
    assert d.reference_shares == pytest.approx((0.3, 0.4, 0.3))


def test_hand_computed_categories_ranked_with_the_small_ones_merged_into_other() -> None:
    # min_bin_rows 5. Ranked by max(r, c): z .5, a .4, b .3, c .3 (ties: reference order), d .06, e .04.
    # e holds 4 reference rows: hidden; "other" = {e} would hold 4, so d, the last shown, joins it: 10 rows.
    reference = pd.Series(list("a" * 40 + "b" * 30 + "c" * 20 + "d" * 6 + "e" * 4), name="g")
    current = pd.Series(list("a" * 10 + "b" * 10 + "c" * 30 + "z" * 50), name="g")
    d = column_drift(reference, current, min_bin_rows=5).distribution
    assert d is not None
    assert d.labels == ("z", "a", "b", "c", "2 other categories") and d.other == 2 and d.edges == ()
    assert d.reference_shares == pytest.approx((0.0, 0.4, 0.3, 0.2, 0.1), abs=1e-15)
    assert d.current_shares == pytest.approx((0.5, 0.1, 0.1, 0.3, 0.0), abs=1e-15)
    assert_shown_bins_keep_the_rule(d, 100, 100)


def test_categories_are_capped_and_the_rest_is_one_bin() -> None:
    names = [f"region_{k:02d}" for k in range(12)]
    reference = pd.Series(np.repeat(names, np.arange(100, 112)), name="region")
    d = column_drift(reference, reference).distribution
    assert d is not None and len(d.labels) == MAX_CATEGORIES + 1 and d.other == 12 - MAX_CATEGORIES
    assert d.labels[0] == "region_11" and d.labels[-1] == "4 other categories"
    assert sum(d.reference_shares) == pytest.approx(1.0)
    assert d.reference_shares[-1] == pytest.approx((100 + 101 + 102 + 103) / reference.size)


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        (np.random.default_rng(1).normal(size=1000), np.random.default_rng(2).normal(size=15)),  # < 2 bins of 10
        (np.array(list("ab" * 500), dtype=object), np.array(list("aab"), dtype=object)),
    ],
    ids=["numeric", "categorical"],
)
def test_too_few_rows_to_show_two_bins_have_no_distribution(reference: np.ndarray, current: np.ndarray) -> None:
    assert column_drift(pd.Series(reference, name="x"), pd.Series(current, name="x")).distribution is None


@settings(max_examples=80, deadline=None)
@given(x=samples, y=samples, bins=st.integers(2, 12), min_bin_rows=st.integers(1, 8))
def test_a_numeric_distribution_keeps_the_rule_and_numpys_counts(
    x: list[float], y: list[float], bins: int, min_bin_rows: int
) -> None:
    d = column_drift(pd.Series(x, name="x"), pd.Series(y, name="x"), bins=bins, min_bin_rows=min_bin_rows).distribution
    if d is None:
        return
    assert list(d.edges) == sorted(set(d.edges)) and len(d.labels) == len(d.edges) + 1
    assert len(set(d.labels)) == len(d.labels)  # no two bins read alike
    np.testing.assert_allclose(d.reference_shares, histogram_counts(np.array(x), d) / len(x), atol=1e-12)
    np.testing.assert_allclose(d.current_shares, histogram_counts(np.array(y), d) / len(y), atol=1e-12)
    assert_shown_bins_keep_the_rule(d, len(x), len(y))


@settings(max_examples=60, deadline=None)
@given(x=category_samples, y=category_samples, min_bin_rows=st.integers(1, 8))
def test_a_categorical_distribution_keeps_the_rule(x: list[str], y: list[str], min_bin_rows: int) -> None:
    d = column_drift(pd.Series(x, name="g"), pd.Series(y, name="g"), min_bin_rows=min_bin_rows).distribution
    if d is None:
        return
    named = d.labels[: len(d.labels) - (d.other > 0)]
    for label, r, c in zip(named, d.reference_shares, d.current_shares, strict=False):
        assert r == pytest.approx(x.count(label) / len(x)) and c == pytest.approx(y.count(label) / len(y))
    assert sum(d.reference_shares) == pytest.approx(1.0) and sum(d.current_shares) == pytest.approx(1.0)
    assert_shown_bins_keep_the_rule(d, len(x), len(y))


def test_a_distribution_reads_back_from_json_and_a_2_1_record_reads_without_one() -> None:
    reference = pd.Series(np.r_[np.zeros(500), np.linspace(1, 100, 500)], name="late_fees")
    record = column_drift(reference, reference[::-1])
    assert record.distribution is not None and record.distribution.edges[0] == np.nextafter(0.0, 1.0)
    assert ColumnDrift.model_validate_json(record.to_json()) == record
    written_by_2_1 = {k: v for k, v in record.to_dict().items() if k != "distribution"}
    assert ColumnDrift.model_validate(written_by_2_1).distribution is None

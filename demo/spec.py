"""The vocabulary of the demo fleet: how a model's population, ground truth, versions and incidents are
declared. ``demo.generate`` turns a ``ModelSpec`` into data and fitted models; ``demo.models`` declares the
fleet's models with it, one module per business unit.

Populations use a Gaussian copula: every column starts as a standard normal draw ``z``, correlated through
shared latent factors (``loadings``) and shifted by earlier categorical columns (``shift_by``), then mapped
through its distribution's quantile function. So "tier_3 candidates have lower GPAs" is one line of data, not
a bespoke function.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

# ---------------------------------------------------------------------------------------------- distributions


def _phi(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF."""
    from scipy.special import ndtr

    return np.asarray(ndtr(z))


@dataclass(frozen=True)
class Normal:
    mean: float
    sd: float

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * z


@dataclass(frozen=True)
class LogNormal:
    """Median and log-scale spread: incomes, amounts, balances."""

    median: float
    sigma: float

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        return self.median * np.exp(self.sigma * z)


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * _phi(z)


@dataclass(frozen=True)
class Beta:
    """A fraction (ratio, utilisation), optionally scaled."""

    a: float
    b: float
    scale: float = 1.0

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        from scipy.stats import beta

        return self.scale * np.asarray(beta.ppf(_phi(z), self.a, self.b))


@dataclass(frozen=True)
class Poisson:
    """Counts: support calls, open credit lines, delinquencies."""

    lam: float

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        from scipy.stats import poisson

        # Quantiles by lookup in the CDF table: scipy's poisson.ppf is ~100x slower on large arrays.
        support = np.arange(int(self.lam + 12 * self.lam**0.5 + 12))
        cdf = poisson.cdf(support, self.lam)
        return np.minimum(np.searchsorted(cdf, _phi(z), side="left"), support[-1]).astype(float)


@dataclass(frozen=True)
class Flag:
    """A 0/1 indicator that is 1 with probability ``p`` (higher ``z`` means 1)."""

    p: float

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        from scipy.special import ndtri

        return (z > ndtri(1.0 - self.p)).astype(float)


Distribution = Normal | LogNormal | Uniform | Beta | Poisson | Flag

Role = Literal["feature", "protected", "client"]


@dataclass(frozen=True)
class Numeric:
    """A numeric column. ``loadings`` correlate it with the model's latent factors (weights of standard
    normals, sum of squares < 1); ``shift_by`` moves it by ``shift`` standard deviations (of ``z``) for rows
    of a category of an earlier column; ``clip``, ``decimals`` and ``integer`` shape the delivered values;
    ``null_fraction`` of the delivered values are missing at random."""

    name: str
    dist: Distribution
    clip: tuple[float, float] | None = None
    decimals: int | None = None
    integer: bool = False
    loadings: Mapping[str, float] = field(default_factory=dict)
    shift_by: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    null_fraction: float = 0.0
    role: Role = "feature"

    def finish(self, values: np.ndarray) -> np.ndarray:
        out = np.asarray(values, dtype=float)
        if self.clip is not None:
            out = np.clip(out, *self.clip)
        if self.integer:
            return np.rint(out).astype(np.int64)
        if self.decimals is not None:
            out = np.round(out, self.decimals)
        return out

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        return self.finish(self.dist.from_normal(z))


@dataclass(frozen=True)
class Categorical:
    """A categorical column with probabilities in the order given; the order is ordinal for ``loadings`` and
    ``shift_by`` (a higher ``z`` picks a later category), e.g. degree levels or university tiers."""

    name: str
    categories: tuple[str, ...]
    probs: tuple[float, ...]
    loadings: Mapping[str, float] = field(default_factory=dict)
    shift_by: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    role: Role = "feature"

    def __post_init__(self) -> None:
        if len(self.categories) != len(self.probs) or not math.isclose(sum(self.probs), 1.0, abs_tol=1e-9):
            raise ValueError(f"{self.name}: probs must match categories and sum to 1; got {self.probs}")

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        edges = np.cumsum(self.probs)[:-1]
        index = np.searchsorted(edges, _phi(z), side="right")
        return np.asarray(self.categories, dtype=object)[index]


Column = Numeric | Categorical


# ---------------------------------------------------------------------------------------------- ground truth


@dataclass(frozen=True)
class Linear:
    """``weight`` per reference standard deviation of ``column`` (of ``log(1 + column)`` when ``log``, for
    skewed amounts in a multiplicative target)."""

    column: str
    weight: float
    log: bool = False


@dataclass(frozen=True)
class Step:
    """``weight`` when ``low <= column < high`` (e.g. transactions at night)."""

    column: str
    low: float
    high: float
    weight: float


@dataclass(frozen=True)
class Level:
    """A weight per category of ``column`` (0 for categories not listed)."""

    column: str
    weights: Mapping[str, float]


Term = Linear | Step | Level


@dataclass(frozen=True)
class BinaryTarget:
    """P(target = 1) = sigmoid(intercept + scale * sum(terms)). The build solves ``scale`` so that the true
    probability ranks the reference population with ROC AUC ``auc``, and ``intercept`` so that the base rate
    is ``base_rate``: the weights are relative."""

    name: str
    terms: tuple[Term, ...]
    base_rate: float
    auc: float


@dataclass(frozen=True)
class RegressionTarget:
    """target = intercept + sum(terms) + noise * N(0, 1), or exp() of that when ``log`` (weights in natural
    units of the target, or of its logarithm)."""

    name: str
    terms: tuple[Term, ...]
    intercept: float
    noise: float
    log: bool = False
    decimals: int = 2
    clip: tuple[float, float] | None = None


Target = BinaryTarget | RegressionTarget


# ---------------------------------------------------------------------------------------------- versions


@dataclass(frozen=True)
class VersionSpec:
    """One registered version: how it was trained and when it started serving.

    ``algorithm``: logistic (binary), ridge or gradient_boosting (regression). ``blind`` lists features that
    were a constant in the training extract (a feature-store back-fill bug): the version is a valid pipeline
    over the same columns that learned nothing from them.
    """

    deployed_on: date
    trained_on: date
    algorithm: Literal["logistic", "ridge", "gradient_boosting"]
    train_rows: int
    regularization: float = 1.0
    blind: tuple[str, ...] = ()
    note: str = ""


# ---------------------------------------------------------------------------------------------- incidents


@dataclass(frozen=True)
class Ramp:
    """A value that is off (None) before ``start``, moves from ``start_value`` to ``end_value`` between
    ``start`` and ``end`` (linear in time, bent by ``power``), and stays at ``end_value`` after ``end``."""

    start: date
    end: date
    start_value: float
    end_value: float
    power: float = 1.0

    def at(self, night: date) -> float | None:
        if night < self.start:
            return None
        span = (self.end - self.start).days
        progress = 1.0 if span <= 0 else min(1.0, (night - self.start).days / span)
        return self.start_value + (self.end_value - self.start_value) * progress**self.power


@dataclass(frozen=True)
class Subpopulation:
    """A share of the night's rows (``share``, a Ramp) comes from a different population: categorical
    values ``set``, numeric values redrawn from ``draw``, or ``shift``-ed / ``scale``-d. ``truth_rate``, when
    given, replaces the true P(target = 1) of those rows (a concept shift: e.g. legitimate transactions that
    merely look like fraud). Applies before the truth: it changes the world, not just the data."""

    share: Ramp
    set: Mapping[str, str | float] = field(default_factory=dict)
    draw: Mapping[str, Distribution] = field(default_factory=dict)
    shift: Mapping[str, float] = field(default_factory=dict)
    scale: Mapping[str, float] = field(default_factory=dict)
    truth_rate: float | None = None
    phase: Literal["population"] = "population"


@dataclass(frozen=True)
class Contraction:
    """The spread of ``columns`` around their reference median shrinks by ``factor`` (a Ramp from 1 down):
    the population moves towards the region where the model is least sure."""

    columns: tuple[str, ...]
    factor: Ramp
    phase: Literal["population"] = "population"


@dataclass(frozen=True)
class UnitChange:
    """From ``start`` to ``end`` (inclusive; None: to the last night), upstream delivers ``column`` multiplied by
    ``factor`` (e.g. income in thousands). Applies after the truth: the world is unchanged, only what the model
    sees is broken."""

    column: str
    factor: float
    start: date
    decimals: int | None = None
    end: date | None = None
    phase: Literal["delivery"] = "delivery"

    def active(self, night: date | None) -> bool:
        return night is not None and self.start <= night and (self.end is None or night <= self.end)


@dataclass(frozen=True)
class FieldOutage:
    """From ``start`` to ``end`` (inclusive), upstream delivers ``column`` empty: every value null (a feed whose
    source for that field was down). Applies after the truth, like ``UnitChange``."""

    column: str
    start: date
    end: date
    phase: Literal["delivery"] = "delivery"

    def active(self, night: date | None) -> bool:
        return night is not None and self.start <= night <= self.end


Hook = Subpopulation | Contraction | UnitChange | FieldOutage


# ---------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    role: str = "owner"


@dataclass(frozen=True)
class ModelSpec:
    """Everything the demo needs to simulate one production model."""

    name: str
    description: str
    business_unit: str
    risk_tier: Literal["low", "medium", "high", "critical"]
    problem_type: Literal["binary_classification", "regression"]
    columns: tuple[Column, ...]
    target: Target
    versions: tuple[VersionSpec, ...]
    latents: tuple[str, ...] = ()
    id_column: str = "record_id"
    id_prefix: str = "R"
    timestamp_column: str = "scored_at"
    hour_column: str | None = None
    prediction_column: str = "prediction"
    score_column: str | None = "score"
    favourable_prediction: int | None = None
    reference_rows: int = 5000
    batch_rows: int = 2000
    label_delay_days: int = 7
    policies: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    hooks: tuple[Hook, ...] = ()
    sla_metric: str | None = None
    sla_value: float | None = None
    max_drop: float | None = None
    judge_intersections: bool | None = None
    """Override of the policies' ``fairness.intersectional`` (which the demo's policies switch off)."""
    feed: str | None = None
    """The upstream feed the model's requests come from (``feed:`` in its config); models naming one feed
    share its failures (``demo.models.feeds``)."""

    @property
    def is_binary(self) -> bool:
        return self.problem_type == "binary_classification"

    def by_role(self, role: Role) -> list[Column]:
        return [c for c in self.columns if c.role == role]

    @property
    def features(self) -> list[str]:
        return [c.name for c in self.by_role("feature")]

    @property
    def categorical_features(self) -> list[str]:
        return [c.name for c in self.by_role("feature") if isinstance(c, Categorical)]

    @property
    def numeric_features(self) -> list[str]:
        return [c.name for c in self.by_role("feature") if isinstance(c, Numeric)]

    @property
    def protected(self) -> list[str]:
        return [c.name for c in self.by_role("protected")]

    @property
    def api_client(self) -> str | None:
        clients = self.by_role("client")
        return clients[0].name if clients else None

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"model {self.name!r} has no column {name!r}")

    def serving_version(self, night: date) -> int:
        """The version number (1-based) planned to serve on ``night``: the latest deployed on or before it (what
        serves when governance changes nothing; ``demo.serving`` applies the deployments night by night)."""
        serving = [i + 1 for i, v in enumerate(self.versions) if v.deployed_on <= night]
        if not serving:
            raise ValueError(f"model {self.name!r}: no version is deployed on {night}")
        return serving[-1]


@dataclass(frozen=True)
class Incident:
    """A problem planted in the demo data, and what a correct pipeline finds.

    ``first_night`` is when the cause starts; ``detect_by`` the night by which a correct pipeline has
    reported at least one finding in each of ``sections`` (names of ``govern.config.Rules`` sections:
    data_quality, drift, performance, fairness, segments; the primary one first); ``last_night`` the last
    night the cause is present (inclusive). ``subjects`` are the columns, groups, metrics or clients concerned.
    ``fault`` is whom the findings of the primary section blame: "data" when the data broke or its population
    moved, "model" when the model is wrong on the data it gets. (A night's overall fault can differ: a
    pipeline that blames the data whenever any finding does will say "data" on nights that also drift.)
    """

    model: str
    kind: str
    first_night: date
    detect_by: date
    last_night: date
    sections: tuple[str, ...]
    subjects: tuple[str, ...]
    fault: Literal["data", "model", "unknown"]
    expected: str


@dataclass(frozen=True)
class FeedIncident:
    """A failure planted in a feed several models read: on ``night`` .. ``last_night`` (inclusive) the feed
    delivers ``column`` broken to every model in ``models``, and each one's batch fails the critical
    ``expectations`` of its suite (ids as the pipeline's findings name them: ``expectation(column)``). A correct
    response opens one data incident naming the feed, with those models' findings under it."""

    feed: str
    kind: str
    night: date
    last_night: date
    models: tuple[str, ...]
    column: str
    expectations: tuple[str, ...]
    expected: str

    @property
    def nights(self) -> tuple[date, ...]:
        days = (self.last_night - self.night).days
        return tuple(date.fromordinal(self.night.toordinal() + i) for i in range(days + 1))

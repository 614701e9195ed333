"""Turn a ``ModelSpec`` into data and fitted models, deterministically.

Every random stream is seeded from ``zlib.crc32`` of the model name and of the stream's purpose (never
Python's ``hash()``, which changes per process), so a model's data does not depend on which other models
are built or in which order.

Per night the order is: draw the population -> apply population hooks (the world changes) -> ground truth
(labels) -> apply delivery hooks and missing values (what upstream sends): the night's requests. The build writes
them; ``demo.serving`` scores them each night with the version the serving alias names (``score``).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from demo.spec import (
    BinaryTarget,
    Categorical,
    Contraction,
    FieldOutage,
    Level,
    Linear,
    ModelSpec,
    Numeric,
    RegressionTarget,
    Step,
    Subpopulation,
    UnitChange,
    VersionSpec,
)

DEMO_NIGHTS: tuple[date, ...] = tuple(date(2026, 10, 1) + timedelta(days=i) for i in range(30))
"""The 30 nights of the demo: 2026-10-01 .. 2026-10-30."""
FIRST_NIGHT, LAST_NIGHT = DEMO_NIGHTS[0], DEMO_NIGHTS[-1]

REFERENCE_START = date(2026, 9, 1)
REFERENCE_DAYS = 20
"""Reference data is timestamped 2026-09-01 .. 2026-09-20, so a daily chunker sees about 20 chunks."""

_TRUTH_RATE = "__truth_rate"  # internal column of the population frame, never written out
_CALIBRATION_ROWS = 20_000


def stream(model: str, purpose: str, index: int = 0) -> np.random.Generator:
    """The random stream for one purpose of one model (e.g. ``stream("churn_retail", "night", 3)``)."""
    return np.random.default_rng([zlib.crc32(model.encode()), zlib.crc32(purpose.encode()), index])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


# ---------------------------------------------------------------------------------------------- population


def lookup(values: Any, table: Mapping[str, float]) -> np.ndarray:
    """``table[value]`` for each value (0 where the value is not in the table), vectorised over categories."""
    codes, categories = pd.factorize(values)
    weights = np.array([float(table.get(str(c), 0.0)) for c in categories] + [0.0])
    return weights[codes]  # code -1 (missing) picks the trailing 0


def draw_population(spec: ModelSpec, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` rows of every column of ``spec`` (true values, no missing values, no hooks)."""
    latents = {name: rng.standard_normal(n) for name in spec.latents}
    out: dict[str, np.ndarray] = {}
    for column in spec.columns:
        load = dict(column.loadings)
        own = max(0.0, 1.0 - sum(w * w for w in load.values())) ** 0.5
        z = own * rng.standard_normal(n)
        for latent, weight in load.items():
            z += weight * latents[latent]
        for other, shifts in column.shift_by.items():
            z += lookup(out[other], shifts)
        out[column.name] = column.from_normal(z)
    frame = pd.DataFrame(out)
    for column in spec.columns:
        if isinstance(column, Categorical):
            frame[column.name] = frame[column.name].astype("str")
    return frame


def _linear_input(frame: pd.DataFrame, term: Linear) -> np.ndarray:
    values = frame[term.column].to_numpy(dtype=float)
    return np.log1p(np.maximum(values, 0.0)) if term.log else values


@dataclass(frozen=True)
class Truth:
    """The ground truth of one model, fixed once from a large calibration draw of its reference population:
    the standardisation of each linear term and, for binary targets, the solved scale and intercept."""

    target: BinaryTarget | RegressionTarget
    means: dict[str, float]
    sds: dict[str, float]
    scale: float
    intercept: float

    def signal(self, frame: pd.DataFrame) -> np.ndarray:
        """Sum of the terms (before scale and intercept)."""
        total = np.zeros(len(frame))
        for term in self.target.terms:
            if isinstance(term, Linear):
                values = _linear_input(frame, term)
                total += term.weight * (values - self.means[term.column]) / self.sds[term.column]
            elif isinstance(term, Step):
                values = frame[term.column].to_numpy(dtype=float)
                total += term.weight * ((values >= term.low) & (values < term.high))
            elif isinstance(term, Level):
                total += lookup(frame[term.column], term.weights)
        return total

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        """P(target = 1) for a binary target."""
        probability = _sigmoid(self.intercept + self.scale * self.signal(frame))
        if _TRUTH_RATE in frame:
            override = frame[_TRUTH_RATE].to_numpy(dtype=float)
            probability = np.where(np.isnan(override), probability, override)
        return probability

    def draw(self, frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """One realisation of the target for each row."""
        target = self.target
        if isinstance(target, BinaryTarget):
            return (rng.random(len(frame)) < self.probability(frame)).astype(np.int64)
        value = target.intercept + self.signal(frame) + target.noise * rng.standard_normal(len(frame))
        if target.log:
            value = np.exp(value)
        if target.clip is not None:
            value = np.clip(value, *target.clip)
        return np.round(value, target.decimals)


def expected_auc(probability: np.ndarray) -> float:
    """ROC AUC that the true probability achieves in expectation over the labels it generates:
    sum_i p_i * sum_{j ranked below i} (1 - p_j) / (sum p * sum (1 - p) - sum p (1 - p))."""
    p = np.sort(probability)
    negative = 1.0 - p
    below = np.cumsum(negative) - negative
    return float(np.sum(p * below) / (p.sum() * negative.sum() - np.sum(p * negative)))


def _solve_intercept(signal: np.ndarray, base_rate: float) -> float:
    low, high = -30.0, 30.0
    for _ in range(45):
        middle = (low + high) / 2
        if _sigmoid(middle + signal).mean() < base_rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def fit_truth(spec: ModelSpec) -> Truth:
    """Fix the ground truth of ``spec`` on a large calibration draw of its reference population."""
    frame = draw_population(spec, _CALIBRATION_ROWS, stream(spec.name, "calibration"))
    means, sds = {}, {}
    for term in spec.target.terms:
        if isinstance(term, Linear):
            values = _linear_input(frame, term)
            means[term.column], sds[term.column] = float(values.mean()), float(values.std()) or 1.0
    target = spec.target
    if isinstance(target, RegressionTarget):
        return Truth(target, means, sds, 1.0, target.intercept)
    unscaled = Truth(target, means, sds, 1.0, 0.0).signal(frame)
    low, high = 0.0, 20.0
    for _ in range(28):
        scale = (low + high) / 2
        intercept = _solve_intercept(scale * unscaled, target.base_rate)
        if expected_auc(_sigmoid(intercept + scale * unscaled)) < target.auc:
            low = scale
        else:
            high = scale
    scale = (low + high) / 2
    return Truth(target, means, sds, scale, _solve_intercept(scale * unscaled, target.base_rate))


# ---------------------------------------------------------------------------------------------- hooks


def apply_population_hooks(
    spec: ModelSpec, frame: pd.DataFrame, night: date, rng: np.random.Generator, medians: dict[str, float]
) -> pd.DataFrame:
    """The world on ``night``: subpopulations arrive, spreads contract. Returns a new frame."""
    frame = frame.copy()
    for hook in spec.hooks:
        if isinstance(hook, Subpopulation):
            share = hook.share.at(night)
            if not share:
                continue
            chosen = np.sort(rng.choice(len(frame), size=round(share * len(frame)), replace=False))
            for name, value in hook.set.items():
                frame.loc[frame.index[chosen], name] = value
            for name, dist in hook.draw.items():
                column = spec.column(name)
                assert isinstance(column, Numeric)
                frame.loc[frame.index[chosen], name] = column.finish(dist.from_normal(rng.standard_normal(len(chosen))))
            for name, delta in hook.shift.items():
                column = spec.column(name)
                assert isinstance(column, Numeric)
                values = frame[name].to_numpy(dtype=float)[chosen] + delta
                frame.loc[frame.index[chosen], name] = column.finish(values)
            for name, multiplier in hook.scale.items():
                column = spec.column(name)
                assert isinstance(column, Numeric)
                values = frame[name].to_numpy(dtype=float)[chosen] * multiplier
                frame.loc[frame.index[chosen], name] = column.finish(values)
            if hook.truth_rate is not None:
                rate = (
                    frame[_TRUTH_RATE].to_numpy(dtype=float, copy=True)
                    if _TRUTH_RATE in frame
                    else np.full(len(frame), np.nan)
                )
                rate[chosen] = hook.truth_rate
                frame[_TRUTH_RATE] = rate
        elif isinstance(hook, Contraction):
            factor = hook.factor.at(night)
            if factor is None:
                continue
            for name in hook.columns:
                column = spec.column(name)
                assert isinstance(column, Numeric)
                centre = medians[name]
                frame[name] = column.finish(centre + (frame[name].to_numpy(dtype=float) - centre) * factor)
    return frame


def deliver(spec: ModelSpec, frame: pd.DataFrame, night: date | None, rng: np.random.Generator) -> pd.DataFrame:
    """What upstream sends: delivery hooks (unit changes, fields delivered empty) and values missing at random."""
    frame = frame.drop(columns=[_TRUTH_RATE], errors="ignore")
    for hook in spec.hooks:
        if isinstance(hook, UnitChange) and hook.active(night):
            values = frame[hook.column].to_numpy(dtype=float) * hook.factor
            frame[hook.column] = values if hook.decimals is None else np.round(values, hook.decimals)
        elif isinstance(hook, FieldOutage) and hook.active(night):
            frame[hook.column] = np.full(len(frame), np.nan)
    for column in spec.columns:
        if isinstance(column, Numeric) and column.null_fraction > 0:
            missing = rng.random(len(frame)) < column.null_fraction
            values = frame[column.name].to_numpy(dtype=float, copy=True)
            values[missing] = np.nan
            frame[column.name] = values
    return frame


# ---------------------------------------------------------------------------------------------- models


def build_pipeline(spec: ModelSpec, version: VersionSpec, seed: int) -> Any:
    """The scikit-learn pipeline of one version: a ColumnTransformer (median imputation and scaling of the
    numeric features, one-hot encoding of the categorical ones) and the estimator."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    transformers: list[tuple[str, Any, list[str]]] = [("numeric", numeric, spec.numeric_features)]
    if spec.categorical_features:
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        transformers.append(("categorical", encoder, spec.categorical_features))
    estimator: Any
    if version.algorithm == "logistic":
        estimator = LogisticRegression(C=version.regularization, max_iter=2000)
    elif version.algorithm == "ridge":
        estimator = Ridge(alpha=version.regularization)
    else:
        estimator = HistGradientBoostingRegressor(
            max_iter=150, learning_rate=0.08, l2_regularization=version.regularization, random_state=seed
        )
    return Pipeline([("features", ColumnTransformer(transformers)), ("model", estimator)])


def train_version(spec: ModelSpec, truth: Truth, number: int) -> Any:
    """Fit version ``number`` (1-based) on its own training extract of the reference population."""
    version = spec.versions[number - 1]
    rng = stream(spec.name, "train", number)
    population = draw_population(spec, version.train_rows, rng)
    target = truth.draw(population, rng)
    features = deliver(spec, population, None, rng)[spec.features]
    for name in version.blind:
        column = spec.column(name)
        fill: Any = column.categories[0] if isinstance(column, Categorical) else float(features[name].median())
        features[name] = fill
    pipeline = build_pipeline(spec, version, seed=zlib.crc32(f"{spec.name}/v{number}".encode()))
    return pipeline.fit(features, target)


def score(spec: ModelSpec, model: Any, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """Prediction (0/1 ints for binary, values for regression) and score (P(class 1), binary only)."""
    # What Pipeline.predict and predict_proba do, with the features transformed once instead of twice.
    transformed = model[:-1].transform(features[spec.features])
    estimator = model[-1]
    if spec.is_binary:
        prediction = np.asarray(estimator.predict(transformed)).astype(np.int64)
        return prediction, np.asarray(estimator.predict_proba(transformed))[:, 1]
    return np.asarray(estimator.predict(transformed), dtype=float), None


# ---------------------------------------------------------------------------------------------- frames


def _timestamps(start: date, days: int, n: int, rng: np.random.Generator, hours: np.ndarray | None) -> np.ndarray:
    """Sorted-able timestamps over ``days`` days from ``start``; within the hour given by ``hours`` if any."""
    day = rng.integers(0, days, n) if days > 1 else np.zeros(n, dtype=np.int64)
    if hours is None:
        seconds = rng.integers(0, 86_400, n)
    else:
        seconds = np.clip(hours.astype(np.int64), 0, 23) * 3600 + rng.integers(0, 3600, n)
    origin = np.datetime64(datetime(start.year, start.month, start.day), "s")
    return origin + (day * 86_400 + seconds).astype("timedelta64[s]")


def batch_size(spec: ModelSpec, night: date) -> int:
    """Nightly volume: the model's base volume, 15 % lower at weekends, +-8 % noise, within 1,500-3,000."""
    rng = stream(spec.name, "volume", night.toordinal())
    weekday = 0.85 if night.weekday() >= 5 else 1.0
    return int(np.clip(round(spec.batch_rows * weekday * rng.uniform(0.92, 1.08)), 1500, 3000))


def _ordered_columns(spec: ModelSpec, extra: list[str]) -> list[str]:
    head = [spec.id_column, spec.timestamp_column, *([spec.api_client] if spec.api_client else [])]
    return [*head, *extra[:1], *spec.features, *spec.protected, *extra[1:]]


def request_columns(spec: ModelSpec) -> list[str]:
    """The columns of a night's requests: id, timestamp, API client, features, protected attributes."""
    return _ordered_columns(spec, [])


def batch_columns(spec: ModelSpec) -> list[str]:
    """The columns of a night's inference log: the request's, with the model version after the head and the
    prediction and score at the end."""
    return _ordered_columns(
        spec, ["model_version", spec.prediction_column, *([spec.score_column] if spec.score_column else [])]
    )


def scored_batch(spec: ModelSpec, requests: pd.DataFrame, version: str, model: Any) -> pd.DataFrame:
    """The inference log of ``requests`` served by ``model`` (registered as ``version``): the requests with
    ``model_version``, the prediction and (binary models) the score."""
    prediction, probability = score(spec, model, requests)
    batch = requests.reset_index(drop=True)
    batch["model_version"] = pd.Series(np.full(len(batch), str(version), dtype=object)).astype("str")
    batch[spec.prediction_column] = prediction
    if spec.score_column:
        batch[spec.score_column] = probability
    return batch[batch_columns(spec)]


@dataclass
class GeneratedModel:
    """The demo data and models of one spec: frames ready to write, fitted versions, reference metrics."""

    spec: ModelSpec
    truth: Truth
    models: list[Any]
    reference: pd.DataFrame
    requests: dict[date, pd.DataFrame]
    """Per night: what upstream sends to be scored (``request_columns``), no model output."""
    labels: dict[date, pd.DataFrame]
    reference_metric: dict[int, float]
    """Per version: ROC AUC (binary) or MAE (regression) on the reference set."""


def _metric(spec: ModelSpec, target: np.ndarray, prediction: np.ndarray, score_: np.ndarray | None) -> float:
    from sklearn.metrics import mean_absolute_error, roc_auc_score

    if spec.is_binary:
        return float(roc_auc_score(target, score_))
    return float(mean_absolute_error(target, prediction))


def generate_model(spec: ModelSpec) -> GeneratedModel:
    """Data and fitted versions of one model (no I/O).

    Runs scikit-learn single-threaded: on a small machine OpenMP's thread pool made gradient boosting 10-20x
    slower (8 s instead of 0.4 s for one fit on 2 busy cores), and the build parallelises over models instead.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _generate_model(spec)


def _generate_model(spec: ModelSpec) -> GeneratedModel:
    truth = fit_truth(spec)
    models = [train_version(spec, truth, number) for number in range(1, len(spec.versions) + 1)]

    rng = stream(spec.name, "reference")
    population = draw_population(spec, spec.reference_rows, rng)
    medians = {c.name: float(population[c.name].median()) for c in spec.columns if isinstance(c, Numeric)}
    target = truth.draw(population, rng)
    delivered = deliver(spec, population, None, rng)
    hours = delivered[spec.hour_column].to_numpy() if spec.hour_column else None
    delivered.insert(0, spec.timestamp_column, _timestamps(REFERENCE_START, REFERENCE_DAYS, len(delivered), rng, hours))
    delivered[spec.target.name] = target
    reference = delivered.sort_values(spec.timestamp_column, kind="stable").reset_index(drop=True)
    reference.insert(0, spec.id_column, [f"{spec.id_prefix}-REF-{i:06d}" for i in range(1, len(reference) + 1)])
    reference[spec.id_column] = reference[spec.id_column].astype("str")
    reference = reference[[*_ordered_columns(spec, []), spec.target.name]]

    reference_metric = {}
    for number, model in enumerate(models, start=1):
        prediction, probability = score(spec, model, reference)
        reference_metric[number] = _metric(spec, reference[spec.target.name].to_numpy(), prediction, probability)

    requests: dict[date, pd.DataFrame] = {}
    labels: dict[date, pd.DataFrame] = {}
    for index, night in enumerate(DEMO_NIGHTS):
        rng = stream(spec.name, "night", index)
        population = draw_population(spec, batch_size(spec, night), rng)
        population = apply_population_hooks(spec, population, night, rng, medians)
        target = truth.draw(population, rng)
        delivered = deliver(spec, population, night, rng)
        hours = delivered[spec.hour_column].to_numpy() if spec.hour_column else None
        delivered.insert(0, spec.timestamp_column, _timestamps(night, 1, len(delivered), rng, hours))
        delivered["__target"] = target
        delivered = delivered.sort_values(spec.timestamp_column, kind="stable").reset_index(drop=True)
        stamp = night.strftime("%Y%m%d")
        delivered.insert(0, spec.id_column, [f"{spec.id_prefix}-{stamp}-{i:05d}" for i in range(1, len(delivered) + 1)])
        delivered[spec.id_column] = delivered[spec.id_column].astype("str")
        requests[night] = delivered[request_columns(spec)]
        labels[night] = pd.DataFrame(
            {
                spec.id_column: delivered[spec.id_column].to_numpy(),
                spec.target.name: delivered["__target"].to_numpy(),
            }
        ).astype({spec.id_column: "str"})
    return GeneratedModel(spec, truth, models, reference, requests, labels, reference_metric)

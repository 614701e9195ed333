"""How much the drift and segment measures move when nothing changed: the noise floor the demo's policy
thresholds are set above.

Healthy models draw every night from their reference population, so every figure measured on them is pure
sampling noise at the demo's batch sizes (1,500-3,000 rows against 4,000-6,000 reference rows). The build
measures it on every column of every healthy model on every night, with the pipeline's own measures
(``govern.drift.column_drift``: Jensen-Shannon distance and PSI on reference deciles or categories), and sets
each threshold at twice the 99.9th percentile (rounded up), writing the measurements into the policy file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

NOISE_MARGIN = 2.0
NOISE_QUANTILE = 0.999
SEGMENT_MIN_ROWS = 100
"""Clients with fewer rows tonight get no verdict (the drift policy's ``segments.min_rows``)."""


def drift_measures(reference: pd.Series, current: pd.Series, *, categorical: bool) -> tuple[float, float]:
    """(Jensen-Shannon distance, PSI) of ``current`` against ``reference``, as the pipeline measures them."""
    from govern.drift import column_drift  # scipy: loaded only when a build measures noise

    drift = column_drift(reference, current, kind="categorical" if categorical else "numeric")
    assert drift.jensen_shannon is not None and drift.psi is not None
    return drift.jensen_shannon, drift.psi


@dataclass(frozen=True)
class NoiseSummary:
    """Distribution of one measure over every (model, column, night) of the healthy models."""

    measure: str
    count: int
    median: float
    p99: float
    p999: float
    maximum: float

    @classmethod
    def of(cls, measure: str, values: list[float]) -> NoiseSummary:
        array = np.asarray(values, dtype=float)
        return cls(
            measure,
            len(array),
            float(np.median(array)),
            float(np.quantile(array, 0.99)),
            float(np.quantile(array, NOISE_QUANTILE)),
            float(array.max()),
        )

    def threshold(self, step: float = 0.01, *, offset: float = 0.0) -> float:
        """NOISE_MARGIN x the 99.9th percentile (of the excess over ``offset``), rounded up to ``step``."""
        raw = offset + NOISE_MARGIN * (self.p999 - offset)
        return round(math.ceil(raw / step - 1e-9) * step, 6)

    def comment(self, unit: str = "column-nights") -> str:
        return (
            f"noise over {self.count:,} healthy {unit}: median {self.median:.3f}, "
            f"p99 {self.p99:.3f}, p99.9 {self.p999:.3f}, max {self.maximum:.3f}"
        )


def segment_noise(
    reference_clients: pd.Series,
    reference_positive_rate: float,
    batch: pd.DataFrame,
    *,
    client: str,
    prediction: str,
    positive: int | str,
    min_rows: int,
) -> tuple[list[float], list[float]]:
    """Per API client with at least ``min_rows`` rows tonight, as ``govern.segments`` and the policy judge
    them: the rise of its share of rows over its reference share, and its positive-prediction rate divided by
    the reference's overall positive rate (the reference scored by the serving version)."""
    reference_share = reference_clients.value_counts(normalize=True)
    counts = batch[client].value_counts()
    share = counts / len(batch)
    rates = (batch[prediction] == positive).groupby(batch[client]).mean()
    large = counts[counts >= min_rows].index
    increases = [float(share[c] - reference_share.get(c, 0.0)) for c in large]
    ratios = [float(rates[c] / reference_positive_rate) for c in large if reference_positive_rate > 0]
    return increases, ratios

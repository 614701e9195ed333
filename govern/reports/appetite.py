"""The board's risk appetite: how much of each kind of model risk a month may carry, per risk tier, before the
board summary calls a model "near" or "above" appetite. One file, ``<policies_dir>/risk_appetite.yaml`` (the
fleet's ``risk_appetite`` names it); every key has a default here, so a fleet without the file gets the
documented defaults (the committed file writes them all out, and a test keeps the two equal).

A model's month is measured on five dimensions. Four count the **nights of the month with at least one finding**
of their kind (performance, fairness, drift, data quality); the fifth, **operations**, is how the monitoring and
the response themselves held up, the worse of two counts: the nights the model was not monitored (the fleet was
not governed, a stage could not run, its batch was refused or did not arrive) and the **response failures**, the
incidents touching the model that missed a deadline of the response policy (not acknowledged within its window,
or not contained by its recovery target). How serious the incidents were is not counted again here: their
findings already count on their own dimension. For a count, up to ``within`` is within appetite, up to ``near``
is near it, more is above it.

``detection`` sets how fast a problem seen in the data must be raised: when the month's median time to detect
such problems is above ``data_hours``, the board summary flags it (problems seen only in outcomes, such as
repayments, wait for the outcomes and are shown apart).
"""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from govern.config import Name, RiskTier, _Strict


class Verdict(enum.StrEnum):
    """Where a measure stands against the appetite."""

    WITHIN = "within"
    NEAR = "near"
    ABOVE = "above"

    @property
    def rank(self) -> int:
        return list(Verdict).index(self)

    @staticmethod
    def worst(*verdicts: Verdict) -> Verdict:
        return max(verdicts, key=lambda v: v.rank)


Nights = Annotated[int, Field(ge=0, le=31)]


class NightLimits(_Strict):
    """Nights a month may count within appetite (``within``) and near it (``near``); more is above."""

    within: Nights
    near: Nights

    @model_validator(mode="after")
    def _ordered(self) -> NightLimits:
        if self.near < self.within:
            raise ValueError(f"near must be at least within ({self.within}); got {self.near} instead")
        return self

    def verdict(self, nights: int) -> Verdict:
        if nights <= self.within:
            return Verdict.WITHIN
        return Verdict.NEAR if nights <= self.near else Verdict.ABOVE


class PerTier(_Strict):
    low: NightLimits
    medium: NightLimits
    high: NightLimits
    critical: NightLimits

    def of(self, tier: str | None) -> NightLimits:
        """The tier's limits; a model of no known tier is judged as high risk (the cautious side)."""
        known = tier if tier in RiskTier._value2member_map_ else RiskTier.HIGH.value
        limits: NightLimits = getattr(self, str(known))
        return limits


def _nights(low: tuple[int, int], medium: tuple[int, int], high: tuple[int, int], critical: tuple[int, int]) -> PerTier:
    return PerTier(
        low=NightLimits(within=low[0], near=low[1]),
        medium=NightLimits(within=medium[0], near=medium[1]),
        high=NightLimits(within=high[0], near=high[1]),
        critical=NightLimits(within=critical[0], near=critical[1]),
    )


class Operations(_Strict):
    """Nights not monitored, and incidents whose response missed a deadline (each judged on its own count)."""

    unmonitored_nights: PerTier = _nights((3, 7), (2, 5), (1, 3), (0, 2))
    response_failures: PerTier = _nights((2, 5), (1, 3), (0, 2), (0, 1))


class Detection(_Strict):
    """How fast problems seen in the data must be raised."""

    data_hours: float = Field(24.0, gt=0, le=24 * 31)
    """Hours from the close of a night to its problems being raised (the month's median) above which the board
    is alerted."""


DIMENSIONS = ("performance", "fairness", "drift", "data_quality", "operations")
"""The heatmap's columns, in order."""


class RiskAppetite(_Strict):
    """``configs/policies/risk_appetite.yaml``."""

    name: Name = "risk_appetite"
    kind: Literal["risk_appetite"] = "risk_appetite"
    description: str = ""
    performance: PerTier = _nights((3, 7), (1, 4), (0, 2), (0, 1))
    fairness: PerTier = _nights((2, 5), (0, 2), (0, 1), (0, 0))
    drift: PerTier = _nights((10, 20), (5, 15), (3, 10), (2, 7))
    data_quality: PerTier = _nights((3, 7), (1, 4), (0, 2), (0, 1))
    operations: Operations = Operations()
    detection: Detection = Detection()

    def nights(self, dimension: str) -> PerTier:
        """The night limits of one of the four counted dimensions."""
        if dimension not in ("performance", "fairness", "drift", "data_quality"):
            raise ValueError(
                f"dimension must be one of performance, fairness, drift, data_quality; got {dimension!r} instead"
            )
        limits: PerTier = getattr(self, dimension)
        return limits

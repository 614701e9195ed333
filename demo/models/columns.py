"""Shorthands for declaring a model's columns, and the protected attributes several business units share."""

from __future__ import annotations

from collections.abc import Mapping

from demo.spec import Categorical, Distribution, Flag, Numeric, Role


def num(
    name: str,
    dist: Distribution,
    *,
    clip: tuple[float, float] | None = None,
    decimals: int | None = None,
    integer: bool = False,
    load: Mapping[str, float] | None = None,
    shift: Mapping[str, Mapping[str, float]] | None = None,
    nulls: float = 0.0,
    role: Role = "feature",
) -> Numeric:
    """A numeric column: ``load`` are its latent loadings, ``shift`` its shifts by category, ``nulls`` the
    fraction delivered missing (see ``Numeric``)."""
    return Numeric(name, dist, clip, decimals, integer, dict(load or {}), dict(shift or {}), nulls, role)


def cat(
    name: str,
    probs: Mapping[str, float],
    *,
    load: Mapping[str, float] | None = None,
    shift: Mapping[str, Mapping[str, float]] | None = None,
    role: Role = "feature",
) -> Categorical:
    """A categorical column with ``probs`` per category, in ordinal order (see ``Categorical``)."""
    return Categorical(name, tuple(probs), tuple(probs.values()), dict(load or {}), dict(shift or {}), role)


def flag(name: str, p: float) -> Numeric:
    """A 0/1 column that is 1 with probability ``p``."""
    return num(name, Flag(p), integer=True)


GENDER = cat("gender", {"female": 0.49, "male": 0.49, "non_binary": 0.02}, role="protected")
RACE = cat("race", {"group_a": 0.46, "group_b": 0.2, "group_c": 0.2, "group_d": 0.14}, role="protected")
AGE_BAND = cat("age_band", {"18-29": 0.22, "30-44": 0.34, "45-59": 0.28, "60+": 0.16}, role="protected")
AGE_BAND_EU = cat("age_band", {"under_30": 0.3, "30_to_49": 0.4, "50_plus": 0.3}, role="protected")
# Employment law protects older workers (in the US the ADEA, from age 40); two broad bands also keep both
# groups large enough for the label-based EU metrics to be judged without noise alarms.
AGE_40 = cat("age_band", {"under_40": 0.58, "40_plus": 0.42}, role="protected")

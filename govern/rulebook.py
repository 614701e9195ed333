"""The rulebook: every threshold and every check, declared once.

A **threshold** is one configurable limit (``fairness.min_impact_ratio``). Its entry says which way it cuts
(``floor``: the measure must not fall below it; ``ceiling``: must not rise above it; ``gate``: the least
evidence, a count, for a verdict at all; ``switch`` and ``choice`` for the two settings that are not limits), its
unit and valid range, its default (``None``: off unless a policy or the model sets it), the measure it judges,
whose fault a breach is, and what a breach means. Policy merging (``govern.config.effective_rules``),
judgement (``govern.policy``), the drift verdict of a column (``govern.drift``) and the CLI's range checks all
read it; nothing is inferred from a name.

The boundary is the same everywhere: **a value exactly at the limit passes** (the four-fifths rule is broken
below 0.8, not at 0.8), and a gate is met at its value (a group of exactly ``min_group_size`` rows is judged).

A **check** is what a finding is keyed on (``finding.check``): a stable id that incidents, reports and
notifications use. Performance checks carry the SLA metric in their id (``performance.estimated_roc_auc``), so
that a model's estimated and realized breaches of different metrics stay apart; every other id is fixed.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["floor", "ceiling", "gate", "switch", "choice", "list"]
Fault = Literal["data", "model", "unknown"]


class Severity(enum.StrEnum):
    """How urgent a finding is, from least to most; ``rank`` gives the order."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


#: The four-fifths rule's limit on the impact ratio: what ``govern audit fairness`` judges by when not told.
FOUR_FIFTHS = 0.8


@dataclass(frozen=True)
class Bounds:
    """A valid range for a threshold's value; ``low_open`` / ``high_open`` exclude the end itself."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        low = "-inf" if self.low == -math.inf else f"{self.low:g}"
        high = "inf" if self.high == math.inf else f"{self.high:g}"
        return f"{'(' if self.low_open else '['}{low}, {high}{')' if self.high_open or self.high == math.inf else ']'}"


UNIT = Bounds(0.0, 1.0)
POSITIVE = Bounds(0.0, low_open=True)
NON_NEGATIVE = Bounds(0.0)
POSITIVE_FRACTION = Bounds(0.0, 1.0, low_open=True)
COUNT = Bounds(1.0)


@dataclass(frozen=True)
class ThresholdSpec:
    """One threshold of the rulebook (see the module docstring)."""

    section: str
    name: str
    kind: Kind
    unit: str
    bounds: Bounds | None
    default: float | int | bool | str | tuple[str, ...] | None
    measure: str
    fault: Fault | None
    meaning: str

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"

    def breached(self, measured: float | None, limit: float | None) -> bool:
        """True when ``measured`` breaks ``limit`` (at the limit passes); None on either side judges nothing."""
        if measured is None or limit is None or (isinstance(measured, float) and math.isnan(measured)):
            return False
        if self.kind == "floor":
            return measured < limit
        if self.kind == "ceiling":
            return measured > limit
        raise ValueError(f"{self.key} is a {self.kind}, not a limit a measure can breach")

    def gate_met(self, count: float, gate: float) -> bool:
        """True when ``count`` is enough evidence for a verdict (at the gate is enough)."""
        if self.kind != "gate":
            raise ValueError(f"{self.key} is a {self.kind}, not a gate")
        return count >= gate

    def stricter(self, old: Any, new: Any) -> Any:
        """The stricter of two policies' values: the higher floor, the lower ceiling, the lower gate (more
        is judged), a switch on if either is on. A ``choice`` has no stricter value (policies must agree)."""
        if self.kind == "floor":
            return max(old, new)
        if self.kind in ("ceiling", "gate"):
            return min(old, new)
        if self.kind == "switch":
            return bool(old) or bool(new)
        if self.kind == "list":  # more is monitored: the union, sorted (the order of the policies must not matter)
            return tuple(sorted({*old, *new}))
        raise ValueError(f"{self.key} is a choice: two policies that set it differently must be reconciled")

    def check_value(self, value: Any) -> None:
        """Raise ValueError (in the project's message form) for a value of the wrong kind or outside the valid
        range; an infinite or NaN limit is refused too (it would switch the threshold off while it looks set)."""
        if self.kind == "switch":
            if not isinstance(value, bool):
                raise ValueError(f"{self.name} must be true or false; got {value!r} instead")
            return
        if self.kind == "choice":
            return
        if self.kind == "list":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{self.name} must be a list of {self.unit}; got {value!r} instead")
            return
        if isinstance(value, (bool, str)) or not isinstance(value, (int, float)):
            where = f" in {self.bounds}" if self.bounds is not None else ""
            raise ValueError(f"{self.name} must be a number{where} ({self.unit}); got {value!r} instead")
        if not math.isfinite(value) or (self.bounds is not None and not self.bounds.contains(float(value))):
            where = f" in {self.bounds}" if self.bounds is not None else ""
            raise ValueError(f"{self.name} must be a finite number{where} ({self.unit}); got {value!r} instead")
        if self.kind == "gate" and not float(value).is_integer():
            raise ValueError(f"{self.name} must be a whole number of {self.unit}; got {value!r} instead")


def _t(
    section: str,
    name: str,
    kind: Kind,
    unit: str,
    bounds: Bounds | None,
    measure: str,
    meaning: str,
    *,
    default: float | int | bool | str | tuple[str, ...] | None = None,
    fault: Fault | None = None,
) -> ThresholdSpec:
    return ThresholdSpec(section, name, kind, unit, bounds, default, measure, fault, meaning)


THRESHOLDS: tuple[ThresholdSpec, ...] = (
    # ------------------------------------------------------------------ performance
    _t("performance", "metric", "choice", "metric name", None, "the SLA metric",
       "which metric the SLA bounds and the drop limit apply to (govern.metrics lists them per problem type)"),
    _t("performance", "report", "list", "metric names", None, "which metrics the result reports",
       "metrics reported besides the SLA metric (merged: every metric any policy asks for)"),
    _t("performance", "min_rows", "gate", "rows", COUNT, "the rows of tonight's batch (and of the labelled batch)",
       "a smaller batch gets no estimated (or realized) performance: reported as not judged", default=100),
    _t("performance", "minimum", "floor", "the metric's unit", None,
       "estimated and realized SLA metric (higher is better)",
       "the SLA: the metric must not fall below it", fault="model"),
    _t("performance", "maximum", "ceiling", "the metric's unit", None,
       "estimated and realized SLA metric (lower is better)",
       "the SLA: the error metric must not rise above it", fault="model"),
    _t("performance", "max_drop", "ceiling", "metric points; relative rise for error metrics", NON_NEGATIVE,
       "fall of the SLA metric below its reference value (error metrics: relative rise)",
       "the largest tolerated fall below the reference (0.1 = 10 % more error for error metrics)", fault="model"),
    _t("performance", "max_version_regression", "ceiling",
       "ROC AUC points (classifiers); relative rise of the SLA metric (regressors)", NON_NEGATIVE,
       "serving version vs the version before it, on the same labelled reference set",
       "how much worse a new version may score than the one it replaced", fault="model"),
    # ------------------------------------------------------------------ drift
    _t("drift", "max_jensen_shannon", "ceiling", "Jensen-Shannon distance, base 2", POSITIVE_FRACTION,
       "a feature's distribution, tonight vs reference", "a feature drifted", default=0.1, fault="data"),
    _t("drift", "max_psi", "ceiling", "population stability index", POSITIVE,
       "a feature's distribution, tonight vs reference", "a feature drifted", default=0.2, fault="data"),
    _t("drift", "max_wasserstein", "ceiling", "Wasserstein-1 distance / reference standard deviation", POSITIVE,
       "a numeric feature's distribution, tonight vs reference", "a feature drifted", fault="data"),
    _t("drift", "max_prediction_jensen_shannon", "ceiling", "Jensen-Shannon distance, base 2", POSITIVE_FRACTION,
       "the prediction's and score's distribution, tonight vs reference", "the model's output moved",
       fault="unknown"),
    _t("drift", "max_reconstruction_error_increase", "ceiling", "relative rise", POSITIVE,
       "NannyML's data reconstruction error (multivariate drift) over the reference's",
       "the joint distribution of the features moved", fault="data"),
    _t("drift", "min_features_drifted_for_finding", "gate", "features", COUNT,
       "the number of drifted features", "fewer drifted features than this raise no drift finding", default=1),
    # Jensen-Shannon distance on deciles between two samples of one distribution is about sqrt(9 / (8 n ln 2)):
    # 0.13 at 100 rows, 0.057 at 500, so below a few hundred rows noise alone crosses the default limit 0.1.
    _t("drift", "min_rows", "gate", "rows", COUNT, "tonight's non-null rows of a column",
       "a column with fewer rows tonight gets no drift verdict (reported as not judged)", default=500),
    # ------------------------------------------------------------------ fairness
    _t("fairness", "min_impact_ratio", "floor", "ratio of selection rates", POSITIVE_FRACTION,
       "least favoured group's selection rate / most favoured group's",
       "adverse impact: the four-fifths rule at 0.8", fault="model"),
    _t("fairness", "max_demographic_parity_difference", "ceiling", "difference of rates", POSITIVE_FRACTION,
       "max - min selection rate across groups", "selection rates differ too much", fault="model"),
    _t("fairness", "max_equal_opportunity_difference", "ceiling", "difference of rates", POSITIVE_FRACTION,
       "max - min true positive rate across groups (labelled batch)",
       "qualified members of some group are accepted less often", fault="model"),
    _t("fairness", "max_equalized_odds_difference", "ceiling", "difference of rates", POSITIVE_FRACTION,
       "max of the TPR and FPR differences across groups (labelled batch)",
       "error rates differ across groups", fault="model"),
    _t("fairness", "max_fpr_difference", "ceiling", "difference of rates", POSITIVE_FRACTION,
       "max - min false positive rate across groups (labelled batch)",
       "false alarms fall unevenly on groups", fault="model"),
    _t("fairness", "max_fnr_difference", "ceiling", "difference of rates", POSITIVE_FRACTION,
       "max - min false negative rate across groups (labelled batch)",
       "misses fall unevenly on groups", fault="model"),
    _t("fairness", "min_group_size", "gate", "rows", COUNT, "a group's rows",
       "smaller groups are reported but get no verdict", default=30),
    _t("fairness", "intersectional", "switch", "on/off", None, "intersections of protected attributes",
       "judge intersections (gender x race) too, not only single attributes", default=True),
    # ------------------------------------------------------------------ data quality
    _t("data_quality", "max_unexpected_fraction", "ceiling", "fraction of rows", UNIT,
       "share of rows a non-critical expectation found unexpected",
       "non-critical failures up to this share of rows are tolerated (critical ones never are)", fault="data"),
    _t("data_quality", "max_null_fraction_increase", "ceiling", "fraction of rows", POSITIVE_FRACTION,
       "rise of a feature's share of nulls, tonight vs reference (0.25 = 25 points more)",
       "a feature lost values: a feed or join is breaking", default=0.1, fault="data"),
    # ------------------------------------------------------------------ segments
    _t("segments", "max_share_increase", "ceiling", "fraction of rows", POSITIVE_FRACTION,
       "rise of an API client's share of rows over the reference", "a client's traffic surged", fault="data"),
    _t("segments", "max_positive_rate_ratio", "ceiling", "ratio of rates", Bounds(1.0),
       "an API client's positive-prediction rate / the reference's overall rate",
       "a client's traffic is predicted positive far more often", fault="data"),
    _t("segments", "min_rows", "gate", "rows", COUNT, "an API client's rows tonight",
       "smaller clients are reported but get no verdict", default=50),
)  # fmt: skip

#: (section, name) -> spec.
CATALOGUE: dict[tuple[str, str], ThresholdSpec] = {(t.section, t.name): t for t in THRESHOLDS}

#: Each section's default severity, for findings of a section no policy gave a severity.
SECTION_SEVERITY: dict[str, Severity] = {
    "performance": Severity.HIGH,
    "drift": Severity.MEDIUM,
    "fairness": Severity.HIGH,
    "data_quality": Severity.HIGH,
    "segments": Severity.MEDIUM,
}

SECTIONS: tuple[str, ...] = tuple(SECTION_SEVERITY)


def spec(section: str, name: str) -> ThresholdSpec:
    """The catalogue entry; a KeyError names the accepted thresholds of the section."""
    try:
        return CATALOGUE[(section, name)]
    except KeyError:
        if section not in SECTION_SEVERITY:
            known = f"the sections are {', '.join(SECTION_SEVERITY)}"
        else:
            known = f"{section} has {', '.join(t.name for t in in_section(section))}"
        raise KeyError(f"{section}.{name} must be a threshold of the rulebook; {known}") from None


def in_section(section: str) -> tuple[ThresholdSpec, ...]:
    return tuple(t for t in THRESHOLDS if t.section == section)


# ---------------------------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class CheckSpec:
    """A check a finding can carry. ``thresholds`` are the ones that can fire it; ``subject`` what the
    finding's ``subject`` names."""

    id: str
    section: str
    thresholds: tuple[str, ...]
    subject: str
    fault: str
    description: str


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("data_quality.critical_expectation", "data_quality", (), "expectation(column)", "data",
              "a Great Expectations expectation marked critical failed: the night's batch is bad data"),
    CheckSpec("data_quality.expectation", "data_quality", ("max_unexpected_fraction",), "expectation(column)",
              "data", "a non-critical expectation failed on more rows than tolerated (severity low)"),
    CheckSpec("data_quality.batch_missing", "data_quality", (), "batch", "data",
              "tonight's batch did not arrive: the feed is late or stopped (labels that arrived are still judged)"),
    CheckSpec("data_quality.null_fraction", "data_quality", ("max_null_fraction_increase",), "feature", "data",
              "a feature's share of nulls rose over the reference's"),
    CheckSpec("performance.estimated_<metric>", "performance", ("minimum", "maximum"), "metric", "model",
              "NannyML's estimate (CBPE/DLE, no labels) of tonight's batch breaks the SLA"),
    CheckSpec("performance.realized_<metric>", "performance", ("minimum", "maximum"), "metric", "model",
              "the realized metric of the batch whose labels arrived breaks the SLA"),
    CheckSpec("performance.estimated_<metric>_drop", "performance", ("max_drop",), "metric", "model",
              "the estimate fell too far below the reference value"),
    CheckSpec("performance.realized_<metric>_drop", "performance", ("max_drop",), "metric", "model",
              "the realized metric fell too far below the reference value"),
    CheckSpec("performance.version_regression", "performance", ("max_version_regression",),
              "version N vs M", "model", "the serving version scores worse than the one before it"),
    CheckSpec("drift.feature", "drift", ("max_jensen_shannon", "max_psi", "max_wasserstein"), "feature", "data",
              "a feature's distribution moved (one finding per feature: the first measure over its limit)"),
    CheckSpec("drift.prediction", "drift", ("max_prediction_jensen_shannon",), "prediction or score column",
              "unknown", "the model's output distribution moved"),
    CheckSpec("drift.multivariate", "drift", ("max_reconstruction_error_increase",), "reconstruction_error",
              "data", "the joint distribution of the features moved (NannyML data reconstruction)"),
    CheckSpec("fairness.impact_ratio", "fairness", ("min_impact_ratio",), "attribute", "model",
              "adverse impact on tonight's decisions (four-fifths rule)"),
    CheckSpec("fairness.demographic_parity_difference", "fairness", ("max_demographic_parity_difference",),
              "attribute", "model", "selection rates differ across groups"),
    CheckSpec("fairness.equal_opportunity_difference", "fairness", ("max_equal_opportunity_difference",),
              "attribute", "model", "true positive rates differ across groups (labelled batch)"),
    CheckSpec("fairness.equalized_odds_difference", "fairness", ("max_equalized_odds_difference",),
              "attribute", "model", "TPR or FPR differ across groups (labelled batch)"),
    CheckSpec("fairness.fpr_difference", "fairness", ("max_fpr_difference",), "attribute", "model",
              "false positive rates differ across groups (labelled batch)"),
    CheckSpec("fairness.fnr_difference", "fairness", ("max_fnr_difference",), "attribute", "model",
              "false negative rates differ across groups (labelled batch)"),
    CheckSpec("segments.share_increase", "segments", ("max_share_increase",), "API client", "data",
              "an API client's share of tonight's traffic rose"),
    CheckSpec("segments.positive_rate_ratio", "segments", ("max_positive_rate_ratio",), "API client", "data",
              "an API client's traffic is predicted positive far more often than the reference"),
)  # fmt: skip


def check_fired_by(section: str, threshold: str) -> str:
    """The one check id a threshold fires (for thresholds that fire exactly one fixed check)."""
    found = [c.id for c in CHECKS if c.section == section and threshold in c.thresholds and "<metric>" not in c.id]
    if len(found) != 1:
        raise KeyError(f"{section}.{threshold} must fire exactly one fixed check; it fires {found or 'none'}")
    return found[0]


def performance_check(kind: str, metric: str, *, drop: bool = False) -> str:
    """The check id of an SLA (or drop) breach of ``metric``, estimated or realized."""
    return f"performance.{kind}_{metric}{'_drop' if drop else ''}"


def check_spec(check: str) -> CheckSpec | None:
    """The catalogue's entry of a check id (a performance id with any metric of govern.metrics stands for its
    ``<metric>`` entry); None for an id outside the catalogue."""
    from govern.metrics import METRICS

    for spec in CHECKS:
        if spec.id == check:
            return spec
    for metric in METRICS:
        for kind in ("estimated", "realized"):
            for drop in (False, True):
                if check == performance_check(kind, metric, drop=drop):
                    template = performance_check(kind, "<metric>", drop=drop)
                    return next(spec for spec in CHECKS if spec.id == template)
    return None


def known_check(check: str) -> bool:
    """Whether ``check`` is an id of the catalogue (performance ids with any metric of govern.metrics)."""
    return check_spec(check) is not None


# ---------------------------------------------------------------------------------------------- documentation


def thresholds_table() -> str:
    """The README's table of thresholds, from the catalogue (tests/test_readme.py keeps the README equal)."""
    rows = [
        "| threshold | kind | unit | valid range | default | judges | a breach means | fault |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in THRESHOLDS:
        default = "off" if t.default is None else str(t.default).lower()
        valid = str(t.bounds) if t.bounds else ("the metric's range" if t.name in ("minimum", "maximum") else "-")
        rows.append(
            f"| `{t.key}` | {t.kind} | {t.unit} | {valid} | {default} | {t.measure} | {t.meaning} | {t.fault or '-'} |"
        )
    return "\n".join(rows)


def checks_table() -> str:
    """The README's table of check ids, from the catalogue."""
    rows = ["| check id | fired by | subject | fault | what it means |", "| --- | --- | --- | --- | --- |"]
    for c in CHECKS:
        fired = ", ".join(f"`{c.section}.{t}`" for t in c.thresholds) or "-"
        rows.append(f"| `{c.id}` | {fired} | {c.subject} | {c.fault} | {c.description} |")
    return "\n".join(rows)

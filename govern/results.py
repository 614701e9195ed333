"""Result types: every stage returns one of these, and ``to_dict()`` is the documented JSON.

Rates are fractions in [0, 1]. ``None`` (JSON ``null``) means "not defined here" (a TPR for a group with no
positive labels, a KS statistic for a categorical column), never zero. The JSON written per model per night is
``ModelNightResult.to_dict()``, versioned by ``SCHEMA_VERSION``; a change that removes or renames a field bumps
the major number.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from govern.config import Severity

SCHEMA_VERSION = "1.0"

Fault = Literal["data", "model", "unknown"]


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None, tuples lists, enums their value, numpy scalars Python ones."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, Severity):
        return value.value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _Record:
    """Mixin: ``to_dict()`` of a (nested) frozen dataclass, JSON-safe."""

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))  # type: ignore[call-overload]


# ---------------------------------------------------------------------------------------------- drift


@dataclass(frozen=True)
class DriftThresholds(_Record):
    """Effect-size limits a column is judged against; ``None`` switches a measure's verdict off."""

    jensen_shannon: float | None = 0.1
    psi: float | None = 0.2
    wasserstein: float | None = None


@dataclass(frozen=True)
class ColumnDrift(_Record):
    """Drift of one column between reference and current.

    Measures (see ``govern.drift`` for the formulas): ``jensen_shannon`` distance (base 2, in [0, 1]) and
    ``psi`` on shared bins (numeric: reference deciles; categorical: categories); ``wasserstein`` is the
    Wasserstein-1 distance divided by the reference standard deviation (numeric only); ``ks_*`` the two-sample
    Kolmogorov-Smirnov test (numeric), ``chi2_*`` the chi-squared test of homogeneity (categorical). Only the
    effect sizes decide ``drifted``; p-values are reported because auditors ask for them.
    """

    column: str
    kind: Literal["numeric", "categorical"]
    n_reference: int
    n_current: int
    null_fraction_reference: float
    null_fraction_current: float
    jensen_shannon: float | None
    psi: float | None
    wasserstein: float | None
    ks_statistic: float | None
    ks_pvalue: float | None
    chi2_statistic: float | None
    chi2_pvalue: float | None
    mean_reference: float | None
    mean_current: float | None
    drifted: bool
    exceeded: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriftReport(_Record):
    """Per-column drift; ``columns`` in the order asked for."""

    thresholds: DriftThresholds
    columns: tuple[ColumnDrift, ...]
    unmeasured: tuple[tuple[str, str], ...] = ()
    """(column, reason) for columns that could not be measured tonight, e.g. entirely null."""

    @property
    def drifted(self) -> list[ColumnDrift]:
        return [c for c in self.columns if c.drifted]

    def column(self, name: str) -> ColumnDrift:
        for record in self.columns:
            if record.column == name:
                return record
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "thresholds": self.thresholds.to_dict(),
            "n_columns": len(self.columns),
            "n_drifted": len(self.drifted),
            "columns": [c.to_dict() for c in self.columns],
            "unmeasured": [{"column": c, "reason": r} for c, r in self.unmeasured],
        }


# ---------------------------------------------------------------------------------------------- fairness


@dataclass(frozen=True)
class GroupFairness(_Record):
    """One (attribute, group) row. ``attribute`` is a column, or columns joined by ``" x "`` for an
    intersection (``"gender x race"``), whose ``group`` values are joined by ``" x "`` too (``"F x black"``).

    selection_rate = P(prediction = favourable | group); impact_ratio = selection_rate / the highest
    selection_rate among the attribute's groups large enough to judge; tpr, fpr, fnr need labels.
    """

    attribute: str
    group: str
    n: int
    selection_rate: float | None
    impact_ratio: float | None
    tpr: float | None = None
    fpr: float | None = None
    fnr: float | None = None
    n_label_positive: int | None = None
    n_label_negative: int | None = None
    mean_score: float | None = None
    roc_auc: float | None = None
    sufficient: bool = True
    intersectional: bool = False


@dataclass(frozen=True)
class AttributeFairness(_Record):
    """Summary over one attribute's groups that are large enough to judge (``sufficient``).

    demographic_parity_difference = max - min selection_rate; equal_opportunity_difference = max - min TPR;
    equalized_odds_difference = max(TPR difference, FPR difference) (fairlearn's definition);
    fpr_difference, fnr_difference = max - min of each. ``None`` where fewer than two groups can be judged or
    labels are missing.
    """

    attribute: str
    intersectional: bool
    n_groups: int
    n_groups_judged: int
    most_favoured_group: str | None
    least_favoured_group: str | None
    min_impact_ratio: float | None
    demographic_parity_difference: float | None
    equal_opportunity_difference: float | None = None
    equalized_odds_difference: float | None = None
    fpr_difference: float | None = None
    fnr_difference: float | None = None


@dataclass(frozen=True)
class FairnessReport(_Record):
    min_group_size: int
    has_labels: bool
    favourable_prediction: Any
    groups: tuple[GroupFairness, ...]
    attributes: tuple[AttributeFairness, ...]

    def attribute(self, name: str) -> AttributeFairness:
        for record in self.attributes:
            if record.attribute == name:
                return record
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_group_size": self.min_group_size,
            "has_labels": self.has_labels,
            "favourable_prediction": _clean(self.favourable_prediction),
            "attributes": [a.to_dict() for a in self.attributes],
            "groups": [g.to_dict() for g in self.groups],
        }


# ---------------------------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class ExpectationOutcome(_Record):
    expectation: str
    column: str | None
    success: bool
    critical: bool
    unexpected_fraction: float | None = None
    observed: Any = None
    detail: str = ""


@dataclass(frozen=True)
class ValidationResult(_Record):
    """Great Expectations' verdict on the batch. ``bad_data`` is true when a critical expectation failed."""

    suite: str
    success: bool
    evaluated: int
    failed: tuple[ExpectationOutcome, ...]

    @property
    def bad_data(self) -> bool:
        return any(o.critical for o in self.failed)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["bad_data"] = self.bad_data
        return out


# ---------------------------------------------------------------------------------------------- performance


@dataclass(frozen=True)
class MetricValue(_Record):
    """One performance figure for one night's batch.

    kind "estimated": NannyML CBPE (classifiers) or DLE (regressors), no labels; kind "realized": computed
    from the labels that arrived (``batch_night`` is the night whose batch they label). ``lower``/``upper``
    are NannyML's confidence band (value +- 3 sampling errors); ``lower_threshold``/``upper_threshold`` its
    alert thresholds from the reference chunks, and ``alert`` its flag. ``reference`` is the metric's mean
    over the reference chunks.
    """

    metric: str
    kind: Literal["estimated", "realized"]
    batch_night: str
    value: float | None
    lower: float | None
    upper: float | None
    sampling_error: float | None
    lower_threshold: float | None
    upper_threshold: float | None
    alert: bool
    reference: float | None
    n: int


@dataclass(frozen=True)
class ReconstructionDrift(_Record):
    """NannyML's multivariate drift: PCA data reconstruction error of the batch vs the reference chunks."""

    value: float | None
    lower: float | None
    upper: float | None
    reference: float | None
    lower_threshold: float | None
    upper_threshold: float | None
    alert: bool

    @property
    def relative_increase(self) -> float | None:
        if self.value is None or not self.reference:
            return None
        return self.value / self.reference - 1.0


@dataclass(frozen=True)
class VersionComparison(_Record):
    """The serving version against the version before it, both scored on the same reference set (labels
    known): the evidence that a newly deployed version, not the data, made things worse, and that rolling back
    to ``previous_version`` would help."""

    metric: str
    version: str
    value: float | None
    previous_version: str
    previous_value: float | None
    n: int


@dataclass(frozen=True)
class PerformanceResult(_Record):
    metrics: tuple[MetricValue, ...]
    reconstruction: ReconstructionDrift | None
    notes: tuple[str, ...] = ()
    version_comparison: VersionComparison | None = None

    def get(self, metric: str, kind: str) -> MetricValue | None:
        for m in self.metrics:
            if m.metric == metric and m.kind == kind:
                return m
        return None


# ---------------------------------------------------------------------------------------------- segments


@dataclass(frozen=True)
class SegmentStats(_Record):
    """One API client's traffic tonight against the reference.

    share = the client's fraction of tonight's rows; positive_rate = P(prediction = positive label) among its
    rows tonight; reference_positive_rate = the same over the whole (scored) reference, the yardstick a
    client's rate is compared with; reference_segment_positive_rate = the client's own rate in the reference.
    """

    segment: str
    n: int
    share: float
    reference_share: float
    positive_rate: float
    reference_positive_rate: float
    reference_segment_positive_rate: float | None
    mean_score: float | None


# ---------------------------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding(_Record):
    """A figure judged against a threshold in force: what was checked, on what, against which rule.

    ``check`` is "<section>.<measure>" (e.g. "fairness.impact_ratio"); ``subject`` what it was measured on
    (a column, a group, a metric); ``comparison`` is how the measured value must relate to the threshold to
    pass (">=" or "<="); ``policy`` is where the threshold came from; ``fault`` whether the data or the model
    is to blame.
    """

    check: str
    subject: str
    measured: float | None
    threshold: float | None
    comparison: str
    severity: Severity
    fault: Fault
    policy: str
    message: str


@dataclass(frozen=True)
class StageError(_Record):
    """A stage that could not run; the rest of the model's stages still ran where they could."""

    stage: str
    error: str
    message: str


Status = Literal["healthy", "findings", "error"]


@dataclass(frozen=True)
class ModelNightResult(_Record):
    """Everything known about one model on one night: the file ``<output>/<night>/models/<model>.json``."""

    model: str
    night: str
    status: Status
    business_unit: str | None = None
    risk_tier: str | None = None
    owner: str | None = None
    model_version: str | None = None
    rows: int | None = None
    labelled_night: str | None = None
    labelled_rows: int | None = None
    validation: ValidationResult | None = None
    performance: PerformanceResult | None = None
    drift: DriftReport | None = None
    prediction_drift: DriftReport | None = None
    fairness: FairnessReport | None = None
    labelled_fairness: FairnessReport | None = None
    segments: tuple[SegmentStats, ...] = ()
    findings: tuple[Finding, ...] = ()
    errors: tuple[StageError, ...] = ()
    rules: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def max_severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    @property
    def fault(self) -> Fault | None:
        if not self.findings:
            return None
        faults = {f.fault for f in self.findings}
        return "data" if "data" in faults else ("model" if "model" in faults else "unknown")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, _Record):
                out[f.name] = value.to_dict()
            elif isinstance(value, tuple):
                out[f.name] = [v.to_dict() for v in value]
            else:
                out[f.name] = _clean(value)
        severity = self.max_severity
        out["max_severity"] = severity.value if severity else None
        out["fault"] = self.fault
        return out


@dataclass(frozen=True)
class FleetSummary(_Record):
    """One line per model for the night: ``<output>/<night>/fleet.json``."""

    night: str
    models: tuple[dict[str, Any], ...]
    run: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_model_records(cls, night: str, records: list[dict[str, Any]], run: dict[str, Any]) -> FleetSummary:
        """From the models' JSON records (``ModelNightResult.to_dict()``), fresh or read back from disk."""
        lines = []
        for r in sorted(records, key=lambda r: r["model"]):
            lines.append(
                {
                    "model": r["model"],
                    "business_unit": r.get("business_unit"),
                    "risk_tier": r.get("risk_tier"),
                    "status": r["status"],
                    "model_version": r.get("model_version"),
                    "n_findings": len(r.get("findings", [])),
                    "max_severity": r.get("max_severity"),
                    "fault": r.get("fault"),
                    "checks": sorted({f["check"] for f in r.get("findings", [])}),
                    "errors": [e["message"] for e in r.get("errors", [])],
                }
            )
        return cls(night, tuple(lines), run)

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {"healthy": 0, "findings": 0, "error": 0}
        for line in self.models:
            counts[line["status"]] += 1
        return {
            "schema_version": SCHEMA_VERSION,
            "night": self.night,
            "counts": counts,
            "models": _clean(list(self.models)),
            "run": _clean(self.run),
        }

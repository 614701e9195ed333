"""Result types: every stage returns one of these, and their JSON is the documented, schema-checked interface.

Rates are fractions in [0, 1]. ``None`` (JSON ``null``) means "not defined here" (a TPR for a group with no
positive labels, a KS statistic for a categorical column), never zero; a NaN becomes ``None`` on the way in.

A model's night (``ModelNightResult``) and the fleet's (``FleetSummary``) are written as JSON and read back
into the same types (``from_json``); their JSON Schemas are committed in ``schemas/`` and printed by
``govern schema result|fleet``. Both carry ``schema_version`` "MAJOR.MINOR":

- a **minor** change only adds optional fields (with a default), so every older file of the same major still
  loads; a reader refuses a file of a newer minor (it cannot know what the new fields mean) and says so;
- a **major** change removes, renames or retypes a field, or changes what a value means; a reader refuses
  files of any other major.

History: 2.1 added ``evidence.feed_disabled`` (a night refused because the model's feed is disabled); 2.2 added
``ColumnDrift.distribution`` (each column's shares per bin, reference vs current, for the reports' histograms)
and ``ExpectationOutcome.unexpected_example``, ``expected_min``, ``expected_max`` (a typical bad value and the
range it should have been in).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field, field_validator, model_validator

from govern.errors import ResultError
from govern.rulebook import Fault, Severity

if TYPE_CHECKING:
    from govern.config import EffectiveRules

SCHEMA_VERSION = "2.2"


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None, tuples lists, numpy scalars Python ones."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _finite_or_none(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


#: A measured figure: a float, or None where undefined (NaN and infinities arrive as None).
Num = Annotated[float | None, BeforeValidator(_finite_or_none)]
#: Any JSON value (an observed value of an expectation, a favourable prediction of the data's own type).
JsonAny = Annotated[Any, BeforeValidator(_clean)]


class Record(BaseModel):
    """Base of every result type: immutable, no unknown fields, and its derived (computed) fields are written
    to JSON for readers but dropped again when a file is loaded back (they are recomputed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: Any) -> Any:
        if isinstance(data, dict) and cls.model_computed_fields:
            return {k: v for k, v in data.items() if k not in cls.model_computed_fields}
        return data

    def to_dict(self) -> dict[str, Any]:
        """The JSON document as Python values (what ``to_json`` writes)."""
        out: dict[str, Any] = self.model_dump(mode="json")
        return out

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"


class Versioned(Record):
    """A top-level document with ``schema_version``: loading checks it against this code's version."""

    kind: ClassVar[str] = "document"
    schema_version: str = SCHEMA_VERSION

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "<memory>") -> Self:
        """Load a document written by ``to_json``; a ResultError names the source and what is wrong (not JSON,
        a schema version this reader cannot read, every bad field)."""
        import json

        from pydantic import ValidationError

        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ResultError(f"{source}: must be a {cls.kind} JSON document; got invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ResultError(f"{source}: must be a JSON object; got {type(data).__name__} instead")
        _check_version(str(data.get("schema_version", "<none>")), source)
        # read into this version's types (an older minor's missing fields take their defaults), so it says so
        data["schema_version"] = SCHEMA_VERSION
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<top level>'}: {e['msg']}" for e in exc.errors()[:10]
            )
            raise ResultError(f"{source}: must be a valid {cls.kind}; got {problems}") from exc


def _check_version(found: str, source: str) -> None:
    """The schema_version rule (module docstring): the same major, a minor no newer than this reader's."""
    major, minor = (int(x) for x in SCHEMA_VERSION.split("."))
    try:
        theirs = tuple(int(x) for x in found.split("."))
    except ValueError:
        theirs = ()
    if len(theirs) != 2:
        raise ResultError(f"{source}: schema_version must be MAJOR.MINOR; got {found!r} instead")
    if theirs[0] == major and theirs[1] <= minor:
        return
    why = (
        "written by a newer version of model-governance: upgrade to read it"
        if theirs > (major, minor)
        else "written under an older major version: rerun the night to rewrite it"
    )
    raise ResultError(f"{source}: schema_version must be {major}.0 to {SCHEMA_VERSION}; got {found} instead ({why})")


# ---------------------------------------------------------------------------------------------- drift


class DriftThresholds(Record):
    """Effect-size limits a column is judged against; ``None`` switches a measure's verdict off."""

    jensen_shannon: Num = Field(default_factory=lambda: _default("drift", "max_jensen_shannon"))
    psi: Num = Field(default_factory=lambda: _default("drift", "max_psi"))
    wasserstein: Num = Field(default_factory=lambda: _default("drift", "max_wasserstein"))
    min_rows: int | None = Field(default_factory=lambda: _gate("drift", "min_rows"))
    """Fewer non-null rows than this in the current data (or the reference): the column gets no verdict."""


class Distribution(Record):
    """A column's values binned for people to look at: the share of the reference's and of the current
    data's non-null rows in each bin (each side sums to 1), as ``govern.drift`` builds it from the bins its
    measures used, with the bins too small to show merged (the rule is in ``govern.drift``'s docstring).

    Numeric: the bins are intervals, left-closed, between ``edges`` (``-inf`` and ``+inf`` outside them), so
    ``len(edges) == len(labels) - 1``; a label names the part of its interval where values lie, and reads
    "12.5 to 20" (12.5 included, 20 not), "under 12.5", "80 and over", "exactly 0" (a value holding a tenth
    of the reference), "over 0 to 5", "up to 2" (2 included). Categorical: one bin per category shown
    (``edges`` empty); with ``other`` > 0 the last bin, labelled "N other categories", holds that many
    categories together.
    """

    labels: tuple[str, ...]
    reference_shares: tuple[float, ...]
    current_shares: tuple[float, ...]
    min_bin_rows: int
    """Every bin holds, on each side, no row or at least this many."""
    edges: tuple[float, ...] = ()
    other: int = 0
    """Categorical: how many categories the last bin holds together (0: no such bin)."""


class ColumnDrift(Record):
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
    jensen_shannon: Num
    psi: Num
    wasserstein: Num
    ks_statistic: Num
    ks_pvalue: Num
    chi2_statistic: Num
    chi2_pvalue: Num
    mean_reference: Num
    mean_current: Num
    drifted: bool
    exceeded: tuple[str, ...] = ()
    judged: bool = True
    """False when either side had fewer non-null rows than ``min_rows``: the measures are reported, no verdict."""
    distribution: Distribution | None = None
    """The shares per bin, reference vs current (None: too few rows to show two bins, or written before 2.2)."""


class Unmeasured(Record):
    """A column that could not be measured tonight, and why (e.g. entirely null), with its null fractions."""

    column: str
    reason: str
    null_fraction_reference: Num = None
    null_fraction_current: Num = None


class DriftReport(Record):
    """Per-column drift; ``columns`` in the order asked for."""

    thresholds: DriftThresholds
    columns: tuple[ColumnDrift, ...]
    unmeasured: tuple[Unmeasured, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def n_columns(self) -> int:
        return len(self.columns)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def n_drifted(self) -> int:
        return len(self.drifted)

    @property
    def drifted(self) -> list[ColumnDrift]:
        return [c for c in self.columns if c.drifted]

    def column(self, name: str) -> ColumnDrift:
        for record in self.columns:
            if record.column == name:
                return record
        raise KeyError(name)


# ---------------------------------------------------------------------------------------------- fairness


class GroupFairness(Record):
    """One (attribute, group) row. ``attribute`` is a column, or columns joined by ``" x "`` for an
    intersection (``"gender x race"``), whose ``group`` values are joined by ``" x "`` too (``"F x black"``).

    selection_rate = P(prediction = favourable | group); impact_ratio = selection_rate / the highest
    selection_rate among the attribute's groups large enough to judge; tpr, fpr, fnr need labels.
    """

    attribute: str
    group: str
    n: int
    selection_rate: Num
    impact_ratio: Num
    tpr: Num = None
    fpr: Num = None
    fnr: Num = None
    n_label_positive: int | None = None
    n_label_negative: int | None = None
    mean_score: Num = None
    roc_auc: Num = None
    sufficient: bool = True
    intersectional: bool = False


class AttributeFairness(Record):
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
    min_impact_ratio: Num
    demographic_parity_difference: Num
    equal_opportunity_difference: Num = None
    equalized_odds_difference: Num = None
    fpr_difference: Num = None
    fnr_difference: Num = None


class FairnessReport(Record):
    min_group_size: int
    has_labels: bool
    favourable_prediction: JsonAny
    attributes: tuple[AttributeFairness, ...]
    groups: tuple[GroupFairness, ...]

    def attribute(self, name: str) -> AttributeFairness:
        for record in self.attributes:
            if record.attribute == name:
                return record
        raise KeyError(name)


# ---------------------------------------------------------------------------------------------- validation


class ExpectationOutcome(Record):
    """One expectation's verdict. ``observed``: GE's ``observed_value`` (an aggregate, e.g. a column's mean).

    ``unexpected_example``: a typical bad value of a per-row expectation on a numeric column: the median of the
    unexpected values GE lists (up to 20), rounded to 3 significant figures, kept only when it lists at least
    ``MIN_EXAMPLE_VALUES`` of them (so it is no one row's value; None otherwise, and for text, which may be a
    name or an id). ``expected_min`` / ``expected_max``: the range the values should be in (a between
    expectation's bounds; None when unbounded on that side, or not a between expectation).
    """

    MIN_EXAMPLE_VALUES: ClassVar[int] = 10

    expectation: str
    column: str | None
    success: bool
    critical: bool
    unexpected_fraction: Num = None
    observed: JsonAny = None
    detail: str = ""
    unexpected_example: Num = None
    expected_min: Num = None
    expected_max: Num = None


class ValidationResult(Record):
    """Great Expectations' verdict on the batch. ``bad_data`` is true when a critical expectation failed."""

    suite: str
    success: bool
    evaluated: int
    failed: tuple[ExpectationOutcome, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def bad_data(self) -> bool:
        return any(o.critical for o in self.failed)


# ---------------------------------------------------------------------------------------------- performance


class MetricValue(Record):
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
    value: Num
    lower: Num
    upper: Num
    sampling_error: Num
    lower_threshold: Num
    upper_threshold: Num
    alert: bool
    reference: Num
    n: int
    reason: str | None = None
    """Why ``value`` is null, when it is: the metric is undefined or meaningless on this data."""


class ReconstructionDrift(Record):
    """NannyML's multivariate drift: PCA data reconstruction error of the batch vs the reference chunks."""

    value: Num
    lower: Num
    upper: Num
    reference: Num
    lower_threshold: Num
    upper_threshold: Num
    alert: bool

    @property
    def relative_increase(self) -> float | None:
        if self.value is None or not self.reference:
            return None
        return self.value / self.reference - 1.0


class VersionComparison(Record):
    """The serving version against the version before it, both scored on the same reference set (labels
    known): the evidence that a newly deployed version, not the data, made things worse, and that rolling back
    to ``previous_version`` would help."""

    metric: str
    version: str
    value: Num
    previous_version: str
    previous_value: Num
    n: int


class PerformanceResult(Record):
    """Estimated performance of tonight's batch, realized performance of the labelled batch, and the version
    comparison."""

    metrics: tuple[MetricValue, ...]
    version_comparison: VersionComparison | None = None
    reference_chunk_rows: int | None = None
    """The size of the reference chunks NannyML's alert thresholds were computed on (the nightly batch's)."""
    notes: tuple[str, ...] = ()

    def get(self, metric: str, kind: str) -> MetricValue | None:
        for m in self.metrics:
            if m.metric == metric and m.kind == kind:
                return m
        return None


class DriftResult(Record):
    """Everything drift, where drift is judged: per feature, of the model's outputs (prediction and score),
    and multivariate (NannyML's data reconstruction error; None when it could not be computed, see notes)."""

    features: DriftReport
    prediction: DriftReport | None = None
    multivariate: ReconstructionDrift | None = None
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------- segments


class SegmentStats(Record):
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
    reference_segment_positive_rate: Num
    mean_score: Num


# ---------------------------------------------------------------------------------------------- findings


class Finding(Record):
    """A figure judged against a threshold in force: what was checked, on what, against which rule.

    ``check`` is a stable id of the rulebook's check catalogue (``govern.rulebook.CHECKS``, e.g.
    "fairness.impact_ratio"); ``subject`` what it was measured on
    (a column, a group, a metric); ``comparison`` is how the measured value must relate to the threshold to
    pass (">=" or "<="; "passes" for an expectation judged by its suite alone, "present" for a batch that
    must arrive); ``policy`` is where the threshold came from; ``fault`` whether the data or the model
    is to blame.
    """

    check: str
    subject: str
    measured: Num
    threshold: Num
    comparison: str

    @field_validator("check")
    @classmethod
    def _a_check_of_the_catalogue(cls, check: str) -> str:
        from govern.rulebook import known_check

        if not known_check(check):  # incidents and reports key on it: an id outside the catalogue is a defect
            raise ValueError(f"check must be an id of govern.rulebook.CHECKS; got {check!r} instead")
        return check

    severity: Severity
    fault: Fault
    policy: str
    message: str


class StageError(Record):
    """A stage that could not run; the rest of the model's stages still ran where they could."""

    stage: str
    error: str
    message: str


Status = Literal["healthy", "incomplete", "findings", "error"]
"""healthy: every check in force was made and passed; incomplete: no finding, but some checks could not be
judged (``not_judged`` says which and why); findings: at least one finding; error: a stage could not run."""


class NotJudged(Record):
    """A check in force that got no verdict tonight, and why (too few rows, a single group, no batch)."""

    section: str
    subject: str
    reason: str


class Evidence(Record):
    """What the stages measured for one model on one night, filled stage by stage; a part is None when its
    stage failed or did not apply (the result's ``errors`` say which)."""

    mode: Literal["registry", "scored_reference"] = "registry"
    """How the model is monitored: ``registry``, the reference re-scored by the serving version from the
    registry; ``scored_reference``, from the reference's own prediction and score (no artifact)."""
    model_version: str | None = None
    rows: int | None = None
    missing_batch: str | None = None
    """Where tonight's batch was expected, when it did not arrive (the judgement reports it as a finding)."""
    feed_disabled: str | None = None
    """Why tonight's batch was refused unread: the model's feed is disabled ("feed F disabled since D by X:
    reason"); nothing of tonight is judged until a person re-enables it."""
    labelled_night: str | None = None
    labelled_rows: int | None = None
    validation: ValidationResult | None = None
    performance: PerformanceResult | None = None
    drift: DriftResult | None = None
    fairness: FairnessReport | None = None
    labelled_fairness: FairnessReport | None = None
    segments: tuple[SegmentStats, ...] | None = None
    notes: tuple[str, ...] = ()

    @property
    def bad_data(self) -> bool:
        return self.validation is not None and self.validation.bad_data


class AppliedRule(Record):
    """One threshold in force for the night, with where it came from: ``default`` (the rulebook), a policy's
    name, or ``models/<model>.yaml``."""

    section: str
    name: str
    value: float | int | bool | str | tuple[str, ...]
    source: str

    @classmethod
    def all_from(cls, rules: EffectiveRules) -> tuple[AppliedRule, ...]:
        return tuple(
            cls(section=section, name=name, value=t.value, source=t.source)
            for (section, name), t in rules.thresholds.items()
        )


class RunInfo(Record):
    """The run that produced a document: the Prefect flow run (empty outside Prefect), when it started, and
    for the fleet summary how long the night took."""

    flow_run_id: str = ""
    flow_run_name: str | None = None
    started: str | None = None
    seconds: Num = None


class ModelNightResult(Versioned):
    """Everything known about one model on one night: ``<output>/<night>/models/<model>.json``."""

    kind: ClassVar[str] = "model night result"
    model: str
    night: str
    status: Status
    business_unit: str | None = None
    risk_tier: str | None = None
    owner: str | None = None
    evidence: Evidence = Evidence()
    findings: tuple[Finding, ...] = ()
    not_judged: tuple[NotJudged, ...] = ()
    errors: tuple[StageError, ...] = ()
    rules: tuple[AppliedRule, ...] = ()
    timings: dict[str, float] = Field(default_factory=dict)
    run: RunInfo = RunInfo()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def max_severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fault(self) -> Fault | None:
        if not self.findings:
            return None
        faults = {f.fault for f in self.findings}
        return "data" if "data" in faults else ("model" if "model" in faults else "unknown")

    @property
    def model_version(self) -> str | None:
        return self.evidence.model_version

    def sla_metric(self, kind: str) -> MetricValue | None:
        """The SLA metric's figure of ``kind`` (estimated or realized) tonight, if measured."""
        metric = next((r.value for r in self.rules if (r.section, r.name) == ("performance", "metric")), None)
        performance = self.evidence.performance
        if metric is None or performance is None:
            return None
        return performance.get(str(metric), kind)


class FleetLine(Record):
    """One model's line in the fleet summary."""

    model: str
    business_unit: str | None
    risk_tier: str | None
    status: Status
    model_version: str | None
    n_findings: int
    max_severity: Severity | None
    fault: Fault | None
    checks: tuple[str, ...]
    errors: tuple[str, ...]

    @classmethod
    def of(cls, result: ModelNightResult) -> FleetLine:
        return cls(
            model=result.model,
            business_unit=result.business_unit,
            risk_tier=result.risk_tier,
            status=result.status,
            model_version=result.model_version,
            n_findings=len(result.findings),
            max_severity=result.max_severity,
            fault=result.fault,
            checks=tuple(sorted({f.check for f in result.findings})),
            errors=tuple(e.message for e in result.errors),
        )


class FleetSummary(Versioned):
    """One line per model for the night: ``<output>/<night>/fleet.json``."""

    kind: ClassVar[str] = "fleet summary"
    night: str
    models: tuple[FleetLine, ...]
    run: RunInfo = RunInfo()

    @classmethod
    def of(cls, night: str, results: list[ModelNightResult], run: RunInfo) -> FleetSummary:
        """From the night's results, in model order."""
        return cls(night=night, models=tuple(FleetLine.of(r) for r in sorted(results, key=lambda r: r.model)), run=run)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        counts = {"healthy": 0, "incomplete": 0, "findings": 0, "error": 0}
        for line in self.models:
            counts[line.status] += 1
        return counts

    def line(self, model: str) -> FleetLine:
        for line in self.models:
            if line.model == model:
                return line
        raise KeyError(model)


def _gate(section: str, name: str) -> int | None:
    from govern.rulebook import spec

    value = spec(section, name).default
    return int(value) if isinstance(value, (int, float)) else None


def _default(section: str, name: str) -> float | None:
    from govern.rulebook import spec

    value = spec(section, name).default
    return float(value) if isinstance(value, (int, float)) else None


#: The published documents, by the name ``govern schema`` takes.
DOCUMENTS: dict[str, type[Versioned]] = {"result": ModelNightResult, "fleet": FleetSummary}


def json_schema(document: str) -> dict[str, Any]:
    """The JSON Schema of a published document (``result`` or ``fleet``), as written (serialization mode:
    derived fields such as ``max_severity`` included), versioned by ``SCHEMA_VERSION``."""
    if document not in DOCUMENTS:
        raise ValueError(f"document must be one of {', '.join(DOCUMENTS)}; got {document!r} instead")
    schema = DOCUMENTS[document].model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"model-governance/{document}/{SCHEMA_VERSION}",
        "x-schema-version": SCHEMA_VERSION,
        **schema,
    }

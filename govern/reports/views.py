"""View objects of the reports: what a template may show, built from the typed results, the store's history
and the incident database, and nothing else (no DataFrames, no ad-hoc dicts).

Every view is a frozen dataclass of plain values (str, numbers, tuples of views, chart data from
``govern.reports.svg``, and where a view would only copy a result record field by field, the record itself:
they are frozen too), so a page renders the same from the same inputs, and ``as_dict`` gives the document a
page was rendered from. Privacy is decided here, once: no row of data reaches a view; a group smaller than the
policy's ``min_group_size`` keeps its name and loses its figures (``suppressed``), and so does a larger one where
the totals would give the small one away by subtraction (``protects_smaller``, see ``suppressed_groups``); an
expectation's observed value (Great Expectations' ``observed_value``: an aggregate such as a column's mean or
share of non-null values) and the validation stage's example of a bad value (a rounded median of the values that
failed, never one row's) are shown only when they are numbers on a column that is not an id, a protected
attribute or the API client, and are otherwise marked ``withheld``; a drift distribution's bins hold no handful
of rows (``govern.drift`` merges them).

The owner's nightly report (``owner_report``) reads one model's result of the night, its history (the last 30
nights, as ``govern.readout.HistoryLine``) and its incidents (``incident_views``), each incident as it stood
when the night's response was done (``as_of``), so a report re-rendered a week later still says what the owner
was told that morning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from govern.readout import HistoryLine
from govern.reports.svg import ESTIMATED, REALIZED, Bar, BarChart, Limit, LineChart, PairedBars, Series
from govern.results import (
    AttributeFairness,
    ColumnDrift,
    FairnessReport,
    Finding,
    GroupFairness,
    MetricValue,
    ModelNightResult,
    Record,
    SegmentStats,
    VersionComparison,
)
from govern.rulebook import FOUR_FIFTHS, check_spec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from govern.config import ModelConfig
    from govern.respond.db import Action, Incident, IncidentEvent
    from govern.store import ResultsStore

WINDOW_NIGHTS = 30
"""How many nights the performance chart spans, tonight included."""
MAX_DRIFT_BARS = 15
MAX_DISTRIBUTIONS = 3
"""How many of the worst features' distributions the drift section draws."""
MAX_GROUP_BARS = 24
MAX_CLIENT_ROWS = 10

Level = Literal["ok", "watch", "incident"]
ACTIVE = ("open", "acknowledged", "contained")
SEV_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}
"""The SEVs, the most severe first (1)."""
_STATUS_ORDER = {"open": 0, "acknowledged": 1, "contained": 2, "resolved": 3}


def as_dict(view: Any) -> dict[str, Any]:
    """The view as JSON-ready values: what the page was rendered from (a result record held by a view as its
    JSON document)."""
    out: dict[str, Any] = _plain(view)
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class FindingView:
    check: str
    subject: str
    severity: str
    fault: str
    message: str
    measured: float | None
    threshold: float | None
    comparison: str
    policy: str
    meaning: str
    """What the check means, in the rulebook's words."""

    @classmethod
    def of(cls, finding: Finding) -> FindingView:
        return cls(
            check=finding.check,
            subject=finding.subject,
            severity=finding.severity.value,
            fault=finding.fault,
            message=finding.message,
            measured=finding.measured,
            threshold=finding.threshold,
            comparison=finding.comparison,
            policy=finding.policy,
            meaning=check_meaning(finding.check),
        )


def check_meaning(check: str) -> str:
    """The catalogue's description of a check id ("" for one outside it, e.g. a feed's incident)."""
    spec = check_spec(check)
    return spec.description if spec is not None else ""


# ---------------------------------------------------------------------------------------------- incidents


@dataclass(frozen=True)
class ActionView:
    id: int
    kind: str
    status: str
    """As it stood at the view's ``as_of``: awaiting_approval, approved, done, refused, failed, ..."""
    summary: str
    from_version: str | None
    """A rollback's: the version it moves away from."""
    requested_by: str
    approved_by: str | None
    done_at: str | None
    outcome: str | None

    @property
    def awaiting_approval(self) -> bool:
        return self.status == "awaiting_approval"


@dataclass(frozen=True)
class IncidentView:
    """One incident as it stood at ``as_of``: its SEV, state and actions then (replayed from its events and
    the actions' clocks). Its deadlines are the current ones, shown while it was active: the database keeps no
    history of them."""

    id: int
    sev: str
    status: str
    type: str
    title: str
    check: str
    subject: str
    model: str | None
    feed: str | None
    first_night: str
    last_night: str
    nights_open: int
    fired_tonight: bool
    contact: str | None
    ack_due: str | None
    rto_due: str | None
    report_due: str | None
    acknowledged_by: str | None
    resolved_by: str | None
    resolution_note: str | None
    recommendation: str | None
    time_to_detect_hours: float | None
    time_to_contain_hours: float | None
    actions: tuple[ActionView, ...]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def _iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def _contact_line(person: dict[str, Any] | None) -> str | None:
    if not person:
        return None
    name, email, role = person.get("name"), person.get("email"), person.get("role")
    return " ".join(str(p) for p in (name, f"<{email}>" if email else None, f"({role})" if role else None) if p)


@dataclass(frozen=True)
class IncidentState:
    """An incident as its events (oldest first) left it: ``status`` None when it did not exist yet; when it was
    last contained and resolved (cleared by a reopening), and how many times it was escalated."""

    status: str | None
    sev: str
    contained_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    escalations: int = 0


def replay_incident(events: Sequence[IncidentEvent], fallback_sev: str) -> IncidentState:
    """The incident's state after ``events`` (oldest first; pass those up to a moment to see it then). The one
    replay of the lifecycle the pages share: the owner report, the card and the board."""
    status: str | None = None
    sev = fallback_sev
    contained_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    escalations = 0
    for event in events:
        detail = event.detail or {}
        if event.kind == "opened":
            status, sev = "open", str(detail.get("sev", sev))
        elif event.kind == "reopened":
            status, contained_at, resolved_at = "open", None, None
            if detail.get("sev") in SEV_RANK and SEV_RANK[str(detail["sev"])] < SEV_RANK.get(sev, 5):
                sev = str(detail["sev"])
        elif event.kind == "acknowledged" and status == "open":
            status = "acknowledged"
        elif event.kind == "contained" and status in ("open", "acknowledged"):
            status, contained_at = "contained", event.at
        elif event.kind == "resolved":
            status, resolved_at = "resolved", event.at
        elif event.kind == "sev_changed" and "to" in detail:
            sev = str(detail["to"])
        elif event.kind == "escalated":
            escalations += 1
    return IncidentState(status, sev, contained_at, resolved_at, escalations)


def action_status(action: Action, as_of: dt.datetime | None) -> str:
    """An action's status at ``as_of``, from its clock: not yet done then means it was still waiting (or
    approved and about to be carried out)."""
    if as_of is None or action.done_at is None or action.done_at <= as_of:
        return action.status
    if action.approved_at is not None and action.approved_at <= as_of:
        return "approved"
    return "awaiting_approval"


def action_summary(action: Action) -> str:
    p = action.params or {}
    if action.kind == "rollback":
        to = f" to version {p['to_version']}" if p.get("to_version") else ""
        return f"roll {action.model} back from version {p.get('from_version', '?')}{to}"
    if action.kind == "quarantine_batch":
        return f"quarantine the batch of {action.night} of {action.model}"
    if action.kind == "disable_feed":
        return f"disable the feed {action.feed}"
    if action.kind == "enable_feed":
        return f"re-enable the feed {action.feed}"
    if action.kind == "denylist":
        return f"denylist the API client {p.get('client', '?')} for {action.model}"
    return action.kind.replace("_", " ")


def response_time(session: Session, model: str, night: str) -> dt.datetime | None:
    """When the response took in the model's night (its latest take), or None if it has not yet."""
    from sqlalchemy import select

    from govern.respond.db import ResponseMark

    mark = session.scalars(select(ResponseMark).where(ResponseMark.model == model, ResponseMark.night == night)).first()
    return None if mark is None else mark.at


def incident_views(
    session: Session, *, model: str, night: str, as_of: dt.datetime | None = None
) -> tuple[IncidentView, ...]:
    """The incidents an owner reads about in the model's report of ``night``: the model's own, and a feed's
    that holds a finding of the model, each as it stood at ``as_of`` (default: when the response took in the
    night, else now). Shown: those that fired that night, were active then, or were resolved since the night
    began; not those opened after it."""
    from sqlalchemy import or_, select

    from govern.respond import incidents
    from govern.respond.db import Action, Incident, IncidentFinding
    from govern.respond.incidents import night_close

    if as_of is None:
        as_of = response_time(session, model, night)
    held = select(IncidentFinding.incident_id).where(IncidentFinding.model == model)
    rows: Iterable[Incident] = session.scalars(
        select(Incident).where(or_(Incident.model == model, Incident.id.in_(held))).order_by(Incident.id)
    )
    night_began = night_close(night) - dt.timedelta(days=1)
    out = []
    for incident in rows:
        events = [e for e in incidents.events(session, incident.id) if as_of is None or e.at <= as_of]
        state = replay_incident(events, incident.sev)
        status, sev = state.status, state.sev
        if status is None:
            continue  # opened after the report's moment
        fired = any(f.night == night and f.model == model for f in incidents.findings(session, incident.id))
        resolved_at = next((e.at for e in reversed(events) if e.kind == "resolved"), None)
        recently_resolved = status == "resolved" and resolved_at is not None and resolved_at >= night_began
        if not (fired or status in ACTIVE or recently_resolved):
            continue
        if not fired and incident.first_night > night:
            continue
        actions = session.scalars(select(Action).where(Action.incident_id == incident.id).order_by(Action.id))
        out.append(
            IncidentView(
                id=incident.id,
                sev=sev,
                status=status,
                type=incident.type,
                title=incident.title,
                check=incident.check,
                subject=incident.subject,
                model=incident.model,
                feed=incident.feed,
                first_night=incident.first_night,
                last_night=min(incident.last_night, night) if fired else incident.last_night,
                nights_open=incident.nights_open,
                fired_tonight=fired,
                contact=_contact_line(incidents.contact(incident)),
                ack_due=_iso(incident.ack_due) if status == "open" else None,
                rto_due=_iso(incident.rto_due) if status in ACTIVE else None,
                report_due=_iso(incident.report_due) if status in ACTIVE else None,
                acknowledged_by=incident.acknowledged_by if status != "open" else None,
                resolved_by=incident.resolved_by if status == "resolved" else None,
                resolution_note=incident.resolution_note if status == "resolved" else None,
                recommendation=incident.recommendation,
                time_to_detect_hours=_hours(incident.time_to_detect_s),
                time_to_contain_hours=_hours(incident.time_to_contain_s)
                if status in ("contained", "resolved")
                else None,
                actions=tuple(
                    ActionView(
                        id=a.id,
                        kind=a.kind,
                        status=action_status(a, as_of),
                        summary=action_summary(a),
                        from_version=str(a.params["from_version"]) if (a.params or {}).get("from_version") else None,
                        requested_by=a.requested_by,
                        approved_by=a.approved_by
                        if a.approved_at and (as_of is None or a.approved_at <= as_of)
                        else None,
                        done_at=_iso(a.done_at) if a.done_at and (as_of is None or a.done_at <= as_of) else None,
                        outcome=a.outcome if a.done_at and (as_of is None or a.done_at <= as_of) else None,
                    )
                    for a in actions
                    if as_of is None or a.requested_at <= as_of
                ),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class ExpectationRow:
    expectation: str
    column: str | None
    critical: bool
    unexpected_fraction: float | None
    rows_affected: int | None
    observed: str | None
    """Great Expectations' observed value, only where it reveals no personal data (see the module docstring);
    None when there is none (an expectation on each row's value reports only how many failed) or it is
    withheld."""
    withheld: bool
    """An observed value exists but is not shown: its column is private, or not a number."""
    detail: str
    example: str | None
    """A typical bad value (the validation stage's median of the unexpected values it saw, see
    ``ExpectationOutcome.unexpected_example``), shown under the same rule as ``observed``; None when there is
    none or it is withheld."""
    example_withheld: bool
    expected: str | None
    """The range the values should be in ("19,060 to 302,200", "at least 0"): from the suite, not the data."""


@dataclass(frozen=True)
class ValidationView:
    suite: str
    evaluated: int
    n_failed: int
    bad_data: bool
    failed: tuple[ExpectationRow, ...]


def _observed(value: Any, column: str | None, private: set[str] | None) -> str | None:
    """``value`` as text when it reveals no personal data (``private``: None when the columns are unknown)."""
    if private is None or (column is not None and column in private):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return f"{value:g}" if isinstance(value, float) else str(value)


def _bound_text(value: float) -> str:
    return f"{value:,g}"


def _expected_range(low: float | None, high: float | None) -> str | None:
    if low is not None and high is not None:
        return f"{_bound_text(low)} to {_bound_text(high)}"
    if low is not None:
        return f"at least {_bound_text(low)}"
    if high is not None:
        return f"at most {_bound_text(high)}"
    return None


def validation_view(result: ModelNightResult, config: ModelConfig | None = None) -> ValidationView | None:
    validation = result.evidence.validation
    if validation is None:
        return None
    private: set[str] | None = None
    if config is not None:
        c = config.columns
        private = {c.id, c.timestamp, *c.protected, *([c.api_client] if c.api_client else [])}
    rows = result.evidence.rows
    failed = tuple(
        ExpectationRow(
            expectation=o.expectation,
            column=o.column,
            critical=o.critical,
            unexpected_fraction=o.unexpected_fraction,
            rows_affected=round(o.unexpected_fraction * rows)
            if o.unexpected_fraction is not None and rows is not None
            else None,
            observed=_observed(o.observed, o.column, private),
            withheld=o.observed is not None and _observed(o.observed, o.column, private) is None,
            detail=o.detail,
            example=_observed(o.unexpected_example, o.column, private),
            example_withheld=o.unexpected_example is not None
            and _observed(o.unexpected_example, o.column, private) is None,
            expected=_expected_range(o.expected_min, o.expected_max),
        )
        for o in sorted(validation.failed, key=lambda o: (not o.critical, -(o.unexpected_fraction or 0.0)))
    )
    return ValidationView(
        suite=validation.suite,
        evaluated=validation.evaluated,
        n_failed=len(validation.failed),
        bad_data=validation.bad_data,
        failed=failed,
    )


# ---------------------------------------------------------------------------------------------- performance


@dataclass(frozen=True)
class PerformanceView:
    metric: str | None
    """The SLA metric."""
    minimum: float | None
    maximum: float | None
    estimated: MetricValue | None
    realized: MetricValue | None
    others: tuple[MetricValue, ...]
    """The other metrics the policy reports, tonight (estimated)."""
    version_comparison: VersionComparison | None
    breached: bool
    """A performance finding fired tonight."""
    chart: LineChart | None
    window: tuple[str, str]
    quarantined_nights: tuple[str, ...]
    """Nights of the window whose batch was quarantined: left out of the chart."""
    notes: tuple[str, ...]


def _rule(result: ModelNightResult, section: str, name: str) -> Any:
    return next((r.value for r in result.rules if (r.section, r.name) == (section, name)), None)


def _float_rule(result: ModelNightResult, section: str, name: str) -> float | None:
    value = _rule(result, section, name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def window_nights(night: str, nights: int = WINDOW_NIGHTS) -> tuple[str, ...]:
    """The ``nights`` calendar nights ending with ``night``, oldest first."""
    day = dt.date.fromisoformat(night)
    return tuple((day - dt.timedelta(days=k)).isoformat() for k in range(nights - 1, -1, -1))


def performance_view(
    result: ModelNightResult, history: Sequence[HistoryLine], *, nights: int = WINDOW_NIGHTS
) -> PerformanceView | None:
    performance = result.evidence.performance
    metric = _rule(result, "performance", "metric")
    if performance is None and not any(line.estimated is not None or line.realized is not None for line in history):
        return None
    minimum = _float_rule(result, "performance", "minimum")
    maximum = _float_rule(result, "performance", "maximum")
    estimated, realized = result.sla_metric("estimated"), result.sla_metric("realized")
    x = window_nights(result.night, nights)
    # tonight's own figures win over a stale stored copy of tonight
    lines = {line.night: line for line in history if x[0] <= line.night <= x[-1]}
    lines[result.night] = HistoryLine.of(result).model_copy(
        update={"quarantined": lines[result.night].quarantined} if result.night in lines else {}
    )
    kept = {n: line for n, line in lines.items() if not line.quarantined}
    est = tuple(kept[n].estimated if n in kept else None for n in x)
    lower = tuple(kept[n].estimated_lower if n in kept else None for n in x)
    upper = tuple(kept[n].estimated_upper if n in kept else None for n in x)
    realized_at: dict[str, float] = {}
    for line in kept.values():  # a realized figure belongs on the night of the batch it labels
        if line.realized is not None and line.realized_batch_night is not None:
            realized_at[line.realized_batch_night] = line.realized
    real = tuple(realized_at.get(n) for n in x)
    # a history shorter than the window (a new model, a new fleet) starts the chart at its first figure
    first = next((k for k in range(len(x)) if est[k] is not None or real[k] is not None), len(x) - 1)
    x, est, lower, upper, real = x[first:], est[first:], lower[first:], upper[first:], real[first:]
    name = str(metric) if metric is not None else None
    bounds = (("SLA minimum", minimum), ("SLA maximum", maximum))
    limits = tuple(Limit(label, value) for label, value in bounds if value is not None)
    has_points = any(v is not None for v in (*est, *real))
    chart = (
        LineChart(
            title=f"{name or 'SLA metric'} from {x[0]} to {x[-1]}: estimated (with its confidence band) and "
            f"realized, against the SLA",
            x_labels=x,
            series=(
                Series("estimated", est, lower, upper, colour=ESTIMATED),
                Series("realized (on the night of the batch)", real, colour=REALIZED, dashed=True),
            ),
            limits=limits,
            highlight=result.night,
        )
        if has_points
        else None
    )
    sla_metric = name or ""
    others = tuple(
        m for m in (performance.metrics if performance else ()) if m.metric != sla_metric and m.kind == "estimated"
    )
    return PerformanceView(
        metric=name,
        minimum=minimum,
        maximum=maximum,
        estimated=estimated,
        realized=realized,
        others=others,
        version_comparison=performance.version_comparison if performance else None,
        breached=any(f.check.startswith("performance.") for f in result.findings),
        chart=chart,
        window=(x[0], x[-1]),
        quarantined_nights=tuple(sorted(n for n, line in lines.items() if line.quarantined)),
        notes=performance.notes if performance else (),
    )


# ---------------------------------------------------------------------------------------------- drift


@dataclass(frozen=True)
class FeatureDriftRow:
    column: str
    kind: str
    jensen_shannon: float | None
    psi: float | None
    wasserstein: float | None
    drifted: bool
    exceeded: tuple[str, ...]
    judged: bool
    null_fraction_reference: float
    null_fraction_current: float
    mean_reference: float | None
    mean_current: float | None
    score: float
    """The largest measure as a share of its limit (1 = at the limit): what features are ranked by."""


@dataclass(frozen=True)
class ShareRow:
    bin: str
    reference: float
    current: float


@dataclass(frozen=True)
class FeatureDistribution:
    """One of the worst features: its share of rows per bin, reference vs tonight (the drift stage's bins,
    those too small to show merged: see ``govern.drift``)."""

    column: str
    kind: str
    drifted: bool
    exceeded: tuple[str, ...]
    other: int
    """Categorical: how many categories the last bin holds together (0: none)."""
    rows: tuple[ShareRow, ...]
    chart: PairedBars


@dataclass(frozen=True)
class DriftView:
    n_columns: int
    n_drifted: int
    limit_jensen_shannon: float | None
    features: tuple[FeatureDriftRow, ...]
    """Ranked, worst first."""
    distributions: tuple[FeatureDistribution, ...]
    """The worst features' distributions (up to 3: the drifted ones, else the highest ranked)."""
    without_distribution: tuple[str, ...]
    """Worst features whose result holds no distribution (written before schema 2.2, or too few rows)."""
    unmeasured: tuple[tuple[str, str], ...]
    """(column, why) of the columns that could not be measured."""
    prediction: tuple[FeatureDriftRow, ...]
    multivariate_increase: float | None
    """NannyML's reconstruction error tonight relative to the reference (+0.12: 12 % higher)."""
    multivariate_alert: bool
    chart: BarChart | None
    notes: tuple[str, ...]


def _drift_row(c: ColumnDrift, limits: dict[str, float | None]) -> FeatureDriftRow:
    shares = [
        measured / limit for measure, limit in limits.items() if limit and (measured := getattr(c, measure)) is not None
    ]
    score = max(shares) if shares else (c.jensen_shannon or 0.0)
    return FeatureDriftRow(
        column=c.column,
        kind=c.kind,
        jensen_shannon=c.jensen_shannon,
        psi=c.psi,
        wasserstein=c.wasserstein,
        drifted=c.drifted,
        exceeded=c.exceeded,
        judged=c.judged,
        null_fraction_reference=c.null_fraction_reference,
        null_fraction_current=c.null_fraction_current,
        mean_reference=c.mean_reference,
        mean_current=c.mean_current,
        score=score,
    )


def _distribution(c: ColumnDrift) -> FeatureDistribution | None:
    d = c.distribution
    if d is None:
        return None
    return FeatureDistribution(
        column=c.column,
        kind=c.kind,
        drifted=c.drifted,
        exceeded=c.exceeded,
        other=d.other,
        rows=tuple(ShareRow(*row) for row in zip(d.labels, d.reference_shares, d.current_shares, strict=True)),
        chart=PairedBars(
            title=f"{c.column}: share of rows per {'category' if c.kind == 'categorical' else 'bin'}, "
            f"reference vs tonight",
            labels=d.labels,
            reference=d.reference_shares,
            current=d.current_shares,
            flagged=c.drifted,
        ),
    )


def drift_view(result: ModelNightResult) -> DriftView | None:
    drift = result.evidence.drift
    if drift is None:
        return None
    t = drift.features.thresholds
    limits = {"jensen_shannon": t.jensen_shannon, "psi": t.psi, "wasserstein": t.wasserstein}
    rows = sorted(
        (_drift_row(c, limits) for c in drift.features.columns),
        key=lambda r: (not r.drifted, -r.score, -(r.jensen_shannon or 0.0), r.column),
    )
    shown = rows[:MAX_DRIFT_BARS]
    chart = (
        BarChart(
            title="Drift by feature (Jensen-Shannon distance, reference vs tonight), worst first",
            bars=tuple(
                Bar(r.column, r.jensen_shannon, flagged=r.drifted, note="" if r.judged else "too few rows to judge")
                for r in shown
            ),
            limit=Limit("limit", t.jensen_shannon) if t.jensen_shannon is not None else None,
            digits=3,
        )
        if rows
        else None
    )
    worst = [r for r in rows if r.drifted][:MAX_DISTRIBUTIONS] or rows[:MAX_DISTRIBUTIONS]
    records = {c.column: c for c in drift.features.columns}
    distributions = {r.column: _distribution(records[r.column]) for r in worst}
    prediction = drift.prediction
    pred_limit = _float_rule(result, "drift", "max_prediction_jensen_shannon")
    multivariate = drift.multivariate
    return DriftView(
        n_columns=drift.features.n_columns,
        n_drifted=drift.features.n_drifted,
        limit_jensen_shannon=t.jensen_shannon,
        features=tuple(rows),
        distributions=tuple(d for d in distributions.values() if d is not None),
        without_distribution=tuple(column for column, d in distributions.items() if d is None),
        unmeasured=tuple((u.column, u.reason) for u in drift.features.unmeasured),
        prediction=tuple(
            _drift_row(c, {"jensen_shannon": pred_limit}) for c in (prediction.columns if prediction else ())
        ),
        multivariate_increase=multivariate.relative_increase if multivariate else None,
        multivariate_alert=multivariate.alert if multivariate else False,
        chart=chart,
        notes=drift.notes,
    )


# ---------------------------------------------------------------------------------------------- fairness


@dataclass(frozen=True)
class GroupRow:
    group: str
    n: int | None
    """None when suppressed: the group is smaller than the policy's minimum size, or protects one that is."""
    selection_rate: float | None
    impact_ratio: float | None
    tpr: float | None
    fpr: float | None
    fnr: float | None
    suppressed: bool
    below_line: bool
    """Its impact ratio is under the limit (the four-fifths line by default)."""
    protects_smaller: bool = False
    """Suppressed though large enough: shown, its figures would give a smaller group's away by subtraction
    (complementary suppression, see ``suppressed_groups``)."""


@dataclass(frozen=True)
class AttributeView:
    attribute: str
    intersectional: bool
    n_groups: int
    n_groups_judged: int
    n_suppressed: int
    """Groups too small to show (``GroupRow.suppressed`` and not ``protects_smaller``)."""
    most_favoured_group: str | None
    least_favoured_group: str | None
    min_impact_ratio: float | None
    demographic_parity_difference: float | None
    equal_opportunity_difference: float | None
    equalized_odds_difference: float | None
    breached: bool
    """A fairness finding names this attribute tonight (for this batch)."""
    groups: tuple[GroupRow, ...]
    chart: BarChart | None
    n_protecting: int = 0
    """Groups hidden to protect a smaller one (``GroupRow.protects_smaller``)."""
    comparable: bool = True
    """At least two groups are shown: else no comparison between groups can be shown."""
    over_shown_groups: bool = False
    """Some group is hidden: the impact ratios, the lowest one and the spreads are over the groups shown (against
    the most favoured group shown), so that none gives a hidden group's rate away. ``breached`` still says
    whether the rule was broken, over every group large enough to judge."""


@dataclass(frozen=True)
class FairnessView:
    batch: str
    """Which batch: "tonight's decisions" or "the labelled batch of <night>"."""
    has_labels: bool
    min_group_size: int
    limit: float
    """The impact ratio floor in force (the four-fifths rule's 0.8 unless a policy says otherwise)."""
    attributes: tuple[AttributeView, ...]


Suppression = Literal["small", "protects_smaller"]
MAX_AUDIT_CELLS = 4096
"""The largest cross of the protected attributes' values the subtraction audit of ``suppressed_groups`` solves
(beyond it, only the structural rules hold)."""
MAX_AUDIT_SUBSETS = 4096
"""How many sets of an attribute's suppressed groups the audit tries per round; when some sum of them is
determined and there are more sets to try, the attribute's every group is hidden."""
MAX_AUDIT_CANDIDATES = 32
"""How many shown groups (the smallest, of the attribute first) the audit tries to hide, one at a time, before
it hides the smallest that takes part in the subtraction."""


def _components(attribute: str, group: str) -> tuple[tuple[str, str], ...]:
    """An intersection's (attribute, value) pairs ("gender x age", "F x 40+"); a group whose name does not
    split like its attribute's is one value of its own attribute."""
    names, values = attribute.split(" x "), group.split(" x ")
    if len(names) != len(values):
        return ((attribute, group),)
    return tuple(zip(names, values, strict=True))


def suppressed_groups(report: FairnessReport) -> dict[tuple[str, str], Suppression]:
    """The (attribute, group) rows a page may not show, and why: "small", under the policy's
    ``min_group_size`` (the fairness stage's ``sufficient`` false), or "protects_smaller", hidden so that a
    small group's size cannot be found by subtraction (complementary suppression).

    A page shows the night's row count and each attribute's groups, which add up to it, and the
    intersections, which add up to the groups they split: a single hidden group would be the difference. So:

    1. a group (or intersection) whose part is hidden is hidden too (``female`` hidden hides ``female x 40+``);
    2. in each attribute, while the hidden groups total fewer than ``min_group_size`` rows, the smallest shown
       group is hidden as well;
    3. then an audit solves what the published counts (the row count and every shown group's) determine, over
       the cells of the protected attributes' cross: while some set of an attribute's hidden groups totalling
       fewer than ``min_group_size`` rows is determined (its count is a sum and difference of published ones),
       one more group is hidden (the smallest whose hiding undoes it, of the same attribute first; an attribute
       with too many small sets to try is hidden whole).

    The audit assumes the page's row count is each attribute's total (rows missing a protected value make the
    real subtraction harder, not easier). A hidden group's rates go with its count; the attribute's own summary
    (its lowest impact ratio and which groups it compares) is a judgement the owner is owed and stays.
    """
    size = report.min_group_size
    why: dict[tuple[str, str], Suppression] = {
        (g.attribute, g.group): "small" for g in report.groups if not g.sufficient
    }
    by_attribute: dict[str, list[GroupFairness]] = {}
    for g in report.groups:
        by_attribute.setdefault(g.attribute, []).append(g)
    for attribute in sorted(by_attribute, key=lambda a: (len(a.split(" x ")), a)):  # the groups before their parts
        members = by_attribute[attribute]
        for g in members:
            parts = _components(g.attribute, g.group)
            if (g.attribute, g.group) not in why and any(
                (" x ".join(n for n, _ in sub), " x ".join(v for _, v in sub)) in why
                for k in range(1, len(parts))
                for sub in itertools.combinations(parts, k)
            ):
                why[(g.attribute, g.group)] = "protects_smaller"
        _complete(members, why, size)
    _audit(report, by_attribute, why)
    return why


def _complete(members: Sequence[GroupFairness], why: dict[tuple[str, str], Suppression], size: int) -> None:
    """Rule 2: hide the smallest shown groups of the attribute until its hidden groups total ``size`` rows."""
    hidden = sum(g.n for g in members if (g.attribute, g.group) in why)
    shown = sorted((g for g in members if (g.attribute, g.group) not in why), key=lambda g: (g.n, g.group))
    while hidden and hidden < size and shown:
        g = shown.pop(0)
        why[(g.attribute, g.group)] = "protects_smaller"
        hidden += g.n


def _audit(
    report: FairnessReport, by_attribute: dict[str, list[GroupFairness]], why: dict[tuple[str, str], Suppression]
) -> None:
    """Rule 3 of ``suppressed_groups``: hide groups until no small set of hidden groups is determined."""
    import numpy as np

    if not why:
        return
    keys = [(g.attribute, g.group) for g in report.groups]
    sizes = {(g.attribute, g.group): g.n for g in report.groups}
    parts = {key: _components(*key) for key in keys}
    values: dict[str, set[str]] = {}
    for pairs in parts.values():
        for name, value in pairs:
            values.setdefault(name, set()).add(value)
    names = sorted(values)
    if math.prod(len(values[n]) for n in names) > MAX_AUDIT_CELLS:
        return
    position = {n: k for k, n in enumerate(names)}
    cells = np.array(list(itertools.product(*(sorted(values[n]) for n in names))), dtype=object).reshape(-1, len(names))
    vector = {
        key: np.logical_and.reduce([cells[:, position[n]] == v for n, v in parts[key]]).astype(float) for key in keys
    }
    total = np.ones(len(cells))

    def basis(shown: Sequence[tuple[str, str]]) -> np.ndarray:
        """An orthonormal basis (rows) of what the published counts determine: the row count, the shown groups'."""
        facts = np.vstack([total, *(vector[k] for k in shown)])
        _, singular, vt = np.linalg.svd(facts, full_matrices=False)
        rank = int((singular > 1e-9 * singular[0]).sum())
        out: np.ndarray = vt[:rank]
        return out

    def outside(q: np.ndarray, target: np.ndarray) -> np.ndarray:
        """The part of ``target`` the published counts do not determine (zero: it is determined)."""
        rest: np.ndarray = target - q.T @ (q @ target)
        return rest

    for _ in range(len(keys)):
        shown = [k for k in keys if k not in why]
        if not shown:
            return
        q = basis(shown)
        found = _determined_small_set(
            by_attribute, why, sizes, {k: outside(q, v) for k, v in vector.items()}, report.min_group_size
        )
        if found is None:
            return
        attribute, subset = found
        if subset is None:
            for g in by_attribute[attribute]:
                why.setdefault((g.attribute, g.group), "protects_smaller")
            continue
        target = sum(vector[h] for h in subset)
        candidates = sorted(shown, key=lambda k: (k[0] != attribute, sizes[k], k))[:MAX_AUDIT_CANDIDATES]
        chosen = next(
            (c for c in candidates if np.abs(outside(basis([k for k in shown if k != c]), target)).max() > 1e-6), None
        )
        if chosen is None:  # no single group undoes it: hide the smallest that takes part in the subtraction
            facts = np.vstack([total, *(vector[k] for k in shown)])
            coefficients, *_ = np.linalg.lstsq(facts.T, target, rcond=None)
            involved = [k for k, c in zip(shown, coefficients[1:], strict=True) if abs(c) > 1e-9]
            chosen = min(involved or shown, key=lambda k: (k[0] != attribute, sizes[k], k))
        why[chosen] = "protects_smaller"


def _determined_small_set(
    by_attribute: dict[str, list[GroupFairness]],
    why: dict[tuple[str, str], Suppression],
    sizes: dict[tuple[str, str], int],
    undetermined: dict[tuple[str, str], Any],
    size: int,
) -> tuple[str, tuple[tuple[str, str], ...] | None] | None:
    """An attribute and a set of its hidden groups totalling fewer than ``size`` rows whose count the shown ones
    determine (the sum of its groups' ``undetermined`` parts is zero), or None. The set is None when there are
    more such sets than ``MAX_AUDIT_SUBSETS``, some sum of them is determined and the attribute still shows a
    group: too many to try."""
    import numpy as np

    for attribute, members in by_attribute.items():
        hidden = sorted(
            ((g.attribute, g.group) for g in members if (g.attribute, g.group) in why), key=lambda k: sizes[k]
        )
        if not hidden:
            continue
        parts = np.vstack([undetermined[h] for h in hidden])
        if np.linalg.matrix_rank(parts, tol=1e-6) == len(hidden):
            continue  # no sum of them at all is determined
        for tried, (subset, rest) in enumerate(_small_sets(hidden, sizes, size, undetermined), start=1):
            if np.abs(rest).max() < 1e-6:
                return attribute, subset
            if tried == MAX_AUDIT_SUBSETS:
                if len(hidden) < len(members):
                    return attribute, None  # too many to try: the caller hides the attribute's every group
                break  # hidden whole already: only these first sets were tried
    return None


def _small_sets(
    hidden: Sequence[tuple[str, str]], sizes: dict[tuple[str, str], int], size: int, parts: dict[tuple[str, str], Any]
) -> Iterator[tuple[tuple[tuple[str, str], ...], Any]]:
    """The non-empty sets of ``hidden`` (sorted smallest first) totalling fewer than ``size`` rows, each with
    the sum of its groups' ``parts``: the single groups first, then the pairs, and so on."""
    level: list[tuple[int, tuple[tuple[str, str], ...], int, Any]] = [(-1, (), 0, 0.0)]  # (last index, set, rows, sum)
    while level:
        grown = []
        for last, chosen, total, summed in level:
            for k in range(last + 1, len(hidden)):
                if total + sizes[hidden[k]] >= size:
                    break  # sorted: every later group is at least as large
                grown.append((k, (*chosen, hidden[k]), total + sizes[hidden[k]], summed + parts[hidden[k]]))
                yield grown[-1][1], grown[-1][3]
        level = grown


def _group_row(g: GroupFairness, limit: float, why: Suppression | None) -> GroupRow:
    if why is not None:
        return GroupRow(
            g.group,
            None,
            None,
            None,
            None,
            None,
            None,
            suppressed=True,
            below_line=False,
            protects_smaller=why == "protects_smaller",
        )
    return GroupRow(
        group=g.group,
        n=g.n,
        selection_rate=g.selection_rate,
        impact_ratio=g.impact_ratio,
        tpr=g.tpr,
        fpr=g.fpr,
        fnr=g.fnr,
        suppressed=False,
        below_line=g.impact_ratio is not None and g.impact_ratio < limit,
    )


@dataclass(frozen=True)
class _Summary:
    most_favoured_group: str | None = None
    least_favoured_group: str | None = None
    min_impact_ratio: float | None = None
    demographic_parity_difference: float | None = None
    equal_opportunity_difference: float | None = None
    equalized_odds_difference: float | None = None

    @classmethod
    def of(cls, a: AttributeFairness) -> _Summary:
        return cls(a.most_favoured_group, a.least_favoured_group, a.min_impact_ratio,
                   a.demographic_parity_difference, a.equal_opportunity_difference,
                   a.equalized_odds_difference)  # fmt: skip


def _spread(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) - min(known) if len(known) >= 2 else None


def _over_shown(rows: Sequence[GroupRow], limit: float) -> tuple[list[GroupRow], _Summary]:
    """The rows and the attribute's summary over the groups shown only: impact ratios against the most
    favoured group shown, the spreads between the groups shown. A figure over all groups (or against a hidden
    most favoured group) would give a hidden group's rate away, and with the totals its size."""
    shown = [r for r in rows if not r.suppressed and r.selection_rate is not None]
    if len(shown) < 2:
        bare = [dataclasses.replace(r, impact_ratio=None, below_line=False) if not r.suppressed else r for r in rows]
        return bare, _Summary()
    best = max(shown, key=lambda r: (r.selection_rate or 0.0, r.group))
    reference = best.selection_rate or 0.0
    rebased = [
        r
        if r.suppressed or r.selection_rate is None
        else dataclasses.replace(
            r,
            impact_ratio=(ratio := r.selection_rate / reference if reference > 0 else None),
            below_line=ratio is not None and ratio < limit,
        )
        for r in rows
    ]
    judged = [r for r in rebased if not r.suppressed and r.impact_ratio is not None]
    worst = min(judged, key=lambda r: (r.impact_ratio or 0.0, r.group)) if judged else None
    tpr = _spread([r.tpr for r in shown])
    fpr = _spread([r.fpr for r in shown])
    return rebased, _Summary(
        most_favoured_group=best.group,
        least_favoured_group=worst.group if worst else None,
        min_impact_ratio=worst.impact_ratio if worst else None,
        demographic_parity_difference=_spread([r.selection_rate for r in shown]),
        equal_opportunity_difference=tpr,
        equalized_odds_difference=None if tpr is None and fpr is None else max(tpr or 0.0, fpr or 0.0),
    )


def _attribute_view(
    a: AttributeFairness,
    groups: Sequence[GroupFairness],
    *,
    limit: float,
    min_size: int,
    breached: bool,
    hidden: dict[tuple[str, str], Suppression] | None = None,
) -> AttributeView:
    why: dict[tuple[str, str], Suppression] = (
        hidden if hidden is not None else {(g.attribute, g.group): "small" for g in groups if not g.sufficient}
    )
    rows = [_group_row(g, limit, why.get((g.attribute, g.group))) for g in groups]
    summary = _Summary.of(a)
    if any(r.suppressed for r in rows):  # the attribute's figures then come from the groups shown, and only them
        rows, summary = _over_shown(rows, limit)
    rows = sorted(rows, key=lambda r: (r.suppressed, r.impact_ratio if r.impact_ratio is not None else 2.0, r.group))
    shown = rows[:MAX_GROUP_BARS]
    comparable = sum(not r.suppressed for r in rows) >= 2
    chart = BarChart(
        title=f"{a.attribute}: impact ratio by group (selection rate / the most favoured group's), "
        f"against the {'four-fifths ' if math.isclose(limit, FOUR_FIFTHS) else ''}line",
        bars=tuple(
            Bar(
                r.group,
                r.impact_ratio,
                flagged=r.below_line,
                note="suppressed to protect a smaller group"
                if r.protects_smaller
                else (f"suppressed: fewer than {min_size} rows" if r.suppressed else ""),
            )
            for r in shown
        ),
        limit=Limit("four-fifths line" if math.isclose(limit, FOUR_FIFTHS) else "limit", limit),
        domain_max=1.0,
    )
    return AttributeView(
        attribute=a.attribute,
        intersectional=a.intersectional,
        n_groups=a.n_groups,
        n_groups_judged=a.n_groups_judged,
        n_suppressed=sum(r.suppressed and not r.protects_smaller for r in rows),
        most_favoured_group=summary.most_favoured_group,
        least_favoured_group=summary.least_favoured_group,
        min_impact_ratio=summary.min_impact_ratio,
        demographic_parity_difference=summary.demographic_parity_difference,
        equal_opportunity_difference=summary.equal_opportunity_difference,
        equalized_odds_difference=summary.equalized_odds_difference,
        breached=breached,
        groups=tuple(rows),
        over_shown_groups=len(rows) != sum(not r.suppressed for r in rows),
        chart=chart if comparable else None,
        n_protecting=sum(r.protects_smaller for r in rows),
        comparable=comparable,
    )


_LABELLED_FAIRNESS = ("fairness.equal_opportunity", "fairness.equalized_odds", "fairness.fpr", "fairness.fnr")


def fairness_views(result: ModelNightResult) -> tuple[FairnessView, ...]:
    limit = _float_rule(result, "fairness", "min_impact_ratio") or FOUR_FIFTHS
    out = []
    evidence = result.evidence
    batches: list[tuple[str, FairnessReport | None, bool]] = [
        ("tonight's decisions", evidence.fairness, False),
        (f"the labelled batch of {evidence.labelled_night}", evidence.labelled_fairness, True),
    ]
    for label, report, labelled in batches:
        if report is None:
            continue
        fired = {
            f.subject
            for f in result.findings
            if f.check.startswith("fairness.") and f.check.startswith(_LABELLED_FAIRNESS) == labelled
        }
        hidden = suppressed_groups(report)
        attributes = tuple(
            _attribute_view(
                a,
                [g for g in report.groups if g.attribute == a.attribute],
                limit=limit,
                min_size=report.min_group_size,
                breached=a.attribute in fired,
                hidden=hidden,
            )
            for a in report.attributes
        )
        out.append(
            FairnessView(
                batch=label,
                has_labels=report.has_labels,
                min_group_size=report.min_group_size,
                limit=limit,
                attributes=attributes,
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------- API clients


@dataclass(frozen=True)
class ClientRow:
    client: str
    n: int
    share: float
    reference_share: float
    share_increase: float
    positive_rate: float
    reference_positive_rate: float
    rate_ratio: float | None
    """positive_rate / reference_positive_rate: how much more often its traffic is predicted positive."""
    flagged: bool
    """A segments finding names this client tonight."""


@dataclass(frozen=True)
class ClientsView:
    n_clients: int
    n_flagged: int
    max_share_increase: float | None
    max_positive_rate_ratio: float | None
    rows: tuple[ClientRow, ...]
    """Those that stand out, first the flagged ones, then by rate ratio and share increase (at most 10)."""


def _client_row(s: SegmentStats, flagged: set[str]) -> ClientRow:
    ratio = s.positive_rate / s.reference_positive_rate if s.reference_positive_rate > 0 else None
    return ClientRow(
        client=s.segment,
        n=s.n,
        share=s.share,
        reference_share=s.reference_share,
        share_increase=s.share - s.reference_share,
        positive_rate=s.positive_rate,
        reference_positive_rate=s.reference_positive_rate,
        rate_ratio=ratio,
        flagged=s.segment in flagged,
    )


def clients_view(result: ModelNightResult) -> ClientsView | None:
    segments = result.evidence.segments
    if segments is None:
        return None
    flagged = {f.subject for f in result.findings if f.check.startswith("segments.")}
    rows = sorted(
        (_client_row(s, flagged) for s in segments),
        key=lambda r: (not r.flagged, -(r.rate_ratio or 0.0), -r.share_increase, r.client),
    )
    return ClientsView(
        n_clients=len(rows),
        n_flagged=sum(r.flagged for r in rows),
        max_share_increase=_float_rule(result, "segments", "max_share_increase"),
        max_positive_rate_ratio=_float_rule(result, "segments", "max_positive_rate_ratio"),
        rows=tuple(rows[:MAX_CLIENT_ROWS]),
    )


# ---------------------------------------------------------------------------------------------- the owner report


@dataclass(frozen=True)
class Banner:
    level: Level
    sev: str | None
    """The worst SEV of the incidents live tonight (level "incident")."""
    headline: str

    @property
    def label(self) -> str:
        return {"ok": "OK", "watch": "WATCH", "incident": f"INCIDENT {self.sev or ''}".strip()}[self.level]


@dataclass(frozen=True)
class Links:
    """Relative links from ``runs/<night>/reports/<model>.html`` to the files beside it."""

    result_json: str
    fleet_overview: str
    model_card: str


@dataclass(frozen=True)
class OwnerReport:
    """The model owner's report of one night."""

    model: str
    night: str
    status: str
    business_unit: str | None
    risk_tier: str | None
    owner: str | None
    description: str
    model_version: str | None
    rows: int | None
    banner: Banner
    what_happened: str
    how_sure: str
    what_to_do: str
    refused: str | None
    """Why tonight's batch was not judged at all (feed disabled, batch missing), when it was not."""
    findings: tuple[FindingView, ...]
    errors: tuple[tuple[str, str], ...]
    """(stage, message) of the stages that could not run."""
    not_judged: tuple[tuple[str, str, str], ...]
    """(section, subject, reason) of the checks that got no verdict."""
    validation: ValidationView | None
    performance: PerformanceView | None
    drift: DriftView | None
    fairness: tuple[FairnessView, ...]
    clients: ClientsView | None
    incidents: tuple[IncidentView, ...] | None
    """None: the incident database was not read for this report (it says so)."""
    next_steps: tuple[str, ...]
    quarantined: bool
    links: Links


def worst_sev(sevs: Iterable[str]) -> str | None:
    """The most severe of ``sevs`` (unknown ones ignored), None when there is none."""
    found = [s for s in sevs if s in SEV_RANK]
    return min(found, key=SEV_RANK.__getitem__) if found else None


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 finding", "3 findings" (also the templates' ``plural`` filter)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def incident_line(incident: IncidentView, result: ModelNightResult) -> str:
    """What an incident is about, in tonight's figures when it fired tonight (its title keeps those of the night
    it opened), else its title with the night it was first seen."""
    tonight = next((f for f in result.findings if f.check == incident.check and f.subject == incident.subject), None)
    if incident.fired_tonight and tonight is not None:
        return f"{result.model}: {tonight.message}"
    return f"{incident.title} (first seen {incident.first_night})"


def _banner(result: ModelNightResult, live: Sequence[IncidentView], quarantined: bool) -> Banner:
    if live:
        sev = worst_sev(i.sev for i in live)
        # of the worst SEV, the one that waits most on people: open before acknowledged before contained
        worst = min(
            (i for i in live if i.sev == sev), key=lambda i: (_STATUS_ORDER.get(i.status, 9), not i.fired_tonight, i.id)
        )
        more = f" and {len(live) - 1} more" if len(live) > 1 else ""
        return Banner("incident", sev, f"Incident #{worst.id} ({worst.status}): {incident_line(worst, result)}{more}")
    if result.status == "healthy" and not quarantined:
        return Banner("ok", None, "Every check in force was made and passed")
    if result.evidence.feed_disabled:
        return Banner("watch", None, "Tonight's batch was refused: its feed is disabled")
    if result.status == "findings":
        top = max(result.findings, key=lambda f: f.severity.rank)
        return Banner("watch", None, f"{plural(len(result.findings), 'finding')}, the worst {top.severity.value}")
    if result.status == "error":
        return Banner("watch", None, f"{plural(len(result.errors), 'stage')} could not run: the checks are incomplete")
    if quarantined:
        return Banner("watch", None, "Tonight's batch was quarantined: it does not count as the model's history")
    return Banner("watch", None, f"No finding, but {plural(len(result.not_judged), 'check')} got no verdict")


def _what_happened(result: ModelNightResult, live: Sequence[IncidentView]) -> str:
    e = result.evidence
    rows = f"{e.rows:,} rows" if e.rows is not None else "no rows"
    version = f", served by version {e.model_version}" if e.model_version else ""
    if e.feed_disabled:
        return f"Tonight's batch was refused unread: {e.feed_disabled}. Nothing of tonight was judged."
    if e.missing_batch:
        return f"Tonight's batch did not arrive (expected at {e.missing_batch}); labels that arrived were judged."
    if result.status == "healthy":
        return f"Every check in force passed on tonight's {rows}{version}."
    if result.status == "error":
        stages = ", ".join(sorted({err.stage for err in result.errors}))
        return f"Part of tonight's checks could not run ({stages}); the other stages ran on {rows}{version}."
    if result.status == "incomplete":
        first = result.not_judged[0]
        return (
            f"No check failed on tonight's {rows}{version}, but {len(result.not_judged)} could not be judged "
            f"(first: {first.section}, {first.reason})."
        )
    worst = max(result.findings, key=lambda f: f.severity.rank)
    blame = {"data": "the data is at fault", "model": "the model is at fault"}.get(result.fault or "", "")
    tonight = [i for i in live if i.fired_tonight]
    incident = f" It is incident #{tonight[0].id} ({tonight[0].sev}, {tonight[0].status})." if tonight else ""
    return (
        f"{plural(len(result.findings), 'finding')} on tonight's {rows}{version}"
        + (f" ({blame})" if blame else "")
        + f"; the worst ({worst.severity.value}): {worst.message}.{incident}"
    )


def _how_sure(result: ModelNightResult) -> str:
    e = result.evidence
    parts = []
    est, real = result.sla_metric("estimated"), result.sla_metric("realized")
    if est is not None and est.value is not None:
        band = f", likely between {_num(est.lower)} and {_num(est.upper)}" if est.lower is not None else ""
        parts.append(f"estimated {est.metric} {_num(est.value)}{band} (without labels)")
    if real is not None and real.value is not None:
        parts.append(f"the labels of the batch of {real.batch_night} give {_num(real.value)}")
    elif est is not None:
        parts.append("no labels have arrived for a recent batch yet")
    sentence = ("Performance: " + "; ".join(parts) + ".") if parts else "No performance figure tonight."
    if e.bad_data:
        sentence += " Tonight's figures rest on data that failed a critical check: treat them with caution."
    if result.not_judged:
        sentence += f" {plural(len(result.not_judged), 'check')} got no verdict."
    return sentence


def _next_steps(result: ModelNightResult, live: Sequence[IncidentView], config: ModelConfig | None) -> list[str]:
    steps: list[str] = []
    for i in live:
        for a in i.actions:
            if a.awaiting_approval:
                steps.append(
                    f"Decide on incident #{i.id}'s proposed action ({a.summary}): "
                    f"govern incidents approve {i.id} --by NAME, or reject it with a note."
                )
        if i.status == "open":
            due = f" (due {i.ack_due})" if i.ack_due else ""
            steps.append(f"Acknowledge incident #{i.id}{due}: govern incidents ack {i.id} --by NAME.")
        if i.recommendation and i.active:
            steps.append(f"Incident #{i.id}: {i.recommendation}")
        if i.report_due:
            steps.append(f"Incident #{i.id} must be reported under EU AI Act Article 73 by {i.report_due}.")
        for a in i.actions:
            if a.kind == "rollback" and a.status == "done":
                steps.append(
                    f"Version {a.from_version} was rolled back (incident #{i.id}): find out why it failed before "
                    f"it is deployed again."
                )
    e = result.evidence
    if e.feed_disabled:
        feed = config.feed if config is not None and config.feed else "FEED"
        steps.append(
            f"Once the feed is fixed upstream, re-enable it: govern feed enable {feed} --by NAME --reason TEXT."
        )
    elif e.missing_batch:
        steps.append("Find out why tonight's batch did not arrive, with the team that delivers it.")
    if not live and result.findings:
        if result.fault == "data":
            steps.append("Check tonight's input data with its upstream team: the data, not the model, is at fault.")
        else:
            steps.append("Review the findings below with the model's team.")
    for err in result.errors:
        steps.append(f"Fix the {err.stage} stage: {err.message}")
    if result.status == "incomplete" and not e.feed_disabled and not e.missing_batch:
        steps.append("Look at why some checks got no verdict (listed below): too few rows, a single group, no labels.")
    if not steps and live:
        states = ", ".join(f"#{i.id} {i.status}" for i in live)
        steps.append(f"Nothing waits for you now (incidents {states}): watch the next nights.")
    elif not steps and result.status != "healthy":
        steps.append("Review the findings and gaps below with the model's team.")
    return list(dict.fromkeys(steps)) or ["Nothing to do: tonight is healthy."]


def owner_report(
    result: ModelNightResult,
    *,
    history: Sequence[HistoryLine] = (),
    incidents: Sequence[IncidentView] | None = None,
    config: ModelConfig | None = None,
    quarantined: bool = False,
    nights: int = WINDOW_NIGHTS,
) -> OwnerReport:
    """The owner's report of ``result``'s night. ``history``: the model's nights (any span; the chart takes
    the ``nights`` ending tonight), ``incidents``: from ``incident_views`` (None: not read), ``config``: the
    model's (for the description, the feed and which columns are private), ``quarantined``: tonight's batch
    was quarantined by the response."""
    live = tuple(i for i in incidents or () if i.active or i.fired_tonight)
    what_to_do = _next_steps(result, live, config)
    owner = result.owner
    if config is not None:
        owner = f"{config.owner.name} <{config.owner.email}>"
    e = result.evidence
    return OwnerReport(
        model=result.model,
        night=result.night,
        status=result.status,
        business_unit=result.business_unit,
        risk_tier=result.risk_tier,
        owner=owner,
        description=config.description if config is not None else "",
        model_version=e.model_version,
        rows=e.rows,
        banner=_banner(result, live, quarantined),
        what_happened=_what_happened(result, live),
        how_sure=_how_sure(result),
        what_to_do=what_to_do[0],
        refused=e.feed_disabled or (f"tonight's batch did not arrive ({e.missing_batch})" if e.missing_batch else None),
        findings=tuple(
            FindingView.of(f) for f in sorted(result.findings, key=lambda f: (-f.severity.rank, f.check, f.subject))
        ),
        errors=tuple((err.stage, err.message) for err in result.errors),
        not_judged=tuple((n.section, n.subject, n.reason) for n in result.not_judged),
        validation=validation_view(result, config),
        performance=performance_view(result, history, nights=nights),
        drift=drift_view(result),
        fairness=fairness_views(result),
        clients=clients_view(result),
        incidents=tuple(incidents) if incidents is not None else None,
        next_steps=tuple(what_to_do),
        quarantined=quarantined,
        links=Links(
            result_json=f"../models/{quote(result.model)}.json",
            fleet_overview="../index.html",
            model_card=f"../../cards/{quote(result.model)}.html",
        ),
    )


def history_lines(
    store: ResultsStore,
    model: str,
    night: str,
    *,
    nights: int = WINDOW_NIGHTS,
    quarantined: Iterable[str] = (),
    unreadable: list[str] | None = None,
) -> list[HistoryLine]:
    """The model's history over the ``nights`` ending with ``night``, each night marked when its batch was
    quarantined. A night that cannot be read is appended to ``unreadable`` (when given) and left out."""
    window = window_nights(night, nights)
    left_out = set(quarantined)
    return [
        HistoryLine.of(r).model_copy(update={"quarantined": r.night in left_out})
        for r in store.history(model, start=window[0], end=window[-1], unreadable=unreadable)
    ]


def owner_report_from_store(
    store: ResultsStore,
    model: str,
    night: str,
    *,
    session: Session | None = None,
    config: ModelConfig | None = None,
    as_of: dt.datetime | None = None,
    nights: int = WINDOW_NIGHTS,
) -> OwnerReport:
    """The owner's report read from the store (and, with ``session``, the incident database)."""
    result = store.read_result(night, model)
    quarantined: set[str] = set()
    views: tuple[IncidentView, ...] | None = None
    if session is not None:
        from govern.respond.containment import quarantined_nights

        quarantined = quarantined_nights(session, model)
        views = incident_views(session, model=model, night=night, as_of=as_of)
    history = history_lines(store, model, night, nights=nights, quarantined=quarantined, unreadable=[])
    return owner_report(
        result,
        history=history,
        incidents=views,
        config=config,
        quarantined=night in quarantined,
        nights=nights,
    )


__all__ = [
    "ActionView",
    "AttributeView",
    "Banner",
    "ClientsView",
    "DriftView",
    "FairnessView",
    "FeatureDistribution",
    "FindingView",
    "IncidentState",
    "IncidentView",
    "OwnerReport",
    "PerformanceView",
    "ValidationView",
    "SEV_RANK",
    "action_status",
    "action_summary",
    "as_dict",
    "history_lines",
    "incident_views",
    "owner_report",
    "owner_report_from_store",
    "plural",
    "replay_incident",
    "suppressed_groups",
]

"""The monthly board summary: a risk committee's brief on the fleet's month, read from the month's stored
results (every model's night, ``store.history``) and the incident database, judged against the board's risk
appetite (``govern.reports.appetite``).

Written for people who are not specialists: every figure comes with what it means in business terms, and a
figure that cannot be known says so ("no data"), never a made-up zero. Its parts: the verdict and the decisions
asked of the board (the first page, which stands alone), the key risk indicators with their month-on-month
trend, the fleet by risk tier and business unit, a heatmap of models by risk dimension against appetite, the
top risks (each with owner, action and status; the first ones as a bow-tie), response times against each
tier's recovery target, exposure by jurisdiction, and the controls exercised mapped to the NIST AI RMF.

**The month's window.** Its nights are the calendar days of the month; the fleet's results are read for those
nights. The incident database is read as it stood at ``as_of`` (default: the end of the window, or now when
that is still to come), and its events count for the month when they fall in
``[close of the month's first night, close of the month's last night + 1 day)``: a night's response and the
people's steps the morning after belong to the month of the night. Incidents are replayed from their events,
so a summary rendered later still says what the board would have read then.

**Definitions** (each shown on the page in plain words):

- the month's *nights due* are those that had closed by ``as_of`` (a night governed by then, or any night a day
  after its close); a night due that the fleet did not govern is a night no model was monitored;
- a model is *monitored* on a night when the fleet ran that night and the model has a result with every stage
  run on its batch (not in error, its batch neither refused, because its feed was disabled, nor missing);
- a model is *within its service level* when its SLA metric (estimated or realized) was measured on some night
  of the month and no SLA check (``performance.estimated_<metric>``, ``performance.realized_<metric>``) fired;
  a night of broken data (its batch failed a critical expectation, ``evidence.bad_data``, or was quarantined)
  neither measures the SLA nor breaches it, and its performance findings are left out: it counts under data
  quality;
- a night *counts against* a dimension when at least one finding of that dimension was raised on it:
  performance (``performance.*``), fairness (``fairness.*``), drift (``drift.*`` and ``segments.*``: what
  comes in, including one client's traffic), data quality (``data_quality.*``); operations is the nights not
  monitored and the response failures (incidents touching the model that missed their acknowledgement window
  or their recovery target), never the incidents' severity again;
- an incident *touches* a model when it is the model's own, or a feed's incident holding a finding of it; it
  belongs to the month when it was opened in the window or was still active when the window began;
- an incident is *contained* when it was marked contained, a containment action of it was carried out, or a
  person resolved it; one resolved by govern alone (its check stopped firing) without any of these *recovered by
  itself*, which is not containment;
- an incident is *contained in time* when it was contained by its recovery deadline (``rto_due``: opened + the
  response policy's ``recover_hours`` for its SEV, times its tier's factor); *late* when it was contained after
  it, or was not contained when it passed (recovering by itself later included); *still running* when it is not
  contained and its deadline is still to come; one that recovered by itself before its deadline is neither;
- *time to detect* runs from the close of the night a problem first appeared to the incident being raised, shown
  as the median, apart for problems seen in the data and problems seen only in outcomes (labels: realized
  performance, the labelled fairness checks), which wait for the outcomes to arrive; *time to contain* from the
  detection to the containment.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import statistics
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from govern.reports.appetite import DIMENSIONS, RiskAppetite, Verdict
from govern.reports.render import ReportError
from govern.reports.views import (
    SEV_RANK,
    action_status,
    action_summary,
    as_dict,
    plural,
    replay_incident,
    worst_sev,
)
from govern.results import ModelNightResult
from govern.rulebook import check_spec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from govern.config import Fleet
    from govern.respond.db import Action, Incident, IncidentEvent, IncidentFinding, Notification
    from govern.store import ResultsStore

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
TIERS = ("critical", "high", "medium", "low")
"""Risk tiers, the most exposed first."""
ACTIVE = ("open", "acknowledged", "contained")
TOP_RISKS = 10
BOW_TIES = TOP_RISKS  # every risk listed in the detail is drawn as a bow-tie
DIMENSION_LABEL = {
    "performance": "Performance",
    "fairness": "Fairness",
    "drift": "Drift",
    "data_quality": "Data quality",
    "operations": "Operations & incidents",
}
DIMENSION_MEANING = {
    "performance": "nights on which the model's decisions were worse than agreed (its service level), or a new "
    "version scored worse than the one before; nights of broken data count under data quality instead",
    "fairness": "nights on which one group of people was treated less favourably than another beyond the "
    "policy's limit",
    "drift": "nights on which the people or transactions coming in no longer looked like those the model was "
    "built on (one API client's traffic included)",
    "data_quality": "nights on which the data the model received was broken or incomplete",
    "operations": "nights the model was not checked at all, and incidents whose response missed a deadline (not "
    "acknowledged in time, or not contained by the recovery target)",
}
_SECTION_DIMENSION = {
    "performance": "performance",
    "fairness": "fairness",
    "drift": "drift",
    "segments": "drift",
    "data_quality": "data_quality",
}
_HEADLINE = {
    "data_quality": "Broken input data reached the model",
    "performance": "The model's decisions got worse than agreed",
    "drift": "The data coming in moved away from what the model was built on",
    "fairness": "Some groups of people are treated less favourably than others",
    "security": "One API client's traffic behaves unusually (misuse or a broken integration)",
    "governance": "The model could not be checked",
}
_CONSEQUENCE = {
    "data_quality": "decisions taken on broken data: wrong approvals or refusals until the data is fixed",
    "performance": "more wrong decisions than the business agreed to (losses, unhappy customers)",
    "drift": "the model's accuracy can no longer be taken for granted on today's customers",
    "fairness": "possible discrimination: legal and regulatory exposure (fair lending, employment law, "
    "EU AI Act), and harm to the people affected",
    "security": "losses or customer harm if the traffic is misuse; blocked good customers if it is not",
    "governance": "the model ran unchecked: any problem that night went unseen",
}


# ---------------------------------------------------------------------------------------------- months


def checked_month(month: str) -> str:
    """``month`` when it is a calendar month YYYY-MM whose nights and window the calendar can hold (0001-01 to
    9999-11); a ReportError saying what is expected otherwise."""
    expected = f"month must be YYYY-MM such as 2026-10, from 0001-01 to 9999-11; got {month!r} instead"
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ReportError(expected)
    year, number = (int(x) for x in month.split("-"))
    try:  # the month's window runs to the day after its last night's close
        dt.date(year, number, calendar.monthrange(year, number)[1]) + dt.timedelta(days=2)
    except (ValueError, OverflowError) as exc:
        raise ReportError(expected) from exc
    return month


def month_nights(month: str) -> list[str]:
    """Every calendar day of the month, as ISO nights."""
    year, number = (int(x) for x in checked_month(month).split("-"))
    days = calendar.monthrange(year, number)[1]
    return [dt.date(year, number, day).isoformat() for day in range(1, days + 1)]


def previous_month(month: str) -> str:
    """The calendar month before ``month`` (2026-01 -> 2025-12; 0001-01 has none: a ReportError)."""
    year, number = (int(x) for x in checked_month(month).split("-"))
    if year == 1 and number == 1:
        raise ReportError("month must be 0001-02 or later to have a month before it; got '0001-01' instead")
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def default_month(timezone: str, now: dt.datetime | None = None) -> str:
    """The month a run at ``now`` summarises when not told: the previous calendar month in the fleet's zone."""
    today = (now or dt.datetime.now(dt.UTC)).astimezone(zoneinfo.ZoneInfo(timezone)).date()
    return previous_month(f"{today.year}-{today.month:02d}")


def month_name(month: str) -> str:
    """``October 2026``."""
    year, number = (int(x) for x in checked_month(month).split("-"))
    return f"{calendar.month_name[number]} {year}"


def month_window(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The incident database's window of the month: from the close of its first night to the close of its
    last night plus one day (UTC), so each night's response and the morning after belong to it."""
    from govern.respond.incidents import night_close

    nights = month_nights(month)
    return night_close(nights[0]), night_close(nights[-1]) + dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------------- views


Direction = Literal["better", "worse", "same", "none"]


@dataclass(frozen=True)
class Trend:
    """A figure against the previous month's."""

    previous: float | None
    """None: the previous month has no data (never a made-up 0)."""
    previous_shown: str
    text: str
    """In words: "up 2 from September (1)", "no data for September"."""
    direction: Direction


@dataclass(frozen=True)
class Kri:
    """One key risk indicator of the month."""

    key: str
    name: str
    value: float | None
    shown: str
    meaning: str
    """What the figure says, in business terms."""
    trend: Trend
    concern: bool
    """The figure calls for the board's attention this month."""


@dataclass(frozen=True)
class UnitRow:
    business_unit: str
    by_tier: tuple[int, ...]
    """Models per tier, in ``TIERS`` order."""
    total: int
    with_incident: int
    """Models of the unit an incident of the month touched."""


@dataclass(frozen=True)
class Composition:
    tiers: tuple[str, ...]
    units: tuple[UnitRow, ...]
    tier_totals: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class Cell:
    dimension: str
    verdict: str
    """within, near or above (appetite)."""
    measure: int | None
    """Nights counted (operations: nights not monitored)."""
    text: str
    """What the cell says without colour: "3 nights", "2 nights unchecked; 1 incident missed a deadline"."""


@dataclass(frozen=True)
class HeatRow:
    model: str
    business_unit: str
    risk_tier: str
    cells: tuple[Cell, ...]
    """In ``DIMENSIONS`` order."""
    overall: str


@dataclass(frozen=True)
class BowTie:
    """A top risk drawn as a bow-tie: what caused it, the event, what it leads to, and the controls that
    worked on either side (``gaps``: the controls that did not)."""

    causes: tuple[str, ...]
    event: str
    consequences: tuple[str, ...]
    preventive: tuple[str, ...]
    """Controls that acted before harm: the validation gate refusing a batch (its feed switched off), a batch
    quarantined before it was used, a new version compared with the one before it, the approval gate holding an
    automatic action for a person."""
    mitigating: tuple[str, ...]
    """Controls that limited the damage once it happened: raised in time, acknowledged, escalated once, rolled
    back, a client denylisted, resolved by a person."""
    gaps: tuple[str, ...]
    """What did not work: slow detection, repeated or exhausted escalation, no safe version, actions waiting,
    failed or rejected, incidents not contained in time."""


@dataclass(frozen=True)
class TopRisk:
    rank: int
    subject: str
    """The model, or "feed <name>" for a feed's incident."""
    model: str | None
    feed: str | None
    headline: str
    detail: str
    """The worst incident's own title, in the monitoring's technical words: in the JSON, not on the page."""
    business_unit: str | None
    risk_tier: str | None
    worst_sev: str
    status: str
    """The worst state of its incidents at ``as_of``: open, acknowledged, contained, resolved."""
    owner: str | None
    owner_name: str | None
    """The owner's name alone (the first page's table)."""
    with_whom: str | None
    """Who the incident is with now, when it escalated past the owner."""
    action: str
    incidents: tuple[int, ...]
    first_night: str
    last_night: str
    appetite: str | None
    """The model's overall verdict against appetite (None for a feed)."""
    bowtie: BowTie | None


@dataclass(frozen=True)
class TierResponse:
    """How fast incidents of one risk tier were detected and contained, against the tier's recovery targets.
    ``in_time + late + running + recovered`` is ``incidents`` (less any without a recovery target)."""

    tier: str
    """A risk tier, or "unknown tier" for incidents that carry none."""
    targets: str
    """Recovery targets by SEV, in hours ("SEV1 24 h, SEV2 72 h, ..."; "unknown" for an unknown tier)."""
    incidents: int
    median_detect_data_hours: float | None
    """Median time to detect of the tier's incidents opened in the month and seen in the data."""
    median_detect_outcome_hours: float | None
    """The same for problems seen only in outcomes (labels), which wait for the outcomes."""
    contained: int
    """Incidents contained (by ``as_of``)."""
    average_contain_hours: float | None
    """Average time to contain, over the contained ones only."""
    median_contain_hours: float | None
    """Median time to contain counting the incidents not contained (and not recovered by themselves) as the time
    they had been running at ``as_of``."""
    median_contain_at_least: bool
    """The median is a lower bound: it falls on an incident not contained yet."""
    contain_shown: str
    """In words: "5.7 h on average over 7 of 23 contained; median at least 150 h counting the 14 not contained"."""
    in_time: int
    late: int
    running: int
    """Not yet contained, still within the target at ``as_of``."""
    recovered: int
    """Recovered by themselves (resolved by govern when the check stopped firing) before their deadline,
    without containment: neither in time nor late."""
    recovered_late: int = 0
    """Recovered by themselves after their deadline: counted in ``late`` (shown there, "of which 3 went away by
    themselves"), so that ``contained + not contained so far + recovered + recovered_late`` is ``incidents`` too."""


@dataclass(frozen=True)
class Exposure:
    jurisdiction: str
    models: int
    with_incident: int
    serious: int
    """Incidents of the month at SEV1 or SEV2 touching its models."""
    above_appetite: int
    report_deadlines: int
    """Incidents carrying a regulator's reporting deadline set by a policy of this jurisdiction (the EU AI Act's
    Article 73: under EU only, though the model also serves elsewhere)."""


@dataclass(frozen=True)
class Control:
    name: str
    count: int | None
    """None: not known (the incident database was not read)."""
    meaning: str
    shown: str | None = None
    """The count in words when the bare number would hide something ("0 of 302 (192 abandoned, 110 pending)")."""


@dataclass(frozen=True)
class NistFunction:
    name: str
    purpose: str
    controls: tuple[Control, ...]


@dataclass(frozen=True)
class Decision:
    kind: Literal["approve", "accept", "fund", "report"]
    title: str
    why: str
    options: str


@dataclass(frozen=True)
class BoardVerdict:
    level: str
    """within, near or above: the fleet's worst model against appetite."""
    headline: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class AppetiteRow:
    """One dimension's appetite, in words, for the page's key."""

    dimension: str
    meaning: str
    by_tier: tuple[str, ...]
    """Per tier, in ``TIERS`` order: "within: 0, near: up to 2"."""


@dataclass(frozen=True)
class BoardSummary:
    """The board's monthly brief (see the module docstring)."""

    fleet: str
    month: str
    month_name: str
    previous_month: str
    previous_month_name: str
    previous_has_data: bool
    nights_in_month: int
    nights_due: int
    """Nights of the month that had closed by ``as_of`` (all of them once the month is over)."""
    nights_run: int
    nights_missing: tuple[str, ...]
    """Nights due the fleet was not governed: no model was monitored on them."""
    as_of: str
    verdict: BoardVerdict
    decisions: tuple[Decision, ...]
    kris: tuple[Kri, ...]
    composition: Composition
    heatmap: tuple[HeatRow, ...]
    dimensions: tuple[tuple[str, str], ...]
    """(dimension, label) of the heatmap's columns."""
    appetite: tuple[AppetiteRow, ...]
    top_risks: tuple[TopRisk, ...]
    other_risks: int
    """Risks of the month beyond the top ones."""
    response: tuple[TierResponse, ...]
    exposure: tuple[Exposure, ...]
    nist: tuple[NistFunction, ...]
    notes: tuple[str, ...] = field(default=())
    """What could not be read (a result file, the incident database)."""


# ---------------------------------------------------------------------------------------------- the month's facts


@dataclass
class _ModelMonth:
    """What the store says of one model's month (not a view)."""

    name: str
    business_unit: str
    tier: str
    jurisdictions: tuple[str, ...]
    owner: str | None
    escalation: bool
    monitored: int = 0
    unmonitored: dict[str, str] = field(default_factory=dict)
    """night -> why it was not monitored."""
    nights: dict[str, set[str]] = field(default_factory=lambda: {d: set() for d in DIMENSIONS[:4]})
    sla_measured: bool = False
    sla_breached: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)
    """Nights of broken data (a critical expectation failed, or the batch was quarantined): their performance
    findings are not counted."""
    rows: dict[str, int] = field(default_factory=dict)
    """night -> rows of its batch."""
    results: int = 0
    validated: int = 0
    estimated: int = 0
    fairness_assessed: int = 0
    drift_assessed: int = 0
    findings: int = 0


def _is_sla_check(check: str) -> bool:
    return check.startswith(("performance.estimated_", "performance.realized_")) and not check.endswith("_drop")


def _take_night(facts: _ModelMonth, result: ModelNightResult, *, quarantined: bool = False) -> None:
    """Take one night's result in. On a night of broken data (a critical expectation failed, or the batch was
    quarantined) the performance findings are left out, and so is the SLA's measurement: the model was judged on
    data it should never have been given, and the night counts under data quality instead."""
    e = result.evidence
    broken = e.bad_data or quarantined
    facts.results += 1
    if e.rows is not None:
        facts.rows[result.night] = e.rows
    if result.status == "error":
        facts.unmonitored[result.night] = "a check could not run"
    elif e.feed_disabled:
        facts.unmonitored[result.night] = "its batch was refused (feed switched off)"
    elif e.missing_batch:
        facts.unmonitored[result.night] = "its batch did not arrive"
    else:
        facts.monitored += 1
    facts.validated += e.validation is not None
    facts.estimated += result.sla_metric("estimated") is not None
    facts.fairness_assessed += e.fairness is not None or e.labelled_fairness is not None
    facts.drift_assessed += e.drift is not None
    facts.findings += len(result.findings)
    if broken:
        facts.broken.add(result.night)
    for kind in ("estimated", "realized"):
        figure = result.sla_metric(kind)
        facts.sla_measured |= figure is not None and figure.value is not None and not broken
    for finding in result.findings:
        section = finding.check.split(".", 1)[0]
        dimension = _SECTION_DIMENSION.get(section)
        if broken and dimension == "performance":
            continue  # judged on broken data: it counts under data quality
        if dimension is not None:
            facts.nights[dimension].add(result.night)
        if _is_sla_check(finding.check):
            facts.sla_breached.add(result.night)


#: Checks judged on outcomes (labels), which arrive days or weeks after the decisions: a problem they find
#: waits for them, so its time to detect is shown apart from the problems seen in the data.
OUTCOME_CHECKS = frozenset(
    {
        "performance.realized_<metric>",
        "performance.realized_<metric>_drop",
        "fairness.equal_opportunity_difference",
        "fairness.equalized_odds_difference",
        "fairness.fpr_difference",
        "fairness.fnr_difference",
    }
)
CONTAINMENT_ACTIONS = ("rollback", "quarantine_batch", "disable_feed", "denylist")
Outcome = Literal["in_time", "late", "running", "recovered", "no_target"]


@dataclass
class _IncidentMonth:
    """One incident as it stood at ``as_of`` (not a view)."""

    row: Incident
    status: str
    sev: str
    new: bool
    models: set[str]
    fired: set[str]
    """Nights of the month it fired on."""
    contained_at: dt.datetime | None
    """When it was contained: marked so, a containment action of it carried out, or resolved by a person."""
    resolved_at: dt.datetime | None
    self_recovered: bool
    """Resolved by govern alone (the check stopped firing) and never contained."""
    ack_missed: bool
    """Not acknowledged within its window at least once in the month (escalated for it, or nobody left)."""
    escalations: int
    events: list[IncidentEvent]
    findings: list[IncidentFinding]
    actions: list[Action]
    notifications: Counter[str] = field(default_factory=Counter)
    """Its notifications created by ``as_of``, by status then (delivered, pending, failed, abandoned)."""

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def detect_hours(self) -> float | None:
        seconds = self.row.time_to_detect_s
        return None if seconds is None else seconds / 3600

    @property
    def seen_in_outcomes(self) -> bool:
        """Found by a check judged on outcomes (labels): its detection waited for them."""
        spec = check_spec(self.row.check)
        return (spec.id if spec is not None else self.row.check) in OUTCOME_CHECKS

    @property
    def contain_hours(self) -> float | None:
        """Hours from detection to containment; None when it was not contained."""
        if self.contained_at is None:
            return None
        return max(0.0, (self.contained_at - self.row.detected_at).total_seconds() / 3600)

    def running_hours(self, as_of: dt.datetime) -> float | None:
        """Hours it has run uncontained at ``as_of`` (a lower bound of its time to contain); None when it was
        contained or recovered by itself."""
        if self.contained_at is not None or not self.active:
            return None
        return max(0.0, (as_of - self.row.detected_at).total_seconds() / 3600)

    def outcome(self, as_of: dt.datetime) -> Outcome:
        """Against its recovery deadline (see the module docstring): in_time, late, running, recovered (by itself,
        before its deadline) or no_target."""
        due = self.row.rto_due
        if due is None:
            return "no_target"
        if self.contained_at is not None:
            return "in_time" if self.contained_at <= due else "late"
        if self.self_recovered and self.resolved_at is not None:
            return "recovered" if self.resolved_at <= due else "late"
        return "late" if as_of > due else "running"

    def response_failed(self, as_of: dt.datetime) -> bool:
        """It missed a deadline of the response policy: its acknowledgement window or its recovery target."""
        return self.ack_missed or self.outcome(as_of) == "late"


def _contained_at(
    state_contained: dt.datetime | None, events: Sequence[IncidentEvent], actions: Sequence[Action], as_of: dt.datetime
) -> dt.datetime | None:
    """The first containment since the incident last (re)opened: marked contained, a containment action carried
    out, or resolved by a person. A resolution by govern alone (the check stopped firing) is not one."""
    reopened = max((e.at for e in events if e.kind == "reopened"), default=None)
    moments = [state_contained] if state_contained is not None else []
    moments += [
        a.done_at
        for a in actions
        if a.kind in CONTAINMENT_ACTIONS
        and a.done_at is not None
        and action_status(a, as_of) == "done"
        and (reopened is None or a.done_at >= reopened)
    ]
    moments += [
        e.at for e in events if e.kind == "resolved" and e.by != "govern" and (reopened is None or e.at >= reopened)
    ]
    return min(moments) if moments else None


def _ack_missed(events: Sequence[IncidentEvent], start: dt.datetime) -> bool:
    return any(
        e.at >= start
        and (
            e.kind == "escalation_exhausted"
            or (e.kind == "escalated" and str((e.detail or {}).get("why", "")).startswith("not acknowledged"))
        )
        for e in events
    )


def _incidents_of_month(
    session: Session, fleet: str, window: tuple[dt.datetime, dt.datetime], as_of: dt.datetime, nights: set[str]
) -> list[_IncidentMonth]:
    from sqlalchemy import select

    from govern.respond.db import Action, Incident, IncidentEvent, IncidentFinding, Notification

    start, _ = window
    rows = list(
        session.scalars(
            select(Incident).where(Incident.fleet == fleet, Incident.opened_at <= as_of).order_by(Incident.id)
        )
    )
    ids = [r.id for r in rows]
    events: dict[int, list[IncidentEvent]] = defaultdict(list)
    findings: dict[int, list[IncidentFinding]] = defaultdict(list)
    actions: dict[int, list[Action]] = defaultdict(list)
    sent: dict[int, Counter[str]] = defaultdict(Counter)
    if ids:
        for e in session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id.in_(ids), IncidentEvent.at <= as_of)
            .order_by(IncidentEvent.id)
        ):
            events[e.incident_id].append(e)
        for f in session.scalars(select(IncidentFinding).where(IncidentFinding.incident_id.in_(ids))):
            findings[f.incident_id].append(f)
        for a in session.scalars(
            select(Action).where(Action.incident_id.in_(ids), Action.requested_at <= as_of).order_by(Action.id)
        ):
            if a.incident_id is not None:
                actions[a.incident_id].append(a)
        for n in session.scalars(
            select(Notification).where(Notification.incident_id.in_(ids), Notification.created_at <= as_of)
        ):
            sent[n.incident_id][notification_status(n, as_of)] += 1
    out = []
    for row in rows:
        state = replay_incident(events[row.id], row.sev)
        status, sev = state.status, state.sev
        if status is None:
            continue
        before = [e for e in events[row.id] if e.at < start]
        status_then = replay_incident(before, row.sev).status
        new = status_then is None
        if not new and status_then not in ACTIVE:
            reopened = any(e.kind == "reopened" and e.at >= start for e in events[row.id])
            if not reopened:
                continue  # resolved before the month began
        own = [f for f in findings[row.id] if f.night in nights]
        contained_at = _contained_at(state.contained_at, events[row.id], actions[row.id], as_of)
        out.append(
            _IncidentMonth(
                row=row,
                status=status,
                sev=sev,
                new=new,
                models={row.model} if row.model else {f.model for f in findings[row.id]},
                fired={f.night for f in own},
                contained_at=contained_at,
                resolved_at=state.resolved_at,
                self_recovered=status == "resolved" and contained_at is None,
                ack_missed=_ack_missed(events[row.id], start),
                escalations=state.escalations,
                events=events[row.id],
                findings=findings[row.id],
                actions=actions[row.id],
                notifications=sent[row.id],
            )
        )
    return out


def notification_status(notification: Notification, as_of: dt.datetime) -> str:
    """A notification's status as it stood at ``as_of``: delivered when it was delivered by then; one delivered
    later was still pending; otherwise its status as recorded (pending, failed, abandoned)."""
    if notification.delivered_at is not None and notification.delivered_at <= as_of:
        return "delivered"
    return "pending" if notification.status == "delivered" else notification.status


def undelivered_text(statuses: Counter[str]) -> str | None:
    """``"5 notifications not delivered (3 abandoned, 2 pending)"``; None when every one was delivered."""
    missing = {k: n for k, n in sorted(statuses.items()) if k != "delivered" and n}
    if not missing:
        return None
    total = sum(missing.values())
    return f"{plural(total, 'notification')} not delivered ({', '.join(f'{n} {k}' for k, n in missing.items())})"


@dataclass
class _Month:
    month: str
    nights: list[str]
    due: list[str]
    """The nights that had closed by ``as_of``: each one counts, governed or not."""
    run: list[str]
    """The nights due the fleet was governed."""
    models: dict[str, _ModelMonth]
    incidents: list[_IncidentMonth] | None
    """None: the incident database was not read."""
    as_of: dt.datetime
    window: tuple[dt.datetime, dt.datetime]
    detection_hours: float = 24.0
    """The appetite's limit on the median time to detect a problem seen in the data."""


def _read_month(
    fleet: Fleet,
    month: str,
    *,
    store: ResultsStore,
    session: Session | None,
    as_of: dt.datetime | None,
    notes: list[str],
) -> _Month:
    from govern.respond.incidents import night_close

    nights = month_nights(month)
    window = month_window(month)
    now = dt.datetime.now(dt.UTC)
    moment = as_of or min(window[1], now)
    stored = set(store.nights())
    run = [n for n in nights if n in stored and night_close(n) <= moment]
    # a night not governed counts once its morning is over (the run of a night closes by then)
    due = [n for n in nights if n in run or night_close(n) + dt.timedelta(days=1) <= moment]
    models: dict[str, _ModelMonth] = {}
    for name, config in sorted(fleet.models.items()):
        models[name] = _ModelMonth(
            name=name,
            business_unit=config.business_unit,
            tier=config.risk_tier.value,
            jurisdictions=tuple(config.jurisdictions),
            owner=f"{config.owner.name} <{config.owner.email}>",
            escalation=bool(config.escalation),
        )
    for name in sorted(fleet.broken):
        models.setdefault(name, _ModelMonth(name, "unknown", "unknown", (), None, False))
    unreadable: list[str] = []
    for name, facts in models.items():
        quarantined: set[str] = set()
        if session is not None:
            from govern.respond.containment import quarantined_nights

            quarantined = quarantined_nights(session, name)
        found = {r.night: r for r in store.history(name, start=nights[0], end=nights[-1], unreadable=unreadable)}
        for night in due:
            result = found.get(night) if night in run else None
            if result is None:
                facts.unmonitored[night] = "no result was recorded" if night in run else "the fleet was not governed"
                continue
            if facts.business_unit == "unknown" and result.business_unit:
                facts.business_unit = result.business_unit
            if facts.tier == "unknown" and result.risk_tier:
                facts.tier = result.risk_tier
            _take_night(facts, result, quarantined=night in quarantined)
    notes.extend(f"{month}: a result could not be read and counts as not monitored: {u}" for u in unreadable)
    incidents = None
    if session is not None:
        incidents = _incidents_of_month(session, fleet.config.name, window, moment, set(nights))
    return _Month(month, nights, due, run, models, incidents, moment, window, fleet.risk_appetite.detection.data_hours)


# ---------------------------------------------------------------------------------------------- judging


def _touching(incidents: Sequence[_IncidentMonth], model: str) -> list[_IncidentMonth]:
    return [i for i in incidents if model in i.models]


def _heat_row(
    facts: _ModelMonth, incidents: Sequence[_IncidentMonth] | None, appetite: RiskAppetite, as_of: dt.datetime
) -> HeatRow:
    cells = []
    for dimension in DIMENSIONS[:4]:
        count = len(facts.nights[dimension])
        verdict = appetite.nights(dimension).of(facts.tier).verdict(count)
        cells.append(Cell(dimension, verdict.value, count, "none" if count == 0 else plural(count, "night")))
    unmonitored = len(facts.unmonitored)
    ops = appetite.operations
    verdict = ops.unmonitored_nights.of(facts.tier).verdict(unmonitored)
    parts = ["all nights checked" if unmonitored == 0 else f"{plural(unmonitored, 'night')} unchecked"]
    if incidents is None:
        parts.append("response not read")
    else:
        failures = sum(i.response_failed(as_of) for i in _touching(incidents, facts.name))
        verdict = Verdict.worst(verdict, ops.response_failures.of(facts.tier).verdict(failures))
        parts.append("no deadline missed" if failures == 0 else f"{plural(failures, 'incident')} missed a deadline")
    cells.append(Cell("operations", verdict.value, unmonitored, "; ".join(parts)))
    overall = Verdict.worst(*(Verdict(c.verdict) for c in cells))
    return HeatRow(facts.name, facts.business_unit, facts.tier, tuple(cells), overall.value)


def _tier_rank(tier: str) -> int:
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def _heatmap(month: _Month, appetite: RiskAppetite) -> list[HeatRow]:
    rows = [_heat_row(facts, month.incidents, appetite, month.as_of) for facts in month.models.values()]
    return sorted(rows, key=lambda r: (-Verdict(r.overall).rank, _tier_rank(r.risk_tier), r.model))


@dataclass(frozen=True)
class _Figures:
    """The month's indicators as numbers (None: unknown), with their shown form."""

    values: dict[str, float | None]
    shown: dict[str, str]


def _average(values: Iterable[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return sum(found) / len(found) if found else None


def _median(values: Iterable[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.median(found) if found else None


def _hours(value: float | None) -> str:
    if value is None:
        return "no data"
    return f"{value:.0f} hours" if value >= 10 else f"{value:.1f} hours"


def _figures(month: _Month, heat: Sequence[HeatRow]) -> _Figures:
    models = list(month.models.values())
    n = len(models)
    every = sum(not f.unmonitored for f in models) if month.run else 0
    measured = [f for f in models if f.sla_measured]
    within = sum(not f.sla_breached for f in measured)
    fairness_nights = sum(len(f.nights["fairness"]) for f in models)
    fairness_models = sum(bool(f.nights["fairness"]) for f in models)
    drift_nights = sum(len(f.nights["drift"]) for f in models)
    drift_models = sum(bool(f.nights["drift"]) for f in models)
    above = sum(r.overall == Verdict.ABOVE for r in heat)
    values: dict[str, float | None] = {
        "nights_run": len(month.run) / len(month.due) if month.due else None,
        "monitored_every_night": every / n if n and month.run else None,
        "within_sla": within / len(measured) if measured else None,
        "fairness_nights": float(fairness_nights) if month.run else None,
        "drift_nights": float(drift_nights) if month.run else None,
        "above_appetite": float(above) if month.run else None,
    }
    shown = {
        "nights_run": f"{len(month.run)} of {len(month.due)} nights"
        + (f" (so far, of {len(month.nights)})" if len(month.due) < len(month.nights) else ""),
        "monitored_every_night": f"{every} of {n} models" if month.run else "no data",
        "within_sla": f"{within} of {len(measured)} models" if measured else "not measured",
        "fairness_nights": f"{plural(fairness_nights, 'model-night')} ({plural(fairness_models, 'model')})",
        "drift_nights": f"{plural(drift_nights, 'model-night')} ({plural(drift_models, 'model')})",
        "above_appetite": f"{above} of {n} models",
    }
    incidents = month.incidents
    if incidents is None:
        for key in ("serious_new", "new", "open_at_end", "detect_data_hours", "detect_outcome_hours", "in_time"):
            values[key], shown[key] = None, "not read"
        return _Figures(values, shown)
    new = [i for i in incidents if i.new]
    by_sev = Counter(i.sev for i in new)
    serious = by_sev["SEV1"] + by_sev["SEV2"]
    active = [i for i in incidents if i.active]
    in_data = [i.detect_hours for i in new if not i.seen_in_outcomes and i.detect_hours is not None]
    in_outcomes = [i.detect_hours for i in new if i.seen_in_outcomes and i.detect_hours is not None]
    outcomes = Counter(i.outcome(month.as_of) for i in incidents)
    in_time, late = outcomes["in_time"], outcomes["late"]
    values.update(
        serious_new=float(serious),
        new=float(len(new)),
        open_at_end=float(len(active)),
        detect_data_hours=_median(in_data),
        detect_outcome_hours=_median(in_outcomes),
        in_time=in_time / (in_time + late) if in_time + late else None,
    )
    breakdown = ", ".join(f"{s} {by_sev[s]}" for s in SEV_RANK if by_sev[s]) or "none"
    shown.update(
        serious_new=str(serious),
        new=f"{len(new)} ({breakdown})",
        open_at_end=str(len(active)),
        detect_data_hours=f"{_hours(_median(in_data))} (median of {plural(len(in_data), 'incident')})"
        if in_data
        else "none raised",
        detect_outcome_hours=f"{_hours(_median(in_outcomes))} (median of {plural(len(in_outcomes), 'incident')})"
        if in_outcomes
        else "none raised",
        in_time=f"{in_time} of {in_time + late}" if in_time + late else "none due",
        recovered=str(outcomes["recovered"]),
        recovered_late=str(sum(i.self_recovered and i.outcome(month.as_of) == "late" for i in incidents)),
        running=str(outcomes["running"]),
    )
    return _Figures(values, shown)


#: key -> (name, which way is better, what it means); the order of the page.
_KRIS: tuple[tuple[str, str, Literal["up", "down"], str], ...] = (
    ("above_appetite", "Models above the risk appetite", "down",
     "models carrying more risk this month than the board has said it accepts, on at least one dimension"),
    ("serious_new", "Serious incidents opened (SEV1-SEV2)", "down",
     "problems serious enough to need action within hours or days"),
    ("new", "All incidents opened", "down", "every problem raised this month, by severity (SEV1 is the worst)"),
    ("open_at_end", "Incidents still open at month end", "down",
     "problems not yet fixed: contained ones are under control, the others still need work"),
    ("in_time", "Contained within the recovery target", "up",
     "incidents brought under control (rolled back, quarantined, cut off or fixed by a person) by the deadline "
     "for their severity and tier; a problem that went away by itself does not count"),
    ("detect_data_hours", "Time to detect, problems seen in the data", "down",
     "typical (median) hours from the end of the night a problem appeared in the data to its being raised"),
    ("detect_outcome_hours", "Time to detect, problems seen only in outcomes", "down",
     "the same for problems seen only in real outcomes (repayments, confirmed fraud): days or weeks are expected"),
    ("monitored_every_night", "Models checked every night", "up",
     "models whose every night was checked in full; the others went unchecked on some nights"),
    ("within_sla", "Models within their service level", "up",
     "models whose measured accuracy stayed at the level agreed with the business all month (a night of broken "
     "data counts under data quality, not against the model's accuracy)"),
    ("fairness_nights", "Fairness breaches", "down",
     "nights on which a model treated one group of people less favourably than the policy allows"),
    ("drift_nights", "Drift breaches", "down",
     "nights on which the customers or transactions coming in no longer looked like those a model was built on"),
    ("nights_run", "Nights governed", "up", "nights on which the governance run checked the fleet"),
)  # fmt: skip
_SHARES = {"nights_run", "monitored_every_night", "within_sla", "in_time"}
_HOURS = {"detect_data_hours", "detect_outcome_hours"}


def _trend(key: str, value: float | None, previous: _Figures | None, better: str, name: str) -> Trend:
    if previous is None or previous.values.get(key) is None:
        return Trend(None, "no data", f"no data ({name})", "none")
    before = previous.values[key]
    assert before is not None
    shown = previous.shown[key]
    if value is None:
        return Trend(before, shown, f"{name}: {shown}; none this month", "none")
    delta = value - before
    if abs(delta) < 1e-9:
        return Trend(before, shown, f"same as {name} ({shown})", "same")
    if key in _SHARES:
        change = f"{abs(delta) * 100:.0f} points"
    elif key in _HOURS:
        change = f"{abs(delta):.1f} hours"
    else:
        change = f"{abs(delta):.0f}"
    up = delta > 0
    direction: Direction = "better" if up == (better == "up") else "worse"
    return Trend(before, shown, f"{'up' if up else 'down'} {change} from {name} ({shown})", direction)


def _concern(key: str, value: float | None, appetite: RiskAppetite) -> bool:
    if value is None:
        return False
    if key in _SHARES:
        return value < 1.0
    if key == "detect_data_hours":
        return value > appetite.detection.data_hours
    if key == "detect_outcome_hours":
        return False  # the outcomes' own delay, not the monitoring's
    return value > 0 and key != "new"


def _kris(current: _Figures, previous: _Figures | None, previous_name: str, appetite: RiskAppetite) -> tuple[Kri, ...]:
    out = []
    for key, name, better, meaning in _KRIS:
        value = current.values.get(key)
        shown = current.shown[key]
        if key in _SHARES and value is not None:
            shown = f"{shown} ({value * 100:.0f} %)"
        out.append(
            Kri(
                key=key,
                name=name,
                value=value,
                shown=shown,
                meaning=meaning,
                trend=_trend(key, value, previous, better, previous_name),
                concern=_concern(key, value, appetite),
            )
        )
    return tuple(out)


def _composition(month: _Month) -> Composition:
    units: dict[str, list[_ModelMonth]] = defaultdict(list)
    for facts in month.models.values():
        units[facts.business_unit].append(facts)
    touched = {m for i in month.incidents or () for m in i.models}
    rows = tuple(
        UnitRow(
            business_unit=unit,
            by_tier=tuple(sum(f.tier == t for f in members) for t in TIERS),
            total=len(members),
            with_incident=sum(f.name in touched for f in members),
        )
        for unit, members in sorted(units.items())
    )
    return Composition(
        tiers=TIERS,
        units=rows,
        tier_totals=tuple(sum(r.by_tier[i] for r in rows) for i in range(len(TIERS))),
        total=len(month.models),
    )


UNKNOWN_TIER = "unknown tier"
EVERYWHERE = "(everywhere)"
"""The exposure row of models that name no jurisdiction."""


def _contain_median(incidents: Sequence[_IncidentMonth], as_of: dt.datetime) -> tuple[float | None, bool]:
    """The median time to contain, an incident not contained counting as the time it has run (a lower bound);
    those that recovered by themselves are left out. True when the median rests on such a lower bound."""
    times: list[tuple[float, bool]] = []
    for incident in incidents:
        contained, running = incident.contain_hours, incident.running_hours(as_of)
        if contained is not None:
            times.append((contained, False))
        elif running is not None:
            times.append((running, True))
    if not times:
        return None, False
    times.sort()
    middle = times[(len(times) - 1) // 2 : len(times) // 2 + 1]
    return sum(t for t, _ in middle) / len(middle), any(bound for _, bound in middle)


def _contain_text(of_tier: Sequence[_IncidentMonth], as_of: dt.datetime) -> str:
    """Every incident of the tier, in one of three parts that add up: contained, not contained so far, went away
    by itself (before or after its deadline)."""
    contained = [i.contain_hours for i in of_tier if i.contain_hours is not None]
    waiting = sum(i.running_hours(as_of) is not None for i in of_tier)
    went = [i for i in of_tier if i.contained_at is None and i.running_hours(as_of) is None]
    if not of_tier:
        return "no incident"
    average = _average(contained)
    text = (
        f"{_short_hours(average)} on average over {len(contained)} of {len(of_tier)} contained"
        if contained
        else f"none of {len(of_tier)} contained"
    )
    if waiting:
        median, at_least = _contain_median(of_tier, as_of)
        text += (
            f"; median {'at least ' if at_least else ''}{_short_hours(median)} counting the {waiting} not contained "
            "so far"
        )
    if went:
        after = sum(i.outcome(as_of) == "late" for i in went)
        text += f"; {len(went)} went away by {'itself' if len(went) == 1 else 'themselves'}"
        text += f" ({after} after {'its' if len(went) == 1 else 'their'} deadline, counted late)" if after else ""
    return text


def _short_hours(value: float | None) -> str:
    if value is None:
        return "no data"
    return f"{value:.0f} h" if value >= 10 else f"{value:.1f} h"


def _response_times(month: _Month, fleet: Fleet) -> tuple[TierResponse, ...]:
    from govern.respond.policy import Sev

    windows = fleet.response_policy.windows
    incidents = list(month.incidents or ())
    unknown = [i for i in incidents if i.row.risk_tier not in TIERS]
    out = []
    for tier in (*TIERS, UNKNOWN_TIER) if unknown else TIERS:
        of_tier = unknown if tier == UNKNOWN_TIER else [i for i in incidents if i.row.risk_tier == tier]
        outcomes = Counter(i.outcome(month.as_of) for i in of_tier)
        new = [i for i in of_tier if i.new]
        median, at_least = _contain_median(of_tier, month.as_of)
        out.append(
            TierResponse(
                tier=tier,
                targets="unknown"
                if tier == UNKNOWN_TIER
                else ", ".join(f"{s.value} {windows.recover(s, tier):g} h" for s in Sev),
                incidents=len(of_tier),
                median_detect_data_hours=_round(_median(i.detect_hours for i in new if not i.seen_in_outcomes)),
                median_detect_outcome_hours=_round(_median(i.detect_hours for i in new if i.seen_in_outcomes)),
                contained=sum(i.contained_at is not None for i in of_tier),
                average_contain_hours=_round(_average(i.contain_hours for i in of_tier)),
                median_contain_hours=_round(median),
                median_contain_at_least=at_least,
                contain_shown=_contain_text(of_tier, month.as_of),
                in_time=outcomes["in_time"],
                late=outcomes["late"],
                running=outcomes["running"],
                recovered=outcomes["recovered"],
                recovered_late=sum(i.self_recovered and i.outcome(month.as_of) == "late" for i in of_tier),
            )
        )
    return tuple(out)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _deadline_places(fleet: Fleet, models: Iterable[str]) -> set[str] | None:
    """The jurisdictions whose policy set the reporting deadline of an incident touching ``models``: those of the
    response policy's Article 73 policies (the EU AI Act's) that the models are judged by; None when such a
    policy names no jurisdiction (the deadline then counts wherever the models serve)."""
    article = set(fleet.response_policy.article_73.policies)
    places: set[str] = set()
    for name in models:
        config = fleet.models.get(name)
        for policy in set(config.policies if config is not None else ()) & article:
            found = fleet.policies.get(policy)
            if found is None or not found.jurisdictions:
                return None
            places |= set(found.jurisdictions)
    return places


def _exposure(month: _Month, heat: Sequence[HeatRow], fleet: Fleet) -> tuple[Exposure, ...]:
    above = {r.model for r in heat if r.overall == Verdict.ABOVE}
    places: dict[str, list[str]] = defaultdict(list)
    for facts in month.models.values():
        for place in facts.jurisdictions or (EVERYWHERE,):
            places[place].append(facts.name)
    out = []
    for place, names in sorted(places.items()):
        touching = [i for i in month.incidents or () if i.models & set(names)]
        out.append(
            Exposure(
                jurisdiction=place,
                models=len(names),
                with_incident=len({m for i in touching for m in i.models} & set(names)),
                serious=sum(i.sev in ("SEV1", "SEV2") for i in touching),
                above_appetite=len(above & set(names)),
                report_deadlines=sum(
                    i.row.report_due is not None and _deadline_counts(place, i, names, fleet) for i in touching
                ),
            )
        )
    return tuple(out)


def _deadline_counts(place: str, incident: _IncidentMonth, names: Sequence[str], fleet: Fleet) -> bool:
    """An incident's reporting deadline counts under ``place`` when the policy that set it is of that place."""
    places = _deadline_places(fleet, incident.models & set(names))
    return places is None or place in places or (place == EVERYWHERE and bool(places))


# ---------------------------------------------------------------------------------------------- top risks


def _contact_name(person: dict[str, Any] | None) -> str | None:
    if not person:
        return None
    name, email = person.get("name"), person.get("email")
    return f"{name} <{email}>" if email else str(name) if name else None


def _action_line(incident: _IncidentMonth, as_of: dt.datetime) -> list[str]:
    lines = []
    for action in incident.actions:
        status = action_status(action, as_of)
        words = {
            "done": "done",
            "awaiting_approval": "waiting for a person's approval",
            "approved": "approved",
            "refused": "refused",
            "failed": "failed",
            "rejected": "rejected",
            "dry_run": "proposed (dry run)",
            "skipped": "skipped",
            "executing": "in progress",
        }.get(status, status)
        why = ""
        if status == "refused" and (action.params or {}).get("refusal") == "no_safe_version":
            why = ": no earlier version passed governance"
        lines.append(f"{action_summary(action)} ({words}{why})")
    return lines


#: What a check's breach means, for the board (the rulebook's descriptions are written for specialists).
CAUSE_WORDS = {
    "data_quality.critical_expectation": "a critical check on the incoming data failed",
    "data_quality.expectation": "a check on the incoming data failed on too many rows",
    "data_quality.batch_missing": "the night's data did not arrive",
    "data_quality.null_fraction": "values went missing in the incoming data",
    "performance.estimated_<metric>": "the model's estimated accuracy fell below the agreed level",
    "performance.realized_<metric>": "the model's accuracy on real outcomes fell below the agreed level",
    "performance.estimated_<metric>_drop": "the model's estimated accuracy fell far below its level when built",
    "performance.realized_<metric>_drop": "the model's accuracy on real outcomes fell far below its level when built",
    "performance.version_regression": "a new version of the model performs worse than the one before",
    "drift.feature": "the incoming data moved away from what the model was built on",
    "drift.prediction": "the model's decisions shifted",
    "drift.multivariate": "the mix of the incoming data changed",
    "fairness.impact_ratio": "one group is selected far less often than another (the four-fifths rule)",
    "fairness.demographic_parity_difference": "selection rates differ too much between groups",
    "fairness.equal_opportunity_difference": "the model misses more deserving people in one group than in another",
    "fairness.equalized_odds_difference": "the model makes more mistakes for one group than for another",
    "fairness.fpr_difference": "the model wrongly flags one group more often than another",
    "fairness.fnr_difference": "the model wrongly turns down one group more often than another",
    "segments.share_increase": "one API client's share of the traffic rose sharply",
    "segments.positive_rate_ratio": "one API client's traffic is flagged far more often than usual",
}
_FAULT_WORDS = {
    "data": "The incoming data is at fault, not the model",
    "model": "The model itself is at fault, on data that passed its checks",
    "client": "One API client's traffic is the source",
}


def _cause_of(check: str) -> str:
    spec = check_spec(check)
    return CAUSE_WORDS.get(spec.id if spec is not None else check, check)


#: What a performance metric measures, for the board (a finding's subject names the metric).
METRIC_WORDS = {
    "roc_auc": "how well it tells the good cases from the bad",
    "accuracy": "the share of its decisions that are right",
    "precision": "the share of the cases it flags that are real",
    "recall": "the share of the real cases it catches",
    "f1": "the balance between the real cases it catches and the flags that are right",
    "specificity": "the share of the good cases it lets through",
    "average_precision": "how well it ranks the real cases first",
    "mae": "the typical size of its errors",
    "mse": "the size of its errors, large ones weighing most",
    "rmse": "the size of its errors, large ones weighing most",
    "mape": "the typical size of its errors, relative to the true value",
    "r2": "how much of the true values it explains",
}


def _shown_subject(check: str, subject: str) -> str:
    """What a finding was measured on, in plain words: an expectation's column (``expect_...(annual_income)`` ->
    ``annual_income``), a metric's meaning (``roc_auc`` -> how well it tells the good cases from the bad), a
    version comparison as is; other subjects (features, groups, clients) as they are."""
    spec = check_spec(check)
    if spec is not None and spec.subject == "metric":
        return METRIC_WORDS.get(subject, subject.replace("_", " "))
    if subject.startswith("expect_") and subject.endswith(")") and "(" in subject:
        return subject[subject.index("(") + 1 : -1]
    return subject


def _causes(group: Sequence[_IncidentMonth]) -> tuple[str, ...]:
    """The group's causes in plain words, with what they were measured on; the lead incident's fault last."""
    subjects: dict[str, list[str]] = defaultdict(list)
    for incident in group:
        for f in incident.findings:
            cause, subject = _cause_of(f.check), _shown_subject(f.check, f.subject)
            if subject not in subjects[cause]:
                subjects[cause].append(subject)
    causes = []
    for cause, names in list(subjects.items())[:4]:
        shown = ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")
        causes.append(f"{cause[0].upper()}{cause[1:]} ({shown})")
    fault = _FAULT_WORDS.get(group[0].row.fault)
    return tuple(causes + ([fault] if fault else []))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _controls(group: Sequence[_IncidentMonth], month: _Month) -> tuple[list[str], list[str], list[str]]:
    """The bow-tie's controls: preventive (acted before harm), mitigating (limited it once it happened) and the
    gaps (what did not work), from the incidents' actions and events as they stood at ``as_of``."""
    as_of, limit = month.as_of, month.detection_hours
    preventive: list[str] = []
    mitigating: list[str] = []
    gaps: list[str] = []
    for incident in group:
        if any(f.check == "performance.version_regression" for f in incident.findings):
            preventive.append("A new version was compared with the one it replaced, and found worse")
        requested = {int(e.detail["action"]) for e in incident.events
                     if e.kind == "approval_requested" and isinstance((e.detail or {}).get("action"), int)}  # fmt: skip
        for action in incident.actions:
            status, what = action_status(action, as_of), action_summary(action)
            if action.id in requested and status in ("done", "approved", "rejected"):
                by = next((e.by for e in incident.events if e.kind in ("approved", "rejected")
                           and (e.detail or {}).get("action") == action.id), None)  # fmt: skip
                preventive.append(
                    f"The approval gate held the automatic action ({what}) for a person's decision"
                    + (f": {'approved' if status != 'rejected' else 'rejected'} by {by}" if by else "")
                )
            if status == "done":
                if action.kind == "quarantine_batch":
                    preventive.append(f"The batch of {action.night} of {action.model} was quarantined: kept from use")
                elif action.kind == "disable_feed":
                    preventive.append(f"The validation gate switched the feed {action.feed} off: its next batches "
                                      "were refused until it was fixed")  # fmt: skip
                elif action.kind in CONTAINMENT_ACTIONS:
                    mitigating.append(_capital(what) + " (after the problem was found)")
            elif status == "refused" and (action.params or {}).get("refusal") == "no_safe_version":
                gaps.append(f"No safe earlier version of {action.model} to roll back to")
            elif status in ("awaiting_approval", "approved"):
                gaps.append(f"Waiting for a decision: {what}")
            elif status in ("failed", "rejected"):
                gaps.append(f"{_capital(what)}: {status}")
    raised = [i.detect_hours for i in group if i.new and i.detect_hours is not None and not i.seen_in_outcomes]
    slow = _median(raised)
    if slow is not None and slow <= limit:
        mitigating.append(f"The nightly checks raised it {_hours(slow)} after the night closed")
    elif slow is not None:
        gaps.append(f"Raised only {_hours(slow)} after the night closed (more than the {limit:g} hours the board "
                    "accepts)")  # fmt: skip
    waited = _median(i.detect_hours for i in group if i.new and i.seen_in_outcomes)
    if waited is not None:
        mitigating.append(f"Checked again on real outcomes once they arrived, {_hours(waited)} after the night")
    acknowledged = sorted({e.by for i in group for e in i.events if e.kind == "acknowledged" and e.by != "govern"})
    if acknowledged:
        mitigating.append(f"Acknowledged by {', '.join(acknowledged)}")
    missed = [i for i in group if i.ack_missed]
    escalations = sum(i.escalations for i in group)
    exhausted = any(e.kind == "escalation_exhausted" for i in group for e in i.events)
    if missed:
        gaps.append(
            f"{plural(len(missed), 'incident')} not acknowledged in time: escalated {plural(escalations, 'time')}"
            + (", until no one was left on the escalation path" if exhausted else "")
        )
    elif escalations:
        mitigating.append(f"Escalated {plural(escalations, 'time')} along the owner's escalation path")
    by_people = [i for i in group if i.status == "resolved" and not i.self_recovered]
    if by_people:
        mitigating.append(f"{plural(len(by_people), 'incident')} resolved")
    late = [i for i in group if i.outcome(as_of) == "late"]
    if late:
        gaps.append(f"{plural(len(late), 'incident')} not contained within the recovery target")
    undelivered = undelivered_text(sum((i.notifications for i in group), Counter()))
    if undelivered:
        gaps.append(f"{undelivered}: the people concerned were not told")
    return preventive, mitigating, gaps


def _bowtie(group: Sequence[_IncidentMonth], headline: str, month: _Month, decisions_rows: int | None) -> BowTie:
    worst = worst_sev(i.sev for i in group) or "SEV4"
    nights = sorted({n for i in group for n in i.fired})
    event = f"{headline}: {plural(len(group), 'incident')}, worst {worst}"
    if nights:
        event += (
            f", on {nights[0]}" if len(nights) == 1 else f", on {len(nights)} nights from {nights[0]} to {nights[-1]}"
        )
    consequences = list(dict.fromkeys(_CONSEQUENCE.get(i.row.type, "") for i in group if i.row.type in _CONSEQUENCE))
    if decisions_rows:
        consequences.append(f"about {decisions_rows:,} decisions were taken on the nights it fired")
    deadlines = sorted(i.row.report_due for i in group if i.row.report_due is not None)
    if deadlines:
        tense = "had to be" if deadlines[0] < month.as_of else "must be"
        consequences.append(
            f"a serious incident under the EU AI Act: the authority {tense} told by {deadlines[0]:%Y-%m-%d}"
        )
    preventive, mitigating, gaps = _controls(group, month)
    recovered = [i for i in group if i.self_recovered]
    if recovered:
        went = "went away by itself" if len(recovered) == 1 else "went away by themselves"
        event += f"; {plural(len(recovered), 'incident')} {went}, with no control acting"
    return BowTie(
        causes=_causes(group),
        event=event,
        consequences=tuple(dict.fromkeys(consequences)),
        preventive=tuple(dict.fromkeys(preventive)),
        mitigating=tuple(dict.fromkeys(mitigating)),
        gaps=tuple(dict.fromkeys(gaps)),
    )


def _status_rank(status: str) -> int:
    return {"open": 0, "acknowledged": 1, "contained": 2, "resolved": 3}.get(status, 4)


def _top_risks(month: _Month, heat: Sequence[HeatRow]) -> tuple[list[TopRisk], int]:
    groups: dict[str, list[_IncidentMonth]] = defaultdict(list)
    for incident in month.incidents or ():
        key = incident.row.model or f"feed {incident.row.feed}"
        groups[key].append(incident)
    verdicts = {r.model: r.overall for r in heat}

    def order(item: tuple[str, list[_IncidentMonth]]) -> tuple[int, int, int, int, str]:
        key, group = item
        worst = SEV_RANK.get(worst_sev(i.sev for i in group) or "", 5)
        active = any(i.active for i in group)
        verdict = Verdict(verdicts.get(key, Verdict.NEAR.value)).rank
        nights = len({n for i in group for n in i.fired})
        return (worst, not active, -verdict, -nights, key)

    ranked = sorted(groups.items(), key=order)
    out = []
    for rank, (key, group) in enumerate(ranked[:TOP_RISKS], start=1):
        group.sort(key=lambda i: (SEV_RANK.get(i.sev, 5), _status_rank(i.status), i.row.id))
        lead = group[0]
        model, feed = lead.row.model, None if lead.row.model else lead.row.feed
        headline = _HEADLINE.get(lead.row.type, "A model risk")
        if feed is not None:
            headline = f"The {feed} feed delivered broken data to {plural(len(lead.models), 'model')}"
        facts = month.models.get(model or "")
        actions = [line for i in group for line in _action_line(i, month.as_of)]
        recommendation = next((i.row.recommendation for i in group if i.row.recommendation and i.active), None)
        if actions:
            action = "; ".join(dict.fromkeys(actions))
        elif recommendation:
            action = recommendation
        else:
            action = "watched night by night; no containment action was needed by the playbooks"
        level = max((int(e.detail.get("level", 0)) for i in group for e in i.events if e.kind == "escalated"),
                    default=0)  # fmt: skip
        from govern.respond.incidents import contact

        with_whom = _contact_name(contact(lead.row, level)) if level else None
        rows = None
        if facts is not None:
            fired = {n for i in group for n in i.fired}
            rows = sum(facts.rows.get(n, 0) for n in fired) or None
        elif feed is not None:
            rows = (
                sum(month.models[m].rows.get(n, 0) for m in lead.models if m in month.models for n in lead.fired)
                or None
            )
        out.append(
            TopRisk(
                rank=rank,
                subject=key,
                model=model,
                feed=feed,
                headline=headline,
                detail=lead.row.title,
                business_unit=facts.business_unit if facts else None,
                risk_tier=facts.tier if facts else lead.row.risk_tier,
                worst_sev=worst_sev(i.sev for i in group) or lead.sev,
                status=min((i.status for i in group), key=_status_rank),
                owner=_contact_name(lead.row.owner),
                owner_name=str((lead.row.owner or {}).get("name") or "") or None,
                with_whom=with_whom,
                action=action,
                incidents=tuple(sorted(i.row.id for i in group)),
                first_night=min(i.row.first_night for i in group),
                last_night=max(i.row.last_night for i in group),
                appetite=verdicts.get(key),
                bowtie=_bowtie(group, headline, month, rows) if rank <= BOW_TIES else None,
            )
        )
    return out, max(0, len(ranked) - TOP_RISKS)


# ---------------------------------------------------------------------------------------------- NIST, decisions


def _nist(month: _Month, fleet: Fleet, session: Session | None) -> tuple[NistFunction, ...]:
    models = list(month.models.values())
    in_window: dict[str, int] = {}
    audit_entries: int | None = None
    delivered: int | None = None
    sent: Counter[str] = Counter()
    actions_done: Counter[str] = Counter()
    if session is not None:
        from sqlalchemy import func, select

        from govern.respond.db import Action, AuditEntry, IncidentEvent, Notification

        start, end = month.window[0], min(month.window[1], month.as_of)
        kinds = session.execute(
            select(IncidentEvent.kind, IncidentEvent.by, func.count())
            .where(IncidentEvent.at >= start, IncidentEvent.at <= end)
            .group_by(IncidentEvent.kind, IncidentEvent.by)
        )
        for kind, by, count in kinds:
            in_window[kind] = in_window.get(kind, 0) + int(count)
            if by != "govern":
                in_window["_people"] = in_window.get("_people", 0) + int(count)
        audit_entries = int(
            session.scalar(select(func.count()).where(AuditEntry.at >= start, AuditEntry.at <= end)) or 0
        )
        for notification in session.scalars(
            select(Notification).where(Notification.created_at >= start, Notification.created_at <= end)
        ):
            sent[notification_status(notification, end)] += 1
        delivered = sent["delivered"]
        for (kind,) in session.execute(
            select(Action.kind).where(Action.done_at >= start, Action.done_at <= end, Action.status == "done")
        ):
            actions_done[kind] += 1
    policies = {p for m in fleet.models.values() for p in m.policies} | set(fleet.config.default_policies)
    regional = {name for name, p in fleet.policies.items() if p.jurisdictions}
    feeds = {m.feed for m in fleet.models.values() if m.feed}

    def db(value: int | None) -> int | None:
        """A count from the incident database: 0 when none, None when it was not read."""
        return (value or 0) if session is not None else None

    actions_meaning = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(actions_done.items())) or "none"
    return (
        NistFunction(
            "Govern",
            "policies, accountability and a record of who decided what",
            (
                Control("Policies in force", len(policies) + 1, "rule sets the models are judged by, and the "
                        "incident response policy"),
                Control("Models with a named owner and escalation path",
                        sum(f.owner is not None and f.escalation for f in models),
                        "someone is accountable for every model, and someone above them"),
                Control("Decisions by people on the record", db(in_window.get("_people")),
                        "acknowledgements, approvals and resolutions signed by a person"),
                Control("Audit log entries", db(audit_entries), "tamper-evident entries (hash-chained) written"),
            ),
        ),
        NistFunction(
            "Map",
            "knowing what models there are, what they decide and where",
            (
                Control("Models in the inventory", len(models), "each with a business unit and a risk tier"),
                Control("Models judged by a jurisdiction-specific policy",
                        sum(bool(set(fleet.models[f.name].policies) & regional) for f in models
                            if f.name in fleet.models),
                        "a policy written for a jurisdiction (e.g. the US four-fifths rule, the EU AI Act's "
                        "high-risk obligations) on top of the common rules; the exposure table counts every model "
                        "serving a jurisdiction"),
                Control("Upstream data feeds mapped", len(feeds), "so one broken feed is one incident, not many"),
            ),
        ),
        NistFunction(
            "Measure",
            "checking every model, every night",
            (
                Control("Model-nights checked in full", sum(f.monitored for f in models),
                        "a model's batch of one night, validated and measured"),
                Control("Data validations", sum(f.validated for f in models), "the night's data checked"),
                Control("Accuracy estimates", sum(f.estimated for f in models),
                        "accuracy estimated before the outcomes are known"),
                Control("Fairness assessments", sum(f.fairness_assessed for f in models),
                        "outcomes compared across groups of people"),
                Control("Drift assessments", sum(f.drift_assessed for f in models),
                        "incoming data compared with what the model was built on"),
                Control("Findings raised", sum(f.findings for f in models), "a figure beyond its limit"),
            ),
        ),
        NistFunction(
            "Manage",
            "acting on what was found",
            (
                Control("Incidents opened", db(in_window.get("opened")),
                        "problems declared, each with an owner and deadlines"),
                Control("Escalations", db(in_window.get("escalated")),
                        "incidents moved up to the next person when not acknowledged in time"),
                Control("Containment actions carried out", db(sum(actions_done.values())),
                        actions_meaning),
                Control("Incidents resolved", db(in_window.get("resolved")),
                        "problems fixed and closed"),
                Control("Notifications delivered", db(delivered),
                        "messages that reached the people concerned, of those written in the month (the others "
                        "pending a retry, or abandoned after the response policy's days of trying)",
                        shown=_delivered_text(sent) if session is not None else None),
            ),
        ),
    )  # fmt: skip


def _delivered_text(sent: Counter[str]) -> str:
    """``"0 of 302 (192 abandoned, 110 pending)"``: delivered of those written, the others by status."""
    total = sum(sent.values())
    others = ", ".join(f"{n} {k}" for k, n in sorted(sent.items()) if k != "delivered" and n)
    return f"{sent['delivered']} of {total}" + (f" ({others})" if others else "")


def _decisions(month: _Month, heat: Sequence[HeatRow], risks: Sequence[TopRisk]) -> tuple[Decision, ...]:
    out: list[Decision] = []
    for incident in month.incidents or ():
        for action in incident.actions:
            if action_status(action, month.as_of) == "awaiting_approval":
                out.append(
                    Decision(
                        "approve",
                        f"Approve or reject a pending containment: {action_summary(action)}",
                        f"Incident #{incident.row.id} ({incident.sev}) waits for a person's approval; until then "
                        "nothing is done.",
                        f"govern incidents approve {incident.row.id} --by NAME, or reject it with a note",
                    )
                )
    active_models = {m for i in month.incidents or () if i.active for m in i.models}
    closed: list[Decision] = []  # models above appetite with no incident still active: after those being worked on
    risk_of = {r.model: r for r in risks if r.model}
    for row in heat:
        if row.overall != Verdict.ABOVE:
            continue
        above = [DIMENSION_LABEL[c.dimension].lower() for c in row.cells if c.verdict == Verdict.ABOVE]
        if row.model not in active_models:
            closed.append(_closed_exposure(row, above, month))
            continue
        risk = risk_of.get(row.model)
        advice = next(
            (i.row.recommendation for i in month.incidents or () if row.model in i.models and i.row.recommendation
             and i.active), None)  # fmt: skip
        contained = risk is not None and risk.status == "contained"
        if advice and re.search(r"retrain|recalibrat", advice, re.IGNORECASE):
            meanwhile = " and, until then, human review of its decisions" if "review" in advice else ""
            out.append(
                Decision(
                    "fund",
                    f"Fund a fix for {row.model}",
                    f"{row.model} ({row.risk_tier} risk) is above appetite on {', '.join(above)}, with no earlier "
                    f"version safe to fall back to. Its team recommends retraining{meanwhile}.",
                    "fund the retraining, accept the risk until it is done, or take the model out of service",
                )
            )
        elif not contained:
            waiting = sum(row.model in i.models and i.active and i.contained_at is None for i in month.incidents or ())
            state = (
                "its incident is not yet contained"
                if waiting == 1
                else f"{waiting} of its incidents are not yet contained"
                if waiting
                else "its incidents are not yet resolved"
            )
            out.append(
                Decision(
                    "accept",
                    f"Accept a risk above appetite, or act: {row.model}",
                    f"{row.model} ({row.risk_tier} risk) is above appetite on {', '.join(above)} and {state}.",
                    "accept the risk for one more month with a dated plan, or suspend the model",
                )
            )
    out.extend(closed)
    out.extend(_report_decisions(month))
    return tuple(out)


def _closed_exposure(row: HeatRow, above: Sequence[str], month: _Month) -> Decision:
    """The decision on a model above appetite with no incident still active: accept the month's exposure as
    closed, or order a review of what put it there (the nights it went unchecked, the deadlines missed, the
    nights counted against it)."""
    cells = {c.dimension: c for c in row.cells}
    facts = month.models.get(row.model)
    reviews = []
    for dimension in _above_dimensions(row):
        cell = cells[dimension]
        if dimension == "operations":
            unchecked = len(facts.unmonitored) if facts is not None else 0
            missed = sum(i.response_failed(month.as_of) for i in _touching(month.incidents or (), row.model))
            if unchecked:
                reviews.append(f"why it went unmonitored {plural(unchecked, 'night')}")
            if missed:
                reviews.append(f"why {plural(missed, 'incident')} missed a deadline")
        else:
            reviews.append(f"the {plural(cell.measure or 0, 'night')} of {DIMENSION_LABEL[dimension].lower()}")
    counted = [c for c in row.cells if c.verdict == Verdict.ABOVE]
    what = (
        counted[0].text
        if len(counted) == 1
        else "; ".join(f"{DIMENSION_LABEL[c.dimension].lower()}: {c.text}" for c in counted)
    )
    return Decision(
        "accept",
        f"Accept a risk above appetite, or act: {row.model}",
        f"{row.model} ({row.risk_tier} risk) is above appetite on {', '.join(above)} ({what}), with no incident "
        "still active.",
        f"accept the month's exposure as closed, or order a review of {_and(reviews) or 'what put it there'}",
    )


def _above_dimensions(row: HeatRow) -> list[str]:
    return [c.dimension for c in row.cells if c.verdict == Verdict.ABOVE]


def _and(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _report_decisions(month: _Month) -> list[Decision]:
    """One decision per model (or feed) with an incident serious under the EU AI Act (Article 73) whose reporting
    deadline falls in the month or after it, whatever the incident's status: the incident log does not record a
    report being made, so the board is asked to confirm it."""
    first_day = month.window[0] - dt.timedelta(days=1)
    by_subject: dict[str, list[_IncidentMonth]] = defaultdict(list)
    for incident in month.incidents or ():
        due = incident.row.report_due
        if due is not None and due >= first_day:
            by_subject[incident.row.model or f"feed {incident.row.feed}"].append(incident)
    out = []
    first = {subject: min(i.row.report_due or first_day for i in group) for subject, group in by_subject.items()}
    for subject, group in sorted(by_subject.items(), key=lambda kv: (first[kv[0]], kv[0])):
        deadlines: dict[dt.datetime, list[int]] = defaultdict(list)
        for incident in sorted(group, key=lambda i: i.row.id):
            assert incident.row.report_due is not None
            deadlines[incident.row.report_due].append(incident.row.id)
        passed = [f"{due:%Y-%m-%d} ({_ids(ids)})" for due, ids in sorted(deadlines.items()) if due < month.as_of]
        coming = [f"{due:%Y-%m-%d} ({_ids(ids)})" for due, ids in sorted(deadlines.items()) if due >= month.as_of]
        told = "; ".join(
            part
            for part in (
                f"had to be told by {', '.join(passed)}" if passed else "",
                f"must be told by {', '.join(coming)}" if coming else "",
            )
            if part
        )
        sevs = worst_sev(i.sev for i in group)
        out.append(
            Decision(
                "report",
                f"Confirm the report to the authority on {subject} (EU AI Act, Article 73)",
                f"{plural(len(group), 'incident')} of {subject} (worst {sevs}) "
                f"{'is' if len(group) == 1 else 'are'} serious under the EU AI Act: the authority {told}. "
                "Whether a report was made is not recorded.",
                "confirm the report was made, or direct that it be made now"
                if passed
                else "approve the report as drafted by the model's team, or ask for it to be completed",
            )
        )
    return out


def _ids(ids: Sequence[int]) -> str:
    """``#1-#4, #7``: incident ids, runs of consecutive ones as a range."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ", ".join(f"#{r[0]}" if len(r) == 1 else f"#{r[0]}-#{r[-1]}" for r in runs)


def _verdict(heat: Sequence[HeatRow], decisions: Sequence[Decision], month: _Month, figures: _Figures) -> BoardVerdict:
    above = [r for r in heat if r.overall == Verdict.ABOVE]
    near = [r for r in heat if r.overall == Verdict.NEAR]
    n = len(heat)
    level = Verdict.ABOVE if above else Verdict.NEAR if near else Verdict.WITHIN
    if not month.run:
        return BoardVerdict(
            "near",
            f"No night of {month_name(month.month)} was governed: nothing is known of the fleet's month",
            ("The governance run did not check any model this month.",),
        )
    if above:
        headline = f"{plural(len(above), 'model')} of {n} {'is' if len(above) == 1 else 'are'} above the risk appetite"
    elif near:
        headline = f"Every model is within the risk appetite or near it ({len(near)} near)"
    else:
        headline = f"All {n} models stayed within the risk appetite"
    asks = f"; {plural(len(decisions), 'decision')} asked of the board" if decisions else "; no decision is needed"
    lines = []
    if month.incidents is not None:
        new = int(figures.values.get("new") or 0)
        lines.append(
            f"What happened: {plural(new, 'incident')} opened"
            + (
                f", {figures.shown['serious_new']} of them serious (SEV1-SEV2)"
                if figures.values.get("serious_new")
                else ""
            )
            + f"; {figures.shown['open_at_end']} still open at month end."
        )
        data, outcomes = figures.values.get("detect_data_hours"), figures.values.get("detect_outcome_hours")
        raised = (
            f"problems in the data were raised {_hours(data)} after the night (median"
            + (f"; {_hours(outcomes)} for those seen only in outcomes, which wait for them)" if outcomes else ")")
            if data is not None
            else "no problem was raised from the data"
        )
        decided = figures.shown["in_time"]
        contained = (
            f"{decided} incidents due were contained within their recovery target"
            if decided != "none due"
            else "no incident was contained or past its recovery deadline yet"
        )
        recovered = int(figures.shown.get("recovered", "0"))
        recovered_late = int(figures.shown.get("recovered_late", "0"))
        aside = []
        if recovered:
            aside.append(f"{recovered} more went away by {'itself' if recovered == 1 else 'themselves'}")
        if recovered_late:
            aside.append(
                f"{recovered_late} of the late went away by {'itself' if recovered_late == 1 else 'themselves'} "
                "after the deadline"
            )
        if aside:
            contained += f" ({'; '.join(aside)})"
        lines.append(f"How we responded: {raised}; {contained}.")
    else:
        lines.append("The incident database was not read: incidents and response times are not shown.")
    where = ", ".join(f"{r.model}" for r in above[:6]) + (f" and {len(above) - 6} more" if len(above) > 6 else "")
    lines.append(f"Where the risk is: {where}." if above else "Where the risk is: no model is above the appetite.")
    return BoardVerdict(level.value, headline + asks, tuple(lines))


def _appetite_rows(appetite: RiskAppetite) -> tuple[AppetiteRow, ...]:
    rows = []
    for dimension in DIMENSIONS[:4]:
        limits = appetite.nights(dimension)
        rows.append(
            AppetiteRow(
                DIMENSION_LABEL[dimension],
                DIMENSION_MEANING[dimension],
                tuple(_limits_text(limits.of(t).within, limits.of(t).near) for t in TIERS),
            )
        )
    ops = appetite.operations
    rows.append(
        AppetiteRow(
            DIMENSION_LABEL["operations"],
            DIMENSION_MEANING["operations"],
            tuple(
                f"{_limits_text(ops.unmonitored_nights.of(t).within, ops.unmonitored_nights.of(t).near)} unchecked; "
                f"{_limits_text(ops.response_failures.of(t).within, ops.response_failures.of(t).near, 'incidents')} "
                "missing a deadline"
                for t in TIERS
            ),
        )
    )
    return tuple(rows)


def _limits_text(within: int, near: int, unit: str = "nights") -> str:
    if near == within:
        return f"within: {within} {unit}, more is above"
    return f"within: up to {within}, near: up to {near} {unit}"


# ---------------------------------------------------------------------------------------------- entry points


def board_summary(
    fleet: Fleet,
    month: str,
    *,
    store: ResultsStore,
    session: Session | None,
    as_of: dt.datetime | None = None,
) -> BoardSummary:
    """The board's summary of ``month`` (YYYY-MM) for ``fleet``, from the store's results and (with
    ``session``) the incident database as it stood at ``as_of`` (default: the end of the month's window, or
    now while it is not over). The previous month's figures give the trends; a previous month without a
    night in the store shows "no data"."""
    month = checked_month(month)
    notes: list[str] = []
    current = _read_month(fleet, month, store=store, session=session, as_of=as_of, notes=notes)
    before = previous_month(month)
    past = None
    if any(n.startswith(f"{before}-") for n in store.nights()):
        past_notes: list[str] = []
        past = _read_month(fleet, before, store=store, session=session, as_of=None, notes=past_notes)
        notes.extend(past_notes)
    appetite = fleet.risk_appetite
    heat = _heatmap(current, appetite)
    figures = _figures(current, heat)
    previous_figures = _figures(past, _heatmap(past, appetite)) if past is not None else None
    risks, others = _top_risks(current, heat) if current.incidents is not None else ([], 0)
    decisions = _decisions(current, heat, risks)
    if session is None:
        notes.append("The incident database was not read: incidents, response times and decisions are not shown.")
    run = set(current.run)
    return BoardSummary(
        fleet=fleet.config.name,
        month=month,
        month_name=month_name(month),
        previous_month=before,
        previous_month_name=month_name(before),
        previous_has_data=past is not None,
        nights_in_month=len(current.nights),
        nights_due=len(current.due),
        nights_run=len(current.run),
        nights_missing=tuple(n for n in current.due if n not in run),
        as_of=current.as_of.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        verdict=_verdict(heat, decisions, current, figures),
        decisions=decisions,
        kris=_kris(figures, previous_figures, month_name(before), appetite),
        composition=_composition(current),
        heatmap=tuple(heat),
        dimensions=tuple((d, DIMENSION_LABEL[d]) for d in DIMENSIONS),
        appetite=_appetite_rows(appetite),
        top_risks=tuple(risks),
        other_risks=others,
        response=_response_times(current, fleet) if current.incidents is not None else (),
        exposure=_exposure(current, heat, fleet),
        nist=_nist(current, fleet, session),
        notes=tuple(notes),
    )


def render_board(view: BoardSummary) -> str:
    """The board summary as a self-contained HTML page (printable: A4, the first page stands alone)."""
    from govern.reports.render import render

    return render("board.html.j2", board=view, tiers=TIERS)


def board_pages(month: str) -> dict[str, str]:
    """The board summary's page paths in the store: html, json, pdf."""
    month = checked_month(month)
    return {kind: f"board/{month}.{kind}" for kind in ("html", "json", "pdf")}


def publish_board(store: ResultsStore, view: BoardSummary, *, pdf: bool = True) -> list[str]:
    """Write ``board/<YYYY-MM>.html``, ``.json`` (the view it was rendered from) and, with ``pdf``, ``.pdf``
    (headless Chromium's print); returns where they were written."""
    pages = board_pages(view.month)
    html = render_board(view)
    written = [
        store.write_page(pages["html"], html),
        store.write_page(pages["json"], json.dumps(as_dict(view), indent=2) + "\n"),
    ]
    if pdf:
        from govern.reports.pdf import html_to_pdf

        written.append(store.write_page(pages["pdf"], html_to_pdf(html)))
    return written


__all__ = [
    "BoardSummary",
    "board_pages",
    "board_summary",
    "checked_month",
    "default_month",
    "month_nights",
    "previous_month",
    "publish_board",
    "render_board",
]

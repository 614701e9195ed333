"""The fleet overview of one night (the single pane of glass): ``runs/<night>/index.html`` and ``index.json``.

One row per model of the fleet: its business unit, risk tier, serving version, tonight's status, its live
incidents by SEV, a 30-night sparkline of its SLA metric (estimated, and realized where labels arrived) and the
links to its owner report and its card; then the feed incidents (a feed's incident names no model).

A row is read from the model's owner report (``views.owner_report``): its status is the owner report's banner
(one rule for both pages), its sparkline the owner report's performance series, so the overview can never
disagree with the report it links to. Two statuses the owner banner does not have: ``error`` (the model's
result says a stage could not run, or its result or its config cannot be read) and ``missing`` (no result is
recorded for the night): a model of the fleet is never silently absent. An incident outranks both.

Default order, worst first: incidents by SEV (SEV1 first), then errors, then models without a result (tonight's
checks did not happen: the fleet cannot vouch for them), then models to watch, then the healthy ones; within a
status by business unit, then name. The page is complete without JavaScript; its one inline script (sorting,
filtering) is allowed by its SHA-256 in the page's Content Security Policy, nothing else may run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from govern.readout import HistoryLine
from govern.reports.views import (
    SEV_RANK,
    WINDOW_NIGHTS,
    Banner,
    IncidentView,
    OwnerReport,
    as_dict,
    history_lines,
    incident_views,
    owner_report,
    plural,
    window_nights,
    worst_sev,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from govern.config import Fleet, ModelConfig
    from govern.store import ResultsStore

Status = Literal["incident", "error", "missing", "watch", "ok"]
STATUSES: tuple[Status, ...] = ("incident", "error", "missing", "watch", "ok")
"""Worst first: the default order of the table."""
STATUS_WORDS: dict[Status, str] = {
    "incident": "under incident",
    "error": "in error",
    "missing": "without a result tonight",
    "watch": "to watch",
    "ok": "OK",
}
SEVS = tuple(SEV_RANK)
TIER_ORDER = {"low": 0, "medium": 1, "high": 2, "critical": 3}


# ---------------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class Trend:
    """The SLA metric over the window (the 30 nights ending tonight): one value per night, None where the
    night has no figure (no result, a quarantined batch, no labels yet). The series are the owner report's."""

    metric: str | None
    nights: tuple[str, ...]
    """The window, oldest first."""
    estimated: tuple[float | None, ...]
    realized: tuple[float | None, ...]
    """On the night of the batch the labels belong to."""
    minimum: float | None
    maximum: float | None
    estimated_tonight: float | None
    realized_latest: float | None
    realized_batch_night: str | None
    """The batch night of ``realized_latest``."""
    headroom: float | None
    """How far the model is inside its SLA, as a share of the limit: (figure - minimum) / |minimum| for a floor,
    (maximum - figure) / |maximum| for a ceiling, taken for tonight's estimate and for the latest realized
    figure, the smaller of them (the worse); negative when breached, None without a figure or an SLA. What the
    column sorts by: the models closest to breaking their SLA first."""
    estimated_alert: bool
    realized_alert: bool

    @property
    def threshold(self) -> float | None:
        """The SLA line of the sparkline: the minimum, else the maximum."""
        return self.minimum if self.minimum is not None else self.maximum

    @property
    def has_estimates(self) -> bool:
        return any(v is not None for v in self.estimated)

    @property
    def has_realized(self) -> bool:
        return any(v is not None for v in self.realized)

    def label(self, kind: Literal["estimated", "realized"]) -> str:
        """The sparkline's title: what it shows, over which nights, its last figure and the SLA."""
        last = self.estimated_tonight if kind == "estimated" else self.realized_latest
        when = "tonight" if kind == "estimated" else f"batch of {self.realized_batch_night}"
        figure = f"{when} {last:.3f}" if last is not None else "no figure tonight"
        sla = []
        if self.minimum is not None:
            sla.append(f"at least {self.minimum:g}")
        if self.maximum is not None:
            sla.append(f"at most {self.maximum:g}")
        return f"{self.metric or 'SLA metric'}, {kind}, {self.nights[0]} to {self.nights[-1]}: {figure}" + (
            f"; SLA {' and '.join(sla)}" if sla else ""
        )


@dataclass(frozen=True)
class IncidentLink:
    """An incident live on a row (active, or fired tonight), linked to its entry in the owner report."""

    id: int
    sev: str
    status: str
    title: str
    feed: str | None
    """Set for a feed's incident (it names no model)."""
    fired_tonight: bool
    href: str | None
    """``reports/<model>.html#incident-<id>``; None when the model has no report tonight."""


@dataclass(frozen=True)
class RowLinks:
    """Relative links from ``runs/<night>/index.html``."""

    report: str | None
    """The owner report, None when the night has none for the model (no result, or an unreadable one)."""
    card: str
    result_json: str | None


@dataclass(frozen=True)
class FleetRow:
    model: str
    business_unit: str | None
    risk_tier: str | None
    owner: str | None
    serving_version: str | None
    status: Status
    sev: str | None
    """The worst SEV of the live incidents (status ``incident``)."""
    label: str
    """What the status pill says: OK, WATCH, ERROR, NO RESULT, INCIDENT SEV1..."""
    headline: str
    rank: int
    """Worst first: 0-3 incident SEV1-SEV4 (4 an unknown SEV), 5 error, 6 missing, 7 watch, 8 OK."""
    result_status: str | None
    """The result's own status (healthy, findings, incomplete, error); None without a readable result."""
    n_findings: int
    incidents: tuple[IncidentLink, ...] | None
    """Live tonight, worst SEV first; None: the incident database was not read."""
    open_by_sev: tuple[tuple[str, int], ...]
    """Active incidents (open, acknowledged, contained) by SEV, worst first; a SEV without any left out."""
    n_open: int
    trend: Trend | None
    """None: performance is not measured for the model (or it has no result tonight)."""
    links: RowLinks

    @property
    def tier_rank(self) -> int | None:
        return TIER_ORDER.get(self.risk_tier or "")


@dataclass(frozen=True)
class StatusCount:
    status: Status
    words: str
    n: int


@dataclass(frozen=True)
class ModelLink:
    model: str
    href: str | None
    """Its entry in the model's owner report; None when the model has no report tonight."""


@dataclass(frozen=True)
class FeedIncident:
    """A feed's incident live tonight, with the models of the fleet whose findings it holds."""

    incident: IncidentView
    models: tuple[ModelLink, ...]
    fired_tonight: bool
    """It fired tonight for at least one of its models."""


@dataclass(frozen=True)
class FleetOverview:
    """The fleet's night, one row per model, worst first."""

    fleet: str
    night: str
    banner: Banner
    verdict: str
    """The page's first words: how many models need attention, and why."""
    counts: tuple[StatusCount, ...]
    """Models by status, in ``STATUSES`` order (zeros included)."""
    models_by_sev: tuple[tuple[str, int], ...]
    """Models under incident by their worst SEV."""
    n_open_incidents: int | None
    """Distinct active incidents of the fleet (models' and feeds'); None: the incident database was not read."""
    open_by_sev: tuple[tuple[str, int], ...]
    rows: tuple[FleetRow, ...]
    feed_incidents: tuple[FeedIncident, ...]
    incidents_read: bool
    business_units: tuple[str, ...]
    risk_tiers: tuple[str, ...]
    """Lowest first."""
    window: tuple[str, str]
    """The sparklines' first and last night."""
    notes: tuple[str, ...]
    """What the page could not read (history nights left out of a sparkline)."""

    def row(self, model: str) -> FleetRow:
        for row in self.rows:
            if row.model == model:
                return row
        raise KeyError(model)


# ---------------------------------------------------------------------------------------------- building


def fleet_overview(
    fleet: Fleet,
    night: str,
    *,
    store: ResultsStore,
    session: Session | None = None,
    histories: Mapping[str, Sequence[HistoryLine]] | None = None,
) -> FleetOverview:
    """The fleet overview of ``night``, read from the store and (with ``session``) the incident database.

    Every model of the fleet is a row: with tonight's result, its owner report's status and series; without
    one, a row saying so; with a result or a config that cannot be read, an error row naming why.
    ``histories``: each model's history lines (``views.history_lines``, quarantined nights marked), read once
    and shared with the owner reports; a model not in it (or None) has its history read here."""
    from govern.errors import ResultError

    reports: dict[str, OwnerReport] = {}
    unreadable = {name: f"its configuration cannot be loaded: {why}" for name, why in fleet.broken.items()}
    without_report: dict[str, tuple[IncidentView, ...]] = {}
    notes: list[str] = []
    for name in sorted(fleet.models):
        found = incident_views(session, model=name, night=night) if session is not None else None
        if not store.has_result(night, name):
            if found is not None:
                without_report[name] = found
            continue
        try:
            result = store.read_result(night, name)
        except ResultError as exc:
            unreadable[name] = f"tonight's result cannot be read: {exc}"
            if found is not None:
                without_report[name] = found
            continue
        quarantined: set[str] = set()
        if session is not None:
            from govern.respond.containment import quarantined_nights

            quarantined = quarantined_nights(session, name)
        history = histories.get(name) if histories is not None else None
        if history is None:
            left_out: list[str] = []
            history = history_lines(store, name, night, quarantined=quarantined, unreadable=left_out)
            if left_out:
                notes.append(f"{name}: {len(left_out)} night(s) of its history cannot be read and are left out")
        reports[name] = owner_report(
            result, history=history, incidents=found, config=fleet.models[name], quarantined=night in quarantined
        )
    return build_fleet_overview(
        night,
        fleet=fleet.config.name,
        models=[fleet.models[n] for n in sorted(fleet.models)],
        reports=reports,
        unreadable=unreadable,
        incidents=without_report if session is not None else None,
        notes=notes,
    )


def build_fleet_overview(
    night: str,
    *,
    fleet: str,
    reports: Mapping[str, OwnerReport],
    models: Sequence[ModelConfig] = (),
    unreadable: Mapping[str, str] | None = None,
    incidents: Mapping[str, Sequence[IncidentView]] | None = None,
    notes: Sequence[str] = (),
) -> FleetOverview:
    """The overview from the night's owner reports (pure: no I/O). ``models``: the fleet's configs (a model
    among them without a report is a "missing" row); ``unreadable``: model -> why its result or config cannot
    be read (an "error" row); ``incidents``: the incident views of the models without a report (None: the
    incident database was not read; a report's own incidents are taken from the report)."""
    configs = {m.name: m for m in models}
    unreadable = dict(unreadable or {})
    names = sorted({*configs, *reports, *unreadable})
    window = window_nights(night, WINDOW_NIGHTS)
    incidents_read = incidents is not None or any(r.incidents is not None for r in reports.values())
    rows: list[FleetRow] = []
    seen: dict[str, tuple[IncidentView, ...] | None] = {}
    for name in names:
        report = reports.get(name)
        if report is not None:
            seen[name] = report.incidents
            rows.append(_reported_row(report, configs.get(name), window))
        else:
            found = tuple(incidents[name]) if incidents is not None and name in incidents else None
            if found is None and incidents is not None:
                found = ()
            seen[name] = found
            rows.append(_unreported_row(name, configs.get(name), unreadable.get(name), found))
    rows.sort(key=lambda r: (r.rank, r.business_unit is None, r.business_unit or "", r.model))
    feeds = _feed_incidents(seen, reports)
    counts = Counter(r.status for r in rows)
    models_by_sev = _by_sev(r.sev for r in rows if r.status == "incident")
    active: dict[int, str] = {}
    for found in seen.values():
        for i in found or ():
            if i.active:
                active[i.id] = i.sev
    banner = _fleet_banner(rows, feeds, _verdict(rows, counts, models_by_sev, feeds, incidents_read))
    return FleetOverview(
        fleet=fleet,
        night=night,
        banner=banner,
        verdict=banner.headline,
        counts=tuple(StatusCount(s, STATUS_WORDS[s], counts[s]) for s in STATUSES),
        models_by_sev=models_by_sev,
        n_open_incidents=len(active) if incidents_read else None,
        open_by_sev=_by_sev(active.values()),
        rows=tuple(rows),
        feed_incidents=feeds,
        incidents_read=incidents_read,
        business_units=tuple(sorted({r.business_unit for r in rows if r.business_unit})),
        risk_tiers=tuple(sorted({r.risk_tier for r in rows if r.risk_tier}, key=lambda t: (TIER_ORDER.get(t, 99), t))),
        window=(window[0], window[-1]),
        notes=tuple(notes),
    )


def _rank(status: Status, sev: str | None) -> int:
    if status == "incident":
        return SEVS.index(sev) if sev in SEVS else len(SEVS)
    return {"error": 5, "missing": 6, "watch": 7, "ok": 8}[status]


def _by_sev(sevs: Iterable[str | None]) -> tuple[tuple[str, int], ...]:
    counts = Counter(s for s in sevs if s is not None)
    return tuple((s, counts[s]) for s in sorted(counts, key=lambda s: (SEVS.index(s) if s in SEVS else 99, s)))


def _live(found: Sequence[IncidentView]) -> list[IncidentView]:
    """The incidents that put a model under incident tonight: the owner banner's rule."""
    live = [i for i in found if i.active or i.fired_tonight]
    return sorted(live, key=lambda i: (SEVS.index(i.sev) if i.sev in SEVS else 99, i.id))


def _links(name: str, *, has_report: bool) -> RowLinks:
    q = quote(name, safe="")
    return RowLinks(
        report=f"reports/{q}.html" if has_report else None,
        card=f"../cards/{q}.html",
        result_json=f"models/{q}.json" if has_report else None,
    )


def _incident_links(found: Sequence[IncidentView] | None, links: RowLinks) -> tuple[IncidentLink, ...] | None:
    if found is None:
        return None
    return tuple(
        IncidentLink(
            id=i.id,
            sev=i.sev,
            status=i.status,
            title=i.title,
            feed=i.feed if i.model is None else None,
            fired_tonight=i.fired_tonight,
            href=f"{links.report}#incident-{i.id}" if links.report else None,
        )
        for i in _live(found)
    )


def _open_by_sev(found: Sequence[IncidentView] | None) -> tuple[tuple[str, int], ...]:
    return _by_sev(i.sev for i in found or () if i.active)


def _reported_row(report: OwnerReport, config: ModelConfig | None, window: Sequence[str]) -> FleetRow:
    banner = report.banner
    status: Status
    if banner.level == "incident":
        status, label = "incident", banner.label
    elif report.status == "error":
        status, label = "error", "ERROR"
    else:
        status, label = banner.level, banner.label
    links = _links(report.model, has_report=True)
    return FleetRow(
        model=report.model,
        business_unit=config.business_unit if config is not None else report.business_unit,
        risk_tier=str(config.risk_tier) if config is not None else report.risk_tier,
        owner=report.owner,
        serving_version=report.model_version,
        status=status,
        sev=banner.sev if status == "incident" else None,
        label=label,
        headline=banner.headline,
        rank=_rank(status, banner.sev),
        result_status=report.status,
        n_findings=len(report.findings),
        incidents=_incident_links(report.incidents, links),
        open_by_sev=_open_by_sev(report.incidents),
        n_open=sum(i.active for i in report.incidents or ()),
        trend=_trend(report, window),
        links=links,
    )


def _unreported_row(
    name: str, config: ModelConfig | None, unreadable: str | None, found: Sequence[IncidentView] | None
) -> FleetRow:
    """A model without an owner report tonight: no result (``missing``) or one that cannot be read (``error``),
    unless an incident is live for it: then it is under incident, and the headline says what is missing."""
    status: Status = "error" if unreadable is not None else "missing"
    why = f"No report tonight: {unreadable}" if unreadable is not None else "No result is recorded for tonight"
    live = _live(found or ())
    sev = None
    if live:
        status, sev = "incident", worst_sev(i.sev for i in live)
        worst = live[0]
        more = f" and {len(live) - 1} more" if len(live) > 1 else ""
        headline = f"{why}; incident #{worst.id} ({worst.status}): {worst.title}{more}"
        label = f"INCIDENT {sev or ''}".strip()
    else:
        headline = why if unreadable is not None else f"{why}: the model was not checked"
        label = "ERROR" if status == "error" else "NO RESULT"
    links = _links(name, has_report=False)
    return FleetRow(
        model=name,
        business_unit=config.business_unit if config is not None else None,
        risk_tier=str(config.risk_tier) if config is not None else None,
        owner=f"{config.owner.name} <{config.owner.email}>" if config is not None else None,
        serving_version=None,
        status=status,
        sev=sev,
        label=label,
        headline=headline,
        rank=_rank(status, sev),
        result_status=None,
        n_findings=0,
        incidents=_incident_links(found, links),
        open_by_sev=_open_by_sev(found),
        n_open=sum(i.active for i in found or ()),
        trend=None,
        links=links,
    )


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _headroom(value: float | None, minimum: float | None, maximum: float | None) -> float | None:
    if value is None:
        return None
    margins = []
    if minimum is not None:
        margins.append((value - minimum) / abs(minimum) if minimum else value - minimum)
    if maximum is not None:
        margins.append((maximum - value) / abs(maximum) if maximum else maximum - value)
    return min(margins) if margins else None


def _trend(report: OwnerReport, window: Sequence[str]) -> Trend | None:
    """The owner report's performance series over the whole window (its chart starts at the first figure:
    the nights before are None here, so every row's sparkline spans the same 30 nights)."""
    p = report.performance
    if p is None:
        return None
    estimated: dict[str, float | None] = {}
    realized: dict[str, float | None] = {}
    if p.chart is not None:
        est_series, real_series = p.chart.series  # the owner report's: estimated, then realized
        estimated = dict(zip(p.chart.x_labels, est_series.values, strict=True))
        realized = dict(zip(p.chart.x_labels, real_series.values, strict=True))
    est = tuple(_finite(estimated.get(n)) for n in window)
    real = tuple(_finite(realized.get(n)) for n in window)
    tonight = _finite(p.estimated.value) if p.estimated is not None else None
    latest: float | None = None
    batch: str | None = None
    if p.realized is not None and _finite(p.realized.value) is not None:
        latest, batch = _finite(p.realized.value), p.realized.batch_night
    else:
        last = next((k for k in range(len(window) - 1, -1, -1) if real[k] is not None), None)
        latest, batch = (real[last], window[last]) if last is not None else (None, None)
    estimated_headroom = _headroom(tonight, p.minimum, p.maximum)
    realized_headroom = _headroom(latest, p.minimum, p.maximum)
    known = [h for h in (estimated_headroom, realized_headroom) if h is not None]
    return Trend(
        metric=p.metric,
        nights=tuple(window),
        estimated=est,
        realized=real,
        minimum=p.minimum,
        maximum=p.maximum,
        estimated_tonight=tonight,
        realized_latest=latest,
        realized_batch_night=batch,
        headroom=min(known) if known else None,
        estimated_alert=estimated_headroom is not None and estimated_headroom < 0,
        realized_alert=realized_headroom is not None and realized_headroom < 0,
    )


def _feed_incidents(
    seen: Mapping[str, Sequence[IncidentView] | None], reported: Iterable[str]
) -> tuple[FeedIncident, ...]:
    """The feeds' incidents live tonight, once each, with the models whose views hold them (linked to their
    owner report's entry when they have a report)."""
    with_report = set(reported)
    first: dict[int, IncidentView] = {}
    models: dict[int, list[str]] = {}
    fired: dict[int, bool] = {}
    for name, found in seen.items():
        for i in _live(found or ()):
            if i.model is not None:
                continue
            first.setdefault(i.id, i)
            models.setdefault(i.id, []).append(name)
            fired[i.id] = fired.get(i.id, False) or i.fired_tonight
    ordered = sorted(first.values(), key=lambda i: (SEVS.index(i.sev) if i.sev in SEVS else 99, i.id))
    return tuple(
        FeedIncident(
            incident=i,
            models=tuple(
                ModelLink(m, f"reports/{quote(m, safe='')}.html#incident-{i.id}" if m in with_report else None)
                for m in sorted(models[i.id])
            ),
            fired_tonight=fired[i.id],
        )
        for i in ordered
    )


def _verdict(
    rows: Sequence[FleetRow],
    counts: Mapping[Status, int],
    models_by_sev: Sequence[tuple[str, int]],
    feeds: Sequence[FeedIncident],
    incidents_read: bool,
) -> str:
    """E.g. "3 models need attention: 2 under incident (1 SEV1, 1 SEV2), 1 to watch; 23 OK"."""
    if not rows:
        return "The fleet has no models."
    attention = len(rows) - counts.get("ok", 0)
    if attention == 0:
        sentence = f"All {plural(len(rows), 'model')} OK" if len(rows) > 1 else "The model is OK"
    else:
        parts = []
        for status in STATUSES[:-1]:
            n = counts.get(status, 0)
            if not n:
                continue
            part = f"{n} {STATUS_WORDS[status]}"
            if status == "incident" and models_by_sev:
                part += " (" + ", ".join(f"{k} {sev}" for sev, k in models_by_sev) + ")"
            parts.append(part)
        ok = counts.get("ok", 0)
        sentence = (
            f"{plural(attention, 'model')} need{'s' if attention == 1 else ''} attention: {', '.join(parts)}; "
            + (f"{ok} OK" if ok else "none OK")
        )
    if feeds:
        listed = ", ".join(f"{f.incident.feed} ({f.incident.sev}, {f.incident.status})" for f in feeds)
        which = "A feed incident is" if len(feeds) == 1 else f"{len(feeds)} feed incidents are"
        sentence += f". {which} live: {listed}"
    if not incidents_read:
        sentence += ". The incident database was not read: incidents are not shown"
    return sentence + "."


def _fleet_banner(rows: Sequence[FleetRow], feeds: Sequence[FeedIncident], verdict: str) -> Banner:
    incident_sevs = [r.sev for r in rows if r.status == "incident" and r.sev] + [f.incident.sev for f in feeds]
    if any(r.status == "incident" for r in rows) or feeds:
        return Banner("incident", worst_sev(incident_sevs), verdict)
    if any(r.status != "ok" for r in rows) or not rows:
        return Banner("watch", None, verdict)
    return Banner("ok", None, verdict)


# ---------------------------------------------------------------------------------------------- rendering

FLEET_SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("fleet");
  var form = document.getElementById("filters");
  if (!table || !table.tBodies.length || !table.tHead) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var sorted = { column: -1, descending: false };

  function value(row, column, type) {
    var cell = row.cells[column];
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (type === "number") {
      var n = parseFloat(raw);
      return isNaN(n) ? null : n;
    }
    return raw.toLowerCase();
  }

  function sortBy(column) {
    var type = headers[column].getAttribute("data-type") || "text";
    sorted.descending = sorted.column === column ? !sorted.descending : false;
    sorted.column = column;
    var sign = sorted.descending ? -1 : 1;
    var keyed = rows.map(function (row, index) { return [value(row, column, type), index, row]; });
    keyed.sort(function (a, b) {
      if (a[0] === null || b[0] === null) {  /* unknown figures last, either way */
        return a[0] === b[0] ? a[1] - b[1] : (a[0] === null ? 1 : -1);
      }
      var c = type === "number" ? a[0] - b[0] : a[0].localeCompare(b[0]);
      return c !== 0 ? sign * c : a[1] - b[1];  /* ties keep the worst-first order */
    });
    keyed.forEach(function (k) { body.appendChild(k[2]); });
    headers.forEach(function (th, i) {
      if (i === column) { th.setAttribute("aria-sort", sorted.descending ? "descending" : "ascending"); }
      else { th.removeAttribute("aria-sort"); }
    });
  }

  headers.forEach(function (th, column) {
    if (th.hasAttribute("data-nosort")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.title = "sort by this column (again: the other way)";
    while (th.firstChild) { button.appendChild(th.firstChild); }
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(column); });
  });

  if (!form) { return; }
  var text = form.elements.namedItem("q");
  var selects = ["status", "unit", "tier"].map(function (name) { return form.elements.namedItem(name); });
  var shown = document.getElementById("shown");

  function apply() {
    var q = text.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var visible = !q || row.textContent.toLowerCase().indexOf(q) !== -1;
      selects.forEach(function (select) {
        if (select.value && row.getAttribute("data-" + select.name) !== select.value) { visible = false; }
      });
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count === rows.length ? "all " + rows.length + " models shown"
      : count + " of " + rows.length + " models shown";
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.hidden = false;
  apply();
})();
"""
"""The page's progressive enhancement: click a header to sort (numbers by their ``data-value``), filter by
text, status, business unit and tier. Without it the table is complete, in its worst-first order."""


def script_source(script: str) -> str:
    """The CSP source that allows exactly ``script`` inline: ``'sha256-<base64 of its SHA-256>'``."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def render_fleet_overview(view: FleetOverview) -> str:
    """The overview as a self-contained HTML page (``reports/fleet.html.j2``)."""
    from markupsafe import Markup

    from govern.reports.render import render

    return render(
        "fleet.html.j2",
        view=view,
        script=Markup(FLEET_SCRIPT),  # our own constant, never data: inserted as is, and hashed as is
        script_policy=Markup(script_source(FLEET_SCRIPT)),
    )


def overview_json(view: FleetOverview) -> str:
    """The document the page was rendered from (``as_dict``), as JSON."""
    return json.dumps(as_dict(view), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def publish_fleet_overview(store: ResultsStore, view: FleetOverview) -> list[str]:
    """Write ``<night>/index.html`` and ``<night>/index.json``; returns where they are."""
    return [
        store.write_page(f"{view.night}/index.html", render_fleet_overview(view)),
        store.write_page(f"{view.night}/index.json", overview_json(view)),
    ]


__all__ = [
    "FLEET_SCRIPT",
    "FeedIncident",
    "FleetOverview",
    "FleetRow",
    "IncidentLink",
    "ModelLink",
    "RowLinks",
    "StatusCount",
    "Trend",
    "build_fleet_overview",
    "fleet_overview",
    "overview_json",
    "publish_fleet_overview",
    "render_fleet_overview",
    "script_source",
]

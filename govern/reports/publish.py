"""The night's pages: every model's owner report, every model's card and the fleet overview, written under
the results store at their documented paths (``govern.store``), each beside the JSON it was rendered from.

Pages are derived from the stored results and the incident database, so writing them never changes either,
and a rerun of the night rewrites only the pages whose content changed. One model's page that cannot be built
is that page's error, reported in ``Published.errors`` with the model and the reason: the other models' pages,
and the overview, are still written.

Each model's history (the last 30 nights) is read once and shared by its owner report, its card and the
overview's sparkline: reading is most of the cost of rendering a night.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govern.errors import GovernanceError
from govern.readout import HistoryLine
from govern.reports.views import as_dict, history_lines, incident_views, owner_report

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from govern.config import Fleet
    from govern.registry import ModelRegistry
    from govern.store import ResultsStore


@dataclass(frozen=True)
class PageError:
    page: str
    """owner report, model card or fleet overview"""
    model: str | None
    message: str

    def __str__(self) -> str:
        about = f"{self.model}: " if self.model else ""
        return f"{about}its {self.page} was not written: {self.message}"


@dataclass
class Published:
    """What a publication wrote (locations, in order) and what it could not (``errors``)."""

    night: str
    pages: list[str] = field(default_factory=list)
    errors: list[PageError] = field(default_factory=list)
    skipped: list[PageError] = field(default_factory=list)
    """Pages left as they are on purpose: a card newer than the night rendered (a rerun of an older night)."""
    seconds: float = 0.0

    def location(self, suffix: str) -> str | None:
        """The first page written whose location ends with ``suffix`` (e.g. ``"/index.html"``)."""
        return next((p for p in self.pages if p.endswith(suffix)), None)


def page_json(view: Any) -> str:
    """The JSON a page was rendered from (its view), as written beside it."""
    return json.dumps(as_dict(view), indent=2, sort_keys=True, default=str) + "\n"


def publish_owner_report(store: ResultsStore, report: Any) -> list[str]:
    """Write one owner report as ``<night>/reports/<model>.html``, ``.md`` and ``.json``."""
    from govern.reports.render import render_owner_report

    base = f"{report.night}/reports/{report.model}"
    return [
        store.write_page(f"{base}.html", render_owner_report(report, "html")),
        store.write_page(f"{base}.md", render_owner_report(report, "md")),
        store.write_page(f"{base}.json", page_json(report)),
    ]


@dataclass
class ModelNight:
    """What the night's pages read of one model, once: its history (the 30 nights ending tonight, quarantined
    nights marked), its incidents as they stood after the night's response (None: the database was not read),
    tonight's owner report (None: no result tonight, or ``problem`` says why it could not be built)."""

    model: str
    history: list[HistoryLine] = field(default_factory=list)
    incidents: tuple[Any, ...] | None = None
    report: Any = None
    problem: str | None = None
    left_out: list[str] = field(default_factory=list)
    """Nights of the history that cannot be read (left out of the charts, and said so)."""


def read_model_night(
    fleet: Fleet, store: ResultsStore, model: str, night: str, *, session: Session | None = None
) -> ModelNight:
    """One model's reading of the night for every page; a failure is the model's ``problem``, never raised."""
    read = ModelNight(model)
    try:
        quarantined: set[str] = set()
        if session is not None:
            from govern.respond.containment import quarantined_nights

            quarantined = quarantined_nights(session, model)
            read.incidents = incident_views(session, model=model, night=night)
        read.history = history_lines(store, model, night, quarantined=quarantined, unreadable=read.left_out)
        if store.has_result(night, model):
            read.report = owner_report(
                store.read_result(night, model),
                history=read.history,
                incidents=read.incidents,
                config=fleet.models[model],
                quarantined=night in quarantined,
            )
    except Exception as exc:  # one model's reading never stops the others' pages
        read.problem = _reason(exc)
    return read


def publish_night(
    fleet: Fleet,
    night: str,
    *,
    store: ResultsStore,
    session: Session | None = None,
    registry: ModelRegistry | None = None,
    models: Sequence[str] | None = None,
    owner: bool = True,
    cards: bool = True,
    overview: bool = True,
) -> Published:
    """Write the night's pages: the owner report (``owner``) and the card (``cards``) of every model (of
    ``models``, default the fleet's) with a result that night, and the fleet overview (``overview``, always of
    the whole fleet, built from the same owner reports). ``session``: the incident database (None: the pages
    say incidents were not read); ``registry``: the model registry the cards read versions from (None: the
    cards say so)."""
    started = time.perf_counter()
    published = Published(night=night)
    chosen = list(models) if models is not None else sorted(fleet.models)
    unknown = [m for m in chosen if m not in fleet.models]
    if unknown:
        raise GovernanceError(f"the models to report on must be in the fleet; got {', '.join(unknown)}, which are not")
    readings = {m: read_model_night(fleet, store, m, night, session=session)
                for m in (sorted(fleet.models) if overview else chosen)}  # fmt: skip
    for model in chosen:
        read = readings[model]
        if read.problem is not None:
            if owner or cards:
                published.errors.append(PageError("owner report" if owner else "model card", model, read.problem))
            continue
        if owner and read.report is not None:
            try:
                published.pages += publish_owner_report(store, read.report)
            except Exception as exc:  # one model's page never stops the others'
                published.errors.append(PageError("owner report", model, _reason(exc)))
        if cards and read.report is not None:
            from govern.reports.card import StaleCardError, model_card, publish_card

            try:
                card = model_card(fleet, model, night, store=store, registry=registry, session=session,
                                  history=read.history)  # fmt: skip
                published.pages += publish_card(store, card)
            except StaleCardError as exc:  # a rerun of an older night: the current card stays the newest's
                published.skipped.append(PageError("model card", model, _reason(exc)))
            except Exception as exc:
                published.errors.append(PageError("model card", model, _reason(exc)))
    if overview:
        try:
            from govern.reports.fleet import build_fleet_overview, publish_fleet_overview

            unreadable = {name: f"its configuration cannot be loaded: {why}" for name, why in fleet.broken.items()}
            unreadable |= {r.model: f"its pages cannot be built: {r.problem}" for r in readings.values() if r.problem}
            view = build_fleet_overview(
                night,
                fleet=fleet.config.name,
                models=[fleet.models[n] for n in sorted(fleet.models)],
                reports={m: r.report for m, r in readings.items() if r.report is not None},
                unreadable=unreadable,
                incidents={m: r.incidents or () for m, r in readings.items() if r.report is None}
                if session is not None
                else None,
                notes=[
                    f"{r.model}: {len(r.left_out)} night(s) of its history cannot be read and are left out"
                    for r in readings.values()
                    if r.left_out
                ],  # fmt: skip
            )
            published.pages += publish_fleet_overview(store, view)
        except Exception as exc:
            published.errors.append(PageError("fleet overview", None, _reason(exc)))
    published.seconds = time.perf_counter() - started
    return published


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, GovernanceError) else f"{type(exc).__name__}: {exc}"

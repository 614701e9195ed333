"""``govern report owner|fleet|card|board``: render one kind of page from the stored results, the incident
database and the model registry, write it where the nightly and monthly flows write it, and print where."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from govern.errors import GovernanceError

DEFAULT_FLEET = Path("configs/fleet.yaml")
FleetOption = typer.Option(DEFAULT_FLEET, "--fleet", help="The fleet file.", dir_okay=False)
NightOption = typer.Option(None, "--night", help="The night (ISO date); default: the latest night with results.")

report_app = typer.Typer(
    help="Render the pages people read: owner reports, the fleet overview, model cards, the board summary.",
    no_args_is_help=True,
)


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@contextlib.contextmanager
def _sources(fleet_path: Path, *, incidents: bool = True) -> Iterator[tuple[Any, Any, Any]]:
    """The fleet, its results store and a session on its incident database (None, with a warning, when the
    database cannot be opened: the pages then say that incidents were not read)."""
    from govern.config import load_fleet
    from govern.runtime import configure_environment
    from govern.store import ResultsStore

    fleet = load_fleet(fleet_path, strict=False)
    configure_environment(fleet.state_dir)
    store = ResultsStore(fleet.output)
    if not incidents:
        yield fleet, store, None
        return
    from govern.respond.database import open_database

    try:
        database = open_database(fleet.incident_db, create=False)
    except GovernanceError as exc:
        typer.secho(f"warning: incidents are not shown: {exc}", fg=typer.colors.YELLOW, err=True)
        yield fleet, store, None
        return
    try:
        with database.session("reading the incidents for a report") as session:
            yield fleet, store, session
    finally:
        database.close()


def _night(store: Any, night: str | None) -> str:
    if night is not None:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", night):
            _fail(f"--night must be an ISO date such as 2026-10-18; got {night!r} instead")
        return night
    nights = store.nights()
    if not nights:
        _fail(f"there must be results to report on; got none in {store.root}")
    return str(nights[-1])


def _model(fleet: Any, model: str) -> str:
    if model not in fleet.models:
        from govern.config import _did_you_mean

        _fail(f"{fleet.path}: the model must be one of the fleet's; got {model!r}{_did_you_mean(model, fleet.models)}")
    return model


def _registry(fleet: Any) -> Any:
    from govern.registry import MlflowRegistry

    return MlflowRegistry.for_fleet(fleet)


def _written(pages: list[str]) -> None:
    for page in pages:
        typer.echo(page)


@report_app.command("owner")
def report_owner(
    model: str = typer.Argument(..., help="The model."),
    night: str | None = NightOption,
    fleet: Path = FleetOption,
) -> None:
    """The owner's nightly report of MODEL: <output>/<night>/reports/<model>.html, .md and .json."""
    from govern.reports.publish import publish_night

    with _sources(fleet) as (config, store, session):
        name, when = _model(config, model), _night(store, night)
        if not store.has_result(when, name):
            _fail(f"{name} must have a result on {when} to be reported on; got none at {store.location(when, name)}")
        published = publish_night(config, when, store=store, session=session, models=[name], cards=False,
                                  overview=False)  # fmt: skip
    _finish(published)


@report_app.command("fleet")
def report_fleet(night: str | None = NightOption, fleet: Path = FleetOption) -> None:
    """The fleet overview of the night: <output>/<night>/index.html and index.json."""
    from govern.reports.publish import publish_night

    with _sources(fleet) as (config, store, session):
        published = publish_night(config, _night(store, night), store=store, session=session, models=[],
                                  cards=False)  # fmt: skip
    _finish(published)


@report_app.command("card")
def report_card(
    model: str = typer.Argument(..., help="The model."),
    night: str | None = typer.Option(
        None, "--night", help="The monitoring night the card reads (default: the latest with a result of MODEL)."
    ),
    fleet: Path = FleetOption,
) -> None:
    """MODEL's card: <output>/cards/<model>.html, .md and .json, and the serving version's copy under
    <output>/cards/<model>/."""
    from govern.reports.publish import publish_night

    with _sources(fleet) as (config, store, session):
        name = _model(config, model)
        when = night or next((n for n in reversed(store.nights()) if store.has_result(n, name)), None)
        if when is None:
            _fail(f"{name} must have a result to write its card from; got none in {store.root}")
        published = publish_night(config, _night(store, when), store=store, session=session,
                                  registry=_registry(config), models=[name], owner=False, overview=False)  # fmt: skip
    _finish(published)


@report_app.command("board")
def report_board(
    month: str = typer.Option(..., "--month", help="The month (YYYY-MM)."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also print it to PDF with headless Chromium."),
    fleet: Path = FleetOption,
) -> None:
    """The month's board summary: <output>/board/<YYYY-MM>.html, .json and .pdf."""
    from govern.reports.board import board_summary, publish_board

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        _fail(f"--month must be YYYY-MM such as 2026-10; got {month!r} instead")
    with _sources(fleet) as (config, store, session):
        view = board_summary(config, month, store=store, session=session)
        _written(publish_board(store, view, pdf=pdf))


def _finish(published: Any) -> None:
    """Print where each page was written, then what was not (an error, or a page left newer on purpose);
    exit 1 when a page was not written or nothing was."""
    _written(published.pages)
    for error in published.errors:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
    for skipped in published.skipped:
        typer.secho(str(skipped), fg=typer.colors.YELLOW, err=True)
    if published.errors or not published.pages:
        raise typer.Exit(1)

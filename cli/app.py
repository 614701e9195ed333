"""``govern``: the command line. It lives outside the core (``govern/``) because its ``run`` and ``demo``
commands start the Prefect flows; heavy libraries are imported inside the commands, so ``--help`` is instant."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from cli.onboarding import models_app
from cli.report import report_app
from cli.respond import audit_log_app, evidence, feed_app, incidents_app, rollback
from govern.errors import GovernanceError
from govern.rulebook import FOUR_FIFTHS, Severity

DEFAULT_FLEET = Path("configs/fleet.yaml")

app = typer.Typer(
    help="Nightly governance of a fleet of production ML models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
run_app = typer.Typer(help="Run the governance flows (Prefect).", no_args_is_help=True)
audit_app = typer.Typer(help="Ad-hoc audits of any table, without a fleet.", no_args_is_help=True)
expectations_app = typer.Typer(help="Great Expectations suites of the fleet's models.", no_args_is_help=True)
app.add_typer(run_app, name="run")
app.add_typer(audit_app, name="audit")
app.add_typer(expectations_app, name="expectations")
app.add_typer(models_app, name="models")
app.add_typer(incidents_app, name="incidents")
app.add_typer(feed_app, name="feed")
app.add_typer(audit_log_app, name="audit-log")
app.add_typer(report_app, name="report")
app.command("rollback")(rollback)
app.command("evidence")(evidence)

FleetOption = typer.Option(DEFAULT_FLEET, "--fleet", help="The fleet file.", dir_okay=False)
FLEET_EXIT_CODES = (
    "Exit codes: 0 when every model was assessed (findings or not); 1 when any model is in error, or, with "
    "--fail-on, when any model's most severe finding is at or above that severity; 2 for bad input (options, "
    "fleet file) before anything runs."
)
AUDIT_EXIT_CODES = (
    "Exit codes: 0 when the audit ran (breaches are printed but do not fail it without --fail-on); 1 with "
    "--fail-on when a limit is broken and the audit's severity is at or above it; 2 for bad input (options, "
    "files, columns)."
)


def _fail(message: str, code: int = 2) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _split(values: list[str] | None) -> list[str] | None:
    """Accept both ``--models a,b`` and ``--models a --models b``."""
    if not values:
        return None
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _column_value(frame: Any, column: str, text: str, option: str, what: str) -> Any:
    """``text`` as the value ``column`` holds (1 for an integer column, True for a boolean one, "1" for a text
    one): comparing a CLI string with the data's own type would match no row and pass every group."""
    import numbers

    import numpy as np
    import pandas as pd

    from govern.errors import DataError

    if column not in frame.columns:
        return _literal(text)  # the report names the missing column
    values = pd.unique(frame[column].dropna())

    def same(value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return text.strip().lower() in ({"true", "1", "yes"} if value else {"false", "0", "no"})
        if isinstance(value, numbers.Number):
            try:
                return float(text) == float(value)  # type: ignore[arg-type]
            except ValueError:
                return False
        return str(value) == text

    for value in values:
        if same(value):
            return value.item() if hasattr(value, "item") else value
    shown = ", ".join(sorted(repr(v.item() if hasattr(v, "item") else v) for v in values)[:12])
    raise DataError(f"{what}: {option} {text!r} must be a value of column {column!r}; got only {shown} in the data")


def _literal(value: str | None) -> Any:
    """A CLI value as the data most likely holds it: int, then float, then the string."""
    if value is None:
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def _prepare(fleet_path: Path) -> Any:
    """Load the fleet leniently (a broken model file is that model's error) and set up the environment."""
    from govern.config import load_fleet
    from govern.runtime import configure_environment, end_descendants_with_this_process

    fleet = load_fleet(fleet_path, strict=False)
    configure_environment(fleet.state_dir)
    end_descendants_with_this_process()  # a kill -9 of the run must not orphan Prefect's server or the workers
    return fleet


def _write_json(path: Path | None, payload: Any) -> None:
    if path is None:
        return
    from govern.data import write_atomic

    write_atomic(path, json.dumps(payload, indent=2) + "\n")
    typer.echo(f"JSON written to {path}")


# ---------------------------------------------------------------------------------------------- demo


@app.command()
def demo(
    fleet: Path = FleetOption,
    force: bool = typer.Option(False, "--force", help="Rebuild data and models even if already built."),
    run: bool = typer.Option(False, "--run", help="Then run the nightly flow over the demo's 30 nights."),
) -> None:
    """Build the bundled demo fleet: data, MLflow models, configs and suites (deterministic, offline)."""
    from govern.config import FleetConfig, parse
    from govern.runtime import configure_environment

    config: FleetConfig = parse(FleetConfig, fleet.resolve())
    configure_environment((fleet.resolve().parent / config.state_dir).resolve())
    from demo import DEMO_NIGHTS, build_demo

    typer.echo(str(build_demo(fleet, force=force)))
    if run:
        _run_backfill(fleet, DEMO_NIGHTS[0], DEMO_NIGHTS[-1], None, demo=True)
        _print_incidents(fleet)


# ---------------------------------------------------------------------------------------------- run


def _night(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"--date must be an ISO date such as 2026-10-18; got {value!r} instead")
        raise  # unreachable, for type checkers


def _print_summary(summary: Any) -> None:
    from tabulate import tabulate

    rows = [
        [
            line.model,
            line.status,
            line.max_severity or "",
            line.fault or "",
            ", ".join(line.checks) or "; ".join(line.errors)[:100],
        ]
        for line in summary.models
    ]
    typer.echo(f"\nnight {summary.night}: {summary.counts}")
    typer.echo(tabulate(rows, headers=["model", "status", "severity", "fault", "checks"]))


FleetFailOnOption = typer.Option(
    None,
    "--fail-on",
    case_sensitive=False,
    help="Exit 1 when any model has a finding of this severity or above (models in error exit 1 regardless).",
)


def _fleet_exit(summaries: list[Any], fail_on: Severity | None) -> None:
    """Exit 1, saying why, when a model is in error on any night, or (with ``fail_on``) a model's most severe
    finding is at or above ``fail_on``; return (exit 0) otherwise. ``summaries`` are FleetSummary objects."""
    several = len(summaries) > 1

    def name(night: str, model: str) -> str:
        return f"{model} on {night}" if several else model

    in_error = [name(s.night, line.model) for s in summaries for line in s.models if line.status == "error"]
    severe = []
    if fail_on is not None:
        severe = [
            f"{name(s.night, line.model)} ({line.max_severity})"
            for s in summaries
            for line in s.models
            if line.max_severity is not None and Severity(line.max_severity).rank >= fail_on.rank
        ]
    reasons = []
    if in_error:
        reasons.append(f"{len(in_error)} model(s) in error: {', '.join(in_error)}")
    if severe:
        reasons.append(f"{len(severe)} with findings at or above --fail-on {fail_on}: {', '.join(severe)}")
    if reasons:
        _fail("exit 1: " + "; ".join(reasons), code=1)


@run_app.command("nightly", help=f"Run the nightly governance flow over the fleet for one night. {FLEET_EXIT_CODES}")
def run_nightly(
    date: str | None = typer.Option(
        None, "--date", help="The night (ISO date); default: yesterday in the fleet's timezone."
    ),
    models: list[str] | None = typer.Option(None, "--models", help="Only these models (comma separated)."),
    fail_on: Severity | None = FleetFailOnOption,
    fleet: Path = FleetOption,
) -> None:
    """Run the nightly governance flow over the fleet for one night (the help gives the exit codes)."""
    night = _night(date)  # a bad date is an error before anything starts
    fleet_config = _prepare(fleet)
    selected = fleet_config.select(_split(models)) or ()  # an unknown model is an error before Prefect starts
    from flows.nightly import nightly
    from govern.results import FleetSummary
    from govern.store import ResultsStore

    with _progress_bar(len(selected), f"night {night or 'of yesterday'}"):
        state = nightly(  # the flow sizes its task runner from the fleet's concurrency itself
            fleet=str(fleet.resolve()),
            night=None if night is None else night.isoformat(),
            models=_split(models),
            return_state=True,
        )
    summary = FleetSummary.model_validate(_flow_data(state))
    _print_summary(summary)
    typer.echo(f"\nresults: {ResultsStore(fleet_config.output).location(summary.night)}")
    _fleet_exit([summary], fail_on)


@contextlib.contextmanager
def _progress_bar(total: int, what: str) -> Iterator[None]:
    """A progress bar on the terminal (stderr) while a run goes: model-nights done of ``total``, the last model
    done and the time left. Nothing when stderr is not a terminal (a scheduler's log, CI)."""
    import sys

    from govern import progress

    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(what, total=total, last="")
    with bar, progress.watch(lambda r: bar.update(task, advance=1, last=f"{r.night} {r.model}: {r.status}")):
        yield


def _flow_data(state: Any) -> Any:
    """A flow run's data: also when it ended Failed because some models are in error (the exit code says so);
    a flow that failed outright re-raises its exception."""
    data = state.result(raise_on_failure=False)
    if isinstance(data, BaseException):
        raise data
    return data


_STATUS_WORDS = {"findings": "with findings", "error": "errors"}


def _run_backfill(
    fleet: Path, start: dt.date, end: dt.date, models: list[str] | None, *, demo: bool = False
) -> list[Any]:
    """Run the backfill flow (or, with ``demo``, the demo's month: served, governed, responded to, the people's
    steps) and print one line per night; return the nights' FleetSummary objects."""
    fleet_config = _prepare(fleet)
    selected = fleet_config.select(models) or ()
    from govern.results import FleetSummary

    total = ((end - start).days + 1) * len(selected)
    with _progress_bar(total, f"{start} .. {end}"):
        if demo:
            from flows.demo import demo_month

            state = demo_month(fleet=str(fleet.resolve()), start=start.isoformat(), end=end.isoformat(),
                               return_state=True)  # fmt: skip
        else:
            from flows.nightly import backfill

            state = backfill(
                fleet=str(fleet.resolve()), start=start.isoformat(), end=end.isoformat(), models=models,
                return_state=True,
            )  # fmt: skip
    done = _flow_data(state)
    summaries = [FleetSummary.model_validate(night) for night in done]
    for summary in summaries:
        counts = ", ".join(f"{n} {_STATUS_WORDS.get(status, status)}" for status, n in summary.counts.items())
        flagged = [f"{m.model}({m.max_severity or m.status})" for m in summary.models if m.status != "healthy"]
        typer.echo(f"{summary.night}: {counts}  {' '.join(flagged)}")
    typer.echo(f"\nresults: {fleet_config.output}/<night>/fleet.json and <night>/models/<model>.json")
    typer.echo(
        f"pages:   {fleet_config.output}/<night>/index.html (fleet overview), <night>/reports/<model>.html (owner "
        f"reports), cards/<model>.html (model cards)" + (f", board/{end:%Y-%m}.html and .pdf" if demo else "")
    )
    return summaries


def _print_incidents(fleet: Path) -> None:
    """The incidents the run left, one line each (``govern incidents list`` for more)."""
    from govern.config import load_fleet
    from govern.respond import incidents
    from govern.respond.respond import open_responder

    responder = open_responder(load_fleet(fleet, strict=False), use_registry=False, environ={})
    try:
        with responder.db.session() as session:
            rows = incidents.listing(session)
            typer.echo(f"\nincidents: {len(rows)} (govern incidents list; govern incidents show ID)")
            for i in rows:
                about = i.model or f"feed {i.feed}"
                typer.echo(f"  {i.id:>3} {i.sev} {i.status:<12} {about}: {i.check} on {i.subject} "
                           f"({i.first_night} .. {i.last_night})")  # fmt: skip
    finally:
        responder.close()


@run_app.command(
    "backfill",
    help="Run the governance flow over a range of nights, in order (history, or a replay after a fix). "
    f"{FLEET_EXIT_CODES} A model in error, or over --fail-on, on any night of the range counts.",
)
def run_backfill(
    start: str = typer.Option(..., "--start", help="First night (ISO date)."),
    end: str = typer.Option(..., "--end", help="Last night (ISO date), inclusive."),
    models: list[str] | None = typer.Option(None, "--models", help="Only these models (comma separated)."),
    fail_on: Severity | None = FleetFailOnOption,
    fleet: Path = FleetOption,
) -> None:
    """Run the governance flow over a range of nights (the help gives the exit codes)."""
    first, last = _night(start), _night(end)
    assert first is not None and last is not None
    if last < first:
        _fail(f"--end must not be before --start; got {start} .. {end} instead")
    _fleet_exit(_run_backfill(fleet, first, last, _split(models)), fail_on)


@app.command(
    "serve",
    help="Serve the fleet's deployments from this process until SIGTERM or Ctrl-C, for teams without work pools "
    "(with them: prefect.yaml): nightly-governance/<fleet> on the fleet's schedule in its timezone, and "
    "backfill-governance/<fleet> to start by hand. Needs a Prefect server that outlives it: set PREFECT_API_URL "
    "(e.g. http://127.0.0.1:4200/api after `prefect server start`). On stopping, the deployments are paused.",
)
def serve(fleet: Path = FleetOption) -> None:
    """Serve the fleet's deployments until SIGTERM or SIGINT (the command's help says what and where)."""
    _prepare(fleet)  # the environment of the runs: each served run is a subprocess of this one
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    if not api:
        _fail(
            "govern serve needs a Prefect server that outlives it, for its schedules and its runs: start one "
            "(prefect server start) and set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api); got none set"
        )
    from flows.deployments import deployments, describe, serve_fleet

    typer.echo(f"serving on {api}, until SIGTERM or Ctrl-C:")
    for deployment in deployments(fleet):
        typer.echo(f"  {describe(deployment)}")
    sys.stdout.flush()
    serve_fleet(fleet)
    typer.echo("stopped; its deployments are paused until they are served again")


# ---------------------------------------------------------------------------------------------- config


@app.command("validate-config")
def validate_config(
    fleet: Path = FleetOption,
    deep: bool = typer.Option(
        False,
        "--deep",
        help="Also read each model's data files and registry entry as the nightly run would (columns and types, "
        "the serving alias, the reference's size); print every problem; exit 1 on any error.",
    ),
) -> None:
    """Load and cross-check the fleet, model and policy files; print every error found."""
    from govern.config import load_fleet

    if deep:
        from cli.onboarding import deep_check

        raise typer.Exit(deep_check(fleet))

    loaded = load_fleet(fleet, strict=False)
    if loaded.broken:
        for message in loaded.broken.values():
            typer.secho(message, fg=typer.colors.RED, err=True)
        _fail(f"{len(loaded.broken)} model file(s) invalid, {len(loaded.models)} valid", code=1)
    typer.echo(f"{fleet}: {len(loaded.models)} models and {len(loaded.policies)} policies are valid")


@expectations_app.command("init")
def expectations_init(
    model: str = typer.Argument(..., help="The model whose reference data to profile."),
    fleet: Path = FleetOption,
    force: bool = typer.Option(False, "--force", help="Overwrite an existing suite."),
) -> None:
    """Profile the model's reference data into a starting GE suite in expectations/, for its owner to edit."""
    import re

    from govern.config import load_fleet
    from govern.data import read_table
    from govern.suites import profile_suite, save_suite

    if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", model):  # a name, never a path: it picks a file to write
        _fail(f"MODEL must be a model name (lowercase letters, digits, _); got {model!r} instead")
    loaded = load_fleet(fleet, strict=False)
    if model in loaded.models:
        config = loaded.models[model]
    else:  # a new model: the fleet refuses it until its suite exists, which is what this command writes
        from govern.config import ModelConfig, parse

        models_dir = (loaded.path.parent / loaded.config.models_dir).resolve()
        config = parse(ModelConfig, models_dir / f"{model}.yaml", defaults={"name": model})
    path = loaded.expectations_dir / f"{config.suite_name}.json"
    if path.exists() and not force:
        _fail(f"{path} exists; pass --force to overwrite it")
    reference = read_table(loaded.data_path(config.data.reference), what=f"model {model!r}: reference data")
    suite = profile_suite(config, reference)
    save_suite(suite, path)
    typer.echo(
        f"{len(suite['expectations'])} expectations written to {path}; review them, then mark the ones "
        f'whose failure means bad data with "meta": {{"critical": true}}'
    )


# ---------------------------------------------------------------------------------------------- results


def _store(fleet_path: Path) -> Any:
    from govern.config import load_fleet
    from govern.store import ResultsStore

    return ResultsStore(load_fleet(fleet_path, strict=False).output)


def _iso(value: str | None, option: str) -> str | None:
    if value is not None:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            _fail(f"{option} must be an ISO date such as 2026-10-18; got {value!r} instead")
    return value


@app.command("schema")
def schema(
    document: str = typer.Argument(..., help="result (a model's night) or fleet (the fleet summary)."),
) -> None:
    """Print the JSON Schema of a published document (committed in schemas/)."""
    from govern.results import DOCUMENTS, json_schema

    if document not in DOCUMENTS:
        _fail(f"DOCUMENT must be one of {', '.join(DOCUMENTS)}; got {document!r} instead")
    typer.echo(json.dumps(json_schema(document), indent=2))


@app.command("history")
def history(
    model: str = typer.Argument(..., help="The model."),
    start: str | None = typer.Option(None, "--from", help="First night (ISO date)."),
    end: str | None = typer.Option(None, "--to", help="Last night (ISO date), inclusive."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per night, as a JSON list."),
    fleet: Path = FleetOption,
) -> None:
    """One line per night for a model: status, serving version, the SLA metric estimated (with its band) and
    realized, findings by severity."""
    from govern.readout import HistoryLine, history_table

    start, end = _iso(start, "--from"), _iso(end, "--to")
    store = _store(fleet)
    quarantined = _quarantined_nights(fleet, model)
    lines = [
        HistoryLine.of(r).model_copy(update={"quarantined": r.night in quarantined})
        for r in store.history(model, start=start, end=end)
    ]
    if not lines:
        _fail(f"model {model!r} must have results between {start or 'the first night'} and "
              f"{end or 'the last'} in {store.root}; got none", code=1)  # fmt: skip
    if as_json:
        typer.echo(json.dumps([line.to_dict() for line in lines], indent=2))
    else:
        typer.echo(history_table(lines))


def _quarantined_nights(fleet_path: Path, model: str) -> set[str]:
    """The model's nights whose batch the response quarantined; none when there is no incident database yet
    (it is not created for a read)."""
    from govern.config import load_fleet
    from govern.respond.containment import quarantined_nights
    from govern.respond.database import open_database

    fleet = load_fleet(fleet_path, strict=False)
    url = fleet.incident_db
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return set()
    try:  # a read: never migrates, and a database that cannot answer leaves the history unmarked
        with open_database(url, upgrade=False) as db, db.session() as session:
            return quarantined_nights(session, model)
    except GovernanceError as exc:
        typer.secho(f"warning: quarantined nights not marked: {exc}", fg=typer.colors.YELLOW, err=True)
        return set()


@app.command("show")
def show(
    model: str = typer.Argument(..., help="The model."),
    night: str = typer.Option(..., "--night", help="The night (ISO date)."),
    as_json: bool = typer.Option(False, "--json", help="The result document itself."),
    fleet: Path = FleetOption,
) -> None:
    """One model's night in readable form: the verdict first, then the findings, then the figures."""
    from govern.readout import night_text

    _iso(night, "--night")
    store = _store(fleet)
    result = store.read_result(night, model)
    typer.echo(result.to_json().rstrip() if as_json else night_text(result, location=store.location(night, model)))


# ---------------------------------------------------------------------------------------------- audit


def _threshold(section: str, name: str) -> Any:
    """A typer callback refusing a value outside the rulebook's valid range for the threshold, as the
    configuration does at load."""
    from govern.rulebook import spec

    def check(value: float | None) -> float | None:
        if value is not None:
            try:
                spec(section, name).check_value(value)
            except ValueError as exc:
                raise typer.BadParameter(str(exc)) from exc
        return value

    return check


def _default(section: str, name: str) -> Any:
    from govern.rulebook import spec

    return spec(section, name).default


def _fraction(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _audit_fail_on(section: str) -> Any:
    from govern.rulebook import SECTION_SEVERITY

    return typer.Option(
        None,
        "--fail-on",
        case_sensitive=False,
        help=f"Exit 1 when a limit is broken and this audit's severity, {SECTION_SEVERITY[section]} (the rulebook's "
        f"default for {section} findings, as in the nightly run), is at or above this one.",
    )


def _audit_exit(section: str, breaches: list[str], fail_on: Severity | None) -> None:
    """An audit has no policy, so a breach weighs what a finding of its section weighs by default in the nightly
    run (``SECTION_SEVERITY``: fairness high, drift medium); exit 1, saying why, when that is at or above
    ``fail_on``."""
    from govern.rulebook import SECTION_SEVERITY

    severity = SECTION_SEVERITY[section]
    if breaches and fail_on is not None and severity.rank >= fail_on.rank:
        _fail(
            f"exit 1: {len(breaches)} {section} breach(es) ({', '.join(breaches[:10])}), severity {severity}, "
            f"at or above --fail-on {fail_on}",
            code=1,
        )


@audit_app.command(
    "fairness",
    help="Fairness of any table's predictions across groups: selection rate, impact ratio (four-fifths rule), and "
    "with labels TPR, FPR, FNR, equal opportunity and equalized odds. With --label, the label must hold two classes "
    "including --positive-label, and the predictions the same two values. A breach is a group judged "
    f"(n >= --min-group-size) whose impact ratio is below --min-impact-ratio. {AUDIT_EXIT_CODES}",
)
def audit_fairness(
    data: str = typer.Option(..., "--data", help="CSV or Parquet file: a local path or an fsspec URI."),
    prediction: str = typer.Option(..., "--prediction", help="Column of predicted labels."),
    group: list[str] = typer.Option(..., "--group", help="Protected attribute column; repeat for several."),
    label: str | None = typer.Option(None, "--label", help="Column of true labels (enables TPR/FPR/FNR)."),
    score: str | None = typer.Option(None, "--score", help="Column of scores (mean score, per-group AUC)."),
    favourable: str = typer.Option("1", "--favourable", help="The prediction that favours the subject."),
    positive_label: str = typer.Option("1", "--positive-label", help="The positive class of label/prediction."),
    min_group_size: int = typer.Option(
        _default("fairness", "min_group_size"),
        "--min-group-size",
        callback=_threshold("fairness", "min_group_size"),
        help="Smaller groups get no verdict.",
    ),
    min_impact_ratio: float = typer.Option(
        FOUR_FIFTHS,
        "--min-impact-ratio",
        callback=_threshold("fairness", "min_impact_ratio"),
        help="Impact ratio limit; default the four-fifths rule.",
    ),
    intersectional: bool = typer.Option(
        True, "--intersectional/--no-intersectional", help="Also judge intersections of several --group."
    ),
    max_groups: int | None = typer.Option(
        None,
        "--max-groups",
        min=1,
        help="Refuse a --group column with more distinct values (default 100: more is likely an identifier); "
        "intersections with more possible groups are left out.",
    ),
    fail_on: Severity | None = _audit_fail_on("fairness"),
    json_path: Path | None = typer.Option(None, "--json", help="Write the report as JSON here."),
) -> None:
    """Fairness of a table's predictions across groups (the command's help says what and its exit codes)."""
    from tabulate import tabulate

    from govern.data import read_table
    from govern.fairness import MAX_GROUPS, fairness_report
    from govern.rulebook import spec

    attributes = list(dict.fromkeys(_split(group) or []))  # a column named twice is judged once
    if not attributes:
        _fail("--group must name at least one protected attribute column")
    what = f"--data {data}"
    frame = read_table(data, what=what, require_rows=True)
    positive = (
        _column_value(frame, label, positive_label, "--positive-label", what) if label else _literal(positive_label)
    )
    report = fairness_report(
        frame,
        prediction=prediction,
        attributes=attributes,
        favourable=_column_value(frame, prediction, favourable, "--favourable", what),
        label=label,
        positive_label=positive,
        score=score,
        min_group_size=min_group_size,
        intersectional=intersectional,
        max_groups=MAX_GROUPS if max_groups is None else max_groups,
        what=what,
    )
    headers = ["attribute", "group", "n", "selection", "impact", "verdict"]
    if label:
        headers += ["tpr", "fpr", "fnr"]
    rows = []
    breaches = []
    for g in report.groups:
        if not g.sufficient:
            verdict = f"n<{min_group_size}: no verdict"
        elif spec("fairness", "min_impact_ratio").breached(g.impact_ratio, min_impact_ratio):
            verdict = f"FAILS 4/5 (<{min_impact_ratio})"
            breaches.append(f"{g.attribute}={g.group}")
        else:
            verdict = "ok"
        row = [g.attribute, g.group, g.n, _fraction(g.selection_rate), _fraction(g.impact_ratio), verdict]
        if label:
            row += [_fraction(g.tpr), _fraction(g.fpr), _fraction(g.fnr)]
        rows.append(row)
    typer.echo(tabulate(rows, headers=headers))
    summary = [
        [
            a.attribute,
            a.n_groups_judged,
            _fraction(a.min_impact_ratio),
            _fraction(a.demographic_parity_difference),
            _fraction(a.equal_opportunity_difference),
            _fraction(a.equalized_odds_difference),
        ]
        for a in report.attributes
    ]
    typer.echo(
        "\n"
        + tabulate(
            summary, headers=["attribute", "groups judged", "min impact", "dp diff", "eq opp diff", "eq odds diff"]
        )
    )
    payload = {"data": str(data), "min_impact_ratio_threshold": min_impact_ratio, **report.to_dict()}
    _write_json(json_path, payload)
    _audit_exit("fairness", breaches, fail_on)


@audit_app.command(
    "drift",
    help="Drift of every column between two tables, by effect size (Jensen-Shannon, PSI, Wasserstein), with KS "
    "and chi-squared tests for reference. A breach is a column that drifted (over --max-js or --max-psi). "
    f"{AUDIT_EXIT_CODES}",
)
def audit_drift(
    reference: str = typer.Option(..., "--reference", help="CSV or Parquet file: a local path or an fsspec URI."),
    current: str = typer.Option(..., "--current", help="CSV or Parquet file: a local path or an fsspec URI."),
    columns: list[str] | None = typer.Option(None, "--columns", help="Columns to compare (default: shared)."),
    categorical: list[str] | None = typer.Option(
        None, "--categorical", help="Numeric columns to treat as categorical."
    ),
    max_jensen_shannon: float = typer.Option(
        _default("drift", "max_jensen_shannon"),
        "--max-js",
        callback=_threshold("drift", "max_jensen_shannon"),
        help="Jensen-Shannon distance threshold.",
    ),
    max_psi: float = typer.Option(
        _default("drift", "max_psi"),
        "--max-psi",
        callback=_threshold("drift", "max_psi"),
        help="Population stability index threshold.",
    ),
    min_rows: int = typer.Option(
        _default("drift", "min_rows"),
        "--min-rows",
        callback=_threshold("drift", "min_rows"),
        help="A column with fewer non-null rows on either side gets its measures but no verdict.",
    ),
    fail_on: Severity | None = _audit_fail_on("drift"),
    json_path: Path | None = typer.Option(None, "--json", help="Write the report as JSON here."),
) -> None:
    """Drift of every column between two tables (the command's help says how and its exit codes)."""
    import importlib
    from concurrent.futures import ThreadPoolExecutor

    from govern.data import read_table
    from govern.results import DriftThresholds

    wanted = _split(columns)
    # The statistics module (scipy) imports while both files are read: Parquet reading releases the GIL.
    with ThreadPoolExecutor(max_workers=3) as pool:
        drift_module = pool.submit(importlib.import_module, "govern.drift")
        reads = [
            pool.submit(read_table, path, columns=wanted, what=f"--{name} {path}", require_rows=True)
            for name, path in (("reference", reference), ("current", current))
        ]
        frames = [read.result() for read in reads]
        drift_report = drift_module.result().drift_report
    report = drift_report(
        frames[0],
        frames[1],
        columns=wanted,
        categorical=_split(categorical),
        thresholds=DriftThresholds(jensen_shannon=max_jensen_shannon, psi=max_psi, min_rows=min_rows),
    )
    from tabulate import tabulate

    rows = [
        [
            c.column,
            c.kind,
            _fraction(c.jensen_shannon),
            _fraction(c.psi),
            _fraction(c.wasserstein),
            _fraction(c.ks_statistic if c.kind == "numeric" else c.chi2_statistic),
            "DRIFT (" + ", ".join(c.exceeded) + ")"
            if c.drifted
            else "ok"
            if c.judged
            else f"no verdict (n<{min_rows})",
        ]
        for c in report.columns
    ]
    typer.echo(
        tabulate(rows, headers=["column", "kind", "jensen-shannon", "psi", "wasserstein", "ks / chi2", "verdict"])
    )
    typer.echo(f"\n{len(report.drifted)} of {len(report.columns)} columns drifted")
    _write_json(json_path, {"reference": str(reference), "current": str(current), **report.to_dict()})
    _audit_exit("drift", [c.column for c in report.columns if c.drifted], fail_on)


def main() -> None:
    """Entry point with our errors printed as one clear line each, not a traceback."""
    try:
        app()
    except GovernanceError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()

"""``govern models add`` and ``govern validate-config --deep``: onboarding a model from its data, and checking
every model's data files and registry entry. The work is ``govern.onboarding``'s; this module reads the options,
prints and exits. Heavy imports stay inside the commands, so ``govern --help`` is instant."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from govern.errors import GovernanceError

DEFAULT_FLEET = Path("configs/fleet.yaml")
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")

#: The option that names each role, for the messages about roles that could not be inferred.
ROLE_OPTIONS = {
    "problem_type": "--problem-type binary_classification|regression",
    "target": "--target COL",
    "positive_label": "--positive-label VALUE",
    "score": "--score COL",
    "prediction": "--prediction COL",
    "timestamp": "--timestamp COL",
    "id": "--id COL",
    "features": "(the reference and the batch share no column left for the features)",
}

models_app = typer.Typer(help="The fleet's models: onboard a new one from its data.", no_args_is_help=True)


@models_app.callback()
def models() -> None:
    """The fleet's models: onboard a new one from its data."""
    # a callback keeps `models` a group of commands: a typer app with a single command would run it directly


def _fail(message: str, code: int = 2) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _split(values: list[str] | None) -> tuple[str, ...] | None:
    """``--protected a,b`` and ``--protected a --protected b`` alike; None when not given."""
    if not values:
        return None
    return tuple(dict.fromkeys(item.strip() for value in values for item in value.split(",") if item.strip()))


def _config_path(value: str, fleet: Any) -> str:
    """A data path as the model file holds it: a URI as given; a local path (relative to the working folder)
    relative to the fleet's ``data_root`` when under it, else absolute."""
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    try:
        return path.relative_to(fleet.data_root).as_posix()
    except ValueError:
        return path.as_posix()


def print_check(check: Any) -> None:
    """One model's deep check: its problems (every line of a multi-line message indented), then what was found."""
    errors, warnings = len(check.errors), len(check.warnings)
    verdict = "ok" if not check.problems else f"{errors} error(s), {warnings} warning(s)"
    typer.secho(f"{check.model}: {verdict}", bold=True, fg=typer.colors.RED if errors else None)
    for problem in check.problems:
        first, *rest = problem.message.splitlines()
        colour = typer.colors.RED if problem.severity == "error" else typer.colors.YELLOW
        typer.secho(f"  {problem.severity:<7} {problem.check}: {first}", fg=colour)
        for line in rest:
            typer.secho(f"          {line}", fg=colour)
    if check.found:
        typer.echo(f"  found: {'; '.join(check.found)}")


def deep_check(fleet_path: Path) -> int:
    """``govern validate-config --deep``: load the fleet (broken model files are reported, not raised), check every
    model's data and registry, print every problem grouped by model; 1 when any is an error, else 0."""
    from govern.config import load_fleet
    from govern.onboarding import deep_check as check_fleet
    from govern.runtime import configure_environment

    fleet = load_fleet(fleet_path, strict=False)
    configure_environment(fleet.state_dir)  # MLflow's telemetry off before the registry is asked
    checks = check_fleet(fleet)
    for check in checks:
        print_check(check)
    failing = [c.model for c in checks if c.errors]
    warned = [c.model for c in checks if c.warnings and not c.errors]
    typer.echo(
        f"\n{fleet_path}: {len(checks)} model(s) checked: {len(failing)} with errors, {len(warned)} with warnings "
        f"only, {len(checks) - len(failing) - len(warned)} without a problem"
    )
    return 1 if failing else 0


@models_app.command(
    "add",
    help="Onboard a model from its data: infer its column roles from the reference and a batch, write "
    "configs/models/NAME.yaml (every guess marked '# confirm:'), profile its starting Great Expectations suite, "
    "check the data against both and print what to do next. Exit codes: 0 when written and the data passes; 1 "
    "when a role could not be inferred (nothing written; the message says which option to pass) or the data "
    "fails a check (files written); 2 for bad input.",
)
def add(
    name: str = typer.Argument(..., help="The model's name (lowercase letters, digits, _): its file's name."),
    reference: str = typer.Option(..., "--reference", help="The reference set: a CSV or Parquet file, or a URI."),
    batches: str = typer.Option(..., "--batches", help="The nightly inference logs, with {date}: data/{date}.parquet"),
    labels: str | None = typer.Option(None, "--labels", help="The late labels (id and target), with {date}."),
    label_delay_days: int | None = typer.Option(
        None, "--label-delay-days", min=0, max=365, help="Days from a batch to its labels (default 7)."
    ),
    id_column: str | None = typer.Option(None, "--id", help="The record id column."),
    timestamp: str | None = typer.Option(None, "--timestamp", help="The timestamp column."),
    prediction: str | None = typer.Option(None, "--prediction", help="The prediction column."),
    score: str | None = typer.Option(None, "--score", help="The score column (probability of the positive class)."),
    target: str | None = typer.Option(None, "--target", help="The target column (in the reference)."),
    positive_label: str | None = typer.Option(None, "--positive-label", help="The positive class of the target."),
    protected: list[str] | None = typer.Option(
        None, "--protected", help="A protected attribute column; repeat, or separate with commas."
    ),
    problem_type: str | None = typer.Option(
        None, "--problem-type", help="binary_classification or regression (default: from the target)."
    ),
    registry_name: str | None = typer.Option(
        None,
        "--registry-name",
        help="The model in the MLflow registry. Without it, the model is monitored from its reference's own "
        "prediction and score columns.",
    ),
    serving_alias: str = typer.Option("champion", "--serving-alias", help="The registry alias that serves."),
    owner_name: str | None = typer.Option(None, "--owner-name", help="Who answers for the model."),
    owner_email: str | None = typer.Option(None, "--owner-email", help="Their email."),
    business_unit: str | None = typer.Option(None, "--business-unit", help="The unit that owns the model."),
    risk_tier: str | None = typer.Option(None, "--risk-tier", help="low, medium, high or critical."),
    fleet: Path = typer.Option(DEFAULT_FLEET, "--fleet", help="The fleet file.", dir_okay=False),
    force: bool = typer.Option(False, "--force", help="Overwrite the model's file and suite if they exist."),
) -> None:
    """Onboard a model from its data (the command's help says how, and its exit codes)."""
    if not NAME.fullmatch(name):  # a name, never a path: it picks the files to write
        _fail(f"NAME must be a model name (lowercase letters, digits, _; at most 64); got {name!r} instead")
    for option, value in (("--batches", batches), ("--labels", labels)):
        if value is not None and "{date}" not in value:
            _fail(f"{option} must contain {{date}}, the night of each file (data/{{date}}.parquet); got {value!r}")
    try:
        _add(
            name,
            reference=reference,
            batches=batches,
            labels=labels,
            label_delay_days=label_delay_days,
            given={
                "id": id_column,
                "timestamp": timestamp,
                "prediction": prediction,
                "score": score,
                "target": target,
                "protected": _split(protected),
                "problem_type": problem_type,
                "positive_label": positive_label,
            },
            registry_name=registry_name,
            serving_alias=serving_alias,
            owner=(owner_name, owner_email, business_unit, risk_tier),
            fleet_path=fleet,
            force=force,
        )
    except GovernanceError as exc:
        _fail(str(exc))


def _add(
    name: str,
    *,
    reference: str,
    batches: str,
    labels: str | None,
    label_delay_days: int | None,
    given: dict[str, Any],
    registry_name: str | None,
    serving_alias: str,
    owner: tuple[str | None, str | None, str | None, str | None],
    fleet_path: Path,
    force: bool,
) -> None:
    import yaml
    from pydantic import ValidationError

    from govern.config import ModelConfig, RiskTier, load_fleet
    from govern.data import read_table, write_atomic
    from govern.errors import DataError
    from govern.onboarding import (
        GivenRoles,
        ModelDraft,
        check_model_data,
        date_glob,
        find_nights,
        fleet_layout,
        infer_roles,
        model_yaml,
        models_dir,
        nights_found,
    )
    from govern.runtime import configure_environment
    from govern.suites import profile_suite, save_suite

    owner_name, owner_email, business_unit, risk_tier = owner
    if risk_tier is not None and risk_tier not in {t.value for t in RiskTier}:
        _fail(f"--risk-tier must be one of {', '.join(t.value for t in RiskTier)}; got {risk_tier!r} instead")
    layout = fleet_layout(fleet_path)
    configure_environment(layout.state_dir)
    model_file = models_dir(layout) / f"{name}.yaml"
    suite_file = layout.expectations_dir / f"{name}.json"
    existing = [str(p) for p in (model_file, suite_file) if p.exists()]
    if existing and not force:
        _fail(f"{' and '.join(existing)} exist(s); pass --force to overwrite")

    reference_value = _config_path(reference, layout)
    batches_value = _config_path(batches, layout)
    labels_value = _config_path(labels, layout) if labels is not None else None
    reference_path = layout.data_path(reference_value)
    frame = read_table(reference_path, what=f"--reference {reference_path}", require_rows=True)
    template = layout.data_path(batches_value)
    nights = find_nights(template)
    if not nights:
        raise DataError(f"--batches {batches}: batch files must exist; got no file matching {date_glob(template)}")
    newest = next(reversed(nights))
    batch = read_table(nights[newest], what=f"--batches: batch of {newest}", require_rows=True)

    inference = infer_roles(frame, batch, given=GivenRoles(**given))
    found = nights_found(nights)
    draft = ModelDraft(
        name,
        inference,
        reference_value,
        batches_value,
        labels=labels_value,
        label_delay_days=label_delay_days,
        registry_name=registry_name,
        serving_alias=serving_alias,
        owner_name=owner_name,
        owner_email=owner_email,
        business_unit=business_unit,
        risk_tier=risk_tier,
        found=found,
    )
    text = model_yaml(draft)
    _print_roles(inference)
    if inference.missing:
        typer.echo(f"\n--- the draft of {model_file} (not written) ---\n{text}")
        wanted = [
            f"{role.name}: {ROLE_OPTIONS.get(role.name, role.name)} ({role.reason})" for role in inference.missing
        ]
        _fail(f"nothing written: could not infer {len(wanted)} role(s); pass\n  " + "\n  ".join(wanted), code=1)
    try:
        config = ModelConfig.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        _fail(f"nothing written: the model file would not load: {exc}")
        raise  # unreachable, for type checkers

    write_atomic(model_file, text)
    suite = profile_suite(config, frame)
    save_suite(suite, suite_file)
    typer.echo(f"\nwritten: {model_file} ({text.count('# confirm:')} lines to confirm)")
    typer.echo(f"written: {suite_file} ({len(suite['expectations'])} expectations profiled on the reference)")

    loaded = load_fleet(fleet_path, strict=False)
    if name in loaded.broken:
        _fail(f"the fleet refuses the new model:\n{loaded.broken[name]}", code=1)
    check = check_model_data(loaded, loaded.models[name], registry=_registry(loaded, config))
    typer.echo("\ndata contracts, registry, reference size:")
    print_check(check)
    failed = _validate_with_suite(batch, suite, suite_file, newest)
    _next_steps(name, model_file, suite_file, fleet_path, nights, text.count("# confirm:"))
    if check.errors or failed:
        _fail(f"exit 1: {name} fails {len(check.errors) + failed} check(s) above; fix them first", code=1)


def _registry(fleet: Any, config: Any) -> Any:
    if config.registry is None:
        return None
    from govern.registry import MlflowRegistry

    return MlflowRegistry(fleet.tracking_uri, fleet.state_dir / "mlartifacts")


def _print_roles(inference: Any) -> None:
    from tabulate import tabulate

    rows = []
    for role in inference.roles.values():
        if role.origin == "none":
            continue
        value = ", ".join(map(str, role.value)) if isinstance(role.value, list) else role.value
        shown = str(value if value not in (None, "") else "-")
        rows.append([role.name, shown if len(shown) <= 60 else shown[:57] + "...", role.origin, role.reason[:90]])
    typer.echo(tabulate(rows, headers=["role", "column", "how", "why"]))
    for note in inference.notes:
        typer.echo(f"note: {note}")


def _validate_with_suite(batch: Any, suite: dict[str, Any], suite_file: Path, night: str) -> int:
    """The newest batch against the new suite; the number of critical expectations it fails."""
    from govern.validation import validate_batch

    result = validate_batch(batch, suite, source=str(suite_file))
    critical = [o for o in result.failed if o.critical]
    typer.echo(
        f"\nsuite on the batch of {night}: {result.evaluated} expectations, {len(result.failed)} failed "
        f"({len(critical)} critical)"
    )
    for outcome in result.failed:
        share = "" if outcome.unexpected_fraction is None else f", {outcome.unexpected_fraction:.1%} of rows"
        typer.echo(
            f"  {'critical' if outcome.critical else 'failed'}: {outcome.expectation} on {outcome.column}{share}"
        )
    return len(critical)


def _next_steps(
    name: str, model_file: Path, suite_file: Path, fleet_path: Path, nights: dict[str, str], confirms: int
) -> None:
    first, last = next(iter(nights)), next(reversed(nights))
    fleet = f" --fleet {fleet_path}" if fleet_path != DEFAULT_FLEET else ""
    typer.echo(
        "\nnext:\n"
        f"  1. review {model_file}: {confirms} lines marked '# confirm:' are guesses from the data; fix any that is "
        "wrong and delete the comment (owner, business unit and risk tier are placeholders unless given)\n"
        f'  2. review {suite_file}: an expectation with "meta": {{"critical": true}} marks a failing batch as bad '
        "data; unmark those that should only warn, mark those that must stop the night\n"
        f"  3. govern validate-config --deep{fleet}\n"
        f"  4. govern run backfill --start {first} --end {last} --models {name}{fleet}"
    )

"""Publishing the night in the Prefect UI: the fleet summary as a table artifact, and each model's findings as a
markdown artifact linking to its result (the results themselves are written by the core, ``govern.night``).

Artifact keys allow only lowercase letters, digits and dashes: ``governance-<night>`` for the fleet,
``governance-<night>-<model>`` (underscores as dashes) for a model. A key names the latest artifact of that
night; the UI keeps the earlier ones, from reruns, as its history.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from govern.results import FleetSummary, ModelNightResult

_COLUMNS = ("model", "status", "max_severity", "fault", "n_findings", "checks", "model_version")


def summary_key(night: str) -> str:
    """The fleet summary's artifact key: ``governance-2026-10-20``."""
    return f"governance-{night}"


def findings_key(night: str, model: str) -> str:
    """A model's findings artifact key: ``governance-2026-10-20-loan-approval-us``."""
    return f"governance-{night}-{model.replace('_', '-')}"


def markdown_link(location: str) -> str:
    """A markdown link to a result: a URI as it is, a local path as a ``file://`` URI."""
    target = location if "://" in location else Path(location).as_uri()
    return f"[{markdown_cell(location)}]({target.replace(' ', '%20').replace(')', '%29')})"


def markdown_cell(text: object) -> str:
    """``text`` as one markdown table cell: on one line, its pipes and markup characters escaped."""
    flat = " ".join(str(text).split())
    for char in "\\|*_`<>[]":
        flat = flat.replace(char, "\\" + char)
    return flat


def findings_markdown(result: ModelNightResult, location: str) -> str:
    """The model's night for a reader of the Prefect UI: the verdict, a link to the result, then one row per
    finding, the most severe first (severity, check, subject, message)."""
    findings = sorted(result.findings, key=lambda f: -f.severity.rank)
    lines = [
        f"# {markdown_cell(result.model)} on {result.night}: {result.status}",
        "",
        f"{len(findings)} findings, worst **{result.max_severity}**, blamed on the {result.fault}; "
        f"serving version {markdown_cell(result.model_version or 'unknown')}.",
        "",
        f"Result: {markdown_link(location)}",
        "",
        "| severity | check | subject | message |",
        "|---|---|---|---|",
        *(
            f"| {f.severity} | {markdown_cell(f.check)} | {markdown_cell(f.subject)} | {markdown_cell(f.message)} |"
            for f in findings
        ),
    ]
    if result.errors:
        lines += ["", "Stages that could not run:", ""]
        lines += [f"- {markdown_cell(e.stage)}: {markdown_cell(e.message)}" for e in result.errors]
    return "\n".join(lines) + "\n"


@task(
    name="publish-summary",
    task_run_name="publish-summary-{summary.night}",
    retries=1,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def publish_fleet_summary(summary: FleetSummary, location: str) -> None:
    """The night's fleet summary as a table artifact in the Prefect UI, linking to the file."""
    rows = []
    for line in summary.models:
        record = line.model_dump(mode="json", include=set(_COLUMNS))
        record["checks"] = ", ".join(record["checks"])
        rows.append(record)
    create_table_artifact(
        key=summary_key(summary.night),
        table=rows,
        description=f"Model governance, night of {summary.night}: {summary.counts} (details: {location})",
    )


@task(
    name="publish-findings",
    task_run_name="publish-findings-{result.model}-{result.night}",
    retries=1,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def publish_model_findings(result: ModelNightResult, location: str) -> None:
    """A model's findings of the night as a markdown artifact in the Prefect UI, linking to its result."""
    create_markdown_artifact(
        key=findings_key(result.night, result.model),
        markdown=findings_markdown(result, location),
        description=f"{result.model} on {result.night}: {len(result.findings)} findings, worst {result.max_severity}",
    )

"""Publishing the night: the fleet summary as a Prefect table artifact (the summary itself is written by the
core, ``govern.night``)."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from govern.results import FleetSummary

_COLUMNS = ("model", "status", "max_severity", "fault", "n_findings", "checks", "model_version")


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
        key=f"governance-{summary.night}",
        table=rows,
        description=f"Model governance, night of {summary.night}: {summary.counts} (details: {location})",
    )

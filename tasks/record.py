"""Judging and recording: the findings, the model's JSON, the fleet summary and the Prefect artifact."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from govern import pipeline
from govern.pipeline import RunContext
from govern.results import FleetSummary, ModelNightResult


@task(
    name="fleet-summary", task_run_name="fleet-summary-{night}", retries=1, cache_policy=NO_CACHE, persist_result=False
)
def record_fleet_summary(
    ctx: RunContext, night: str, results: list[ModelNightResult], run: dict[str, Any]
) -> FleetSummary:
    """Write the night's fleet summary and publish it as a Prefect table artifact. Models whose configuration
    could not be loaded are recorded here as errors, so they show in the summary rather than vanish."""
    broken = [pipeline.broken_model_result(name, night, message, run) for name, message in ctx.fleet.broken.items()]
    for result in broken:
        pipeline.record_result(ctx.fleet, result)
    summary, path = pipeline.record_fleet_summary(ctx.fleet, night, [*results, *broken], run)
    rows = [
        {
            key: (", ".join(value) if isinstance(value, list) else value)
            for key, value in line.items()
            if key in ("model", "status", "max_severity", "fault", "n_findings", "checks", "model_version")
        }
        for line in summary.models
    ]
    create_table_artifact(
        key=f"governance-{night}",
        table=rows,
        description=f"Model governance, night of {night}: {summary.to_dict()['counts']} (details: {path})",
    )
    return summary

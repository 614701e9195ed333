"""The demo's serving layer: each night, the demo models score that night's requests with the version their
serving alias names in the MLflow registry, and the inference log that makes is the batch governance reads.

So the loop closes the way it does in production: when governance moves the alias back (a rollback), the next
nights are scored by the version it moved to, and recover. Before scoring, each model's scheduled deployment is
applied as the team's CD would: the version whose ``deployed_on`` tag is tonight takes the serving alias, unless
governance has quarantined it (its ``governance.status`` tag), in which case the deployment is skipped and the
reason logged and recorded.

    from demo.serving import serve_night
    serve_night(Path("configs/fleet.yaml"), date(2026, 10, 16))   # {"credit_default_pd": "3", ...}

Per model and night: ``<data_root>/<model>/requests/{date}.parquet`` in (``demo.build`` writes them), the
model's ``data.batches`` file out (atomically), and a serving record in ``<state_dir>/demo/serving/<model>.json``
saying which version served, and what became of the night's deployment. A night that has its record and its
batch is not served again: re-running a night changes nothing, even after a rollback moved the alias.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from demo.build import marker_path, requests_path, serving_records_dir
from demo.fleet import FLEET
from demo.generate import scored_batch
from demo.spec import ModelSpec
from govern.config import Fleet, ModelConfig, load_fleet
from govern.data import write_atomic, write_frame_atomic
from govern.errors import ConfigError, DataError, GovernanceError, RegistryError
from govern.registry import MlflowRegistry, ModelVersionInfo

log = logging.getLogger(__name__)

# The governance record mirrored on each registry version (govern.respond.versions writes them): a team's CD
# reads them, it does not import the governance code.
STATUS_TAG = "governance.status"
QUARANTINED = "quarantined"
QUARANTINED_AT_TAG = "governance.quarantined"
QUARANTINE_REASON_TAG = "governance.quarantine_reason"

_registries: dict[tuple[str, str], tuple[str, MlflowRegistry]] = {}
"""Per fleet (tracking URI, state folder): the build (its marker) the registry was opened for, and the registry."""


@dataclass(frozen=True)
class Deployment:
    """What became of a night's scheduled deployment: ``deployed`` (the alias moved to ``version``),
    ``serving`` (the alias already named it), or ``skipped`` (``reason`` says why)."""

    version: str
    outcome: str
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"version": self.version, "outcome": self.outcome, **({"reason": self.reason} if self.reason else {})}


def serve_night(fleet_path: Path, night: date, *, models: Collection[str] | None = None) -> dict[str, str]:
    """Serve ``night`` for every demo model of the fleet (or only ``models``): apply the night's scheduled
    deployment, resolve the serving alias, score the night's requests with that version and write the batch.
    Returns model -> the version that served (for a night served before, the version recorded then).

    A model that cannot be served (its config file broken, its registry entry or alias missing, its requests
    missing) is logged as an error and left out of the result: it has no batch tonight, which the pipeline
    reports as a missing batch. The others are served. A demo that was not built, or an unknown model name,
    raises.
    """
    fleet = load_fleet(Path(fleet_path), strict=False)  # as the nightly run loads it: one broken file is one model's
    for name, problem in sorted(fleet.broken.items()):
        log.error("%s: not served on %s: its config does not load: %s", name, night, problem)
    marker = marker_path(fleet.state_dir)
    if not marker.is_file():
        raise DataError(
            f"{fleet.path}: the demo must be built before a night is served (govern demo); got no build marker "
            f"at {marker} instead"
        )
    specs = _selected(fleet, models)
    registry = _registry(fleet, marker)
    served: dict[str, str] = {}
    from threadpoolctl import threadpool_limits

    # One thread, as the build scores: the same floats whatever the caller's thread pools, and no oversubscription
    # of a small machine for 2,000-row batches.
    with threadpool_limits(limits=1):
        for spec in specs:
            try:
                served[spec.name] = _serve_model(fleet, registry, spec, fleet.models[spec.name], night)
            except GovernanceError as exc:
                log.error("%s: not served on %s: %s", spec.name, night, exc)
    return served


def read_serving_record(fleet: Fleet, model: str) -> dict[str, Any]:
    """A model's serving record: ``{"model", "registry", "alias", "nights": {ISO night: {"version", "rows",
    "deployment"?}}}``; an empty one for a model never served."""
    path = serving_records_dir(fleet.state_dir) / f"{model}.json"
    try:
        record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"model": model, "nights": {}}
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: a serving record must be readable JSON; got {exc}") from exc
    if not isinstance(record.get("nights"), dict):
        raise DataError(f"{path}: a serving record must have a 'nights' mapping; got {record.get('nights')!r}")
    return record


# ---------------------------------------------------------------------------------------------- one model


def _serve_model(fleet: Fleet, registry: MlflowRegistry, spec: ModelSpec, model: ModelConfig, night: date) -> str:
    iso = night.isoformat()
    if model.registry is None:
        raise RegistryError(f"model {spec.name!r}: registry must name the model's registry entry; got none")
    name, alias = model.registry.name, model.registry.serving_alias
    batch_path = Path(fleet.data_path(model.data.batches, iso))
    record = read_serving_record(fleet, spec.name)
    entry = record["nights"].get(iso)
    if entry is not None:
        version = str(entry["version"])
        if not batch_path.is_file():  # the log went missing: write it again as it was served, by the same version
            requests = _requests(fleet, spec, night)
            write_frame_atomic(batch_path, scored_batch(spec, requests, version, registry.load_model(name, version)))
            log.info("%s: %s re-written from its serving record (version %s)", spec.name, iso, version)
        return version

    requests = _requests(fleet, spec, night)
    versions = registry.versions(name)
    deployment = _deploy(registry, name, alias, versions, iso)
    if deployment is not None and deployment.outcome == "deployed":
        version = deployment.version
    else:
        serving = [v.version for v in versions if alias in v.aliases]
        if not serving:
            raise RegistryError(
                f"model {name!r}: alias {alias!r} must name a version to serve {iso}; got none instead "
                f"(versions {', '.join(v.version for v in versions) or 'none'})"
            )
        version = serving[0]
    batch = scored_batch(spec, requests, version, registry.load_model(name, version))
    write_frame_atomic(batch_path, batch)
    record.update(model=spec.name, registry=name, alias=alias)
    record["nights"][iso] = {
        "version": version,
        "rows": len(batch),
        **({"deployment": deployment.to_dict()} if deployment is not None else {}),
    }
    record["nights"] = dict(sorted(record["nights"].items()))
    write_atomic(serving_records_dir(fleet.state_dir) / f"{spec.name}.json", json.dumps(record, indent=2) + "\n")
    return version


def _deploy(
    registry: MlflowRegistry, name: str, alias: str, versions: list[ModelVersionInfo], night: str
) -> Deployment | None:
    """The night's scheduled deployment, as the team's CD would apply it: the newest version whose
    ``deployed_on`` tag is ``night`` takes ``alias``, unless governance quarantined it. None: nothing scheduled."""
    scheduled = [v for v in versions if v.tags.get("deployed_on") == night]
    if not scheduled:
        return None
    target = max(scheduled, key=lambda v: int(v.version))
    if target.tags.get(STATUS_TAG) == QUARANTINED:
        since, why = target.tags.get(QUARANTINED_AT_TAG), target.tags.get(QUARANTINE_REASON_TAG)
        reason = (
            f"governance quarantined version {target.version}"
            + (f" on {since}" if since else "")
            + (f": {why}" if why else "")
        )
        log.warning("%s: version %s's deployment scheduled for %s skipped: %s", name, target.version, night, reason)
        return Deployment(target.version, "skipped", reason)
    if alias in target.aliases:
        return Deployment(target.version, "serving")
    registry.set_alias(name, alias, target.version)
    log.info("%s: version %s deployed on %s (alias %r)", name, target.version, night, alias)
    return Deployment(target.version, "deployed")


# ---------------------------------------------------------------------------------------------- plumbing


def _selected(fleet: Fleet, models: Collection[str] | None) -> list[ModelSpec]:
    demo = [s for s in FLEET if s.name in fleet.models]
    if models is None:
        return demo
    known = {s.name for s in demo}
    unknown = sorted(set(models) - known)
    if unknown:
        raise ConfigError(
            f"{fleet.path}: models to serve must be demo models of the fleet; got {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    return [s for s in demo if s.name in models]


def _registry(fleet: Fleet, marker: Path) -> MlflowRegistry:
    """One registry per fleet, kept between nights so that loaded models stay cached; a new one after a rebuild
    (which registers new models under the same version numbers, and writes a new marker)."""
    # the marker is rewritten by every build, forced ones too (same fingerprint, new models): its time tells
    key, build = (fleet.tracking_uri, str(fleet.state_dir)), f"{marker.stat().st_mtime_ns}:{marker.read_text()}"
    cached = _registries.get(key)
    if cached is None or cached[0] != build:
        cached = _registries[key] = (build, MlflowRegistry.for_fleet(fleet))
    return cached[1]


def _requests(fleet: Fleet, spec: ModelSpec, night: date) -> pd.DataFrame:
    path = requests_path(fleet.data_root, spec.name, night)
    try:
        requests = pd.read_parquet(path)
    except FileNotFoundError as exc:
        raise DataError(
            f"model {spec.name!r}: the requests of {night} must exist to serve it (govern demo builds them); got no "
            f"file {path} instead"
        ) from exc
    # Parquet keeps the build's whole seconds as milliseconds: back to seconds, so that the batch file is the
    # one the generator would write (its Parquet metadata names the unit).
    requests[spec.timestamp_column] = requests[spec.timestamp_column].astype("datetime64[s]")
    return requests

"""Build the demo fleet: data, registered models, configs and suites, deterministically and idempotently.

``build_demo(fleet_path)`` lays everything out relative to ``fleet_path`` as the fleet file says (an existing
fleet file's location settings are kept, so pointing the demo at another folder, state directory or tracking
server is a matter of writing those lines first). A marker in ``<state_dir>/demo/`` holds a fingerprint of
the generator; a second build with the same fingerprint does nothing. Configs and suites are written only
when their content changed, so a rebuild leaves a git checkout clean.

Per model, under the fleet's ``data_root``: ``<model>/reference.parquet``, ``<model>/requests/{date}.parquet``
(each night's inference inputs, no model output) and ``<model>/labels/{date}.parquet``. The inference logs the
pipeline reads, ``<model>/batches/{date}.parquet``, are not built: ``demo.serving.serve_night`` writes each
night's, scored by the version the serving alias names that night (the build points it at the version serving
on the first night).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import govern
from demo import configs
from demo.contacts import contacts
from demo.fleet import FLEET
from demo.generate import DEMO_NIGHTS, GeneratedModel, generate_model, score, scored_batch
from demo.incidents import FEED_INCIDENTS, INCIDENTS
from demo.noise import SEGMENT_MIN_ROWS, NoiseSummary, drift_measures, segment_noise
from demo.spec import ModelSpec
from govern.config import Fleet, FleetConfig, ModelConfig, PolicyConfig, parse
from govern.data import write_atomic, write_frame_atomic
from govern.suites import profile_suite, suite_json

FLEET_NAME = "demo"
DEFAULT_POLICIES = ("drift_standard", "data_quality_standard", "performance_standard")
SERVING_ALIAS = "champion"
_LOCATION_FIELDS = (
    "state_dir",
    "mlflow_tracking_uri",
    "data_root",
    "output_dir",
    "models_dir",
    "policies_dir",
    "expectations_dir",
    "concurrency",
    "incident_db",
)
_FINGERPRINT_PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "pyarrow", "mlflow", "pydantic", "pyyaml")


def marker_path(state_dir: Path) -> Path:
    """The build's marker: its fingerprint, models and nights (``demo.serving`` reads it to know the build)."""
    return state_dir / "demo" / "build.json"


def serving_records_dir(state_dir: Path) -> Path:
    """Where ``demo.serving`` records which version served each model on each night (one JSON file a model)."""
    return state_dir / "demo" / "serving"


def requests_path(data_root: Path, model: str, night: date) -> Path:
    """A night's requests (the inference inputs) of one demo model."""
    return data_root / model / "requests" / f"{night.isoformat()}.parquet"


@dataclass(frozen=True)
class DemoSummary:
    """What ``build_demo`` did: the models and nights, where everything is, how long it took."""

    models: tuple[str, ...]
    nights: tuple[date, ...]
    paths: dict[str, Path]
    tracking_uri: str
    seconds: float
    rebuilt: bool
    changed_files: tuple[Path, ...] = ()

    def __str__(self) -> str:
        state = "built" if self.rebuilt else "already up to date (nothing to do; force=True rebuilds)"
        changed = f"{len(self.changed_files)} config/suite files changed" if self.rebuilt else "no files touched"
        return (
            f"demo fleet {state}: {len(self.models)} models, {len(self.nights)} nights "
            f"({self.nights[0]} .. {self.nights[-1]}) in {self.seconds:.1f} s; {changed}\n"
            f"  fleet:        {self.paths['fleet']}\n"
            f"  data:         {self.paths['data_root']}\n"
            f"  expectations: {self.paths['expectations']}\n"
            f"  registry:     {self.tracking_uri}"
        )


# ---------------------------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Layout:
    fleet_path: Path
    config: FleetConfig
    fleet: Fleet

    @property
    def configs_dir(self) -> Path:
        return self.fleet_path.parent

    @property
    def models_dir(self) -> Path:
        return (self.configs_dir / self.config.models_dir).resolve()

    @property
    def policies_dir(self) -> Path:
        return (self.configs_dir / self.config.policies_dir).resolve()

    @property
    def marker(self) -> Path:
        return marker_path(self.fleet.state_dir)

    @property
    def artifact_root(self) -> Path:
        return self.fleet.state_dir / "mlartifacts"

    def paths(self) -> dict[str, Path]:
        return {
            "fleet": self.fleet_path,
            "data_root": self.fleet.data_root,
            "state_dir": self.fleet.state_dir,
            "expectations": self.fleet.expectations_dir,
            "marker": self.marker,
        }


def _layout(fleet_path: Path) -> _Layout:
    """The demo's fleet config: its own name and default policies, locations from an existing fleet file."""
    fleet_path = Path(fleet_path).resolve()
    locations: dict[str, Any] = {}
    if fleet_path.is_file():
        existing: FleetConfig = parse(FleetConfig, fleet_path)
        locations = {name: getattr(existing, name) for name in _LOCATION_FIELDS if name in existing.model_fields_set}
    config = FleetConfig(name=FLEET_NAME, default_policies=list(DEFAULT_POLICIES), **locations)
    return _Layout(fleet_path, config, Fleet(fleet_path, config, {}, {}))


def _fingerprint_sources() -> list[Path]:
    """The source files whose change makes a new build: the whole demo package (the generator, the model specs
    under models/, the serving step whose records a build resets, the scripted human steps) and the core modules
    the build writes with."""
    demo_root = Path(__file__).resolve().parent
    core = Path(govern.__file__).resolve().parent
    return [
        *sorted(demo_root.rglob("*.py")),
        core / "suites.py",
        core / "registry.py",
        core / "config.py",
        core / "drift.py",  # the policies' drift thresholds are measured with it
        core / "segments.py",
        core / "data.py",  # writes the Parquet files
    ]


def _fingerprint(layout: _Layout) -> str:
    """Changes when the generator, the libraries that shape its output, or the layout change."""
    digest = hashlib.sha256()
    demo_root = Path(__file__).resolve().parent
    core = Path(govern.__file__).resolve().parent
    for source in _fingerprint_sources():
        package_root = demo_root if source.is_relative_to(demo_root) else core
        digest.update(source.relative_to(package_root.parent).as_posix().encode())  # demo/models/hr.py, ...
        digest.update(source.read_bytes())
    for package in _FINGERPRINT_PACKAGES:
        try:
            digest.update(f"{package}=={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}==none".encode())
    digest.update(json.dumps({k: str(v) for k, v in layout.paths().items()}, sort_keys=True).encode())
    digest.update(layout.fleet.tracking_uri.encode())
    return digest.hexdigest()


def _expected_files(layout: _Layout) -> Iterator[Path]:
    yield layout.fleet_path
    yield from (
        layout.policies_dir / f"{name}.yaml" for name in ("us_four_fifths", "eu_ai_act_high_risk", *DEFAULT_POLICIES)
    )
    last = DEMO_NIGHTS[-1].isoformat()
    for spec in FLEET:
        yield layout.models_dir / f"{spec.name}.yaml"
        yield layout.fleet.expectations_dir / f"{spec.name}.json"
        yield layout.fleet.data_root / spec.name / "reference.parquet"
        yield requests_path(layout.fleet.data_root, spec.name, DEMO_NIGHTS[-1])
        yield layout.fleet.data_root / spec.name / "labels" / f"{last}.parquet"
    if layout.fleet.tracking_uri.startswith("sqlite:///"):
        yield Path(layout.fleet.tracking_uri.removeprefix("sqlite:///"))


def _up_to_date(layout: _Layout, fingerprint: str) -> bool:
    try:
        marker = json.loads(layout.marker.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    return bool(marker.get("fingerprint") == fingerprint and all(p.exists() for p in _expected_files(layout)))


# ---------------------------------------------------------------------------------------------- per model


@dataclass
class _ModelResult:
    """What a worker hands back: the fitted versions and what the configs, suites and noise need."""

    name: str
    models: list[Any]
    reference_metric: dict[int, float]
    reference_precision: float | None
    reference: pd.DataFrame
    drift_noise: dict[str, list[float]] = field(default_factory=dict)
    segment_noise: dict[str, list[float]] = field(default_factory=dict)


def _healthy_nights(spec: ModelSpec) -> list[date]:
    """The nights nothing was planted in the model's data: before its incident starts, and not a night its
    feed failed."""
    starts = [i.first_night for i in INCIDENTS if i.model == spec.name]
    feed_failures = {n for i in FEED_INCIDENTS if spec.name in i.models for n in i.nights}
    return [n for n in DEMO_NIGHTS if (not starts or n < min(starts)) and n not in feed_failures]


def _measure_noise(spec: ModelSpec, generated: GeneratedModel, result: _ModelResult) -> None:
    """Drift and segment measures on nights when nothing was planted: pure sampling noise. Each night's
    requests are scored as served when governance changes nothing (the version planned for the night)."""
    reference = generated.reference.copy()
    drift: dict[str, list[float]] = {"jensen_shannon": [], "psi": [], "prediction_jensen_shannon": []}
    segments: dict[str, list[float]] = {"share_increase": [], "positive_rate_ratio": []}
    nights = _healthy_nights(spec)
    serving = {spec.serving_version(n) for n in nights}
    scored = {v: score(spec, generated.models[v - 1], reference) for v in serving}
    for night in nights:
        version = spec.serving_version(night)
        batch = scored_batch(spec, generated.requests[night], str(version), generated.models[version - 1])
        for feature in spec.features:
            js, psi = drift_measures(
                reference[feature], batch[feature], categorical=feature in spec.categorical_features
            )
            drift["jensen_shannon"].append(js)
            drift["psi"].append(psi)
        prediction, probability = scored[spec.serving_version(night)]
        outputs = [(pd.Series(prediction), batch[spec.prediction_column], spec.is_binary)]
        if spec.score_column and probability is not None:
            outputs.append((pd.Series(probability), batch[spec.score_column], False))
        for ref_values, values, categorical in outputs:
            drift["prediction_jensen_shannon"].append(drift_measures(ref_values, values, categorical=categorical)[0])
        if spec.api_client:
            increases, ratios = segment_noise(
                reference[spec.api_client],
                float(np.mean(prediction == 1)),
                batch,
                client=spec.api_client,
                prediction=spec.prediction_column,
                positive=1,
                min_rows=SEGMENT_MIN_ROWS,
            )
            segments["share_increase"].extend(increases)
            segments["positive_rate_ratio"].extend(ratios)
    result.drift_noise, result.segment_noise = drift, segments


def _build_model(name: str, data_root: str) -> _ModelResult:
    """Generate one model's data, write its files under ``data_root/<name>/``, return what the rest needs.
    Runs in a worker process."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # see generate_model: OpenMP threads slow boosting down on small machines
        return _build_model_data(name, Path(data_root))


def _build_model_data(name: str, data_root: Path) -> _ModelResult:
    spec = next(s for s in FLEET if s.name == name)
    generated = generate_model(spec)
    folder = data_root / name
    shutil.rmtree(folder, ignore_errors=True)  # no stale nights (nor served batches) from an older build
    write_frame_atomic(folder / "reference.parquet", generated.reference)
    for night in DEMO_NIGHTS:
        write_frame_atomic(requests_path(data_root, name, night), generated.requests[night])
        write_frame_atomic(folder / "labels" / f"{night.isoformat()}.parquet", generated.labels[night])
    precision = None
    if spec.is_binary and spec.sla_metric == "precision":
        from sklearn.metrics import precision_score

        serving = spec.serving_version(DEMO_NIGHTS[0])
        prediction, _ = score(spec, generated.models[serving - 1], generated.reference)
        precision = float(precision_score(generated.reference[spec.target.name], prediction))
    result = _ModelResult(name, generated.models, generated.reference_metric, precision, generated.reference)
    _measure_noise(spec, generated, result)
    return result


class _InlineExecutor(Executor):
    """``Executor`` that runs each call at once in this process (``workers=1``)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


# ---------------------------------------------------------------------------------------------- registry


def _hyperparameters(model: Any) -> dict[str, Any]:
    """The final estimator's hyperparameters that are plain values (what a training run logs)."""
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    return {k: v for k, v in sorted(final.get_params(deep=False).items()) if isinstance(v, int | float | str | bool)}


def _register(registry: Any, spec: ModelSpec, result: _ModelResult) -> None:
    """Replace the model in the registry with the spec's versions; champion on the version serving on the
    first night (later deployments are applied night by night by ``demo.serving``, from the ``deployed_on``
    tags)."""
    registry.delete_model(spec.name, missing_ok=True)
    metric = "roc_auc" if spec.is_binary else "mae"
    for number, (version, model) in enumerate(zip(spec.versions, result.models, strict=True), start=1):
        tags = {
            "deployed_on": version.deployed_on.isoformat(),
            "trained_on": version.trained_on.isoformat(),
            "training_rows": str(version.train_rows),
            "algorithm": version.algorithm,
            f"reference_{metric}": f"{result.reference_metric[number]:.4f}",
            "source": "govern demo",
        }
        registry.register_sklearn(
            spec.name,
            model,
            tags=tags,
            description=f"v{number}: {version.note}",
            params={
                "algorithm": version.algorithm,
                "training_rows": version.train_rows,
                "trained_on": version.trained_on.isoformat(),
                **_hyperparameters(model),
            },  # fmt: skip
            metrics={f"reference_{metric}": result.reference_metric[number]},
        )
    registry.set_alias(spec.name, SERVING_ALIAS, str(spec.serving_version(DEMO_NIGHTS[0])))


# ---------------------------------------------------------------------------------------------- files


def _write_if_changed(path: Path, text: str, changed: list[Path]) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    write_atomic(path, text)
    changed.append(path)


def _write_configs(layout: _Layout, results: dict[str, _ModelResult]) -> list[Path]:
    changed: list[Path] = []
    incidents = {i.model: i for i in INCIDENTS}
    fleet_text, _ = configs.render(
        configs.fleet_document(layout.config),
        preamble="The fleet: where state, data, results and suites live (relative to "
        "this folder), and the policies\nevery model is judged by.",
    )
    _write_if_changed(layout.fleet_path, fleet_text, changed)

    drift = {
        k: NoiseSummary.of(k, sum((r.drift_noise[k] for r in results.values()), []))
        for k in ("jensen_shannon", "psi", "prediction_jensen_shannon")
    }
    segments = {
        k: NoiseSummary.of(k, sum((r.segment_noise[k] for r in results.values()), []))
        for k in ("share_increase", "positive_rate_ratio")
    }
    for name, document in configs.policy_documents(drift, segments).items():
        text, data = configs.render(document)
        PolicyConfig.model_validate(data)
        _write_if_changed(layout.policies_dir / f"{name}.yaml", text, changed)

    for spec in FLEET:
        result = results[spec.name]
        owner, escalation = contacts(spec.business_unit)
        serving = spec.serving_version(DEMO_NIGHTS[0])
        thresholds = configs.model_thresholds(spec, result.reference_metric[serving], result.reference_precision)
        peers = tuple(s.name for s in FLEET if s.feed and s.feed == spec.feed and s.name != spec.name)
        feed_incident = next((i for i in FEED_INCIDENTS if spec.name in i.models), None)
        text, data = configs.render(
            configs.model_document(spec, owner, escalation, thresholds, feed_peers=peers),
            preamble=configs.model_preamble(spec, incidents.get(spec.name), feed_incident),
        )
        model = ModelConfig.model_validate(data)
        _write_if_changed(layout.models_dir / f"{spec.name}.yaml", text, changed)
        suite = profile_suite(model, result.reference)
        _write_if_changed(layout.fleet.expectations_dir / f"{model.suite_name}.json", suite_json(suite), changed)
    return changed


# ---------------------------------------------------------------------------------------------- state


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _reset_response_state(layout: _Layout) -> list[Path]:
    """Forget what governance and serving did on the previous build's nights: the serving records, and the
    incident database when it is the default kind, an SQLite file under the state folder (a database the fleet
    file points elsewhere is someone else's to clear). Its incidents, actions and audit log name registry
    versions the rebuild replaces. Returns the files deleted."""
    deleted: list[Path] = []
    records = serving_records_dir(layout.fleet.state_dir)
    if records.is_dir():
        deleted.extend(sorted(records.glob("*.json")))
        shutil.rmtree(records)
    url = layout.fleet.incident_db
    if not url.startswith("sqlite:///"):
        return deleted
    database = Path(url.removeprefix("sqlite:///").split("?", 1)[0]).resolve()
    if not database.is_relative_to(layout.fleet.state_dir.resolve()) or not database.is_file():
        return deleted
    with database.open("rb") as handle:
        header = handle.read(len(_SQLITE_MAGIC))
    if header not in (_SQLITE_MAGIC, b""):
        return deleted  # not an SQLite file: not ours to delete
    for path in (database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", "-journal"))):
        if path.exists():
            path.unlink()
            deleted.append(path)
    return deleted


# ---------------------------------------------------------------------------------------------- entry point


def _init_worker() -> None:
    """Worker processes run single-threaded (see generate_model); the parent parallelises over models."""
    import pyarrow
    from threadpoolctl import threadpool_limits

    pyarrow.set_cpu_count(1)
    threadpool_limits(limits=1)


def _generate_all(layout: _Layout, registry: Any, workers: int, results: dict[str, _ModelResult]) -> None:
    """Generate every model (in ``workers`` processes) and register each as soon as it is ready, so MLflow's
    start-up in this process overlaps with the generation in the workers."""
    executor: Executor
    if workers > 1:
        import multiprocessing

        # spawn, not fork: the caller may run threads (Prefect, MLflow, OpenMP) that a fork would copy mid-lock.
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker)
    else:
        executor = _InlineExecutor()
    with executor:
        futures = {executor.submit(_build_model, spec.name, str(layout.fleet.data_root)): spec for spec in FLEET}
        for future in as_completed(futures):
            spec = futures[future]
            results[spec.name] = future.result()
            _register(registry, spec, results[spec.name])


def build_demo(fleet_path: Path, *, force: bool = False, workers: int | None = None) -> DemoSummary:
    """Build the demo fleet for ``fleet_path`` (e.g. ``configs/fleet.yaml``): data under the fleet's
    ``data_root``, models in its MLflow registry, the fleet, model and policy configs beside ``fleet_path``,
    suites in its ``expectations_dir``.

    Does nothing when the marker's fingerprint matches and the outputs exist, unless ``force``. A (re)build
    first deletes the demo's registered models and data folders (served batches included), the serving records
    and the incident database (when it is the default SQLite file under the state folder), then recreates the
    models and data. ``workers`` processes generate the data (default: up to 2; 1 builds in this process).
    """
    started = time.perf_counter()
    layout = _layout(fleet_path)
    fingerprint = _fingerprint(layout)
    names = tuple(spec.name for spec in FLEET)
    if not force and _up_to_date(layout, fingerprint):
        return DemoSummary(
            names, DEMO_NIGHTS, layout.paths(), layout.fleet.tracking_uri, time.perf_counter() - started, rebuilt=False
        )

    from govern.registry import MlflowRegistry

    registry = MlflowRegistry(layout.fleet.tracking_uri, layout.artifact_root, create=True)  # the demo makes its own
    layout.marker.unlink(missing_ok=True)  # an interrupted build must not look finished
    _reset_response_state(layout)
    workers = workers or min(2, os.cpu_count() or 1)
    results: dict[str, _ModelResult] = {}
    try:
        _generate_all(layout, registry, workers, results)
    except BrokenProcessPool:
        # A spawned worker re-imports the caller's __main__; a script that calls build_demo without an
        # `if __name__ == "__main__":` guard breaks the pool. Build in this process instead (slower).
        warnings.warn(
            "build_demo: worker processes could not start (call it under `if __name__ == "
            "'__main__':`, or pass workers=1); building in this process",
            RuntimeWarning,
            stacklevel=2,
        )
        _generate_all(layout, registry, 1, results)

    changed = _write_configs(layout, results)
    write_atomic(
        layout.marker,
        json.dumps(
            {
                "fingerprint": fingerprint,
                "models": list(names),
                "nights": [n.isoformat() for n in DEMO_NIGHTS],
                "tracking_uri": layout.fleet.tracking_uri,
            },
            indent=2,
        )
        + "\n",
    )
    return DemoSummary(
        names,
        DEMO_NIGHTS,
        layout.paths(),
        layout.fleet.tracking_uri,
        round(time.perf_counter() - started, 1),
        rebuilt=True,
        changed_files=tuple(changed),
    )

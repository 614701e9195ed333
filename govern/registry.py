"""The model registry behind a small interface: which versions of a model exist, which one an alias names,
the fitted estimator of a version and the checksum of its artifacts (``artifact_tree_digest``).

``ModelRegistry`` is the interface the pipeline codes against; ``MlflowRegistry`` is the real one (MLflow's
model registry, imported lazily inside its methods) and ``InMemoryRegistry`` the test double with the same
semantics. Every failure is a ``RegistryError`` that names the model, the version or the alias; a registry that
cannot answer at all (an SQLite file missing, locked or corrupt, a tracking server unreachable) is a
``RegistryError`` of the form "registry <uri>: <what was asked> failed: <fault>; got <error>", without the SQL
that MLflow's errors carry.

MLflow facts this adapter relies on (measured on MLflow 3.17): ``search_model_versions`` returns empty alias lists,
so aliases are read from the registered model; ``log_model`` with explicit ``pip_requirements`` avoids a
6-11 s requirement inference per version; MLflow 3 stores scikit-learn models with skops, which refuses to
load types it does not trust unless they are listed (``SKOPS_TRUSTED_TYPES``).

And on a registry that cannot answer: MLflow silently creates an empty database (and its folder) for an
``sqlite:///`` URI whose file is missing, and initialises MLflow's tables in an empty or foreign SQLite file, so
every model then "is not in the registry"; each session sets ``PRAGMA busy_timeout = 20000`` (hard-coded, no
setting), so a locked database costs 20 s per call, 5 s (pysqlite's default) while the store is first built;
over HTTP it retries 7 times with backoff factor 2, about 250 s against a closed port. Hence the probe of the
SQLite file before every call (``_check_database``) and ``MLFLOW_HTTP_DEFAULTS``.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import pickle
import re
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import unquote, urlparse

from govern.errors import RegistryError

if TYPE_CHECKING:
    from govern.config import Fleet

#: Types inside our scikit-learn pipelines that skops does not trust by default. MLflow 3 refuses to log (and
#: load) a model holding any other untrusted type, which is the point: extend this list deliberately.
SKOPS_TRUSTED_TYPES: tuple[str, ...] = (
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)

#: MLflow reserves these alias names; the in-memory registry refuses them too, so tests catch the mistake.
_RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)

#: How long a call waits for another connection's lock on an SQLite registry before it is a fault. Writers hold
#: their exclusive lock for milliseconds; a lock held for seconds is a stuck process, not traffic.
LOCK_TIMEOUT_SECONDS = 5.0

#: Bounds on MLflow's HTTP retries, applied (where the environment does not set them) when a registry on an
#: ``http(s)://`` tracking server is first used. MLflow's own (7 retries, backoff factor 2, 120 s per request)
#: take about 250 s to report a closed port; these take about 3 s. Retrying a night belongs to the orchestrator.
MLFLOW_HTTP_DEFAULTS: dict[str, str] = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}

#: What a backend error means, by the text of the sqlite3 / SQLAlchemy / HTTP error anywhere in its chain.
_FAULTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("database is locked", "database table is locked"),
        "the database is locked (another connection holds a lock on it)",
    ),
    (
        ("file is not a database", "malformed", "database corrupt", "not a database"),
        "the database is corrupt (not a readable SQLite database): restore it from a backup",
    ),
    (("readonly database", "read-only database"), "the database is unreachable for writing (read-only)"),
    (("unable to open database file", "disk i/o error"), "the database is unreachable (the file cannot be opened)"),
    (
        (
            "max retries exceeded",
            "failed to establish a new connection",
            "connection refused",
            "connectionerror",
            "timed out",
            "read timeout",
            "readtimeout",
            "name or service not known",
            "temporary failure in name resolution",
        ),
        "the tracking server is unreachable: start it or fix mlflow_tracking_uri",
    ),
)

#: Where SQLAlchemy's message turns into the statement and its parameters, which name our tables and data.
_SQL_TEXT = re.compile(r"\s*(\[SQL:|\[parameters:|\(Background on this error)", re.IGNORECASE)


@dataclass(frozen=True)
class ModelVersionInfo:
    """One registered version of a model: what the registry knows about it (not the model itself)."""

    name: str
    version: str
    run_id: str | None
    created: datetime | None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunDetails:
    """The lineage of one version: the run that produced it, the parameters and metrics logged with that run,
    where its artifacts came from (``source``) and the version's description. Empty where nothing was logged."""

    name: str
    version: str
    run_id: str | None
    source: str | None
    """The version's source URI (``models:/m-...``, ``runs:/<run>/model``, a path)."""
    description: str = ""
    run_name: str | None = None
    experiment: str | None = None
    started: datetime | None = None
    user: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    """Each metric's latest logged value."""


@runtime_checkable
class ModelRegistry(Protocol):
    """What the pipeline needs from a model registry. Versions are strings of digits ("1", "2", ...)."""

    def versions(self, name: str) -> list[ModelVersionInfo]:
        """Every version of the model, by ascending version number."""
        ...

    def get_version(self, name: str, version: str) -> ModelVersionInfo: ...

    def version_by_alias(self, name: str, alias: str) -> ModelVersionInfo: ...

    def load_model(self, name: str, version: str) -> Any:
        """The fitted estimator (scikit-learn pipeline with ``predict`` / ``predict_proba``)."""
        ...

    def run_details(self, name: str, version: str) -> RunDetails:
        """The version's lineage: its run, the parameters and metrics logged with it, its source."""
        ...

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version`` (moving it if it named another version)."""
        ...

    def set_tag(self, name: str, version: str, key: str, value: str) -> None: ...

    def delete_tag(self, name: str, version: str, key: str) -> None:
        """Remove the version's tag ``key``; a tag that is not there is no error."""
        ...

    def artifact_digest(self, name: str, version: str) -> str:
        """The SHA-256 of the version's artifacts as stored now (``artifact_tree_digest`` of its files), to
        compare with the one recorded when the version was first seen."""
        ...

    def register_sklearn(
        self,
        name: str,
        model: Any,
        *,
        tags: dict[str, str] | None = None,
        description: str = "",
        params: dict[str, Any] | None = None,
        metrics: dict[str, float] | None = None,
    ) -> ModelVersionInfo:
        """Store ``model`` as the next version of ``name`` (creating the registered model if needed), with the
        training run's ``params`` and ``metrics`` logged on its run (the model card's lineage)."""
        ...

    def delete_model(self, name: str, *, missing_ok: bool = False) -> None:
        """Remove the registered model and all its versions (the demo's forced rebuild uses it)."""
        ...


def _check_alias(name: str, alias: str) -> None:
    if not alias or _RESERVED_ALIAS.match(alias):
        raise RegistryError(
            f"model {name!r}: alias must be a non-empty name other than 'latest' or 'v<digits>' (reserved by "
            f"MLflow); got {alias!r} instead"
        )


def artifact_tree_digest(files: Iterable[tuple[str, str]]) -> str:
    """The SHA-256 of a set of artifact files given as (relative POSIX path, the file's SHA-256 in hex):

        sha256( "".join(f"{path}\\0{sha}\\n" for path, sha in sorted(files)) )

    so a changed byte in any file, a renamed, added or removed file all change it, and the order the files are
    listed in does not."""
    digest = hashlib.sha256()
    for path, sha in sorted(files):
        digest.update(f"{path}\0{sha}\n".encode())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of one file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_digest(folder: Path) -> str:
    """``artifact_tree_digest`` of every regular file under ``folder`` (paths relative to it); a single file is
    digested as a folder holding only it."""
    if folder.is_file():
        return artifact_tree_digest([(folder.name, file_sha256(folder))])
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return artifact_tree_digest((p.relative_to(folder).as_posix(), file_sha256(p)) for p in files)


# ---------------------------------------------------------------------------------------------- in memory


@dataclass
class _StoredVersion:
    info: ModelVersionInfo
    model: Any
    description: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


class InMemoryRegistry:
    """The registry interface over dictionaries, for unit tests. Same semantics as ``MlflowRegistry``:
    versions count from 1 per model, aliases are unique per model and move, reserved aliases are refused, and
    the stored model is a copy (later changes to the caller's object do not leak into the registry)."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._models: dict[str, list[_StoredVersion]] = {}
        self._aliases: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def _stored(self, name: str) -> list[_StoredVersion]:
        try:
            return self._models[name]
        except KeyError:
            raise RegistryError(
                f"model {name!r} must exist in the registry; got no registered model of that name instead"
            ) from None

    def _entry(self, name: str, version: str) -> _StoredVersion:
        stored = self._stored(name)
        for entry in stored:
            if entry.info.version == str(version):
                return entry
        known = ", ".join(e.info.version for e in stored)
        raise RegistryError(
            f"model {name!r}: version {str(version)!r} must exist in the registry; got versions {known} instead"
        )

    def _with_aliases(self, info: ModelVersionInfo) -> ModelVersionInfo:
        aliases = tuple(sorted(a for a, v in self._aliases.get(info.name, {}).items() if v == info.version))
        return replace(info, tags=dict(info.tags), aliases=aliases)

    def versions(self, name: str) -> list[ModelVersionInfo]:
        with self._lock:
            return [self._with_aliases(e.info) for e in self._stored(name)]

    def get_version(self, name: str, version: str) -> ModelVersionInfo:
        with self._lock:
            return self._with_aliases(self._entry(name, version).info)

    def version_by_alias(self, name: str, alias: str) -> ModelVersionInfo:
        with self._lock:
            self._stored(name)
            version = self._aliases.get(name, {}).get(alias)
            if version is None:
                raise RegistryError(f"model {name!r}: alias {alias!r} must exist in the registry; got none instead")
            return self._with_aliases(self._entry(name, version).info)

    def load_model(self, name: str, version: str) -> Any:
        with self._lock:
            return self._entry(name, version).model

    def run_details(self, name: str, version: str) -> RunDetails:
        with self._lock:
            entry = self._entry(name, version)
            return RunDetails(
                name=name,
                version=entry.info.version,
                run_id=entry.info.run_id,
                source=f"in-memory:{name}/{entry.info.version}",
                description=entry.description,
                run_name=name,
                started=entry.info.created,
                params=dict(entry.params),
                metrics=dict(entry.metrics),
            )

    def log_run_data(
        self, name: str, version: str, *, params: dict[str, Any] | None = None, metrics: dict[str, float] | None = None
    ) -> None:
        """Record parameters and metrics on the version's run (a test's stand-in for ``mlflow.log_params`` and
        ``mlflow.log_metrics``; the in-memory registry only)."""
        with self._lock:
            entry = self._entry(name, version)
            entry.params.update({k: str(v) for k, v in (params or {}).items()})
            entry.metrics.update({k: float(v) for k, v in (metrics or {}).items()})

    def set_alias(self, name: str, alias: str, version: str) -> None:
        _check_alias(name, alias)
        with self._lock:
            self._entry(name, version)
            self._aliases.setdefault(name, {})[alias] = str(version)

    def set_tag(self, name: str, version: str, key: str, value: str) -> None:
        with self._lock:
            entry = self._entry(name, version)
            entry.info = replace(entry.info, tags={**entry.info.tags, key: str(value)})

    def delete_tag(self, name: str, version: str, key: str) -> None:
        with self._lock:
            entry = self._entry(name, version)
            entry.info = replace(entry.info, tags={k: v for k, v in entry.info.tags.items() if k != key})

    def artifact_digest(self, name: str, version: str) -> str:
        """The digest of one artifact file, ``model.pkl``: the pickle of the stored copy of the model."""
        with self._lock:
            model = self._entry(name, version).model
            return artifact_tree_digest([("model.pkl", hashlib.sha256(pickle.dumps(model)).hexdigest())])

    def register_sklearn(
        self,
        name: str,
        model: Any,
        *,
        tags: dict[str, str] | None = None,
        description: str = "",
        params: dict[str, Any] | None = None,
        metrics: dict[str, float] | None = None,
    ) -> ModelVersionInfo:
        with self._lock:
            stored = self._models.setdefault(name, [])
            version = str(int(stored[-1].info.version) + 1) if stored else "1"
            info = ModelVersionInfo(
                name=name,
                version=version,
                run_id=f"in-memory-{name}-{version}",
                created=self._clock(),
                tags={k: str(v) for k, v in (tags or {}).items()},
            )
            stored.append(_StoredVersion(info, copy.deepcopy(model), description))
        self.log_run_data(name, version, params=params, metrics=metrics)
        with self._lock:
            return self._with_aliases(info)

    def delete_model(self, name: str, *, missing_ok: bool = False) -> None:
        with self._lock:
            if name not in self._models:
                if missing_ok:
                    return
                self._stored(name)
            del self._models[name]
            self._aliases.pop(name, None)


# ---------------------------------------------------------------------------------------------- MLflow

#: The file MLflow adds to a model downloaded through a ``models:/`` URI (``ModelsArtifactRepository``).
_DOWNLOAD_META = "registered_model_meta"

#: MLflow's tracking and registry URIs are process-global; every call that relies on them holds this lock.
_MLFLOW_GLOBALS = threading.RLock()


def _backend_errors() -> tuple[type[BaseException], ...]:
    """The errors of the layers under the adapter: MLflow, SQLAlchemy, sqlite3, HTTP, the file system. Anything
    else (a TypeError in our own code, say) is a bug and propagates as itself."""
    import requests
    import sqlalchemy.exc
    from mlflow.exceptions import MlflowException

    return (MlflowException, sqlalchemy.exc.SQLAlchemyError, sqlite3.Error, requests.RequestException, OSError)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _fault_of(exc: BaseException) -> str | None:
    """What the backend error says about the registry (locked, corrupt, unreachable), or None if it says
    nothing about it (a bad pickle, an unknown model...)."""
    text = " ".join(f"{type(e).__name__} {e}" for e in _chain(exc)).lower()
    for needles, fault in _FAULTS:
        if any(needle in text for needle in needles):
            return fault
    return None


def _without_sql(exc: BaseException, limit: int = 300) -> str:
    """The exception's type and first line, cut before SQLAlchemy's ``[SQL: ...]`` and ``[parameters: ...]``."""
    text = _SQL_TEXT.split(str(exc), maxsplit=1)[0].strip()
    first = text.splitlines()[0] if text else ""
    if len(first) > limit:
        first = first[: limit - 3] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class MlflowRegistry:
    """MLflow's model registry at ``tracking_uri``; model artifacts go under ``artifact_root``.

    Each registered model gets its own experiment (``govern/<name>``) whose artifact location is
    ``artifact_root/<name>``, so nothing lands in ``./mlruns``. Loaded models are cached in-process per
    (name, version): a registered version never changes.

    An ``sqlite:///`` registry must already exist, unless ``create=True`` (the demo builder's new registry):
    before every call the file is checked to be a regular, readable SQLite file holding MLflow's registry
    tables, not locked for longer than ``lock_timeout`` seconds; otherwise the call fails without MLflow
    touching the file. Any MLflow, SQLAlchemy or HTTP error that escapes a call is a ``RegistryError`` naming
    the registry, what was asked and the fault. On an ``http(s)://`` tracking URI, ``MLFLOW_HTTP_DEFAULTS``
    bound MLflow's retries unless the environment sets them.
    """

    EXPERIMENT_PREFIX = "govern/"

    def __init__(
        self,
        tracking_uri: str,
        artifact_root: Path,
        *,
        create: bool = False,
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    ) -> None:
        self.tracking_uri = tracking_uri
        self.artifact_root = Path(artifact_root)
        self.create = create
        self.lock_timeout = lock_timeout
        self._client: Any = None
        self._cache: dict[tuple[str, str], Any] = {}
        self._cache_lock = threading.Lock()
        self._asking_now = threading.local()

    @classmethod
    def for_fleet(cls, fleet: Fleet, *, create: bool = False) -> MlflowRegistry:
        """The fleet's registry: its tracking URI, artifacts under ``<state_dir>/mlartifacts``."""
        return cls(fleet.tracking_uri, fleet.state_dir / "mlartifacts", create=create)

    def __repr__(self) -> str:
        return f"MlflowRegistry({self.tracking_uri!r}, {str(self.artifact_root)!r})"

    # -- plumbing

    @property
    def sqlite_path(self) -> Path | None:
        """The database file of an ``sqlite:///`` tracking URI; None for a server or an in-memory database."""
        if not self.tracking_uri.startswith("sqlite:///"):
            return None
        path = self.tracking_uri.removeprefix("sqlite:///").split("?", 1)[0]
        return Path(path) if path and path != ":memory:" else None

    @property
    def client(self) -> Any:
        """MLflow's client on this registry. Use it inside ``_asking``: building it may already touch the store."""
        if self._client is None:
            from mlflow import MlflowClient

            if urlparse(self.tracking_uri).scheme in ("http", "https"):
                for key, value in MLFLOW_HTTP_DEFAULTS.items():
                    os.environ.setdefault(key, value)
            path = self.sqlite_path
            if path is not None and self.create:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)
        return self._client

    @contextlib.contextmanager
    def _asking(self, what: str, *, writes: bool = False) -> Iterator[None]:
        """Check the registry can be asked ``what`` ("reading alias 'champion' of model 'm'"), then turn any
        backend error escaping the block into a ``RegistryError`` naming the registry, ``what`` and the fault.
        Re-entrant: a call made inside another call is checked and reported by the outer one."""
        if getattr(self._asking_now, "what", None) is not None:
            yield
            return
        self._asking_now.what = what
        try:
            self._check_database(what, writes=writes)
            yield
        except RegistryError:
            raise
        except _backend_errors() as exc:
            fault = _fault_of(exc) or "the registry could not carry it out"
            raise RegistryError(
                f"registry {self.tracking_uri}: {what} failed: {fault}; got {_without_sql(exc)}"
            ) from exc
        finally:
            self._asking_now.what = None

    def _check_database(self, what: str, *, writes: bool) -> None:
        """Refuse an SQLite registry that MLflow would silently create, initialise or wait on: a missing, empty,
        foreign, unreadable, corrupt or locked file. Opens it read-write without creating it (so a hot journal
        is rolled back as MLflow would) and reads the schema; before a write, also takes and releases the write
        lock, which waits ``lock_timeout`` where MLflow would wait 20 s. About 0.6 ms; a registry call costs 5-15 ms."""
        path = self.sqlite_path
        if path is None:
            return
        where = f"registry {self.tracking_uri}: the database file {path}"
        advice = "restore it or fix mlflow_tracking_uri"
        if not path.exists():
            if self.create:
                return
            raise RegistryError(f"{where} must exist; got no such file (MLflow would create an empty one): {advice}")
        if not path.is_file():
            kind = "directory" if path.is_dir() else "special file"
            raise RegistryError(f"{where} must be a regular file; got a {kind} instead: {advice}")
        if not os.access(path, os.R_OK):
            raise RegistryError(f"{where} must be readable; got permission denied instead")
        if path.stat().st_size == 0:
            if self.create:
                return
            raise RegistryError(
                f"{where} must hold an MLflow registry; got an empty file (MLflow would initialise it as a new, "
                f"empty registry): {advice}"
            )
        try:
            with contextlib.closing(
                sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=self.lock_timeout, isolation_level=None
                )
            ) as db:
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if writes:
                    db.execute("BEGIN IMMEDIATE")  # changes nothing: no page is written before the rollback
                    db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            fault = _fault_of(exc) or "the database could not be read"
            if "locked" in fault:
                held = f"another connection held a lock on it for more than {self.lock_timeout:g} s"
                fault = f"the database is locked ({held})"
            raise RegistryError(
                f"registry {self.tracking_uri}: {what} failed: {fault}; got {_without_sql(exc)}"
            ) from exc
        if "registered_models" not in tables and not self.create:
            raise RegistryError(
                f"{where} must hold an MLflow registry; got an SQLite database without MLflow's tables (MLflow "
                f"would add them to it): {advice}"
            )

    @contextlib.contextmanager
    def _global_uris(self) -> Iterator[None]:
        """Point MLflow's fluent API (``start_run``, ``log_model``, ``load_model``) at this registry."""
        import mlflow

        with _MLFLOW_GLOBALS:
            previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
            mlflow.set_tracking_uri(self.tracking_uri)
            mlflow.set_registry_uri(self.tracking_uri)
            try:
                yield
            finally:
                mlflow.set_tracking_uri(previous[0])
                mlflow.set_registry_uri(previous[1])

    @staticmethod
    def _not_found(exc: Exception) -> bool:
        return getattr(exc, "error_code", "") in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND")

    def _registered(self, name: str) -> Any:
        """The registered model (call inside ``_asking``: other backend errors are left to it)."""
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_registered_model(name)
        except MlflowException as exc:
            if self._not_found(exc):
                raise RegistryError(
                    f"model {name!r} must exist in the registry at {self.tracking_uri}; got no registered model "
                    f"of that name instead"
                ) from exc
            raise

    @staticmethod
    def _aliases_by_version(registered: Any) -> dict[str, tuple[str, ...]]:
        by_version: dict[str, list[str]] = {}
        for alias, version in (registered.aliases or {}).items():
            by_version.setdefault(str(version), []).append(alias)
        return {v: tuple(sorted(a)) for v, a in by_version.items()}

    @staticmethod
    def _info(mv: Any, aliases: tuple[str, ...]) -> ModelVersionInfo:
        created = None
        if mv.creation_timestamp is not None:
            created = datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=UTC)
        return ModelVersionInfo(
            name=mv.name,
            version=str(mv.version),
            run_id=mv.run_id or None,
            created=created,
            tags={str(k): str(v) for k, v in (mv.tags or {}).items()},
            aliases=aliases,
        )

    def _model_version(self, name: str, version: str) -> Any:
        """The model version (call inside ``_asking``: other backend errors are left to it)."""
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_model_version(name, str(version))
        except MlflowException as exc:
            if not self._not_found(exc):
                raise
            self._registered(name)  # names the model when it is the model that is missing
            known = ", ".join(v.version for v in self.versions(name)) or "none"
            raise RegistryError(
                f"model {name!r}: version {str(version)!r} must exist in the registry; got versions {known} instead"
            ) from exc

    def _experiment_id(self, name: str) -> str:
        client = self.client
        experiment_name = f"{self.EXPERIMENT_PREFIX}{name}"
        experiment = client.get_experiment_by_name(experiment_name)
        if experiment is None:
            location = (self.artifact_root / name).resolve()
            location.mkdir(parents=True, exist_ok=True)
            return str(client.create_experiment(experiment_name, artifact_location=location.as_uri()))
        if experiment.lifecycle_stage == "deleted":
            client.restore_experiment(experiment.experiment_id)
        return str(experiment.experiment_id)

    # -- the interface

    def versions(self, name: str) -> list[ModelVersionInfo]:
        with self._asking(f"listing the versions of model {name!r}"):
            aliases = self._aliases_by_version(self._registered(name))
            escaped = name.replace("'", "\\'")
            found = self.client.search_model_versions(f"name = '{escaped}'")
        infos = [self._info(mv, aliases.get(str(mv.version), ())) for mv in found]
        return sorted(infos, key=lambda i: int(i.version))

    def get_version(self, name: str, version: str) -> ModelVersionInfo:
        with self._asking(f"reading version {str(version)!r} of model {name!r}"):
            mv = self._model_version(name, version)
            aliases = self._aliases_by_version(self._registered(name))
        return self._info(mv, aliases.get(str(mv.version), ()))

    def version_by_alias(self, name: str, alias: str) -> ModelVersionInfo:
        with self._asking(f"reading alias {alias!r} of model {name!r}"):
            registered = self._registered(name)
            version = (registered.aliases or {}).get(alias)
            if version is None:
                known = ", ".join(sorted(registered.aliases or {})) or "no aliases at all"
                raise RegistryError(
                    f"model {name!r}: alias {alias!r} must exist in the registry; got none instead "
                    f"(the model has {known})"
                )
            return self.get_version(name, str(version))

    def load_model(self, name: str, version: str) -> Any:
        key = (name, str(version))
        with self._cache_lock:
            if key in self._cache:
                return self._cache[key]
            with self._asking(f"loading version {key[1]!r} of model {name!r}"):
                self._model_version(name, key[1])
                import mlflow.sklearn

                with self._global_uris():
                    try:
                        model = mlflow.sklearn.load_model(f"models:/{name}/{key[1]}")
                    except Exception as exc:  # MLflow, skops and pickle each raise their own types
                        if _fault_of(exc) is not None:
                            raise  # the registry's fault, not the model's: reported by _asking
                        raise RegistryError(
                            f"model {name!r}: version {key[1]!r} must load as a scikit-learn model; "
                            f"got {_without_sql(exc)}"
                        ) from exc
            self._cache[key] = model
            return model

    def run_details(self, name: str, version: str) -> RunDetails:
        """The version's run as MLflow's tracking store has it; a version without a run (or whose run was
        deleted) has empty params and metrics, not an error."""
        from mlflow.exceptions import MlflowException

        version = str(version)
        with self._asking(f"reading the run of version {version!r} of model {name!r}"):
            mv = self._model_version(name, version)
            run, experiment = None, None
            if mv.run_id:
                try:
                    run = self.client.get_run(mv.run_id)
                    experiment = self.client.get_experiment(run.info.experiment_id)
                except MlflowException as exc:
                    if not self._not_found(exc):
                        raise
        started = None
        if run is not None and run.info.start_time is not None:
            started = datetime.fromtimestamp(run.info.start_time / 1000, tz=UTC)
        tags = dict(run.data.tags) if run is not None else {}
        return RunDetails(
            name=name,
            version=version,
            run_id=mv.run_id or None,
            source=str(mv.source) if mv.source else None,
            description=mv.description or "",
            run_name=run.info.run_name if run is not None else None,
            experiment=experiment.name if experiment is not None else None,
            started=started,
            user=tags.get("mlflow.user") or (run.info.user_id if run is not None else None) or None,
            params={str(k): str(v) for k, v in (run.data.params if run is not None else {}).items()},
            metrics={str(k): float(v) for k, v in (run.data.metrics if run is not None else {}).items()},
        )

    def set_alias(self, name: str, alias: str, version: str) -> None:
        _check_alias(name, alias)
        with self._asking(f"pointing alias {alias!r} of model {name!r} at version {str(version)!r}", writes=True):
            self._model_version(name, version)
            self.client.set_registered_model_alias(name, alias, str(version))

    def set_tag(self, name: str, version: str, key: str, value: str) -> None:
        with self._asking(f"setting tag {key!r} on version {str(version)!r} of model {name!r}", writes=True):
            self._model_version(name, version)
            self.client.set_model_version_tag(name, str(version), key, str(value))

    def delete_tag(self, name: str, version: str, key: str) -> None:
        from mlflow.exceptions import MlflowException

        with self._asking(f"deleting tag {key!r} of version {str(version)!r} of model {name!r}", writes=True):
            mv = self._model_version(name, version)
            if key not in (mv.tags or {}):
                return
            try:
                self.client.delete_model_version_tag(name, str(version), key)
            except MlflowException as exc:
                if not self._not_found(exc):
                    raise

    def artifact_digest(self, name: str, version: str) -> str:
        """``artifact_tree_digest`` of the files of the version's logged model: read in place when its artifacts
        are a local folder (``file://``), else downloaded into a temporary folder, removed afterwards."""
        import mlflow.artifacts

        version = str(version)
        with self._asking(f"computing the artifact checksum of version {version!r} of model {name!r}"):
            self._model_version(name, version)
            location = str(self.client.get_model_version_download_uri(name, version))
            parsed = urlparse(location)
            if parsed.scheme in ("", "file"):
                folder = Path(unquote(parsed.path))
                if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
                    state = "no such folder" if not folder.exists() else "an empty folder"
                    raise RegistryError(
                        f"model {name!r}: the artifacts of version {version!r} must be at {folder}; got {state} instead"
                    )
                return folder_digest(folder)
            # A models:/ or mlflow-artifacts:/ location is resolved through the global URIs, not the arguments.
            with tempfile.TemporaryDirectory(prefix="govern-artifacts-") as scratch, self._global_uris():
                local = Path(
                    mlflow.artifacts.download_artifacts(
                        artifact_uri=location, dst_path=scratch, tracking_uri=self.tracking_uri
                    )
                )
                # Written by the download of a models:/ URI (the name and version it was asked by), not logged.
                (local / _DOWNLOAD_META).unlink(missing_ok=True)
                return folder_digest(local)

    def register_sklearn(
        self,
        name: str,
        model: Any,
        *,
        tags: dict[str, str] | None = None,
        description: str = "",
        params: dict[str, Any] | None = None,
        metrics: dict[str, float] | None = None,
    ) -> ModelVersionInfo:
        import mlflow
        import mlflow.sklearn
        import sklearn
        from mlflow.exceptions import MlflowException

        with self._asking(f"registering a new version of model {name!r}", writes=True):
            client = self.client
            experiment_id = self._experiment_id(name)
            # The store resolves the new version's source ("models:/m-...") through the global tracking URI,
            # so registration stays inside the same context as the run.
            with self._global_uris():
                with mlflow.start_run(experiment_id=experiment_id, run_name=name) as run:
                    if params:
                        mlflow.log_params({k: str(v) for k, v in params.items()})
                    if metrics:
                        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
                    logged = mlflow.sklearn.log_model(
                        model,
                        name="model",
                        pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
                        skops_trusted_types=list(SKOPS_TRUSTED_TYPES),
                    )
                # Registered through the client rather than log_model(registered_model_name=...): the same
                # registry entries, without the fluent API's messages on stderr, and tags set at creation.
                try:
                    client.get_registered_model(name)
                except MlflowException as exc:
                    if not self._not_found(exc):
                        raise
                    client.create_registered_model(name)
                mv = client.create_model_version(
                    name,
                    source=logged.model_uri,
                    run_id=run.info.run_id,
                    tags={k: str(v) for k, v in (tags or {}).items()},
                    description=description or None,
                    model_id=logged.model_id,
                )
            return self.get_version(name, str(mv.version))

    def delete_model(self, name: str, *, missing_ok: bool = False) -> None:
        """Delete the registered model, the runs and logged models behind its versions, and their local
        artifact folders (MLflow itself only marks runs deleted; ``mlflow gc`` would be needed otherwise)."""
        with self._asking(f"deleting model {name!r}", writes=True):
            try:
                self._registered(name)
            except RegistryError:
                if missing_ok:
                    return
                raise
            found = self.versions(name)
            client = self.client
            sources = [client.get_model_version(name, v.version) for v in found]
            client.delete_registered_model(name)
            for mv in sources:
                if mv.run_id:
                    client.delete_run(mv.run_id)
                model_id = getattr(mv, "model_id", None) or (
                    mv.source.removeprefix("models:/") if str(mv.source).startswith("models:/m-") else None
                )
                if model_id:
                    self._delete_logged_model(model_id)
        with self._cache_lock:
            for key in [k for k in self._cache if k[0] == name]:
                del self._cache[key]

    def _delete_logged_model(self, model_id: str) -> None:
        from mlflow.exceptions import MlflowException

        client = self.client
        try:
            artifact_uri = client.get_logged_model(model_id).artifact_location
            client.delete_logged_model(model_id)
        except MlflowException as exc:
            if self._not_found(exc):
                return
            raise  # reported by the caller's _asking, without the SQL
        parsed = urlparse(str(artifact_uri))
        if parsed.scheme == "file":
            folder = Path(unquote(parsed.path))
            # Only ever remove what lies under our own artifact root.
            if folder.is_dir() and folder.resolve().is_relative_to(self.artifact_root.resolve()):
                shutil.rmtree(folder.parent if folder.name == "artifacts" else folder, ignore_errors=True)

"""What the version and rollback tests share: a real MLflow SQLite registry of small scikit-learn models, an
incident database, the audit callable, and a registry wrapper that counts (or breaks) calls.

Also run as a script by the kill -9 test: ``python -m tests.respond.versions_factory DB_URL TRACKING_URI
ARTIFACT_ROOT ACTION_ID WHEN`` executes the rollback and SIGKILLs itself ``after`` or ``before`` the alias move.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from govern.errors import RegistryError
from govern.registry import MlflowRegistry, ModelRegistry, ModelVersionInfo
from govern.respond import audit
from govern.respond.database import Database, open_database
from govern.respond.db import Action, AuditEntry

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

AT = datetime(2026, 10, 16, 2, 0, tzinfo=UTC)
audit_append = audit.append


def database(path: Path) -> Database:
    return open_database(f"sqlite:///{path}")


def audit_kinds(db: Database) -> list[str]:
    """The kinds of the audit log's entries, in order, after checking the hash chain is intact."""
    with db.session() as session:
        report = audit.verify(session)
        assert report.ok, report.problem
        return list(session.scalars(select(AuditEntry.kind).order_by(AuditEntry.seq)))


def classifier(seed: int) -> Any:
    """A small fitted LogisticRegression; a different seed gives different coefficients."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    features = rng.normal(size=(60, 3))
    return LogisticRegression().fit(features, (features[:, 0] + rng.normal(0, 0.5, 60) > 0).astype(int))


def mlflow_registry(root: Path) -> MlflowRegistry:
    return MlflowRegistry(f"sqlite:///{root / 'mlflow.db'}", root / "mlartifacts", create=True)


def register_versions(registry: ModelRegistry, name: str, count: int, *, alias: str | None = None) -> None:
    """``count`` versions of ``name``; ``alias`` on the last one."""
    for seed in range(count):
        registry.register_sklearn(name, classifier(seed))
    if alias:
        registry.set_alias(name, alias, str(count))


def add_action(db: Database, *, model: str, status: str = "approved", **params: Any) -> int:
    with db.session() as session:
        action = Action(
            key=f"rollback|{model}|{params.get('from_version', '?')}|{status}",
            kind="rollback",
            model=model,
            status=status,
            params={"alias": "champion", "registry_name": model, **params},
            requested_at=AT,
            requested_by="govern",
        )
        session.add(action)
        session.flush()
        return action.id


def action_row(db: Database, action_id: int) -> dict[str, Any]:
    with db.session() as session:
        action = session.get(Action, action_id)
        assert action is not None
        return {"status": action.status, "params": dict(action.params), "outcome": action.outcome}


class WatchedRegistry:
    """A registry wrapper that records every call by name and can make a method fail (``breaks[name]``), or
    run a hook before or after the real call (``before[name]``, ``after[name]``)."""

    def __init__(self, inner: ModelRegistry) -> None:
        self.inner = inner
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.breaks: dict[str, str] = {}
        self.before: dict[str, Callable[[], None]] = {}
        self.after: dict[str, Callable[[], None]] = {}

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((method, args))
        if method in self.before:
            self.before[method]()
        if method in self.breaks:
            raise RegistryError(self.breaks[method])
        result = getattr(self.inner, method)(*args, **kwargs)
        if method in self.after:
            self.after[method]()
        return result

    def versions(self, name: str) -> list[ModelVersionInfo]:
        return self._call("versions", name)

    def get_version(self, name: str, version: str) -> ModelVersionInfo:
        return self._call("get_version", name, version)

    def version_by_alias(self, name: str, alias: str) -> ModelVersionInfo:
        return self._call("version_by_alias", name, alias)

    def load_model(self, name: str, version: str) -> Any:
        return self._call("load_model", name, version)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._call("set_alias", name, alias, version)

    def set_tag(self, name: str, version: str, key: str, value: str) -> None:
        self._call("set_tag", name, version, key, value)

    def delete_tag(self, name: str, version: str, key: str) -> None:
        self._call("delete_tag", name, version, key)

    def artifact_digest(self, name: str, version: str) -> str:
        return self._call("artifact_digest", name, version)

    def register_sklearn(self, name: str, model: Any, **kw: Any) -> ModelVersionInfo:
        return self._call("register_sklearn", name, model, **kw)

    def run_details(self, name: str, version: str) -> Any:
        return self._call("run_details", name, version)

    def delete_model(self, name: str, *, missing_ok: bool = False) -> None:
        self._call("delete_model", name, missing_ok=missing_ok)


def _kill_rollback(db_url: str, tracking_uri: str, artifact_root: str, action_id: int, when: str) -> None:
    from govern.respond.versions import execute_rollback

    registry = WatchedRegistry(MlflowRegistry(tracking_uri, Path(artifact_root)))
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)  # noqa: E731
    (registry.after if when == "after" else registry.before)["set_alias"] = die
    execute_rollback(open_database(db_url), registry, action_id, at=AT, actor="govern", audit=audit_append)
    raise SystemExit("the rollback ended without being killed")


if __name__ == "__main__":
    _kill_rollback(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])

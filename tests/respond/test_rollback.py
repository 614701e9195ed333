"""The rollback against the real MLflow SQLite registry: the alias checked with MLflow's own client, the faulty
version's tags read back from the registry, the audit entries counted; a rerun changes nothing; a process
killed -9 on either side of the alias move is finished by ``reconcile`` without a second move; a changed
artifact, an unreachable server, a missing model or alias are recorded on the action and leave nothing
half-written."""

from __future__ import annotations

import itertools
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from mlflow import MlflowClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govern.errors import IncidentStoreError, RegistryError
from govern.registry import MLFLOW_HTTP_DEFAULTS, MlflowRegistry
from govern.respond.database import Database
from govern.respond.db import VersionRecord
from govern.respond.versions import (
    TAG_QUARANTINE_REASON,
    TAG_QUARANTINED,
    TAG_STATUS,
    NoSafeVersion,
    RollbackOutcome,
    execute_rollback,
    plan_rollback,
    reconcile,
    record_version,
)
from tests.respond.versions_factory import (
    AT,
    WatchedRegistry,
    action_row,
    add_action,
    audit_append,
    audit_kinds,
    database,
    mlflow_registry,
    register_versions,
)

REPO = Path(__file__).resolve().parents[2]
_names = (f"credit_{i}" for i in itertools.count())
SEEN = ["version.seen"] * 3
DONE = [*SEEN, "action.executing", "version.quarantined", "action.done"]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("registry")


@pytest.fixture(scope="module")
def mlflow(root: Path) -> MlflowRegistry:
    return mlflow_registry(root)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    opened = database(tmp_path / "governance.db")
    yield opened
    opened.close()


def _judge(db: Database, registry: MlflowRegistry, name: str, verdicts: dict[str, str]) -> None:
    with db.session() as session:
        for version, verdict in verdicts.items():
            recorded = record_version(
                session,
                registry,
                model=name,
                registry_name=name,
                version=version,
                night="2026-10-15",
                verdict=verdict,  # type: ignore[arg-type]
                at=AT,
                audit=audit_append,
            )
            assert recorded.tags_error is None


@pytest.fixture
def credit(db: Database, mlflow: MlflowRegistry) -> str:
    """Three versions, "champion" on 3; versions 1 and 2 passed, 3 failed tonight."""
    name = next(_names)
    register_versions(mlflow, name, 3, alias="champion")
    _judge(db, mlflow, name, {"1": "passed", "2": "passed", "3": "failed"})
    return name


def _champion(registry: MlflowRegistry, name: str) -> str:
    """The alias as MLflow's own client reads it."""
    return str(
        MlflowClient(tracking_uri=registry.tracking_uri, registry_uri=registry.tracking_uri)
        .get_model_version_by_alias(name, "champion")
        .version
    )


def _tags(registry: MlflowRegistry, name: str, version: str) -> dict[str, str]:
    return dict(
        MlflowClient(tracking_uri=registry.tracking_uri, registry_uri=registry.tracking_uri)
        .get_model_version(name, version)
        .tags
    )


def _record(db: Database, name: str, version: str) -> VersionRecord:
    with db.session() as session:
        record = session.scalar(
            select(VersionRecord).where(VersionRecord.registry_name == name, VersionRecord.version == version)
        )
        assert record is not None
        return record


def _rollback(db: Database, registry: object, action_id: int) -> RollbackOutcome:
    return execute_rollback(db, registry, action_id, at=AT, actor="govern", audit=audit_append)  # type: ignore[arg-type]


def _flip_a_byte(registry: MlflowRegistry, name: str, version: str) -> None:
    folder = Path(unquote(urlparse(registry.client.get_model_version_download_uri(name, version)).path))
    path = folder / "model.skops"
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))


def _assert_untouched(db: Database, mlflow: MlflowRegistry, name: str) -> None:
    """Nothing half-written: the alias where it was, version 3 neither quarantined nor tagged so."""
    assert _champion(mlflow, name) == "3"
    assert _record(db, name, "3").status == "failed" and _record(db, name, "3").quarantined is None
    assert _tags(mlflow, name, "3")[TAG_STATUS] == "failed" and TAG_QUARANTINED not in _tags(mlflow, name, "3")


# ---------------------------------------------------------------------------------------------- the rollback


def test_rollback_moves_the_alias_to_the_last_passing_version_and_quarantines_the_faulty_one(
    db: Database, mlflow: MlflowRegistry, credit: str
) -> None:
    action = add_action(db, model=credit, from_version="3")
    outcome = _rollback(db, mlflow, action)

    assert (outcome.status, outcome.from_version, outcome.to_version) == ("done", "3", "2")
    assert outcome.moved and outcome.changed and not outcome.reconciled and outcome.tags_error is None
    assert outcome.expected_sha256 == mlflow.artifact_digest(credit, "2") == _record(db, credit, "2").artifact_sha256
    assert outcome.message == f"alias 'champion' of '{credit}' moved from version 3 to version 2; version 3 quarantined"
    assert _champion(mlflow, credit) == "2"
    tags = _tags(mlflow, credit, "3")
    assert (tags[TAG_STATUS], tags[TAG_QUARANTINED]) == ("quarantined", "2026-10-16T02:00:00Z")
    assert tags[TAG_QUARANTINE_REASON].startswith(f"version 2 is the newest version of '{credit}' that passed")
    assert _tags(mlflow, credit, "2")[TAG_STATUS] == "passed"
    record = _record(db, credit, "3")
    assert (record.status, record.quarantined, record.failed) == ("quarantined", AT, "2026-10-15")
    row = action_row(db, action)
    assert row["status"] == "done" and row["outcome"] == outcome.message
    assert {k: row["params"][k] for k in ("from_version", "to_version", "expected_sha256")} == {
        "from_version": "3",
        "to_version": "2",
        "expected_sha256": outcome.expected_sha256,
    }
    assert audit_kinds(db) == DONE


def test_a_rerun_changes_nothing(db: Database, mlflow: MlflowRegistry, credit: str) -> None:
    action = add_action(db, model=credit, from_version="3")
    first = _rollback(db, mlflow, action)
    watched = WatchedRegistry(mlflow)

    again = _rollback(db, watched, action)
    assert (again.status, again.changed, again.moved, again.message) == ("done", False, False, first.message)
    assert reconcile(db, watched, at=AT, audit=audit_append) == []
    assert [call for call, _ in watched.calls] == []
    assert audit_kinds(db) == DONE and _champion(mlflow, credit) == "2"


def test_the_version_named_by_a_person_is_used_when_it_is_safe(
    db: Database, mlflow: MlflowRegistry, credit: str
) -> None:
    outcome = _rollback(db, mlflow, add_action(db, model=credit, from_version="3", to_version="1"))
    assert (outcome.status, outcome.to_version) == ("done", "1") and _champion(mlflow, credit) == "1"


def test_the_alias_is_taken_as_the_faulty_version_when_none_is_named(
    db: Database, mlflow: MlflowRegistry, credit: str
) -> None:
    outcome = _rollback(db, mlflow, add_action(db, model=credit))
    assert (outcome.status, outcome.from_version, outcome.to_version) == ("done", "3", "2")


def test_a_dry_run_plans_without_changing_anything(db: Database, mlflow: MlflowRegistry, credit: str) -> None:
    plan = plan_rollback(db, mlflow, registry_name=credit, alias="champion")
    assert (plan.from_version, plan.to_version, plan.expected_sha256) == ("3", "2", mlflow.artifact_digest(credit, "2"))
    _assert_untouched(db, mlflow, credit)
    assert audit_kinds(db) == SEEN


# ---------------------------------------------------------------------------------------------- refusals


def test_a_changed_artifact_refuses_the_rollback_and_leaves_the_alias(
    db: Database, mlflow: MlflowRegistry, credit: str
) -> None:
    expected = _record(db, credit, "2").artifact_sha256
    _flip_a_byte(mlflow, credit, "2")
    action = add_action(db, model=credit, from_version="3")
    outcome = _rollback(db, mlflow, action)

    assert (outcome.status, outcome.checksum_mismatch, outcome.moved) == ("refused", True, False)
    assert (outcome.to_version, outcome.expected_sha256) == ("2", expected)
    assert outcome.actual_sha256 == mlflow.artifact_digest(credit, "2") != expected
    assert outcome.message == (
        f"rollback of '{credit}' refused: the artifacts of version 2 must have the SHA-256 recorded when it was "
        f"first seen ({expected}); got {outcome.actual_sha256} instead: they were changed since"
    )
    _assert_untouched(db, mlflow, credit)
    assert action_row(db, action)["status"] == "refused"
    assert audit_kinds(db) == [*SEEN, "action.refused"]
    # never "the next one down" silently: refused stays refused
    assert _rollback(db, mlflow, action).changed is False and _champion(mlflow, credit) == "3"


def test_no_safe_version_refuses_with_the_reason(db: Database, mlflow: MlflowRegistry, credit: str) -> None:
    _judge(db, mlflow, credit, {"1": "failed", "2": "failed"})
    outcome = _rollback(db, mlflow, add_action(db, model=credit, from_version="3"))
    assert (outcome.status, outcome.no_safe_version) == ("refused", True)
    assert outcome.message == f"no version of '{credit}' other than version 3 passed governance and never failed"
    assert _champion(mlflow, credit) == "3"
    with pytest.raises(NoSafeVersion, match="no version of"):
        plan_rollback(db, mlflow, registry_name=credit, alias="champion")


@pytest.mark.parametrize(
    ("requested", "why"), [("3", "is the version rolled back from"), ("7", "has no governance record")]
)
def test_an_unsafe_requested_version_is_refused(
    db: Database, mlflow: MlflowRegistry, credit: str, requested: str, why: str
) -> None:
    outcome = _rollback(db, mlflow, add_action(db, model=credit, from_version="3", to_version=requested))
    assert outcome.status == "refused" and outcome.message.endswith(f"got a version that {why} instead")
    _assert_untouched(db, mlflow, credit)


def test_a_failed_or_quarantined_version_is_never_the_target(db: Database, mlflow: MlflowRegistry, credit: str) -> None:
    _judge(db, mlflow, credit, {"1": "failed"})
    first = _rollback(db, mlflow, add_action(db, model=credit, from_version="3"))  # 3 -> 2, 3 quarantined
    assert first.to_version == "2"
    _judge(db, mlflow, credit, {"2": "failed"})
    second = _rollback(db, mlflow, add_action(db, model=credit, from_version="2"))
    assert second.status == "refused" and second.no_safe_version and _champion(mlflow, credit) == "2"


def test_an_alias_moved_by_someone_else_is_not_rolled_back(db: Database, mlflow: MlflowRegistry, credit: str) -> None:
    mlflow.set_alias(credit, "champion", "1")
    outcome = _rollback(db, mlflow, add_action(db, model=credit, from_version="3"))
    assert outcome.status == "refused"
    assert "alias 'champion' must name the faulty version 3; got version 1 instead" in outcome.message
    assert _champion(mlflow, credit) == "1" and _record(db, credit, "3").quarantined is None


@pytest.mark.parametrize("status", ["awaiting_approval", "rejected", "dry_run"])
def test_an_action_not_approved_is_not_carried_out(
    db: Database, mlflow: MlflowRegistry, credit: str, status: str
) -> None:
    watched = WatchedRegistry(mlflow)
    outcome = _rollback(db, watched, add_action(db, model=credit, status=status, from_version="3"))
    assert (outcome.status, outcome.changed) == (status, False) and watched.calls == []
    assert audit_kinds(db) == SEEN


# ---------------------------------------------------------------------------------------------- kill -9


def _killed_rollback(db: Database, mlflow: MlflowRegistry, action: int, when: str) -> None:
    """Run the rollback in another process that SIGKILLs itself right before or after moving the alias."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.respond.versions_factory",
            db.url,
            mlflow.tracking_uri,
            str(mlflow.artifact_root),
            str(action),
            when,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == -signal.SIGKILL, completed.stderr[-2000:]
    assert action_row(db, action)["status"] == "executing"


def test_killed_after_the_alias_move_is_finished_without_a_second_move(
    db: Database, mlflow: MlflowRegistry, credit: str
) -> None:
    action = add_action(db, model=credit, from_version="3")
    _killed_rollback(db, mlflow, action, "after")
    assert _champion(mlflow, credit) == "2"  # moved, not recorded
    assert _record(db, credit, "3").quarantined is None
    assert audit_kinds(db) == [*SEEN, "action.executing"]

    watched = WatchedRegistry(mlflow)
    [outcome] = reconcile(db, watched, at=AT, audit=audit_append)
    assert (outcome.status, outcome.reconciled, outcome.moved, outcome.to_version) == ("done", True, False, "2")
    assert outcome.message.endswith("(finished after an interruption, without moving the alias again)")
    assert watched.count("set_alias") == 0
    assert _champion(mlflow, credit) == "2" and _tags(mlflow, credit, "3")[TAG_STATUS] == "quarantined"
    assert _record(db, credit, "3").status == "quarantined"
    assert audit_kinds(db) == DONE  # one executing, one done: one rollback
    assert reconcile(db, watched, at=AT, audit=audit_append) == []
    assert _rollback(db, watched, action).changed is False and watched.count("set_alias") == 0


def test_killed_before_the_alias_move_is_moved_once(db: Database, mlflow: MlflowRegistry, credit: str) -> None:
    action = add_action(db, model=credit, from_version="3")
    _killed_rollback(db, mlflow, action, "before")
    assert _champion(mlflow, credit) == "3"

    watched = WatchedRegistry(mlflow)
    [outcome] = reconcile(db, watched, at=AT, audit=audit_append)
    assert (outcome.status, outcome.reconciled, outcome.moved) == ("done", True, True)
    assert watched.count("set_alias") == 1 and _champion(mlflow, credit) == "2"
    assert audit_kinds(db) == DONE


# ---------------------------------------------------------------------------------------------- faults


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MlflowRegistry:
    for key, value in {**MLFLOW_HTTP_DEFAULTS, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}.items():
        monkeypatch.setenv(key, value if key != "MLFLOW_HTTP_REQUEST_TIMEOUT" else "2")
    return MlflowRegistry(f"http://127.0.0.1:{_closed_port()}", tmp_path / "mlartifacts")


def test_an_unreachable_registry_fails_the_action_with_its_message(
    db: Database, mlflow: MlflowRegistry, credit: str, unreachable: MlflowRegistry
) -> None:
    action = add_action(db, model=credit, from_version="3")
    started = time.perf_counter()
    outcome = _rollback(db, unreachable, action)
    assert time.perf_counter() - started < 15
    assert outcome.status == "failed" and not outcome.moved
    assert outcome.message.startswith(
        f"registry {unreachable.tracking_uri}: reading alias 'champion' of model '{credit}' failed: the tracking "
        f"server is unreachable"
    )
    row = action_row(db, action)
    assert (row["status"], row["outcome"]) == ("failed", outcome.message)
    assert "to_version" not in row["params"]  # never got to executing
    assert audit_kinds(db) == [*SEEN, "action.failed"]
    _assert_untouched(db, mlflow, credit)

    retried = _rollback(db, mlflow, action)  # the server is back: a failed action is retried
    assert (retried.status, retried.moved) == ("done", True) and _champion(mlflow, credit) == "2"


def test_an_interrupted_rollback_whose_registry_is_down_fails_then_finishes_on_retry(
    db: Database, mlflow: MlflowRegistry, credit: str, unreachable: MlflowRegistry
) -> None:
    action = add_action(db, model=credit, from_version="3")
    watched = WatchedRegistry(mlflow)

    def interrupted() -> None:
        raise KeyboardInterrupt  # right after the move, before it is recorded

    watched.after["set_alias"] = interrupted
    with pytest.raises(KeyboardInterrupt):
        _rollback(db, watched, action)
    [outcome] = reconcile(db, unreachable, at=AT, audit=audit_append)
    assert (
        outcome.status == "failed" and "the rollback was interrupted: a retry reads the alias again" in outcome.message
    )
    assert _record(db, credit, "3").quarantined is None

    again = WatchedRegistry(mlflow)
    retried = _rollback(db, again, action)
    assert (retried.status, retried.moved, retried.reconciled) == ("done", False, True)
    assert again.count("set_alias") == 0 and watched.count("set_alias") == 1
    assert audit_kinds(db) == [*SEEN, "action.executing", "action.failed", "action.executing"] + DONE[-2:]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"registry_name": "no_such_model"}, "model 'no_such_model' must exist in the registry at "),
        ({"alias": "stable"}, "alias 'stable' must exist in the registry; got none instead"),
    ],
)
def test_a_missing_model_or_alias_fails_the_action(
    db: Database, mlflow: MlflowRegistry, credit: str, params: dict[str, str], expected: str
) -> None:
    action = add_action(db, model=credit, from_version="3", **params)
    outcome = _rollback(db, mlflow, action)
    assert outcome.status == "failed" and expected in outcome.message
    assert action_row(db, action)["status"] == "failed"
    _assert_untouched(db, mlflow, credit)


def test_a_failed_alias_move_is_recorded_and_retried(db: Database, mlflow: MlflowRegistry, credit: str) -> None:
    action = add_action(db, model=credit, from_version="3")
    broken = WatchedRegistry(mlflow)
    broken.breaks["set_alias"] = "registry x: pointing alias 'champion' failed: the database is locked"
    outcome = _rollback(db, broken, action)
    assert (outcome.status, outcome.message) == ("failed", broken.breaks["set_alias"])
    _assert_untouched(db, mlflow, credit)

    watched = WatchedRegistry(mlflow)
    retried = _rollback(db, watched, action)
    assert (retried.status, retried.moved) == ("done", True) and watched.count("set_alias") == 1


def test_a_move_that_reached_the_registry_before_its_error_is_not_moved_again(
    db: Database, mlflow: MlflowRegistry, credit: str
) -> None:
    action = add_action(db, model=credit, from_version="3")
    lost = WatchedRegistry(mlflow)

    def answer_lost() -> None:
        raise RegistryError("registry x: pointing alias 'champion' failed: read timeout")

    lost.after["set_alias"] = answer_lost
    assert _rollback(db, lost, action).status == "failed"
    assert _champion(mlflow, credit) == "2"

    watched = WatchedRegistry(mlflow)
    retried = _rollback(db, watched, action)
    assert (retried.status, retried.moved, retried.reconciled) == ("done", False, True)
    assert watched.count("set_alias") == 0


def test_a_tag_that_cannot_be_written_is_in_the_outcome_and_the_rollback_stands(
    db: Database, mlflow: MlflowRegistry, credit: str
) -> None:
    broken = WatchedRegistry(mlflow)
    broken.breaks["set_tag"] = "registry x: setting tag failed: the database is locked"
    outcome = _rollback(db, broken, add_action(db, model=credit, from_version="3"))
    assert outcome.status == "done" and _champion(mlflow, credit) == "2"
    assert outcome.tags_error == (
        f"the governance tags of version '3' of '{credit}' are not mirrored: {broken.breaks['set_tag']}"
    )
    assert outcome.message.endswith(f"; {outcome.tags_error}")
    assert _record(db, credit, "3").status == "quarantined"  # the record is the truth
    assert _tags(mlflow, credit, "3")[TAG_STATUS] == "failed"

    _judge(db, mlflow, credit, {"3": "judged"})  # the next night's record mirrors it
    assert _tags(mlflow, credit, "3")[TAG_STATUS] == "quarantined"


class _LockedAfterTheMove:
    """The incident database, locked by another process from the moment the alias has moved."""

    def __init__(self, inner: Database) -> None:
        self.inner, self.locked = inner, False

    def session(self) -> AbstractContextManager[Session]:
        if self.locked:
            raise IncidentStoreError(f"incident database {self.inner.url}: a transaction failed: locked")
        return self.inner.session()


def test_a_database_locked_after_the_move_leaves_the_action_executing_for_reconcile(
    db: Database, mlflow: MlflowRegistry, credit: str
) -> None:
    action = add_action(db, model=credit, from_version="3")
    locked = _LockedAfterTheMove(db)
    watched = WatchedRegistry(mlflow)
    watched.after["set_alias"] = lambda: setattr(locked, "locked", True)
    with pytest.raises(IncidentStoreError, match="locked"):
        execute_rollback(locked, watched, action, at=AT, actor="govern", audit=audit_append)
    assert action_row(db, action)["status"] == "executing" and _champion(mlflow, credit) == "2"

    [outcome] = reconcile(db, watched, at=AT, audit=audit_append)
    assert (outcome.status, outcome.moved) == ("done", False) and watched.count("set_alias") == 1
    assert audit_kinds(db) == DONE

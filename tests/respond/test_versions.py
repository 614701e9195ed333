"""Governance's record on registry versions: the artifact checksum (against a hand-computed oracle), the record
and its tags mirrored in the real MLflow registry, the safe version, the artifact check."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from sqlalchemy import select

from govern.errors import RegistryError
from govern.registry import InMemoryRegistry, MlflowRegistry, ModelRegistry
from govern.respond.database import Database
from govern.respond.db import VersionRecord
from govern.respond.versions import (
    TAG_ARTIFACT_SHA256,
    TAG_FAILED,
    TAG_LAST_JUDGED,
    TAG_LAST_PASSED,
    TAG_STATUS,
    record_version,
    safe_version,
    verify_artifacts,
)
from tests.respond.versions_factory import (
    AT,
    WatchedRegistry,
    audit_append,
    audit_kinds,
    classifier,
    database,
    mlflow_registry,
    register_versions,
)

_names = (f"credit_{i}" for i in itertools.count())


@pytest.fixture
def name() -> str:
    return next(_names)


@pytest.fixture(scope="module")
def mlflow(tmp_path_factory: pytest.TempPathFactory) -> MlflowRegistry:
    return mlflow_registry(tmp_path_factory.mktemp("registry"))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    opened = database(tmp_path / "governance.db")
    yield opened
    opened.close()


def _artifact_folder(registry: MlflowRegistry, name: str, version: str) -> Path:
    return Path(unquote(urlparse(registry.client.get_model_version_download_uri(name, version)).path))


def _oracle_digest(folder: Path) -> str:
    """The documented formula, computed independently: sorted "path NUL sha256 LF" lines, hashed."""
    lines = sorted(
        f"{p.relative_to(folder).as_posix()}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\n"
        for p in folder.rglob("*")
        if p.is_file()
    )
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _flip_a_byte(path: Path) -> None:
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))


# ---------------------------------------------------------------------------------------------- the digest


@pytest.mark.parametrize("kind", ["memory", "mlflow"])
def test_digest_is_stable_and_differs_between_versions(mlflow: MlflowRegistry, name: str, kind: str) -> None:
    registry: ModelRegistry = InMemoryRegistry() if kind == "memory" else mlflow
    register_versions(registry, name, 2)
    first = registry.artifact_digest(name, "1")
    assert len(first) == 64 and int(first, 16) >= 0
    assert registry.artifact_digest(name, "1") == first
    assert registry.artifact_digest(name, "2") != first


def test_mlflow_digest_is_the_documented_formula_over_the_logged_files(mlflow: MlflowRegistry, name: str) -> None:
    register_versions(mlflow, name, 1)
    folder = _artifact_folder(mlflow, name, "1")
    assert {p.name for p in folder.iterdir()} >= {"MLmodel", "model.skops", "requirements.txt"}
    assert mlflow.artifact_digest(name, "1") == _oracle_digest(folder)


def test_mlflow_digest_of_downloaded_artifacts_equals_the_local_one(
    mlflow: MlflowRegistry, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Artifacts that are not a local folder (a tracking server's) are downloaded: same files, same digest."""
    register_versions(mlflow, name, 1)
    local = mlflow.artifact_digest(name, "1")
    source = mlflow.client.get_model_version(name, "1").source
    assert source.startswith("models:/")
    monkeypatch.setattr(mlflow.client, "get_model_version_download_uri", lambda *_: source)
    assert mlflow.artifact_digest(name, "1") == local


def test_a_changed_byte_changes_the_digest(mlflow: MlflowRegistry, name: str) -> None:
    register_versions(mlflow, name, 1)
    before = mlflow.artifact_digest(name, "1")
    _flip_a_byte(_artifact_folder(mlflow, name, "1") / "model.skops")
    assert mlflow.artifact_digest(name, "1") != before


def test_missing_artifacts_are_a_registry_error_naming_the_folder(mlflow: MlflowRegistry, name: str) -> None:
    register_versions(mlflow, name, 1)
    folder = _artifact_folder(mlflow, name, "1")
    for file in folder.iterdir():
        file.unlink()
    with pytest.raises(RegistryError, match=rf"model '{name}': the artifacts of version '1' must be at .*an empty"):
        mlflow.artifact_digest(name, "1")
    folder.rmdir()
    with pytest.raises(RegistryError, match=r"got no such folder instead"):
        mlflow.artifact_digest(name, "1")


@pytest.mark.parametrize("kind", ["memory", "mlflow"])
def test_digest_of_an_unknown_version_is_a_registry_error(mlflow: MlflowRegistry, name: str, kind: str) -> None:
    registry: ModelRegistry = InMemoryRegistry() if kind == "memory" else mlflow
    register_versions(registry, name, 1)
    with pytest.raises(RegistryError, match=r"version '7' must exist in the registry; got versions 1 instead"):
        registry.artifact_digest(name, "7")


@pytest.mark.parametrize("kind", ["memory", "mlflow"])
def test_delete_tag_removes_it_and_a_missing_tag_is_no_error(mlflow: MlflowRegistry, name: str, kind: str) -> None:
    registry: ModelRegistry = InMemoryRegistry() if kind == "memory" else mlflow
    registry.register_sklearn(name, classifier(0), tags={"keep": "1", "drop": "2"})
    registry.delete_tag(name, "1", "drop")
    registry.delete_tag(name, "1", "never-there")
    assert registry.get_version(name, "1").tags == {"keep": "1"}


# ---------------------------------------------------------------------------------------------- the record


def _record(db: Database, registry: ModelRegistry, name: str, version: str, night: str, verdict: str) -> None:
    with db.session() as session:
        recorded = record_version(
            session,
            registry,
            model=name,
            registry_name=name,
            version=version,
            night=night,
            verdict=verdict,  # type: ignore[arg-type]
            at=AT,
            audit=audit_append,
        )
        assert recorded.tags_error is None


def _records(db: Database, name: str) -> dict[str, VersionRecord]:
    with db.session() as session:
        found = session.scalars(select(VersionRecord).where(VersionRecord.registry_name == name)).all()
        return {r.version: r for r in found}


def test_first_sight_takes_the_digest_once_and_tags_mirror_the_record(
    db: Database, mlflow: MlflowRegistry, name: str
) -> None:
    register_versions(mlflow, name, 1)
    watched = WatchedRegistry(mlflow)
    _record(db, watched, name, "1", "2026-10-01", "passed")
    _record(db, watched, name, "1", "2026-10-02", "passed")
    assert watched.count("artifact_digest") == 1
    assert audit_kinds(db) == ["version.seen"]

    record = _records(db, name)["1"]
    assert record.artifact_sha256 == mlflow.artifact_digest(name, "1")
    assert (record.status, record.last_judged, record.last_passed, record.failed) == (
        "passed",
        "2026-10-02",
        "2026-10-02",
        None,
    )
    assert record.first_seen == AT
    assert mlflow.get_version(name, "1").tags == {
        TAG_STATUS: "passed",
        TAG_LAST_JUDGED: "2026-10-02",
        TAG_LAST_PASSED: "2026-10-02",
        TAG_ARTIFACT_SHA256: record.artifact_sha256,
    }


def test_a_version_that_failed_once_stays_failed_with_its_first_failing_night(
    db: Database, mlflow: MlflowRegistry, name: str
) -> None:
    register_versions(mlflow, name, 1)
    for night, verdict in [
        ("2026-10-01", "passed"),
        ("2026-10-05", "failed"),
        ("2026-10-03", "failed"),  # judged again, out of order
        ("2026-10-06", "passed"),
        ("2026-10-07", "judged"),
    ]:
        _record(db, mlflow, name, "1", night, verdict)
    record = _records(db, name)["1"]
    assert (record.status, record.failed, record.last_passed, record.last_judged) == (
        "failed",
        "2026-10-03",
        "2026-10-06",
        "2026-10-07",
    )
    tags = mlflow.get_version(name, "1").tags
    assert (tags[TAG_STATUS], tags[TAG_FAILED], tags[TAG_LAST_JUDGED]) == ("failed", "2026-10-03", "2026-10-07")


def test_a_judged_night_without_verdict_leaves_a_new_version_unjudged(
    db: Database, mlflow: MlflowRegistry, name: str
) -> None:
    register_versions(mlflow, name, 1)
    _record(db, mlflow, name, "1", "2026-10-01", "judged")
    assert _records(db, name)["1"].status == "unjudged"
    assert TAG_LAST_PASSED not in mlflow.get_version(name, "1").tags


def test_a_tag_that_cannot_be_written_is_reported_and_mirrored_later(
    db: Database, mlflow: MlflowRegistry, name: str
) -> None:
    register_versions(mlflow, name, 1)
    broken = WatchedRegistry(mlflow)
    broken.breaks["set_tag"] = "registry x: setting a tag failed: the tracking server is unreachable"
    with db.session() as session:
        recorded = record_version(
            session,
            broken,
            model=name,
            registry_name=name,
            version="1",
            night="2026-10-01",
            verdict="passed",
            at=AT,
            audit=audit_append,
        )
        assert recorded.first_seen
        assert recorded.tags_error == (
            f"the governance tags of version '1' of '{name}' are not mirrored: registry x: setting a tag failed: "
            f"the tracking server is unreachable"
        )
    assert _records(db, name)["1"].status == "passed"  # the record stands
    assert mlflow.get_version(name, "1").tags == {}

    _record(db, mlflow, name, "1", "2026-10-01", "passed")
    assert mlflow.get_version(name, "1").tags[TAG_STATUS] == "passed"


def test_a_registry_that_cannot_give_the_digest_adds_nothing(db: Database, mlflow: MlflowRegistry, name: str) -> None:
    register_versions(mlflow, name, 1)
    broken = WatchedRegistry(mlflow)
    broken.breaks["artifact_digest"] = "registry x: the tracking server is unreachable"
    with pytest.raises(RegistryError, match="unreachable"), db.session() as session:
        record_version(
            session,
            broken,
            model=name,
            registry_name=name,
            version="1",
            night="2026-10-01",
            verdict="passed",
            at=AT,
            audit=audit_append,
        )
    assert _records(db, name) == {} and audit_kinds(db) == []


def test_a_wrong_verdict_is_refused(db: Database, name: str) -> None:
    with pytest.raises(ValueError, match=r"verdict must be one of passed, failed, judged; got 'ok' instead"):
        _record(db, InMemoryRegistry(), name, "1", "2026-10-01", "ok")


# ---------------------------------------------------------------------------------------------- safe version


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, mlflow: MlflowRegistry) -> Iterator[tuple[Database, str]]:
    """Six versions: 1 passed, 2 passed, 3 passed then failed, 4 quarantined, 5 never judged, 6 serving, failed.
    Shared by the tests that only read it."""
    name = next(_names)
    db = database(tmp_path_factory.mktemp("history") / "governance.db")
    register_versions(mlflow, name, 6, alias="champion")
    for version, verdicts in {
        "1": ["passed"],
        "2": ["passed"],
        "3": ["passed", "failed"],
        "4": ["passed"],
        "5": ["judged"],
        "6": ["failed"],
    }.items():
        for night, verdict in zip(["2026-10-01", "2026-10-02"], verdicts, strict=False):
            _record(db, mlflow, name, version, night, verdict)
    with db.session() as session:
        four = session.scalar(
            select(VersionRecord).where(VersionRecord.registry_name == name, VersionRecord.version == "4")
        )
        assert four is not None
        four.quarantined, four.status = AT - timedelta(days=3), "quarantined"
    yield db, name
    db.close()


def test_safe_version_is_the_newest_that_passed_and_never_failed(history: tuple[Database, str]) -> None:
    db, name = history
    with db.session() as session:
        chosen, reason = safe_version(session, name, "6")
        assert chosen is not None and chosen.version == "2"
        assert reason == (
            f"version 2 is the newest version of '{name}' that passed governance (last on 2026-10-01) and never failed"
        )
        assert safe_version(session, name, "2")[0].version == "1"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("requested", "why"),
    [
        ("3", "failed governance on 2026-10-02"),
        ("4", "was quarantined on 2026-10-13T02:00:00Z"),
        ("5", "never passed governance"),
        ("6", "is the version rolled back from"),
        ("9", "has no governance record"),
    ],
)
def test_a_requested_version_that_is_not_safe_is_refused_with_the_reason(
    history: tuple[Database, str], requested: str, why: str
) -> None:
    db, name = history
    with db.session() as session:
        chosen, reason = safe_version(session, name, "6", requested)
    assert chosen is None
    assert reason == (
        f"rollback of '{name}': the requested version {requested} must have passed governance, never failed and "
        f"not be quarantined; got a version that {why} instead"
    )


def test_a_requested_safe_version_is_given(history: tuple[Database, str]) -> None:
    db, name = history
    with db.session() as session:
        chosen, reason = safe_version(session, name, "6", "1")
    assert chosen is not None and chosen.version == "1"
    assert reason == "version 1 was requested; it passed governance (last on 2026-10-01) and never failed"


def test_no_safe_version_says_so(db: Database, mlflow: MlflowRegistry, name: str) -> None:
    register_versions(mlflow, name, 2)
    _record(db, mlflow, name, "1", "2026-10-01", "failed")
    _record(db, mlflow, name, "2", "2026-10-01", "passed")
    with db.session() as session:
        assert safe_version(session, name, "2") == (
            None,
            f"no version of '{name}' other than version 2 passed governance and never failed",
        )


def test_verify_artifacts_compares_the_recorded_digest_with_todays(
    db: Database, mlflow: MlflowRegistry, name: str
) -> None:
    register_versions(mlflow, name, 1)
    _record(db, mlflow, name, "1", "2026-10-01", "passed")
    with db.session() as session:
        ok, expected, actual = verify_artifacts(session, mlflow, name, "1")
        assert ok and expected == actual == mlflow.artifact_digest(name, "1")
        _flip_a_byte(_artifact_folder(mlflow, name, "1") / "MLmodel")
        ok, expected_after, actual_after = verify_artifacts(session, mlflow, name, "1")
    assert not ok and expected_after == expected and actual_after != expected
    assert actual_after == _oracle_digest(_artifact_folder(mlflow, name, "1"))


def test_verify_artifacts_of_a_version_never_seen_is_not_ok(db: Database, mlflow: MlflowRegistry, name: str) -> None:
    register_versions(mlflow, name, 1)
    with db.session() as session:
        ok, expected, actual = verify_artifacts(session, mlflow, name, "1")
    assert (ok, expected) == (False, "") and len(actual) == 64

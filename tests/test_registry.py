"""The registry contract, run against both implementations: the in-memory double and real MLflow (SQLite in a
temporary folder). If the double drifts from MLflow's semantics, the parametrized tests say so."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from govern.errors import RegistryError
from govern.registry import (
    LOCK_TIMEOUT_SECONDS,
    MLFLOW_HTTP_DEFAULTS,
    InMemoryRegistry,
    MlflowRegistry,
    ModelRegistry,
    ModelVersionInfo,
)

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

_names = (f"model_{i}" for i in itertools.count())


@pytest.fixture
def name() -> str:
    """A fresh model name per test: the MLflow registry is shared by the module's tests."""
    return next(_names)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "income": rng.lognormal(11, 0.4, 300),
            "age": rng.integers(18, 80, 300).astype(float),
            "region": pd.Series(rng.choice(["north", "south", "west"], 300), dtype="str"),
        }
    )


def _pipeline(estimator: object) -> Pipeline:
    features = ColumnTransformer(
        [
            ("numeric", StandardScaler(), ["income", "age"]),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), ["region"]),
        ]
    )
    return Pipeline([("features", features), ("model", estimator)])


@pytest.fixture(scope="module")
def classifier(frame: pd.DataFrame) -> Pipeline:
    target = (frame["income"] > frame["income"].median()).astype(int)
    return _pipeline(LogisticRegression()).fit(frame, target)


@pytest.fixture(scope="module")
def mlflow_registry(tmp_path_factory: pytest.TempPathFactory) -> MlflowRegistry:
    root = tmp_path_factory.mktemp("registry")
    return MlflowRegistry(f"sqlite:///{root / 'mlflow.db'}", root / "mlartifacts", create=True)


@pytest.fixture(params=["memory", "mlflow"])
def registry(request: pytest.FixtureRequest, mlflow_registry: MlflowRegistry) -> Iterator[ModelRegistry]:
    yield InMemoryRegistry() if request.param == "memory" else mlflow_registry


# ---------------------------------------------------------------------------------------------- the contract


def test_both_implementations_satisfy_the_protocol(mlflow_registry: MlflowRegistry) -> None:
    assert isinstance(InMemoryRegistry(), ModelRegistry)
    assert isinstance(mlflow_registry, ModelRegistry)


def test_register_numbers_versions_from_one(registry: ModelRegistry, name: str, classifier: Pipeline) -> None:
    first = registry.register_sklearn(name, classifier, tags={"deployed_on": "2026-08-17"}, description="v1")
    second = registry.register_sklearn(name, classifier)

    assert (first.version, second.version) == ("1", "2")
    assert first.name == name
    assert first.tags == {"deployed_on": "2026-08-17"}
    assert first.aliases == () and second.tags == {}
    assert isinstance(first.created, datetime) and first.created.tzinfo is not None
    assert [v.version for v in registry.versions(name)] == ["1", "2"]


def test_versions_are_ordered_numerically_not_as_text(registry: ModelRegistry, name: str, classifier: Pipeline) -> None:
    for _ in range(11):
        registry.register_sklearn(name, classifier)
    assert [v.version for v in registry.versions(name)] == [str(i) for i in range(1, 12)]


def test_alias_moves_between_versions(registry: ModelRegistry, name: str, classifier: Pipeline) -> None:
    registry.register_sklearn(name, classifier)
    registry.register_sklearn(name, classifier)

    registry.set_alias(name, "champion", "1")
    assert registry.version_by_alias(name, "champion").version == "1"
    registry.set_alias(name, "champion", "2")

    champion = registry.version_by_alias(name, "champion")
    assert champion.version == "2" and champion.aliases == ("champion",)
    assert {v.version: v.aliases for v in registry.versions(name)} == {"1": (), "2": ("champion",)}
    assert registry.get_version(name, "1").aliases == ()


def test_two_aliases_on_one_version_are_both_listed(registry: ModelRegistry, name: str, classifier: Pipeline) -> None:
    registry.register_sklearn(name, classifier)
    registry.set_alias(name, "champion", "1")
    registry.set_alias(name, "challenger", "1")
    assert registry.get_version(name, "1").aliases == ("challenger", "champion")


def test_tags_are_added_and_overwritten(registry: ModelRegistry, name: str, classifier: Pipeline) -> None:
    registry.register_sklearn(name, classifier, tags={"stage": "candidate"})
    registry.set_tag(name, "1", "stage", "production")
    registry.set_tag(name, "1", "deployed_on", "2026-10-16")
    assert registry.get_version(name, "1").tags == {"stage": "production", "deployed_on": "2026-10-16"}


def test_loaded_model_predicts_like_the_registered_one(
    registry: ModelRegistry, name: str, classifier: Pipeline, frame: pd.DataFrame
) -> None:
    registry.register_sklearn(name, classifier)
    loaded = registry.load_model(name, "1")
    np.testing.assert_array_equal(loaded.predict(frame), classifier.predict(frame))
    np.testing.assert_array_equal(loaded.predict_proba(frame), classifier.predict_proba(frame))


def test_unknown_model_is_a_registry_error_naming_it(registry: ModelRegistry) -> None:
    for call in (
        lambda: registry.versions("no_such_model"),
        lambda: registry.get_version("no_such_model", "1"),
        lambda: registry.version_by_alias("no_such_model", "champion"),
        lambda: registry.load_model("no_such_model", "1"),
    ):
        with pytest.raises(RegistryError, match="'no_such_model' must exist"):
            call()


def test_unknown_version_names_the_versions_there_are(registry: ModelRegistry, name: str, classifier: Pipeline) -> None:
    registry.register_sklearn(name, classifier)
    with pytest.raises(RegistryError, match=rf"model '{name}': version '7' must exist .*got versions 1 instead"):
        registry.get_version(name, "7")
    with pytest.raises(RegistryError, match="version '7'"):
        registry.set_alias(name, "champion", "7")
    with pytest.raises(RegistryError, match="version '7'"):
        registry.set_tag(name, "7", "k", "v")


def test_missing_alias_error_is_the_house_form(registry: ModelRegistry, name: str, classifier: Pipeline) -> None:
    registry.register_sklearn(name, classifier)
    with pytest.raises(RegistryError, match=rf"^model '{name}': alias 'champion' must exist in the registry; got none"):
        registry.version_by_alias(name, "champion")


@pytest.mark.parametrize("alias", ["latest", "v3", ""])
def test_reserved_aliases_are_refused(registry: ModelRegistry, name: str, classifier: Pipeline, alias: str) -> None:
    registry.register_sklearn(name, classifier)
    with pytest.raises(RegistryError, match="reserved"):
        registry.set_alias(name, alias, "1")


def test_delete_model_forgets_versions_and_aliases(registry: ModelRegistry, name: str, classifier: Pipeline) -> None:
    registry.register_sklearn(name, classifier)
    registry.set_alias(name, "champion", "1")
    registry.delete_model(name)

    with pytest.raises(RegistryError, match="must exist"):
        registry.versions(name)
    registry.delete_model(name, missing_ok=True)
    with pytest.raises(RegistryError):
        registry.delete_model(name)
    assert registry.register_sklearn(name, classifier).version == "1"


# ---------------------------------------------------------------------------------------------- in memory only


def test_in_memory_registry_stores_a_copy(classifier: Pipeline, frame: pd.DataFrame) -> None:
    registry = InMemoryRegistry()
    model = _pipeline(LogisticRegression()).fit(frame, (frame["age"] > 50).astype(int))
    before = model.predict_proba(frame)
    registry.register_sklearn("m", model)
    model.fit(frame, (frame["age"] > 30).astype(int))  # the caller keeps training its object
    np.testing.assert_array_equal(registry.load_model("m", "1").predict_proba(frame), before)


def test_in_memory_registry_uses_the_given_clock(classifier: Pipeline) -> None:
    moment = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    registry = InMemoryRegistry(clock=lambda: moment)
    assert registry.register_sklearn("m", classifier).created == moment


def test_version_info_is_frozen() -> None:
    info = ModelVersionInfo("m", "1", None, None, {}, ())
    with pytest.raises(AttributeError):
        info.version = "2"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------- MLflow only


def test_mlflow_registry_caches_loaded_models(mlflow_registry: MlflowRegistry, name: str, classifier: Pipeline) -> None:
    mlflow_registry.register_sklearn(name, classifier)
    assert mlflow_registry.load_model(name, "1") is mlflow_registry.load_model(name, "1")


def test_mlflow_registry_round_trips_gradient_boosting(
    mlflow_registry: MlflowRegistry, name: str, frame: pd.DataFrame
) -> None:
    """skops refuses types it does not trust; the adapter's allow-list must cover our regressors."""
    model = _pipeline(HistGradientBoostingRegressor(max_iter=20, random_state=0)).fit(frame, frame["income"])
    mlflow_registry.register_sklearn(name, model)
    np.testing.assert_array_equal(mlflow_registry.load_model(name, "1").predict(frame), model.predict(frame))


def test_mlflow_artifacts_stay_under_the_artifact_root(
    mlflow_registry: MlflowRegistry, name: str, classifier: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mlflow_registry.register_sklearn(name, classifier)
    assert any((mlflow_registry.artifact_root / name).rglob("MLmodel"))
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlflow.db").exists()

    mlflow_registry.delete_model(name)
    assert not any((mlflow_registry.artifact_root / name).rglob("MLmodel"))


def test_mlflow_registry_restores_the_global_tracking_uri(
    mlflow_registry: MlflowRegistry, name: str, classifier: Pipeline
) -> None:
    import mlflow

    before = mlflow.get_tracking_uri()
    mlflow_registry.register_sklearn(name, classifier)
    mlflow_registry.load_model(name, "1")
    assert mlflow.get_tracking_uri() == before


def test_mlflow_registry_for_fleet_uses_the_fleet_state(tmp_path: Path) -> None:
    from govern.config import Fleet, FleetConfig

    fleet = Fleet(tmp_path / "configs" / "fleet.yaml", FleetConfig(name="f"), {}, {})
    registry = MlflowRegistry.for_fleet(fleet)
    assert registry.tracking_uri == f"sqlite:///{(tmp_path / '.state' / 'mlflow.db').resolve()}"
    assert registry.artifact_root == (tmp_path / ".state" / "mlartifacts").resolve()
    assert not registry.create and MlflowRegistry.for_fleet(fleet, create=True).create


# ------------------------------------------------------------------ a registry that cannot answer (issue 6)
# Real MLflow on real SQLite files: a missing, foreign, corrupt or locked database, and a closed HTTP port. Each
# is a RegistryError naming the registry and what was asked, in bounded time, with no SQL in it, and leaves the
# file as it was.

#: Every call of the interface, on model "m" (version 1, alias "champion" in the populated registry).
CALLS: dict[str, Callable[[MlflowRegistry, Pipeline], object]] = {
    "versions": lambda r, _: r.versions("m"),
    "get_version": lambda r, _: r.get_version("m", "1"),
    "version_by_alias": lambda r, _: r.version_by_alias("m", "champion"),
    "load_model": lambda r, _: r.load_model("m", "1"),
    "set_alias": lambda r, _: r.set_alias("m", "challenger", "1"),
    "set_tag": lambda r, _: r.set_tag("m", "1", "k", "v"),
    "register_sklearn": lambda r, model: r.register_sklearn("m", model),
    "delete_model": lambda r, _: r.delete_model("m", missing_ok=True),
}


@pytest.fixture(scope="module")
def populated_db(tmp_path_factory: pytest.TempPathFactory, classifier: Pipeline) -> Path:
    """An MLflow SQLite registry holding model "m", version 1, alias "champion": copy it, never change it."""
    root = tmp_path_factory.mktemp("populated")
    registry = MlflowRegistry(f"sqlite:///{root / 'mlflow.db'}", root / "mlartifacts", create=True)
    registry.register_sklearn("m", classifier)
    registry.set_alias("m", "champion", "1")
    return root / "mlflow.db"


def _copy_of(populated_db: Path, folder: Path, *, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> MlflowRegistry:
    shutil.copytree(populated_db.parent, folder)
    return MlflowRegistry(f"sqlite:///{folder / 'mlflow.db'}", folder / "mlartifacts", lock_timeout=lock_timeout)


def _assert_no_sql(message: str) -> None:
    assert "SELECT" not in message and "[SQL" not in message and "[parameters" not in message, message


@pytest.mark.parametrize("call", CALLS)
def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path, classifier: Pipeline, call: str) -> None:
    state = tmp_path / "state"
    registry = MlflowRegistry(f"sqlite:///{state / 'mlflow.db'}", state / "mlartifacts")
    expected = (
        f"registry sqlite:///{state / 'mlflow.db'}: the database file {state / 'mlflow.db'} must exist; got no "
        f"such file (MLflow would create an empty one): restore it or fix mlflow_tracking_uri"
    )
    with pytest.raises(RegistryError) as caught:
        CALLS[call](registry, classifier)
    assert str(caught.value) == expected
    assert not state.exists()  # neither the file nor its folder: MLflow never got to create them


def test_a_new_registry_is_created_only_when_asked(tmp_path: Path, classifier: Pipeline) -> None:
    database = tmp_path / "state" / "mlflow.db"
    creating = MlflowRegistry(f"sqlite:///{database}", tmp_path / "state" / "mlartifacts", create=True)
    assert creating.register_sklearn("m", classifier).version == "1"
    assert database.is_file()
    reading = MlflowRegistry(f"sqlite:///{database}", tmp_path / "state" / "mlartifacts")
    assert [v.version for v in reading.versions("m")] == ["1"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("directory", "must be a regular file; got a directory instead"),
        ("empty file", "must hold an MLflow registry; got an empty file"),
        ("foreign database", "must hold an MLflow registry; got an SQLite database without MLflow's tables"),
    ],
)
def test_a_file_that_holds_no_registry_is_refused_untouched(
    tmp_path: Path, classifier: Pipeline, kind: str, expected: str
) -> None:
    database = tmp_path / "mlflow.db"
    if kind == "directory":
        database.mkdir()
    elif kind == "empty file":
        database.touch()
    else:
        with sqlite3.connect(database) as db:
            db.execute("CREATE TABLE invoices (id INTEGER)")
    before = sorted(p.name for p in tmp_path.iterdir()), None if database.is_dir() else database.read_bytes()
    registry = MlflowRegistry(f"sqlite:///{database}", tmp_path / "mlartifacts")

    started = time.perf_counter()
    for call in ("version_by_alias", "register_sklearn"):
        with pytest.raises(RegistryError, match=rf"^registry sqlite:///{database}: the database file .*{expected}"):
            CALLS[call](registry, classifier)
    assert time.perf_counter() - started < 5  # MLflow retries a path it cannot open for about 100 s
    assert (sorted(p.name for p in tmp_path.iterdir()), None if database.is_dir() else database.read_bytes()) == before


@pytest.mark.parametrize("damage", ["random bytes", "truncated copy"])
@pytest.mark.parametrize("call", ["version_by_alias", "load_model", "set_tag"])
def test_a_corrupt_database_is_a_fault_naming_the_registry_without_sql(
    tmp_path: Path, populated_db: Path, classifier: Pipeline, damage: str, call: str
) -> None:
    registry = _copy_of(populated_db, tmp_path / "state")
    database = tmp_path / "state" / "mlflow.db"
    content = database.read_bytes()
    damaged = np.random.default_rng(3).bytes(len(content)) if damage == "random bytes" else content[: len(content) // 2]
    database.write_bytes(damaged)

    with pytest.raises(RegistryError) as caught:
        CALLS[call](registry, classifier)
    message = str(caught.value)
    assert message.startswith(f"registry sqlite:///{database}: ")
    assert "of model 'm' failed: the database is corrupt" in message
    assert "; got DatabaseError: " in message
    _assert_no_sql(message)
    assert database.read_bytes() == damaged
    assert sorted(p.name for p in database.parent.iterdir()) == ["mlartifacts", "mlflow.db"]


@pytest.mark.parametrize("used_first", [False, True], ids=["locked-from-the-start", "locked-after-first-use"])
def test_a_locked_database_is_a_fault_within_the_lock_timeout(
    tmp_path: Path, populated_db: Path, used_first: bool
) -> None:
    """MLflow itself waits 5 s while building its store and 20 s per session (a hard-coded busy_timeout)."""
    timeout = LOCK_TIMEOUT_SECONDS if not used_first else 1.0
    registry = _copy_of(populated_db, tmp_path / "state", lock_timeout=timeout)
    database = tmp_path / "state" / "mlflow.db"
    if used_first:
        assert registry.version_by_alias("m", "champion").version == "1"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        with pytest.raises(RegistryError) as caught:
            registry.version_by_alias("m", "champion")
        elapsed = time.perf_counter() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    message = str(caught.value)
    assert message.startswith(f"registry sqlite:///{database}: reading alias 'champion' of model 'm' failed: ")
    assert "the database is locked" in message and "; got OperationalError: database is locked" in message
    _assert_no_sql(message)
    assert timeout - 0.5 < elapsed < timeout + 4
    assert registry.version_by_alias("m", "champion").version == "1"  # answers again once the lock is gone


def test_a_write_lock_fails_writes_within_the_lock_timeout_and_lets_reads_through(
    tmp_path: Path, populated_db: Path
) -> None:
    """Another process in a write transaction: reads still work; MLflow would wait 20 s before failing a write."""
    registry = _copy_of(populated_db, tmp_path / "state", lock_timeout=1.0)
    holder = sqlite3.connect(tmp_path / "state" / "mlflow.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert registry.get_version("m", "1").aliases == ("champion",)
        started = time.perf_counter()
        with pytest.raises(
            RegistryError, match=r"setting tag 'k' on version '1' of model 'm' failed: .*locked"
        ) as caught:
            registry.set_tag("m", "1", "k", "v")
        elapsed = time.perf_counter() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _assert_no_sql(str(caught.value))
    assert elapsed < 5
    assert registry.get_version("m", "1").tags == {}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _without_http_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in MLFLOW_HTTP_DEFAULTS:
        monkeypatch.setenv(key, "")  # recorded, so the test's end restores the variable's absence
        monkeypatch.delenv(key)


def test_an_unreachable_tracking_server_is_a_fault_naming_it_in_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLflow's own retries (7, backoff factor 2) take about 250 s to give up on a closed port."""
    _without_http_settings(monkeypatch)
    uri = f"http://127.0.0.1:{_closed_port()}"
    registry = MlflowRegistry(uri, tmp_path / "mlartifacts")
    started = time.perf_counter()
    with pytest.raises(RegistryError) as caught:
        registry.versions("m")
    assert time.perf_counter() - started < 30
    assert str(caught.value).startswith(
        f"registry {uri}: listing the versions of model 'm' failed: the tracking server is unreachable"
    )
    assert not (tmp_path / "mlartifacts").exists()


def test_http_retry_bounds_leave_the_users_settings_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _without_http_settings(monkeypatch)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    assert MlflowRegistry(f"http://127.0.0.1:{_closed_port()}", tmp_path).client is not None
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "0"
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == MLFLOW_HTTP_DEFAULTS["MLFLOW_HTTP_REQUEST_TIMEOUT"]


def test_a_registered_versions_run_keeps_its_params_and_metrics_for_the_card(tmp_path: Path) -> None:
    from sklearn.dummy import DummyClassifier

    from govern.registry import InMemoryRegistry, MlflowRegistry

    model = DummyClassifier().fit([[0], [1]], [0, 1])
    mlflow_registry = MlflowRegistry(f"sqlite:///{tmp_path / 'ml.db'}", tmp_path / "art", create=True)
    for registry in (InMemoryRegistry(), mlflow_registry):
        info = registry.register_sklearn("m", model, params={"algorithm": "dummy", "rows": 2}, metrics={"auc": 0.5})
        details = registry.run_details("m", info.version)
        assert (details.params, details.metrics) == ({"algorithm": "dummy", "rows": "2"}, {"auc": 0.5})

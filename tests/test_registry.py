"""The registry contract, run against both implementations: the in-memory double and real MLflow (SQLite in a
temporary folder). If the double drifts from MLflow's semantics, the parametrized tests say so."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
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
from govern.registry import InMemoryRegistry, MlflowRegistry, ModelRegistry, ModelVersionInfo

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
    return MlflowRegistry(f"sqlite:///{root / 'mlflow.db'}", root / "mlartifacts")


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

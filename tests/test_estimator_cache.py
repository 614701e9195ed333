"""The fitted-estimator cache: a cache file is unpickled only when its keyed hash (HMAC-SHA256 under the state
folder's secret key) checks out; anything else is logged, never loaded, and refitted over."""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import stat
from pathlib import Path

import pytest

from govern.config import ModelConfig
from govern.estimation import (
    CACHE_SECRET_NAME,
    EstimatorCache,
    FittedEstimators,
    ReferenceChunking,
    nightly_chunk_size,
)
from tests.fleet_factory import model_config

KEY = "0123456789abcdef01234567"


def fitted(model: str = "loan", reference_auc: float = 0.81) -> FittedEstimators:
    """Stand-ins for NannyML's calculators: the cache pickles whatever the dataclass holds."""
    return FittedEstimators(
        model=model,
        version="3",
        metrics=["roc_auc"],
        estimator={"kind": "cbpe"},
        realized={"kind": "realized"},
        reconstruction={"kind": "reconstruction"},
        reference_metrics={"roc_auc": reference_auc},
        reference_reconstruction=1.25,
        chunking=ReferenceChunking(5000, 5000, 10, 50_000),
    )


class WritesMarker:
    """A pickle that, when loaded, creates a file: what an attacker with write access to the cache would plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (str(self.marker), "w")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "state" / "cache" / "estimators"


def pickle_path(folder: Path, model: str = "loan", key: str = KEY) -> Path:
    return folder / model / f"{key}.pkl"


def tag_path(folder: Path, model: str = "loan", key: str = KEY) -> Path:
    return folder / model / f"{key}.pkl.hmac"


def rejected(caplog: pytest.LogCaptureFixture, path: Path) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and str(path) in r.getMessage()]


def test_a_fit_put_in_one_process_is_loaded_from_disk_in_the_next(folder: Path) -> None:
    EstimatorCache(folder).put(KEY, fitted())
    loaded = EstimatorCache(folder).get(KEY, "loan")  # a new cache: nothing in memory, read from disk
    assert loaded == fitted()
    assert tag_path(folder).is_file()


def test_the_secret_key_is_private_and_outside_the_cache_folder(folder: Path) -> None:
    EstimatorCache(folder).put(KEY, fitted())
    secret = folder.parent / CACHE_SECRET_NAME
    assert secret.is_file() and folder not in secret.parents
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_bytes()) == 32
    assert EstimatorCache(folder).secret_file == secret


def test_a_planted_pickle_is_never_loaded(folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The attacker replaces the pickle (keeping the old tag), adds a tag made with a key of their own, or removes
    the tag: in every case the payload is not unpickled (no marker file), a warning names the file, and the
    refit's put makes the entry load again."""
    marker = tmp_path / "pwned"
    payload = pickle.dumps(WritesMarker(marker))
    forged = hmac.new(b"a guessed key".ljust(32, b"\0"), payload, hashlib.sha256).hexdigest()
    EstimatorCache(folder).put(KEY, fitted())
    for tag in ("keep", forged, None):
        pickle_path(folder).write_bytes(payload)
        if tag is None:
            tag_path(folder).unlink()
        elif tag != "keep":
            tag_path(folder).write_text(tag)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="govern.estimation"):
            assert EstimatorCache(folder).get(KEY, "loan") is None
        assert not marker.exists()
        assert rejected(caplog, pickle_path(folder)), caplog.text
        assert pickle_path(folder).is_file()  # kept for whoever investigates, until the refit overwrites it
        EstimatorCache(folder).put(KEY, fitted())  # the caller's refit
        assert EstimatorCache(folder).get(KEY, "loan") == fitted()


def test_a_changed_byte_is_refused(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    EstimatorCache(folder).put(KEY, fitted(reference_auc=0.81))
    tampered = pickle.dumps(fitted(reference_auc=0.99))  # a plausible, harmless-looking edit
    pickle_path(folder).write_bytes(tampered)
    with caplog.at_level(logging.WARNING, logger="govern.estimation"):
        assert EstimatorCache(folder).get(KEY, "loan") is None
    assert "does not match" in " ".join(r.getMessage() for r in rejected(caplog, pickle_path(folder)))


def test_a_valid_file_copied_under_another_key_is_refused(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    other = "fedcba9876543210fedcba98"
    EstimatorCache(folder).put(KEY, fitted())
    pickle_path(folder, key=other).write_bytes(pickle_path(folder).read_bytes())
    tag_path(folder, key=other).write_text(tag_path(folder).read_text())
    with caplog.at_level(logging.WARNING, logger="govern.estimation"):
        assert EstimatorCache(folder).get(other, "loan") is None
    assert rejected(caplog, pickle_path(folder, key=other))


def test_a_truncated_file_is_logged_and_refitted(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    EstimatorCache(folder).put(KEY, fitted())
    whole = pickle_path(folder).read_bytes()
    pickle_path(folder).write_bytes(whole[: len(whole) // 2])
    with caplog.at_level(logging.WARNING, logger="govern.estimation"):
        assert EstimatorCache(folder).get(KEY, "loan") is None
    assert rejected(caplog, pickle_path(folder))
    assert pickle_path(folder).is_file()  # never deleted without a word, and here not deleted at all
    cache = EstimatorCache(folder)
    cache.put(KEY, fitted())
    assert EstimatorCache(folder).get(KEY, "loan") == fitted()


def test_an_unreadable_file_is_logged_not_deleted(
    folder: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    EstimatorCache(folder).put(KEY, fitted())
    target, read_bytes = pickle_path(folder), Path.read_bytes

    def refused(self: Path) -> bytes:  # a mode change would not do: tests may run as root
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refused)
    with caplog.at_level(logging.WARNING, logger="govern.estimation"):
        assert EstimatorCache(folder).get(KEY, "loan") is None
    assert "could not be read" in " ".join(r.getMessage() for r in rejected(caplog, target))
    assert target.exists()


def test_a_key_file_others_can_read_disables_the_disk_cache(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    EstimatorCache(folder).put(KEY, fitted())
    secret = folder.parent / CACHE_SECRET_NAME
    secret.chmod(0o644)
    cache = EstimatorCache(folder)
    with caplog.at_level(logging.WARNING, logger="govern.estimation"):
        assert cache.get(KEY, "loan") is None
        cache.put(KEY, fitted())  # memory only: nothing is written with a key others may know
        assert cache.get(KEY, "loan") == fitted()
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 1 and str(secret) in messages[0] and "0644" in messages[0]


def test_the_cache_key_holds_the_chunk_size_rounded_from_the_observed_batch() -> None:
    model = ModelConfig.model_validate(model_config())

    def key(observed_rows: int) -> str:
        return EstimatorCache.key(model, "3", "fp", ["roc_auc"], chunk_size=nightly_chunk_size(observed_rows))

    assert key(4980) == key(5020) == key(5000)  # the usual night-to-night variation: no refit
    assert key(5000) != key(1500) != key(800)  # another batch size never reuses another size's fit
